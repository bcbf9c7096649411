import ConnectorKit

/// Builds RFC 7644 §3.5.2 PATCH operations from value-level attribute changes.
///
/// Multi-valued attributes change value by value: an add sends only the new values, a remove targets each value
/// with a filter (`members[value eq "ID"]`), so concurrent membership changes made by others survive.
struct PatchOperations {
    var codec: ResourceCodec

    func operations(for changes: [AttributeChange], anchor: Anchor) throws(ConnectorError) -> [JSONValue] {
        var operations: [JSONValue] = []
        for change in changes {
            let attribute = try codec.writable(change.attribute, anchor: anchor)
            let path = attribute.patchPath
            switch change {
            case .replace(_, let values):
                let values = ProvisionalReferences.dropped(values)
                if let json = try codec.json(values, for: attribute, anchor: anchor) {
                    operations.append(.object(["op": "replace", "path": .string(path), "value": json]))
                } else {
                    operations.append(.object(["op": "remove", "path": .string(path)]))
                }
            case .add(_, let values):
                let values = ProvisionalReferences.dropped(values)
                guard let json = try codec.json(values, for: attribute, anchor: anchor) else { continue }
                let op = attribute.isMultiValued ? "add" : "replace"
                operations.append(.object(["op": .string(op), "path": .string(path), "value": json]))
            case .remove(_, let values):
                guard !values.isEmpty else { continue }
                switch attribute.shape {
                case .multiValuedComplex:
                    for value in values {
                        let text = try codec.json(value, for: attribute, anchor: anchor)
                        let filter = "\(path)[value eq \(Self.quoted(text))]"
                        operations.append(.object(["op": "remove", "path": .string(filter)]))
                    }
                case .multiValuedSimple:
                    let json = try codec.json(values, for: attribute, anchor: anchor)
                    operations.append(.object(["op": "remove", "path": .string(path), "value": json ?? .null]))
                case .simple, .subAttribute, .singleComplexValue:
                    operations.append(.object(["op": "remove", "path": .string(path)]))
                }
            }
        }
        return operations
    }

    /// A value as a filter literal: strings quoted with JSON escapes (RFC 7644 §3.4.2.2), numbers and booleans bare.
    static func quoted(_ value: JSONValue) -> String {
        switch value {
        case .string(let text):
            var quoted = "\""
            for character in text.unicodeScalars {
                switch character {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                default: quoted.unicodeScalars.append(character)
                }
            }
            return quoted + "\""
        default:
            return String(decoding: value.encoded(), as: UTF8.self)
        }
    }
}

/// References to objects Tandem has provisioned but the service has not confirmed carry Tandem's provisional
/// anchors (`~provisional:…`), which are not SCIM ids. They are left out of exports: the engine exports the
/// reference again once the target's import confirms its real id.
enum ProvisionalReferences {
    static func dropped(_ values: [AttributeValue]) -> [AttributeValue] {
        values.filter {
            if case .reference(let anchor) = $0 { return !anchor.rawValue.hasPrefix("~") }
            return true
        }
    }
}
