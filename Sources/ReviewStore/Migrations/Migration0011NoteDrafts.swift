/// A moderator's unsubmitted notes, kept on the server per moderator, case and recording (issue 14: the review page
/// kept them in the browser under the case id alone, where the next moderator on the same browser saw them and they
/// outlived sign-out). Scratch, not evidence: no audit events; submitting the opinion discards them.
struct Migration0011NoteDrafts: Migration {
    let version = 11
    let name = "note drafts per moderator, case and recording"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE note_drafts (
                case_id \(dialect.idType) NOT NULL REFERENCES cases (id),
                moderator_id \(dialect.idType) NOT NULL REFERENCES users (id),
                recording_id \(dialect.idType) NOT NULL REFERENCES recordings (id),
                notes \(dialect.jsonType) NOT NULL,
                updated_at \(dialect.timestampType) NOT NULL,
                PRIMARY KEY (case_id, moderator_id, recording_id))
            """,
        ]
    }
}
