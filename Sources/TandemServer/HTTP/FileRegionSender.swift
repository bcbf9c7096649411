import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// The request context of the HTTP API: Hummingbird's basic one plus the connection's channel, so
/// that the journal stream can send segment bytes with `sendfile` (``FileRegionSender``).
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// A segment file kept open while parts of it wait to be sent; closed when the last reference goes.
final class OpenSegmentFile: Sendable {
    let path: String
    let handle: NIOFileHandle

    init(path: String) throws {
        self.path = path
        handle = try NIOFileHandle(_deprecatedPath: path)
    }

    deinit { try? handle.close() }
}

/// Lets a response body send bytes straight from a file to the socket (`sendfile`) through
/// Hummingbird, whose body writer takes only `ByteBuffer`s: the body writes a small placeholder
/// (a ``Placeholder/token``) where the file's bytes belong, and this handler, which sits just
/// above NIO's HTTP/1 encoder, replaces that body part with the file region it stands for. The
/// encoder then frames the region as one chunk (`size CRLF`, the file's bytes, `CRLF`) and the
/// socket writes it with `sendfile`. Everything passes through the pipeline in order, so the
/// response head, earlier chunks and the region reach the socket in the order they were written.
///
/// Plain HTTP only: TLS must encrypt the bytes in user space (a file region cannot pass NIOSSL's
/// handler), so a TLS server keeps writing `ByteBuffer`s.
final class FileRegionSender: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A file region waiting for its placeholder to come down the pipeline.
    struct Placeholder: Sendable {
        /// What the body writes in place of the region: 16 random bytes no other body part has.
        let token: ByteBuffer
        let region: FileRegion
        /// Keeps the file open until the region is written.
        let file: OpenSegmentFile
    }

    private let pending = Mutex<[Placeholder]>([])

    /// The connection's sender, added just above the HTTP/1 encoder the first time (it stays for the
    /// connection's other requests, where it passes everything through).
    static func installed(on channel: any Channel) async throws -> FileRegionSender {
        try await channel.eventLoop.submit { try install(in: channel.pipeline.syncOperations) }.get()
    }

    /// ``installed(on:)`` on the channel's event loop.
    static func install(in operations: ChannelPipeline.SynchronousOperations) throws -> FileRegionSender {
        if let sender = try? operations.handler(type: FileRegionSender.self) { return sender }
        let sender = FileRegionSender()
        let encoder = try operations.handler(type: HTTPResponseEncoder.self)
        try operations.addHandler(sender, position: .after(encoder))
        return sender
    }

    /// The placeholder to write for `length` bytes of `file` from `offset`; the next body part
    /// written that equals it is replaced by those bytes.
    func placeholder(for file: OpenSegmentFile, offset: Int64, length: Int) -> ByteBuffer {
        let uuid = UUID().uuid
        let token = withUnsafeBytes(of: uuid) { ByteBuffer(bytes: $0) }
        let region = FileRegion(fileHandle: file.handle, readerIndex: Int(offset), endIndex: Int(offset) + length)
        pending.withLock { $0.append(Placeholder(token: token, region: region, file: file)) }
        return token
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        guard case .body(.byteBuffer(let buffer)) = part,
            let placeholder = pending.withLock({ pending -> Placeholder? in
                guard let first = pending.first, first.token == buffer else { return nil }
                return pending.removeFirst()
            })
        else {
            context.write(data, promise: promise)
            return
        }
        let written = promise ?? context.eventLoop.makePromise()
        let file = placeholder.file
        written.futureResult.whenComplete { _ in withExtendedLifetime(file) {} }
        context.write(wrapOutboundOut(.body(.fileRegion(placeholder.region))), promise: written)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pending.withLock { $0.removeAll() }
    }
}
