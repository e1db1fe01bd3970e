-- The blind index (issue 14): per party, keyed tokens of its normalised
-- searchable values (HMAC-SHA256 under a key derived from the sealing key;
-- see case-records' search.rs), never the values themselves. Written in
-- the same transaction as the parties and replaced whole with them; found
-- by (kind, token) alone, so a search never reads the cases.
CREATE TABLE search_index (
    case_reference TEXT NOT NULL,
    party TEXT NOT NULL,
    kind TEXT NOT NULL,
    token BYTEA NOT NULL CHECK (octet_length(token) = 32),
    PRIMARY KEY (case_reference, party, kind, token),
    FOREIGN KEY (case_reference, party) REFERENCES case_parties (case_reference, party) ON DELETE CASCADE
);
CREATE INDEX search_index_by_token ON search_index (kind, token, case_reference, party);
