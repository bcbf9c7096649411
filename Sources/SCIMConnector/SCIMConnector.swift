// Placeholder: replaced by the SCIMConnector implementation.
enum SCIMConnectorModule {}
