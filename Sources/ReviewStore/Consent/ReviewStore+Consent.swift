public import Foundation
public import ReviewDomain
import SQLKit

extension DataProtectionStore {
    /// The consents recorded for a recording (``RecordingConsent`` says what they permit).
    public func consents(of recordingID: RecordingID) async throws(StoreError) -> RecordingConsent {
        try await reading { sql in try await sql.consents(ofRecordings: [recordingID])[recordingID] ?? RecordingConsent([]) }
    }

    /// Records one person's answer for one purpose on a recording (replacing their earlier answer), audited
    /// (`recording.consent_given` or `recording.consent_withdrawn`, with the person and purpose; the reference stays
    /// out of the hash-chained trail). Assessment cannot be withdrawn: its lawful basis is the public task.
    ///
    /// Withdrawing **moderation** takes effect at once, in the same transaction: the open assignments (offered or
    /// accepted) on the observation's active cases are cancelled and those cases are not routed again, so no
    /// moderator sees the recording; the lead decides without moderation. Withdrawing **training** cancels the open
    /// assignments of the observation's calibration cases, and its seed is no longer used.
    public func recordConsent(
        recording recordingID: RecordingID, person: ConsentPerson, purpose: ConsentPurpose, granted: Bool, reference: String?,
        by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> RecordingConsent {
        guard granted || purpose.canBeWithdrawn else {
            throw StoreError(.invalidArgument, "Assessment does not rest on consent but on the regulator's public task, so it cannot be withdrawn here: pass an objection to the data protection officer.")
        }
        let reference = reference?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        return try await moderation { sql in
            guard let row = try await sql.db.raw("SELECT observation_id FROM recordings WHERE id = \(sql.dialect.id(recordingID))").first() else {
                throw StoreError(.notFound, "There is no recording \(recordingID).")
            }
            let observationID: ObservationID = try row.id("observation_id")
            try await sql.db.raw("""
                DELETE FROM recording_consents WHERE recording_id = \(sql.dialect.id(recordingID)) AND person = \(bind: person.rawValue) AND purpose = \(bind: purpose.rawValue)
                """).run()
            try await sql.db.raw("""
                INSERT INTO recording_consents (recording_id, person, purpose, granted, reference, recorded_by, recorded_at)
                VALUES (\(sql.dialect.id(recordingID)), \(bind: person.rawValue), \(bind: purpose.rawValue), \(bind: granted), \(bind: reference),
                    \(sql.dialect.id(actor.userID)), \(sql.dialect.time(time)))
                """).run()
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: granted ? "recording.consent_given" : "recording.consent_withdrawn",
                subject: .init(type: "recording", id: recordingID.description),
                details: ["person": person.rawValue, "purpose": purpose.rawValue, "role": actor.role.rawValue]))
            if !granted {
                try await sql.cancelOpenAssignments(of: observationID, calibrationOnly: purpose == .training, purpose: purpose, at: time)
            }
            return try await sql.consents(ofRecordings: [recordingID])[recordingID] ?? RecordingConsent([])
        }
    }
}

extension ModerationSQL {
    /// `true` when some recording of the observation in `column` has a refusal of moderation: such observations are
    /// never sampled and their cases never routed.
    static func moderationWithdrawn(observation column: String) -> SQLQueryString {
        """
        EXISTS (SELECT 1 FROM recording_consents k JOIN recordings kr ON kr.id = k.recording_id
            WHERE kr.observation_id = \(unsafeRaw: column) AND k.purpose = 'moderation' AND k.granted = \(bind: false))
        """
    }

