import Synchronization

/// A file as an export last wrote it: its table (whose source is the bytes written) and the version and
/// permissions of the file on disk. The next export uses it instead of reading the file again if the file's
/// version (device, inode, size, modification time) is still the one written.
struct ExportedFile: Sendable {
    var table: FileTable
    /// The file's version and permissions; its bytes are the table's source.
    var contents: FileStorage.Contents
}

/// Keeps the file one connector instance last exported, between export calls.
final class ExportedFileCache: Sendable {
    private let file = Mutex<ExportedFile?>(nil)

    init() {}

    /// The kept file, which is no longer kept (an export that fails leaves nothing behind).
    func take() -> ExportedFile? { file.withLock { $0.take() } }

    func store(_ exported: ExportedFile) { file.withLock { $0 = exported } }
}
