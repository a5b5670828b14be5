import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Consent per purpose on a recording (decision 13): for the candidate and each role-play actor, whether the recording
/// may be used for assessment (public task: always), moderation (holds unless withdrawn) and training or calibration
/// reuse (only with everyone's explicit consent). The scheme's readers see it; the lead and the assessor who uploaded
/// the recording record and withdraw it; every answer is audited.
extension RecordingController {
    func addConsentRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("recordings/:recordingId/consents", use: consents)
        group.put("recordings/:recordingId/consents", use: recordConsent)
    }

    struct ConsentRepresentation: ResponseEncodable, Sendable {
        struct Record: Encodable, Sendable {
            let person: String
            let purpose: String
            let granted: Bool
            let reference: String?
            let recordedBy: UserID
            let recordedAt: Date
        }

        struct Use: Encodable, Sendable {
            let purpose: String
            let permitted: Bool
            let why: String
        }

        let recordingId: RecordingID
        let people: [String]
        let records: [Record]
        let uses: [Use]

        init(_ recordingID: RecordingID, _ consent: RecordingConsent) {
            recordingId = recordingID
            people = consent.people.map(\.rawValue)
            records = consent.records.map {
                Record(person: $0.person.rawValue, purpose: $0.purpose.rawValue, granted: $0.granted, reference: $0.reference,
                       recordedBy: $0.recordedBy, recordedAt: $0.recordedAt)
            }
            uses = ConsentPurpose.allCases.map { Use(purpose: $0.rawValue, permitted: consent.permits($0), why: consent.explanation($0)) }
        }
    }

    struct ConsentAnswer: Decodable {
        let person: String
        let purpose: String
        let granted: Bool
        let reference: String?
    }

    @Sendable func consents(_ request: Request, context: ReviewRequestContext) async throws -> ConsentRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.readConsents.require(actor)
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        return ConsentRepresentation(recording.id, try await services.store.dataProtection.consents(of: recording.id))
    }

    @Sendable func recordConsent(_ request: Request, context: ReviewRequestContext) async throws -> ConsentRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.recordConsent.require(actor)
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard Access.mayRecordConsent(uploadedBy: recording.uploadedBy, viewer: actor) else {
            throw APIError(.forbidden, code: .forbidden, message: "Only the person who uploaded this recording, or the moderation lead, can record consent on it.")
        }
        let answer = try await request.json(ConsentAnswer.self, context: context)
        guard let person = ConsentPerson(rawValue: answer.person) else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "“\(answer.person)” is not a person on a recording: use candidate, or actor-1 to actor-\(ConsentPerson.maximumActors).")
        }
        guard let purpose = ConsentPurpose(rawValue: answer.purpose) else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "“\(answer.purpose)” is not a purpose: use \(ConsentPurpose.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let consent = try await services.store.dataProtection.recordConsent(
            recording: recording.id, person: person, purpose: purpose, granted: answer.granted, reference: answer.reference, by: actor, at: services.now())
        return ConsentRepresentation(recording.id, consent)
    }
}
