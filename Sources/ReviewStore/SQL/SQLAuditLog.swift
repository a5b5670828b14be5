import Foundation
import ReviewDomain
import SQLKit

struct SQLAuditLog: AuditLog {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func append(_ event: AuditEvent) async throws(StoreError) -> AuditEntry {
        try await context.atomically { db in try await Self.append(event, on: db, dialect: dialect) }
    }

    /// Appends inside the caller's transaction. Locking the chain head (PostgreSQL: `FOR UPDATE`; SQLite: the
    /// write transaction already excludes other writers) serialises appenders, so the chain never forks.
    static func append(_ event: AuditEvent, on db: any SQLDatabase, dialect: Dialect) async throws -> AuditEntry {
        guard let entry = try await append(contentsOf: [event], on: db, dialect: dialect).last else {
            throw StoreError(.corruptData, "The audit event was not appended.")
        }
        return entry
    }

    /// Appends `events` in order, inside the caller's transaction: the head is read and locked once, the
    /// chain is extended in memory, the rows go in with multi-row inserts, and the head moves once.
    static func append(contentsOf events: [AuditEvent], on db: any SQLDatabase, dialect: Dialect) async throws -> [AuditEntry] {
        guard !events.isEmpty else { return [] }
        guard let head = try await db.raw("SELECT sequence, hash FROM audit_chain_head WHERE id = 1\(dialect.forUpdate)").first() else {
            throw StoreError(.corruptData, "The audit chain head is missing; run migrate().")
        }
        var sequence: Int64 = try head.value("sequence")
        var previousHash: String = try head.value("hash")
        var entries: [AuditEntry] = []
        var chained: [AuditEntry] = []
        entries.reserveCapacity(events.count)
        chained.reserveCapacity(events.count)
        for event in events {
            sequence += 1
            let stored = AuditChain.salted(AuditEvent(
                id: event.id, sequence: sequence, at: Dialect.normalised(event.at),
                actorID: event.actorID, action: event.action, subject: event.subject, reason: event.reason, details: event.details
            ))
            let sealed = AuditChain.sealed(stored)
            let hash = AuditChain.hash(ofSealed: sealed, previousHash: previousHash)
            entries.append(AuditEntry(event: stored, previousHash: previousHash, hash: hash))
            chained.append(AuditEntry(event: sealed, previousHash: previousHash, hash: hash))
            previousHash = hash
        }
        // The chained row holds the sealed event; the personal part (with its salt) sits apart, erasable.
        try await SQLInserts.auditEvent.run(chained, on: db, dialect: dialect)
        try await SQLInserts.auditPersonalPart.run(entries.map(\.event).filter { $0.details[AuditChain.personalSaltKey] != nil }, on: db, dialect: dialect)
        try await db.raw("UPDATE audit_chain_head SET sequence = \(bind: sequence), hash = \(bind: previousHash) WHERE id = 1").run()
        return entries
    }

    func entries(about subject: AuditEvent.Subject) async throws(StoreError) -> [AuditEntry] {
        try await context.run { db in
            try await db.raw("""
                \(Self.select(dialect))
                WHERE subject_type = \(bind: subject.type) AND subject_id = \(bind: subject.id) ORDER BY sequence
                """).all().map(Self.entry)
        }
    }

    func entries(after sequence: Int64, limit: Int) async throws(StoreError) -> [AuditEntry] {
        try await context.run { db in
            try await db.raw("""
                \(Self.select(dialect)) WHERE sequence > \(bind: sequence) ORDER BY sequence LIMIT \(literal: max(0, limit))
                """).all().map(Self.entry)
        }
    }

