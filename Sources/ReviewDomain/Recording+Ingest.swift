public import Foundation

extension Recording.IngestStatus {
    /// A short name for messages and storage columns: `uploading`, `stored`, `indexing`, `ready`, `rejected`.
    public var name: String {
        switch self {
        case .uploading: "uploading"
        case .stored: "stored"
        case .indexing: "indexing"
        case .ready: "ready"
        case .rejected: "rejected"
        }
    }

    /// Whether no further move is possible.
    public var isFinal: Bool {
        switch self {
        case .ready, .rejected: true
        case .uploading, .stored, .indexing: false
        }
    }

    /// Whether the ingest graph allows moving from this status to `next`.
    public func canMove(to next: Self) -> Bool {
        switch (self, next) {
        case (.uploading, .stored), (.stored, .indexing), (.indexing, .ready): true
        case (.uploading, .rejected), (.stored, .rejected), (.indexing, .rejected): true
        default: false
        }
    }

    /// The transition function: `next` if the graph allows it and a rejection has a reason,
    /// otherwise a ``DomainError`` saying which moves are possible.
    public func moving(to next: Self) throws(DomainError) -> Self {
        guard canMove(to: next) else {
            let hint = isFinal ? "it is final" : "from \(name) it can move only to \(successorNames)"
            throw DomainError(
                code: .ingestTransition,
                message: "A recording cannot move from \(name) to \(next.name): \(hint)."
            )
        }
        if case .rejected(let reason) = next {
            guard let reason = reason.nonBlank else {
                throw DomainError(code: .reasonRequired, message: "Say why the recording is rejected.")
            }
            return .rejected(reason: reason)
        }
        return next
    }

    private var successorNames: String {
        switch self {
        case .uploading: "stored or rejected"
        case .stored: "indexing or rejected"
        case .indexing: "ready or rejected"
        case .ready, .rejected: "nothing"
        }
    }
}

extension Recording {
    /// Marks the upload complete: records the file's SHA-256 (64 hex digits) and size, and moves to `stored`.
    public mutating func markStored(sha256: String, byteCount: Int64) throws(DomainError) {
        let digest = sha256.lowercased()
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else {
            throw DomainError(
                code: .invalidContent,
                message: "The checksum \"\(sha256)\" is not a SHA-256 digest: give 64 hexadecimal digits."
            )
        }
        guard byteCount > 0 else {
            throw DomainError(code: .invalidContent, message: "A stored recording cannot be empty: upload the file again.")
        }
        status = try status.moving(to: .stored)
        self.sha256 = digest
        self.byteCount = byteCount
    }

    /// Moves a stored recording to `indexing` when a worker claims it.
    public mutating func beginIndexing() throws(DomainError) {
        status = try status.moving(to: .indexing)
    }

    /// Marks indexing finished: the recording can be watched.
    public mutating func markReady() throws(DomainError) {
        status = try status.moving(to: .ready)
    }

    /// Ends ingest with a reason shown to the uploader (checksum mismatch, not a video, probe failure…).
    public mutating func reject(reason: String) throws(DomainError) {
        status = try status.moving(to: .rejected(reason: reason))
    }

    /// Notes that the recording's video was deleted at `time` (erasure, retention); the first time counts.
    public mutating func markMediaDeleted(at time: Date) {
        mediaDeletedAt = mediaDeletedAt ?? time
    }

    /// Sends a rejected recording back to `stored`, to be indexed again from its preserved original (after a
    /// passing failure: memory, load, a worker that died). Outside the ingest graph on purpose: only this named
    /// act, by the uploader or the lead, reopens a final status, and only when the original's bytes are kept.
    public mutating func requeueForIndexing() throws(DomainError) {
        guard case .rejected = status else {
            throw DomainError(
                code: .ingestTransition,
                message: "Only a rejected recording can be indexed again; this one is \(status.name).")
        }
        guard sha256 != nil, byteCount != nil else {
            throw DomainError(
                code: .ingestTransition,
                message: "This recording's upload never completed, so there is no original to index again: upload the file again.")
        }
        status = .stored
    }
}
