-- Every launch of a bot (one per container). The accessor lets the dashboard revoke the bot's
-- Vault token after a restart of its own; it is not a secret (it cannot read anything).
CREATE TABLE launches (
    launch_id   TEXT PRIMARY KEY,
    bot_id      TEXT NOT NULL,
    wallet      TEXT NOT NULL,
    market      TEXT NOT NULL,
    bot_type    TEXT NOT NULL,
    params      TEXT NOT NULL,
    operator    TEXT NOT NULL,
    allow_shared INTEGER NOT NULL DEFAULT 0,
    accessor    TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX launches_bot ON launches (bot_id);

-- Why each run ended: the answer to "why did it stop".
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id      TEXT NOT NULL,
    launch_id   TEXT NOT NULL,
    wallet      TEXT NOT NULL,
    market      TEXT NOT NULL,
    bot_type    TEXT NOT NULL,
    operator    TEXT NOT NULL,
    started_ms  INTEGER NOT NULL,
    ended_ms    INTEGER NOT NULL,
    outcome     TEXT NOT NULL,      -- stopped | crashed | failed
    exit_code   INTEGER,
    reason      TEXT NOT NULL,
    final_pnl   TEXT,
    last_logs   TEXT NOT NULL       -- last 200 lines, newline-separated
);
CREATE INDEX runs_bot ON runs (bot_id, ended_ms);

-- PnL history from status events (sampled).
CREATE TABLE pnl_points (
    bot_id      TEXT NOT NULL,
    ts_ms       INTEGER NOT NULL,
    pnl         TEXT NOT NULL,
    position    TEXT
);
CREATE INDEX pnl_points_bot ON pnl_points (bot_id, ts_ms);
