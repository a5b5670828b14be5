"""Writes Sources/ReviewServer/API/OpenAPIDocument.swift: the OpenAPI 3.1 document of the JSON API.

Edit the paths and schemas here, run `python3 scripts/gen-openapi.py`, and commit both. The shapes follow
Sources/ReviewServer/API/Representations.swift; RouteCoverageTests checks that the document names exactly the
served routes, and scripts/check-api.sh runs schemathesis against the live server.
"""
import json, os
uuid={"type":"string","format":"uuid"}
INT64_MAX=2**63-1  # the server reads whole numbers as 64-bit
dt={"type":"string","format":"date-time"}
def ref(n): return {"$ref":f"#/components/schemas/{n}"}
def obj(props, required, closed=True):
    o={"type":"object","properties":props,"required":required}
    if closed: o["additionalProperties"]=False
    return o
# Text the server trims and refuses when nothing is left (names, reasons, rationales).
def text(maxLength=None):
    t={"type":"string","minLength":1,"pattern":"\\S"}
    if maxLength: t["maxLength"]=maxLength
    return t
def page(item): return obj({"items":{"type":"array","items":ref(item)},"page":{"type":"integer","minimum":1},"pageSize":{"type":"integer","minimum":1,"maximum":500},"nextPage":{"type":"integer","minimum":2}},["items","page","pageSize"])
roles=["assessor","employer","moderator.professional","moderator.lay","lead","auditor","administrator"]
areas=["childrens","adults","mental_health","other"]
NOTICE_KINDS=["case_offered","assignment_due","assignment_expired","awaiting_lead","case_decided","plan_to_acknowledge"]
def policy(closed):
    return obj({"moderatorsPerCase":{"type":"integer","minimum":1,"maximum":5},"panel":{"type":"array","maxItems":5,"items":{"type":"string","enum":["professional","lay"]},"description":"the make-up of the first panel places, in order"},
      "tolerance":{"type":"integer","minimum":1,"maximum":6},"escalationModerators":{"type":"integer","minimum":0,"maximum":3},"assignmentDays":{"type":"integer","minimum":1,"maximum":90},
      "practiceAreaWeight":{"type":"integer","minimum":0,"maximum":10},"sampleRate":{"type":"number","minimum":0,"maximum":1},"boundaryWeight":{"type":"number","minimum":1,"maximum":20},"calibrationRate":{"type":"number","minimum":0,"maximum":0.5},
      "sampleStrata":{"type":"string","enum":["employer_assessor","employer","none"],"description":"how quality sampling stratifies"},"minimumStratumSize":{"type":"integer","minimum":1,"maximum":100,"description":"a smaller sampling stratum joins its employer's remainder, then the scheme-wide one"}},
      ["moderatorsPerCase","panel","tolerance","escalationModerators","assignmentDays","practiceAreaWeight","sampleRate","boundaryWeight","calibrationRate","sampleStrata","minimumStratumSize"] if closed else [])
