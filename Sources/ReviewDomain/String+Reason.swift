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
