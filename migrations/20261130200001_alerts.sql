-- Alert webhooks (issue 16): where alerts go and which rules each target takes. A webhook URL
-- may carry a token of the receiving service (Slack, Discord, Telegram); it is shown back only
-- as its host and never written to the audit log or to any message.

CREATE TABLE alert_targets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    format     TEXT NOT NULL,          -- json | slack | discord | telegram
    url        TEXT NOT NULL,
    chat_id    TEXT NOT NULL DEFAULT '', -- Telegram only
    rules      TEXT NOT NULL,          -- JSON array of rule names
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
