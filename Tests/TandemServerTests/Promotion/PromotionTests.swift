import Foundation
import Logging
import PostgresNIO
import Synchronization
import TandemEngine
import TandemJournal
import TandemServer
import Testing

/// A server's journal and engine in a temporary directory, with no connectors: promotion only
/// needs the journal and the engine's epoch.
final class ServerRig: @unchecked Sendable {
    let directory: String
    private(set) var journal: Journal
    private(set) var engine: SyncEngine

    init(copying other: ServerRig? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.path + "/tandem-server-\(UUID().uuidString.prefix(8))"
        if let other {
            await other.journal.close()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: other.journalDirectory, toPath: directory + "/journal")
            try? FileManager.default.removeItem(atPath: directory + "/journal/LOCK")
            try await other.reopen()
        }
        (journal, engine) = try Self.open(directory + "/journal")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var journalDirectory: String { directory + "/journal" }

    static func open(_ path: String) throws -> (Journal, SyncEngine) {
        var options = JournalOptions()
        options.logger.logLevel = .warning
        let journal = try Journal.open(directory: path, options: options)
        let configuration = Configuration(
            baseDirectory: path, dataDirectory: path, connectors: [], metaverse: [:], inboundRules: [],
            outboundRules: [])
        var logger = Logger(label: "tandem.test.engine")
        logger.logLevel = .error
        return (
            journal,
            try SyncEngine.open(configuration: configuration, journal: journal, connectors: [:], logger: logger)
        )
    }

    func reopen() async throws {
        await journal.close()
        (journal, engine) = try Self.open(journalDirectory)
    }

    func close() async { await journal.close() }

    /// Appends `count` engine events (restore points) as the work of a term.
    func work(_ count: Int, label: String) async throws {
        for n in 0..<count {
            try await journal.append(
                EngineEventCodec.encode(.restorePoint(name: "\(label)-\(n)"), timeMicroseconds: Int64(n)))
        }
    }

    var epoch: UInt64 { get async { await engine.state.epoch } }
}

@Suite struct ManualPromotionTests {
    @Test func aForcedPromotionWithoutAnAuthorityNeedsTheOperatorsConfirmation() async throws {
        let server = try await ServerRig()
        try await server.work(3, label: "a")
        let promotion = Promotion(authority: nil, holder: "b")
        let error = await #expect(throws: PromotionError.self) {
            _ = try await promotion.promote(server.engine, mode: .forced)
        }
        #expect(error?.code == .confirmationRequired)
        #expect(
            error?.message
                == "no epoch authority is configured, so nothing can stop the old active from exporting: confirm that it is stopped or cut off from every connected system (--i-have-stopped-the-old-active), or configure an authority"
        )
        #expect(await server.epoch == 1, "nothing changed")

        let outcome = try await promotion.promote(server.engine, mode: .forced, confirmedOldActiveStopped: true)
        #expect(outcome.epoch == 2)
        #expect(outcome.switchSeq == 3)
        #expect(outcome.lease == nil)
        await server.close()
        // The epoch change is the first event of a new segment.
        let reader = try JournalReader(directory: server.journalDirectory)
        #expect(EpochHistory(reader).starts == [.init(epoch: 1, firstSeq: 1), .init(epoch: 2, firstSeq: 4)])
        let event = try reader.events(in: 4...4)[0]
        #expect(event.epoch == 2)
        #expect(try EngineEventCodec.decode(event) == .epochStarted(epoch: 2))
    }
}

@Suite struct AuthorityPromotionTests {
    static func authority(_ client: PostgresClient) async throws -> PostgresEpochAuthority {
        let authority = PostgresEpochAuthority(
            client: client, deployment: "promo-\(UUID().uuidString.prefix(8))", operationTimeout: .seconds(60))
        try await authority.prepare()
        return authority
    }

    @Test func aPlannedSwitchoverMovesTheLeaseAndTheEpoch() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            let a = try await ServerRig()
            let first = try await Promotion(authority: authority, holder: "a", leaseDuration: .seconds(30))
                .promote(a.engine, mode: .planned)
            #expect(first.epoch == 1, "the first active takes epoch 1, which its journal is already in")
            let leaseA = try #require(first.lease)
            #expect(await leaseA.checkExport(epoch: 1, connector: "x") == .granted)
            try await a.work(5, label: "a")

