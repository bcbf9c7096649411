import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TandemJournal

/// `GET /v1/checkpoint/manifest` and `GET /v1/checkpoint?seq=N`: the newest checkpoint a staging
/// server can bootstrap from, described, then shipped exactly as stored (the file's bytes are never
/// interpreted here, so any checkpoint format version ships). Behind the same bearer token as every
/// other endpoint. See Journal/FORMAT.md, "Based journals".
enum CheckpointRoutes {
    static let chunkBytes = 1 << 20

    static func add(to router: Router<ServerRequestContext>, node: TandemNode) {
        router.get("/v1/checkpoint/manifest") { _, _ in
            try await HTTPFrontend.guarded {
                let journal = try await node.shippingJournal()
                guard
                    var manifest = try CheckpointManifest.offer(
                        journal: journal, checkpointDirectory: node.checkpointDirectory)
                else { return noCheckpoint(journal) }
                if let foreign = await node.options.faults.checkpointJournalID { manifest.journalID = foreign }
                let data = try JSONEncoder().encode(manifest)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("/v1/checkpoint") { request, _ in
            try await HTTPFrontend.guarded {
                let journal = try await node.shippingJournal()
                var wanted: UInt64?
                if let text = request.uri.queryParameters["seq"] {
                    guard let seq = UInt64(String(text)) else {
                        return HTTPFrontend.error(.badRequest, "?seq= takes a checkpoint's seq (a whole number)")
                    }
                    wanted = seq
                }
                guard
                    var manifest = try CheckpointManifest.offer(
                        journal: journal, checkpointDirectory: node.checkpointDirectory, seq: wanted)
                else { return noCheckpoint(journal, seq: wanted) }
                if let foreign = await node.options.faults.checkpointJournalID { manifest.journalID = foreign }
                let file = FileHandleBox(
                    try CheckpointStore(directory: node.checkpointDirectory).openFile(seq: manifest.seq))
                var headers: HTTPFields = [
                    .contentType: CheckpointManifest.fileType, .cacheControl: "no-store",
                ]
                for (name, value) in manifest.headers { headers[HTTPField.Name(name)!] = value }
                return Response(
                    status: .ok, headers: headers,
                    body: ResponseBody(contentLength: Int(file.reader.length)) { writer in
                        while true {
                            let bytes = try file.reader.next(maxBytes: chunkBytes)
                            if bytes.isEmpty { break }
                            try await writer.write(ByteBuffer(bytes: bytes))
                        }
                        try await writer.finish(nil)
                    })
            }
        }
    }

    private static func noCheckpoint(_ journal: Journal, seq: UInt64? = nil) -> Response {
        let which = seq.map { "at seq \($0) " } ?? ""
        return HTTPFrontend.error(
            .notFound,
            "no checkpoint \(which)of journal \(journal.journalID) can start a staging server here: none is sound, "
                + "at a frame boundary and within the retained journal; run a cycle or 'tandem checkpoint' on the active"
        )
    }
}

/// Carries an open checkpoint file into the response body's writer task. Audited: made before the
/// response and read only by that one task afterwards.
private final class FileHandleBox: @unchecked Sendable {
    let reader: CheckpointFileReader
    init(_ reader: CheckpointFileReader) { self.reader = reader }
}
