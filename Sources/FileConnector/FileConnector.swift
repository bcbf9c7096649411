import ConnectorKit
import Synchronization

/// The embedded connector for a CSV or JSON Lines file: a connected system anyone can try without a server.
///
/// Settings (`connectors.NAME` in `tandem.yaml`):
///
/// | setting | meaning |
/// | --- | --- |
/// | `path` | the file, relative to the configuration file; it must exist (an empty file is an empty system) |
/// | `format` | `csv` or `jsonl`; by default from the extension (`.csv`, `.jsonl`, `.ndjson`) |
/// | `objectType` | the type of every object in the file (`person`) |
/// | `anchor` | the attribute whose value is each object's anchor (`employeeId`) |
/// | `multiValued` | multi-valued attributes and, in CSV, the separator of their values in one cell: `{ phones: ";" }` |
/// | `references` | reference attributes and the type they point to: `{ manager: person }`; values are anchors |
/// | `types` | kinds other than string: `{ hired: date, level: integer, active: boolean, photo: binary }` |
/// | `attributes` | the column order of a new CSV file, after the anchor |
/// | `delimiter` | the CSV delimiter, `,` by default |
/// | `pageSize` | objects per import batch, 1000 by default |
/// | `exportPageSize` | objects per export call (each rewrites the file once), 50,000 by default, at most 100,000 |
/// | `readOnly` | refuse exports (the directory need not be writable) |
///
/// Dates are ISO 8601 (`2026-11-25` or `2026-11-25T13:45:00Z`), binary values base64, booleans `true`/`false`.
///
/// - Full import reads the whole file (a JSON Lines file a chunk at a time, never held whole) and returns every
///   row, decoding a page of rows each time the engine asks for a batch; a row without an anchor, a duplicate anchor or a syntax error fails the import with the file
///   and line before any batch, a malformed value at its row's page.
/// - Delta import compares the file with the engine's connector space (``ImportRequest/connectorSpace``): rows
///   that are new or differ come back as whole objects, objects the file no longer has as deletes. The watermark
///   is a hash of the file's bytes (and of the settings that shape reading): while the file is unchanged, a delta
///   import returns nothing without comparing. A connector remembers the rows of its last import by a hash of
///   each row's bytes, so its next delta import hashes the file and decodes only the rows that changed, and
///   does not read a file at all while it keeps the version (inode, size, modification time) it had long after
///   its last write.
/// - Export applies the changes to the file's current contents and replaces the file atomically (a temporary
///   file in the same directory, written, synced and renamed, then the directory synced), keeping unchanged rows
///   byte for byte: they are copied from the file on disk, in long ranges through a few megabytes of buffers,
///   and only changed rows are formatted. Between calls a connector keeps where each row of the file it wrote
///   is, not the file's bytes; a row whose values an update needs is read from the file. An add's anchor is its
///   anchor, or if empty the value of the anchor attribute; an add with neither fails with `schema`. Values a
///   file could not read back unchanged (a kind it does not declare, a CSV value holding its separator, an empty
///   string in CSV) fail with `schema`; unknown anchors with `notFound`; an existing anchor with `conflict`.
///   Renames are unsupported: files have no distinguished names.
public struct FileConnector: Connector {
    let settings: FileConnectorSettings
    /// What the last import returned, row by row (see ``ImportedRows``).
    let importedRows = ImportedRowsCache()
    /// The file as the last export wrote it (see ``ExportedFile``).
    let exportedFile = ExportedFileCache()

    /// A connector from a configuration's settings; throws ``ConnectorError/Code/invalidConfiguration`` naming
    /// the setting that is wrong.
    public init(configuration: ConnectorConfiguration) throws {
        self.settings = try FileConnectorSettings(configuration)
    }

    /// One object type; delta import by difference; adds, updates and deletes unless read-only. The page size is
    /// the export page size: the engine pages exports by it (imports are paged by `pageSize` here).
    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            objectTypes: [settings.objectType], supportsDeltaImport: true,
            exportOperations: settings.readOnly ? [] : [.add, .update, .delete],
            referenceAttributes: Set(settings.references.keys), pageSize: settings.exportPageSize)
    }

    /// The file's attributes: the CSV header's columns or the JSON members found, and the declared ones.
    public func schema() async throws -> ConnectorSchema {
        let settings = self.settings
        return try await BlockingIO.run {
            let table = try settings.fileFormat.read(FileStorage.load(settings.path).bytes, decodingValues: true)
            return settings.schema(of: table)
        }
    }

    /// Checks that the file can be read and, unless read-only, that its directory can be written.
    public func testConnection() async throws {
        let settings = self.settings
        try await BlockingIO.run { try FileStorage.check(settings.path, readOnly: settings.readOnly) }
    }

    /// Reads the file and returns its rows, or its difference from the connector space, a page each time the
    /// stream is asked for the next (on a thread of its own): nothing is decoded ahead of the engine.
    public func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let fileImport = Mutex(FileImport(settings: settings, cache: importedRows, request: request))
        return AsyncThrowingStream {
            try await BlockingIO.run { try fileImport.withLock { try $0.next() } }
        }
    }

    /// Applies the changes to the file's current contents and replaces the file once, atomically. Where each row
    /// of the file as written is kept (not its bytes), so that the next call (the next page of the same export)
    /// need not read and parse it again while nobody else has changed it: it copies the rows it does not change
    /// from the file.
    public func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        try await export(ExportBatch(changes))
    }

    /// Applies the changes one at a time, each formatted as its row's bytes and then let go, and writes the
    /// file once.
    public func export(_ changes: ExportBatch) async throws -> [ExportResult] {
        guard !settings.readOnly else {
            throw ConnectorError(.unsupported, "connectors.\(settings.name) is read-only (readOnly: true)")
        }
        let settings = self.settings
        let cache = exportedFile
        return try await BlockingIO.run {
            let format = settings.fileFormat
            // Everything is read from the file opened here, whose version is the one checked.
            let reader = try FileReader(settings.path)
            var file: ExportedFile
            if let kept = cache.take(), kept.status.version == reader.status.version {
                file = kept
            } else {
                var table = try format.read(try reader.readAll(), decodingValues: false)
                table.dropSource()
                file = ExportedFile(table: table, status: reader.status)
            }
            var results: [ExportResult] = []
            results.reserveCapacity(changes.count)
            for change in changes {
                results.append(try file.table.apply(change, settings: settings, format: format, file: reader))
            }
            if results.contains(where: { if case .applied = $0 { true } else { false } }) {
                let expected = file.status
                file.status.version = try FileStorage.replace(settings.path, expected: expected) {
                    writer throws(ConnectorError) in
                    try format.write(&file.table, from: reader, to: writer)
                }
            }
            cache.store(file)
            return results
        }
    }
}
