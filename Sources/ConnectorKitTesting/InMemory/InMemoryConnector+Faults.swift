import ConnectorKit

extension InMemoryConnector {
    /// Makes the next export of a change to `anchor` fail with `error` as a per-object result, without
    /// applying it. Calls queue up: arming twice fails the next two exports of that anchor. For an add, the
    /// anchor is the one the add carries.
    public func failNextExport(of anchor: Anchor, with error: ConnectorError) {
        state.withLock { $0.exportFaults[anchor, default: []].append(error) }
    }

    /// Makes the next ``export(_:)`` call throw `error` without applying anything (the system is down).
    public func failNextExportCall(with error: ConnectorError) {
        state.withLock { $0.exportCallFault = error }
    }

    /// Makes the next import stream throw `error` after yielding `afterBatches` batches.
    public func failNextImport(with error: ConnectorError, afterBatches: Int = 0) {
        precondition(afterBatches >= 0, "afterBatches must not be negative")
        state.withLock { $0.importFault = (error, afterBatches) }
    }

    /// Makes ``testConnection()`` throw `error` until called again with `nil`.
    public func failTestConnection(with error: ConnectorError?) {
        state.withLock { $0.testConnectionFault = error }
    }
}
