import BenchmarkSupport
import Foundation
import TandemEngine

extension BenchmarkRun {
    /// Full import on every connector, as the initial cycle starts; the HR file beside `wc -l` and `cat`.
    mutating func importStage(_ session: EngineSession) async throws {
        let hr = try await session.run(.fullImport, "hr")
        let groups = try await session.run(.fullImport, "hrgroups")
        let directory = [
            try await session.run(.fullImport, "directory"), try await session.run(.fullImport, "directorygroups"),
        ]
        let objects = await connectorSpaceObjects(session)
        let peak = PeakMemory.highWaterMarkBytes
        peaks.append(("import", peak, objects))
        initialCycleSeconds[.import] = hr.seconds + groups.seconds + directory.reduce(0) { $0 + $1.seconds }

        let bytes = try fileSize(files.hrPath)
        let wc = try await TimedProcess.best("/usr/bin/wc", ["-l", files.hrPath])
        let cat = try await TimedProcess.best("/bin/cat", [files.hrPath])
        report.rows.append(
            EngineReport.Row(
                stage: "full import: hr",
                work: "\(Format.count(hr.statistics.adds)) people, \(Format.megabytes(bytes))",
                time: Format.seconds(hr.seconds),
                rate: Format.rate(hr.statistics.adds, hr.seconds, "objects") + ", "
                    + Format.megabytesPerSecond(bytes: bytes, seconds: hr.seconds),
                peak: Format.mebibytes(peak),
                baseline: "`wc -l` \(Format.megabytesPerSecond(bytes: bytes, seconds: wc)), `cat > /dev/null` "
                    + "\(Format.megabytesPerSecond(bytes: bytes, seconds: cat)): import is "
                    + "\(Format.number(hr.seconds / wc, decimals: 0))× `wc -l`'s time"))
        let groupBytes = try fileSize(files.groupsPath)
        report.rows.append(
            EngineReport.Row(
                stage: "full import: hrgroups",
                work: "\(groups.statistics.adds) groups, \(Format.megabytes(groupBytes))",
                time: Format.seconds(groups.seconds),
                rate: Format.megabytesPerSecond(bytes: groupBytes, seconds: groups.seconds),
                peak: ""))
        report.rows.append(
            EngineReport.Row(
                stage: "full import: directory, directorygroups", work: "empty files",
                time: Format.seconds(directory.reduce(0) { $0 + $1.seconds }), rate: "—", peak: ""))
    }

    /// Full sync on every connector: projection of every person and group, and provisioning of their accounts.
    mutating func syncStage(_ session: EngineSession) async throws {
        let hr = try await session.run(.fullSync, "hr")
        let groups = try await session.run(.fullSync, "hrgroups")
        let directory = [
            try await session.run(.fullSync, "directory"), try await session.run(.fullSync, "directorygroups"),
        ]
        let objects = await connectorSpaceObjects(session)
        let peak = PeakMemory.highWaterMarkBytes
        peaks.append(("sync", peak, objects))
        initialCycleSeconds[.sync] = hr.seconds + groups.seconds + directory.reduce(0) { $0 + $1.seconds }

        let (limit, label) = scaledGoal(seconds: 60)
        let verdict = EngineReport.Verdict(goal: label, met: hr.seconds <= limit)
        let processed = population.people
        report.rows.append(
            EngineReport.Row(
                stage: "**full sync: hr**",
                work: "\(Format.count(processed)) people: \(Format.count(hr.statistics.projections)) projections, "
                    + "\(Format.count(hr.statistics.exportsStaged)) accounts provisioned",
                time: Format.seconds(hr.seconds), rate: Format.rate(processed, hr.seconds, "people"),
                peak: Format.mebibytes(peak), goal: verdict.goal, result: "**\(verdict.result)**"))
        report.rows.append(
            EngineReport.Row(
                stage: "full sync: hrgroups", work: "\(groups.statistics.projections) groups",
                time: Format.seconds(groups.seconds), rate: "—", peak: ""))
        report.rows.append(
            EngineReport.Row(
                stage: "full sync: directory, directorygroups", work: "nothing imported yet",
                time: Format.seconds(directory.reduce(0) { $0 + $1.seconds }), rate: "—", peak: ""))
    }

