-- Login locks (issue 15). Throttling is keyed by one user name from one client address
-- (`name|<name>|<address>`), and by one address whatever the names (`addr|<address>`), so
-- failures from one address never lock the same user out from another. A lock's `level`
-- doubles its length each time it is re-locked soon after ending (backoff). Attempts while
-- locked are not audited one by one: `refused` counts them, and one audit line per lock
-- period carries the count once the lock has ended.
CREATE TABLE login_locks (
    key      TEXT PRIMARY KEY,
    name     TEXT NOT NULL DEFAULT '',      -- the user name as typed (at most 64 characters)
    ip       TEXT NOT NULL DEFAULT '',
    until_ms INTEGER NOT NULL,
    level    INTEGER NOT NULL,
    refused  INTEGER NOT NULL DEFAULT 0,
    reported INTEGER NOT NULL DEFAULT 0     -- 1 once the ended lock's count is in the audit log
);
CREATE INDEX login_locks_name ON login_locks (name);

-- Failures from before this migration were keyed by name alone; they no longer apply.
DELETE FROM login_failures;
