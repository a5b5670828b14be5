#!/usr/bin/env python3
"""Rewrites calls of the old ReviewStore surface to the façades of decision 20, in place.

    scripts/rename-store-calls.py $(git ls-files 'Sources/ReviewServer/*.swift' 'Sources/obsreview/*.swift' 'Tests/*.swift')

For branches that still call `store.recordRating(…)`, `store.cases.find(…)`, `store.verifyAuditChain()`: run it on
the files you changed, build, and fix what the compiler names (a receiver not called `store`, a call split oddly).
Receivers it rewrites: an expression ending in `store` or `other` (the names the code base gives a ReviewStore).
Idempotent: a call already made through a façade is left alone.
"""
import re
import sys

AREAS = {
 'accounts': 'setCredentials credentials usernames createSession session endSession createAPIToken apiTokenUser apiToken apiTokens revokeAPIToken secondFactor beginSecondFactor acceptSecondFactorStep useRecoveryCode admitSignInAttempt signInSucceeded replacePasswordHash endEverySession setUserActive insertUserAwaitingApproval accountApproval pendingApprovals approveAccount',
 'moderation': 'isAssigned moderationPolicy setModerationPolicy moderatorProfiles setModeratorProfile declareConflict conflicts assignments overdueAssignments routingProblem assign acceptAssignment declineAssignment opinions hasSubmittedOpinion unsealedRound unsealedRounds submitOpinion postMessage messages developmentPlan developmentPlans acknowledgeDevelopmentPlan markSeed seeds calibrationResults noteDraft saveNoteDraft route samplingPopulation drawSample sampleFindings sampleReason',
 'jobs': 'reportProgress oldestDueJobWait jobCounts',
 'dataProtection': 'consents recordConsent eraseCandidate erasedAt placeHold releaseHold holds hold retentionPass',
 'imports': 'exportRatings exportCases importRatings',
 'ingest': 'storeUploadedRecording beginIndexing finishIndexing rejectRecording rejectRecordingsOfDeadJobs requeueRecording leaseOwnersOfRunningJobs releaseLeases recordingBlobKeys indexReport indexJob',
 'insight': 'recordAttributes earliestObservationDate statisticsRelease freezeStatisticsRelease withdrawAttributes attributes insightData',
 'workflow': 'recordRating flag transition recordViewing recordCaptions',
 'records': 'organisations users candidates observations recordings ratings cases employer observationWithEmployer recordingWithEmployer',
}
METHODS = {name: area for area, names in AREAS.items() for name in names.split()}
RECEIVER = r'(?<![\w.])((?:[\w]+\.)*(?:store|other))'
STATIC = {
    'ReviewStore.indexingWorker': 'IngestStore.indexingWorker',
    'ReviewStore.defaultTokenLifetime': 'AccountStore.defaultTokenLifetime',
    'ReviewStore.isValidAttributeName': 'InsightStore.isValidAttributeName',
}
# The paged lists are `list…`, so that they never share a name with a repository.
LISTS = [('users', 'organisationID', 'listUsers'), ('candidates', 'employerID', 'listCandidates'),
         ('observations', 'candidateID', 'listObservations'), ('recordings', 'observationID', 'listRecordings')]


def rewrite(text):
    for old, new in STATIC.items():
        text = text.replace(old, new)
    text = re.sub(RECEIVER + r'\.verifyAuditChain\(\)', r'\1.audit.verify()', text)
    text = re.sub(RECEIVER + r'\.auditEntries\(', r'\1.audit.listEntries(', text)
    for name, label, new in LISTS:
        text = re.sub(RECEIVER + r'\.' + name + r'\((\s*)' + label + ':', r'\1.records.' + new + r'(\2' + label + ':', text)
    text = re.sub(RECEIVER + r'\.cases\(', r'\1.records.listCases(', text)
    return re.sub(RECEIVER + r'\.(\w+)\b(?!:)',
                  lambda m: f"{m.group(1)}.{METHODS[m.group(2)]}.{m.group(2)}" if m.group(2) in METHODS else m.group(0), text)


if __name__ == '__main__':
    for path in sys.argv[1:]:
        with open(path) as file:
            old = file.read()
        new = rewrite(old)
        if new != old:
            with open(path, 'w') as file:
                file.write(new)
            print(path)
