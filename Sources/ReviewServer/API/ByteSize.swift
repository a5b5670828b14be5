/// A size as people read it, in one unit system everywhere (pages, messages and the upload page's script):
/// decimal kB, MB and GB, three significant figures.
struct ByteSize: CustomStringConvertible, Sendable {
    let bytes: Int64

    init(_ bytes: Int64) { self.bytes = bytes }

    var description: String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        let value = Double(bytes)
        for (scale, unit) in units where value >= scale {
            let scaled = value / scale
            let decimals = scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2
            return "\(Self.fixed(scaled, decimals)) \(unit)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }

    private static func fixed(_ value: Double, _ decimals: Int) -> String {
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let rounded = (value * factor).rounded() / factor
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            if decimals == 0 { text = String(text[..<dot]) } else if fraction.count < decimals {
                text += String(repeating: "0", count: decimals - fraction.count)
            }
        }
        return text
    }
}
