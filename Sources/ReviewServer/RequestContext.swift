public import Foundation
public import Hummingbird
public import NIOCore
public import ReviewDomain

/// Per-request data: the core Hummingbird storage and who is asking.
///
/// `identity` is set by ``AuthenticationMiddleware`` from the `Authorization` header; handlers that need a
/// caller use ``requireIdentity()``. Nothing long-lived belongs here (stores and clients are services).
public struct ReviewRequestContext: RequestContext, RemoteAddressRequestContext, ChannelRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, if the request carried valid credentials.
    public var identity: ActingUser?
    /// The session cookie's value when the caller signed in with a browser session (not a bearer token).
    public var sessionToken: String?
    /// The peer's address (for the sign-in throttle and the logs).
    public let remoteAddress: SocketAddress?
    /// The connection, so that files go out with `sendfile` (``FileStreamer``).
    public let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
        self.identity = nil
        self.sessionToken = nil
    }

    /// JSON with ISO 8601 times, as the OpenAPI document describes.
    public var responseEncoder: JSONEncoder { Self.encoder }
    /// Request bodies: ISO 8601 times.
    public var requestDecoder: JSONDecoder { Self.decoder }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The authenticated caller, or a 401 `unauthenticated` error.
    public func requireIdentity() throws(APIError) -> ActingUser {
        guard let identity else {
            throw APIError(
                .unauthorized,
                code: .unauthenticated,
                message: "Sign in first: POST /api/v1/session, or send an Authorization: Bearer <API token> header.",
                headers: [.wwwAuthenticate: "Bearer"]
            )
        }
        return identity
    }
}
