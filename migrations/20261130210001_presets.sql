-- Presets (issue 16): a bot's parameters saved under a name, per market. The parameters passed
-- the very check a start runs (typed numbers and enums only: no field can hold a secret).

CREATE TABLE presets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,           -- 1-40 of [A-Za-z0-9 _.-]
    market     TEXT NOT NULL,
    bot_type   TEXT NOT NULL,
    params     TEXT NOT NULL,           -- JSON object
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE (market, name)
);
