import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import TandemJournal

/// The staging server's receiving end of one `GET /v1/journal` response: splits the stream into
/// runs of whole frames and checks each frame (checksum and fields) right where the HTTP client
/// delivers the bytes, on its event loop, then hands finished runs to the commit stage.
///
/// Nothing hops to another task per network read: a run that fits in the hand-off is added at once
/// (``FrameHandoff/tryPut(_:)``); when the hand-off is full, the run is put by a task that waits
/// for room, and the client reads nothing more until it is in (the future returned to the client
/// is its backpressure), so runs are handed on in stream order. During a catch-up (up to the
/// primary's last durable seq when the response began) runs of up to
/// ``StagingFollower/catchUpRunBytes`` are handed on, afterwards every piece received, so that a
/// trickle waits for nothing.
final class ShippingReceiver: HTTPClientResponseDelegate {
    typealias Response = Void

    private struct State {
        var decoder = ShippedRunDecoder()
        var catchingUp = false
        var catchUpThrough: UInt64 = 0
        var streamOffset = 0
        /// A refusal's status and the start of its body, for the error.
        var refused: HTTPResponseStatus?
        var refusalText = ByteBuffer()
        /// The put that is waiting for room in the hand-off, if the last run did not fit.
        var waiting: Task<Void, Never>?
    }

    struct Hooks: Sendable {
        /// Called on the event loop once the primary has answered with its journal stream.
        var connected: @Sendable () -> Void = {}
        /// Called for each run handed on.
        var received: @Sendable (ShippedRun) -> Void = { _ in }
        /// Called when a frame is rejected.
        var rejected: @Sendable () -> Void = {}
        /// A test hook: the offset in the stream, within the given piece, of a byte to flip.
        var flipByte: @Sendable (_ piece: Range<Int>) -> Int? = { _ in nil }
        /// A test hook: runs are split into runs of at most about this many bytes.
        var splitRunsAt: Int?
    }

    private let state = Mutex(State())
    private let handoff: FrameHandoff
    /// Buffers of runs the commit stage has written, to receive the next runs into.
    let buffers = ShippedRunBuffers()
    private let journalID: UUID
    private let startSeq: UInt64
    private let path: String
    private let baseURL: String
    private let hooks: Hooks
    private let logger: Logger

    /// - Parameters:
    ///   - startSeq: the journal's last seq when the request is made (frames from the next one on come).
    init(
        handoff: FrameHandoff, journalID: UUID, startSeq: UInt64, baseURL: String, path: String, hooks: Hooks,
        logger: Logger
    ) {
        self.handoff = handoff
        self.journalID = journalID
        self.startSeq = startSeq
        self.baseURL = baseURL
        self.path = path
        self.hooks = hooks
        self.logger = logger
    }

    /// The primary's last durable seq when the response began: until then frames arrive back to
    /// back (a catch-up). 0 until the response head arrived.
    var catchUpThrough: UInt64 { state.withLock { $0.catchUpThrough } }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        guard head.status == .ok else {
            state.withLock { $0.refused = head.status }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        let offered = head.headers.first(name: ShippingProtocol.journalIDHeader)
        guard let offered, UUID(uuidString: offered) == journalID else {
            return task.eventLoop.makeFailedFuture(
                ServerError(
                    .mismatchedJournal,
                    "refusing the primary \(baseURL): its journal is \(offered ?? "unnamed"), ours is \(journalID); a staging server only follows its own deployment"
                ))
        }
        let catchUpThrough = head.headers.first(name: ShippingProtocol.lastSeqHeader).flatMap { UInt64($0) } ?? 0
        state.withLock { state in
            state.catchUpThrough = catchUpThrough
            state.catchingUp = startSeq < catchUpThrough
            let reserve = state.catchingUp ? StagingFollower.catchUpRunBytes + (1 << 16) : 0
            state.decoder = ShippedRunDecoder(reservingCapacity: reserve)
        }
        hooks.connected()
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let (runs, rejection) = state.withLock { state -> ([ShippedRun], FrameDecoder.DecodingError?) in
            if state.refused != nil {
                var piece = buffer
                if state.refusalText.readableBytes < 4096 { state.refusalText.writeBuffer(&piece) }
                return ([], nil)
            }
            let piece = state.streamOffset..<state.streamOffset + buffer.readableBytes
            if let flip = hooks.flipByte(piece) {
                var bytes = Array(buffer.readableBytesView)
                bytes[flip - piece.lowerBound] ^= 0x01
                bytes.withUnsafeBytes { state.decoder.append($0) }
                logger.notice("test hook: flipped a bit of a shipped byte", metadata: ["offset": "\(flip)"])
            } else {
                buffer.withUnsafeReadableBytes { state.decoder.append($0) }
            }
            state.streamOffset = piece.upperBound
            if state.catchingUp, let last = state.decoder.lastCheckedHeader, last.lastSeq >= state.catchUpThrough {
                state.catchingUp = false
            }
            if state.catchingUp && state.decoder.checkedByteCount < StagingFollower.catchUpRunBytes
                && !state.decoder.hasRejection
            {
                return ([], nil)
            }
            let (run, rejection) = state.decoder.takeRun(
                reservingForNext: state.catchingUp ? StagingFollower.catchUpRunBytes : 0, into: buffers.take)
            return (run.map(split) ?? [], rejection)
        }
        var handedOn = task.eventLoop.makeSucceededVoidFuture()
        if !runs.isEmpty {
            for run in runs { hooks.received(run) }
            if !handoff.tryPut(runs) {
                let promise = task.eventLoop.makePromise(of: Void.self)
                let handoff = self.handoff
                let waiting = Task {
                    await handoff.put(runs)
                    promise.succeed()
                }
                state.withLock { $0.waiting = waiting }
                handedOn = promise.futureResult
            }
        }
        guard let rejection else { return handedOn }
        hooks.rejected()
        let seq = rejection.claimedSeq.map { " (claims seq \($0))" } ?? ""
        let error = ServerError(
            .rejectedFrame, "shipped frame\(seq) rejected: \(rejection.description); fetching it again")
        return handedOn.flatMapThrowing { (_: Void) -> Void in throw error }
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        let refusal = state.withLock { state in state.refused.map { ($0, String(buffer: state.refusalText)) } }
        if let refusal {
            throw PrimaryClient.refusal(baseURL: baseURL, path: path, status: refusal.0.code, text: refusal.1)
        }
    }

    /// Once the response has ended (or failed): hands on the checked frames not handed on yet, after
    /// any put still waiting, so that they are made durable in order. Throws if the stream ended
    /// inside a frame (only after a clean end: `ended`).
    func finish(ended: Bool) async throws {
        let waiting = state.withLock { $0.waiting }
        await waiting?.value
        let (run, buffered) = state.withLock { state in (state.decoder.takeRun().run, state.decoder.bufferedByteCount) }
        if let run {
            hooks.received(run)
            await handoff.put(split(run))
        }
        if ended && buffered > 0 {
            throw ServerError(.primaryUnreachable, "the journal stream ended inside a frame; reconnecting")
        }
    }

    private func split(_ run: ShippedRun) -> [ShippedRun] {
        hooks.splitRunsAt.map { run.split(maxBytes: $0) } ?? [run]
    }
}
