import Foundation

/// Charts drawn on the server as SVG: no script, no library, readable without colour (values are printed on or
/// beside every mark) and named for assistive technology (`role="img"` with a title and a description). Each
/// chart on a page is followed by the same numbers as a table.
enum SVGChart {
    /// Colours with at least 3:1 contrast against white (WCAG 2.2, 1.4.11), told apart by position and label too.
    static let palette = ["#0b57d0", "#b34700", "#0d652d", "#6b2fa0", "#8a5a00", "#a50e0e"]

    struct Series {
        let name: String
        let values: [Double?]
    }

    struct Interval {
        let label: String
        let value: Double
        let lower: Double?
        let upper: Double?
        let note: String
    }

    // MARK: Heat map

    /// A grid of counts (rows × columns), darker for more; every cell shows its count.
    static func heatMap(id: String, title: String, description: String, rowAxis: String, columnAxis: String,
                        rows: [String], columns: [String], counts: [[Int]]) -> String {
        let cell = 44.0, left = 70.0, top = 50.0
        let width = left + cell * Double(columns.count) + 20, height = top + cell * Double(rows.count) + 20
        let peak = max(counts.flatMap { $0 }.max() ?? 0, 1)
        var body = ""
        for (c, label) in columns.enumerated() {
            body += text(left + cell * (Double(c) + 0.5), top - 8, label, anchor: "middle")
        }
        for (r, label) in rows.enumerated() {
            body += text(left - 10, top + cell * (Double(r) + 0.5) + 5, label, anchor: "end")
            for c in columns.indices {
                let count = r < counts.count && c < counts[r].count ? counts[r][c] : 0
                let share = Double(count) / Double(peak)
                let fill = mix(share)
                body += "<rect x=\"\(f(left + cell * Double(c)))\" y=\"\(f(top + cell * Double(r)))\" width=\"\(f(cell - 2))\" height=\"\(f(cell - 2))\" fill=\"\(fill)\" stroke=\"#c6ccd2\"/>"
                body += text(left + cell * (Double(c) + 0.5) - 1, top + cell * (Double(r) + 0.5) + 4, "\(count)", anchor: "middle",
                             fill: share > 0.45 ? "#ffffff" : "#1b1b1b")
            }
        }
        body += text(left + cell * Double(columns.count) / 2, 16, columnAxis + " →", anchor: "middle", weight: "600")
        body += "<text transform=\"translate(16 \(f(top + cell * Double(rows.count) / 2))) rotate(-90)\" text-anchor=\"middle\" font-weight=\"600\">\(escape(rowAxis)) →</text>"
        return svg(id: id, title: title, description: description, width: width, height: height, body: body)
    }

    // MARK: Grouped bars

    /// Bars per category, one per series, each labelled with its value.
    static func groupedBars(id: String, title: String, description: String, categories: [String], series: [Series], unit: String = "") -> String {
        let left = 50.0, top = 40.0, plotHeight = 200.0, group = max(44.0, Double(series.count) * 16 + 16)
        let width = left + group * Double(categories.count) + 20, height = top + plotHeight + 50
        let peak = max(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0, 1)
        let bar = (group - 12) / Double(max(series.count, 1))
        var body = axisLine(left, top + plotHeight, width - 10)
        for (c, category) in categories.enumerated() {
            let x0 = left + group * Double(c) + 6
            for (s, serie) in series.enumerated() {
                guard c < serie.values.count, let value = serie.values[c] else { continue }
                let h = plotHeight * value / peak
                let x = x0 + bar * Double(s)
                body += "<rect x=\"\(f(x))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(bar - 1))\" height=\"\(f(h))\" fill=\"\(palette[s % palette.count])\"/>"
                if value > 0 {
                    body += text(x + bar / 2, top + plotHeight - h - 3, number(value) + unit, anchor: "middle", size: 10)
                }
            }
            body += text(x0 + (group - 12) / 2, top + plotHeight + 16, category, anchor: "middle")
        }
        body += legend(series.map(\.name), x: left, y: height - 12)
        return svg(id: id, title: title, description: description, width: width, height: height, body: body)
    }

    // MARK: Intervals

