import Foundation
import HTTPTypes
import Hummingbird
import ReviewDomain
import ReviewStore

/// The administration pages (issue 20, item 4): users and organisations (administrators), and running moderation —
/// moderators' profiles and conflicts, the policy, quality samples, calibration (the lead; the auditor reads; an
/// administrator keeps profiles). Each reads through the API's handlers as its viewer and its forms post JSON to the API.
extension Pages {
    func addAdministrationRoutes(to router: RouterGroup<ReviewRequestContext>) {
        router.get("users") { request, context in try await page(request, context, users) }
        // Public: the person with a reset link has no session. The link's secret is in the fragment, read by the page's script.
        router.get("reset") { _, _ in try Self.renderer().render(ResetModel(), layout: .anonymous(title: "Set a new password")) }
        router.get("moderation") { request, context in try await page(request, context, moderators) }
        router.get("moderation/policy") { request, context in try await page(request, context, policy) }
        router.get("moderation/samples") { request, context in try await page(request, context, samples) }
        router.get("moderation/calibration") { request, context in try await page(request, context, calibration) }
    }

    func users(_ page: PageContext) async throws -> View<UsersModel> {
        try Access.Rule.manageUsers.require(page.actor)
        let directory = DirectoryController(services: services)
        let organisations = try await page.items(directory.listOrganisations, query: "pageSize=500")
        let people = try await page.items(directory.listUsers, query: "pageSize=500")
        let organisationNames = Dictionary(organisations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let names = Dictionary(people.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        // Who asked for each account awaiting approval: the same administrator cannot approve it (the two-person rule).
        let approvals = Dictionary(
            try await services.store.accounts.pendingApprovals().map { ($0.userID, $0.requestedBy) }, uniquingKeysWith: { first, _ in first })
        let rows = people.filter { $0.id != UserID.system }.map { user in
            let requester = approvals[user.id]
            let status = user.awaitingApproval ? "Awaiting a second administrator's approval" : user.active ? "Active" : "Deactivated"
            return UsersModel.Person(
                id: user.id.description, name: user.name, username: user.username ?? "(no sign-in name)", roleText: Labels.role(user.role),
                organisationName: organisationNames[user.organisationId] ?? "an organisation", statusText: status, active: user.active,
                awaitingApproval: user.awaitingApproval,
                requestedByText: requester.map { "Created by " + (names[$0] ?? Labels.actor($0, people: [:])) },
                requestedByViewer: requester == page.actor.userID, isViewer: user.id == page.actor.userID,
                mayReset: user.username != nil && user.id != page.actor.userID)
        }
        let pendingResets = try await services.store.accounts.resetsAwaitingApproval(at: services.now()).map { reset in
            UsersModel.PendingReset(
                userId: reset.userID.description, name: names[reset.userID] ?? Labels.actor(reset.userID, people: [:]),
                resetsText: reset.secondFactor ? "Password and second factor" : "Password (the account has no second factor)",
                issuedByName: names[reset.issuedBy] ?? Labels.actor(reset.issuedBy, people: [:]), until: Timestamp(reset.expiresAt),
                issuedByViewer: reset.issuedBy == page.actor.userID, isViewer: reset.userID == page.actor.userID)
        }
        return View(title: "Users and organisations", model: UsersModel(
            people: rows, pendingResets: pendingResets, hasPendingResets: !pendingResets.isEmpty,
            organisations: organisations.map { UsersModel.OrganisationRow(name: $0.name, kindText: Labels.organisationKind($0.kind)) },
            roles: Role.allCases.map { Choice(value: $0.rawValue, label: Labels.role($0)) },
            organisationChoices: organisations.map { Choice(value: $0.id.description, label: $0.name) },
            organisationKinds: Organisation.Kind.allCases.map { Choice(value: $0.rawValue, label: Labels.organisationKind($0)) },
            approvalRolesText: Role.list(AccountSetup.rolesNeedingApproval).prefix(1).uppercased() + Role.list(AccountSetup.rolesNeedingApproval).dropFirst()))
    }

    func moderators(_ page: PageContext) async throws -> View<ModeratorsModel> {
        let controller = ModerationController(services: services)
        let moderators = try await page.read(controller.moderators).items
        let showConflicts = Access.Rule.readModeration.allows(page.actor)
        let people = try await directory(page)
        var organisationNames: [String: String] = [:]
        for organisation in try await page.items(DirectoryController(services: services).listOrganisations, query: "pageSize=500") {
            organisationNames[organisation.id.description] = organisation.name
        }
        var candidates: [Choice] = []
        var candidateNames: [String: String] = [:]
        if showConflicts {
            for candidate in try await page.items(ObservationController(services: services).listCandidates, query: "pageSize=500") {
                let label = candidate.name.isEmpty ? candidate.registrationNumber : "\(candidate.name) (\(candidate.registrationNumber))"
                candidateNames[candidate.id.description] = label
                candidates.append(Choice(value: candidate.id.description, label: label))
            }
        }
        var rows: [ModeratorsModel.Moderator] = []
        for moderator in moderators {
            var conflicts: [ModeratorsModel.Conflict] = []
            if showConflicts {
                for conflict in try await page.items(controller.conflicts, ["userId": moderator.userId.description]) {
                    let subject = conflict.candidateId.map { "Candidate " + (candidateNames[$0.description] ?? "whose record is not listed") }
                        ?? conflict.organisationId.map { organisationNames[$0.description] ?? "an organisation" } ?? "—"
                    conflicts.append(ModeratorsModel.Conflict(
                        conflictId: conflict.id, subjectText: subject, reason: conflict.reason, declaredAt: Timestamp(conflict.declaredAt),
                        declaredByName: Labels.actor(conflict.declaredBy, people: people)))
                }
            }
            let areas = Set(moderator.practiceAreas.map(\.rawValue))
            rows.append(ModeratorsModel.Moderator(
                id: moderator.userId.description, name: people[moderator.userId.description] ?? "A moderator",
                kindText: Labels.role(.moderator(moderator.kind)), organisationName: organisationNames[moderator.organisationId.description] ?? "an organisation",
                areasText: areas.isEmpty ? "None given" : moderator.practiceAreas.map { Labels.practiceArea($0.rawValue) }.joined(separator: ", "),
                capacity: String(moderator.capacity), openWorkload: String(moderator.openWorkload), active: moderator.active,
                areas: Observation.PracticeArea.allCases.map {
                    ModeratorsModel.Area(value: $0.rawValue, label: Labels.practiceArea($0.rawValue), checked: areas.contains($0.rawValue))
                },
                conflicts: conflicts, noConflicts: conflicts.isEmpty))
        }
        return View(title: "Moderators", model: ModeratorsModel(
            sections: ModerationSections.links(for: page.actor, path: page.request.uri.path), moderators: rows, empty: rows.isEmpty,
            mayEditProfiles: Access.Rule.setModeratorProfiles.allows(page.actor), showConflicts: showConflicts,
            mayRecordConflicts: Access.Rule.recordConflicts.allows(page.actor),
            capacityMaximum: String(ModeratorProfile.capacityRange.upperBound), candidates: candidates,
            organisations: organisationNames.sorted { $0.value < $1.value }.map { Choice(value: $0.key, label: $0.value) }))
    }

    func policy(_ page: PageContext) async throws -> View<PolicyModel> {
        let current = try await page.read(ModerationController(services: services).policy).policy
        let defaults = ModerationPolicy.default
        func whole(_ name: String, _ label: String, _ hint: String, _ value: Int, _ fallback: Int, _ range: ClosedRange<Int>) -> PolicyModel.Setting {
            PolicyModel.Setting(name: name, label: label, hint: hint, value: String(value), defaultText: String(fallback),
                                minimum: String(range.lowerBound), maximum: String(range.upperBound), step: "1", type: "int", changed: value != fallback)
        }
        func fraction(_ name: String, _ label: String, _ hint: String, _ value: Double, _ fallback: Double, _ range: ClosedRange<Double>, step: String) -> PolicyModel.Setting {
            PolicyModel.Setting(name: name, label: label, hint: hint, value: PageFormat.number(value), defaultText: PageFormat.number(fallback),
                                minimum: PageFormat.number(range.lowerBound), maximum: PageFormat.number(range.upperBound), step: step, type: "number",
                                changed: value != fallback)
        }
        let settings = [
            whole("moderatorsPerCase", "Moderators per case", "How many moderators give a second opinion on each case.",
                  current.moderatorsPerCase, defaults.moderatorsPerCase, 1...5),
            whole("tolerance", "Dispute tolerance (points)",
                  "Employer and assessor scores this far apart or more open a case; opinions closer than this are settled by their median.",
                  current.tolerance, defaults.tolerance, DisputePolicy.toleranceRange),
            whole("escalationModerators", "Further moderators on escalation", "Moderators added when a panel disagrees, before the lead decides.",
                  current.escalationModerators, defaults.escalationModerators, 0...3),
            whole("assignmentDays", "Days to give an opinion", "After this many days an offered or accepted case is taken back and offered again.",
                  current.assignmentDays, defaults.assignmentDays, 1...90),
            whole("practiceAreaWeight", "Weight of a matching practice area",
                  "How many open cases a moderator may carry more than another and still be preferred for knowing the case's practice area.",
                  current.practiceAreaWeight, defaults.practiceAreaWeight, 0...10),
            fraction("sampleRate", "Quality sample rate", "The share of undisputed observations drawn for quality sampling (0.1 is 10%).",
                     current.sampleRate, defaults.sampleRate, 0...1, step: "0.01"),
            fraction("boundaryWeight", "Boundary weight", "How many times likelier a score of 3 or 4 (either side of the pass line) is to be sampled.",
                     current.boundaryWeight, defaults.boundaryWeight, 1...20, step: "0.5"),
            fraction("calibrationRate", "Calibration rate", "Calibration cases opened for each ordinary case routed (0.05 is one in twenty).",
                     current.calibrationRate, defaults.calibrationRate, 0...0.5, step: "0.01"),
            whole("minimumStratumSize", "Smallest sampling group",
                  "A group with fewer observations than this joins its employer's remainder, so every group's chance is meaningful.",
                  current.minimumStratumSize, defaults.minimumStratumSize, 1...100),
        ]
        let kinds: [ModeratorKind] = [.professional, .lay]
        let places = (0..<5).map { index in
            let chosen = index < current.panel.count ? current.panel[index] : nil
            return PolicyModel.Place(number: String(index + 1), options:
                [Choice(value: "", label: "Not used", selected: chosen == nil)]
                + kinds.map { Choice(value: $0.rawValue, label: Labels.role(.moderator($0)), selected: chosen == $0) })
        }
        func panelText(_ panel: [ModeratorKind]) -> String {
            panel.isEmpty ? "any moderators" : panel.map { Labels.role(.moderator($0)).lowercased() }.joined(separator: ", then ")
        }
        return View(title: "Moderation policy", model: PolicyModel(
            sections: ModerationSections.links(for: page.actor, path: page.request.uri.path), settings: settings, places: places,
            panelText: panelText(current.panel), panelDefaultText: panelText(defaults.panel),
            strata: SampleStrata.allCases.map { Choice(value: $0.rawValue, label: Labels.sampleStrata($0), selected: $0 == current.sampleStrata) },
            strataText: Labels.sampleStrata(current.sampleStrata), strataDefaultText: Labels.sampleStrata(defaults.sampleStrata),
            mayEdit: Access.Rule.setPolicy.allows(page.actor)))
    }

    func samples(_ page: PageContext) async throws -> View<SamplesModel> {
        try Access.Rule.readModeration.require(page.actor)
        let controller = ModerationController(services: services)
        let policyRate = try await page.read(controller.policy).policy.sampleRate
        let mayDraw = Access.Rule.drawSamples.allows(page.actor)
        let query = page.request.uri.queryParameters
        var preview: SamplesModel.Preview?
        if mayDraw, let seedText = query.get("seed") {
            guard let seed = UInt64(seedText.trimmingCharacters(in: .whitespaces)), seed <= UInt64(Int64.max) else {
                throw APIError(.unprocessableContent, code: .invalid, message: "The seed must be a whole number, such as 4821; \"\(seedText)\" is not.")
            }
            let rateText = query.get("rate")?.trimmingCharacters(in: .whitespaces) ?? ""
            let rate = rateText.isEmpty ? policyRate : Double(rateText)
            guard let rate, rate.isFinite else {
                throw APIError(.unprocessableContent, code: .invalid, message: "The rate must be a number from 0 to 1 (0.1 is 10%); \"\(rateText)\" is not.")
            }
            let body = #"{"seed":\#(seed),"rate":\#(rate),"dryRun":true}"#
            let draw = try await page.send(controller.drawSample, body: body).body
            let people = try await directory(page, naming: draw.picks.compactMap(\.assessorId))
            var names = people
            for organisation in try await page.items(DirectoryController(services: services).listOrganisations, query: "pageSize=500") {
                names[organisation.id.description] = organisation.name
            }
            var references = References(store: services.store)
            var picks: [SamplesModel.Pick] = []
            for pick in draw.picks {
                picks.append(SamplesModel.Pick(
                    observationId: pick.observationId.description, reference: try await references.observation(pick.observationId),
                    employerName: names[pick.employerId.description] ?? "an employer",
                    assessorName: pick.assessorId.map { names[$0.description] ?? "an assessor" } ?? "no assessor score",
                    why: Labels.plain(pick.why, people: names),
                    probability: pick.inclusionProbability.map(Labels.percent) ?? "not recorded", boundary: pick.boundary))
            }
            preview = SamplesModel.Preview(
                seed: String(seed), rate: PageFormat.number(rate), rateText: Labels.percent(rate), population: String(draw.population),
                picks: picks, noPicks: picks.isEmpty)
        }
        let findings = try await page.read(controller.sampleEstimates)
        let draws = findings.draws.sorted { $0.drawnAt > $1.drawnAt }.map {
            SamplesModel.Draw(drawnAt: Timestamp($0.drawnAt), seed: String($0.seed), rateText: Labels.percent($0.rate), population: String($0.population),
                              cases: String($0.figures.cases), decided: String($0.figures.decided))
        }
        return View(title: "Quality samples", model: SamplesModel(
            sections: ModerationSections.links(for: page.actor, path: page.request.uri.path), mayDraw: mayDraw,
            seed: query.get("seed") ?? String(UInt64.random(in: 1...99_999)), rate: query.get("rate") ?? PageFormat.number(policyRate),
            policyRateText: Labels.percent(policyRate), preview: preview, draws: draws, noDraws: draws.isEmpty))
    }

    func calibration(_ page: PageContext) async throws -> View<CalibrationModel> {
        let controller = ModerationController(services: services)
        let seeds = try await page.read(controller.seeds).items
        let results = try await page.read(controller.calibrationResults)
        let people = try await directory(page, naming: seeds.map(\.markedBy) + results.results.map(\.moderatorId))
        var references = References(store: services.store)
        var seedRows: [CalibrationModel.Seed] = []
        for seed in seeds {
            seedRows.append(CalibrationModel.Seed(
                reference: try await references.observation(seed.observationId), score: String(seed.score), reason: seed.reason,
                markedAt: Timestamp(seed.markedAt), markedByName: Labels.actor(seed.markedBy, people: people), active: seed.active,
                timesUsed: String(seed.timesUsed)))
        }
        var resultRows: [CalibrationModel.Result] = []
        for result in results.results {
            resultRows.append(CalibrationModel.Result(
                name: Labels.actor(result.moderatorId, people: people), reference: try await references.observation(result.observationId),
                definitive: String(result.definitiveScore), given: String(result.givenScore), deviation: Self.signed(Double(result.deviation)),
                submittedAt: Timestamp(result.submittedAt)))
        }
        let mayMark = Access.Rule.markSeeds.allows(page.actor)
        var observations: [Choice] = []
        if mayMark {
            for observation in try await page.items(ObservationController(services: services).listObservations, query: "pageSize=500") {
                observations.append(Choice(value: observation.id.description, label: try await references.observation(observation.id)))
            }
        }
        return View(title: "Calibration", model: CalibrationModel(
            sections: ModerationSections.links(for: page.actor, path: page.request.uri.path), seeds: seedRows, noSeeds: seedRows.isEmpty,
            moderators: results.moderators.map {
                CalibrationModel.ModeratorFigures(
                    name: Labels.actor($0.moderatorId, people: people), opinions: String($0.opinions), meanDeviation: Self.signed($0.meanDeviation),
                    meanAbsoluteDeviation: PageFormat.number(($0.meanAbsoluteDeviation * 100).rounded() / 100),
                    agreement: Labels.percent($0.passFailAgreement))
            },
            results: resultRows, noResults: resultRows.isEmpty, mayMark: mayMark, observations: observations,
            scores: Labels.scale.map { Choice(value: String($0.value), label: "\($0.value): \($0.meaning)") }))
    }

    /// A deviation as people read it: "+1", "−0.5", "0".
    static func signed(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded > 0 ? "+" + PageFormat.number(rounded) : rounded < 0 ? "−" + PageFormat.number(-rounded) : "0"
    }
}

extension PageContext {
    /// The answer of an API handler that reads a JSON body (a dry run: nothing is changed), sent as the viewer.
    func send<T>(_ handler: (Request, ReviewRequestContext) async throws -> T, body: String, _ parameters: [String: String] = [:]) async throws -> T {
        var inner = context
        inner.coreContext.parameters = Parameters(parameters.map { (Substring($0.key), Substring($0.value)) })
        var head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/v1/page")
        head.headerFields[.contentType] = "application/json"
        return try await handler(Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body))), inner)
    }
}
