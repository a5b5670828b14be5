#!/bin/sh
# Copies the audit tables built by mk.sql (src.sqlite) into x.sqlite (a copy of a migrated empty database) as an import
# does: the subject index built after, one transaction, foreign keys on. Timed in CPU and wall time.
#   run.sh 4|7 [MEMORY|DEFAULT]   (the ids as imported or rewritten as version 7; where the statement journal goes)
set -eu
version=$1; temp_store=${2:-MEMORY}
/usr/bin/time -f "%U user %S sys %e wall" sqlite3 x.sqlite <<SQL
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -262144;
PRAGMA temp_store = $temp_store;
ATTACH 'src.sqlite' AS s;
BEGIN;
DROP INDEX audit_events_subject;
INSERT INTO main.audit_events SELECT * FROM s.ae$version WHERE 1;
INSERT INTO main.audit_event_personal SELECT * FROM s.aep$version WHERE 1;
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, sequence);
COMMIT;
SQL
