import ConnectorKit

/// A file connector's settings, read and checked from its configuration.
struct FileConnectorSettings: Sendable {
    enum Format: String, Sendable {
        case csv, jsonl
    }

    static let knownKeys: Set<String> = [
        "path", "format", "objectType", "anchor", "multiValued", "references", "types", "attributes", "delimiter",
        "pageSize", "exportPageSize", "readOnly",
    ]

    /// At most this many objects per export call: the engine journals one call's results in one event.
    static let maxExportPageSize = 100_000

    /// The connector's name, for messages.
    var name: String
    /// The file's absolute or configuration-relative path.
    var path: String
    var format: Format
    var objectType: ObjectType
    /// The attribute whose value is each row's anchor.
    var anchorAttribute: String
    /// Multi-valued attributes and, for CSV, the separator between their values in one cell (empty for JSON Lines,
    /// where `multiValued` may also be a list of names).
    var multiValued: [String: String]
    /// Reference attributes and the object type they point to.
    var references: [String: ObjectType]
    /// Declared kinds of attributes other than strings and references.
    var types: [String: AttributeKind]
    /// The column order of a new CSV file (after the anchor); later attributes follow in name order.
    var attributes: [String]
    /// The CSV field delimiter.
    var delimiter: UInt8
    var pageSize: Int
    /// Objects per export call. Each call rewrites the whole file, so calls are large; the engine journals a
    /// call's results in one event, which bounds them.
    var exportPageSize: Int
    /// Whether exports are refused (and the directory need not be writable).
    var readOnly: Bool

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
                key, "unknown setting for a file connector; known: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        name = configuration.name
        path = try configuration.path("path")
        switch try configuration.optionalString("format") {
        case "csv"?: format = .csv
        case "jsonl"?, "ndjson"?: format = .jsonl
        case let other?: throw configuration.error("format", "unknown format '\(other)'; use csv or jsonl")
        case nil:
            let lowered = path.lowercased()
            if lowered.hasSuffix(".csv") {
                format = .csv
            } else if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") {
                format = .jsonl
            } else {
                throw configuration.error(
                    "path", "cannot tell the format from the file's extension; set format: csv or jsonl")
            }
        }
        objectType = ObjectType(try configuration.string("objectType"))
        anchorAttribute = try configuration.string("anchor")
        if case .list = configuration.settings["multiValued"] {
            // In JSON Lines, arrays hold the values: a list of names is enough.
            multiValued = Dictionary(try configuration.stringList("multiValued").map { ($0, "") }) { first, _ in first }
        } else {
            multiValued = try configuration.stringMap("multiValued")
        }
        references = try configuration.stringMap("references").mapValues { ObjectType($0) }
        types = try configuration.stringMap("types").mapValues { name in
            guard let kind = AttributeKind(rawValue: name), kind != .reference else {
                throw configuration.error(
                    "types",
                    "unknown type '\(name)'; use string, integer, boolean, date or binary (references go under references)"
                )
            }
            return kind
        }
        attributes = try configuration.stringList("attributes")
        let delimiterText = try configuration.optionalString("delimiter") ?? ","
        guard delimiterText.utf8.count == 1, let byte = delimiterText.utf8.first, byte != 0x22, byte != 0x0A,
            byte != 0x0D
        else {
            throw configuration.error("delimiter", "expected one ASCII character other than a quote or a line break")
        }
        delimiter = byte
        pageSize = try configuration.integer("pageSize", default: 1000)
        exportPageSize = try configuration.integer("exportPageSize", default: 50_000)
        readOnly = try configuration.boolean("readOnly", default: false)
        try validate(configuration)
    }

    private func validate(_ configuration: ConnectorConfiguration) throws(ConnectorError) {
        guard pageSize > 0 else { throw configuration.error("pageSize", "expected a positive number") }
        guard (1...Self.maxExportPageSize).contains(exportPageSize) else {
            throw configuration.error("exportPageSize", "expected a number from 1 to \(Self.maxExportPageSize)")
        }
        if anchorAttribute.isEmpty { throw configuration.error("anchor", "expected an attribute name") }
        if multiValued[anchorAttribute] != nil || references[anchorAttribute] != nil {
            throw configuration.error("anchor", "the anchor attribute must be single-valued and not a reference")
        }
        if let kind = types[anchorAttribute], kind != .string && kind != .integer {
            throw configuration.error("types", "the anchor attribute must be a string or an integer")
        }
        for (name, separator) in multiValued.sorted(by: { $0.key < $1.key }) where separator.isEmpty && format == .csv {
            throw configuration.error("multiValued", "attribute '\(name)' needs a non-empty separator in a CSV file")
        }
        for name in references.keys.sorted() where types[name] != nil {
            throw configuration.error("types", "attribute '\(name)' is a reference; list it under references only")
        }
    }

    /// The declared kind of `attribute`, or `nil` if undeclared (a string in CSV, inferred from JSON in JSON Lines).
    func declaredKind(of attribute: String) -> AttributeKind? {
        references[attribute] != nil ? .reference : types[attribute]
    }

    /// The reader and writer of this file's format.
    var fileFormat: any FileFormat {
        switch format {
        case .csv: CSVFormat(settings: self)
        case .jsonl: JSONLinesFormat(settings: self)
        }
    }

    /// Everything that changes how a file reads, so a watermark from other settings is never trusted.
    var fingerprint: String {
        func sorted(_ map: [String: String]) -> String {
            map.keys.sorted().map { "\($0)=\(map[$0]!)" }.joined(separator: ";")
        }
        return [
            format.rawValue, String(delimiter), objectType.rawValue, anchorAttribute, sorted(multiValued),
            sorted(references.mapValues(\.rawValue)), sorted(types.mapValues(\.rawValue)),
        ].joined(separator: "|")
    }
}
