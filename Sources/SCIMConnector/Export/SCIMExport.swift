import ConnectorKit
import Logging

/// One export call: each change is written on its own and gets its own result.
///
/// - add: `POST`; the result carries the `id` the service assigned, which becomes the object's anchor.
/// - update: `PATCH` with value-level operations, or where the service has no PATCH (or `patch: never`),
///   `GET` + `PUT` of the whole resource with the changes applied. With ETags, `If-Match` carries the version
///   Tandem last saw (by import or by its own write); 412 fails the change with `conflict`, so another
///   writer's change is never overwritten blindly — the next import brings it in.
/// - delete: `DELETE`.
///
/// 409 (`uniqueness`) fails the change with `conflict`, 404 with `notFound`, 400 with `schema`; the other changes
/// go on. Refused credentials throw (the run stops). A service still failing after the retries fails this change
/// and every later one with `transient` without sending them, so the engine keeps them pending for the next run.
struct SCIMExport: Sendable {
    var settings: SCIMConnectorSettings
    var transport: SCIMTransport
    var discovery: SCIMDiscovery
    var logger: Logger
    var versions: VersionCache

    func apply(_ changes: [ObjectChange]) async throws -> [ExportResult] {
        var results: [ExportResult] = []
        results.reserveCapacity(changes.count)
        var unavailable: ConnectorError?
        for change in changes {
            if let unavailable {
                results.append(
                    .failed(
                        ConnectorError(
                            .transient, "not sent: \(unavailable.message)", anchor: change.anchor.nonEmpty,
                            systemCode: unavailable.systemCode)))
                continue
            }
            do {
                results.append(.applied(anchor: try await apply(change)))
            } catch let error as ConnectorError where error.code.isPerObject || error.code == .unsupported {
                var error = error
                if error.anchor == nil { error.anchor = change.anchor.nonEmpty }
                results.append(.failed(error))
            } catch let error as ConnectorError where error.code == .transient {
                unavailable = error
                var error = error
                error.anchor = change.anchor.nonEmpty
                results.append(.failed(error))
            }
        }
        return results
    }

    private func apply(_ change: ObjectChange) async throws -> Anchor {
        guard let codec = discovery.codecs[change.objectType] else {
            throw ConnectorError(
                .schema, "SCIM connector \(settings.name) does not manage object type '\(change.objectType)'")
        }
        let endpoint = codec.mapping.resourceType.endpoint
        switch change {
        case .add(let object):
            var filtered = object
            for (name, values) in object.attributes {
                filtered.attributes[name] = ProvisionalReferences.dropped(values)
            }
            let body = try codec.resource(for: filtered)
            let response = try await transport.send(SCIMRequest(method: .POST, path: endpoint, body: body))
            try check(response, change)
            guard let id = response.body?["id"]?.stringValue, !id.isEmpty else {
                throw ConnectorError(
                    .protocolViolation,
                    "SCIM service at \(settings.baseURL) created a \(codec.objectType) without an id")
            }
            let anchor = Anchor(id)
            versions.set(anchor, response.etag ?? response.body?["meta"]?["version"]?.stringValue)
            return anchor
        case .update(let anchor, _, let attributeChanges):
            let path = endpoint + "/" + SCIMImport.percentEncoded(anchor.rawValue)
            if discovery.features.patch && settings.allowsPatch {
                try await patch(path, attributeChanges, anchor: anchor, codec: codec, change: change)
            } else {
                try await put(path, attributeChanges, anchor: anchor, codec: codec, change: change)
            }
            return anchor
        case .delete(let anchor, _):
            let path = endpoint + "/" + SCIMImport.percentEncoded(anchor.rawValue)
            let response = try await transport.send(SCIMRequest(method: .DELETE, path: path))
            try check(response, change)
            versions.set(anchor, nil)
            return anchor
        case .rename:
            throw ConnectorError(
                .unsupported, "SCIM resources have no distinguished name to rename", anchor: change.anchor.nonEmpty)
        }
    }

