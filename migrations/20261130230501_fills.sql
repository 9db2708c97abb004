-- Fills (issue 16): one row per fill event of a bot, as the bot sent it (decimals are the bot's
-- strings, summed with exact decimals when read). A dashboard that re-reads a bot's stdout
-- (re-attaching after a restart) inserts OR IGNOREs: `fill_key` is the venue's trade id when
-- the bot gives one, else `ts_ms/order_id/quantity/price/position` of the line, so one fill is
-- one row per launch.
CREATE TABLE fills (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id     TEXT NOT NULL,
    launch_id  TEXT NOT NULL,
    wallet     TEXT NOT NULL,
    market     TEXT NOT NULL,
    bot_type   TEXT NOT NULL,
    ts_ms      INTEGER NOT NULL,
    side       TEXT NOT NULL,       -- buy | sell
    price      TEXT NOT NULL,       -- quote per base
    quantity   TEXT NOT NULL,       -- base units
    fee        TEXT NOT NULL,       -- quote units (negative: rebate)
    liquidity  TEXT NOT NULL,       -- maker | taker | ''
    order_id   TEXT NOT NULL,
    trade_id   TEXT,
    fill_key   TEXT NOT NULL,
    UNIQUE (launch_id, fill_key)
);
CREATE INDEX fills_ts ON fills (ts_ms);
CREATE INDEX fills_wallet ON fills (wallet, ts_ms);
CREATE INDEX fills_bot ON fills (bot_id, ts_ms);

-- PnL points name their run, so a window's PnL can tell runs apart (each run starts at 0).
-- Points from before this migration have none; they are placed by time.
ALTER TABLE pnl_points ADD COLUMN launch_id TEXT;
