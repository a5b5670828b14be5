-- sqlite3 src.sqlite < mk.sql, next to old-import.sqlite: a database imported before decision 40 (version 4 ids).
-- Builds ae4/aep4 (the audit tables as imported) and ae7/aep7 (the same rows, ids rewritten as version 7 in sequence order).
-- Then: cp a migrated empty database to x.sqlite; run.sh 7 (or run.sh 4, run.sh 4 DEFAULT).
ATTACH 'old-import.sqlite' AS o;
PRAGMA cache_size = -262144;
BEGIN;
CREATE TABLE ae4 AS SELECT * FROM o.audit_events;
CREATE TABLE aep4 AS SELECT * FROM o.audit_event_personal;
CREATE TABLE m (old TEXT PRIMARY KEY, new TEXT) WITHOUT ROWID;
INSERT INTO m SELECT id, printf('%08x-%04x-7%03x-%04x-%012x', (1796000000000 + sequence / 50) >> 16, (1796000000000 + sequence / 50) & 65535,
  abs(random()) % 4096, 32768 | (abs(random()) % 16384), abs(random()) % 281474976710656) FROM o.audit_events;
CREATE TABLE ae7 AS SELECT sequence, m.new AS id, at, actor_id, action, subject_type, subject_id, reason, details, previous_hash, hash
  FROM o.audit_events JOIN m ON m.old = audit_events.id ORDER BY sequence;
CREATE TABLE aep7 AS SELECT m.new AS event_id, p.reason, p.details FROM o.audit_event_personal p JOIN m ON m.old = p.event_id ORDER BY p.rowid;
COMMIT;
SELECT count(*), min(id), max(id) FROM ae7; SELECT count(*) FROM aep7;
