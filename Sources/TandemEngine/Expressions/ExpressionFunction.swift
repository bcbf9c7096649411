/// The functions of the expression language, named exactly as written in rules (case-sensitive).
///
/// Unless a function says otherwise: given `NULL` it returns `NULL`, given `AuthoritativeNull`
/// it returns `AuthoritativeNull`, and given several values it applies to each value in turn.
/// Text functions count and slice Unicode scalars (not grapheme clusters, whose rules change
/// between Unicode versions), accept integers, booleans, dates (ISO 8601) and references (the
/// anchor) as their text, and reject binary values. Parameters such as counts, separators and
/// formats must have exactly one value.
package enum ExpressionFunction: String, CaseIterable, Hashable, Sendable {
    /// `Trim(text)`: removes leading and trailing Unicode white space (`White_Space`, so also
    /// no-break space).
    case trim = "Trim"
    /// `Lower(text)`: Unicode default full lower-case mapping, scalar by scalar, with no locale
    /// (`İ` becomes `i̇`, never the Turkish `i`; `Σ` always becomes `σ`).
    case lower = "Lower"
    /// `Upper(text)`: Unicode default full upper-case mapping, scalar by scalar, with no locale
    /// (`ß` becomes `SS`).
    case upper = "Upper"
    /// `PCase(text)`: title-cases the first letter of each word and lower-cases every other letter.
    /// A word starts at a letter not preceded by a letter, digit, combining mark or apostrophe:
    /// `jean-luc o'neil` → `Jean-Luc O'neil`. No particle or `Mc` exceptions.
    case pCase = "PCase"
    /// `Left(text, count)`: the first `count` scalars; all of `text` if shorter. A negative count
    /// is an error.
    case left = "Left"
    /// `Right(text, count)`: the last `count` scalars; all of `text` if shorter.
    case right = "Right"
    /// `Mid(text, start, count)`: `count` scalars from the 1-based `start`; empty if `start` is
    /// past the end. A `start` below 1 or a negative count is an error.
    case mid = "Mid"
    /// `Len(text)`: the number of Unicode scalars, as an integer.
    case len = "Len"
    /// `Replace(text, old, new)`: replaces every occurrence of `old` (exact, case-sensitive; no
    /// regular expressions). An empty `old` leaves `text` unchanged.
    case replace = "Replace"
    /// `Join(separator, value, …)`: the text of every value of every argument, in order, joined
    /// by `separator`. `NULL`s and empty strings are skipped; `NULL` if nothing remains.
    case join = "Join"
    /// `Split(text, separator[, limit])`: the pieces between separators, as several values
    /// (empty pieces kept; `limit` caps the count, the last piece holding the rest). An empty
    /// separator is an error.
    case split = "Split"
    /// `Item(values, index)`: the value at the 1-based `index`; an index out of range is an error.
    case item = "Item"
    /// `Count(values)`: the number of values, as an integer; 0 for `NULL`.
    case count = "Count"
    /// `IIF(condition, then, else)`: evaluates only the chosen branch. `NULL` counts as false.
    case iif = "IIF"
    /// `IsPresent(value)`: true if some value is not an empty string. Never `NULL`.
    case isPresent = "IsPresent"
    /// `IsNullOrEmpty(value)`: the opposite of `IsPresent`.
    case isNullOrEmpty = "IsNullOrEmpty"
    /// `Coalesce(value, …)`: the first argument that `IsPresent` (or is `AuthoritativeNull`);
    /// `NULL` if none.
    case coalesce = "Coalesce"
    /// `CStr(value)`: the value as text (dates in ISO 8601, references as their anchor).
    case cStr = "CStr"
    /// `CNum(value)`: a whole number from an integer or decimal text (optional sign, no spaces).
    case cNum = "CNum"
    /// `CBool(value)`: a boolean from a boolean, an integer (non-zero is true), `"true"`/`"false"`
    /// in any ASCII case, or whole-number text.
    case cBool = "CBool"
    /// `Not(condition)`: the negated condition; `NULL` counts as false, so `Not(NULL)` is true.
    case not = "Not"
    /// `FormatDateTime(value, [inputFormat,] outputFormat)`: reformats a date. See `DateTimeFormat`.
    case formatDateTime = "FormatDateTime"
    /// `DNComponent(dn, n)`: the unescaped value of the n-th RDN from the left (1-based); `NULL`
    /// if the DN has fewer. Multi-valued RDNs give their first value.
    case dnComponent = "DNComponent"
    /// `DNComponentRev(dn, n)`: like `DNComponent`, counting from the right.
    case dnComponentRev = "DNComponentRev"
    /// `EscapeDNComponent(value)`: escapes an RDN value per RFC 4514 (and `=`, which Active
    /// Directory requires). Takes the value only, unlike Entra's, which takes `cn=` too.
    case escapeDNComponent = "EscapeDNComponent"
    /// `ConvertToBase64(value)`: base64 of the UTF-8 text (Entra uses UTF-16) or of binary bytes.
    case convertToBase64 = "ConvertToBase64"
    /// `RemoveDuplicates(values)`: the values with exact duplicates removed, first occurrence kept.
    case removeDuplicates = "RemoveDuplicates"
    /// `Contains(values, search[, CaseSensitive|CaseInsensitive])`: the 1-based index of the first
    /// value containing `search` (text values: as a substring; others: equal text), 0 if none.
    /// Case-sensitive unless told otherwise.
    case contains = "Contains"
    /// `StringFromGuid(binary)`: 16 bytes in Microsoft `objectGUID` order (first three groups
    /// little-endian) as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
    case stringFromGuid = "StringFromGuid"

    /// The fewest arguments the function takes.
    package var minimumArguments: Int {
        switch self {
        case .trim, .lower, .upper, .pCase, .len, .count, .isPresent, .isNullOrEmpty, .coalesce, .cStr, .cNum,
            .cBool, .not, .escapeDNComponent, .convertToBase64, .removeDuplicates, .stringFromGuid:
            1
        case .left, .right, .join, .split, .item, .formatDateTime, .dnComponent, .dnComponentRev, .contains: 2
        case .mid, .replace, .iif: 3
        }
    }

    /// The most arguments the function takes; `nil` if unbounded.
    package var maximumArguments: Int? {
        switch self {
        case .join, .coalesce: nil
        case .split, .formatDateTime, .contains: 3
        default: minimumArguments
        }
    }

    /// `takes 1 argument`, `takes 2 or 3 arguments`, `takes at least 2 arguments`.
    var arityDescription: String {
        func arguments(_ count: Int) -> String { count == 1 ? "1 argument" : "\(count) arguments" }
        guard let maximum = maximumArguments else { return "takes at least \(arguments(minimumArguments))" }
        if maximum == minimumArguments { return "takes \(arguments(maximum))" }
        return "takes \(minimumArguments) or \(arguments(maximum))"
    }
}
