import Foundation

/// What makes a password acceptable (issue 16), in the spirit of NIST SP 800-63B: long enough, not about the
/// account, and not one that attackers try first. No composition rules (a digit, a capital): those make
/// passwords harder to remember, not to guess.
///
/// - at least ``minimumLength`` characters and at most ``maximumBytes`` bytes;
/// - not a few characters over and over (`aaaaaaaaaaaa`, `abcabcabcabc`, `passwordpassword`);
/// - not the username or the organisation's name, nor containing either;
/// - not in the bundled list of common and breached passwords (`common-passwords.txt`, from zxcvbn's ranked
///   list: scripts/gen-common-passwords.py), nor such a password with digits or symbols stuck on either end
///   (`dragon123456`, `!!football2024`).
public struct PasswordPolicy: Sendable {
    /// The shortest password accepted.
    public static let minimumLength = 12
    /// The longest, in UTF-8 bytes (longer ones are pre-hashed for bcrypt, so this only bounds the work).
    public static let maximumBytes = 1024

    let common: Set<String>

    /// The policy with the bundled list.
    public static let standard = PasswordPolicy(common: loadCommonPasswords())

    init(common: Set<String>) {
        self.common = common
    }

    /// How many passwords the bundled list holds (a test checks it loaded).
    var commonCount: Int { common.count }

    /// Why `password` is refused, said to the person choosing it, or `nil` if it is acceptable.
    public func problem(with password: String, username: String, organisationName: String?) -> String? {
        guard password.count >= Self.minimumLength else {
            return "A password needs at least \(Self.minimumLength) characters. A few unrelated words make a long one that is easy to remember."
        }
        guard password.utf8.count <= Self.maximumBytes else {
            return "A password can be at most \(Self.maximumBytes) bytes long."
        }
        let lower = password.lowercased()
        if Self.isRepetitive(lower) || common.contains(Self.repeatedUnit(of: lower) ?? "") {
            return "This password repeats a few characters over and over or just counts (like aaaaaaaaaaaa, abcabcabcabc or 123456789012), which attackers try first. Choose another."
        }
        let name = username.lowercased()
        if lower == name || (name.count >= 4 && lower.contains(name)) {
            return "A password must not contain the username. Choose one that has nothing to do with the account."
        }
        if let organisation = organisationName, Self.mentions(lower, organisation) {
            return "A password must not contain the organisation's name. Choose one that has nothing to do with the account."
        }
        if isCommon(lower) {
            return "This password is one of the most common in leaked password lists, which attackers try first. Choose another (a few unrelated words work well)."
        }
        return nil
    }

    /// In the list as it is, or with digits and symbols taken off both ends (at least four letters left).
    func isCommon(_ lower: String) -> Bool {
        if common.contains(lower) { return true }
        let core = lower.trimmingCharacters(in: CharacterSet.letters.inverted)
        return core.count >= 4 && core != lower && common.contains(core)
    }

    /// Fewer than four different characters, a piece of at most four characters repeated, or a run that only counts
    /// up or down (`123456789012`, `987654321098`, `abcdefghijkl`, with 9→0 and z→a wrapping).
    static func isRepetitive(_ text: String) -> Bool {
        if Set(text).count < 4 { return true }
        if let unit = repeatedUnit(of: text), unit.count <= 4 { return true }
        return isSequence(text)
    }

    static func isSequence(_ text: String) -> Bool {
        func position(_ c: Character) -> (alphabet: Int, index: Int)? {
            guard let ascii = c.asciiValue else { return nil }
            switch ascii {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return (10, Int(ascii - UInt8(ascii: "0")))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return (26, Int(ascii - UInt8(ascii: "a")))
            default: return nil
            }
        }
        let positions = text.map(position)
        guard positions.count >= 2, positions.allSatisfy({ $0 != nil }) else { return false }
        let steps = zip(positions, positions.dropFirst()).map { pair -> Int? in
            let (a, b) = (pair.0!, pair.1!)
            guard a.alphabet == b.alphabet else { return nil }
            return (b.index - a.index + a.alphabet) % a.alphabet
        }
        guard let first = steps.first, let step = first, step == 1 || step == positions[0]!.alphabet - 1 else { return false }
        return steps.allSatisfy { $0 == step }
    }

    /// The shortest piece that `text` is two or more copies of, if any (`abcabc` → `abc`).
    static func repeatedUnit(of text: String) -> String? {
        let characters = Array(text)
        let n = characters.count
        for length in 1...max(1, n / 2) where n % length == 0 && length < n {
            let unit = characters[0..<length]
            if stride(from: length, to: n, by: length).allSatisfy({ characters[$0..<($0 + length)] == unit }) { return String(unit) }
        }
        return nil
    }

    /// Whether `lower` contains the organisation's name, or one of its words of five letters or more.
    static func mentions(_ lower: String, _ organisation: String) -> Bool {
        let squeeze: (String) -> String = { String($0.lowercased().unicodeScalars.filter(CharacterSet.alphanumerics.contains).map(Character.init)) }
        let password = squeeze(lower)
        let whole = squeeze(organisation)
        if whole.count >= 4, password.contains(whole) { return true }
        let words = organisation.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 5 }
        return words.contains { password.contains($0) }
    }

    static func loadCommonPasswords() -> Set<String> {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        return Set(text.split(separator: "\n").map(String.init))
    }
}
