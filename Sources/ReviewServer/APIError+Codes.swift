import HTTPTypes
import ReviewDomain
import ReviewStore

// The one spelling of error codes on the wire (decision 18): `snake_case`, every code listed once here with what it
// means. The layers below keep their own codes (`store.not_found`, `rating.not_found`, `notMedia`); this file is the
// only place they are turned into the API's, and `ErrorMiddleware` the only place an envelope is written.
// docs/api.md and the OpenAPI document's `Error.code` enum list exactly `catalogue` (ErrorCodeTests).

extension APIError.Code {
    // Codes of the layers below, spelled as the API spells them.
    public static let duplicate = Self(rawValue: "duplicate")
    public static let invalidArgument = Self(rawValue: "invalid_argument")
    public static let constraintViolation = Self(rawValue: "constraint_violation")
    public static let unavailable = Self(rawValue: "unavailable")
    public static let caseWrongState = Self(rawValue: "case_wrong_state")
    public static let caseNotPermitted = Self(rawValue: "case_not_permitted")
    public static let caseMissingReason = Self(rawValue: "case_missing_reason")
    public static let caseNotAllowedByPolicy = Self(rawValue: "case_not_allowed_by_policy")
    public static let caseAlreadyDecided = Self(rawValue: "case_already_decided")
    public static let scoreOutOfRange = Self(rawValue: "score_out_of_range")
    public static let policyOutOfRange = Self(rawValue: "policy_out_of_range")
    public static let reasonRequired = Self(rawValue: "reason_required")
    /// A rationale or a reason is longer than the domain keeps (decision 37).
    public static let textTooLong = Self(rawValue: "text_too_long")
    /// A flag's reason is longer than the domain keeps (decision 37).
    public static let caseReasonTooLong = Self(rawValue: "case_reason_too_long")
    public static let actorNotPermitted = Self(rawValue: "actor_not_permitted")
    public static let ratingNotFound = Self(rawValue: "rating_not_found")
    public static let ratingSuperseded = Self(rawValue: "rating_superseded")
    public static let ratingDuplicate = Self(rawValue: "rating_duplicate")
    public static let ratingLedgerInconsistent = Self(rawValue: "rating_ledger_inconsistent")
    public static let recordingInvalidTransition = Self(rawValue: "recording_invalid_transition")
    public static let recordingInvalidContent = Self(rawValue: "recording_invalid_content")
    public static let opinionInvalidAnnotation = Self(rawValue: "opinion_invalid_annotation")
    public static let assignmentInvalidTransition = Self(rawValue: "assignment_invalid_transition")

    /// Every code an error envelope can carry, with what it means (the list docs/api.md shows).
    public static let catalogue: [(code: Self, meaning: String)] = [
        (.badRequest, "the request cannot be read: a parameter, header or body that is malformed"),
        (.unauthenticated, "not signed in, or the token or session is not recognised"),
        (.signInFailed, "the username, password or second-factor code is wrong"),
        (.secondFactorRequired, "the password was right; send the account's second-factor code too"),
        (.secondFactorSetupRequired, "this role must use a second factor: set one up first"),
        (.forbidden, "signed in, but not allowed to do this"),
        (.csrfFailed, "a cookie-authenticated change without the session's X-CSRF-Token"),
        (.actorNotPermitted, "your role or organisation may not do this"),
        (.caseNotPermitted, "your role may not move the case this way"),
        (.notFound, "no such thing, or you may not see it"),
        (.methodNotAllowed, "the path exists but not with this method"),
        (.conflict, "the state changed meanwhile (a stale expectedVersion) or does not allow this now"),
        (.duplicate, "it exists already"),
        (.caseWrongState, "the case's state does not allow this action"),
        (.caseNotAllowedByPolicy, "the moderation policy does not allow this action"),
        (.caseAlreadyDecided, "the case is decided: the lead's reopen is the way back"),
        (.offsetMismatch, "tus: Upload-Offset is not where the upload stands"),
        (.uploadGone, "tus: the upload expired or was removed"),
        (.uploadLocked, "tus: another request is writing this upload"),
        (.contentTooLarge, "the body is larger than this route accepts"),
        (.uploadTooLarge, "tus: the upload is larger than the configured limit"),
        (.unsupportedMediaType, "the body's Content-Type is not one this route reads"),
        (.unsupportedTusVersion, "tus: Tus-Resumable is not 1.0.0"),
        (.rangeNotSatisfiable, "no part of the requested range exists"),
        (.invalid, "well-formed but invalid: the message says which value and why"),
        (.invalidArgument, "a value the store refuses (an unknown reference, a value out of range)"),
        (.constraintViolation, "the change would break a rule the database keeps"),
        (.scoreOutOfRange, "a score outside 1 to 7"),
        (.policyOutOfRange, "a moderation policy setting outside its range"),
        (.reasonRequired, "a reason or rationale is required"),
        (.caseMissingReason, "this case action needs a reason"),
        (.textTooLong, "a rationale or reason is longer than 10,000 characters"),
        (.caseReasonTooLong, "a flag's reason is longer than 10,000 characters"),
        (.ratingNotFound, "the rating to correct is not on this observation"),
        (.ratingSuperseded, "that rating was corrected already: correct the latest one"),
        (.ratingDuplicate, "you rated this already: correct your rating instead"),
        (.ratingLedgerInconsistent, "the ratings do not form a valid append-only ledger"),
        (.recordingInvalidTransition, "the recording's status cannot move this way"),
        (.recordingInvalidContent, "a recording's checksum or size is malformed"),
        (.opinionInvalidAnnotation, "a time-coded note is malformed or outside the recording"),
        (.assignmentInvalidTransition, "the assignment cannot move this way"),
        (.invalidHeader, "tus: a header is missing or malformed"),
        (.invalidMetadata, "tus: Upload-Metadata is missing a key or malformed"),
        (.checksumAlgorithmUnsupported, "tus: Upload-Checksum names an algorithm not supported"),
        (.checksumMismatch, "tus: the bytes of this request do not match Upload-Checksum"),
        (.fileChecksumMismatch, "the whole file does not match the SHA-256 given at creation"),
        (.uploadTooSlow, "tus: the request sent too little for too long"),
        (.uploadInterrupted, "tus: the connection broke before the PATCH body ended (what arrived is kept)"),
        (.tooManyAttempts, "too many failed sign-ins: wait Retry-After seconds"),
        (.uploadQuota, "tus: too many uploads in progress for you"),
        (.internalError, "a fault on the server, logged with the request id"),
        (.unavailable, "the database cannot be reached: try again later"),
        (.notReady, "the server is not ready (database, migrations or storage)"),
        (.insufficientStorage, "the server's disk is full: nothing was saved, try later"),
    ]

