import Foundation
import ReviewDomain

/// `statistics.mustache`: the headline figures, the charts each with its table, the other tables.
struct StatisticsModel: PageTemplateModel {
    static let template = "statistics"

    /// A headline figure with what it means.
    struct Figure: PageModel {
        let label: String
        let value: String
        let note: String
    }

    /// A figure beyond κ, with its interval and when not to rely on it.
    struct Explained: PageModel {
        let label: String
        let value: String
        let interval: String
        let explain: String
    }

    /// A table (`statistics-table.mustache`) with its CSV link; `missing` when the report has no such table.
    struct Table: PageModel {
        struct Column: PageModel { let column: String }
        struct Row: PageModel { let cells: [Cell] }
        struct Cell: PageModel { let cell: String }

        var missing = false
        var name = ""
        var heading = ""
        var caption = ""
        var columns: [Column] = []
        var rows: [Row] = []
        var csv = ""
        var empty = true
    }

    struct Chart: PageModel {
        let id: String
        let heading: String
        let text: String
        /// Server-drawn SVG (`SVGChart`), written unescaped.
        let svg: String
        let table: Table
        var empty = false
    }

    /// An employer to filter by, for the scheme's readers.
    struct Employer: PageModel {
        let id: String
        let name: String
        let selected: Bool
    }

    let scopeEmployer: Bool
    let headline: [Figure]
    let beyond: [Explained]
    let charts: [Chart]
    let tables: [Table]
    let from: String
    let to: String
    let jsonLink: String
    var overall: [Figure]? = nil
    /// Why the scheme's figures are withheld, when they are.
    var overallWithheld: String? = nil
    var periodLabel = ""
    var periods: [Choice] = []
    var employers: [Employer] = []
}
