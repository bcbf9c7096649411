import Foundation

/// A directory the benchmark owns for one run: created empty, removed at the end unless kept.
struct ScratchDirectory {
    let path: String

    /// Creates `parent/tandem-benchmarks-<pid>`; `parent` defaults to the temporary directory.
    init(parent: String?) throws {
        let base = parent ?? FileManager.default.temporaryDirectory.path
        path = (base as NSString).appendingPathComponent("tandem-benchmarks-\(getpid())")
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Removes `path` (a file or a whole directory inside this one) if it exists.
    func remove(_ path: String) {
        precondition(path.hasPrefix(self.path + "/"), "\(path) is outside the scratch folder \(self.path)")
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The size of a file in bytes.
    func size(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Removes the directory and everything in it.
    func removeAll() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
