import BenchmarkSupport
import Foundation

/// Writes the population's files: the HR people and groups (CSV) and the empty directory (JSON Lines).
struct PopulationFiles {
    let population: Population
    let folder: String

    var hrPath: String { folder + "/hr.csv" }
    var groupsPath: String { folder + "/groups.csv" }
    var accountsPath: String { folder + "/directory/accounts.jsonl" }
    var directoryGroupsPath: String { folder + "/directory/groups.jsonl" }
    var configurationPath: String { folder + "/tandem.yaml" }
    var journalPath: String { folder + "/data/journal" }

    /// The initial files and the configuration.
    func writeInitial() throws {
        try FileManager.default.createDirectory(atPath: folder + "/directory", withIntermediateDirectories: true)
        try writeHR(changes: nil)
        try writeGroups(changes: nil)
        try BufferedFile.write(accountsPath) { _ in }
        try BufferedFile.write(directoryGroupsPath) { _ in }
        try BufferedFile.write(configurationPath) { $0.append(BenchmarkConfiguration.yaml + "\n") }
    }

    /// The HR files after the delta's changes, each replaced atomically as an HR export job would.
    func writeChanged(_ changes: Population.Changes) throws {
        try writeHR(changes: changes)
        try writeGroups(changes: changes)
    }

    private func writeHR(changes: Population.Changes?) throws {
        try BufferedFile.write(hrPath) { file in
            file.append(Population.columns.joined(separator: ",") + "\r\n")
            for person in 0..<population.people + (changes?.hires.count ?? 0) {
                if let changes {
                    if changes.removed.contains(person) { continue }
                    if changes.terminated.contains(person) {
                        file.append(Population.row(person, status: "terminated") + "\r\n")
                        continue
                    }
                    file.append(Population.row(person, changed: changes.updated.contains(person)) + "\r\n")
                } else {
                    file.append(Population.row(person) + "\r\n")
                }
            }
        }
    }

    /// Each group lists its active members; leavers drop out and hires join.
    private func writeGroups(changes: Population.Changes?) throws {
        let everyone = population.people + (changes?.hires.count ?? 0)
        try BufferedFile.write(groupsPath) { file in
            file.append("groupId,name,members\r\n")
            for group in population.groups {
                file.append("\(group.id),\(group.name),")
                var first = true
                for person in 0..<everyone where group.contains(person) {
                    if let changes, changes.removed.contains(person) || changes.terminated.contains(person) { continue }
                    if !first { file.append(";") }
                    file.append(Population.employeeID(person))
                    first = false
                }
                file.append("\r\n")
            }
        }
    }
}

/// A file written through a large buffer to a temporary name, then renamed into place.
struct BufferedFile {
    private var buffer: [UInt8] = []
    private let handle: FileHandle

    private init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(Self.flushBytes + 4_096)
    }

    private static let flushBytes = 4 << 20

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushBytes { flush() }
    }

    private mutating func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    static func write(_ path: String, _ body: (inout BufferedFile) throws -> Void) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw BenchmarkFailure("cannot create \(temporary)") }
        var file = BufferedFile(handle: handle)
        try body(&file)
        file.flush()
        try handle.close()
        guard rename(temporary, path) == 0 else { throw BenchmarkFailure("cannot rename \(temporary) to \(path)") }
    }
}
