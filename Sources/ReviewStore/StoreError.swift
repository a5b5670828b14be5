/// A storage operation failed: what kind of failure, a message safe to show, and the driver's error for logs.
///
/// `description` is the message alone; the underlying driver error appears only in `debugDescription`
/// (it may quote SQL and values).
public struct StoreError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, machine-readable code; extensible without breaking callers that switch on known codes.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Someone else changed the row first (a stale `expectedVersion`, a serialisation failure or deadlock);
        /// reload and retry. Nothing was written.
        public static let conflict = Code(rawValue: "store.conflict")
        /// The row asked for does not exist.
        public static let notFound = Code(rawValue: "store.not_found")
        /// A foreign key, CHECK, NOT NULL or append-only rule refused the write.
        public static let constraintViolation = Code(rawValue: "store.constraint_violation")
        /// A unique key is already taken.
        public static let duplicate = Code(rawValue: "store.duplicate")
        /// The database cannot be reached, is busy beyond the timeout, or is shutting down; retry later.
        public static let unavailable = Code(rawValue: "store.unavailable")
        /// A job's lease was lost: it expired and was reclaimed, or another worker holds it.
        public static let leaseLost = Code(rawValue: "store.lease_lost")
        /// The database configuration is incomplete or malformed.
        public static let invalidConfiguration = Code(rawValue: "store.invalid_configuration")
        /// A stored row could not be turned back into a domain value.
        public static let corruptData = Code(rawValue: "store.corrupt_data")
        /// The caller passed a value the operation cannot accept.
        public static let invalidArgument = Code(rawValue: "store.invalid_argument")
        /// The database's disk is full (SQLITE_FULL, PostgreSQL's disk_full): nothing was written; free space and retry.
        public static let storageFull = Code(rawValue: "store.storage_full")
        /// Any other database failure.
        public static let database = Code(rawValue: "store.database")
    }

    /// What kind of failure.
    public let code: Code
    /// What went wrong, safe to show.
    public let message: String
    /// The driver's error, for logs.
    public let cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public var debugDescription: String {
        "StoreError(\(code)): \(message)" + (cause.map { " — caused by \(String(reflecting: $0))" } ?? "")
    }
}
