// Placeholder: replaced by the PluginConnector implementation.
enum PluginConnectorModule {}