    /// Reads the head, then walks the events up to it in pages, recomputing every hash.
    func verify() async throws(StoreError) -> AuditVerification {
        try await context.run { db in
            guard let head = try await db.raw("SELECT sequence, hash FROM audit_chain_head WHERE id = 1").first() else {
                throw StoreError(.corruptData, "The audit chain head is missing; run migrate().")
            }
            let headSequence: Int64 = try head.value("sequence")
            let headHash: String = try head.value("hash")
            var count: Int64 = 0
            var lastHash = AuditChain.genesisHash
            func broken(_ sequence: Int64, _ kind: AuditVerification.Break.Kind, _ message: String) -> AuditVerification {
                AuditVerification(eventCount: count, lastGoodHash: lastHash,
                                  firstBreak: .init(sequence: sequence, kind: kind, message: message))
            }
            while count < headSequence {
                let rows = try await db.raw("""
                    \(Self.select(dialect)) WHERE sequence > \(bind: count) AND sequence <= \(bind: headSequence)
                    ORDER BY sequence LIMIT 500
                    """).all()
                if rows.isEmpty { break }
                for row in rows {
                    let expected = count + 1
                    let sequence: Int64 = try row.value("sequence")
                    guard sequence == expected else {
                        return broken(expected, .sequenceGap, "event \(expected) is missing (the next stored event is \(sequence)).")
                    }
                    let entry: AuditEntry
                    do {
                        entry = try Self.entry(row)
                    } catch {
                        return broken(sequence, .unreadable, "event \(sequence) cannot be read back: \(error).")
                    }
                    guard entry.previousHash == lastHash else {
                        return broken(sequence, .previousHashMismatch, "event \(sequence) does not name the hash of event \(count).")
                    }
                    // The chained row itself must hash to its hash (an edited row is caught even while its personal part
                    // is held), and a personal part still held must be the one the row commits to.
                    let chained: AuditEvent
                    do {
                        chained = try Self.chainedEvent(row, entry.event)
                    } catch {
                        return broken(sequence, .unreadable, "event \(sequence) cannot be read back: \(error).")
                    }
                    guard AuditChain.hash(of: chained, previousHash: entry.previousHash) == entry.hash else {
                        return broken(sequence, .hashMismatch, "event \(sequence) was changed after it was written: its contents do not match its hash.")
                    }
                    guard AuditChain.sealed(entry.event) == AuditChain.sealed(chained) else {
                        return broken(sequence, .hashMismatch,
                                      "event \(sequence)'s reason or details, kept apart from the chain, were changed: they do not match the digest the chain holds.")
                    }
                    count = sequence
                    lastHash = entry.hash
                }
            }
            guard count == headSequence, lastHash == headHash else {
                return broken(headSequence, .headMismatch, count < headSequence
                    ? "the chain head names event \(headSequence), but the trail ends at event \(count)."
                    : "the chain head's hash does not match event \(count).")
            }
            return AuditVerification(eventCount: count, lastGoodHash: lastHash, firstBreak: nil)
        }
    }

    /// Reads events whole where their personal part is still held, sealed where it was erased (or never split); and
    /// the chained row as stored (`chained_reason`, `chained_details`) for ``verify()``.
    static func select(_ dialect: Dialect) -> SQLQueryString {
        let details: SQLQueryString = dialect == .sqlite ? "COALESCE(p.details, e.details) AS details" : "CAST(COALESCE(p.details, e.details) AS TEXT) AS details"
        let chained: SQLQueryString = dialect == .sqlite ? "e.details AS chained_details" : "CAST(e.details AS TEXT) AS chained_details"
        return """
            SELECT e.sequence, e.id, e.at, e.actor_id, e.action, e.subject_type, e.subject_id,
                   CASE WHEN p.event_id IS NULL THEN e.reason ELSE p.reason END AS reason, \(details), e.previous_hash, e.hash,
                   e.reason AS chained_reason, \(chained)
            FROM audit_events e LEFT JOIN audit_event_personal p ON p.event_id = e.id
            """
    }

    /// The event as its chained row holds it (sealed since migration 12), with `whole`'s other fields.
    static func chainedEvent(_ row: any SQLRow, _ whole: AuditEvent) throws -> AuditEvent {
        AuditEvent(id: whole.id, sequence: whole.sequence, at: whole.at, actorID: whole.actorID, action: whole.action, subject: whole.subject,
                   reason: try row.value("chained_reason", as: String?.self), details: try row.json("chained_details"))
    }

    static func entry(_ row: any SQLRow) throws -> AuditEntry {
        AuditEntry(
            event: AuditEvent(
                id: try row.id("id"), sequence: try row.value("sequence"), at: try row.time("at"), actorID: try row.id("actor_id"),
                action: AuditEvent.Action(rawValue: try row.value("action")),
                subject: AuditEvent.Subject(type: try row.value("subject_type"), id: try row.value("subject_id")),
                reason: try row.value("reason", as: String?.self), details: try row.json("details")
            ),
            previousHash: try row.value("previous_hash"),
            hash: try row.value("hash")
        )
    }
}
