import ConnectorKit

extension FileTable {
    /// Applies one exported change to the rows, or says why it cannot apply; nothing changes on failure. An
    /// update of a row read without its values reads the row's bytes from `file`, the file the rows are in;
    /// throws only if that read fails.
    mutating func apply(
        _ change: ObjectChange, settings: FileConnectorSettings, format: any FileFormat, file: FileReader
    ) throws(ConnectorError) -> ExportResult {
        guard change.objectType == settings.objectType else {
            return failure(
                .schema,
                "object type '\(change.objectType)' is not stored in this file; it holds '\(settings.objectType)'",
                change.anchor)
        }
        switch change {
        case .add(let object):
            let result = add(object, settings: settings)
            if case .applied = result { formatRow(at: rows.count - 1, format: format) }
            return result
        case .update(let anchor, _, let changes):
            guard let position = index[anchor], var row = rows[position] else { return notFound(anchor) }
            if !row.isDecoded {
                // Its values are in the file (a row read), or in its formatted bytes (a row this export changed).
                let bytes: [UInt8]
                if let formatted = row.formatted {
                    bytes = formatted
                } else if let raw = row.raw {
                    bytes = try file.bytes(in: raw)
                } else {
                    preconditionFailure("a row without its values has its bytes in the file or formatted")
                }
                do {
                    row.object = try bytes.withUnsafeBufferPointer { try format.decode($0, line: row.line, in: self) }
                    row.isDecoded = true
                    row.formatted = nil
                } catch var error as ConnectorError {
                    error.anchor = anchor
                    return .failed(error)
                } catch {
                    return .failed(ConnectorError(.other, "\(error)", anchor: anchor))
                }
            }
            let anchorValues = row.object.attributes[settings.anchorAttribute]
            for attributeChange in changes { attributeChange.apply(to: &row.object.attributes) }
            if row.object.attributes[settings.anchorAttribute] != anchorValues {
                return failure(
                    .constraint, "attribute '\(settings.anchorAttribute)' holds the anchor and cannot change", anchor)
            }
            for name in Set(changes.map(\.attribute)).sorted() {
                if let problem = settings.problem(storing: row.object.attributes[name] ?? [], in: name) {
                    return failure(.schema, problem, anchor)
                }
            }
            row.raw = nil
            rows[position] = row
            formatRow(at: position, format: format)
            return .applied(anchor: anchor)
        case .delete(let anchor, _):
            guard let position = index[anchor], rows[position] != nil else { return notFound(anchor) }
            rows[position] = nil
            index[anchor] = nil
            return .applied(anchor: anchor)
        case .rename(let anchor, _, _):
            return failure(.unsupported, "a file has no distinguished names, so objects cannot be renamed", anchor)
        }
    }

    /// Adds a row. Its anchor is the add's anchor, or, if that is empty, the value of the anchor attribute;
    /// the anchor attribute is set from the anchor when missing and must match it when present.
    private mutating func add(_ proposed: ConnectorObject, settings: FileConnectorSettings) -> ExportResult {
        var object = proposed
        let name = settings.anchorAttribute
        let values = object.attributes[name]
        if object.anchor.rawValue.isEmpty {
            guard let values, values.count == 1, !values[0].text.isEmpty else {
                return failure(.schema, "the add has no anchor and no single value for anchor attribute '\(name)'", "")
            }
            object.anchor = Anchor(values[0].text)
        } else if let values {
            guard values.count == 1, values[0].text == object.anchor.rawValue else {
                return failure(.schema, "anchor attribute '\(name)' does not hold the add's anchor", object.anchor)
            }
        } else {
            switch AttributeCodec.decode(object.anchor.rawValue, as: settings.declaredKind(of: name) ?? .string) {
            case .success(let value): object.attributes[name] = [value]
            case .failure(let problem): return failure(.schema, "the anchor \(problem.description)", object.anchor)
            }
        }
        guard index[object.anchor] == nil else {
            return failure(.conflict, "a row with this anchor already exists", object.anchor)
        }
        for attribute in object.attributes.keys.sorted() {
            if let problem = settings.problem(storing: object.attributes[attribute]!, in: attribute) {
                return failure(.schema, problem, object.anchor)
            }
        }
        // A file stores no distinguished names; the engine confirms what an import returns.
        object.distinguishedName = nil
        index[object.anchor] = rows.count
        rows.append(Row(object: object, line: 0, raw: nil))
        return .applied(anchor: object.anchor)
    }

    /// Formats a changed row now, if its format allows (JSON Lines), and keeps only its bytes: a large export
    /// holds about 400 bytes of each row it changed rather than its object's values (about 2 KB).
    private mutating func formatRow(at position: Int, format: any FileFormat) {
        guard let object = rows[position]?.object, let bytes = format.formattedRow(object) else { return }
        rows[position]!.formatted = bytes
        rows[position]!.dropValues()
    }

    private func notFound(_ anchor: Anchor) -> ExportResult {
        failure(.notFound, "no row has this anchor", anchor)
    }

    private func failure(_ code: ConnectorError.Code, _ message: String, _ anchor: Anchor) -> ExportResult {
        .failed(ConnectorError(code, message, anchor: anchor.rawValue.isEmpty ? nil : anchor))
    }
}

extension FileConnectorSettings {
    /// Why `values` cannot be stored in attribute `name` so that an import reads them back unchanged, or `nil`.
    /// Never mentions the values themselves.
    func problem(storing values: [AttributeValue], in name: String) -> String? {
        let allowed: [AttributeKind] =
            declaredKind(of: name).map { [$0] } ?? (format == .csv ? [.string] : [.string, .integer, .boolean])
        if let value = values.first(where: { !allowed.contains($0.kind) }) {
            let declared = allowed.map(\.rawValue).joined(separator: ", ")
            return "attribute '\(name)' holds \(declared) values in this file, not \(value.kind.rawValue); "
                + "declare its kind under types or references"
        }
        if name.isEmpty { return "an attribute name is empty" }
        guard format == .csv else { return nil }
        guard let separator = multiValued[name] else {
            if values.count > 1 {
                return "attribute '\(name)' is single-valued in this file; declare a separator under multiValued"
            }
            if values.first.map({ AttributeCodec.encode($0).isEmpty }) == true {
                return "attribute '\(name)' cannot hold an empty string in a CSV file"
            }
            return nil
        }
        for value in values {
            let text = AttributeCodec.encode(value)
            if text.isEmpty { return "attribute '\(name)' cannot hold an empty string in a CSV file" }
            if text.contains(separator) {
                return "a value of attribute '\(name)' contains its separator '\(separator)'"
            }
        }
        return nil
    }
}
