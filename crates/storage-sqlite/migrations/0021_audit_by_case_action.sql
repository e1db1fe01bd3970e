-- Issue 16: who made a case's standing decision (the last change a staff
-- member made to it) is read by case and action, newest first, through this
-- index: never by reading the whole audit log.
CREATE INDEX audit_log_by_case_action ON audit_log (case_reference, action, sequence);