POLICY=policy(True)
states=["open","local_review","awaiting_moderation","in_moderation","escalated","decided","closed","withdrawn"]
recstat=["uploading","stored","indexing","ready","rejected"]
S={
 "Error":obj({"error":obj({"code":{"type":"string"},"message":{"type":"string","minLength":1}},["code","message"])},["error"]),
 "Health":obj({"status":{"type":"string","const":"ok"}},["status"]),
 "Ready":obj({"status":{"type":"string","const":"ready"},"database":{"type":"string","enum":["sqlite","postgres"]}},["status","database"]),
 "Organisation":obj({"id":uuid,"name":{"type":"string"},"kind":{"type":"string","enum":["employer","accrediting_body","moderation_panel"]}},["id","name","kind"]),
 "User":obj({"id":uuid,"name":{"type":"string"},"role":{"type":"string","enum":roles},"organisationId":uuid,"active":{"type":"boolean"},"username":{"type":"string"},"awaitingApproval":{"type":"boolean","description":"a lead, auditor or administrator account waiting (inactive) for a second administrator's approval"}},["id","name","role","organisationId","active","awaitingApproval"]),
 "Session":obj({"user":ref("User"),"csrfToken":{"type":"string"},"recoveryCodes":{"type":"array","items":{"type":"string"},"description":"only at the sign-in that confirms a new second factor, shown once"}},["user","csrfToken"]),
 "ApiToken":obj({"id":{"type":"string"},"name":{"type":"string"},"createdAt":dt,"lastUsedAt":dt,"expiresAt":dt,"readOnly":{"type":"boolean","description":"only GET and HEAD requests"}},["id","name","createdAt","expiresAt","readOnly"]),
 "CreatedApiToken":obj({"token":ref("ApiToken"),"secret":{"type":"string","minLength":32}},["token","secret"]),
 "Candidate":obj({"id":uuid,"registrationNumber":{"type":"string"},"name":{"type":"string"},"employerId":uuid},["id","registrationNumber","name","employerId"]),
 "Observation":obj({"id":uuid,"ref":{"type":"string"},"candidateId":uuid,"observedAt":dt,"scenario":{"type":"string"},"practiceArea":{"type":"string","enum":["childrens","adults","mental_health","other"]}},["id","candidateId","observedAt","scenario","practiceArea"]),
 "Rating":obj({"id":uuid,"observationId":uuid,"source":{"type":"string","enum":["assessor","employer","moderator"]},"score":{"type":"integer","minimum":1,"maximum":7},"raterId":uuid,"rationale":{"type":"string"},"ratedAt":dt,"supersedes":uuid,"correctionReason":{"type":"string"}},["id","observationId","source","score","raterId","rationale","ratedAt"]),
 "RatingResult":obj({"rating":ref("Rating"),"openedCase":ref("Case")},["rating"]),
 "Recording":obj({"id":uuid,"observationId":uuid,"uploadedBy":uuid,"fileName":{"type":"string"},"status":{"type":"string","enum":recstat},"rejectionReason":{"type":"string"},"sha256":{"type":"string","pattern":"^[0-9a-f]{64}$"},"byteCount":{"type":"integer","minimum":1},
   "links":obj({"media":{"type":"string"},"proxy":{"type":"string"},"index":{"type":"string"},"poster":{"type":"string"}},["media","proxy","index","poster"])},["id","observationId","uploadedBy","fileName","status","links"]),
 "CandidateAttributes":obj({"candidateId":uuid,"attributes":{"type":"object","additionalProperties":{"type":"string"}},"consentReference":{"type":"string"},"consentedAt":dt,"recordedBy":uuid,"recordedAt":dt},["candidateId","attributes","consentReference","consentedAt","recordedBy","recordedAt"]),
 "NewCandidateAttributes":obj({"attributes":{"type":"object","minProperties":1,"propertyNames":{"pattern":"^[a-z][a-z0-9_]{0,39}$"},"additionalProperties":{"type":"string","minLength":1,"maxLength":100,"pattern":"\\S"}},"consentReference":{"type":"string","minLength":1,"pattern":"\\S"},"consentedAt":dt},["attributes","consentReference"]),
 "Statistic":{"oneOf":[obj({"value":{"type":"number"}},["value"]),obj({"notDefined":{"type":"string"}},["notDefined"])],"description":"A figure, or why it is not defined (never NaN)."},
 "InsightReport":{"type":"object","description":"Every figure of docs/statistics.md: agreement (kappa, alpha with bootstrap interval, confusion matrix), outcomes overall and by month, leniency, calibration, fairness (cells under 5 people suppressed), score distributions.",
   "properties":{k:{"type":"object"} for k in ["filter","counts","agreement","outcomes","leniency","calibration","fairness"]}|{"distribution":{"type":"array","items":{"type":"object"}}},
   "required":["filter","counts","agreement","outcomes","leniency","calibration","fairness","distribution"]},
 "Statistics":obj({"scope":{"type":"string","enum":["scheme","employer"]},"generatedAt":dt,"report":ref("InsightReport"),
   "period":{"type":"string","description":"the reporting period covered (always for an employer)"},"periods":{"type":"array","items":{"type":"string"},"description":"the ended periods that can be asked for, newest first"},
   "overall":obj({"counts":{"type":"object"},"agreement":{"type":"object","description":"coefficients only: no cell counts"},"outcomes":{"type":"object","description":"rates, each {numerator, denominator, value, withheld}: withheld (no numbers) when the other employers' part of either side counts 1 to 4"},"withheldReason":{"type":"string"}},[])|{"description":"For an employer: the scheme's figures under the release rules (docs/statistics.md); nothing but withheldReason when fewer than 5 other candidates were observed in the period. Frozen at the first reading."}},["scope","generatedAt","periods","report"]),
 "StatisticsTables":obj({"items":{"type":"array","items":obj({"name":{"type":"string"},"columns":{"type":"array","items":{"type":"string"}},"rows":{"type":"integer","minimum":0},"link":{"type":"string"}},["name","columns","rows","link"])}},["items"]),
 "RecordingConsent":obj({"recordingId":uuid,"people":{"type":"array","items":{"type":"string"}},
   "records":{"type":"array","items":obj({"person":{"type":"string"},"purpose":{"type":"string","enum":["assessment","moderation","training"]},"granted":{"type":"boolean"},"reference":{"type":"string"},"recordedBy":uuid,"recordedAt":dt},["person","purpose","granted","recordedBy","recordedAt"])},
   "uses":{"type":"array","items":obj({"purpose":{"type":"string","enum":["assessment","moderation","training"]},"permitted":{"type":"boolean"},"why":{"type":"string"}},["purpose","permitted","why"])}},["recordingId","people","records","uses"]),
 "Captions":obj({"recordingId":uuid,"bytes":{"type":"integer","minimum":0},"sha256":{"type":"string","pattern":"^[0-9a-f]{64}$"},"link":{"type":"string"}},["recordingId","bytes","sha256","link"]),
 "RecordingDetail":obj({"recording":ref("Recording"),"job":obj({"state":{"type":"string","enum":["queued","running","done","failed","dead"]},"attempts":{"type":"integer","minimum":0},"progress":{"type":"number","minimum":0,"maximum":1},"lastError":{"type":"string"}},["state","attempts"])},["recording"]),
 "Outcome":obj({"score":{"type":"integer","minimum":1,"maximum":7},"meetsStandard":{"type":"boolean"},"rule":{"type":"string","description":"median, local_agreement or calibration_seed; absent when a person decided"},"decidedBy":uuid,"reasonCodes":{"type":"array","items":{"type":"string"}},"basedOn":{"type":"array","items":uuid,"description":"the second opinions the decision drew on"},"reason":{"type":"string"}},["score","meetsStandard","reasonCodes","basedOn"]),
 "Case":obj({"id":uuid,"observationId":uuid,"employerId":uuid,"kind":{"type":"string","enum":["automatic_dispute","manual_flag","sample"],"description":"absent for a moderator reviewing blind"},"state":{"type":"string","enum":states},"round":{"type":"integer","minimum":1},"version":{"type":"integer","minimum":1},"calibrationScore":{"type":"integer","minimum":1,"maximum":7,"description":"a calibration seed's definitive score (lead and auditor only)"},"openedBy":uuid,"openedAt":dt,"updatedAt":dt,
   "flags":{"type":"array","items":obj({"raisedBy":uuid,"role":{"type":"string","enum":roles},"at":dt,"reason":{"type":"string"}},["raisedBy","role","at","reason"])},
   "blind":{"type":"boolean","description":"true for a moderator whose panel is not yet complete (sealed; an escalated case shows as in_moderation): the scores (finding, localAgreement, outcomes), the kind, who opened it and the flags are left out"},
   "finding":obj({"employerScore":{"type":"integer","minimum":1,"maximum":7},"assessorScore":{"type":"integer","minimum":1,"maximum":7},"tolerance":{"type":"integer"},"reasons":{"type":"array","items":{"type":"string","enum":["straddles_pass_line","exceeds_tolerance"]}}},["employerScore","assessorScore","tolerance","reasons"]),
   "localAgreement":obj({"assessor":{"type":"integer","minimum":1,"maximum":7},"employer":{"type":"integer","minimum":1,"maximum":7}},[]),
   "outcome":ref("Outcome"),"previousOutcomes":{"type":"array","items":ref("Outcome")}},["id","observationId","employerId","state","round","version","openedAt","updatedAt","flags","blind"]),
 "Assignment":obj({"caseId":uuid,"moderatorId":uuid,"kind":{"type":"string","enum":["professional","lay"]},"round":{"type":"integer","minimum":1},"state":{"type":"string","enum":["offered","accepted","declined","submitted","expired","cancelled"]},"assignedBy":uuid,"assignedAt":dt,"dueAt":dt,"overdue":{"type":"boolean"},"reasons":{"type":"array","items":{"type":"string"},"description":"why routing (or the lead) chose this moderator"},"endedAt":dt,"endReason":{"type":"string"}},["caseId","moderatorId","kind","round","state","assignedBy","assignedAt","dueAt","overdue","reasons"]),
 "CaseAssignments":obj({"items":{"type":"array","items":ref("Assignment")},"routingProblem":{"type":"string","description":"why places stay unfilled, in plain words"},"sampleReason":{"type":"string","description":"why quality sampling drew the case"}},["items"]),
 "AssignmentList":obj({"items":{"type":"array","items":ref("Assignment")}},["items"]),
 "DeclineResult":obj({"declined":ref("Assignment"),"replacements":{"type":"array","items":ref("Assignment")}},["declined","replacements"]),
 "Annotation":obj({"start":{"type":"number","minimum":0},"end":{"type":"number","minimum":0},"text":{"type":"string"},"tag":{"type":"string"},"recordingId":{**uuid,"description":"the recording the note is on"}},["start","text"]),
 "Opinion":obj({"id":uuid,"caseId":uuid,"moderatorId":uuid,"round":{"type":"integer","minimum":1},"score":{"type":"integer","minimum":1,"maximum":7},"rationale":{"type":"string"},"annotations":{"type":"array","items":ref("Annotation")},"submittedAt":dt,"supersedes":uuid,"correctionReason":{"type":"string"},"superseded":{"type":"boolean"}},["id","caseId","moderatorId","round","score","rationale","annotations","submittedAt","superseded"]),
 "OpinionList":obj({"items":{"type":"array","items":ref("Opinion")}},["items"]),
 "SubmittedOpinion":obj({"opinion":ref("Opinion"),"caseAfter":ref("Case"),"escalationAssignments":{"type":"array","items":ref("Assignment")}},["opinion","caseAfter","escalationAssignments"]),
 "Message":obj({"id":uuid,"caseId":uuid,"authorId":uuid,"body":{"type":"string"},"atSeconds":{"type":"number","minimum":0},"postedAt":dt},["id","caseId","authorId","body","postedAt"]),
 "MessageList":obj({"items":{"type":"array","items":ref("Message")}},["items"]),
 "NoteDraft":obj({"caseId":uuid,"recordingId":uuid,"notes":{"type":"array","items":ref("Annotation")},"updatedAt":dt},["caseId","recordingId","notes"]),
 "DevelopmentPlan":obj({"caseId":uuid,"employerId":uuid,"createdAt":dt,"acknowledged":{"type":"boolean"},"acknowledgedBy":uuid,"acknowledgedAt":dt,"note":{"type":"string"}},["caseId","employerId","createdAt","acknowledged"]),
 "DevelopmentPlanList":obj({"items":{"type":"array","items":ref("DevelopmentPlan")}},["items"]),
 "DevelopmentPlanStatus":obj({"required":{"type":"boolean","description":"true for a near miss (final score 3)"},"plan":ref("DevelopmentPlan")},["required"]),
 "Moderator":obj({"userId":uuid,"kind":{"type":"string","enum":["professional","lay"]},"organisationId":uuid,"practiceAreas":{"type":"array","items":{"type":"string","enum":areas}},"capacity":{"type":"integer","minimum":0,"maximum":100},"active":{"type":"boolean"},"openWorkload":{"type":"integer","minimum":0}},["userId","kind","organisationId","practiceAreas","capacity","active","openWorkload"]),
 "ModeratorList":obj({"items":{"type":"array","items":ref("Moderator")}},["items"]),
 "Conflict":obj({"id":uuid,"moderatorId":uuid,"candidateId":uuid,"organisationId":uuid,"reason":{"type":"string"},"declaredBy":uuid,"declaredAt":dt},["id","moderatorId","reason","declaredBy","declaredAt"]),
 "ConflictList":obj({"items":{"type":"array","items":ref("Conflict")}},["items"]),
 "RoutingReport":obj({"expired":{"type":"array","items":ref("Assignment")},"routed":{"type":"array","items":obj({"caseId":uuid,"assigned":{"type":"array","items":ref("Assignment")},"problem":{"type":"string"}},["caseId","assigned"])},"calibrationCasesOpened":{"type":"array","items":uuid}},["expired","routed","calibrationCasesOpened"]),
 "SampleDraw":obj({"id":uuid,"seed":{"type":"integer","minimum":0},"rate":{"type":"number","minimum":0,"maximum":1},"population":{"type":"integer","minimum":0},"dryRun":{"type":"boolean"},"picks":{"type":"array","items":obj({"observationId":uuid,"employerId":uuid,"assessorId":uuid,"boundary":{"type":"boolean"},"weight":{"type":"number"},"stratumSize":{"type":"integer","minimum":1},"stratumDrawn":{"type":"integer","minimum":1},"why":{"type":"string","minLength":1},"stratum":{"type":"string","description":"the stratum after small strata are merged"},"inclusionProbability":{"type":"number","exclusiveMinimum":0,"maximum":1,"description":"the probability that the draw selects it (absent on picks drawn before it was recorded)"},"designWeight":{"type":"number","minimum":1,"description":"1 / inclusionProbability"},"caseId":uuid},["observationId","employerId","boundary","weight","stratumSize","stratumDrawn","why"])}},["seed","rate","population","dryRun","picks"]),
 "SampleEstimate":obj({"estimate":ref("Statistic"),"standardError":ref("Statistic"),"lower":ref("Statistic"),"upper":ref("Statistic"),"confidence":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},"count":{"type":"integer","minimum":0},"unweighted":ref("Statistic"),"representedObservations":{"type":"number","minimum":0}},["estimate","standardError","lower","upper","confidence","count","unweighted","representedObservations"]),
 "SampleFigures":obj({"cases":{"type":"integer","minimum":0},"decided":{"type":"integer","minimum":0},"estimated":{"type":"integer","minimum":0},"overturnRate":ref("SampleEstimate"),"exactAgreement":ref("SampleEstimate"),"withinOneAgreement":ref("SampleEstimate")},["cases","decided","estimated","overturnRate","exactAgreement","withinOneAgreement"]),
 "SampleEstimates":obj({"confidence":{"type":"number"},"overall":ref("SampleFigures"),"draws":{"type":"array","items":obj({"drawId":uuid,"seed":{"type":"integer","minimum":0},"rate":{"type":"number","minimum":0,"maximum":1},"population":{"type":"integer","minimum":0},"drawnAt":dt,"figures":ref("SampleFigures")},["drawId","seed","rate","population","drawnAt","figures"])},"casesWithoutProbability":{"type":"integer","minimum":0}},["confidence","overall","draws","casesWithoutProbability"]),
 "Erasure":obj({"candidateId":uuid,"erasedAt":dt,"observations":{"type":"integer","minimum":0},"recordings":{"type":"integer","minimum":0},"textsErased":{"type":"integer","minimum":0},"auditDetailsErased":{"type":"integer","minimum":0},"filesRemoved":{"type":"integer","minimum":0}},["candidateId","erasedAt","observations","recordings","textsErased","auditDetailsErased","filesRemoved"]),
 "Notice":obj({"id":{"type":"integer","minimum":1},"kind":{"type":"string","enum":NOTICE_KINDS},"text":{"type":"string","minLength":1},"caseId":uuid,"link":{"type":"string","pattern":"^/"},"createdAt":dt,"readAt":dt},["id","kind","text","link","createdAt"]),
 "NoticeList":obj({"items":{"type":"array","items":ref("Notice")},"unread":{"type":"integer","minimum":0}},["items","unread"]),
 "NoticesRead":obj({"ids":{"type":"array","minItems":1,"maxItems":500,"items":{"type":"integer","minimum":1,"maximum":INT64_MAX}},"all":{"type":"boolean","const":True}},[],closed=True),
 "NoticesReadResult":obj({"marked":{"type":"integer","minimum":0},"unread":{"type":"integer","minimum":0}},["marked","unread"]),
 "NotificationPreferences":obj({"email":{"type":"string","format":"email","maxLength":254},"delivery":{"type":"string","enum":["immediate","daily","off"]},"mutedKinds":{"type":"array","items":{"type":"string","enum":NOTICE_KINDS}},"kinds":{"type":"array","items":obj({"kind":{"type":"string","enum":NOTICE_KINDS},"label":{"type":"string"},"muted":{"type":"boolean"}},["kind","label","muted"])},"emailEnabled":{"type":"boolean"}},["delivery","mutedKinds","kinds","emailEnabled"]),
 "NotificationPreferencesUpdate":obj({"email":{"type":"string","maxLength":254,"description":"leave out or empty for no e-mail"},"delivery":{"type":"string","enum":["immediate","daily","off"]},"mutedKinds":{"type":"array","maxItems":6,"items":{"type":"string","enum":NOTICE_KINDS}}},["delivery"]),
 "Hold":obj({"id":uuid,"subjectType":{"type":"string","enum":["candidate","observation","case"]},"subjectId":uuid,"candidateId":uuid,"reason":{"type":"string"},"placedBy":uuid,"placedAt":dt,"releasedBy":uuid,"releasedAt":dt,"releaseReason":{"type":"string"},"active":{"type":"boolean"}},["id","subjectType","subjectId","candidateId","reason","placedBy","placedAt","active"]),
 "HoldList":obj({"items":{"type":"array","items":ref("Hold")}},["items"]),
 "Seed":obj({"observationId":uuid,"score":{"type":"integer","minimum":1,"maximum":7},"reason":{"type":"string"},"markedBy":uuid,"markedAt":dt,"active":{"type":"boolean"},"timesUsed":{"type":"integer","minimum":0}},["observationId","score","reason","markedBy","markedAt","active","timesUsed"]),
 "SeedList":obj({"items":{"type":"array","items":ref("Seed")}},["items"]),
 "CalibrationResults":obj({"moderators":{"type":"array","items":obj({"moderatorId":uuid,"opinions":{"type":"integer","minimum":1},"meanDeviation":{"type":"number"},"meanAbsoluteDeviation":{"type":"number","minimum":0},"passFailAgreement":{"type":"number","minimum":0,"maximum":1}},["moderatorId","opinions","meanDeviation","meanAbsoluteDeviation","passFailAgreement"])},
   "results":{"type":"array","items":obj({"moderatorId":uuid,"caseId":uuid,"observationId":uuid,"definitiveScore":{"type":"integer","minimum":1,"maximum":7},"givenScore":{"type":"integer","minimum":1,"maximum":7},"deviation":{"type":"integer","minimum":-6,"maximum":6},"submittedAt":dt},["moderatorId","caseId","observationId","definitiveScore","givenScore","deviation","submittedAt"])}},["moderators","results"]),
 "Policy":POLICY,
 "AuditEntry":obj({"sequence":{"type":"integer","minimum":1},"id":uuid,"at":dt,"actorId":uuid,"action":{"type":"string"},"subjectType":{"type":"string"},"subjectId":{"type":"string"},"reason":{"type":"string"},"details":{"type":"object","additionalProperties":{"type":"string"}},"hash":{"type":"string","pattern":"^[0-9a-f]{64}$"},"previousHash":{"type":"string","pattern":"^[0-9a-f]{64}$"}},["sequence","id","at","actorId","action","subjectType","subjectId","details","hash","previousHash"]),
}
for n in ["Organisation","User","ApiToken","Candidate","Observation","Rating","Recording","Case","AuditEntry"]:
    S[n+"Page"]=page(n)