            // The staging server, caught up (a copy of a's journal), cannot promote while a holds the lease.
            let b = try await ServerRig(copying: a)
            let promotionB = Promotion(authority: authority, holder: "b", leaseDuration: .seconds(30))
            let refused = await #expect(throws: PromotionError.self) {
                _ = try await promotionB.promote(b.engine, mode: .planned)
            }
            #expect(refused?.code == .refused)
            #expect(refused?.message.hasPrefix("'a' still holds the lease on epoch 1") == true)

            // a demotes (releases); b promotes at once under epoch 2.
            try await leaseA.release()
            #expect(await leaseA.checkExport(epoch: 1, connector: "x") != .granted)
            let second = try await promotionB.promote(b.engine, mode: .planned)
            #expect(second.epoch == 2)
            #expect(second.switchSeq == 5)
            #expect(await b.epoch == 2)
            #expect(await second.lease?.checkExport(epoch: 2, connector: "x") == .granted)
            #expect(try await authority.current().switchSeq == 5)
            await a.close()
            await b.close()
        }
    }

    @Test func aForcedPromotionWaitsOutTheOldLeaseAndTheOldActiveIsFenced() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            let a = try await ServerRig()
            let lost = LossRecorder()
            let leaseA = try #require(
                try await Promotion(authority: authority, holder: "a", leaseDuration: .milliseconds(400))
                    .promote(a.engine, mode: .planned, onLeaseLoss: { lost.record($0) }).lease)
            try await a.work(4, label: "a")
            let b = try await ServerRig(copying: a)
            // a is "frozen": it never renews. b's forced promotion waits for a's lease to lapse.
            let promoted = try await Promotion(authority: authority, holder: "b", leaseDuration: .seconds(30))
                .promote(b.engine, mode: .forced)
            #expect(promoted.epoch == 2)
            // a wakes up: its own clock already fences it, and the authority tells it it was superseded.
            guard case .denied = await leaseA.checkExport(epoch: 1, connector: "x") else {
                Issue.record("a superseded active was allowed to export")
                return
            }
            let status = await leaseA.renewOnce()
            guard case .superseded(let now) = status else {
                Issue.record("a's renewal was not refused as superseded: \(status)")
                return
            }
            #expect(now.epoch == 2)
            #expect(lost.statuses == [status])
            guard case .denied(let reason) = await leaseA.checkExport(epoch: 1, connector: "x") else { return }
            #expect(reason.contains("run 'tandem rejoin'"))
            await a.close()
            await b.close()
        }
    }

    @Test func theSupersededActivesTailIsSetAsideAndReported() async throws {
        try await PostgresFixture.withClient { client in
            let authority = try await Self.authority(client)
            let a = try await ServerRig()
            _ = try await Promotion(authority: authority, holder: "a", leaseDuration: .milliseconds(200))
                .promote(a.engine, mode: .planned)
            try await a.work(6, label: "shared")
            let b = try await ServerRig(copying: a)
            // a keeps writing (it has not noticed yet): an export attempt and its result land in its tail.
            try await a.journal.append(
                contentsOf: [
                    EngineEventCodec.encode(
                        .runStarted(RunStarted(runID: 1, connector: "directory", profile: .export)), timeMicroseconds: 1
                    ),
                    EngineEventCodec.encode(
                        .runFinished(RunFinished(runID: 1, status: .fenced, statistics: RunStatistics())),
                        timeMicroseconds: 2),
                ])
            let promoted = try await Promotion(authority: authority, holder: "b", leaseDuration: .seconds(30))
                .promote(b.engine, mode: .forced)
            #expect(promoted.switchSeq == 6)
            try await b.work(3, label: "b")
            await a.close()
            await b.close()

            let active = EpochHistory(try JournalReader(directory: b.journalDirectory))
            let report = try #require(
                try Rejoin.setAsideDivergentTail(journalDirectory: a.journalDirectory, active: active))
            #expect(report.switchSeq == 6)
            #expect(report.lastSeq == 8)
            #expect(
                report.runs == [.init(runID: 1, connector: "directory", profile: "export", status: "stopped-fenced")])
            #expect(FileManager.default.fileExists(atPath: report.folder + "/" + DivergenceReport.fileName))
            // What a keeps is exactly what b has up to the switch point: it can now follow b.
            let kept = try JournalReader(directory: a.journalDirectory)
            #expect(kept.lastSeq == 6)
            #expect(
                try kept.events(in: 1...6) == (try JournalReader(directory: b.journalDirectory).events(in: 1...6)))
            #expect(EpochHistory(kept).divergence(from: active) == nil)
            #expect(try Rejoin.setAsideDivergentTail(journalDirectory: a.journalDirectory, active: active) == nil)
        }
    }
}

/// Collects lease-loss notifications.
final class LossRecorder: Sendable {
    private let box = Mutex<[LeaseStatus]>([])
    func record(_ status: LeaseStatus) { box.withLock { $0.append(status) } }
    var statuses: [LeaseStatus] { box.withLock { $0 } }
}
