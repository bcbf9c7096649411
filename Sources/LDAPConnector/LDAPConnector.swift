import CLDAP
import ConnectorKit
import Logging
import Synchronization

/// The built-in connector for LDAP directories: OpenLDAP, Active Directory and others, through libldap.
///
/// Settings (`connectors.NAME` in `tandem.yaml`):
///
/// | setting | meaning |
/// | --- | --- |
/// | `url` | `ldap://host:389` or `ldaps://host:636` |
/// | `startTLS` | upgrade an `ldap://` connection with StartTLS (default `false`) |
/// | `tlsCACertificateFile` | the CA certificates to verify the server with; `tlsVerify: false` skips verification |
/// | `bindDN` | the DN to bind as (simple bind); without it the connector binds anonymously |
/// | `passwordEnv` / `passwordFile` | where the bind password is: an environment variable or a file's first line |
/// | `baseDNs` | the subtrees to import, e.g. `["ou=people,dc=example,dc=org"]` (quoted: see below) |
/// | `objectTypes` | Tandem object type → LDAP object class: `{ person: inetOrgPerson, group: groupOfNames }` |
/// | `filter` | an extra filter every entry must match, e.g. `(!(employeeType=contractor))` |
/// | `attributes` | the attributes to import (default: every user attribute) |
/// | `anchor` | the anchor attribute: `entryUUID` (default) or e.g. `objectGUID` for Active Directory |
/// | `references` | DN-valued attributes imported and exported as anchors (default `[member, manager]`) |
/// | `binaryAttributes` | attributes to treat as binary beyond what the schema's syntaxes say |
/// | `pageSize` | entries per page (RFC 2696) and per import batch (default 1000) |
/// | `timeoutSeconds` | network and operation timeout (default 30) |
/// | `retries` | retries of an operation that failed transiently, with backoff (default 3) |
/// | `deltaMode` | `auto` (default), `contentSync` or `modifyTimestamp` |
/// | `fullSweepHours` | without content sync, how often a delta import reads everything to find deletes (default 24) |
///
/// YAML splits an unquoted flow list at every comma, also those inside a DN: write `baseDNs` as a block list or
/// quote each DN. A list that looks split is refused, and so is a base DN that is not a DN, lies within another or
/// (once connected) lies in none of the server's naming contexts.
///
/// - Full import pages through every base DN and returns each entry whose object class is configured. Values
///   are typed by their schema syntax (Integer, Boolean, GeneralizedTime, binary syntaxes), reference DNs become
///   the anchors of the entries they name.
/// - Delta import uses RFC 4533 content sync (refreshOnly) where the server offers it (OpenLDAP's syncprov): the
///   cookie is the watermark; changed entries come back whole, deletes as entryUUIDs. Without it, the connector
///   says so in its log and imports entries whose `modifyTimestamp` is at or after the watermark, and every
///   `fullSweepHours` reads everything to find deletes. A rename or move keeps the anchor and is reported as a
///   rename, never as a delete and an add.
/// - Export: add (the new entry's anchor is read back), modify (value-level add, delete, replace), delete, and
///   modrdn with a new superior for moves. Object class violations, constraint violations, existing entries and
///   unknown anchors fail that object only; an unreachable or busy server is retried with backoff, then stops the
///   run; refused credentials stop it at once.
/// - libldap blocks: every call runs on the connector's own serial queue, never on Swift's cooperative pool.
///   Passwords never appear in logs or errors.
public struct LDAPConnector: Connector {
    let settings: LDAPSettings
    let client: LDAPClient
    let index = DirectoryIndex()
    let logger: Logger
    private let schemaCache = SchemaCache()

    /// A connector from a configuration's settings; throws ``ConnectorError/Code/invalidConfiguration`` naming
    /// the setting that is wrong. It connects on first use.
    public init(configuration: ConnectorConfiguration, logger: Logger = Logger(label: "tandem.connector.ldap")) throws {
        let settings = try LDAPSettings(configuration)
        self.settings = settings
        self.logger = logger
        self.client = LDAPClient(settings: settings, logger: logger)
    }

