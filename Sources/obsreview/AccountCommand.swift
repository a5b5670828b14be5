import ArgumentParser
import Foundation
import ReviewDomain
import ReviewServer
import ReviewStore

/// `obsreview account`: creates accounts from the command line — the first administrator of a new
/// installation, or anyone when no administrator can sign in. The password comes from standard input (or
/// `OBSREVIEW_PASSWORD`), never from the command line, where other users of the machine could read it.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Create a user account with a password (e.g. the first administrator).",
        discussion: "Example: echo 'a long passphrase' | obsreview account --username admin --name 'Ada Admin' --role administrator --organisation 'National Accreditation Body' --create-organisation accrediting_body"
    )

    @Option(help: "Sign-in name (3–64 letters, digits, . - _ @).") var username: String
    @Option(help: "Display name.") var name: String
    @Option(help: "Role: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
    @Option(help: "The organisation the user acts for (its name or id).") var organisation: String
    @Option(help: ArgumentHelp("Create the organisation if missing, of this kind (employer, accrediting_body, moderation_panel).", valueName: "KIND"))
    var createOrganisation: String?
    @Option(help: "bcrypt cost (4…31).") var bcryptCost = 12
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("Unknown role \"\(role)\".") }
        let password = ProcessInfo.processInfo.environment["OBSREVIEW_PASSWORD"]
            ?? readLine(strippingNewline: true) ?? ""
        try await options.withStore { store in
            let all = try await store.records.organisations.all()
            var found = all.first { $0.name == organisation || $0.id.description == organisation.lowercased() }
            if found == nil, let kindName = createOrganisation {
                guard let kind = Organisation.Kind(rawValue: kindName) else { throw ValidationError("Unknown organisation kind \"\(kindName)\".") }
                let created = Organisation(name: organisation, kind: kind)
                try await store.records.organisations.insert(created)
                found = created
            }
            guard let organisation = found else {
                throw ValidationError("No organisation \"\(organisation)\": give its exact name or id, or add --create-organisation KIND.")
            }
            do {
                let user = try await AccountSetup(store: store, passwords: PasswordHasher(cost: UInt8(clamping: bcryptCost)))
                    .createUser(name: name, username: username, password: password, role: role, organisationID: organisation.id, by: nil)
                print("created \(username) (\(role.rawValue), \(organisation.name)): user \(user.id)")
            } catch let error as APIError {
                throw ValidationError(error.message)
            }
        }
    }
}