# request bodies: open, as the server ignores members it does not know (responses are closed)
R={
 "SignIn":obj({"username":{"type":"string"},"password":{"type":"string"},"code":{"type":"string","description":"the authenticator app's code, or a recovery code, when the account has a second factor (or is setting one up)"}},["username","password"]),
 "StartSecondFactor":obj({"username":{"type":"string"},"password":{"type":"string"}},["username","password"]),
 "SecondFactorSetup":obj({"secret":{"type":"string","description":"base32"},"otpauthUri":{"type":"string"},"digits":{"type":"integer"},"period":{"type":"integer"},"algorithm":{"type":"string"}},["secret","otpauthUri","digits","period","algorithm"]),
 "NewToken":obj({"name":text(100),"expiresInDays":{"type":"integer","minimum":1,"maximum":365,"default":90},"readOnly":{"type":"boolean","default":False}},["name"]),
 "PasswordChange":obj({"currentPassword":{"type":"string"},"newPassword":{"type":"string","minLength":12,"description":"at least 12 characters; not the username or organisation; not a common password"}},["currentPassword","newPassword"]),
 "NewOrganisation":obj({"name":text(200),"kind":{"type":"string","enum":["employer","accrediting_body","moderation_panel"]}},["name","kind"]),
 "NewUser":obj({"name":text(200),"username":{"type":"string","minLength":3,"maxLength":64,"pattern":"^[A-Za-z0-9._@-]+$","description":"Letters, digits, dots, dashes, underscores or @ (letters beyond ASCII are accepted too)"},"password":{"type":"string","minLength":12,"description":"at least 12 characters; not the username or organisation; not a common password"},"role":{"type":"string","enum":roles},"organisationId":uuid},["name","username","password","role","organisationId"]),
 "UserChange":obj({"active":{"type":"boolean"}},["active"]),
 "NewRating":{**obj({"score":{"type":"integer","minimum":1,"maximum":7},"rationale":text(),"supersedes":uuid,"correctionReason":text()},["score","rationale"]),
   "description":"With supersedes, a correction of that rating: correctionReason is then required.",
   "dependentRequired":{"supersedes":["correctionReason"]}},
 "NewFlag":obj({"reason":text()},["reason"]),
 "Transition":{**obj({"action":{"type":"string","enum":["flag","startLocalReview","agreeLocalScore","requestModeration","startModeration","escalate","decide","close","withdraw","reopen"]},"expectedVersion":{"type":"integer","minimum":1,"maximum":INT64_MAX},"reason":text(),"score":{"type":"integer","minimum":1,"maximum":7},
     "reasonCodes":{"type":"array","items":{"type":"string"},"description":"decide: codes for the decision (default decided_by_lead)"},"basedOn":{"type":"array","items":uuid,"description":"decide: the opinions drawn on (default: the round's current opinions)"},
     "ground":{"type":"string","enum":["material_flaw","new_information"],"description":"reopen: the only two grounds for reopening a decided case"}},["action","expectedVersion"]),
   "description":"flag, escalate, withdraw need a reason; decide needs a score and the lead's reasons; reopen a ground and a reason; agreeLocalScore a score.",
   "allOf":[{"if":{"properties":{"action":{"enum":["flag","escalate","withdraw","reopen","decide"]}}},"then":{"required":["reason"]}},
            {"if":{"properties":{"action":{"enum":["agreeLocalScore","decide"]}}},"then":{"required":["score"]}},
            {"if":{"properties":{"action":{"const":"reopen"}}},"then":{"required":["ground"]}}]},
 "NewAssignment":obj({"moderatorId":uuid},["moderatorId"]),
 "Decline":obj({"reason":text(),"conflictWith":{"type":"string","enum":["candidate","employer"],"description":"also record a standing conflict with the candidate or the employer"}},["reason"]),
 "NewOpinion":{**obj({"score":{"type":"integer","minimum":1,"maximum":7},"rationale":text(20000),
     "annotations":{"type":"array","maxItems":500,"items":obj({"start":{"type":"number","minimum":0,"description":"seconds from the start of the recording, within its duration"},"end":{"type":"number","minimum":0},"text":text(4000),"tag":{"type":"string","maxLength":64},"recordingId":{**uuid,"description":"a ready recording of the case's observation (default: its newest)"}},["start","text"],closed=False)},
     "supersedes":uuid,"correctionReason":text()},["score","rationale"]),
   "description":"With supersedes, a correction of your current opinion while your panel is sealed: correctionReason is then required; once the panel's opinions are open to you, a correction is 409 (ask the lead to reopen).","dependentRequired":{"supersedes":["correctionReason"]}},
 "NewMessage":obj({"body":text(10000),"atSeconds":{"type":"number","minimum":0}},["body"]),
 "NoteDraftBody":obj({"notes":{"type":"array","maxItems":500,"items":ref("Annotation")}},["notes"]),
 "Acknowledgement":obj({"note":{"type":"string"}},[]),
 "NewPolicy":policy(False),
 "Profile":obj({"practiceAreas":{"type":"array","items":{"type":"string","enum":areas}},"capacity":{"type":"integer","minimum":0,"maximum":100}},["practiceAreas","capacity"]),
 "NewConflict":{**obj({"candidateId":uuid,"organisationId":uuid,"reason":text()},["reason"]),"oneOf":[{"required":["candidateId"]},{"required":["organisationId"]}],"description":"Exactly one of candidateId or organisationId."},
 "RoutingRun":obj({"caseIds":{"type":"array","items":uuid,"description":"limit the pass to these cases (expiry still runs everywhere)"}},[]),
 "SampleRequest":obj({"rate":{"type":"number","minimum":0,"maximum":1},"seed":{"type":"integer","minimum":0,"maximum":INT64_MAX},"dryRun":{"type":"boolean"}},["seed"]),
 "ConsentAnswer":obj({"person":{"type":"string","pattern":"^(candidate|actor-([1-9]|1[0-9]|20))$","description":"candidate, or actor-1 … actor-20 (the role-play actors)"},"purpose":{"type":"string","enum":["assessment","moderation","training"]},"granted":{"type":"boolean","description":"false: refused or withdrawn (not possible for assessment: 422)"},"reference":{"type":"string","maxLength":500,"description":"where the form or note is kept"}},["person","purpose","granted"]),
 "ErasureRequest":obj({"candidateId":uuid,"registrationNumber":{**text(),"description":"the candidate's registration number, typed again to confirm"},"reason":{"type":"string","maxLength":1000}},["candidateId","registrationNumber"]),
 "NewHold":obj({"subjectType":{"type":"string","enum":["candidate","observation","case"]},"subjectId":uuid,"reason":text(1000)},["subjectType","subjectId","reason"]),
 "HoldRelease":obj({"reason":{"type":"string","maxLength":1000}},[]),
 "NewSeed":obj({"observationId":uuid,"score":{"type":"integer","minimum":1,"maximum":7},"reason":text()},["observationId","score","reason"]),
}
for body in R.values(): body.pop("additionalProperties")
S.update(R)
errdesc={"400":"Malformed request (a parameter or body that cannot be read)","401":"Not signed in, or the token is not recognised","403":"Signed in, but not allowed (or the CSRF token is missing)","404":"No such thing, or you may not see it","409":"Conflict: a stale expectedVersion or a duplicate","413":"Body too large","415":"The body is not JSON","416":"No part of the requested range exists","422":"Well-formed but invalid (a score of 9, a missing reason)","429":"Too many failed sign-ins: wait Retry-After seconds","503":"Not ready"}
# Each error response is described once, in components.responses, and referred to from every operation.
def err(*codes): return {c:{"$ref":f"#/components/responses/Error{c}"} for c in codes}
ERRORS={f"Error{c}":{"description":d,"content":{"application/json":{"schema":ref("Error")}}} for c,d in errdesc.items()}
def ok(schema, code="200", desc="OK"): return {code:{"description":desc,"content":{"application/json":{"schema":ref(schema)}}}}
def pparam(name, schema=None): return {"name":name,"in":"path","required":True,"schema":schema or uuid}
def q(name, schema): return {"name":name,"in":"query","required":False,"schema":schema}
pageq=[q("page",{"type":"integer","minimum":1,"maximum":1000000}),q("pageSize",{"type":"integer","minimum":1,"maximum":500})]
def body(name): return {"required":True,"content":{"application/json":{"schema":ref(name)}}}
READ=("400","401","403","404")
WRITE=("400","401","403","404","409","413","415","422")
def op(summary, tag, responses, params=None, reqbody=None, security=None, opid=None):
    o={"summary":summary,"tags":[tag],"operationId":opid,"responses":responses}
    if params: o["parameters"]=params
    if reqbody: o["requestBody"]=reqbody
    if security is not None: o["security"]=security
    return o