    /// Export of the provisioned accounts and groups: the directory files are written.
    mutating func exportStage(_ session: EngineSession) async throws {
        var runs: [EngineSession.TimedRun] = []
        for name in ["hr", "hrgroups", "directory", "directorygroups"] {
            runs.append(try await session.run(.export, name))
        }
        let objects = await connectorSpaceObjects(session)
        let peak = PeakMemory.highWaterMarkBytes
        peaks.append(("export", peak, objects))
        initialCycleSeconds[.export] = runs.reduce(0) { $0 + $1.seconds }

        let accounts = runs[2]
        let bytes = try fileSize(files.accountsPath)
        let copy = files.folder + "/accounts-copy.jsonl"
        let cp = try await TimedProcess.best("/bin/cp", [files.accountsPath, copy])
        try? FileManager.default.removeItem(atPath: copy)
        let pageSize = exportPageSize ?? 50_000  // the file connector's exportPageSize
        report.rows.append(
            EngineReport.Row(
                stage: "export: directory",
                work: "\(Format.count(accounts.statistics.adds)) accounts, \(Format.megabytes(bytes)) written in "
                    + "\(Format.count((accounts.statistics.adds + pageSize - 1) / pageSize)) calls",
                time: Format.seconds(accounts.seconds),
                rate: Format.rate(accounts.statistics.adds, accounts.seconds, "objects"),
                peak: Format.mebibytes(peak),
                baseline:
                    "`cp` of the final file \(Format.megabytesPerSecond(bytes: bytes, seconds: cp)) (\(Format.seconds(cp)))"
            ))
        report.rows.append(
            EngineReport.Row(
                stage: "export: directorygroups",
                work: "\(runs[3].statistics.adds) groups (members wait for the accounts' confirmation)",
                time: Format.seconds(runs[3].seconds), rate: "—", peak: ""))
        if initialCycleSeconds.count == 3 {
            let total = initialCycleSeconds.values.reduce(0, +)
            let (limit, label) = scaledGoal(seconds: 60, reading: " if “full sync” means the whole initial cycle")
            let verdict = EngineReport.Verdict(goal: label, met: total <= limit)
            report.rows.append(
                EngineReport.Row(
                    stage: "initial cycle (all of the above)", work: "12 runs",
                    time: Format.seconds(total), rate: Format.rate(population.people, total, "people"), peak: "",
                    goal: verdict.goal, result: verdict.result))
        }
    }

    /// Delta cycles after the initial one until nothing changes: the first imports the directory's new files
    /// (confirming the exports) and exports what waited for the accounts (managers, group members); the
    /// next confirms those. The delta stage then starts from rest.
    mutating func confirmStage(_ session: EngineSession) async throws {
        for cycle in 1...3 {
            let runs = try await session.cycle(initial: false)
            let total = runs.reduce(0) { $0 + $1.seconds }
            report.rows.append(
                EngineReport.Row(
                    stage: "confirming cycle \(cycle) (delta, no HR change)",
                    work: cycle == 1 ? "confirms the accounts, exports managers and group members" : "confirms those",
                    time: Format.seconds(total), rate: "—", peak: ""))
            addRunRows(runs)
            let changed = runs.contains { run in
                let s = run.statistics
                return s.adds + s.updates + s.deletes + s.renames + s.exportsStaged > 0
            }
            if !changed { break }
        }
        let objects = await connectorSpaceObjects(session)
        let peak = PeakMemory.highWaterMarkBytes
        peaks.append(("confirm", peak, objects))
        if let first = report.rows.firstIndex(where: { $0.stage.hasPrefix("confirming cycle 1") }) {
            report.rows[first].peak = Format.mebibytes(peak)
        }
    }

    /// The HR files change by 1 % and a delta cycle carries the changes through.
    mutating func deltaStage(_ session: EngineSession) async throws {
        let changes = population.changes
        let clock = ContinuousClock()
        let start = clock.now
        try files.writeChanged(changes)
        progress("changed HR files written in \(Format.seconds((clock.now - start).seconds)) (not timed)")
        PeakMemory.releaseFreedMemory()
        PeakMemory.reset()
        let runs = try await session.cycle(initial: false)
        let objects = await connectorSpaceObjects(session)
        let peak = PeakMemory.highWaterMarkBytes
        peaks.append(("delta", peak, objects))
        let total = runs.reduce(0) { $0 + $1.seconds }
        let (limit, label) = scaledGoal(seconds: 5)
        let verdict = EngineReport.Verdict(goal: label, met: total <= limit)
        report.rows.append(
            EngineReport.Row(
                stage: "**delta cycle: 1 % changes**",
                work: "\(Format.count(changes.count)) changes on \(Format.count(population.people)) people",
                time: Format.seconds(total), rate: Format.rate(changes.count, total, "changes"),
                peak: Format.mebibytes(peak), goal: verdict.goal, result: "**\(verdict.result)**"))
        addRunRows(runs)
    }

    /// One row for each run of a cycle that took at least 10 ms.
    private mutating func addRunRows(_ runs: [EngineSession.TimedRun]) {
        for run in runs where run.seconds >= 0.01 {
            let s = run.statistics
            var work: [String] = []
            if s.adds > 0 { work.append("\(Format.count(s.adds)) adds") }
            if s.updates > 0 { work.append("\(Format.count(s.updates)) updates") }
            if s.deletes > 0 { work.append("\(Format.count(s.deletes)) deletes") }
            if s.unchanged > 0 { work.append("\(Format.count(s.unchanged)) unchanged") }
            if s.projections > 0 { work.append("\(Format.count(s.projections)) projections") }
            if s.disconnections > 0 { work.append("\(Format.count(s.disconnections)) disconnections") }
            if s.exportsStaged > 0 { work.append("\(Format.count(s.exportsStaged)) exports staged") }
            if s.errors > 0 { work.append("\(Format.count(s.errors)) errors") }
            report.rows.append(
                EngineReport.Row(
                    stage: "  ↳ \(run.connector) \(run.profile.rawValue)",
                    work: work.isEmpty ? "—" : work.joined(separator: ", "),
                    time: Format.seconds(run.seconds), rate: "—", peak: ""))
        }
    }

