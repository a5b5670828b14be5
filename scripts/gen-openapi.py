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
states=["open","local_review","awaiting_moderation","in_moderation","escalated","decided","closed","withdrawn"]
recstat=["uploading","stored","indexing","ready","rejected"]
S={
 "Error":obj({"error":obj({"code":{"type":"string"},"message":{"type":"string","minLength":1}},["code","message"])},["error"]),
 "Health":obj({"status":{"type":"string","const":"ok"}},["status"]),
 "Ready":obj({"status":{"type":"string","const":"ready"},"database":{"type":"string","enum":["sqlite","postgres"]}},["status","database"]),
 "Organisation":obj({"id":uuid,"name":{"type":"string"},"kind":{"type":"string","enum":["employer","accrediting_body","moderation_panel"]}},["id","name","kind"]),
 "User":obj({"id":uuid,"name":{"type":"string"},"role":{"type":"string","enum":roles},"organisationId":uuid,"active":{"type":"boolean"},"username":{"type":"string"}},["id","name","role","organisationId","active"]),
 "Session":obj({"user":ref("User"),"csrfToken":{"type":"string"}},["user","csrfToken"]),
 "ApiToken":obj({"id":{"type":"string"},"name":{"type":"string"},"createdAt":dt,"lastUsedAt":dt},["id","name","createdAt"]),
 "CreatedApiToken":obj({"token":ref("ApiToken"),"secret":{"type":"string","minLength":32}},["token","secret"]),
 "Candidate":obj({"id":uuid,"registrationNumber":{"type":"string"},"name":{"type":"string"},"employerId":uuid},["id","registrationNumber","name","employerId"]),
 "Observation":obj({"id":uuid,"ref":{"type":"string"},"candidateId":uuid,"observedAt":dt,"scenario":{"type":"string"},"practiceArea":{"type":"string","enum":["childrens","adults","mental_health","other"]}},["id","candidateId","observedAt","scenario","practiceArea"]),
 "Rating":obj({"id":uuid,"observationId":uuid,"source":{"type":"string","enum":["assessor","employer","moderator"]},"score":{"type":"integer","minimum":1,"maximum":7},"raterId":uuid,"rationale":{"type":"string"},"ratedAt":dt,"supersedes":uuid,"correctionReason":{"type":"string"}},["id","observationId","source","score","raterId","rationale","ratedAt"]),
 "RatingResult":obj({"rating":ref("Rating"),"openedCase":ref("Case")},["rating"]),
 "Recording":obj({"id":uuid,"observationId":uuid,"uploadedBy":uuid,"fileName":{"type":"string"},"status":{"type":"string","enum":recstat},"rejectionReason":{"type":"string"},"sha256":{"type":"string","pattern":"^[0-9a-f]{64}$"},"byteCount":{"type":"integer","minimum":1},
   "links":obj({"media":{"type":"string"},"proxy":{"type":"string"},"index":{"type":"string"},"poster":{"type":"string"}},["media","proxy","index","poster"])},["id","observationId","uploadedBy","fileName","status","links"]),
 "RecordingDetail":obj({"recording":ref("Recording"),"job":obj({"state":{"type":"string","enum":["queued","running","done","failed","dead"]},"attempts":{"type":"integer","minimum":0},"progress":{"type":"number","minimum":0,"maximum":1},"lastError":{"type":"string"}},["state","attempts"])},["recording"]),
 "Outcome":obj({"score":{"type":"integer","minimum":1,"maximum":7},"meetsStandard":{"type":"boolean"},"rule":{"type":"string"},"decidedBy":uuid,"reasonCodes":{"type":"array","items":{"type":"string"}}},["score","meetsStandard","reasonCodes"]),
 "Case":obj({"id":uuid,"observationId":uuid,"employerId":uuid,"kind":{"type":"string","enum":["automatic_dispute","manual_flag","sample"]},"state":{"type":"string","enum":states},"version":{"type":"integer","minimum":1},"openedBy":uuid,"openedAt":dt,"updatedAt":dt,
   "flags":{"type":"array","items":obj({"raisedBy":uuid,"role":{"type":"string","enum":roles},"at":dt,"reason":{"type":"string"}},["raisedBy","role","at","reason"])},
   "blind":{"type":"boolean","description":"true for a moderator reviewing blind: the scores (finding, localAgreement, outcomes) are left out"},
   "finding":obj({"employerScore":{"type":"integer","minimum":1,"maximum":7},"assessorScore":{"type":"integer","minimum":1,"maximum":7},"tolerance":{"type":"integer"},"reasons":{"type":"array","items":{"type":"string","enum":["straddles_pass_line","exceeds_tolerance"]}}},["employerScore","assessorScore","tolerance","reasons"]),
   "localAgreement":obj({"assessor":{"type":"integer","minimum":1,"maximum":7},"employer":{"type":"integer","minimum":1,"maximum":7}},[]),
   "outcome":ref("Outcome"),"previousOutcomes":{"type":"array","items":ref("Outcome")}},["id","observationId","employerId","kind","state","version","openedBy","openedAt","updatedAt","flags","blind"]),
 "Assignment":obj({"caseId":uuid,"moderatorId":uuid,"assignedBy":uuid,"assignedAt":dt},["caseId","moderatorId","assignedBy","assignedAt"]),
 "AuditEntry":obj({"sequence":{"type":"integer","minimum":1},"id":uuid,"at":dt,"actorId":uuid,"action":{"type":"string"},"subjectType":{"type":"string"},"subjectId":{"type":"string"},"reason":{"type":"string"},"details":{"type":"object","additionalProperties":{"type":"string"}},"hash":{"type":"string","pattern":"^[0-9a-f]{64}$"},"previousHash":{"type":"string","pattern":"^[0-9a-f]{64}$"}},["sequence","id","at","actorId","action","subjectType","subjectId","details","hash","previousHash"]),
}
for n in ["Organisation","User","ApiToken","Candidate","Observation","Rating","Recording","Case","AuditEntry"]:
    S[n+"Page"]=page(n)
