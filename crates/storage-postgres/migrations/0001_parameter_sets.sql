-- The law each running binary carried (see storage-sqlite's twin).
CREATE TABLE parameter_sets (
    version TEXT PRIMARY KEY NOT NULL,
    files_json TEXT NOT NULL,
    first_seen_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
