import ConnectorKit

/// The directory's schema as its subschema subentry publishes it: attribute types (syntax, single-value) and
/// object classes (superiors, required and allowed attributes). Names are compared without case.
struct DirectorySchema: Sendable {
    struct AttributeType: Sendable {
        var names: [String]
        var oid: String
        var superior: String?
        var syntax: String?
        var isSingleValued: Bool
        var isUserModifiable: Bool
    }

    struct ObjectClassDefinition: Sendable {
        var names: [String]
        var superiors: [String]
        var must: [String]
        var may: [String]
    }

    /// By lower-cased name and by OID.
    private(set) var attributeTypes: [String: AttributeType] = [:]
    private(set) var objectClasses: [String: ObjectClassDefinition] = [:]

    mutating func add(_ type: AttributeType) {
        for key in type.names + [type.oid] { attributeTypes[key.lowercased()] = type }
    }

    mutating func add(_ definition: ObjectClassDefinition) {
        for name in definition.names { objectClasses[name.lowercased()] = definition }
    }

    func attributeType(_ name: String) -> AttributeType? { attributeTypes[name.lowercased()] }

    /// The syntax OID of `name`, inherited from its superior types when it has none of its own.
    func syntax(of name: String) -> String? {
        var current = attributeType(name)
        var depth = 0
        while let type = current, depth < 16 {
            if let syntax = type.syntax { return syntax }
            current = type.superior.flatMap(attributeType)
            depth += 1
        }
        return nil
    }

    /// The kind of values `name` holds, from its syntax; DN-valued `references` are references.
    func kind(of name: String, references: Set<String>, binary: Set<String>) -> AttributeKind {
        if references.contains(where: { $0.caseInsensitiveEquals(name) }) { return .reference }
        if binary.contains(where: { $0.caseInsensitiveEquals(name) }) { return .binary }
        if name.lowercased().hasSuffix(";binary") { return .binary }
        switch syntax(of: name).map(Self.baseSyntax) {
        case "1.3.6.1.4.1.1466.115.121.1.27"?: return .integer
        case "1.3.6.1.4.1.1466.115.121.1.7"?: return .boolean
        case "1.3.6.1.4.1.1466.115.121.1.24"?: return .date
        case let syntax? where Self.binarySyntaxes.contains(syntax): return .binary
        default: return .string
        }
    }

    /// Octet strings, certificates, JPEG photos, audio: values that are not text.
    static let binarySyntaxes: Set<String> = [
        "1.3.6.1.4.1.1466.115.121.1.4", "1.3.6.1.4.1.1466.115.121.1.5", "1.3.6.1.4.1.1466.115.121.1.8",
        "1.3.6.1.4.1.1466.115.121.1.9", "1.3.6.1.4.1.1466.115.121.1.10", "1.3.6.1.4.1.1466.115.121.1.28",
        "1.3.6.1.4.1.1466.115.121.1.40", "1.3.6.1.4.1.1466.115.121.1.49",
    ]

    /// A syntax without its length bound: `1.3.6.1.4.1.1466.115.121.1.15{256}` → `…1.15`.
    static func baseSyntax(_ syntax: String) -> String {
        syntax.firstIndex(of: "{").map { String(syntax[..<$0]) } ?? syntax
    }

    /// The required and allowed attributes of an object class and its superiors, names as first declared.
    func attributes(of objectClass: String) -> (must: [String], may: [String])? {
        guard objectClasses[objectClass.lowercased()] != nil else { return nil }
        var must: [String] = []
        var may: [String] = []
        var seen = Set<String>()
        var pending = [objectClass]
        while let name = pending.popLast() {
            guard seen.insert(name.lowercased()).inserted, let definition = objectClasses[name.lowercased()] else {
                continue
            }
            must += definition.must.map(canonicalName)
            may += definition.may.map(canonicalName)
            pending += definition.superiors
        }
        var unique = Set<String>()
        must = must.filter { unique.insert($0.lowercased()).inserted }
        may = may.filter { unique.insert($0.lowercased()).inserted }
        return (must, may)
    }

    /// The first declared name of an attribute type (for an OID or an alias).
    func canonicalName(_ name: String) -> String {
        attributeType(name)?.names.first ?? name
    }
}
