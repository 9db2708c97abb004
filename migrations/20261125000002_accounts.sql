-- Dashboard accounts, their sessions and API tokens, login throttling, and the audit log.
-- Secrets are never stored: passwords as Argon2id PHC strings, session and API tokens as the
-- hex SHA-256 of the value the client holds.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    name                 TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash        TEXT NOT NULL,
    -- Set for the generated first admin and after an admin reset: every page sends the user
    -- to /account until they choose their own password.
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_ms           INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,          -- SHA-256 (hex) of the cookie's random token
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,             -- per-session CSRF token (not a credential alone)
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,      -- SHA-256 (hex) of `tb_...`
    created_ms   INTEGER NOT NULL,
    last_used_ms INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins by key (`user:<name>` or `ip:<address>`); a lockout is derived from them, so
-- it survives restarts. Old rows are pruned as new ones arrive.
CREATE TABLE login_failures (
    key   TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, ts_ms);

-- Who did what, when, from where, and how it ended. Append-only: the triggers below refuse
-- every UPDATE and DELETE, so even a bug (or a curious SQL shell) cannot rewrite history.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    ip      TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',     -- JSON object
    result  TEXT NOT NULL                   -- ok | denied | error
);
CREATE INDEX audit_ts ON audit (ts_ms);
CREATE INDEX audit_actor ON audit (actor, ts_ms);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
