import ConnectorKit
import Synchronization

/// A connected system and its connector in one, held in memory: for engine tests, examples and the
/// conformance suite's own tests.
///
/// It behaves like a strict directory:
/// - Full import returns every object in anchor order; delta import returns what changed since a
///   watermark, which is the sequence number of the last change (`mem:42`).
/// - Export applies each change independently: an update, delete or rename of an unknown anchor fails with
///   ``ConnectorError/Code/notFound``; an add whose anchor exists, or that repeats a value of a unique
///   attribute (``Options/uniqueAttributes``), fails with ``ConnectorError/Code/conflict``.
/// - Anchors for adds: an add with a non-empty anchor keeps it. An add with an empty anchor takes the value
///   of ``Options/anchorAttribute`` if that is set and the add has exactly one value for it; otherwise the
///   system generates ``Options/anchorPrefix`` followed by a counter (`mem-1`, `mem-2`, …), deterministically.
/// - Changes made with ``apply(_:)`` (someone editing the system directly) appear in delta imports like
///   exported ones.
///
/// Tests can arm faults (``failNextExport(of:with:)``, ``failNextExportCall(with:)``,
/// ``failNextImport(with:afterBatches:)``, ``failTestConnection(with:)``) and read what was exported
/// (``exportCalls``). All methods are thread-safe.
public final class InMemoryConnector: Connector {
    let state: Mutex<InMemorySystem>

    /// What the connector can do, from its options.
    public let capabilities: ConnectorCapabilities

    /// A system with `options` holding `objects` (logged as adds, so a delta from `mem:0` returns them).
    public init(options: Options = Options(), objects: [ConnectorObject] = []) {
        var system = InMemorySystem(options: options)
        for object in objects {
            if case .failed(let error) = system.apply(.add(object)) {
                preconditionFailure("InMemoryConnector cannot hold its initial object: \(error)")
            }
        }
        self.state = Mutex(system)
        self.capabilities = options.capabilities
    }

    /// The schema from ``Options/schema``, or one object class per type.
    public func schema() async throws -> ConnectorSchema {
        state.withLock { $0.options.schema ?? $0.options.defaultSchema }
    }

    /// Succeeds unless a test armed ``failTestConnection(with:)``.
    public func testConnection() async throws {
        if let error = state.withLock({ $0.testConnectionFault }) { throw error }
    }

    /// A snapshot of the objects (full) or the changes since the watermark (delta), taken when called.
    public func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ImportBatch, any Error>.makeStream()
        let planned: Result<([ImportBatch], (error: ConnectorError, afterBatches: Int)?), ConnectorError> =
            state.withLock { system in
                do throws(ConnectorError) {
                    let batches: [ImportBatch]
                    switch request.mode {
                    case .full: batches = system.fullImport()
                    case .delta(let watermark): batches = try system.deltaImport(from: watermark)
                    }
                    defer { system.importFault = nil }
                    return .success((batches, system.importFault))
                } catch {
                    return .failure(error)
                }
            }
        switch planned {
        case .failure(let error):
            continuation.finish(throwing: error)
        case .success(let (batches, fault)):
            for (index, batch) in batches.enumerated() {
                if let fault, fault.afterBatches <= index {
                    continuation.finish(throwing: fault.error)
                    return stream
                }
                continuation.yield(batch)
            }
            continuation.finish(throwing: fault?.error)
        }
        return stream
    }

    /// Applies each change in order and returns one result per change (see the type's rules), unless a
    /// test armed ``failNextExportCall(with:)``.
    public func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        try state.withLock { system throws(ConnectorError) in
            system.exportCalls.append(changes)
            if let error = system.exportCallFault {
                system.exportCallFault = nil
                throw error
            }
            return changes.map { change in
                if var queued = system.exportFaults[change.anchor], !queued.isEmpty {
                    let error = queued.removeFirst()
                    system.exportFaults[change.anchor] = queued.isEmpty ? nil : queued
                    return .failed(error)
                }
                return system.apply(change)
            }
        }
    }

    // MARK: Inspecting and changing the system directly

    /// Every object the system holds, in anchor order.
    public var objects: [ConnectorObject] {
        state.withLock { system in system.objects.keys.sorted().map { system.objects[$0]! } }
    }

    /// The object with `anchor`, if the system holds it.
    public func object(_ anchor: Anchor) -> ConnectorObject? {
        state.withLock { $0.objects[anchor] }
    }

    /// The watermark of the system's current state.
    public var watermark: Watermark {
        state.withLock { $0.watermark }
    }

    /// The changes of every ``export(_:)`` call so far, one array per call, in order.
    public var exportCalls: [[ObjectChange]] {
        state.withLock { $0.exportCalls }
    }

    /// Changes the system directly, as a person or another tool would, bypassing armed faults; the change
    /// appears in later delta imports. Returns what an export of it would.
    @discardableResult
    public func apply(_ change: ObjectChange) -> ExportResult {
        state.withLock { $0.apply(change) }
    }
}
