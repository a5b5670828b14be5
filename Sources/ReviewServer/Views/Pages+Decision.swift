import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The lead's decision view (issue 20 item 6, decision 27).
extension Pages {
    func decision(_ page: PageContext) async throws -> View<DecisionModel> {
        try Access.Rule.decideCases.require(page.actor)
        let controller = CaseController(services: services)
        let id = try page.context.id("caseId", as: CaseID.self)
        let parameters = ["caseId": id.description]
        let (value, _) = try await services.access.case(id, for: page.actor)
        var references = References(store: services.store)
        let shown = try await page.read(controller.show, parameters)
        let people = try await directory(page)
        let ratings = try await page.readIfAllowed(ObservationController(services: services).ratings, query: "pageSize=100",
                                                   ["observationId": value.observationID.description])?.items ?? []
        // The round's current opinions: the ones a decision draws on (a corrected opinion shows in its correction).
        let all = try await page.read(controller.listOpinions, parameters).items
        let replaced = Dictionary(all.compactMap { opinion in opinion.supersedes.map { ($0, opinion) } }, uniquingKeysWith: { first, _ in first })
        let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let current = all.filter { $0.round == value.round && replaced[$0.id] == nil }
        let chosen = try await chooseRecording(page, observationID: value.observationID, caseID: id, linkingTo: "/cases/\(id)/decision")
        let ready = try await page.items(RecordingController(services: services).list, query: "observationId=\(value.observationID)&pageSize=50&status=ready")
        let names = Dictionary(ready.map { ($0.id, $0.fileName) }, uniquingKeysWith: { first, _ in first })
        let playing = chosen.recording.flatMap { row in ready.first { $0.id.description == row.id } }
        let newest = ready.last?.id
        let duration = Double(chosen.media.durationSeconds)
        func href(_ recording: RecordingID) -> String { "/cases/\(id)/decision?recording=\(recording)" }
        var opinions: [DecisionModel.Opinion] = []
        for (index, opinion) in current.enumerated() {
            let who = index + 1, name = people[opinion.moderatorId.description] ?? "Moderator \(who)"
            let notes = opinion.annotations.map { note -> DecisionModel.Note in
                // A note submitted without naming its recording is on the newest ready recording (decision 10).
                let recording = note.recordingId ?? newest
                let here = recording != nil && recording == playing?.id
                let percent = here ? duration.flatMap { $0 > 0 ? String(format: "%.2f", min(max(note.start / $0 * 100, 0), 100)) : nil } : nil
                return DecisionModel.Note(
                    clock: MediaFacts.clock(note.start), seconds: PageFormat.number(note.start), percent: percent, text: note.text, tag: note.tag,
                    moderatorName: name, who: who, recordingName: recording.flatMap { names[$0] } ?? "a recording no longer available",
                    switchHref: here ? nil : recording.map(href))
            }
            let correction = opinion.supersedes.flatMap { byID[$0] }.map {
                "Corrected from \($0.score) while the panel was sealed" + (opinion.correctionReason.map { ": \($0)" } ?? "")
            }
            opinions.append(DecisionModel.Opinion(
                id: opinion.id.description, who: who, moderatorName: name, score: opinion.score, band: Labels.band(opinion.score),
                rationale: opinion.rationale, correctionText: correction, submittedAt: Timestamp(opinion.submittedAt), notes: notes))
        }
        let notes = opinions.flatMap(\.notes).sorted { (Double($0.seconds) ?? 0) < (Double($1.seconds) ?? 0) }
        let mayDecide = Access.actions(on: value, for: page.actor).contains(.decide)
        var adoption: String?
        if let outcome = shown.outcome, outcome.decidedBy != nil {
            if let adopted = outcome.adoptedOpinionId {
                let name = byID[adopted].flatMap { people[$0.moderatorId.description] } ?? "a moderator"
                adoption = "The lead adopted \(name)'s opinion (\(outcome.score))."
            } else {
                adoption = "The lead gave a score of their own (\(outcome.score)) rather than adopt one of the opinions."
            }
        }
        return View(title: "Decision", model: DecisionModel(
            case: try await references.row(shown), ratings: RatingRow.rows(ratings), opinions: opinions,
            recording: chosen.recording, captions: chosen.captions, media: chosen.media, noRecording: chosen.none,
            recordings: ready.reversed().map { recording in
                let playsHere = recording.id == playing?.id
                return DecisionModel.RecordingChoice(
                    href: href(recording.id), fileName: recording.fileName, playing: playsHere,
                    noteCount: notes.filter { playsHere ? $0.switchHref == nil : $0.switchHref == href(recording.id) }.count)
            },
            markers: notes.filter { $0.switchHref == nil }, elsewhere: notes.filter { $0.switchHref != nil },
            mayDecide: mayDecide, version: value.version, adoptionText: adoption, scores: Labels.scale))
    }
}
