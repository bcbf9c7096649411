import ConnectorKit

extension FileConnectorSettings {
    /// The object class of a file: its anchor, its columns or members, and the declared attributes.
    func schema(of table: FileTable) -> ConnectorSchema {
        var names = Set(table.columns)
        var inferred: [String: AttributeKind] = [:]
        var multiple = Set<String>()
        for object in table.objects {
            for (name, values) in object.attributes {
                names.insert(name)
                if inferred[name] == nil { inferred[name] = values[0].kind }
                if values.count > 1 { multiple.insert(name) }
            }
        }
        names.formUnion([anchorAttribute] + attributes + multiValued.keys + references.keys + types.keys)
        let ordered = [anchorAttribute] + names.subtracting([anchorAttribute]).sorted()
        let attributes = ordered.map { name in
            ConnectorSchema.Attribute(
                name, kind: declaredKind(of: name) ?? (format == .csv ? .string : inferred[name] ?? .string),
                multiValued: multiValued[name] != nil || multiple.contains(name), required: name == anchorAttribute,
                referencedTypes: references[name].map { [$0] } ?? [])
        }
        return ConnectorSchema(objectClasses: [
            .init(objectType, anchorAttribute: anchorAttribute, attributes: attributes)
        ])
    }
}
