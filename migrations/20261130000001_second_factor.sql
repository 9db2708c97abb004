-- Second factor (issue 15). The TOTP seed lives in Vault's `totp/` engine, never here: the
-- database keeps only whether it is pending or active, Argon2 hashes of recovery codes, and
-- half-signed-in logins (password checked, code not yet) by the SHA-256 of their cookie.

ALTER TABLE users ADD COLUMN totp_state TEXT NOT NULL DEFAULT 'none'
    CHECK (totp_state IN ('none', 'pending', 'active'));

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The code's first characters, to pick the one row to verify (not enough to guess it).
    lookup     TEXT NOT NULL,
    code_hash  TEXT NOT NULL,               -- Argon2id PHC string
    used_ms    INTEGER                      -- set once: a code works one time
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, lookup);

CREATE TABLE pending_logins (
    id         TEXT PRIMARY KEY,            -- SHA-256 (hex) of the second-step cookie's token
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_ms INTEGER NOT NULL,
    ip         TEXT NOT NULL DEFAULT ''
);
