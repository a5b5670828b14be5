extension String {
    /// The text without leading and trailing whitespace, or `nil` when nothing is left.
    package var nonBlank: String? {
        let trimmed = self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}

extension Optional<String> {
    /// The trimmed text, or `nil` when absent or blank.
    package var nonBlank: String? { self?.nonBlank }
}

/// The limit on the free text a person writes to explain themselves: a rating's rationale, a correction's reason,
/// a flag's reason. Room for any honest explanation; a megabyte of text repeated thirty times made one case 32 MB to
/// read (the hostile tester). Checked here, in the rules, so the API, the CSV import and the CLI all obey it.
public enum FreeText {
    /// Characters at most.
    public static let maximumLength = 10_000

    /// Words saying that `text`, described as `what` ("The rationale"), is too long; `nil` when it fits.
    public static func tooLong(_ text: String?, _ what: String) -> String? {
        guard let text else { return nil }
        // Counting stops just past the limit: a long text is refused without walking all of it.
        let count = text.prefix(maximumLength + 1).count
        guard count > maximumLength else { return nil }
        return "\(what) is longer than \(maximumLength) characters (\(text.count)); at most \(maximumLength) are kept. Shorten it and send it again."
    }
}

/// A person's name as shown to others (a candidate's, a user's): at most ``maximumLength`` characters, with no control
/// or format characters. A right-to-left override in a name could disguise which account a second administrator
/// approves, and a line break or U+0001 has no place in a name (the hostile test of decision 41).
public enum PersonName {
    /// Characters at most.
    public static let maximumLength = 200

    /// Words saying what is wrong with `name`, described as `what` ("The candidate's name"); `nil` when it is fine.
    public static func problem(_ name: String, _ what: String) -> String? {
        let count = name.prefix(maximumLength + 1).count
        if count > maximumLength {
            return "\(what) is longer than \(maximumLength) characters; shorten it."
        }
        if name.unicodeScalars.contains(where: { [.control, .format].contains($0.properties.generalCategory) }) {
            return "\(what) contains an invisible control or direction character; type the name again without it."
        }
        return nil
    }
}
