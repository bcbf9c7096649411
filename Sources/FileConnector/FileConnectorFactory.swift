import ConnectorKit

/// Makes ``FileConnector``s for connectors with `type: file`.
public struct FileConnectorFactory: ConnectorFactory {
    /// A factory.
    public init() {}

    /// `file`.
    public var typeName: String { "file" }

    /// A file connector from the configuration's settings (see ``FileConnector``).
    public func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector {
        try FileConnector(configuration: configuration)
    }
}
