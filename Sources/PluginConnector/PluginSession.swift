import ConnectorKit
import Foundation
import Logging

/// One plug-in's conversation: starts the process on first use, performs the handshake, and runs one request
/// at a time (Plugins/PROTOCOL.md § 3). After any failure that leaves the plug-in's state unknown it stops the
/// process; the next request starts a fresh one.
actor PluginSession {
    let manifest: PluginManifest
    let settings: PluginConnectorSettings
    let logger: Logger
    private let tandemVersion: String
    private var process: PluginProcess?
    /// What the running plug-in said it can do in `ready`.
    private(set) var capabilities: PluginCapabilities
    private var nextID: Int64 = 1
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(manifest: PluginManifest, settings: PluginConnectorSettings, tandemVersion: String, logger: Logger) {
        self.manifest = manifest
        self.settings = settings
        self.tandemVersion = tandemVersion
        self.logger = logger
        self.capabilities = manifest.capabilities
    }

    // MARK: Requests

    func schema() async throws -> ConnectorSchema {
        try await exclusively {
            let (process, id) = try await send("schema")
            switch try await finalReply(process, id, for: "schema") {
            case (.schema(_, let schema), _): return schema
            case let (message, line): throw unexpected(message, line: line, id: id, request: "schema")
            }
        }
    }

    func test() async throws -> [String] {
        try await exclusively {
            let (process, id) = try await send("test")
            switch try await finalReply(process, id, for: "test") {
            case (.tested(_, let details), _): return details
            case let (message, line): throw unexpected(message, line: line, id: id, request: "test")
            }
        }
    }

    /// Runs an import to its end and returns its batches; nothing is returned unless the plug-in completed it
    /// (§ 4.5, atomicity).
    func importObjects(_ mode: ImportRequest.Mode) async throws -> [ImportBatch] {
        try await exclusively {
            let full: Bool
            let (process, id) = try await send("import") { writer in
                writer.key("mode")
                switch mode {
                case .full:
                    writer.string("full")
                case .delta(let watermark):
                    writer.string("delta")
                    writer.key("watermark")
                    writer.string(watermark.value)
                }
            }
            if case .full = mode { full = true } else { full = false }
            var batches: [ImportBatch] = []
            while true {
                let (message, line) = try await reply(process, id, for: "import")
                switch message {
                case .objects(_, let items):
                    if let problem = problem(items, full: full, line: line) {
                        throw await violation(process, problem, id: id, request: "import")
                    }
                    batches.append(ImportBatch(items: items))
                case .end(_, let watermark):
                    if batches.isEmpty { batches.append(ImportBatch(items: [])) }
                    batches[batches.count - 1].watermark = watermark
                    batches[batches.count - 1].isComplete = full
                    process.output.idle()
                    return batches
                case .error(_, let error):
                    process.output.idle()
                    throw error
                default:
                    throw await violation(
                        process, "output line \(line) is '\(message.typeName)', which does not answer import", id: id)
                }
            }
        }
    }

    func export(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        try await exclusively {
            let (process, id) = try await send("export") { writer in
                writer.key("changes")
                writer.raw("[")
                for (index, change) in changes.enumerated() {
                    if index > 0 { writer.raw(",") }
                    ValueCoding.write(change, into: &writer)
                }
                writer.raw("]")
            }
            switch try await finalReply(process, id, for: "export") {
            case (.exported(_, let results), let line):
                guard results.count == changes.count else {
                    throw await violation(
                        process,
                        "output line \(line) answers export with \(results.count) results for \(changes.count) changes",
                        id: id)
                }
                return results
            case let (message, line): throw unexpected(message, line: line, id: id, request: "export")
            }
        }
    }

    /// Ends the plug-in by closing its standard input (§ 4.8).
    func shutDown() async {
        guard let process else { return }
        self.process = nil
        await process.stop()
    }

    // MARK: One request at a time

    private func exclusively<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }

    /// Starts the plug-in if needed, then writes request `type` with the members `body` adds.
    private func send(_ type: StaticString, _ body: (inout JSONWriter) -> Void = { _ in }) async throws -> (
        PluginProcess, Int64
    ) {
        let process = try await running()
        nextID += 1
        var writer = JSONWriter()
        writer.raw("{\"type\":\"")
        writer.raw(type)
        writer.raw("\",\"id\":")
        writer.integer(nextID)
        body(&writer)
        writer.raw("}\n")
        guard writer.bytes.count <= PluginProtocol.maximumLineBytes else {
            throw ConnectorError(
                .unsupported,
                "plug-in '\(manifest.name)': a \(type) request would be \(writer.bytes.count) bytes, over the protocol's line limit"
            )
        }
        process.output.expectReply(within: settings.responseTimeout)
        do {
            try await process.send(writer.bytes)
        } catch {
            throw await failure(process, await ended(process, during: "\(type)", id: nextID))
        }
        return (process, nextID)
    }

    private func running() async throws -> PluginProcess {
        if let process { return process }
        try manifest.checkProtocolVersion()
        let environment = settings.environment(for: manifest, from: ProcessInfo.processInfo.environment)
        let settings = self.settings
        let process = try PluginProcess(
            manifest: manifest, environment: environment,
            logger: Logger(label: "tandem.plugin.\(manifest.name)"), redact: { settings.redact($0) })
        process.output.expectReply(within: settings.startTimeout)
        do {
            try await process.send(settings.hello(tandemVersion: tandemVersion))
        } catch {
            throw await failure(process, await ended(process, during: "hello", id: 1))
        }
        let (message, line) = try await reply(process, 1, for: "hello", timeoutKey: nil)
        guard case .ready(_, let ready) = message else {
            if case .error(_, let error) = message {
                await process.kill()
                throw ConnectorError(
                    error.code, "plug-in '\(manifest.name)' refused the handshake: \(error.message)",
                    systemCode: error.systemCode)
            }
            throw await violation(
                process, "output line \(line) is '\(message.typeName)'; the handshake expects 'ready'", id: 1)
        }
        guard ready.protocolVersion == PluginProtocol.version else {
            throw await failure(
                process,
                ConnectorError(
                    .unsupported,
                    "plug-in '\(manifest.name)' answered the handshake with protocol version \(ready.protocolVersion) "
                        + "(output line \(line)); this Tandem speaks version \(PluginProtocol.version)"))
        }
        let excess = ready.capabilities.excess(over: manifest.capabilities)
        guard excess.isEmpty else {
            throw await violation(
                process,
                "output line \(line) claims \(excess.joined(separator: ", ")), which \(manifest.path) does not declare",
                id: 1)
        }
        process.output.idle()
        capabilities = ready.capabilities
        self.process = process
        logger.debug(
            "plug-in started",
            metadata: [
                "plugin": "\(manifest.name)", "version": "\(ready.version)", "pid": "\(process.processIdentifier)",
            ])
        return process
    }

    // MARK: Replies

    /// The next message answering request `id`; every failure to get one stops the plug-in and throws.
    private func reply(_ process: PluginProcess, _ id: Int64, for request: String, timeoutKey: String? = "")
        async throws -> (PluginMessage, Int)
    {
        guard let output = await process.mailbox.next() else {
            throw await cancel(process, id, request: request)
        }
        switch output {
        case .message(let message, let line):
            if case .error(nil, let error) = message {
                throw await failure(
                    process,
                    ConnectorError(
                        error.code, "plug-in '\(manifest.name)' failed (output line \(line)): \(error.message)",
                        systemCode: error.systemCode))
            }
            guard message.id == id else {
                throw await violation(
                    process,
                    "output line \(line) is '\(message.typeName)' for request \(message.id.map(String.init) ?? "null"), "
                        + "but the open request is \(request) (\(id))", id: id)
            }
            return (message, line)
        case .malformed(let line, let problem):
            throw await violation(process, "output line \(line) \(problem)", id: id, request: request)
        case .timedOut(_, _, let watch) where watch != process.output.currentWatch:
            return try await reply(process, id, for: request, timeoutKey: timeoutKey)  // stale: an earlier wait's
        case .timedOut(let lastLine, let after, _):
            let key = timeoutKey == nil ? "startTimeout" : "responseTimeout"
            throw await failure(
                process,
                ConnectorError(
                    .transient,
                    "plug-in '\(manifest.name)' sent nothing for \(after) while answering \(request) "
                        + "(request \(id), \(lastLine == 0 ? "no output yet" : "last output line \(lastLine)")); it was stopped. "
                        + "Raise connectors.\(settings.connector).\(key) if it needs longer"))
        case .closed:
            throw await failure(process, await ended(process, during: request, id: id, output: output))
        }
    }

    /// A reply that ends request `id` (anything but `objects`); an `error` reply is thrown.
    private func finalReply(_ process: PluginProcess, _ id: Int64, for request: String) async throws -> (
        PluginMessage, Int
    ) {
        let (message, line) = try await reply(process, id, for: request)
        process.output.idle()
        if case .error(_, let error) = message { throw error }
        return (message, line)
    }

    /// What is wrong with an `objects` message's items, if anything.
    private func problem(_ items: [ImportBatch.Item], full: Bool, line: Int) -> String? {
        for (index, item) in items.enumerated() {
            let type: ObjectType
            switch item {
            case .object(let object), .change(.add(let object)): type = object.objectType
            case .change(let change):
                if full {
                    return "output line \(line), items[\(index)]: a full import returns whole objects, not changes"
                }
                type = change.objectType
            }
            if !capabilities.objectTypes.contains(type) {
                return "output line \(line), items[\(index)]: object type '\(type)' is not among its capabilities"
            }
        }
        return nil
    }

    // MARK: Failures

    /// Sends `cancel` for the open request and waits (a bounded time) for its final reply, discarding what
    /// arrives; a plug-in that does not answer in time is stopped (§ 5).
    private func cancel(_ process: PluginProcess, _ id: Int64, request: String) async -> ConnectorError {
        let cancelled = ConnectorError(.cancelled, "plug-in '\(manifest.name)': \(request) cancelled")
        var writer = JSONWriter()
        writer.raw("{\"type\":\"cancel\",\"id\":")
        writer.integer(id)
        writer.raw("}\n")
        process.output.expectReply(within: PluginProtocol.cancellationGrace)
        guard (try? await process.send(writer.bytes)) != nil else { return await failure(process, cancelled) }
        while true {
            switch await process.mailbox.nextIgnoringCancellation() {
            case .message(.objects, _):
                continue
            case .timedOut(_, _, let watch) where watch != process.output.currentWatch:
                continue  // stale: the import's own wait
            case .message(let message, _) where message.id == id:
                process.output.idle()
                return cancelled
            default:
                return await failure(process, cancelled)
            }
        }
    }

    private func unexpected(_ message: PluginMessage, line: Int, id: Int64, request: String) -> ConnectorError {
        let error = ConnectorError(
            .protocolViolation,
            "plug-in '\(manifest.name)': output line \(line) is '\(message.typeName)', which does not answer \(request) (request \(id)); it was stopped"
        )
        if let process { Task { await process.kill() } }
        process = nil
        return error
    }

    private func violation(_ process: PluginProcess, _ problem: String, id: Int64, request: String? = nil) async
        -> ConnectorError
    {
        let during = request.map { " while answering \($0) (request \(id))" } ?? ""
        return await failure(
            process,
            ConnectorError(.protocolViolation, "plug-in '\(manifest.name)': \(problem)\(during); it was stopped"))
    }

    /// The plug-in ended on its own: says how, and after which line.
    private func ended(_ process: PluginProcess, during request: String, id: Int64, output: PluginOutput? = nil) async
        -> ConnectorError
    {
        var closed = output
        if closed == nil {
            // The write failed: the plug-in is gone or going; collect its status from the reader.
            await process.kill()
            while true {
                let next = await process.mailbox.nextIgnoringCancellation()
                if case .closed = next {
                    closed = next
                    break
                }
            }
        }
        guard case .closed(let lastLine, let exit)? = closed else { preconditionFailure("not a closed output") }
        let how = exit?.description ?? "closed its output"
        let after = lastLine == 0 ? "before writing anything" : "after output line \(lastLine)"
        return ConnectorError(
            .other,
            "plug-in '\(manifest.name)' \(how) during \(request) (request \(id)), \(after); see its log (standard error)"
        )
    }

    /// Stops the plug-in after a failure that leaves its state unknown.
    private func failure(_ process: PluginProcess, _ error: ConnectorError) async -> ConnectorError {
        if self.process === process { self.process = nil }
        await process.kill()
        return error
    }
}
