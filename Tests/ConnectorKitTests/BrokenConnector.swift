import ConnectorKit
import ConnectorKitTesting

/// An in-memory connector with one deliberate defect, to prove the conformance suite catches it.
struct BrokenConnector: Connector {
    enum Defect: String, CaseIterable, Sendable {
        case forgetsDeletes, deltaOmitsDeletes, fullImportNotComplete, deltaImportComplete, valueAddReplaces
        case unknownAnchorApplied, failureAbortsBatch, referencesAsStrings, noWatermark, deltaRepeatsEverything
        case wrongResultCount, failingTestConnection
    }

    let inner: InMemoryConnector
    let defect: Defect

    init(_ defect: Defect) {
        self.inner = InMemoryConnector(options: .init(referenceAttributes: ["manager"], pageSize: 2))
        self.defect = defect
    }

    var capabilities: ConnectorCapabilities { inner.capabilities }

    func schema() async throws -> ConnectorSchema { try await inner.schema() }

    func testConnection() async throws {
        if defect == .failingTestConnection { throw ConnectorError(.transient, "connection refused") }
        try await inner.testConnection()
    }

    func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let defect = self.defect
        var innerRequest = request
        if defect == .deltaRepeatsEverything, case .delta = request.mode { innerRequest.mode = .full }
        let source = inner.importObjects(innerRequest)
        let isDelta = request.mode != .full
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await var batch in source {
                        switch defect {
                        case .deltaOmitsDeletes:
                            batch.items.removeAll {
                                if case .change(.delete) = $0 { return true } else { return false }
                            }
                        case .fullImportNotComplete: batch.isComplete = false
                        case .deltaImportComplete where isDelta: batch.isComplete = batch.watermark != nil
                        case .deltaRepeatsEverything where isDelta: batch.isComplete = false
                        case .referencesAsStrings: batch.items = batch.items.map(Self.referencesAsStrings)
                        case .noWatermark: batch.watermark = nil
                        default: break
                        }
                        continuation.yield(batch)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        switch defect {
        case .forgetsDeletes:
            let kept = changes.filter { if case .delete = $0 { false } else { true } }
            var results = try await inner.export(kept)[...]
            return changes.map { change in
                if case .delete(let anchor, _) = change { return .applied(anchor: anchor) }
                return results.removeFirst()
            }
        case .valueAddReplaces:
            return try await inner.export(
                changes.map { change in
                    guard case .update(let anchor, let type, let attributeChanges) = change else { return change }
                    return .update(
                        anchor: anchor, objectType: type,
                        changes: attributeChanges.map {
                            if case .add(let name, let values) = $0 { return .replace(name, values) }
                            return $0
                        })
                })
        case .unknownAnchorApplied:
            return try await inner.export(changes).enumerated().map { index, result in
                if case .failed(let error) = result, error.code == .notFound {
                    return .applied(anchor: changes[index].anchor)
                }
                return result
            }
        case .failureAbortsBatch:
            let results = try await inner.export(changes)
            if let failure = results.first(where: { if case .failed = $0 { true } else { false } }) {
                return results.map { _ in failure }
            }
            return results
        case .wrongResultCount:
            return Array(try await inner.export(changes).dropLast())
        default:
            return try await inner.export(changes)
        }
    }

    static func referencesAsStrings(_ item: ImportBatch.Item) -> ImportBatch.Item {
        guard case .object(var object) = item else { return item }
        object.attributes = object.attributes.mapValues { values in
            values.map { if case .reference(let anchor) = $0 { .string(anchor.rawValue) } else { $0 } }
        }
        return .object(object)
    }
}