def binary(types): return {t:{"schema":{"type":"string","format":"binary"}} for t in types}
media_responses=lambda types: {"200":{"description":"The whole file","headers":{"ETag":{"schema":{"type":"string"}},"Accept-Ranges":{"schema":{"type":"string"}}},"content":binary(types)},
   "206":{"description":"The requested range (Content-Range says which)","content":binary(types)},
   "304":{"description":"Not modified (If-None-Match matched the ETag)"}, **err("400","401","403","404","416")}
rid=pparam("recordingId")
# A HEAD response has no body, so its errors carry no content either.
head_responses={"200":{"description":"Headers only"},"304":{"description":"Not modified"},**{c:{"description":errdesc[c]} for c in ("400","401","403","404")}}
rangeh=[{"name":"Range","in":"header","required":False,"schema":{"type":"string"},"example":"bytes=0-1048575"},{"name":"If-Range","in":"header","required":False,"schema":{"type":"string"}}]
statq=[q("period",{"type":"string","pattern":"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$","description":"an ended reporting period, 2026-03 or 2026-Q1 as configured (statistics_period); employers may ask only for a period"}),q("from",{"type":"string","format":"date","description":"lead and auditor only"}),q("to",{"type":"string","format":"date","description":"lead and auditor only"}),q("employerId",uuid)]
P={
 "/healthz":{"get":op("Liveness","operations",{**ok("Health")},security=[],opid="health")},
 "/readyz":{"get":op("Readiness: the database answers and is migrated","operations",{**ok("Ready"),**err("503")},security=[],opid="ready")},
 "/metrics":{"get":op("Prometheus metrics","operations",{"200":{"description":"Prometheus text exposition format","content":{"text/plain":{"schema":{"type":"string"}}}}},security=[],opid="metrics")},
 "/openapi.json":{"get":op("This document","operations",{"200":{"description":"OpenAPI 3.1","content":{"application/json":{"schema":{"type":"object"}}}}},security=[],opid="openapi")},
 "/api/v1/session":{
   "post":op("Sign in with a username and password (and a second factor's code): sets the session cookie","session",{**ok("Session"),**err("400","401","403","413","415","422","429")},reqbody=body("SignIn"),security=[],opid="signIn"),
   "get":op("The signed-in user and the session's CSRF token","session",{**ok("Session"),**err("401","404")},opid="currentSession"),
   "delete":op("Sign out","session",{"204":{"description":"Signed out"},**err("401","403")},opid="signOut")},
 "/api/v1/session/second-factor":{
   "post":op("Start setting up a second factor (TOTP) with your username and password: it counts from the first sign-in with its code","session",{**ok("SecondFactorSetup"),**err("400","401","409","413","415","422","429")},reqbody=body("StartSecondFactor"),security=[],opid="startSecondFactor")},
 "/api/v1/session/password":{
   "post":op("Change your password (needs the current one; ends your other sessions)","session",{"204":{"description":"Changed"},**err("400","401","403","413","415","422","429")},reqbody=body("PasswordChange"),opid="changePassword")},
 "/api/v1/sessions":{
   "delete":op("Sign out everywhere: ends all your sessions and revokes all your API tokens","session",{"204":{"description":"Signed out everywhere"},**err("401","403")},opid="signOutEverywhere")},
 "/api/v1/tokens":{
   "get":op("Your API tokens (never their secrets)","session",{**ok("ApiTokenPage"),**err("401")},opid="listTokens"),
   "post":op("Create an API token: the secret is shown once","session",{**ok("CreatedApiToken","201","Created"),**err(*WRITE)},reqbody=body("NewToken"),opid="createToken")},
 "/api/v1/tokens/{tokenId}":{"delete":op("Revoke one of your API tokens","session",{"204":{"description":"Revoked"},**err("401","403","404")},params=[pparam("tokenId",{"type":"string"})],opid="revokeToken")},
 "/api/v1/organisations":{
   "get":op("Organisations (an employer sees only itself)","directory",{**ok("OrganisationPage"),**err(*READ)},params=pageq,opid="listOrganisations"),
   "post":op("Create an organisation (administrator)","directory",{**ok("Organisation","201","Created"),**err(*WRITE)},reqbody=body("NewOrganisation"),opid="createOrganisation")},
 "/api/v1/users":{
   "get":op("Users (administrator, lead)","directory",{**ok("UserPage"),**err(*READ)},params=pageq+[q("organisationId",uuid),q("role",{"type":"string","enum":roles})],opid="listUsers"),
   "post":op("Create a user with a password (administrator)","directory",{**ok("User","201","Created"),**err(*WRITE)},reqbody=body("NewUser"),opid="createUser")},
 "/api/v1/users/{userId}":{"patch":op("Activate or deactivate a user (administrator); deactivation ends their sessions and tokens for good","directory",{**ok("User"),**err(*WRITE)},params=[pparam("userId")],reqbody=body("UserChange"),opid="updateUser")},
 "/api/v1/users/{userId}/approval":{"post":op("Approve a lead, auditor or administrator account another administrator created (two-person rule)","directory",{**ok("User"),**err("400","401","403","404","409")},params=[pparam("userId")],opid="approveUser")},
 "/api/v1/candidates":{"get":op("Candidates (an employer: its own staff)","observations",{**ok("CandidatePage"),**err(*READ)},params=pageq+[q("employerId",uuid)],opid="listCandidates")},
 "/api/v1/candidates/{candidateId}":{"get":op("A candidate","observations",{**ok("Candidate"),**err(*READ)},params=[pparam("candidateId")],opid="getCandidate")},
 "/api/v1/candidates/{candidateId}/attributes":{
   "get":op("A candidate's attributes for fairness statistics, held with consent (lead, administrator)","observations",{**ok("CandidateAttributes"),**err(*READ)},params=[pparam("candidateId")],opid="getCandidateAttributes"),
   "put":op("Record (replace) a candidate's attributes with the consent they rest on (lead, administrator); audited by name, never value","observations",{**ok("CandidateAttributes"),**err(*WRITE)},params=[pparam("candidateId")],reqbody=body("NewCandidateAttributes"),opid="putCandidateAttributes"),
   "delete":op("Consent withdrawn: erase the candidate's attributes (lead, administrator); audited","observations",{"204":{"description":"Erased"},**err("400","401","403","404")},params=[pparam("candidateId")],opid="deleteCandidateAttributes")},
 "/api/v1/observations":{"get":op("Observations","observations",{**ok("ObservationPage"),**err(*READ)},params=pageq+[q("candidateId",uuid)],opid="listObservations")},
 "/api/v1/observations/{observationId}":{"get":op("An observation","observations",{**ok("Observation"),**err(*READ)},params=[pparam("observationId")],opid="getObservation")},
 "/api/v1/observations/{observationId}/ratings":{
   "get":op("An observation's ratings, corrections included (to a moderator only once every place of their panel is in: sealed panels)","observations",{**ok("RatingPage"),**err(*READ)},params=[pparam("observationId")],opid="listRatings"),
   "post":op("Record an assessor or employer rating (or, with supersedes, a correction); may open a dispute","observations",{**ok("RatingResult","201","Created"),**err(*WRITE)},params=[pparam("observationId")],reqbody=body("NewRating"),opid="rate")},
 "/api/v1/observations/{observationId}/flags":{"post":op("Flag an observation for review: opens a case or joins the active one (409 when its case is already decided: ask the lead to reopen it)","observations",{**ok("Case","201","Created"),**err(*WRITE)},params=[pparam("observationId")],reqbody=body("NewFlag"),opid="flag")},
 "/api/v1/recordings":{"get":op("Recordings (an employer: its own staff's; a moderator: those of assigned cases)","recordings",{**ok("RecordingPage"),**err(*READ)},params=pageq+[q("observationId",uuid),q("status",{"type":"string","enum":recstat})],opid="listRecordings")},
 "/api/v1/recordings/{recordingId}":{"get":op("A recording, its status and its indexing job","recordings",{**ok("RecordingDetail"),**err(*READ)},params=[rid],opid="getRecording")},
 "/api/v1/recordings/{recordingId}/reindex":{"post":op("Index a rejected recording again from its preserved original (its uploader or the lead); audited","recordings",{**ok("RecordingDetail","202","Queued for indexing"),**err(*WRITE)},params=[rid],reqbody={"required":False,"content":{"application/json":{"schema":obj({"reason":text(500)},[])}}},opid="reindexRecording")},
 "/api/v1/recordings/{recordingId}/index":{"get":op("The index report: probe, keyframe timeline, discontinuities, proxy","recordings",{"200":{"description":"The index report of `obsreview index --json`","content":{"application/json":{"schema":{"type":"object"}}}},**err(*READ)},params=[rid],opid="getRecordingIndex")},
 "/api/v1/recordings/{recordingId}/media":{
   "get":op("Stream the original file (Range; its uploader and the lead only: it keeps the camera's personal tags); each viewing is audited","recordings",media_responses(["video/mp4","video/quicktime","video/webm","video/x-matroska","video/x-msvideo","video/mp2t","video/x-ms-wmv","video/mpeg","application/octet-stream"]),params=[rid]+rangeh,opid="streamMedia"),
   "head":op("The original file's headers","recordings",head_responses,params=[rid],opid="headMedia")},
 "/api/v1/recordings/{recordingId}/proxy":{
   "get":op("Stream the browser-playable proxy (Range); each viewing is audited","recordings",media_responses(["video/mp4","video/webm"]),params=[rid]+rangeh,opid="streamProxy"),
   "head":op("The proxy's headers","recordings",head_responses,params=[rid],opid="headProxy")},
 "/api/v1/recordings/{recordingId}/consents":{
   "get":op("Consent per person and purpose on a recording, and what it may be used for (assessor, lead, auditor)","recordings",{**ok("RecordingConsent"),**err(*READ)},params=[rid],opid="getConsents"),
   "put":op("Record or withdraw one person's consent for one purpose (the lead, the assessor who uploaded it); audited; withdrawing moderation cancels open assignments","recordings",{**ok("RecordingConsent"),**err(*WRITE)},params=[rid],reqbody=body("ConsentAnswer"),opid="putConsent")},
 "/api/v1/candidates/{candidateId}/subject-export":{"get":op("Subject-access export of a candidate: a ZIP with manifest.json (lead, administrator); audited","observations",{"200":{"description":"ZIP","content":{"application/zip":{"schema":{"type":"string","format":"binary"}}}},**err(*READ)},params=[pparam("candidateId")],opid="subjectExport")},
 "/api/v1/cases/{caseId}/bundle":{"get":op("Evidence bundle of a case: a ZIP that obsreview verify-bundle checks offline (lead, auditor); audited","cases",{"200":{"description":"ZIP","content":{"application/zip":{"schema":{"type":"string","format":"binary"}}}},**err(*READ)},params=[pparam("caseId")],opid="caseBundle")},
 "/api/v1/recordings/{recordingId}/captions":{
   "get":op("The recording's captions (WebVTT) for the player's captions track","recordings",{"200":{"description":"WebVTT","content":{"text/vtt":{"schema":{"type":"string"}}}},"304":{"description":"Not modified"},**err("400","401","403","404","416")},params=[rid],opid="getCaptions"),
   "put":op("Add or replace the captions of a ready recording (WebVTT; assessor, lead); audited","recordings",{**ok("Captions"),**err(*WRITE)},params=[rid],reqbody={"required":True,"content":{"text/vtt":{"schema":{"type":"string"}}}},opid="putCaptions")},
 "/api/v1/recordings/{recordingId}/thumbnails/{n}":{"get":op("Thumbnail n (0 is the poster)","recordings",{"200":{"description":"JPEG","content":{"image/jpeg":{"schema":{"type":"string","format":"binary"}}}},"304":{"description":"Not modified"},**err("400","401","403","404","416")},params=[rid,pparam("n",{"type":"integer","minimum":0,"maximum":999})],opid="getThumbnail")},
 "/api/v1/cases":{"get":op("Cases (an employer: its own; a moderator: assigned ones, blind)","cases",{**ok("CasePage"),**err(*READ)},params=pageq+[q("state",{"type":"string","enum":states}),q("employerId",uuid)],opid="listCases")},
 "/api/v1/cases/{caseId}":{"get":op("A case","cases",{**ok("Case"),**err(*READ)},params=[pparam("caseId")],opid="getCase")},
 "/api/v1/cases/{caseId}/transitions":{"post":op("Move a case on (per the case's role table); expectedVersion guards against concurrent changes","cases",{**ok("Case"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("Transition"),opid="transition")},
 "/api/v1/cases/{caseId}/assignments":{
   "get":op("A case's panel: every assignment with why it was made, why places are unfilled, why it was sampled (lead, auditor; a moderator sees their own)","moderation",{**ok("CaseAssignments"),**err(*READ)},params=[pparam("caseId")],opid="listCaseAssignments"),
   "post":op("Assign a moderator by hand (lead): the same exclusions as routing","moderation",{**ok("Assignment","201","Created"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("NewAssignment"),opid="assign")},
 "/api/v1/cases/{caseId}/assignment/accept":{"post":op("Accept the case offered to you (moderator)","moderation",{**ok("Assignment"),**err(*WRITE)},params=[pparam("caseId")],opid="acceptAssignment")},
 "/api/v1/cases/{caseId}/assignment/decline":{"post":op("Decline with a conflict of interest (moderator): the case is re-routed at once","moderation",{**ok("DeclineResult"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("Decline"),opid="declineAssignment")},
 "/api/v1/cases/{caseId}/opinions":{
   "get":op("Every opinion and correction, every round (sealed: a moderator once every place of their panel is in; assessor and employer once decided)","moderation",{**ok("OpinionList"),**err(*READ)},params=[pparam("caseId")],opid="listOpinions"),
   "post":op("Submit your blind second opinion with time-coded notes (assigned moderator); the last one reconciles the case","moderation",{**ok("SubmittedOpinion","201","Created"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("NewOpinion"),opid="submitOpinion")},
 "/api/v1/cases/{caseId}/note-drafts/{recordingId}":{
   "get":op("Your draft notes on a recording of your case (the assigned moderator only; kept on the server, never in the browser)","moderation",{**ok("NoteDraft"),**err(*READ)},params=[pparam("caseId"),pparam("recordingId")],opid="getNoteDraft"),
   "put":op("Replace your draft notes on a recording of your case (autosave; an empty list removes them; 409 once your opinion is in)","moderation",{**ok("NoteDraft"),**err(*WRITE)},params=[pparam("caseId"),pparam("recordingId")],reqbody=body("NoteDraftBody"),opid="saveNoteDraft")},
 "/api/v1/cases/{caseId}/messages":{
   "get":op("The escalated panel's discussion (lead, auditor, the case's moderators once their panel is complete)","moderation",{**ok("MessageList"),**err(*READ)},params=[pparam("caseId")],opid="listMessages"),
   "post":op("Post to the discussion of an escalated case, optionally at a moment of the recording","moderation",{**ok("Message","201","Created"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("NewMessage"),opid="postMessage")},
 "/api/v1/cases/{caseId}/development-plan":{"get":op("Whether the case has a development plan (a near miss, final score 3) and where it stands","moderation",{**ok("DevelopmentPlanStatus"),**err(*READ)},params=[pparam("caseId")],opid="getDevelopmentPlan")},
 "/api/v1/cases/{caseId}/development-plan/acknowledgement":{"post":op("The candidate's employer acknowledges the development plan","moderation",{**ok("DevelopmentPlan"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("Acknowledgement"),opid="acknowledgeDevelopmentPlan")},
 "/api/v1/moderation/policy":{
   "get":op("The moderation policy (lead, auditor)","moderation",{**ok("Policy"),**err(*READ)},opid="getPolicy"),
   "put":op("Replace the moderation policy (lead); missing keys take their defaults","moderation",{**ok("Policy"),**err(*WRITE)},reqbody=body("NewPolicy"),opid="setPolicy")},
 "/api/v1/moderators":{"get":op("Moderators with their routing profile and open workload (lead, auditor, administrator)","moderation",{**ok("ModeratorList"),**err(*READ)},opid="listModerators")},
 "/api/v1/moderators/{userId}/profile":{"put":op("Set a moderator's practice areas and capacity (lead, administrator)","moderation",{**ok("Moderator"),**err(*WRITE)},params=[pparam("userId")],reqbody=body("Profile"),opid="setModeratorProfile")},
 "/api/v1/moderators/{userId}/conflicts":{
   "get":op("A moderator's declared conflicts (the moderator, lead, auditor)","moderation",{**ok("ConflictList"),**err(*READ)},params=[pparam("userId")],opid="listConflicts"),
   "post":op("Declare a conflict of interest with a candidate or an organisation (the moderator, or the lead for them)","moderation",{**ok("Conflict","201","Created"),**err(*WRITE)},params=[pparam("userId")],reqbody=body("NewConflict"),opid="declareConflict")},
 "/api/v1/assignments":{"get":op("Your assignments (moderator); overdue assignments, or with state the latest 500 in that state (lead, auditor)","moderation",{**ok("AssignmentList"),**err(*READ)},params=[q("state",{"type":"string","enum":["offered","accepted","declined","submitted","expired","cancelled"]})],opid="listAssignments")},
 "/api/v1/routing":{"post":op("Run a routing pass now (lead): expiries, calibration cases, missing moderators","moderation",{**ok("RoutingReport"),**err(*WRITE)},reqbody=body("RoutingRun"),opid="route")},
 "/api/v1/samples/estimates":{"get":op("The decided sample cases' findings (moderated overturn rate, exact and within-one agreement of assessor and moderators) weighted by the sampling design, with 95% intervals, overall and per draw (lead, auditor)","moderation",{**ok("SampleEstimates"),**err(*READ)},opid="getSampleEstimates")},
 "/api/v1/samples":{"post":op("Draw a seeded quality sample (lead); with dryRun, only show what it would pick and why","moderation",{**ok("SampleDraw","200","Dry run"),**ok("SampleDraw","201","Drawn"),**err(*WRITE)},reqbody=body("SampleRequest"),opid="drawSample")},
 "/api/v1/calibration/seeds":{
   "get":op("Calibration seeds (lead, auditor)","moderation",{**ok("SeedList"),**err(*READ)},opid="listSeeds"),
   "post":op("Mark an observation's recording as a calibration seed with a definitive score (lead)","moderation",{**ok("Seed","201","Created"),**err(*WRITE)},reqbody=body("NewSeed"),opid="markSeed")},
 "/api/v1/development-plans":{"get":op("Near misses' development plans, oldest first, at most 500 (an employer: its own staff's)","moderation",{**ok("DevelopmentPlanList"),**err(*READ)},params=[q("acknowledged",{"type":"boolean"})],opid="listDevelopmentPlans")},
 "/api/v1/calibration/results":{"get":op("Each moderator's deviation from seeds' definitive scores (lead, auditor)","moderation",{**ok("CalibrationResults"),**err(*READ)},opid="calibrationResults")},
 "/api/v1/statistics":{"get":op("The insight report: agreement, outcomes, leniency and calibration, fairness (lead, auditor: the scheme; an employer: its own staff and the scheme's overall figures)","statistics",{**ok("Statistics"),**err(*READ)},params=statq,opid="getStatistics")},
 "/api/v1/statistics/tables":{"get":op("The report's tables, with links to each as CSV","statistics",{**ok("StatisticsTables"),**err(*READ)},params=statq,opid="listStatisticsTables")},
 "/api/v1/statistics/tables/{table}":{"get":op("One table of the report as CSV (RFC 4180, header row; groups under 5 people suppressed)","statistics",{"200":{"description":"CSV","content":{"text/csv":{"schema":{"type":"string"}}}},**err(*READ)},params=[pparam("table",{"type":"string","pattern":"^[a-z0-9_-]+$"})]+statq,opid="getStatisticsTable")},
 "/api/v1/erasures":{"post":op("Erase a candidate's personal data, recordings and derived media (lead, administrator); refused (409) under a legal hold or when already erased; audited","data-protection",{**ok("Erasure"),**err(*WRITE)},reqbody=body("ErasureRequest"),opid="eraseCandidate")},
 "/api/v1/holds":{
   "get":op("Legal holds, active (or all with includeReleased=true) (lead, administrator, auditor); audited","data-protection",{**ok("HoldList"),**err(*READ)},params=[q("includeReleased",{"type":"boolean"})],opid="listHolds"),
   "post":op("Place a legal hold on a candidate, an observation or a case (lead, administrator); audited","data-protection",{**ok("Hold","201","Created"),**err(*WRITE)},reqbody=body("NewHold"),opid="placeHold")},
 "/api/v1/holds/{holdId}":{"delete":op("Release a legal hold (lead, administrator), optionally saying why; 409 if already released; audited","data-protection",{**ok("Hold"),**err(*WRITE)},params=[pparam("holdId")],reqbody={"required":False,"content":{"application/json":{"schema":ref("HoldRelease")}}},opid="releaseHold")},
 "/api/v1/notices":{"get":op("The caller's own notices, newest first (up to 200), and how many are unread; unread=true for unread ones only","notifications",{**ok("NoticeList"),**err(*READ)},params=[q("unread",{"type":"boolean"})],opid="listNotices")},
 "/api/v1/notices/read":{"post":op("Mark the caller's own notices read: some by id, or all","notifications",{**ok("NoticesReadResult"),**err(*WRITE)},reqbody=body("NoticesRead"),opid="markNoticesRead")},
 "/api/v1/me/notification-preferences":{
   "get":op("The caller's notification preferences: e-mail address, immediate / daily digest / off, kinds never e-mailed","notifications",{**ok("NotificationPreferences"),**err(*READ)},opid="getNotificationPreferences"),
   "put":op("Replace the caller's notification preferences (422 naming what is wrong: an address that is not one, an unknown delivery or kind)","notifications",{**ok("NotificationPreferences"),**err(*WRITE)},reqbody=body("NotificationPreferencesUpdate"),opid="setNotificationPreferences")},
 "/api/v1/audit":{"get":op("The hash-chained audit trail (auditor, lead, administrator)","audit",{**ok("AuditEntryPage"),**err(*READ)},params=pageq+[q("after",{"type":"integer","minimum":0,"maximum":INT64_MAX}),{**q("subjectType",{"type":"string","minLength":1}),"description":"Give with subjectId (400 otherwise)"},{**q("subjectId",{"type":"string","minLength":1}),"description":"Give with subjectType (400 otherwise)"}],opid="listAudit")},
}
doc={"openapi":"3.1.0","info":{"title":"ObservationReview API","version":"1.0.0","description":"Moderation and review of video-recorded practice observations. Sign in with POST /api/v1/session (cookie; send X-CSRF-Token on changes) or use an API token as a bearer token. Errors are {\"error\": {\"code\", \"message\"}}. Resumable uploads use the tus 1.0.0 protocol at /uploads/ (not described here; see docs/decisions/0005-resumable-uploads.md)."},
 "servers":[{"url":"/"}],
 "security":[{"bearerAuth":[]},{"cookieAuth":[]}],
 "tags":[{"name":t} for t in ["operations","session","directory","observations","recordings","cases","moderation","statistics","audit","data-protection","notifications"]],
 "paths":P,
 "components":{"responses":ERRORS,"securitySchemes":{"bearerAuth":{"type":"http","scheme":"bearer","description":"An API token from POST /api/v1/tokens"},"cookieAuth":{"type":"apiKey","in":"cookie","name":"obsreview_session"}},"schemas":S}}
text=json.dumps(doc,indent=2,sort_keys=False)
assert '"""#' not in text
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Sources', 'ReviewServer', 'API', 'OpenAPIDocument.swift'), 'w').write(
 "// The OpenAPI 3.1 description of the JSON API, served at /openapi.json. Kept true by RouteCoverageTests\n"
 "// (every API route is here and nothing else) and by schemathesis against the live server (scripts/check-api.sh).\n"
 "// Generated by scripts/gen-openapi.py: edit that, run it, commit both.\n"
 "// The shapes are those of API/Representations.swift; edit both together.\n"
 "enum OpenAPIDocument {\n    static let json = #\"\"\"\n"+text+"\n\"\"\"#\n}\n")
print('wrote OpenAPIDocument.swift:', len(text), 'characters')
