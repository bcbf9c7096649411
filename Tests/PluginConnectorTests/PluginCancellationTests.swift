import ConnectorKit
import Foundation
import Testing

@testable import PluginConnector

/// Cancelling an import sends `cancel`; the plug-in's final reply ends the request, nothing of it is returned, and
/// the same process answers the next request.
@Suite struct PluginCancellationTests {
    @Test func cancelledImportLeavesThePluginUsable() async throws {
        let directory = try PluginFixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/events"
        try PluginFixtures.writePlugin(
            "endless", in: directory,
            script: """
                import select
                def note(text):
                    with open("\(log)", "a") as f:
                        f.write(text + "\\n")
                note("started")
                for message in requests():
                    if message["type"] == "hello":
                        ready(message)
                    elif message["type"] == "import":
                        rid = message["id"]
                        note("importing")
                        n = 0
                        while True:
                            n += 1
                            send({"type": "objects", "id": rid, "items": [person("E%d" % n)]})
                            if select.select([sys.stdin], [], [], 0.05)[0]:
                                cancel = json.loads(sys.stdin.readline())
                                note("cancel %s" % cancel["id"])
                                send({"type": "error", "id": rid, "error": {"code": "cancelled", "message": "stopped"}})
                                break
                    elif message["type"] == "test":
                        note("test")
                        send({"type": "tested", "id": message["id"], "details": ["fine"]})
                """)
        let connector = try PluginFixtures.connector("endless", in: directory)
        let consumer = Task {
            var count = 0
            for try await batch in connector.importObjects(ImportRequest(mode: .full, connectorSpace: EmptySpace())) {
                count += batch.items.count
            }
            return count
        }
        try await waitForLine("importing", in: log)
        consumer.cancel()
        let result = await consumer.result
        // The stream ends without handing over any of the endless import's objects.
        #expect((try? result.get()) == 0)
        #expect(try await connector.testDetails() == ["fine"])
        let events = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(events == ["started", "importing", "cancel 2", "test"])
        await connector.shutDown()
    }

    /// Polls for a line the plug-in writes to its log file (bounded, not a timing assertion).
    private func waitForLine(_ line: String, in path: String) async throws {
        for _ in 0..<1_000 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains(line + "\n") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the plug-in never wrote '\(line)'")
    }
}
