import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Upload, the list of recordings and a recording's page (player, thumbnail strip, metadata).
extension Pages {
    func upload(_ page: PageContext) async throws -> View {
        try services.access.require(page.actor, in: [.assessor, .lead], to: "upload recordings")
        let controller = ObservationController(services: services)
        let observations = try await page.items(controller.listObservations, query: "pageSize=500")
        let names = try await candidateNames(page, of: observations)
        let chosen = page.request.uri.queryParameters["observation"].map(String.init)
        let options = observations.map { item -> [String: Any] in
            let id = item["id"] as? String ?? ""
            return ["id": id, "label": Self.observationLabel(item, names: names), "selected": id == chosen]
        }
        let labels = Dictionary(options.map { ($0["id"] as? String ?? "", $0["label"] as? String ?? "") }) { first, _ in first }
        let unfinished = (uploads?.unfinished(of: page.actor.userID) ?? []).map { record -> [String: Any] in
            [
                "url": "/uploads/\(record.id)", "observation": record.observationID.description, "fileName": record.fileName,
                "observationLabel": labels[record.observationID.description] ?? "an observation",
                "length": record.length.map { String($0) } ?? "", "offset": String(record.offset),
                "progress": record.length.map { "\(ByteSize(record.offset)) of \(ByteSize($0))" } ?? "\(ByteSize(record.offset))",
            ]
        }
        return View(template: "upload", title: "Upload a recording", values: [
            "observations": options, "hasObservations": !options.isEmpty, "unfinished": unfinished, "hasUnfinished": !unfinished.isEmpty,
        ])
    }

    func recordings(_ page: PageContext) async throws -> View {
        let controller = RecordingController(services: services)
        let status = page.request.uri.queryParameters["status"].map(String.init)
        let number = Int(page.request.uri.queryParameters["page"] ?? "1") ?? 1
        let query = "pageSize=50&page=\(max(number, 1))" + (status.map { "&status=\($0)" } ?? "")
        let list = try await page.read(controller.list, query: query)
        let items = (list["items"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
            var item = item
            item["statusText"] = Self.recordingStatusText(item["status"] as? String ?? "")
            return item
        }
        let filters = ["ready", "indexing", "stored", "rejected"].map { ["value": $0, "label": Self.recordingStatusText($0), "selected": $0 == status] }
        return View(template: "recordings", title: "Recordings", values: [
            "items": items, "empty": items.isEmpty, "filters": filters,
            "nextPage": orNull(list["nextPage"]), "previousPage": number > 1 ? number - 1 : NSNull(),
            "statusQuery": status.map { "&status=\($0)" } ?? "",
            "mayUpload": page.role == .assessor || page.role == .lead,
        ])
    }

    func recording(_ page: PageContext) async throws -> View {
        let controller = RecordingController(services: services)
        let id = try page.context.id("recordingId", as: RecordingID.self)
        let detail = try await page.read(controller.show, ["recordingId": id.description])
        var recording = detail["recording"] as? [String: Any] ?? [:]
        let status = recording["status"] as? String ?? ""
        recording["statusText"] = Self.recordingStatusText(status)
        var values: [String: Any] = ["recording": recording, "ready": status == "ready", "job": orNull(detail["job"]),
                                     "final": status == "ready" || status == "rejected"]
        if let progress = (detail["job"] as? [String: Any])?["progress"] as? Double {
            values["percent"] = Int((progress * 100).rounded())
        }
        if status == "ready", let tree = try await indexTree(of: id) {
            values.merge(MediaFacts(index: tree).values) { $1 }
        }
        values["observationLink"] = page.role.isModerator ? NSNull() : orNull(recording["observationId"])
        values["captions"] = try await hasCaptions(id, page)
        values["mayAddCaptions"] = status == "ready" && (page.role == .assessor || page.role == .lead)
        values["mayReindex"] = status == "rejected"
            && (page.role == .lead || (page.role == .assessor && recording["uploadedBy"] as? String == page.actor.userID.description))
        if Access.schemeReaders.contains(page.role) {
            let consent = try await page.read(controller.consents, ["recordingId": id.description])
            values["consent"] = consent
            values["mayRecordConsent"] = page.role == .lead
                || (page.role == .assessor && recording["uploadedBy"] as? String == page.actor.userID.description)
            values["consentPeople"] = ["candidate"] + (1...4).map { "actor-\($0)" }
        }
        return View(template: "recording", title: recording["fileName"] as? String ?? "Recording", values: values)
    }

    /// Whether a recording the viewer may see has a captions file (the player then offers the track).
    func hasCaptions(_ id: RecordingID, _ page: PageContext) async throws -> Bool {
        let recording = try await services.access.recording(id, for: page.actor)
        return FileManager.default.fileExists(atPath: services.mediaDirectory(of: recording).appending("captions.vtt").string)
    }

    /// The names of the candidates of `observations` (template values), by candidate id, as far as the viewer may
    /// see them (the API's rule for a candidate); for labels.
    func candidateNames(_ page: PageContext, of observations: [[String: Any]]) async throws -> [String: String] {
        guard page.role != .administrator, !page.isModerator else { return [:] }
        var names: [String: String] = [:]
        for id in Set(observations.compactMap { $0["candidateId"] as? String }) {
            guard let uuid = UUID(uuidString: id) else { continue }
            do {
                names[id] = try await services.access.candidate(CandidateID(rawValue: uuid), for: page.actor).name
            } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
                continue
            }
        }
        return names
    }

