public import HTTPTypes

/// An error the HTTP API reports to the caller: a status, a stable machine-readable `code`, a human
/// `message`, optional response headers, and the underlying `cause` for the log.
///
/// Handlers throw `APIError`; ``ErrorMiddleware`` turns it (and every other error) into
/// `{"error": {"code": …, "message": …}}` in one place. `description` is safe to show;
/// `debugDescription` adds the cause.
public struct APIError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, extensible error code (`snake_case`), part of the API contract.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let badRequest = Code(rawValue: "bad_request")
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        public static let forbidden = Code(rawValue: "forbidden")
        public static let notFound = Code(rawValue: "not_found")
        public static let methodNotAllowed = Code(rawValue: "method_not_allowed")
        public static let internalError = Code(rawValue: "internal")
        public static let contentTooLarge = Code(rawValue: "content_too_large")
        public static let conflict = Code(rawValue: "conflict")
        public static let invalid = Code(rawValue: "invalid")
        public static let csrfFailed = Code(rawValue: "csrf_failed")
        public static let tooManyAttempts = Code(rawValue: "too_many_attempts")
        public static let signInFailed = Code(rawValue: "sign_in_failed")
        /// The password was right; the account's second factor code is needed too.
        public static let secondFactorRequired = Code(rawValue: "second_factor_required")
        /// The account's role must use a second factor and has none yet.
        public static let secondFactorSetupRequired = Code(rawValue: "second_factor_setup_required")
        public static let notReady = Code(rawValue: "not_ready")
        public static let rangeNotSatisfiable = Code(rawValue: "range_not_satisfiable")
        // tus
        public static let unsupportedTusVersion = Code(rawValue: "unsupported_tus_version")
        public static let unsupportedMediaType = Code(rawValue: "unsupported_media_type")
        public static let invalidHeader = Code(rawValue: "invalid_header")
        public static let invalidMetadata = Code(rawValue: "invalid_metadata")
        public static let offsetMismatch = Code(rawValue: "offset_mismatch")
        public static let uploadGone = Code(rawValue: "upload_gone")
        public static let uploadLocked = Code(rawValue: "upload_locked")
        public static let uploadTooLarge = Code(rawValue: "upload_too_large")
        public static let insufficientStorage = Code(rawValue: "insufficient_storage")
        public static let uploadQuota = Code(rawValue: "upload_quota")
        public static let uploadTooSlow = Code(rawValue: "upload_too_slow")
        public static let uploadInterrupted = Code(rawValue: "upload_interrupted")
        public static let checksumMismatch = Code(rawValue: "checksum_mismatch")
        public static let checksumAlgorithmUnsupported = Code(rawValue: "checksum_algorithm_unsupported")
        public static let fileChecksumMismatch = Code(rawValue: "file_checksum_mismatch")
    }

    /// The response status.
    public var status: HTTPResponse.Status
    /// The machine-readable code.
    public var code: Code
    /// What went wrong and, where the caller can fix it, how.
    public var message: String
    /// Extra response headers (for example `Tus-Version` on a 412).
    public var headers: HTTPFields
    /// The underlying error, logged but never sent.
    public var cause: (any Error & Sendable)?

    public init(
        _ status: HTTPResponse.Status,
        code: Code,
        message: String,
        headers: HTTPFields = [:],
        cause: (any Error & Sendable)? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.cause = cause
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public var debugDescription: String {
        cause.map { "\(description) (cause: \(String(reflecting: $0)))" } ?? description
    }
}

extension HTTPResponse.Status {
    /// tus checksum extension: the bytes received do not match the checksum the client sent.
    public static let checksumMismatch = HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")
}

/// Wraps an error with headers that must be on the response whatever the error is (for example
/// `Tus-Resumable` on every tus response). ``ErrorMiddleware`` maps `base` and then adds `headers`.
struct ErrorWithHeaders: Error {
    var base: any Error
    var headers: HTTPFields
}
