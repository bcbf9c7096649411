import BenchmarkSupport
import TandemEngine
import TandemJournal

/// Replay of the whole journal, beside reading the same journal without applying it.
struct ReplayMeasurement {
    /// Journal events (each holds a batch: up to a page of imported objects, 1,000 sync decisions, a page of export results).
    var events: Int
    /// What the events hold: imported objects, sync decisions, export results, and one for every other event.
    var changes: Int
    /// Connector-space and metaverse objects in the replayed state.
    var objects: Int
    /// Connector-space objects alone.
    var connectorSpaceObjects: Int
    /// `EngineReplay.replay(directory:)`: read, inflate, decode and apply.
    var replaySeconds: Double
    /// The journal alone: read and inflate every event (`JournalCursor.nextEvent`), decode nothing.
    var readSeconds: Double
    var payloadBytes: Int
    var stateDigest: String

    static func measure(journal directory: String) throws -> ReplayMeasurement {
        let clock = ContinuousClock()

        var start = clock.now
        let reader = try JournalReader(directory: directory)
        let cursor = try reader.cursor(from: reader.firstSeq ?? 1)
        var events = 0
        var payloadBytes = 0
        while let stored = try cursor.nextEvent() {
            events += 1
            payloadBytes += stored.event.payload.count
        }
        let readSeconds = (clock.now - start).seconds

        start = clock.now
        let state = try EngineReplay.replay(directory: directory)
        let replaySeconds = (clock.now - start).seconds

        // Not timed: what the events hold.
        var changes = 0
        let counting = try JournalReader(directory: directory).cursor(from: reader.firstSeq ?? 1)
        while let stored = try counting.nextEvent() {
            switch try EngineEventCodec.decode(stored) {
            case .objectsImported(let e)?: changes += e.changes.count
            case .syncDecisions(let e)?: changes += e.decisions.count
            case .exportResults(let e)?: changes += e.results.count
            default: changes += 1
            }
        }
        let spaceObjects = state.connectorSpaces.values.reduce(0) { $0 + $1.objects.count }
        return ReplayMeasurement(
            events: events, changes: changes, objects: spaceObjects + state.metaverse.count,
            connectorSpaceObjects: spaceObjects, replaySeconds: replaySeconds, readSeconds: readSeconds,
            payloadBytes: payloadBytes, stateDigest: state.stateDigest)
    }
}
