import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Logs a plug-in's standard error line by line under its name, with every secret sent to it redacted.
struct ErrorLog: Sendable {
    let descriptor: Int32
    let logger: Logger
    let redact: @Sendable (String) -> String

    func start(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = "tandem-plugin-\(name)-stderr"
        thread.start()
    }

    private func run() {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            for byte in chunk[0..<count] {
                if byte == 0x0A {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                } else if pending.count < 8192 {
                    pending.append(byte)
                }
            }
        }
        if !pending.isEmpty { emit(pending) }
        close(descriptor)
    }

    private func emit(_ bytes: [UInt8]) {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else { return }
        logger.info("\(redact(text))")
    }
}
