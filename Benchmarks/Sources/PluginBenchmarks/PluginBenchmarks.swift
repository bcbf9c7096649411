import ArgumentParser
import BenchmarkSupport
import ConnectorKit
import FileConnector
import Foundation
import Logging
import PluginConnector

/// Measures the plug-in protocol's overhead: a full import of the same objects through the in-process file
/// connector (the baseline), through the `jsonl-rows` plug-in (a Python child that emits the rows of the same
/// file), and through the `hr-sqlite` plug-in (the same people in SQLite). Each pass makes a fresh connector, so
/// the plug-in passes include starting Python and the handshake.
@main
struct PluginBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full imports through plug-ins beside the in-process file connector, on the same data.")

    @Option(help: "Objects to import.") var objects = 100_000
    @Option(help: "Passes of each measurement; the report gives the median.") var runs = 3
    @Option(help: "Where to create the scratch folder.") var dir = FileManager.default.temporaryDirectory.path

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let folder = dir + "/tandem-plugin-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = BenchmarkData(folder: folder, count: objects)
        progress("writing \(Format.count(objects)) people to people.jsonl and hr.db")
        try data.writeJSONLines()
        try await data.writeSQLite()
        let requests = try PluginAlone.writeRequests(data)
        let loadAtStart = Self.loadAverage()

        let subjects: [(name: String, make: @Sendable () throws -> any Connector)] = [
            ("file connector (JSON Lines, in process)", data.fileConnector),
            ("jsonl-rows plug-in (same file)", data.jsonlPlugin),
            ("hr-sqlite plug-in (SQLite)", data.sqlitePlugin),
        ]
        var seconds = Array(repeating: [Double](), count: subjects.count)
        var tandemCPU = Array(repeating: [Double](), count: subjects.count)
        var pluginCPU = Array(repeating: [Double](), count: subjects.count)
        var aloneSeconds: [Double] = []
        var aloneCPU: [Double] = []
        for pass in 1...runs {
            for (index, subject) in subjects.enumerated() {
                let connector = try subject.make()
                let before = CPUTime.now()
                let clock = ContinuousClock()
                let start = clock.now
                let count = try await Self.importAll(connector)
                let elapsed = (clock.now - start).seconds
                await (connector as? PluginConnector)?.shutDown()
                let used = CPUTime.now() - before
                tandemCPU[index].append(used.tandem)
                pluginCPU[index].append(used.children)
                guard count == objects else {
                    throw BenchmarkFailure("\(subject.name) imported \(count) objects; expected \(objects)")
                }
                seconds[index].append(elapsed)
                progress("pass \(pass): \(subject.name): \(Format.seconds(elapsed))")
            }
            let before = CPUTime.now()
            let elapsed = try await PluginAlone.run(requests: requests)
            aloneSeconds.append(elapsed)
            aloneCPU.append((CPUTime.now() - before).children)
            progress("pass \(pass): \(Self.aloneName): \(Format.seconds(elapsed))")
        }
        let loadAtEnd = Self.loadAverage()
        let medians = seconds.map { $0.sorted()[$0.count / 2] }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        print(
            "| Import of \(Format.count(objects)) people | median | passes | objects/s | × file connector | goal "
                + "| CPU: Tandem | CPU: plug-in |")
        print("|---|---|---|---|---|---|---|---|")
        for (index, subject) in subjects.enumerated() {
            let ratio = medians[index] / medians[0]
            let goal =
                switch index {
                case 0: "baseline"
                case 1: "≤ 2× — \(ratio <= 2 ? "PASS" : "MISS")"
                default: "reported"
                }
            print(
                "| \(subject.name) | \(Format.seconds(medians[index])) | "
                    + "\(Format.list(seconds[index], unit: "s", decimals: 2)) | "
                    + "\(Format.rate(objects, medians[index], "objects")) | \(Format.ratio(ratio)) | \(goal) | "
                    + "\(Format.seconds(median(tandemCPU[index]))) | \(Format.seconds(median(pluginCPU[index]))) |")
        }
        let alone = median(aloneSeconds)
        print(
            "| \(Self.aloneName) | \(Format.seconds(alone)) | \(Format.list(aloneSeconds, unit: "s", decimals: 2)) | "
                + "\(Format.rate(objects, alone, "objects")) | \(Format.ratio(alone / medians[0])) | reference | – | "
                + "\(Format.seconds(median(aloneCPU))) |")
        print("")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("Load average (1, 5, 15 min): \(loadAtStart) at start, \(loadAtEnd) at end; \(cores) cores.")
    }

    static let aloneName = "jsonl-rows plug-in alone (output to /dev/null)"

    /// The first three fields of /proc/loadavg.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func importAll(_ connector: any Connector) async throws -> Int {
        var count = 0
        let request = ImportRequest(mode: .full, connectorSpace: NoObjects())
        for try await batch in connector.importObjects(request) { count += batch.items.count }
        return count
    }

    private func progress(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// An empty connector space: a full import into a new deployment.
struct NoObjects: ConnectorSpaceView {
    func anchors() -> [Anchor] { [] }
    func object(_ anchor: Anchor) -> ConnectorObject? { nil }
}
