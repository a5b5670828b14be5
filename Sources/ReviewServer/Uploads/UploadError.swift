import HTTPTypes

/// Why the upload store refused an operation. HTTP-agnostic; ``ErrorMiddleware`` maps it through
/// ``apiError`` (the tus status codes are listed there).
public struct UploadError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case notFound
        case gone
        case offsetMismatch
        case locked
        case tooLarge
        case invalidLength
        case checksumMismatch
        case fileChecksumMismatch
        case notReceiving
        /// The server has not the space for the upload (at creation) or ran out of it (while writing).
        case insufficientStorage
        /// The user has too many uploads under way, or too many bytes still to send.
        case quota
        /// A PATCH's bytes arrived slower than the minimum rate: it was ended, its bytes kept.
        case tooSlow
        /// The connection broke (or the server's shutdown closed it) before the PATCH's body ended: what arrived is kept.
        case interrupted
        /// The file arrived whole but the blob store (a bucket) did not take it: the bytes are kept, the final PATCH
        /// may be sent again.
        case storeUnavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The HTTP face of the error.
    var apiError: APIError {
        switch code {
        case .notFound: APIError(.notFound, code: .notFound, message: message)
        case .gone: APIError(.gone, code: .uploadGone, message: message)
        case .offsetMismatch: APIError(.conflict, code: .offsetMismatch, message: message)
        case .locked: APIError(HTTPResponse.Status(code: 423, reasonPhrase: "Locked"), code: .uploadLocked, message: message)
        case .tooLarge: APIError(.contentTooLarge, code: .uploadTooLarge, message: message)
        case .invalidLength: APIError(.badRequest, code: .invalidHeader, message: message)
        case .checksumMismatch: APIError(.checksumMismatch, code: .checksumMismatch, message: message)
        case .fileChecksumMismatch: APIError(.checksumMismatch, code: .fileChecksumMismatch, message: message)
        case .notReceiving: APIError(.conflict, code: .offsetMismatch, message: message)
        case .insufficientStorage:
            APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), code: .insufficientStorage, message: message)
        case .quota: APIError(.tooManyRequests, code: .uploadQuota, message: message)
        case .tooSlow: APIError(.requestTimeout, code: .uploadTooSlow, message: message)
        case .interrupted: APIError(.badRequest, code: .uploadInterrupted, message: message)
        case .storeUnavailable: APIError(.serviceUnavailable, code: .notReady, message: message)
        }
    }
}
