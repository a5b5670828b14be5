/// Anything that runs SQL in a ``SQLContext`` gets the records' repositories bound to that context.
protocol SQLContextProvider: RecordRepositories {
    var context: SQLContext { get }
}

extension SQLContextProvider {
    public var organisations: any OrganisationRepository { SQLOrganisations(context: context) }
    public var users: any UserRepository { SQLUsers(context: context) }
    public var candidates: any CandidateRepository { SQLCandidates(context: context) }
    public var observations: any ObservationRepository { SQLObservations(context: context) }
    public var recordings: any RecordingRepository { SQLRecordings(context: context) }
    public var ratings: any RatingRepository { SQLRatings(context: context) }
    public var cases: any CaseRepository { SQLCases(context: context) }
}

extension StoreTransaction {
    public var audit: any AuditLog { SQLAuditLog(context: context) }
    public var jobs: any JobQueue { SQLJobQueue(context: context) }
}
