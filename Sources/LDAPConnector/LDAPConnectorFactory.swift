import ConnectorKit

/// Makes ``LDAPConnector``s for connectors with `type: ldap`.
public struct LDAPConnectorFactory: ConnectorFactory {
    /// A factory.
    public init() {}

    /// `ldap`.
    public var typeName: String { "ldap" }

    /// An LDAP connector from the configuration's settings (see ``LDAPConnector``).
    public func makeConnector(_ configuration: ConnectorConfiguration) throws -> any Connector {
        try LDAPConnector(configuration: configuration)
    }
}
