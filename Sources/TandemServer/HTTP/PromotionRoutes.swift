import Hummingbird
import NIOCore

/// `POST /v1/promote` and `POST /v1/demote`: role changes under the promotion controller.
enum PromotionRoutes {
    static func add(to router: Router<ServerRequestContext>, controller: PromotionController) {
        router.post("/v1/promote") { request, _ in
            try await HTTPFrontend.guarded {
                let parameters = request.uri.queryParameters
                let flag: (String) -> Bool = { name in parameters[name[...]].map { $0 == "true" || $0 == "1" } ?? false
                }
                let outcome = try await controller.promote(
                    force: flag("force"), confirmedOldActiveStopped: flag("confirmedOldActiveStopped"))
                return HTTPFrontend.json([
                    "role": "active", "epoch": outcome.epoch, "previousEpoch": outcome.previousEpoch,
                    "switchSeq": outcome.switchSeq, "fenced": outcome.lease != nil,
                ])
            }
        }
        router.post("/v1/demote") { request, _ in
            try await HTTPFrontend.guarded {
                guard let primary = request.uri.queryParameters["primary"].map(String.init),
                    primary.hasPrefix("http://") || primary.hasPrefix("https://")
                else {
                    return HTTPFrontend.error(
                        .badRequest, "demote needs ?primary=URL: the server to follow (the one being promoted)")
                }
                let lastSeq = try await controller.demote(primaryURL: primary)
                return HTTPFrontend.json(["role": "staging", "primary": primary, "lastSeq": lastSeq])
            }
        }
    }
}