    /// A ready recording's index report (`obsreview index --json`) as template values, or `nil`.
    func indexTree(of id: RecordingID) async throws -> [String: Any]? {
        guard let report = try await services.store.indexReport(of: id),
            let index = try? JSONDecoder().decode(JSONValue.self, from: Data(report.utf8))
        else { return nil }
        return TemplateValue.convert(index) as? [String: Any]
    }

    static func observationLabel(_ item: [String: Any], names: [String: String]) -> String {
        let who = names[item["candidateId"] as? String ?? ""] ?? "Candidate"
        let day = (item["observedAt"] as? Timestamp)?.child(named: "day") as? String ?? ""
        let ref = (item["ref"] as? String).map { "\($0) · " } ?? ""
        return "\(ref)\(who), \(day): \(item["scenario"] as? String ?? "")"
    }

    static func recordingStatusText(_ status: String) -> String {
        switch status {
        case "uploading": "Uploading"
        case "stored": "Waiting to be indexed"
        case "indexing": "Indexing"
        case "ready": "Ready to watch"
        case "rejected": "Rejected"
        default: status
        }
    }
}

/// What the recording page shows from a recording's index: the facts that matter to a reviewer, the thumbnail
/// strip, the keyframe times for accurate seeking, and any discontinuities (flagged prominently).
struct MediaFacts {
    let index: [String: Any]

    var values: [String: Any] {
        let format = index["format"] as? [String: Any] ?? [:]
        let streams = index["streams"] as? [[String: Any]] ?? []
        let video = streams.first { $0["kind"] as? String == "video" }
        let audio = streams.first { $0["kind"] as? String == "audio" }
        var facts: [[String: String]] = []
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { facts.append(["label": label, "value": value]) } }
        let duration = format["durationSeconds"] as? Double ?? (format["durationSeconds"] as? Int).map(Double.init)
        add("Duration", duration.map(Self.clock))
        add("Recorded", (format["creationTime"] as? Timestamp)?.renderText ?? format["creationTime"] as? String ?? "not recorded in the file")
        if let width = video?["width"] as? Int, let height = video?["height"] as? Int { add("Resolution", "\(width) × \(height)") }
        let rotation = video?["rotationDegrees"] as? Int ?? 0
        add("Rotation", rotation == 0 ? "none" : "\(rotation)° (shown upright)")
        if let rate = video?["averageFrameRate"] as? Double ?? (video?["averageFrameRate"] as? Int).map(Double.init) {
            add("Frame rate", String(format: "%.3g frames/s", rate) + ((video?["variableFrameRate"] as? Bool == true) ? " (variable)" : ""))
        }
        add("Video", video.map { "\($0["codec"] as? String ?? "")" + (($0["profile"] as? String).map { " (\($0))" } ?? "") })
        add("Audio", audio.map { a in
            "\(a["codec"] as? String ?? "")" + ((a["channels"] as? Int).map { ", \($0) channel\($0 == 1 ? "" : "s")" } ?? "")
        } ?? "no sound track")
        add("Container", format["longName"] as? String ?? format["name"] as? String)
        if let size = index["size"] as? Int { add("File size", ByteSize(Int64(size)).description) }
        let keyframes = (index["keyframes"] as? [String: Any])?["seconds"] as? [Any] ?? []
        let keyframeSeconds = keyframes.compactMap { ($0 as? Double) ?? ($0 as? Int).map(Double.init) }
        add("Keyframes", "\(keyframeSeconds.count)")
        let strip = (index["thumbnails"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "strip" }
        let thumbnails = strip.enumerated().map { offset, thumb -> [String: Any] in
            let seconds = thumb["seconds"] as? Double ?? (thumb["seconds"] as? Int).map(Double.init) ?? 0
            return ["n": offset + 1, "seconds": String(format: "%.3f", seconds), "label": Self.clock(seconds)]
        }
        let discontinuities = (index["discontinuities"] as? [[String: Any]] ?? []).map { item -> [String: String] in
            let at = item["atSeconds"] as? Double ?? (item["atSeconds"] as? Int).map(Double.init) ?? 0
            let jump = item["jumpSeconds"] as? Double ?? (item["jumpSeconds"] as? Int).map(Double.init) ?? 0
            let what = switch item["kind"] as? String {
            case "gap": String(format: "a gap of %.1f s", jump)
            case "backwardJump": String(format: "time jumps back %.1f s", -jump)
            default: "separate pieces spliced together"
            }
            return ["at": Self.clock(at), "seconds": String(format: "%.3f", at), "what": what]
        }
        return [
            "facts": facts, "sha256": orNull(index["sha256"]), "thumbnails": thumbnails, "hasThumbnails": !thumbnails.isEmpty,
            "keyframes": keyframeSeconds.map { String(format: "%.3f", $0) }.joined(separator: " "),
            "discontinuities": discontinuities, "hasDiscontinuities": !discontinuities.isEmpty,
            "durationSeconds": duration.map { String(format: "%.3f", $0) } ?? "",
        ]
    }

    /// `m:ss` (or `h:mm:ss`) for people.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let (hours, minutes, secs) = (whole / 3600, whole % 3600 / 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
