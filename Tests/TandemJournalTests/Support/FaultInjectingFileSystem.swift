import Foundation
import Synchronization

@testable import TandemJournal

/// The real file system with faults injected on demand: short writes, writes torn at a 512-byte
/// boundary (as a power loss leaves them), a failing sync, a full disk.
struct FaultInjectingFileSystem: JournalFileSystem {
    final class Plan: Sendable {
        struct State {
            /// Each write call writes at most this many bytes.
            var shortWriteMax: Int?
            /// After this many more bytes, writes stop at the previous 512-byte boundary and fail (power loss).
            var tornAfterBytes: Int?
            /// The next sync fails with EIO; later ones succeed.
            var failNextSync = false
            /// After this many more bytes, writes fail with ENOSPC (partially writing up to the limit).
            var diskFullAfterBytes: Int?
            /// Once a torn write happened, nothing more reaches the disk.
            var poweredOff = false
            var syncCount = 0
            var writeCalls = 0
        }

        let state = Mutex(State())

        func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
        var snapshot: State { state.withLock { $0 } }
    }

    let plan = Plan()
    private let real = POSIXFileSystem()
    /// Skip every sync: for tests that reopen a journal thousands of times and never crash the machine.
    var syncsAreFree = false

    init(syncsAreFree: Bool = false) {
        self.syncsAreFree = syncsAreFree
    }

    func openFile(at path: String, writable: Bool) throws -> any JournalFile {
        FaultyFile(inner: try real.openFile(at: path, writable: writable), plan: plan, syncsAreFree: syncsAreFree)
    }

    func createFile(at path: String) throws -> any JournalFile {
        try plan.state.withLock { state in
            if state.poweredOff { throw JournalError(.io, "create \(path): power is off (simulated)") }
        }
        return FaultyFile(inner: try real.createFile(at: path), plan: plan, syncsAreFree: syncsAreFree)
    }

    func contentsOfDirectory(at path: String) throws -> [String] { try real.contentsOfDirectory(at: path) }
    func createDirectory(at path: String) throws { try real.createDirectory(at: path) }
    func fileExists(at path: String) -> Bool { real.fileExists(at: path) }
    func syncDirectory(at path: String) throws {
        if !syncsAreFree { try real.syncDirectory(at: path) }
    }
    func rename(from: String, to: String) throws { try real.rename(from: from, to: to) }
    func removeFile(at path: String) throws { try real.removeFile(at: path) }
    func lockExclusively(at path: String) throws -> any JournalLock { try real.lockExclusively(at: path) }
}

final class FaultyFile: JournalFile, @unchecked Sendable {
    let inner: any JournalFile
    let plan: FaultInjectingFileSystem.Plan
    let syncsAreFree: Bool
    var path: String { inner.path }

    init(inner: any JournalFile, plan: FaultInjectingFileSystem.Plan, syncsAreFree: Bool) {
        self.inner = inner
        self.plan = plan
        self.syncsAreFree = syncsAreFree
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws -> Int {
        enum Decision { case write(Int), torn(Int), full(Int), off }
        let decision = plan.state.withLock { state -> Decision in
            state.writeCalls += 1
            if state.poweredOff { return .off }
            var count = bytes.count
            if let max = state.shortWriteMax { count = min(count, max) }
            if let budget = state.diskFullAfterBytes {
                if count > budget {
                    state.diskFullAfterBytes = 0
                    return .full(budget)
                }
                state.diskFullAfterBytes = budget - count
            }
            if let budget = state.tornAfterBytes {
                if count > budget {
                    // Sectors are written whole or not at all: keep what ends at a 512-byte boundary.
                    let end = offset + Int64(budget)
                    let kept = max(0, Int(end - end % 512 - offset))
                    state.poweredOff = true
                    return .torn(kept)
                }
                state.tornAfterBytes = budget - count
            }
            return .write(count)
        }
        switch decision {
        case .off:
            throw JournalError(.io, "write to \(path): power is off (simulated)")
        case .write(let count):
            return try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), at: offset)
        case .torn(let kept):
            if kept > 0 { _ = try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<kept]), at: offset) }
            throw JournalError(.io, "write to \(path) failed: power lost mid-write (simulated)")
        case .full(let kept):
            if kept > 0 { _ = try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<kept]), at: offset) }
            throw JournalError.posix("write", path: path, errno: ENOSPC)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try inner.read(into: buffer, at: offset)
    }

    func sync() throws {
        let fail = plan.state.withLock { state -> Bool in
            state.syncCount += 1
            if state.poweredOff { return true }
            if state.failNextSync {
                state.failNextSync = false
                return true
            }
            return false
        }
        if fail {
            throw JournalError(
                .syncFailed, "fdatasync on \(path) failed", cause: "errno \(EIO): Input/output error (simulated)")
        }
        if !syncsAreFree { try inner.sync() }
    }

    func truncate(to size: Int64) throws { try inner.truncate(to: size) }
    func size() throws -> Int64 { try inner.size() }
    func close() { inner.close() }
}
