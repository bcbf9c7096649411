import ConnectorKit
import Foundation
import Testing

@testable import PluginConnector

/// A plug-in that crashes, hangs, writes malformed lines or speaks another protocol version fails the request
/// with an error that names the plug-in and the line; the connector then starts a fresh process.
@Suite struct PluginFaultTests {
    let directory: String

    init() throws { directory = try PluginFixtures.scratchDirectory() }

    /// A script that answers the handshake, then does `onImport` for an import.
    /// The timeout is short only where a test waits for it; elsewhere a loaded machine must not trip it.
    private func plugin(_ name: String, onImport: String, responseTimeout: Int = 60) throws -> PluginConnector {
        try PluginFixtures.writePlugin(
            name, in: directory,
            script: """
                for message in requests():
                    if message["type"] == "hello":
                        ready(message)
                    elif message["type"] == "import":
                        rid = message["id"]
                \(onImport.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
                    else:
                        send({"type": "error", "id": message["id"], "error": {"code": "unsupported", "message": "no"}})
                """)
        return try PluginFixtures.connector(
            name, in: directory, settings: ["responseTimeout": .integer(responseTimeout)])
    }

    @Test func crashMidImport() async throws {
        let connector = try plugin(
            "crashes",
            onImport: """
                send({"type": "objects", "id": rid, "items": [person("E1"), person("E2")]})
                sys.exit(3)
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(error.code == .other)
        #expect(
            error.message
                == "plug-in 'crashes' exited with status 3 during import (request 2), after output line 2; see its log (standard error)"
        )
    }

    @Test func killedBySignal() async throws {
        let connector = try plugin(
            "killed",
            onImport: """
                send({"type": "objects", "id": rid, "items": [person("E1")]})
                os.kill(os.getpid(), signal.SIGKILL)
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(
            error.message
                == "plug-in 'killed' was killed by signal 9 (SIGKILL) during import (request 2), after output line 2; see its log (standard error)"
        )
    }

    @Test func hangTimesOut() async throws {
        let connector = try plugin(
            "hangs",
            onImport: """
                send({"type": "objects", "id": rid, "items": [person("E1")]})
                time.sleep(3600)
                """, responseTimeout: 1)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(error.code == .transient)
        #expect(
            error.message
                == "plug-in 'hangs' sent nothing for 1.0 seconds while answering import (request 2, last output line 2); it was stopped. Raise connectors.test.responseTimeout if it needs longer"
        )
    }

    @Test func malformedLine() async throws {
        let connector = try plugin(
            "malformed",
            onImport: """
                send({"type": "objects", "id": rid, "items": [person("E1")]})
                sys.stdout.write('{"type": "objects", "id": 2, "items": [}\\n')
                sys.stdout.flush()
                time.sleep(3600)
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(error.code == .protocolViolation)
        #expect(
            error.message
                == "plug-in 'malformed': output line 3 is not valid JSON: expected a value at column 40 while answering import (request 2); it was stopped"
        )
    }

    @Test func unknownMessageType() async throws {
        let connector = try plugin("chatty", onImport: #"send({"type": "progress", "id": rid, "done": 10})"#)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(
            error.message
                == "plug-in 'chatty': output line 2 is not a valid message: type: unknown message type 'progress'; expected ready, schema, tested, objects, end, exported or error while answering import (request 2); it was stopped"
        )
    }

    @Test func valueOfTheWrongKind() async throws {
        let connector = try plugin(
            "badvalue",
            onImport: """
                send({"type": "objects", "id": rid, "items": [{"op": "object", "anchor": "E1", "objectType": "person", "attributes": {"hireDate": [{"date": "yesterday"}]}}]})
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(
            error.message
                == "plug-in 'badvalue': output line 2 is not a valid message: items[0].attributes.hireDate[0].date: is not an ISO 8601 date or time while answering import (request 2); it was stopped"
        )
    }

    @Test func binaryValueThatIsNotBase64() async throws {
        let connector = try plugin(
            "badbinary",
            onImport: """
                send({"type": "objects", "id": rid, "items": [{"op": "object", "anchor": "E1", "objectType": "person", "attributes": {"photo": [{"binary": "AAEC"}, {"binary": "AAE"}]}}]})
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(
            error.message
                == "plug-in 'badbinary': output line 2 is not a valid message: items[0].attributes.photo[1].binary: is not padded standard base64: it is 3 characters long, not a multiple of 4 (padded with '=') while answering import (request 2); it was stopped"
        )
    }

    @Test func wrongProtocolVersionInTheHandshake() async throws {
        try PluginFixtures.writePlugin(
            "future", in: directory,
            script: """
                for message in requests():
                    ready(message, version=2)
                """)
        let connector = try PluginFixtures.connector("future", in: directory)
        let error = try await PluginFixtures.connectorError { _ = try await connector.schema() }
        #expect(error.code == .unsupported)
        #expect(
            error.message
                == "plug-in 'future' answered the handshake with protocol version 2 (output line 1); this Tandem speaks version 1"
        )
    }

    @Test func wrongProtocolVersionInTheManifest() async throws {
        try PluginFixtures.writePlugin("old", in: directory, script: "", protocolVersion: 0)
        let error = try await PluginFixtures.connectorError { _ = try PluginFixtures.connector("old", in: directory) }
        #expect(error.code == .unsupported)
        #expect(
            error.message
                == "connectors.test.plugin: plug-in 'old': \(directory)/Plugins/old/plugin.json declares protocol version 0; this Tandem speaks version 1"
        )
    }

    @Test func replyToAnotherRequest() async throws {
        let connector = try plugin("confused", onImport: #"send({"type": "end", "id": 7, "watermark": "1"})"#)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(
            error.message
                == "plug-in 'confused': output line 2 is 'end' for request 7, but the open request is import (2); it was stopped"
        )
    }

    /// An `error` reply fails the request only; the plug-in stays up and answers the next one.
    @Test func errorReplyKeepsThePluginRunning() async throws {
        let connector = try plugin(
            "refuses",
            onImport: """
                send({"type": "error", "id": rid, "error": {"code": "authentication", "message": "bad password", "systemCode": "28P01"}})
                """)
        let error = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(error == ConnectorError(.authentication, "bad password", systemCode: "28P01"))
        let again = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        #expect(again.code == .authentication)
    }

    /// After a crash the next request starts a new process, which succeeds.
    @Test func restartsAfterACrash() async throws {
        let marker = directory + "/crashed-once"
        let connector = try plugin(
            "flaky",
            onImport: """
                if not os.path.exists("\(marker)"):
                    open("\(marker)", "w").close()
                    sys.exit(1)
                send({"type": "objects", "id": rid, "items": [person("E1")]})
                send({"type": "end", "id": rid, "watermark": "w1"})
                """)
        _ = try await PluginFixtures.connectorError { _ = try await PluginFixtures.importAll(connector) }
        let batches = try await PluginFixtures.importAll(connector)
        #expect(batches.flatMap(\.items).count == 1)
        #expect(batches.last?.watermark == Watermark("w1"))
        await connector.shutDown()
    }
}
