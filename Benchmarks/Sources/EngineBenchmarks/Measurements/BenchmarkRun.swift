import BenchmarkSupport
import Foundation
import TandemEngine

/// One benchmark run: generates the population, runs the selected stages on one engine, and fills the report.
struct BenchmarkRun {
    typealias Stage = EngineBenchmarks.Stage

    let population: Population
    let files: PopulationFiles
    let exportPageSize: Int?
    /// Compute the live state digest after the engine stages even when replay does not run (`--digest`).
    var printsDigest = false
    var report = EngineReport()

    /// Each stage's peak resident set and the connector-space objects at its end.
    var peaks: [(stage: String, bytes: Int, objects: Int)] = []
    /// Seconds of the initial cycle's runs, when import, sync and export were all measured.
    var initialCycleSeconds: [Stage: Double] = [:]
    /// The state digest the engine ended with, to check that replay rebuilds it.
    var liveDigest: String?
    /// Each engine stage's resident set at its end, after freed memory is given back.
    var held: [(stage: String, bytes: Int)] = []
    /// Whether the kernel let the peak be reset between stages.
    var peakIsPerStage = true

    init(population: Population, folder: String, exportPageSize: Int?) {
        self.population = population
        self.files = PopulationFiles(population: population, folder: folder)
        self.exportPageSize = exportPageSize
    }

    mutating func measure(_ stages: [Stage], reusing: Bool) async throws {
        peakIsPerStage = PeakMemory.reset()
        describeSetup(stages)
        if reusing {
            progress("reusing \(files.folder): its files are not generated again")
        } else {
            try generate()
        }
        let engineStages = stages.filter { $0 != .replay }
        if !engineStages.isEmpty {
            let clock = ContinuousClock()
            let start = clock.now
            let session = try await EngineSession(
                configurationPath: files.configurationPath, exportPageSize: exportPageSize)
            if reusing {
                report.notes.append(
                    "Opening the engine on the reused folder replayed its journal in \(Format.seconds((clock.now - start).seconds))."
                )
            }
            await session.reportProgress()
            do {
                for stage in engineStages {
                    PeakMemory.releaseFreedMemory()
                    PeakMemory.reset()
                    progress("stage \(stage.rawValue) (\(Format.mebibytes(PeakMemory.residentBytes)) resident)")
                    switch stage {
                    case .import: try await importStage(session)
                    case .sync: try await syncStage(session)
                    case .export: try await exportStage(session)
                    case .confirm: try await confirmStage(session)
                    case .delta: try await deltaStage(session)
                    case .replay: break
                    }
                    // What the stage left held, without what it freed: the state, against the stage's peak.
                    PeakMemory.releaseFreedMemory()
                    held.append((stage.rawValue, PeakMemory.residentBytes))
                    progress("after \(stage.rawValue): \(Format.mebibytes(PeakMemory.residentBytes)) resident")
                }
                if stages.contains(.replay) || printsDigest {
                    progress("computing the live state digest (not timed)")
                    let digest = await session.state.stateDigest
                    liveDigest = digest
                    report.notes.append("The engine ended with state digest \(digest).")
                }
            } catch {
                await session.close()
                throw error
            }
            await session.close()
        }
        if stages.contains(.replay) {
            PeakMemory.releaseFreedMemory()
            PeakMemory.reset()
            progress("stage replay")
            try replayStage()
        }
        memoryRow()
        report.setup.append("load average at the end: \(MachineFacts.loadAverage())")
    }

    private mutating func generate() throws {
        progress("generating \(Format.count(population.people)) people in \(files.folder)")
        let clock = ContinuousClock()
        let start = clock.now
        try files.writeInitial()
        let seconds = (clock.now - start).seconds
        let bytes = try fileSize(files.hrPath) + fileSize(files.groupsPath)
        report.rows.append(
            EngineReport.Row(
                stage: "generate the HR files (not the engine)", work: "\(Format.megabytes(bytes)) of CSV",
                time: Format.seconds(seconds), rate: Format.megabytesPerSecond(bytes: bytes, seconds: seconds),
                peak: Format.mebibytes(PeakMemory.highWaterMarkBytes)))
    }

    private mutating func describeSetup(_ stages: [Stage]) {
        let largest = population.groups.map { $0.members(of: population.people) }
        let changes = population.changes
        report.setup = [
            "measured \(ISO8601DateFormatter().string(from: Date())) on \(MachineFacts.summary()); "
                + "load average at the start: \(MachineFacts.loadAverage())",
            "population: \(Format.count(population.people)) people with \(Population.columns.count) attributes each "
                + "(hr.csv, 2 multi-valued phones, a manager reference) and \(population.groups.count) groups "
                + "(groups.csv) of \(largest.map(Format.count).joined(separator: ", ")) members",
            "configuration: the demo's (tandem.yaml): HR people and groups in, directory accounts and groups out "
                + "(JSON Lines); 21 inbound flows, 16 outbound; unique mail; file connector page size "
                + "\(exportPageSize.map { Format.count($0) + " for the directory connectors (--export-page-size), 1,000 for HR" } ?? "1,000 per import batch, 50,000 per export call")",
            "delta: \(Format.count(changes.count)) changes (1 %): \(Format.count(changes.updated.count)) people "
                + "change title, department and a phone (every tenth also surname and mail), "
                + "\(Format.count(changes.terminated.count)) become terminated, \(Format.count(changes.removed.count)) "
                + "leave the file, \(Format.count(changes.hires.count)) are hired; groups follow",
            "stages: \(stages.map(\.rawValue).joined(separator: ", ")); wall-clock time (ContinuousClock) per run; "
                + "peak RSS is the process's VmHWM "
                + (peakIsPerStage
                    ? "reset before each stage (after malloc_trim, so freed memory of earlier stages does not count)"
                    : "since the start (the kernel refused a reset)"),
        ]
    }

    func fileSize(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Connector-space objects the engine holds now (the state's copy is released before the next run).
    func connectorSpaceObjects(_ session: EngineSession) async -> Int {
        await session.state.connectorSpaces.values.reduce(0) { $0 + $1.objects.count }
    }

    /// A goal given for 1,000,000 people, scaled linearly to this population when it differs.
    func scaledGoal(seconds: Double, reading: String = "") -> (limit: Double, label: String) {
        let scale = Double(population.people) / 1_000_000
        if population.people == 1_000_000 { return (seconds, "≤ \(Format.number(seconds)) s\(reading)") }
        let limit = seconds * scale
        return (limit, "≤ \(Format.seconds(limit)) (\(Format.number(seconds)) s at 1M, scaled)\(reading)")
    }
}
