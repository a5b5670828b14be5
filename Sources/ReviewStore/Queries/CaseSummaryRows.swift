public import Foundation
public import ReviewDomain
import SQLKit
import SQLiteKit

/// Text read from a row: in place (SQLite's own bytes, valid until the row moves on) or, rarely, a copy made to
/// present it as the list always has (an id stored in capitals, text that is not valid UTF-8, repaired).
public enum RowText {
    case inPlace(UnsafeBufferPointer<UInt8>)
    case copy(String)

    public func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch self {
        case .inPlace(let bytes): return try body(bytes)
        case .copy(var text): return try text.withUTF8(body)
        }
    }
}

/// The rows of a page of the case list, read in place on SQLite (decision 43): each value as ``CaseSummaries/summary(_:)``
/// would read it into a ``CaseSummary``, without building one. ``next()`` moves to the next row; a row's values are
/// valid until it is called again.
public struct CaseSummaryRows {
    var rows: StoredRows

    public mutating func next() throws(StoreError) -> Bool { try rows.next() }

    private typealias Column = CaseSummaries.Column

    public func caseID() throws(StoreError) -> RowText { try id(.caseID) }
    public func observationID() throws(StoreError) -> RowText { try id(.observationID) }
    public func employerID() throws(StoreError) -> RowText { try id(.employerID) }
    public func openedBy() throws(StoreError) -> RowText { try id(.openedBy) }
    public func kind() throws(StoreError) -> Case.Kind { try raw(.kind) }
    public func state() throws(StoreError) -> Case.State { try raw(.state) }
    /// Whether the case is a calibration seed (read to check it, as a ``CaseSummary`` reads it; the list shows why a
    /// case exists instead).
    public func isCalibration() throws(StoreError) -> Bool { try rows.bool(Int32(Column.calibration.rawValue), Column.calibration.name) }
    public func round() throws(StoreError) -> Int { try required(integer(.round), .round) }
    public func version() throws(StoreError) -> Int { try required(integer(.version), .version) }
    public func calibrationScore() throws(StoreError) -> Int? { try integer(.calibrationScore) }
    public func outcomeScore() throws(StoreError) -> Int? { try integer(.outcomeScore) }
    public func employerScore() throws(StoreError) -> Int? { try integer(.employerScore) }
    public func assessorScore() throws(StoreError) -> Int? { try integer(.assessorScore) }
    public func openedAt() throws(StoreError) -> Date { try required(time(.openedAt), .openedAt) }
    public func updatedAt() throws(StoreError) -> Date { try required(time(.updatedAt), .updatedAt) }
    public func earliestDueAt() throws(StoreError) -> Date? { try time(.earliestDueAt) }
    public func reference() throws(StoreError) -> RowText? { try text(.reference) }
    public func candidateName() throws(StoreError) -> RowText? { try text(.candidateName) }
    public func employerName() throws(StoreError) -> RowText { try required(text(.employerName), .employerName) }
    public func recordingStatus() throws(StoreError) -> RowText? { try text(.recordingStatus) }

    /// Why the case exists, in the stored order; names the list does not know are left out.
    public func reasons() throws(StoreError) -> [CaseSummary.Reason] {
        var reasons: [CaseSummary.Reason] = []
        try required(text(.reasons), .reasons).withUTF8 { bytes in
            for part in bytes.split(separator: UInt8(ascii: ",")) {
                if let reason = Self.match(part, CaseSummary.Reason.self) { reasons.append(reason) }
            }
        }
        return reasons
    }

    /// The panel's moderators, in order of their ids (as ``CaseSummary/moderatorIDs``); text that is not an id is
    /// left out.
    public func moderatorIDs() throws(StoreError) -> [RowText] {
        var ids: [RowText] = []
        try required(text(.moderatorIDs), .moderatorIDs).withUTF8 { bytes in
            for part in bytes.split(separator: UInt8(ascii: ",")) {
                if let id = Self.idText(UnsafeBufferPointer(rebasing: part)) { ids.append(id) }
            }
        }
        guard ids.count > 1 else { return ids }
        // Lower-case ids sort as their upper-case forms (digits and '-' before letters in both).
        return ids.sorted { a, b in a.withUTF8 { a in b.withUTF8 { b in a.lexicographicallyPrecedes(b) } } }
    }

    // MARK: Values as the mapper reads them

    private func text(_ column: Column) throws(StoreError) -> RowText? {
        guard let bytes = try rows.text(Int32(column.rawValue), column.name) else { return nil }
        var index = 0
        while index < bytes.count, bytes[index] < 0x80 { index += 1 }
        if index == bytes.count { return .inPlace(bytes) }
        // sqlite-nio reads text with `String(cString:)`, which replaces ill-formed UTF-8: the same repair here.
        if String(validating: bytes, as: UTF8.self) != nil { return .inPlace(bytes) }
        return .copy(String(decoding: bytes, as: UTF8.self))
    }

