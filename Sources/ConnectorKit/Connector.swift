/// The protocol every connector implements: built in (Swift, compiled into Tandem) or out of
/// process (a plug-in speaking Plugins/PROTOCOL.md, wrapped by Tandem).
///
/// ## Implementation requirements
///
/// - Be `Sendable`; the engine calls one method at a time per connector instance, but from any task.
/// - Never block a Swift concurrency thread: run blocking client libraries on a thread of their own.
/// - Report failures as ``ConnectorError`` with the code that says what the engine should do.
/// - Anchors never change for an object's lifetime; renames are ``ObjectChange/rename(anchor:objectType:newDistinguishedName:)``.
/// - A full import returns every object in scope; a delta import returns only changes since the watermark,
///   and the final batch of both carries the new watermark.
/// - Export applies each change independently and returns one result per change, in order; a failure of one
///   object never aborts the others unless the whole system is unusable (then throw).
/// - Never log attribute values or credentials.
public protocol Connector: Sendable {
    /// What the connector can do.
    var capabilities: ConnectorCapabilities { get }

    /// The object types and attributes of the connected system.
    func schema() async throws -> ConnectorSchema

    /// Checks that the connected system is reachable and the credentials work.
    func testConnection() async throws

    /// Imports objects as a stream of batches; the final batch carries the new watermark.
    func importObjects(_ request: ImportRequest) -> AsyncThrowingStream<ImportBatch, any Error>

    /// Writes `changes` to the connected system; returns one result per change, in order.
    func export(_ changes: [ObjectChange]) async throws -> [ExportResult]

    /// Writes `batch` to the connected system; returns one result per change, in order.
    ///
    /// The engine calls this one. A batch makes each change when it is read, so a connector that reads
    /// the changes once, in order, and lets each go before the next never holds the whole call's attribute
    /// values. The default implementation makes them all and passes them to the array form: implement this
    /// one as well when an export call can be large.
    func export(_ batch: ExportBatch) async throws -> [ExportResult]
}

extension Connector {
    public func export(_ batch: ExportBatch) async throws -> [ExportResult] {
        try await export(Array(batch))
    }
}

/// The changes of one export call, each made from the engine's compact form when it is read.
///
/// Reading a change twice makes it twice: read each once, in order, and let it go.
public struct ExportBatch: RandomAccessCollection, Sendable {
    public let count: Int
    private let make: @Sendable (Int) -> ObjectChange

    /// A batch of `count` changes; `make(i)` makes the change at `i`, the same each time it is called.
    public init(count: Int, _ make: @escaping @Sendable (Int) -> ObjectChange) {
        precondition(count >= 0, "an export batch has no negative count")
        self.count = count
        self.make = make
    }

    /// A batch of changes already made.
    public init(_ changes: [ObjectChange]) {
        self.init(count: changes.count) { changes[$0] }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> ObjectChange {
        precondition(position >= 0 && position < count, "export batch index \(position) out of 0..<\(count)")
        return make(position)
    }
}

/// An opaque delta token: only the connector that produced it interprets it.
public struct Watermark: Hashable, Sendable, Codable, CustomStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// What to import.
public struct ImportRequest: Sendable {
    public enum Mode: Hashable, Sendable {
        /// Every object in scope.
        case full
        /// Changes since the watermark of an earlier import.
        case delta(Watermark)
    }

    public var mode: Mode
    /// The engine's current copy of this system's objects, for connectors that compute a delta by difference.
    public var connectorSpace: any ConnectorSpaceView

    public init(mode: Mode, connectorSpace: any ConnectorSpaceView) {
        self.mode = mode
        self.connectorSpace = connectorSpace
    }
}

/// A read-only view of the engine's copy of one connected system, as of the start of an import.
public protocol ConnectorSpaceView: Sendable {
    /// Every anchor held, in ascending order.
    func anchors() -> [Anchor]
    /// The object held for `anchor`, if any.
    func object(_ anchor: Anchor) -> ConnectorObject?
}

/// One batch of an import.
public struct ImportBatch: Hashable, Sendable {
    public enum Item: Hashable, Sendable {
        /// The whole current state of an object (added or changed).
        case object(ConnectorObject)
        /// A change relative to what the engine holds.
        case change(ObjectChange)
    }

    public var items: [Item]
    /// Set on the final batch: the watermark a later delta import starts from.
    public var watermark: Watermark?
    /// Set on the final batch of a full import: objects the engine holds that this import did
    /// not return are deleted. (A delta import reports deletes as changes instead.)
    public var isComplete: Bool

    public init(items: [Item], watermark: Watermark? = nil, isComplete: Bool = false) {
        self.items = items
        self.watermark = watermark
        self.isComplete = isComplete
    }
}

/// The outcome of exporting one change.
public enum ExportResult: Hashable, Sendable {
    /// Written. For an add, `anchor` is the identity the system gave the new object.
    case applied(anchor: Anchor)
    /// Not written; the engine records the error and may retry per the code.
    case failed(ConnectorError)
}