    private var usesETags: Bool { discovery.features.etag && settings.allowsETags }

    private func patch(
        _ path: String, _ changes: [AttributeChange], anchor: Anchor, codec: ResourceCodec, change: ObjectChange
    ) async throws {
        let operations = try PatchOperations(codec: codec).operations(for: changes, anchor: anchor)
        guard !operations.isEmpty else { return }
        let body = JSONValue.object([
            "schemas": .array([.string("urn:ietf:params:scim:api:messages:2.0:PatchOp")]),
            "Operations": .array(operations),
        ])
        let ifMatch = usesETags ? versions.get(anchor) : nil
        let response = try await transport.send(SCIMRequest(method: .PATCH, path: path, body: body, ifMatch: ifMatch))
        try check(response, change)
        versions.set(anchor, response.etag ?? response.body?["meta"]?["version"]?.stringValue)
    }

    private func put(
        _ path: String, _ changes: [AttributeChange], anchor: Anchor, codec: ResourceCodec, change: ObjectChange
    ) async throws {
        let current = try await transport.send(SCIMRequest(method: .GET, path: path))
        try check(current, change)
        guard var resource = current.body, resource.objectValue != nil else {
            throw ConnectorError(
                .protocolViolation,
                "SCIM service at \(settings.baseURL) answered GET \(codec.objectType) without a body",
                anchor: anchor)
        }
        let seenVersion = current.etag ?? resource["meta"]?["version"]?.stringValue
        for name in Set(changes.map(\.attribute)).sorted() {
            let attribute = try codec.writable(name, anchor: anchor)
            var attributes: Attributes = [name: codec.values(of: attribute, in: resource)]
            for change in changes where change.attribute == name { change.apply(to: &attributes) }
            try codec.set(name, ProvisionalReferences.dropped(attributes[name] ?? []), in: &resource, anchor: anchor)
        }
        resource.setMember("meta", nil)
        codec.setSchemas(in: &resource)
        let ifMatch = usesETags ? versions.get(anchor) ?? seenVersion : nil
        let response = try await transport.send(SCIMRequest(method: .PUT, path: path, body: resource, ifMatch: ifMatch))
        try check(response, change)
        versions.set(anchor, response.etag ?? response.body?["meta"]?["version"]?.stringValue)
    }

    /// Turns an unsuccessful answer into the per-object error its status means.
    private func check(_ response: SCIMResponse, _ change: ObjectChange) throws {
        guard !response.isSuccess else { return }
        let anchor = change.anchor.nonEmpty
        let what = "SCIM \(change.objectType) \(anchor.map { "\($0)" } ?? "(new)")"
        let code = response.errorCode
        switch response.status {
        case 404:
            throw ConnectorError(.notFound, "\(what) does not exist", anchor: anchor, systemCode: code)
        case 409:
            let reason =
                response.scimType == "uniqueness"
                ? "a unique value (such as userName) is already used by another resource"
                : "it conflicts with the service's state"
            throw ConnectorError(.conflict, "\(what) was not written: \(reason)", anchor: anchor, systemCode: code)
        case 412:
            if let anchor { versions.set(anchor, nil) }
            throw ConnectorError(
                .conflict,
                "\(what) changed in the service since Tandem last read it (ETag mismatch); "
                    + "the next import brings the change in", anchor: anchor, systemCode: code)
        case 400:
            throw ConnectorError(
                .schema, "\(what) was refused as invalid (\(response.scimType ?? "bad request"))", anchor: anchor,
                systemCode: code)
        case 405, 501:
            throw ConnectorError(
                .unsupported, "the SCIM service does not support this operation on \(what)", anchor: anchor,
                systemCode: code)
        default:
            throw ConnectorError(
                .constraint, "\(what) was not written: the service answered \(code)", anchor: anchor, systemCode: code)
        }
    }
}