    /// Replays the whole journal into a fresh state, after the engine is gone.
    mutating func replayStage() throws {
        let replay = try ReplayMeasurement.measure(journal: files.journalPath)
        peaks.append(("replay", PeakMemory.highWaterMarkBytes, replay.connectorSpaceObjects))
        let goal = 500_000.0
        let eventsPerSecond = Double(replay.events) / replay.replaySeconds
        let changesPerSecond = Double(replay.changes) / replay.replaySeconds
        let strict = EngineReport.Verdict(goal: "≥ 500,000 events/s (journal events)", met: eventsPerSecond >= goal)
        let perChange = EngineReport.Verdict(
            goal: "≥ 500,000 events/s, counting each change inside an event", met: changesPerSecond >= goal)
        report.rows.append(
            EngineReport.Row(
                stage: "**replay** (`EngineReplay.replay`)",
                work:
                    "\(Format.count(replay.events)) journal events, \(Format.megabytes(replay.payloadBytes)) inflated",
                time: Format.seconds(replay.replaySeconds),
                rate: Format.rate(replay.events, replay.replaySeconds, "events"),
                peak: Format.mebibytes(PeakMemory.highWaterMarkBytes), goal: strict.goal,
                result: "**\(strict.result)**",
                baseline: "reading the journal alone (inflate, no decode): "
                    + "\(Format.rate(replay.events, replay.readSeconds, "events")), "
                    + "\(Format.megabytesPerSecond(bytes: replay.payloadBytes, seconds: replay.readSeconds)) "
                    + "(\(Format.seconds(replay.readSeconds)))"))
        report.rows.append(
            EngineReport.Row(
                stage: "replay, per change",
                work: "\(Format.count(replay.changes)) changes (imported objects, sync decisions, export results)",
                time: "″", rate: Format.rate(replay.changes, replay.replaySeconds, "changes"), peak: "",
                goal: perChange.goal, result: "**\(perChange.result)**"))
        report.rows.append(
            EngineReport.Row(
                stage: "replay, per object", work: "\(Format.count(replay.objects)) objects in the rebuilt state",
                time: "″", rate: Format.rate(replay.objects, replay.replaySeconds, "objects"), peak: ""))
        if let liveDigest {
            guard liveDigest == replay.stateDigest else {
                throw BenchmarkFailure(
                    "replay rebuilt state digest \(replay.stateDigest), the engine ended with \(liveDigest)")
            }
            report.notes.append("Replay rebuilt the engine's state exactly (state digest \(liveDigest.prefix(16))…).")
        }
    }

    /// The worst stage's peak resident set per connector-space object.
    mutating func memoryRow() {
        guard
            let worst = peaks.filter({ $0.objects > 0 }).max(by: {
                Double($0.bytes) / Double($0.objects) < Double($1.bytes) / Double($1.objects)
            })
        else { return }
        let perObject = Double(worst.bytes) / Double(worst.objects)
        let verdict = EngineReport.Verdict(goal: "≤ 2 KiB per connector-space object", met: perObject <= 2_048)
        report.rows.append(
            EngineReport.Row(
                stage: "**peak memory** (worst stage: \(worst.stage))",
                work: "\(Format.count(worst.objects)) connector-space objects",
                time: "—", rate: Format.kibibytes(perObject) + " per object", peak: Format.mebibytes(worst.bytes),
                goal: verdict.goal, result: "**\(verdict.result)**"))
        report.notes.append(
            "Peak RSS per connector-space object by stage: "
                + peaks.map {
                    "\($0.stage) \($0.objects > 0 ? Format.kibibytes(Double($0.bytes) / Double($0.objects)) : "–")"
                }
                .joined(separator: ", ") + " (the whole process's VmHWM over the objects held at the stage's end).")
        guard !held.isEmpty else { return }
        report.notes.append(
            "Resident at each engine stage's end, after freed memory is given back (the state, not the stage's "
                + "transients): "
                + held.map { held in
                    let objects = peaks.first { $0.stage == held.stage }?.objects ?? 0
                    let perObject = objects > 0 ? " (\(Format.kibibytes(Double(held.bytes) / Double(objects))))" : ""
                    return "\(held.stage) \(Format.mebibytes(held.bytes))\(perObject)"
                }
                .joined(separator: ", ") + ".")
    }
}