# request bodies: open, as the server ignores members it does not know (responses are closed)
R={
 "SignIn":obj({"username":{"type":"string"},"password":{"type":"string"}},["username","password"]),
 "NewToken":obj({"name":text(100)},["name"]),
 "NewOrganisation":obj({"name":text(200),"kind":{"type":"string","enum":["employer","accrediting_body","moderation_panel"]}},["name","kind"]),
 "NewUser":obj({"name":text(200),"username":{"type":"string","minLength":3,"maxLength":64,"pattern":"^[A-Za-z0-9._@-]+$","description":"Letters, digits, dots, dashes, underscores or @ (letters beyond ASCII are accepted too)"},"password":{"type":"string","minLength":12},"role":{"type":"string","enum":roles},"organisationId":uuid},["name","username","password","role","organisationId"]),
 "UserChange":obj({"active":{"type":"boolean"}},["active"]),
 "NewRating":{**obj({"score":{"type":"integer","minimum":1,"maximum":7},"rationale":text(),"supersedes":uuid,"correctionReason":text()},["score","rationale"]),
   "description":"With supersedes, a correction of that rating: correctionReason is then required.",
   "dependentRequired":{"supersedes":["correctionReason"]}},
 "NewFlag":obj({"reason":text()},["reason"]),
 "Transition":{**obj({"action":{"type":"string","enum":["flag","startLocalReview","agreeLocalScore","requestModeration","startModeration","escalate","decide","close","withdraw","reopen"]},"expectedVersion":{"type":"integer","minimum":1,"maximum":INT64_MAX},"reason":text(),"score":{"type":"integer","minimum":1,"maximum":7}},["action","expectedVersion"]),
   "description":"flag, escalate, withdraw and reopen need a reason; agreeLocalScore and decide need a score.",
   "allOf":[{"if":{"properties":{"action":{"enum":["flag","escalate","withdraw","reopen"]}}},"then":{"required":["reason"]}},
            {"if":{"properties":{"action":{"enum":["agreeLocalScore","decide"]}}},"then":{"required":["score"]}}]},
 "NewAssignment":obj({"moderatorId":uuid},["moderatorId"]),
}
for body in R.values(): body.pop("additionalProperties")
S.update(R)
errdesc={"400":"Malformed request (a parameter or body that cannot be read)","401":"Not signed in, or the token is not recognised","403":"Signed in, but not allowed (or the CSRF token is missing)","404":"No such thing, or you may not see it","409":"Conflict: a stale expectedVersion or a duplicate","413":"Body too large","415":"The body is not JSON","416":"No part of the requested range exists","422":"Well-formed but invalid (a score of 9, a missing reason)","429":"Too many failed sign-ins: wait Retry-After seconds","503":"Not ready"}
def err(*codes): return {c:{"description":errdesc[c],"content":{"application/json":{"schema":ref("Error")}}} for c in codes}
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
P={
 "/healthz":{"get":op("Liveness","operations",{**ok("Health")},security=[],opid="health")},
 "/readyz":{"get":op("Readiness: the database answers and is migrated","operations",{**ok("Ready"),**err("503")},security=[],opid="ready")},
 "/metrics":{"get":op("Prometheus metrics","operations",{"200":{"description":"Prometheus text exposition format","content":{"text/plain":{"schema":{"type":"string"}}}}},security=[],opid="metrics")},
 "/openapi.json":{"get":op("This document","operations",{"200":{"description":"OpenAPI 3.1","content":{"application/json":{"schema":{"type":"object"}}}}},security=[],opid="openapi")},
 "/api/v1/session":{
   "post":op("Sign in with a username and password: sets the session cookie","session",{**ok("Session"),**err("400","401","413","415","422","429")},reqbody=body("SignIn"),security=[],opid="signIn"),
   "get":op("The signed-in user and the session's CSRF token","session",{**ok("Session"),**err("401","404")},opid="currentSession"),
   "delete":op("Sign out","session",{"204":{"description":"Signed out"},**err("401","403")},opid="signOut")},
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
 "/api/v1/users/{userId}":{"patch":op("Activate or deactivate a user (administrator)","directory",{**ok("User"),**err(*WRITE)},params=[pparam("userId")],reqbody=body("UserChange"),opid="updateUser")},
 "/api/v1/candidates":{"get":op("Candidates (an employer: its own staff)","observations",{**ok("CandidatePage"),**err(*READ)},params=pageq+[q("employerId",uuid)],opid="listCandidates")},
 "/api/v1/candidates/{candidateId}":{"get":op("A candidate","observations",{**ok("Candidate"),**err(*READ)},params=[pparam("candidateId")],opid="getCandidate")},
 "/api/v1/observations":{"get":op("Observations","observations",{**ok("ObservationPage"),**err(*READ)},params=pageq+[q("candidateId",uuid)],opid="listObservations")},
 "/api/v1/observations/{observationId}":{"get":op("An observation","observations",{**ok("Observation"),**err(*READ)},params=[pparam("observationId")],opid="getObservation")},
 "/api/v1/observations/{observationId}/ratings":{
   "get":op("An observation's ratings, corrections included (never to moderators: blind review)","observations",{**ok("RatingPage"),**err(*READ)},params=[pparam("observationId")],opid="listRatings"),
   "post":op("Record an assessor or employer rating (or, with supersedes, a correction); may open a dispute","observations",{**ok("RatingResult","201","Created"),**err(*WRITE)},params=[pparam("observationId")],reqbody=body("NewRating"),opid="rate")},
 "/api/v1/observations/{observationId}/flags":{"post":op("Flag an observation for review: opens a case or joins the active one","observations",{**ok("Case","201","Created"),**err(*WRITE)},params=[pparam("observationId")],reqbody=body("NewFlag"),opid="flag")},
 "/api/v1/recordings":{"get":op("Recordings (an employer: its own staff's; a moderator: those of assigned cases)","recordings",{**ok("RecordingPage"),**err(*READ)},params=pageq+[q("observationId",uuid),q("status",{"type":"string","enum":recstat})],opid="listRecordings")},
 "/api/v1/recordings/{recordingId}":{"get":op("A recording, its status and its indexing job","recordings",{**ok("RecordingDetail"),**err(*READ)},params=[rid],opid="getRecording")},
 "/api/v1/recordings/{recordingId}/index":{"get":op("The index report: probe, keyframe timeline, discontinuities, proxy","recordings",{"200":{"description":"The index report of `obsreview index --json`","content":{"application/json":{"schema":{"type":"object"}}}},**err(*READ)},params=[rid],opid="getRecordingIndex")},
 "/api/v1/recordings/{recordingId}/media":{
   "get":op("Stream the original file (Range); each viewing is audited","recordings",media_responses(["video/mp4","video/quicktime","video/webm","video/x-matroska","video/x-msvideo","video/mp2t","video/x-ms-wmv","video/mpeg","application/octet-stream"]),params=[rid]+rangeh,opid="streamMedia"),
   "head":op("The original file's headers","recordings",head_responses,params=[rid],opid="headMedia")},
 "/api/v1/recordings/{recordingId}/proxy":{
   "get":op("Stream the browser-playable proxy (Range); each viewing is audited","recordings",media_responses(["video/mp4","video/webm"]),params=[rid]+rangeh,opid="streamProxy"),
   "head":op("The proxy's headers","recordings",head_responses,params=[rid],opid="headProxy")},
 "/api/v1/recordings/{recordingId}/thumbnails/{n}":{"get":op("Thumbnail n (0 is the poster)","recordings",{"200":{"description":"JPEG","content":{"image/jpeg":{"schema":{"type":"string","format":"binary"}}}},"304":{"description":"Not modified"},**err("400","401","403","404","416")},params=[rid,pparam("n",{"type":"integer","minimum":0,"maximum":999})],opid="getThumbnail")},
 "/api/v1/cases":{"get":op("Cases (an employer: its own; a moderator: assigned ones, blind)","cases",{**ok("CasePage"),**err(*READ)},params=pageq+[q("state",{"type":"string","enum":states}),q("employerId",uuid)],opid="listCases")},
 "/api/v1/cases/{caseId}":{"get":op("A case","cases",{**ok("Case"),**err(*READ)},params=[pparam("caseId")],opid="getCase")},
 "/api/v1/cases/{caseId}/transitions":{"post":op("Move a case on (per the case's role table); expectedVersion guards against concurrent changes","cases",{**ok("Case"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("Transition"),opid="transition")},
 "/api/v1/cases/{caseId}/assignments":{"post":op("Assign a moderator to a case (lead)","cases",{**ok("Assignment","201","Created"),**err(*WRITE)},params=[pparam("caseId")],reqbody=body("NewAssignment"),opid="assign")},
 "/api/v1/audit":{"get":op("The hash-chained audit trail (auditor, lead, administrator)","audit",{**ok("AuditEntryPage"),**err(*READ)},params=pageq+[q("after",{"type":"integer","minimum":0,"maximum":INT64_MAX}),{**q("subjectType",{"type":"string","minLength":1}),"description":"Give with subjectId (400 otherwise)"},{**q("subjectId",{"type":"string","minLength":1}),"description":"Give with subjectType (400 otherwise)"}],opid="listAudit")},
}
doc={"openapi":"3.1.0","info":{"title":"ObservationReview API","version":"1.0.0","description":"Moderation and review of video-recorded practice observations. Sign in with POST /api/v1/session (cookie; send X-CSRF-Token on changes) or use an API token as a bearer token. Errors are {\"error\": {\"code\", \"message\"}}. Resumable uploads use the tus 1.0.0 protocol at /uploads/ (not described here; see docs/decisions/0005-resumable-uploads.md)."},
 "servers":[{"url":"/"}],
 "security":[{"bearerAuth":[]},{"cookieAuth":[]}],
 "tags":[{"name":t} for t in ["operations","session","directory","observations","recordings","cases","audit"]],
 "paths":P,
 "components":{"securitySchemes":{"bearerAuth":{"type":"http","scheme":"bearer","description":"An API token from POST /api/v1/tokens"},"cookieAuth":{"type":"apiKey","in":"cookie","name":"obsreview_session"}},"schemas":S}}
text=json.dumps(doc,indent=2,sort_keys=False)
assert '"""#' not in text
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'Sources', 'ReviewServer', 'API', 'OpenAPIDocument.swift'), 'w').write(
 "// The OpenAPI 3.1 description of the JSON API, served at /openapi.json. Kept true by RouteCoverageTests\n"
 "// (every API route is here and nothing else) and by schemathesis against the live server (scripts/check-api.sh).\n"
 "// Generated by scripts/gen-openapi.py: edit that, run it, commit both.\n"
 "// The shapes are those of API/Representations.swift; edit both together.\n"
 "enum OpenAPIDocument {\n    static let json = #\"\"\"\n"+text+"\n\"\"\"#\n}\n")
print('wrote OpenAPIDocument.swift:', len(text), 'characters')
