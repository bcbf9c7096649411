import ConnectorKit

/// Turns connector values into the bytes LDAP stores: text, `TRUE`/`FALSE`, GeneralizedTime, raw binary, and for
/// references the DN of the entry with that anchor.
struct ValueEncoder: Sendable {
    let connector: LDAPConnector
    let schema: DirectorySchema

    func kind(of attribute: String) -> AttributeKind {
        schema.kind(
            of: attribute, references: connector.settings.references, binary: connector.settings.binaryAttributes)
    }

    func encode(_ values: [AttributeValue], of attribute: String) async throws -> [[UInt8]] {
        var encoded: [[UInt8]] = []
        encoded.reserveCapacity(values.count)
        for value in values {
            switch value {
            case .string(let text): encoded.append(Array(text.utf8))
            case .integer(let number): encoded.append(Array(String(number).utf8))
            case .boolean(let flag): encoded.append(Array((flag ? "TRUE" : "FALSE").utf8))
            case .binary(let bytes): encoded.append(bytes)
            case .date(let micros): encoded.append(Array(GeneralizedTime.format(micros).utf8))
            case .reference(let anchor):
                do {
                    encoded.append(Array(try await connector.lookUpDN(anchor: anchor).utf8))
                } catch let error as ConnectorError where error.code == .notFound {
                    throw ConnectorError(
                        .constraint,
                        "attribute '\(attribute)' references object \(anchor), which the directory does not hold")
                }
            }
        }
        return encoded
    }
}
