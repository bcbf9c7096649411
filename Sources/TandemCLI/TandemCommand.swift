import ArgumentParser

/// The `tandem` command: the composition root that wires the modules together.
public struct TandemCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "An identity synchronization engine whose every step is recorded in a replayable journal.",
        discussion: """
            Tandem records every import, sync and export as compressed events in an append-only
            journal, so a staging server can replay it and an operator can debug or restore by replay.
            Start with 'tandem demo'.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, RunCommand.self, CycleCommand.self, RunsCommand.self, StatusCommand.self,
            ReplayCommand.self, ExportsCommand.self, ShowCommand.self, JournalCommand.self, ServeCommand.self,
            CheckpointCommand.self, RestoreCommand.self, RestorePointCommand.self, ExplainCommand.self,
            WhatIfCommand.self, ConnectorCommand.self, PluginsCommand.self, PromoteCommand.self, DemoteCommand.self,
            SwitchoverCommand.self, RejoinCommand.self,
        ]
    )

    public init() {}
}

/// `tandem journal …`: tools that work on a journal directory.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Verify, inspect, measure and repair a journal directory.",
        subcommands: [
            VerifyCommand.self, InspectCommand.self, StatsCommand.self, RepairCommand.self, JournalTourCommand.self,
            TortureCommand.self,
        ]
    )
}
