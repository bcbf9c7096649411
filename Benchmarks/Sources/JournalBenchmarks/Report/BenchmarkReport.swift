import BenchmarkSupport

/// A goal a row is judged against, with the verdict.
struct Goal {
    /// As printed: `≥ 0.8× gzip -1`.
    var text: String
    var isMet: Bool
}

/// One line of the results table: the journal's figure beside its baseline's, measured in the same run.
struct ReportRow {
    var measurement: String
    var journal: String
    var baseline: String
    /// The journal's figure divided by the baseline's (higher is better for every row).
    var ratio: Double
    var goal: Goal?
    /// Every pass's figures, for judging the spread behind the medians.
    var passes: String
}

/// The whole report, rendered as Markdown.
struct BenchmarkReport {
    var facts: MachineFacts
    var workload: [String]
    /// The load averages read after the last measurement.
    var loadAverageAtEnd = "unknown"
    var rows: [ReportRow] = []
    var notes: [String] = []

    var markdown: String {
        var lines: [String] = []
        lines.append("## Machine")
        lines.append("")
        lines.append("- CPU: \(facts.cpuModel), nproc \(facts.processorCount)")
        lines.append("- Kernel: \(facts.kernel)")
        lines.append("- File system under test: \(facts.fileSystem)")
        lines.append("- Load average (1, 5, 15 min): \(facts.loadAverage) at start, \(loadAverageAtEnd) at end")
        lines.append("")
        lines.append("## Workload")
        lines.append("")
        lines.append(contentsOf: workload.map { "- \($0)" })
        lines.append("")
        lines.append("## Results (medians)")
        lines.append("")
        lines.append("| # | Measurement | Tandem journal | Baseline | Ratio | Goal | Result |")
        lines.append("|---|---|---|---|---:|---|---|")
        for (index, row) in rows.enumerated() {
            let verdict = row.goal.map { $0.isMet ? "PASS" : "MISS" } ?? "–"
            lines.append(
                "| \(index + 1) | \(row.measurement) | \(row.journal) | \(row.baseline) | \(Format.ratio(row.ratio)) "
                    + "| \(row.goal?.text ?? "–") | \(verdict) |")
        }
        lines.append("")
        lines.append("## Every pass")
        lines.append("")
        for (index, row) in rows.enumerated() {
            lines.append("\(index + 1). \(row.passes)")
        }
        if !notes.isEmpty {
            lines.append("")
            lines.append("## Notes")
            lines.append("")
            lines.append(contentsOf: notes.map { "- \($0)" })
        }
        lines.append("")
        lines.append("## Goals")
        lines.append("")
        for (index, row) in rows.enumerated() {
            guard let goal = row.goal else { continue }
            lines.append(
                "\(goal.isMet ? "PASS" : "MISS"): row \(index + 1), \(row.measurement): \(goal.text) "
                    + "(measured \(row.journal), ratio \(Format.ratio(row.ratio)))")
        }
        return lines.joined(separator: "\n")
    }
}
