import ConnectorKit

/// Makes ``SCIMConnector``s for connectors with `type: scim`.
public struct SCIMConnectorFactory: ConnectorFactory {
    /// A factory.
    public init() {}

    /// `scim`.
    public var typeName: String { "scim" }

    /// A SCIM connector from the configuration's settings (see ``SCIMConnector``).
    public func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector {
        try SCIMConnector(configuration: configuration)
    }
}
