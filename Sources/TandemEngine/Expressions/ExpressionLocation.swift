/// A position in an expression's source text: 1-based line and column, counted in Unicode scalars.
package struct ExpressionLocation: Hashable, Sendable, CustomStringConvertible {
    package var line: Int
    package var column: Int

    package init(line: Int = 1, column: Int) {
        self.line = line
        self.column = column
    }

    /// `column 14`, or `line 2, column 3` past the first line.
    package var description: String {
        line == 1 ? "column \(column)" : "line \(line), column \(column)"
    }
}
