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
