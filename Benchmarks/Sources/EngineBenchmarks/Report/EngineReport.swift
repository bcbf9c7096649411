/// The Markdown report: one row per measured stage with its time, rate, peak memory, goal and baseline.
struct EngineReport {
    struct Row {
        var stage: String
        var work: String
        var time: String
        var rate: String
        var peak: String
        var goal = "—"
        var result = "—"
        var baseline = "—"
    }

    /// A goal and whether the measurement meets it.
    struct Verdict {
        var goal: String
        var met: Bool
        var result: String { met ? "PASS" : "MISS" }
    }

    var setup: [String] = []
    var rows: [Row] = []
    var notes: [String] = []

    var markdown: String {
        var lines: [String] = []
        for line in setup { lines.append("- \(line)") }
        lines.append("")
        lines.append("| stage | work | time | rate | peak RSS (VmHWM) | goal | result | baseline |")
        lines.append("| --- | ---: | ---: | ---: | ---: | --- | --- | --- |")
        for row in rows {
            let cells = [row.stage, row.work, row.time, row.rate, row.peak, row.goal, row.result, row.baseline]
            lines.append("| " + cells.map { $0.replacingPipes }.joined(separator: " | ") + " |")
        }
        if !notes.isEmpty {
            lines.append("")
            for note in notes { lines.append("- \(note)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate var replacingPipes: String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
