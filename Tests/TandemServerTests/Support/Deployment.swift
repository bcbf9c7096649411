import Foundation
import TandemJournal

/// A deployment folder: a `tandem demo` (file connectors, a journal with cycles already run) with a
/// `server:` section and a bearer token file, or a staging copy of one (same configuration and
/// connected-system files, no data).
final class Deployment {
    let root: String
    let token: String

    private init(root: String, token: String) {
        self.root = root
        self.token = token
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var config: String { root + "/tandem.yaml" }
    var journalDirectory: String { root + "/data/journal" }

    private static func makeRoot(_ label: String) -> String {
        let path =
            FileManager.default.temporaryDirectory.path + "/tandem-server-\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `tandem demo --dir ROOT --people N`, then a `server:` section naming a token file.
    static func demo(people: Int = 200, label: String = "active", token: String = "s3cret-\(UUID().uuidString)")
        async throws -> Deployment
    {
        let root = makeRoot(label)
        let result = try await TandemBinary.run(["demo", "--dir", root, "--people", "\(people)"])
        guard result.status == 0 else { throw ServerTestFailure("tandem demo failed (\(result.status))") }
        let deployment = Deployment(root: root, token: token)
        try deployment.addServerSection()
        return deployment
    }

    private func addServerSection() throws {
        try (token + "\n").write(toFile: root + "/server-token", atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        handle.seekToEndOfFile()
        handle.write(Data("\nserver:\n  tokenFile: ./server-token\n".utf8))
        try handle.close()
    }

    /// A staging server's folder: the same configuration and connected-system files, an empty data directory.
    func stagingCopy(label: String = "staging") throws -> Deployment {
        let copy = Deployment(root: Self.makeRoot(label), token: token)
        let manager = FileManager.default
        for item in ["tandem.yaml", "hr.csv", "groups.csv", "directory", "server-token"] {
            try manager.copyItem(atPath: root + "/" + item, toPath: copy.root + "/" + item)
        }
        return copy
    }

    /// Every frame of the journal, exactly as stored.
    func frames() throws -> [Frame] {
        let cursor = try JournalReader(directory: journalDirectory).cursor(from: 1)
        var frames: [Frame] = []
        while let frame = try cursor.nextFrame() { frames.append(frame) }
        return frames
    }

    func read(_ file: String) -> String {
        FileManager.default.contents(atPath: root + "/" + file).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func write(_ text: String, to file: String) throws {
        try text.write(toFile: root + "/" + file, atomically: true, encoding: .utf8)
    }
}