    /// The consents of each recording asked for (recordings with none recorded map to an empty set).
    func consents(ofRecordings ids: [RecordingID]) async throws -> [RecordingID: RecordingConsent] {
        guard !ids.isEmpty else { return [:] }
        var records: [RecordingID: [ConsentRecord]] = Dictionary(uniqueKeysWithValues: ids.map { ($0, []) })
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let chunk = ids[start..<min(start + 1_000, ids.count)]
            for row in try await db.raw("""
                SELECT recording_id, person, purpose, granted, reference, recorded_by, recorded_at FROM recording_consents
                WHERE recording_id IN (\(SQLList(chunk.map { dialect.id($0) })))
                """).all() {
                guard let person = ConsentPerson(rawValue: try row.value("person")) else { continue }
                let record = ConsentRecord(
                    recordingID: try row.id("recording_id"), person: person, purpose: try row.raw("purpose"), granted: try row.value("granted"),
                    reference: try row.value("reference", as: String?.self), recordedBy: try row.id("recorded_by"), recordedAt: try row.time("recorded_at"))
                records[record.recordingID, default: []].append(record)
            }
        }
        return records.mapValues { RecordingConsent($0.sorted { ($0.person, $0.purpose.rawValue) < ($1.person, $1.purpose.rawValue) }) }
    }

    /// Whether every recording of each observation permits `purpose` (true for an observation without recordings:
    /// nobody's recording would be used).
    func observationsPermitting(_ purpose: ConsentPurpose, _ observationIDs: [ObservationID]) async throws -> [ObservationID: Bool] {
        guard !observationIDs.isEmpty else { return [:] }
        var recordingsOf: [ObservationID: [RecordingID]] = [:]
        for start in stride(from: 0, to: observationIDs.count, by: 1_000) {
            let chunk = observationIDs[start..<min(start + 1_000, observationIDs.count)]
            for row in try await db.raw("SELECT id, observation_id FROM recordings WHERE observation_id IN (\(SQLList(chunk.map { dialect.id($0) })))").all() {
                recordingsOf[try row.id("observation_id"), default: []].append(try row.id("id"))
            }
        }
        let consents = try await consents(ofRecordings: recordingsOf.values.flatMap { $0 })
        return Dictionary(uniqueKeysWithValues: observationIDs.map { id in
            (id, (recordingsOf[id] ?? []).allSatisfy { consents[$0]?.permits(purpose) ?? RecordingConsent([]).permits(purpose) })
        })
    }

    /// Cancels the open assignments on the observation's active cases (only its calibration cases when
    /// `calibrationOnly`), audited, and notes on each case why it is not routed.
    func cancelOpenAssignments(of observationID: ObservationID, calibrationOnly: Bool, purpose: ConsentPurpose, at time: Date) async throws {
        let only: SQLQueryString = calibrationOnly ? " AND c.calibration = \(bind: true)" : ""
        let reason = "Consent to \(purpose.rawValue) was withdrawn for a recording of this observation: no moderator may see it; the lead decides without moderation."
        var caseIDs: Set<CaseID> = []
        for row in try await db.raw("""
            SELECT \(Self.assignmentColumns) FROM case_assignments a JOIN cases c ON c.id = a.case_id
            WHERE c.observation_id = \(dialect.id(observationID)) AND a.state IN \(Self.openStates)\(only)
            """).all() {
            let assignment = try Self.assignment(row)
            try await update(try assignment.cancelled(reason: reason, at: time))
            try await append(AuditEvent(
                at: time, actorID: UserID.system, action: "assignment.cancelled", subject: .init(type: "case", id: assignment.caseID.description),
                reason: reason, details: ["moderator": assignment.moderatorID.description]))
            caseIDs.insert(assignment.caseID)
        }
        for row in try await db.raw("""
            SELECT c.id FROM cases c WHERE c.observation_id = \(dialect.id(observationID)) AND c.state IN \(Self.moderationStates)\(only)
            """).all() {
            caseIDs.insert(try row.id("id"))
        }
        for id in caseIDs {
            try await db.raw("DELETE FROM case_routing WHERE case_id = \(dialect.id(id))").run()
            try await db.raw("INSERT INTO case_routing (case_id, problem, updated_at) VALUES (\(dialect.id(id)), \(bind: reason), \(dialect.time(time)))").run()
        }
    }
}
