import ConnectorKit

/// An LDAP connector's settings, read and checked from its configuration (see ``LDAPConnector`` for the keys).
struct LDAPSettings: Sendable {
    /// How a delta import finds changes.
    enum DeltaMode: String, Sendable {
        /// RFC 4533 content sync where the server offers it (OpenLDAP's syncprov), else modifyTimestamp.
        case auto
        /// RFC 4533 content sync (refreshOnly); the cookie is the watermark.
        case contentSync
        /// A `modifyTimestamp` watermark, with a periodic full sweep to catch deletes.
        case modifyTimestamp
    }

    static let knownKeys: Set<String> = [
        "url", "startTLS", "tlsCACertificateFile", "tlsVerify", "bindDN", "password", "passwordEnv", "passwordFile",
        "baseDNs", "filter", "objectTypes", "attributes", "anchor", "references", "binaryAttributes", "pageSize",
        "timeoutSeconds", "retries", "deltaMode", "fullSweepHours",
    ]

    var name: String
    var url: String
    var startTLS: Bool
    var tlsCACertificateFile: String?
    var tlsVerify: Bool
    var bindDN: String?
    var password: Secret?
    var baseDNs: [String]
    /// `connectors.NAME.baseDNs (line N)`, for errors found once connected.
    var baseDNsKeyPath: String
    /// An extra filter every imported entry must match, ANDed with the object classes.
    var filter: String?
    /// Tandem object type → the LDAP object class that marks it, in configuration order.
    var objectTypes: [(type: ObjectType, objectClass: String)]
    /// The attributes to import; empty means every user attribute.
    var attributes: [String]
    /// The attribute whose value is each entry's anchor.
    var anchorAttribute: String
    /// Attributes whose values are DNs of other entries, imported and exported as anchors.
    var references: Set<String>
    /// Attributes to treat as binary beyond those the schema's syntaxes say are.
    var binaryAttributes: Set<String>
    var pageSize: Int
    var timeoutSeconds: Int
    var retries: Int
    var deltaMode: DeltaMode
    /// In modifyTimestamp mode, a delta import this long after the latest full sweep sweeps again.
    var fullSweepHours: Int

    init(_ configuration: ConnectorConfiguration) throws(ConnectorError) {
        do {
            try self.init(checking: configuration)
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError(.invalidConfiguration, "connectors.\(configuration.name): \(error)")
        }
    }