    /// A store error's code as the API spells it; `nil` for the codes that are the server's fault (500).
    init?(_ code: StoreError.Code) {
        switch code {
        case .notFound: self = .notFound
        case .conflict: self = .conflict
        case .duplicate: self = .duplicate
        case .invalidArgument: self = .invalidArgument
        case .constraintViolation: self = .constraintViolation
        case .unavailable: self = .unavailable
        case .storageFull: self = .insufficientStorage
        default: return nil
        }
    }

    /// A case transition's code as the API spells it (a code added later reads as `conflict`).
    init(_ code: CaseTransitionError.Code) {
        self = switch code {
        case .wrongState: .caseWrongState
        case .notPermitted: .caseNotPermitted
        case .missingReason: .caseMissingReason
        case .notAllowedByPolicy: .caseNotAllowedByPolicy
        case .alreadyDecided: .caseAlreadyDecided
        case .reasonTooLong: .caseReasonTooLong
        default: .conflict
        }
    }

    /// A domain rule's code as the API spells it (a code added later reads as `invalid`, or `forbidden`).
    init(_ code: DomainError.Code) {
        self = switch code {
        case .scoreOutOfRange: .scoreOutOfRange
        case .policyOutOfRange: .policyOutOfRange
        case .reasonRequired: .reasonRequired
        case .textTooLong: .textTooLong
        case .notPermitted: .actorNotPermitted
        case .ratingNotFound: .ratingNotFound
        case .ratingSuperseded: .ratingSuperseded
        case .ratingDuplicate: .ratingDuplicate
        case .ledgerInconsistent: .ratingLedgerInconsistent
        case .ingestTransition: .recordingInvalidTransition
        case .invalidContent: .recordingInvalidContent
        case .invalidAnnotation: .opinionInvalidAnnotation
        case .assignmentTransition: .assignmentInvalidTransition
        default: .invalid
        }
    }

    /// The code of an error Hummingbird raised itself (an unknown route, a body over the limit), from its status.
    init(status: HTTPResponse.Status) {
        self = switch status.code {
        case 400: .badRequest
        case 401: .unauthenticated
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        case 413: .contentTooLarge
        case 415: .unsupportedMediaType
        case 416: .rangeNotSatisfiable
        case 422: .invalid
        case 503: .notReady
        default: status.kind == .serverError ? .internalError : .badRequest
        }
    }
}

/// The codes of why a file could not be indexed (MediaIndex's `notMedia`, the worker's and the store's own), as the API
/// spells them: in a recording's index report (`error.code`) and in a rejection's audit details.
public enum IndexFailureCode {
    /// Every code, with what it means (the list docs/api.md shows).
    public static let catalogue: [(code: String, meaning: String, source: String)] = [
        ("not_found", "the file was not where the worker looked", "notFound"),
        ("unreadable", "the file cannot be read", "unreadable"),
        ("empty", "the file has no bytes", "empty"),
        ("not_media", "not a video container we accept (text, an image, random bytes)", "notMedia"),
        ("truncated", "the container stops before its own header says it should", "truncated"),
        ("no_video_stream", "no video stream (audio only, or only cover art)", "noVideoStream"),
        ("unsupported_codec", "a video codec we cannot index and play", "unsupportedCodec"),
        ("too_large", "over a configured limit (size, dimensions or duration)", "tooLarge"),
        ("corrupt", "damaged in a way the demuxer or decoder reported", "corrupt"),
        ("output_failed", "writing a thumbnail or the proxy failed", "outputFailed"),
        ("indexing_failed", "every attempt to index the file failed (the worker's log says why)", "indexingFailed"),
        ("blob_missing", "the original file is missing from the server: upload it again", "blobMissing"),
    ]

    /// The worker's own codes (the store writes `indexing_failed` itself, for recordings whose jobs died).
    public static let indexingFailed = "indexing_failed"
    public static let blobMissing = "blob_missing"

    /// MediaIndex's (or the store's) code as the API spells it; a code not listed reads as `not_media`.
    public static func wire(_ code: String) -> String {
        catalogue.first { $0.source == code || $0.code == code }?.code ?? "not_media"
    }
}
