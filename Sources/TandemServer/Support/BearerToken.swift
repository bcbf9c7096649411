import Foundation
import TandemEngine

/// The shared secret every protected endpoint requires, and that a staging server presents to its
/// primary. Its text never reaches a log, an error message or the journal: `description` is redacted.
public struct BearerToken: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// - Precondition: `text` is not empty (``resolve(_:)`` guarantees it).
    public init(_ text: String) {
        precondition(!text.isEmpty, "a bearer token must not be empty")
        bytes = Array(text.utf8)
    }

    public var description: String { "<redacted token>" }

    /// The value of an `Authorization` header carrying this token.
    var authorizationValue: String { "Bearer " + String(decoding: bytes, as: UTF8.self) }

    /// Reads the token from the file or environment variable the configuration names.
    ///
    /// - Throws: ``ServerError`` `.configuration` naming the source (never the token) if it is missing or empty.
    public static func resolve(_ source: ServerSettings.SecretSource?) throws -> BearerToken {
        switch source {
        case nil:
            throw ServerError(
                .configuration,
                "the server needs a bearer token: set server.tokenFile or server.tokenEnv in the configuration")
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw ServerError(.configuration, "server.tokenEnv: environment variable \(name) is not set")
            }
            let token = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else {
                throw ServerError(.configuration, "server.tokenEnv: environment variable \(name) is empty")
            }
            return BearerToken(token)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ServerError(.configuration, "server.tokenFile: cannot read \(path)")
            }
            let firstLine = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            let token = firstLine.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw ServerError(.configuration, "server.tokenFile: \(path) is empty") }
            return BearerToken(token)
        }
    }

    /// Whether an `Authorization` header value carries this token. The comparison takes the same
    /// time wherever the first difference is, so that timing reveals nothing about the token.
    func matches(authorization header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let presented = Array(header.utf8.dropFirst(7))
        var difference = UInt8(truncatingIfNeeded: presented.count ^ bytes.count)
        for index in 0..<bytes.count {
            difference |= bytes[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}