    private init(checking configuration: ConnectorConfiguration) throws {
        for key in configuration.settings.keys.sorted() where !Self.knownKeys.contains(key) {
            throw configuration.error(
                key, "unknown setting for an LDAP connector; known: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        name = configuration.name
        url = try configuration.string("url")
        let lowered = url.lowercased()
        guard lowered.hasPrefix("ldap://") || lowered.hasPrefix("ldaps://") else {
            throw configuration.error("url", "expected an ldap:// or ldaps:// URL, found '\(url)'")
        }
        startTLS = try configuration.boolean("startTLS", default: false)
        if startTLS && lowered.hasPrefix("ldaps://") {
            throw configuration.error("startTLS", "an ldaps:// URL is already encrypted; remove startTLS")
        }
        tlsCACertificateFile =
            configuration.settings["tlsCACertificateFile"] == nil
            ? nil : try configuration.path("tlsCACertificateFile")
        tlsVerify = try configuration.boolean("tlsVerify", default: true)
        bindDN = try configuration.optionalString("bindDN")
        password = try configuration.secret("password")
        if bindDN != nil && password == nil {
            throw configuration.error("bindDN", "a bind DN needs passwordEnv or passwordFile")
        }
        baseDNs = try configuration.distinguishedNames("baseDNs")
        baseDNsKeyPath = configuration.keyPath("baseDNs")
        if baseDNs.isEmpty { throw configuration.error("baseDNs", "required setting is missing") }
        for base in baseDNs where !DistinguishedName.isValid(base) || base.isEmpty {
            throw configuration.error(
                "baseDNs", "'\(base)' is not a distinguished name; expected e.g. ou=people,dc=example,dc=org")
        }
        let keys = baseDNs.map(DistinguishedName.normalized)
        for (index, key) in keys.enumerated() {
            if let other = keys.indices.first(where: { $0 != index && DistinguishedName.isWithin(key, base: keys[$0]) })
            {
                throw configuration.error(
                    "baseDNs", "'\(baseDNs[index])' lies within '\(baseDNs[other])': its entries would be read twice")
            }
        }
        filter = try configuration.optionalString("filter")
        if let filter, !(filter.hasPrefix("(") && filter.hasSuffix(")")) {
            throw configuration.error("filter", "expected an LDAP filter in parentheses, found '\(filter)'")
        }
        switch configuration.settings["objectTypes"] {
        case .list?:
            objectTypes = try configuration.stringList("objectTypes").map { (ObjectType($0), $0) }
        case .map(let entries)?:
            objectTypes = try configuration.stringMap("objectTypes").keys.sorted().map { key in
                guard case .string(let objectClass)? = entries[key] else {
                    throw configuration.error("objectTypes", "expected a map of object type to object class")
                }
                return (ObjectType(key), objectClass)
            }
        case nil:
            throw configuration.error(
                "objectTypes", "required setting is missing; e.g. { person: inetOrgPerson, group: groupOfNames }")
        default:
            throw configuration.error("objectTypes", "expected a map of object type to object class, or a list")
        }
        attributes = try configuration.stringList("attributes")
        anchorAttribute = try configuration.optionalString("anchor") ?? "entryUUID"
        references =
            configuration.settings["references"] == nil
            ? ["member", "manager"] : Set(try configuration.stringList("references"))
        binaryAttributes = Set(try configuration.stringList("binaryAttributes"))
        pageSize = try configuration.integer("pageSize", default: 1000)
        guard (1...100_000).contains(pageSize) else { throw configuration.error("pageSize", "expected 1…100000") }
        timeoutSeconds = try configuration.integer("timeoutSeconds", default: 30)
        guard timeoutSeconds > 0 else { throw configuration.error("timeoutSeconds", "expected a positive integer") }
        retries = try configuration.integer("retries", default: 3)
        guard (0...10).contains(retries) else { throw configuration.error("retries", "expected 0…10") }
        let mode = try configuration.optionalString("deltaMode") ?? "auto"
        guard let deltaMode = DeltaMode(rawValue: mode) else {
            throw configuration.error("deltaMode", "unknown mode '\(mode)'; use auto, contentSync or modifyTimestamp")
        }
        self.deltaMode = deltaMode
        if deltaMode == .contentSync && anchorAttribute.lowercased() != "entryuuid" {
            throw configuration.error(
                "deltaMode", "content sync reports deletes by entryUUID, so it needs anchor: entryUUID")
        }
        fullSweepHours = try configuration.integer("fullSweepHours", default: 24)
        guard fullSweepHours >= 0 else {
            throw configuration.error("fullSweepHours", "expected 0 (every delta sweeps) or more")
        }
    }

    /// The object type of an entry with these object classes, if it is in scope.
    func objectType(ofClasses classes: [String]) -> ObjectType? {
        for (type, objectClass) in objectTypes where classes.contains(where: { $0.caseInsensitiveEquals(objectClass) })
        {
            return type
        }
        return nil
    }

    func objectClass(of type: ObjectType) -> String? {
        objectTypes.first { $0.type == type }?.objectClass
    }

    /// The filter of a search for every in-scope entry.
    var scopeFilter: String {
        let classes = objectTypes.map { "(objectClass=\($0.objectClass))" }.joined()
        let typeFilter = objectTypes.count == 1 ? classes : "(|\(classes))"
        guard let filter else { return typeFilter }
        return "(&\(filter)\(typeFilter))"
    }

    /// The attributes to request: the configured ones (or every user attribute), the anchor and the object classes.
    var requestedAttributes: [String] {
        var list = attributes.isEmpty ? ["*"] : attributes
        for extra in [anchorAttribute, "objectClass"] where !list.contains(where: { $0.caseInsensitiveEquals(extra) }) {
            list.append(extra)
        }
        return list
    }
}

extension String {
    /// Equal without regard to case: ASCII byte by byte (attribute and object class names are ASCII), else by
    /// lower-casing. Called for every attribute of every imported entry, so it allocates nothing on the fast path.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        var left = utf8.makeIterator()
        var right = other.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let a?, let b?):
                if a == b { continue }
                guard a < 0x80, b < 0x80 else { return lowercased() == other.lowercased() }
                if a | 0x20 != b | 0x20 || !((a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A) { return false }
            default: return false
            }
        }
    }
}