    private func integer(_ column: Column) throws(StoreError) -> Int? { try rows.integer(Int32(column.rawValue), column.name) }
    private func time(_ column: Column) throws(StoreError) -> Date? { try rows.time(Int32(column.rawValue), column.name) }

    private func id(_ column: Column) throws(StoreError) -> RowText {
        let text = try required(text(column), column)
        guard let id = text.withUTF8(Self.idText) else {
            throw StoreError(.corruptData, "Column \(column.name) holds \"\(text.withUTF8 { String(decoding: $0, as: UTF8.self) })\", which is not an id.")
        }
        return id
    }

    private func raw<T: RawRepresentable & CaseIterable>(_ column: Column) throws(StoreError) -> T where T.RawValue == String {
        let text = try required(text(column), column)
        guard let value = text.withUTF8({ Self.match($0[...], T.self) }) else {
            throw StoreError(.corruptData, "Column \(column.name) holds \"\(text.withUTF8 { String(decoding: $0, as: UTF8.self) })\", which is not a \(T.self).")
        }
        return value
    }

    private func required<T>(_ value: T?, _ column: Column) throws(StoreError) -> T {
        guard let value else { throw StoreError(.corruptData, "Column \(column.name) is empty where a value is required.") }
        return value
    }

    private static func match<T: RawRepresentable & CaseIterable>(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ type: T.Type) -> T?
    where T.RawValue == String {
        T.allCases.first { value in
            var raw = value.rawValue
            return raw.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, bytes.base.baseAddress! + bytes.startIndex, bytes.count) == 0 }
        }
    }

    /// An id as the list shows it, lower case: the stored text itself when it is already that (as every write stores
    /// it), else the id it parses as (``UUID/init(canonical:)`` or Foundation's parser), else `nil`.
    private static func idText(_ bytes: UnsafeBufferPointer<UInt8>) -> RowText? {
        if bytes.count == 36, isLowerCaseID(bytes) { return .inPlace(bytes) }
        let text = String(decoding: bytes, as: UTF8.self)
        return (UUID(canonical: text) ?? UUID(uuidString: text)).map { .copy($0.lowercasedString) }
    }

    private static func isLowerCaseID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in 0..<36 {
            let byte = bytes[index]
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else {
                    return false
                }
            }
        }
        return true
    }
}

extension RecordStore {
    /// What the SQLite file holds now, as a version that changes whenever anything is committed to it, by this process
    /// or another (a second server, an `obsreview` command): a page written from rows while the version stays the same
    /// would be written the same again. Asked on the calling thread, without a trip to the pool. `nil` on PostgreSQL,
    /// inside a transaction, or when it cannot be told at once.
    public func dataVersion() -> StoreDataVersion? {
        guard case .pool(.sqlite(let pool)) = context.target else { return nil }
        return pool.dataVersion()
    }

    /// The page of ``listCaseSummaries(_:page:)`` handed to `body` row by row as SQLite steps through it (decision 43):
    /// one prepared statement kept per read connection, no ``CaseSummary`` built; `body` runs on the store's thread and
    /// gets up to `page.fetch` rows. `nil` where rows cannot be read in place (PostgreSQL, inside a transaction): the
    /// caller lists ``CaseSummary``s instead.
    public func readCaseSummaryRows<R: Sendable>(
        _ filter: CaseFilter, page: PageRequest, _ body: @escaping @Sendable (inout CaseSummaryRows) throws -> R
    ) async throws(StoreError) -> R? {
        guard case .pool(.sqlite(let pool)) = context.target else { return nil }
        var query: SQLQueryString = "SELECT \(unsafeRaw: CaseSummaries.selectColumns) FROM case_summaries s"
        let conditions = summaryConditions(filter)
        if !conditions.isEmpty { query = query + " WHERE " + conditions.joined(separator: " AND ") }
        // The page's bounds are written in, not bound: SQLite prepares a statement again whenever a parameter the
        // planner looked at is bound anew, which the bounds are (`sqlite3Reprepare`, 4% of a page in the profile).
        query = query + " ORDER BY \(unsafeRaw: filter.sort.orderBy) LIMIT \(literal: page.fetch) OFFSET \(literal: page.offset)"
        let (sql, binds) = SQLiteReaders.serialize(query)
        let values: [SQLiteData]
        do {
            let encoder = SQLiteDataEncoder()
            values = try binds.map { try encoder.encode($0) }
        } catch {
            throw StoreError(wrapping: error)
        }
        do {
            return try await pool.read(sql, values) { rows in
                var summaries = CaseSummaryRows(rows: rows)
                return try body(&summaries)
            }
        } catch {
            throw StoreError(wrapping: error)
        }
    }
}
