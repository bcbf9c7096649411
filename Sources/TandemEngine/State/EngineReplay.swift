import TandemJournal

/// Rebuilds engine state from a journal alone, without touching it.
public enum EngineReplay {
    /// Folds the journal's engine events from seq 1 through `lastSeq` (all if `nil`) into a state.
    ///
    /// Events of types the engine does not know are skipped (the journal's own ignorable frames
    /// never reach here); a malformed or inconsistent event stops the replay with its seq.
    public static func replay(directory: String, through lastSeq: UInt64? = nil) throws -> EngineState {
        let reader = try JournalReader(directory: directory)
        var state = EngineState()
        let end = min(lastSeq ?? reader.lastSeq, reader.lastSeq)
        guard end >= 1 else { return state }
        try replayPipelined(reader, from: reader.firstSeq ?? 1, through: end, into: &state)
        return state
    }

    /// Applies one stored journal event to `state`.
    public static func apply(_ stored: StoredEvent, to state: inout EngineState) throws(EngineError) {
        guard let event = try EngineEventCodec.decode(stored) else { return }
        try state.apply(event, seq: stored.seq, timeMicroseconds: stored.event.timeMicroseconds)
    }
}