    /// One row per item: the estimate as a dot with its interval as a bar, around a zero line.
    static func intervals(id: String, title: String, description: String, axis: String, items: [Interval]) -> String {
        let left = 200.0, right = 120.0, plot = 360.0, row = 30.0, top = 36.0
        let width = left + plot + right, height = top + row * Double(max(items.count, 1)) + 30
        let extent = max(items.flatMap { [abs($0.value), abs($0.lower ?? 0), abs($0.upper ?? 0)] }.max() ?? 1, 0.5)
        let scale = { (v: Double) in left + plot / 2 + (v / extent) * (plot / 2 - 8) }
        var body = "<line x1=\"\(f(scale(0)))\" y1=\"\(f(top - 10))\" x2=\"\(f(scale(0)))\" y2=\"\(f(height - 24))\" stroke=\"#4a4a4a\" stroke-dasharray=\"4 3\"/>"
        body += text(scale(0), top - 14, "0", anchor: "middle")
        body += text(scale(-extent), height - 8, number(-extent), anchor: "start", size: 10)
        body += text(scale(extent), height - 8, number(extent), anchor: "end", size: 10)
        body += text(left + plot / 2, height - 8, axis, anchor: "middle", size: 11)
        for (i, item) in items.enumerated() {
            let y = top + row * Double(i) + row / 2
            body += text(left - 10, y + 4, item.label, anchor: "end")
            if let lower = item.lower, let upper = item.upper {
                body += "<line x1=\"\(f(scale(lower)))\" y1=\"\(f(y))\" x2=\"\(f(scale(upper)))\" y2=\"\(f(y))\" stroke=\"\(palette[0])\" stroke-width=\"3\"/>"
            }
            body += "<circle cx=\"\(f(scale(item.value)))\" cy=\"\(f(y))\" r=\"5\" fill=\"\(palette[1])\"/>"
            body += text(left + plot + 8, y + 4, item.note, anchor: "start", size: 11)
        }
        return svg(id: id, title: title, description: description, width: width, height: height, body: body)
    }

    // MARK: Lines

    /// Series over time (x labels in order); values in 0…1 are drawn as percentages.
    static func lines(id: String, title: String, description: String, xLabels: [String], series: [Series]) -> String {
        let left = 50.0, top = 30.0, plotHeight = 180.0, step = max(48.0, 480.0 / Double(max(xLabels.count, 1)))
        let width = left + step * Double(max(xLabels.count - 1, 1)) + 60, height = top + plotHeight + 60
        let y = { (v: Double) in top + plotHeight * (1 - v) }
        var body = axisLine(left, top + plotHeight, width - 20)
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            body += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - 20))\" y2=\"\(f(y(tick)))\" stroke=\"#e3e6e9\"/>"
            body += text(left - 6, y(tick) + 4, "\(Int(tick * 100))%", anchor: "end", size: 10)
        }
        for (i, label) in xLabels.enumerated() {
            body += text(left + step * Double(i), top + plotHeight + 16, label, anchor: "middle", size: 10)
        }
        for (s, serie) in series.enumerated() {
            let colour = palette[s % palette.count]
            let points = serie.values.enumerated().compactMap { i, v in v.map { (left + step * Double(i), y(min(max($0, 0), 1))) } }
            if points.count > 1 {
                body += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\" points=\"\(points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"/>"
            }
            for point in points {
                body += "<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"3.5\" fill=\"\(colour)\"/>"
            }
        }
        body += legend(series.map(\.name), x: left, y: height - 12)
        return svg(id: id, title: title, description: description, width: width, height: height, body: body)
    }

    // MARK: Pieces

    static func svg(id: String, title: String, description: String, width: Double, height: Double, body: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="\(id)-title \(id)-desc" viewBox="0 0 \(f(width)) \(f(height))" \
        width="\(f(width))" height="\(f(height))" font-family="system-ui, sans-serif" font-size="12" fill="#1b1b1b" class="chart">\
        <title id="\(id)-title">\(escape(title))</title><desc id="\(id)-desc">\(escape(description))</desc>\(body)</svg>
        """
    }

    static func legend(_ names: [String], x: Double, y: Double) -> String {
        var out = "", offset = x
        for (i, name) in names.enumerated() {
            out += "<rect x=\"\(f(offset))\" y=\"\(f(y - 10))\" width=\"12\" height=\"12\" fill=\"\(palette[i % palette.count])\"/>"
            out += text(offset + 16, y, name, anchor: "start")
            offset += 24 + Double(name.count) * 7
        }
        return out
    }

    static func axisLine(_ x1: Double, _ y: Double, _ x2: Double) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y))\" x2=\"\(f(x2))\" y2=\"\(f(y))\" stroke=\"#4a4a4a\"/>"
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 12, fill: String? = nil, weight: String? = nil) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\"\(fill.map { " fill=\"\($0)\"" } ?? "")\(weight.map { " font-weight=\"\($0)\"" } ?? "")>\(escape(content))</text>"
    }

    /// White to the accent blue by `share` (0…1).
    static func mix(_ share: Double) -> String {
        let s = min(max(share, 0), 1)
        let (r, g, b) = (255 - (255 - 11) * s, 255 - (255 - 87) * s, 255 - (255 - 208) * s)
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.2f", value)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
