import HTTPTypes
import Hummingbird
import NIOCore
import TandemJournal

/// `GET /v1/journal?from=SEQ`: the journal's frames exactly as stored, from the frame starting at
/// SEQ, followed as new ones become durable, in one kept-open chunked response (no re-encoding:
/// bytes go from the segment file to the socket; over plain HTTP with `sendfile`, see
/// ``FileRegionSender``, over TLS read into buffers first). The response ends after
/// ``ServerOptions/shippingIdleTimeout`` with nothing new, after
/// ``ServerOptions/shippingMaxStreamDuration``, or when the server stops; the staging server
/// then reconnects from its last durable seq + 1. See Journal/FORMAT.md, "Shipping".
enum JournalStreamRoute {
    /// Bytes read from the journal per write to the socket: small enough that reading, sending and
    /// the staging server's writing overlap from the first megabyte on.
    static let chunkBytes = 1 << 20

    static func respond(request: Request, channel: any Channel, node: TandemNode, options: ServerOptions)
        async throws -> Response
    {
        guard let text = request.uri.queryParameters["from"], let from = UInt64(String(text)), from >= 1 else {
            return HTTPFrontend.error(.badRequest, "give the first seq to ship as ?from=SEQ (a whole number ≥ 1)")
        }
        let journal = try await node.shippingJournal()
        let follower: JournalFrameFollower
        do {
            follower = try journal.frameFollower(from: from)
        } catch let error as JournalError where error.code == .notFound {
            // Before the oldest seq held (retention, or a based journal): only a checkpoint can start there.
            let advice =
                from <= journal.lastSeq
                ? "a staging server with an empty journal must bootstrap from a checkpoint instead (GET /v1/checkpoint; 'tandem serve --bootstrap auto' does): "
                : ""
            return HTTPFrontend.error(.rangeNotSatisfiable, advice + error.message)
        }
        // Over plain HTTP the frames go from the page cache to the socket with `sendfile`.
        let sendfile = options.tlsCertificatePath == nil && options.shippingSendfile
        let sender = sendfile ? try await FileRegionSender.installed(on: channel) : nil
        // Read what is there now before answering, so that a SEQ inside a frame gets a clear 400.
        let handle = FollowerHandle(follower, sendingFiles: sender != nil)
        let first: FollowerHandle.Piece
        do {
            first = try handle.next()
        } catch let error as JournalError where error.code == .invalidArgument {
            return HTTPFrontend.error(.badRequest, error.message)
        }
        let metrics = node.metrics
        let headers: HTTPFields = [
            .contentType: ShippingProtocol.frameStreamType,
            HTTPField.Name(ShippingProtocol.journalIDHeader)!: journal.journalID.uuidString,
            HTTPField.Name(ShippingProtocol.lastSeqHeader)!: String(journal.lastSeq),
            .cacheControl: "no-store",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                metrics.update {
                    $0.journalStreams += 1
                    $0.openJournalStreams += 1
                }
                defer { metrics.update { $0.openJournalStreams -= 1 } }
                let clock = ContinuousClock()
                let deadline = clock.now + options.shippingMaxStreamDuration
                var lastSent = clock.now
                var pending: FollowerHandle.Piece? = first
                var open = true
                while !node.isStopping && clock.now < deadline {
                    let piece: FollowerHandle.Piece
                    if let first = pending {
                        piece = first
                        pending = nil
                    } else {
                        piece = try handle.next()
                    }
                    if piece.byteCount == 0 {
                        // Read once more after the journal closed, then end the stream cleanly.
                        if !open || clock.now - lastSent >= options.shippingIdleTimeout { break }
                        open = await handle.follower.waitForFrames(
                            waitingAtMost: min(.seconds(1), options.shippingIdleTimeout))
                        continue
                    }
                    lastSent = clock.now
                    let size = piece.byteCount
                    let frames = handle.framesRead
                    switch piece {
                    case .buffer(let buffer):
                        try await writer.write(buffer)
                    case .file(let file, let offset, let length):
                        // Written in order with the response's other parts; the sender swaps in the file's bytes.
                        try await writer.write(sender!.placeholder(for: file, offset: offset, length: length))
                    }
                    metrics.update {
                        $0.shippedFrames += UInt64(frames)
                        $0.shippedBytes += UInt64(size)
                    }
                }
                try await writer.finish(nil)
            })
    }
}

/// Carries a frame follower into the response body's writer task, and reads its frames into
/// buffers for the socket, or finds where they lie in their segment file for `sendfile`. Audited:
/// the follower is made before the response and used only by one task at a time afterwards,
/// never concurrently.
private final class FollowerHandle: @unchecked Sendable {
    /// Durable frames to send: read into a buffer, or where they lie in an open segment file.
    enum Piece {
        case buffer(ByteBuffer)
        case file(OpenSegmentFile, offset: Int64, length: Int)

        var byteCount: Int {
            switch self {
            case .buffer(let buffer): buffer.readableBytes
            case .file(_, _, let length): length
            }
        }
    }

    let follower: JournalFrameFollower
    /// Frames in the piece the last ``next()`` returned.
    private(set) var framesRead = 0
    private var capacity = JournalStreamRoute.chunkBytes
    private let sendingFiles: Bool
    /// The segment file of the last piece, kept open for the next.
    private var file: OpenSegmentFile?

    init(_ follower: JournalFrameFollower, sendingFiles: Bool) {
        self.follower = follower
        self.sendingFiles = sendingFiles
    }

    /// The durable frames available now (empty if none is).
    func next() throws -> Piece {
        guard sendingFiles else { return .buffer(try read()) }
        let run = try follower.locateStoredFrames(maxBytes: JournalStreamRoute.chunkBytes)
        framesRead = run.frameCount
        guard run.byteCount > 0, let path = run.filePath else { return .buffer(ByteBuffer()) }
        if file?.path != path { file = try OpenSegmentFile(path: path) }
        return .file(file!, offset: run.fileOffset, length: run.byteCount)
    }

    /// The durable frames available now, whole and exactly as stored, read straight from the segment
    /// file into one buffer of up to ``JournalStreamRoute/chunkBytes`` (more for a larger frame);
    /// empty if none is available.
    func read() throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        while true {
            var run = StoredFrameRun()
            try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { raw in
                run = try follower.readStoredFrames(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<capacity]))
                return run.byteCount
            }
            if let needed = run.neededBytes, run.byteCount == 0 {
                capacity = needed
                buffer.reserveCapacity(needed)
                continue
            }
            capacity = JournalStreamRoute.chunkBytes
            framesRead = run.frameCount
            return buffer
        }
    }
}
