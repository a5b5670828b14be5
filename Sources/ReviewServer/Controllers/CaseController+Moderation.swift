import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// A case's moderation: its panel (assignments), a moderator accepting or declining, blind second opinions with
/// time-coded notes, the escalated panel's discussion thread, and a near miss's development plan.
extension CaseController {
    func addModerationRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("cases/:caseId/assignments", use: listAssignments)
        group.post("cases/:caseId/assignment/accept", use: accept)
        group.post("cases/:caseId/assignment/decline", use: decline)
        group.get("cases/:caseId/opinions", use: listOpinions)
        group.post("cases/:caseId/opinions", use: submitOpinion)
        group.get("cases/:caseId/messages", use: listMessages)
        group.post("cases/:caseId/messages", use: postMessage)
        group.get("cases/:caseId/development-plan", use: developmentPlan)
        group.post("cases/:caseId/development-plan/acknowledgement", use: acknowledgePlan)
    }

    /// The lead and the auditor see the whole panel; a moderator only their own assignment.
    @Sendable func listAssignments(_ request: Request, context: ReviewRequestContext) async throws -> CaseAssignmentsRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.readAssignments.require(actor)
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        let assignments = Access.visible(try await services.store.moderation.assignments(ofCase: value.id), for: actor)
        let now = services.now()
        if actor.role.isModerator {
            return CaseAssignmentsRepresentation(
                items: assignments.map { AssignmentRepresentation($0, now: now, sealed: blind) }, routingProblem: nil, sampleReason: nil)
        }
        return CaseAssignmentsRepresentation(
            items: assignments.map { AssignmentRepresentation($0, now: now) },
            routingProblem: try await services.store.moderation.routingProblem(ofCase: value.id),
            sampleReason: try await services.store.moderation.sampleReason(ofCase: value.id))
    }

    @Sendable func accept(_ request: Request, context: ReviewRequestContext) async throws -> AssignmentRepresentation {
        let actor = try context.requireIdentity()
        try requireModerator(actor, to: "accept a case")
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        return AssignmentRepresentation(try await services.store.moderation.acceptAssignment(of: value.id, by: actor, at: services.now()), now: services.now(),
                                        sealed: true)
    }

    struct Decline: Decodable {
        let reason: String
        /// `candidate` or `employer`: also record a standing conflict with them.
        let conflictWith: String?
    }

    struct DeclineResult: ResponseEncodable, Sendable {
        let declined: AssignmentRepresentation
        /// Who the case was re-routed to at once.
        let replacements: [AssignmentRepresentation]
    }

    @Sendable func decline(_ request: Request, context: ReviewRequestContext) async throws -> DeclineResult {
        let actor = try context.requireIdentity()
        try requireModerator(actor, to: "decline a case")
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let body = try await request.json(Decline.self, context: context)
        let subject: DeclaredConflict.Subject?
        switch body.conflictWith {
        case nil: subject = nil
        case "employer": subject = .organisation(value.employerID)
        case "candidate":
            guard let observation = try await services.store.records.observations.find(value.observationID) else { throw Access.notFound("case \(value.id)") }
            subject = .candidate(observation.observation.candidateID)
        case let other?:
            throw APIError(.unprocessableContent, code: .invalid, message: "\"conflictWith\" is \"candidate\", \"employer\" or absent, not \"\(other)\".")
        }
        let (declined, replacements) = try await services.store.moderation.declineAssignment(
            of: value.id, reason: body.reason, conflictWith: subject, by: actor, at: services.now())
        let now = services.now()
        return DeclineResult(declined: AssignmentRepresentation(declined, now: now, sealed: true),
                             replacements: replacements.map { AssignmentRepresentation($0, now: now, sealed: true) })
    }

    /// Blind review: a moderator sees the opinions only after submitting their own; assessors and the employer once
    /// the case is decided; the lead and the auditor always. Nothing is thrown away: corrections and earlier rounds
    /// stay in the list.
    @Sendable func listOpinions(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<OpinionRepresentation> {
        let actor = try context.requireIdentity()
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        try Access.requireOpinionsOpen(of: value, blind: blind, for: actor)
        return ItemList(items: OpinionRepresentation.all(try await services.store.moderation.opinions(ofCase: value.id)))
    }

    struct NewOpinion: Decodable {
        let score: Int
        let rationale: String
        let annotations: [AnnotationRepresentation]?
        let supersedes: OpinionID?
        let correctionReason: String?
    }

    @Sendable func submitOpinion(_ request: Request, context: ReviewRequestContext) async throws -> Created<SubmittedOpinionRepresentation> {
        let actor = try context.requireIdentity()
        try requireModerator(actor, to: "give a second opinion")
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let body = try await request.json(NewOpinion.self, context: context)
        guard let score = try? Score(body.score) else {
            throw APIError(.unprocessableContent, code: .invalid, message: "\"score\" must be a whole number from 1 to 7, not \(body.score).")
        }
        let recordings = try await readyRecordingDurations(of: value.observationID)
        var annotations: [Annotation] = []
        for (index, note) in (body.annotations ?? []).enumerated() {
            // Each note names its recording: the one given (of this observation), else the newest ready one.
            let recording = note.recordingId ?? recordings.last?.id
            if let given = note.recordingId, !recordings.contains(where: { $0.id == given }) {
                throw APIError(.unprocessableContent, code: .invalid,
                               message: "Note \(index + 1): recording \(given) is not a ready recording of this observation; give one of its recordings.")
            }
            let duration = recordings.last { $0.id == recording }?.duration
            do {
                annotations.append(try Annotation(start: note.start, end: note.end, text: note.text, tag: note.tag, recordingID: recording, duration: duration))
            } catch {
                throw APIError(.unprocessableContent, code: .invalid, message: "Note \(index + 1): \(error.message)")
            }
        }
        let submitted = try await services.store.moderation.submitOpinion(
            on: value.id, score: score, rationale: body.rationale, annotations: annotations, correcting: body.supersedes,
            correctionReason: body.correctionReason, by: actor, at: services.now())
        let all = try await services.store.moderation.opinions(ofCase: value.id)
        let superseded = Set(all.compactMap(\.supersedes))
        let now = services.now()
        // The answer shows the case as the moderator may now see it: still sealed unless this opinion completed the panel.
        let sealed = try await services.access.isSealed(submitted.caseAfter, for: actor.userID)
        let caseAfter = try await services.representation(of: submitted.caseAfter, blind: sealed, showCalibration: false)
        return Created(body: SubmittedOpinionRepresentation(
            opinion: OpinionRepresentation(submitted.opinion, superseded: superseded.contains(submitted.opinion.id)),
            caseAfter: caseAfter,
            escalationAssignments: sealed ? [] : submitted.escalationAssignments.map { AssignmentRepresentation($0, now: now) }))
    }

    /// The escalated panel's thread: the lead, the auditor (reading) and the case's moderators once their own
    /// opinion is in.
    @Sendable func listMessages(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<MessageRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.readPanelDiscussion.require(actor)
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        try Access.requireDiscussionOpen(blind: blind)
        return ItemList(items: try await services.store.moderation.messages(ofCase: value.id).map(MessageRepresentation.init))
    }

    struct NewMessage: Decodable {
        let body: String
        /// A moment of the recording the message is about, in seconds.
        let atSeconds: Double?
    }

    @Sendable func postMessage(_ request: Request, context: ReviewRequestContext) async throws -> Created<MessageRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.postToPanelDiscussion.require(actor)
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        try Access.requireDiscussionOpen(blind: blind)
        guard value.state == .escalated else {
            throw APIError(.conflict, code: .conflict, message: "The panel discusses escalated cases; this one is \(value.state.rawValue).")
        }
        let body = try await request.json(NewMessage.self, context: context)
        if let at = body.atSeconds {
            let duration = try await recordingDuration(of: value.observationID)
            guard at.isFinite, at >= 0, duration.map({ at <= $0 }) ?? true else {
                throw APIError(.unprocessableContent, code: .invalid,
                               message: "\"atSeconds\" must be a time within the recording (0–\(duration.map { String($0) } ?? "its end") s).")
            }
        }
        return Created(body: MessageRepresentation(try await services.store.moderation.postMessage(
            on: value.id, body: body.body, atSeconds: body.atSeconds, by: actor, at: services.now())))
    }

    /// Whether the case has a development plan (a near miss: final score 3) and where it stands.
    @Sendable func developmentPlan(_ request: Request, context: ReviewRequestContext) async throws -> DevelopmentPlanStatus {
        let actor = try context.requireIdentity()
        try Access.Rule.readDevelopmentPlan.require(actor)
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let plan = try await services.store.moderation.developmentPlan(ofCase: value.id)
        return DevelopmentPlanStatus(required: plan != nil, plan: plan.map(DevelopmentPlanRepresentation.init))
    }

    struct Acknowledgement: Decodable {
        let note: String?
    }

    @Sendable func acknowledgePlan(_ request: Request, context: ReviewRequestContext) async throws -> DevelopmentPlanRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.acknowledgeDevelopmentPlan.require(actor)
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let body = try await request.json(Acknowledgement.self, context: context)
        return DevelopmentPlanRepresentation(try await services.store.moderation.acknowledgeDevelopmentPlan(
            ofCase: value.id, note: body.note?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false ? body.note : nil,
            by: actor, at: services.now()))
    }

    private func requireModerator(_ actor: ActingUser, to doWhat: String) throws(APIError) {
        try services.access.require(actor, in: Access.moderators, to: doWhat)
    }

    /// The duration of the observation's newest indexed recording, to check time-coded notes against.
    func recordingDuration(of observationID: ObservationID) async throws -> Double? {
        try await readyRecordingDurations(of: observationID).last?.duration
    }

    /// The observation's ready recordings, oldest first, with their durations when the index gives one.
    func readyRecordingDurations(of observationID: ObservationID) async throws -> [(id: RecordingID, duration: Double?)] {
        var found: [(id: RecordingID, duration: Double?)] = []
        for recording in try await services.store.records.recordings.recordings(of: observationID) where recording.status == .ready {
            let report = try await services.store.ingest.indexReport(of: recording.id)
            found.append((recording.id, report.flatMap { IndexReportDocument(json: $0)?.durationSeconds }))
        }
        return found
    }
}
