import Synchronization

/// A file as an export last wrote it: its table (where each row is in the file, not the file's bytes) and the
/// version and permissions of the file on disk. The next export uses it instead of reading the file again if
/// the file's version (device, inode, size, modification time) is still the one written, and copies the rows it
/// does not change from the file.
struct ExportedFile: Sendable {
    var table: FileTable
    var status: FileStorage.Status
}

/// Keeps the file one connector instance last exported, between export calls.
final class ExportedFileCache: Sendable {
    private let file = Mutex<ExportedFile?>(nil)

    init() {}

    /// The kept file, which is no longer kept (an export that fails leaves nothing behind).
    func take() -> ExportedFile? { file.withLock { $0.take() } }

    func store(_ exported: ExportedFile) { file.withLock { $0 = exported } }
}
