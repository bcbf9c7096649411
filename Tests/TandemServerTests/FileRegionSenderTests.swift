import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import TandemServer

/// The journal stream's `sendfile` path: a placeholder body part becomes the file region it stands
/// for, framed as one chunk by NIO's encoder, in order with the head and the other chunks.
@Suite struct FileRegionSenderTests {
    /// Everything the channel wrote, with file regions read from their files.
    private func written(_ channel: EmbeddedChannel, file: OpenSegmentFile, content: [UInt8]) throws
        -> (bytes: [UInt8], regions: Int)
    {
        var bytes: [UInt8] = []
        var regions = 0
        while let part = try channel.readOutbound(as: IOData.self) {
            switch part {
            case .byteBuffer(let buffer):
                bytes += buffer.readableBytesView
            case .fileRegion(let region):
                regions += 1
                #expect(region.fileHandle === file.handle)
                bytes += content[region.readerIndex..<region.endIndex]
            }
        }
        return (bytes, regions)
    }

    @Test func aPlaceholderIsSentAsItsFileRegionInOneChunkInOrder() throws {
        let path = NSTemporaryDirectory() + "tandem-region-\(UUID().uuidString)"
        let content = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
        let sender = try FileRegionSender.install(in: channel.pipeline.syncOperations)
        let file = try OpenSegmentFile(path: path)
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "transfer-encoding", value: "chunked")
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "abc"))), promise: nil)
        let token = sender.placeholder(for: file, offset: 1000, length: 3000)
        // A body part that merely has a placeholder's length is sent as it is.
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(repeating: 0x41, count: 16))), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(token)), promise: nil)
        channel.write(HTTPServerResponsePart.end(nil), promise: nil)
        channel.flush()

        let (bytes, regions) = try written(channel, file: file, content: content)
        #expect(regions == 1)
        let expected =
            Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n".utf8)
            + Array(repeating: 0x41, count: 16) + Array("\r\nbb8\r\n".utf8) + content[1000..<4000]
            + Array("\r\n0\r\n\r\n".utf8)
        #expect(bytes == expected)
        #expect(try channel.finish().isClean)
    }

    @Test func theSenderIsInstalledOncePerConnection() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
        let first = try FileRegionSender.install(in: channel.pipeline.syncOperations)
        let second = try FileRegionSender.install(in: channel.pipeline.syncOperations)
        #expect(first === second)
        _ = try channel.finish()
    }
}
