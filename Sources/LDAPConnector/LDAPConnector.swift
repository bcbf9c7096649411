// Placeholder: replaced by the LDAPConnector implementation.
enum LDAPConnectorModule {}
