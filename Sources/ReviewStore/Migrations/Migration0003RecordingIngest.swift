/// Ingest bookkeeping: which tus upload became which recording (so a retried completion returns the same
/// recording), and the index report of each recording that was indexed.
struct Migration0003RecordingIngest: Migration {
    let version = 3
    let name = "recording uploads and index reports"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE recording_uploads (
                upload_id TEXT PRIMARY KEY,
                recording_id \(dialect.idType) NOT NULL REFERENCES recordings (id))
            """,
            """
            CREATE TABLE recording_indexes (
                recording_id \(dialect.idType) PRIMARY KEY REFERENCES recordings (id),
                report \(dialect.jsonType) NOT NULL,
                indexed_at \(dialect.timestampType) NOT NULL)
            """,
        ]
    }
}