    /// The configured object types; delta import; adds, updates, deletes and renames.
    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            objectTypes: settings.objectTypes.map(\.type), supportsDeltaImport: true,
            exportOperations: [.add, .update, .delete, .rename], referenceAttributes: settings.references,
            pageSize: settings.pageSize)
    }

    /// The configured object types with the attributes their object classes allow, from the subschema subentry.
    public func schema() async throws -> ConnectorSchema {
        let directory = try await directorySchema()
        var classes: [ConnectorSchema.ObjectClass] = []
        let types = settings.objectTypes.map(\.type)
        for (type, objectClass) in settings.objectTypes {
            guard let (must, may) = directory.attributes(of: objectClass) else {
                throw ConnectorError(
                    .invalidConfiguration,
                    "connectors.\(settings.name).objectTypes: the directory's schema has no object class '\(objectClass)'"
                )
            }
            var attributes: [ConnectorSchema.Attribute] = []
            for (name, required) in must.map({ ($0, true) }) + may.map({ ($0, false) }) {
                let kind = directory.kind(of: name, references: settings.references, binary: settings.binaryAttributes)
                attributes.append(
                    ConnectorSchema.Attribute(
                        name, kind: kind, multiValued: !(directory.attributeType(name)?.isSingleValued ?? false),
                        required: required && name.lowercased() != "objectclass",
                        referencedTypes: kind == .reference ? types : []))
            }
            classes.append(
                ConnectorSchema.ObjectClass(type, anchorAttribute: settings.anchorAttribute, attributes: attributes))
        }
        return ConnectorSchema(objectClasses: classes)
    }

    /// Connects, binds and reads the root DSE and the schema.
    public func testConnection() async throws {
        let settings = self.settings
        try await checkBaseDNs()
        let directory = try await directorySchema()
        for (_, objectClass) in settings.objectTypes where directory.attributes(of: objectClass) == nil {
            throw ConnectorError(
                .invalidConfiguration,
                "connectors.\(settings.name).objectTypes: the directory's schema has no object class '\(objectClass)'")
        }
    }

    /// Imports page by page (full) or by content sync / modifyTimestamp (delta); see the type's documentation.
    public func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let run = LDAPImport(connector: self, request: request)
        return AsyncThrowingStream(unfolding: { try await run.next() })
    }

    /// Applies each change on its own; see ``LDAPConnector`` for how failures are reported.
    ///
    /// Renames go first: a reference is written as the DN its target has when it is written, so an update in
    /// the same batch that names a renamed or moved entry must see the entry's new DN, not the old one.
    public func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        let directory = try await directorySchema()
        var results = [ExportResult?](repeating: nil, count: changes.count)
        let renames = changes.indices.filter { if case .rename = changes[$0] { true } else { false } }
        let others = changes.indices.filter { if case .rename = changes[$0] { false } else { true } }
        for index in renames + others {
            let change = changes[index]
            do {
                results[index] = .applied(anchor: try await apply(change, schema: directory))
            } catch let error as ConnectorError
                where
                !(error.code == .transient || error.code == .authentication
                || error.code == .cancelled)
            {
                var failure = error
                if failure.anchor == nil && !change.anchor.rawValue.isEmpty { failure.anchor = change.anchor }
                results[index] = .failed(failure)
            }
        }
        return results.map { $0! }
    }

    /// The directory's schema, read once per connector, when the base DNs are found to lie in the directory.
    func directorySchema() async throws -> DirectorySchema {
        if let cached = schemaCache.value.withLock({ $0 }) { return cached }
        try await checkBaseDNs()
        let schema = try await client.perform("reading the schema") {
            (connection: LDAPConnection) throws -> DirectorySchema in try connection.readSchema()
        }
        schemaCache.value.withLock { $0 = schema }
        return schema
    }

    /// Throws ``ConnectorError/Code/invalidConfiguration`` naming a base DN that lies in none of the server's naming
    /// contexts (a typo, or a DN that a YAML flow list split at its commas). A server that lists no naming
    /// contexts is not checked.
    func checkBaseDNs() async throws {
        let rootDSE = try await client.perform("reading the root DSE") {
            (connection: LDAPConnection) throws -> [RawEntry] in
            try connection.searchAll(
                base: "", scope: tandem_ldap_scope_base, filter: "(objectClass=*)", attributes: ["namingContexts"])
        }
        let contexts = (rootDSE.first?.values("namingContexts") ?? []).map { String(decoding: $0, as: UTF8.self) }
        let keys = contexts.map(DistinguishedName.normalized)
        guard !keys.isEmpty else { return }
        for base in settings.baseDNs {
            let key = DistinguishedName.normalized(base)
            guard !keys.contains(where: { DistinguishedName.isWithin(key, base: $0) }) else { continue }
            throw ConnectorError(
                .invalidConfiguration,
                "\(settings.baseDNsKeyPath): '\(base)' lies in none of the naming contexts of \(settings.url) ("
                    + contexts.joined(separator: "; ") + "); check the DN, and quote DNs in a flow list")
        }
    }
}

/// The directory's schema once read: connectors are values, so the cache they share is a reference.
final class SchemaCache: Sendable {
    let value = Mutex<DirectorySchema?>(nil)
}
