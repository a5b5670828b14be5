import MediaTimeline

/// What `obsreview timeline` was asked, read from the same arguments its own parser accepts; nil for
/// anything this tool leaves to that parser (text output, `--help`, an option it does not know, a value it
/// would reject, an option given twice, no files), so `obsreview` answers with its own words.
struct TimelineRequest: Equatable {
    var files: [String] = []
    var maxBytes: UInt64 = QuickTimeline.defaultMaxBytes
    var jobs: Int?

    init?(arguments: [String]) {
        var json = false
        var maxBytes: UInt64?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                files += rest
                break
            }
            guard argument.hasPrefix("-") else {
                files.append(argument)
                continue
            }
            let (name, attached) = Self.split(argument)
            switch name {
            case "--json" where attached == nil && !json:
                json = true
            case "--max-bytes" where maxBytes == nil:
                guard let value = Self.value(attached, &rest).flatMap(UInt64.init) else { return nil }
                maxBytes = value
            case "--jobs" where jobs == nil:
                guard let value = Self.value(attached, &rest).flatMap({ Int($0) }) else { return nil }
                jobs = value
            default:
                return nil
            }
        }
        guard json, !files.isEmpty else { return nil }
        if let maxBytes { self.maxBytes = maxBytes }
    }

    /// `--name=value` → (`--name`, `value`); `--name` → (`--name`, nil).
    private static func split(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    /// The option's value: attached with `=`, else the next argument unless it looks like an option.
    private static func value(_ attached: String?, _ rest: inout ArraySlice<String>) -> String? {
        if let attached { return attached }
        guard let next = rest.first, !next.hasPrefix("-") else { return nil }
        return rest.popFirst()
    }
}
