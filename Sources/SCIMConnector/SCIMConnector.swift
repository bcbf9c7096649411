import ConnectorKit
import Logging
import Synchronization

/// The connector for SCIM 2.0 services (RFC 7643, RFC 7644): cloud directories such as Entra ID, Okta or any
/// SCIM server, reached over HTTP(S) with a bearer token.
///
/// Settings (`connectors.NAME` in `tandem.yaml`):
///
/// | setting | meaning |
/// | --- | --- |
/// | `url` | the service's base URL, e.g. `https://scim.example.net/v2` |
/// | `tokenEnv` / `tokenFile` | the bearer token: an environment variable, or a file whose first line it is |
/// | `objectTypes` | resource types to manage, `[User, Group]` by default |
/// | `pageSize` | resources per list request, 1000 by default (capped by the service's `filter.maxResults`) |
/// | `timeout` | the deadline of one request, `30s` by default |
/// | `fullImportInterval` | how long delta imports use the `meta.lastModified` filter before one lists everything to find deletes; `24h` by default, `0` lists every time |
/// | `deltaOverlap` | how far before the watermark the filter starts, `1s` by default |
/// | `retryAttempts`, `retryBaseDelay`, `retryMaxDelay` | retries of 429, 5xx and network failures: 5 attempts, from `500ms` doubling up to `60s`; a `Retry-After` is honoured up to `retryMaxDelay` |
/// | `patch` | `auto` (PATCH where the service supports it, else PUT) or `never` (always PUT) |
/// | `etags` | `auto` (`If-Match` where the service supports ETags) or `never` |
///
/// Objects are the service's resources by type name (`User`, `Group`); the anchor is the SCIM `id`, which the
/// service assigns on create (the export result carries it). Attributes are flattened as ``MappedAttribute``
/// describes: `userName`, `name.givenName`, `emails`, `active`, the enterprise extension's `employeeNumber`,
/// `department` and `manager`, a group's `displayName` and `members`. `manager`, `members` (and the read-only
/// `groups`) are references whose anchors are SCIM ids. The schema comes from `/ResourceTypes` and `/Schemas`
/// where the service has them, else from RFC 7643.
///
/// Import and export behaviour are described by ``SCIMImport`` and ``SCIMExport``. Bodies and the token are never
/// logged; error messages name the request and the HTTP status and SCIM error type, never a value.
public final class SCIMConnector: Connector {
    let settings: SCIMConnectorSettings
    let transport: SCIMTransport
    let logger: Logger
    let versions = VersionCache()
    private let discovered = Mutex<SCIMDiscovery?>(nil)

    /// A connector from a configuration's settings; throws ``ConnectorError/Code/invalidConfiguration`` naming the
    /// setting that is wrong. It connects only when first used.
    public init(configuration: ConnectorConfiguration, logger: Logger = Logger(label: "tandem.connector.scim")) throws {
        settings = try SCIMConnectorSettings(configuration)
        self.logger = logger
        transport = SCIMTransport(
            baseURL: settings.baseURL, token: settings.token, timeout: settings.timeout, retry: settings.retry,
            logger: logger)
        var references: Set<String> = []
        for type in settings.objectTypes {
            guard let resourceType = SCIMSchema.builtin.resourceType(type.rawValue) else { continue }
            references.formUnion(ResourceMapping(resourceType, schema: .builtin).referenceAttributes.map(\.name))
        }
        capabilities = ConnectorCapabilities(
            objectTypes: settings.objectTypes, supportsDeltaImport: true, exportOperations: [.add, .update, .delete],
            referenceAttributes: references, pageSize: settings.pageSize)
    }

    /// The configured resource types; delta import; adds, updates and deletes; references as RFC 7643 defines.
    public let capabilities: ConnectorCapabilities

    /// The configured resource types' attributes, from the service's `/Schemas` where it has them.
    public func schema() async throws -> ConnectorSchema {
        try await discovery().connectorSchema(settings.objectTypes)
    }

    /// Reads the service's configuration and schema and lists one resource of each type, which checks the token.
    public func testConnection() async throws {
        let discovery = try await self.discovery()
        for type in settings.objectTypes {
            guard let endpoint = discovery.codecs[type]?.mapping.resourceType.endpoint else { continue }
            let response = try await transport.send(SCIMRequest(method: .GET, path: endpoint + "?startIndex=1&count=1"))
            guard response.isSuccess else {
                throw ConnectorError(
                    .protocolViolation,
                    "SCIM service at \(settings.baseURL) answered GET \(endpoint) with \(response.errorCode)",
                    systemCode: response.errorCode)
            }
        }
    }

    /// Lists resources page by page; see ``SCIMImport`` for the modes.
    public func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ImportBatch, any Error>.makeStream()
        let task = Task {
            do {
                let run = SCIMImport(
                    settings: settings, transport: transport, discovery: try await discovery(), logger: logger,
                    recordVersions: { [versions] in versions.merge($0) })
                try await run.run(request, continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Writes each change on its own; see ``SCIMExport``.
    public func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        let export = SCIMExport(
            settings: settings, transport: transport, discovery: try await discovery(), logger: logger,
            versions: versions)
        return try await export.apply(changes)
    }

    /// The service's features and schema, read once per connector.
    func discovery() async throws -> SCIMDiscovery {
        if let known = discovered.withLock({ $0 }) { return known }
        let fresh = try await SCIMDiscovery.discover(transport, objectTypes: settings.objectTypes)
        discovered.withLock { $0 = fresh }
        return fresh
    }
}
