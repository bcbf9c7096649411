import HTTPTypes
import Hummingbird
import TandemJournal

/// `GET /v1/journal?from=SEQ`: the journal's frames exactly as stored, from the frame starting at
/// SEQ, followed as new ones become durable, in one kept-open chunked response (no re-encoding:
/// bytes go from the segment file to the socket). The response ends after
/// ``ServerOptions/shippingIdleTimeout`` with nothing new, after
/// ``ServerOptions/shippingMaxStreamDuration``, or when the server stops; the staging server
/// then reconnects from its last durable seq + 1. See Journal/FORMAT.md, "Shipping".
enum JournalStreamRoute {
    /// Bytes read from the journal per write to the socket: small enough that reading, sending and
    /// the staging server's writing overlap from the first megabyte on.
    static let chunkBytes = 1 << 20

    static func respond(request: Request, node: TandemNode, options: ServerOptions) async throws -> Response {
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
        // Read what is there now before answering, so that a SEQ inside a frame gets a clear 400.
        let handle = FollowerHandle(follower)
        let first: ByteBuffer
        do {
            first = try handle.read()
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
                var pending = first
                var open = true
                while !node.isStopping && clock.now < deadline {
                    var buffer = ByteBuffer()
                    if pending.readableBytes > 0 {
                        swap(&buffer, &pending)
                    } else {
                        buffer = try handle.read()
                    }
                    if buffer.readableBytes == 0 {
                        // Read once more after the journal closed, then end the stream cleanly.
                        if !open || clock.now - lastSent >= options.shippingIdleTimeout { break }
                        open = await handle.follower.waitForFrames(
                            waitingAtMost: min(.seconds(1), options.shippingIdleTimeout))
                        continue
                    }
                    lastSent = clock.now
                    let size = buffer.readableBytes
                    let frames = handle.framesRead
                    try await writer.write(buffer)
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
/// buffers for the socket. Audited: the follower is made before the response and used only by one
/// task at a time afterwards, never concurrently.
private final class FollowerHandle: @unchecked Sendable {
    let follower: JournalFrameFollower
    /// Frames in the buffer the last ``read()`` returned.
    private(set) var framesRead = 0
    private var capacity = JournalStreamRoute.chunkBytes

    init(_ follower: JournalFrameFollower) { self.follower = follower }

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
