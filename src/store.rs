//! The dashboard's own database (SQLite via sqlx, migrations in migrations/): launches, run
//! archive, PnL history. Vault stays the only home of secrets: nothing here is one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The data directory (`None`: in memory).
    dir: Option<Arc<PathBuf>>,
}

/// Room a start needs on the data volume, in bytes: far more than its rows (a launch, an
/// audit entry, later its run with 200 log lines), so the rows of what runs still fit.
pub const START_ROOM_BYTES: usize = 1 << 20;

/// A launch as recorded at start.
#[derive(Debug, Clone)]
pub struct Launch {
    pub launch_id: String,
    pub bot_id: String,
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    pub params: String,
    pub operator: String,
    pub accessor: String,
    pub created_ms: i64,
}

/// How a run ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Run {
    pub bot_id: String,
    pub launch_id: String,
    pub wallet: String,
    pub market: String,
    pub bot_type: String,
    pub operator: String,
    pub started_ms: i64,
    pub ended_ms: i64,
    /// stopped | crashed | failed
    pub outcome: String,
    pub exit_code: Option<i64>,
    pub reason: String,
    pub final_pnl: Option<String>,
    pub last_logs: Vec<String>,
}

impl Store {
    /// Opens (creating) `<dir>/tradebot.db` and applies migrations.
    pub async fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let url = format!("sqlite://{}", dir.join("tradebot.db").display());
        let mut store = Self::connect(&url).await?;
        store.dir = Some(Arc::new(dir.to_owned()));
        Ok(store)
    }

    /// An in-memory database (tests).
    pub async fn memory() -> anyhow::Result<Self> {
        Self::connect("sqlite::memory:").await
    }

    async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        // One connection for :memory: (each connection would be its own database).
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, dir: None })
    }

    /// Whether the data volume has [`START_ROOM_BYTES`] free: that many bytes are written and
    /// synced to a scratch file in the data directory, then removed (no statvfs: quotas and
    /// reserved blocks count as the kernel counts them). An in-memory store always has room.
    /// Errors: the write's error (`StorageFull` or `QuotaExceeded` when full, see [`is_full`]).
    pub async fn check_room(&self) -> std::io::Result<()> {
        let Some(dir) = self.dir.clone() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || {
            let path = dir.join(format!(".room-check-{:016x}", rand::random::<u64>()));
            let written = std::fs::File::create(&path).and_then(|mut f| {
                f.write_all(&vec![0u8; START_ROOM_BYTES])?;
                f.sync_all()
            });
            let _ = std::fs::remove_file(&path);
            written
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// The pool, for modules that keep their own tables (accounts, audit).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn record_launch(&self, l: &Launch) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO launches (launch_id, bot_id, wallet, market, bot_type, params, operator, accessor, created_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&l.launch_id)
        .bind(&l.bot_id)
        .bind(&l.wallet)
        .bind(&l.market)
        .bind(&l.bot_type)
        .bind(&l.params)
        .bind(&l.operator)
        .bind(&l.accessor)
        .bind(l.created_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn launch(&self, launch_id: &str) -> anyhow::Result<Option<Launch>> {
        let row = sqlx::query("SELECT * FROM launches WHERE launch_id = ?")
            .bind(launch_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Launch {
            launch_id: r.get("launch_id"),
            bot_id: r.get("bot_id"),
            wallet: r.get("wallet"),
            market: r.get("market"),
            bot_type: r.get("bot_type"),
            params: r.get("params"),
            operator: r.get("operator"),
            accessor: r.get("accessor"),
            created_ms: r.get("created_ms"),
        }))
    }

    pub async fn archive_run(&self, run: &Run) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO runs (bot_id, launch_id, wallet, market, bot_type, operator, started_ms, ended_ms, outcome, exit_code, reason, final_pnl, last_logs)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&run.bot_id)
        .bind(&run.launch_id)
        .bind(&run.wallet)
        .bind(&run.market)
        .bind(&run.bot_type)
        .bind(&run.operator)
        .bind(run.started_ms)
        .bind(run.ended_ms)
        .bind(&run.outcome)
        .bind(run.exit_code)
        .bind(&run.reason)
        .bind(&run.final_pnl)
        .bind(run.last_logs.join("\n"))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Runs of one bot, newest first.
    pub async fn runs(&self, bot_id: &str, limit: i64) -> anyhow::Result<Vec<Run>> {
        let rows = sqlx::query("SELECT * FROM runs WHERE bot_id = ? ORDER BY id DESC LIMIT ?")
            .bind(bot_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Run {
                bot_id: r.get("bot_id"),
                launch_id: r.get("launch_id"),
                wallet: r.get("wallet"),
                market: r.get("market"),
                bot_type: r.get("bot_type"),
                operator: r.get("operator"),
                started_ms: r.get("started_ms"),
                ended_ms: r.get("ended_ms"),
                outcome: r.get("outcome"),
                exit_code: r.get("exit_code"),
                reason: r.get("reason"),
                final_pnl: r.get("final_pnl"),
                last_logs: r
                    .get::<String, _>("last_logs")
                    .lines()
                    .map(str::to_owned)
                    .collect(),
            })
            .collect())
    }

    /// One PnL point (`pnl`: the run's realized + unrealized, quote units) of `bot_id`'s run
    /// `launch_id` at `ts_ms`.
    pub async fn add_pnl_point(
        &self,
        bot_id: &str,
        launch_id: Option<&str>,
        ts_ms: i64,
        pnl: &str,
        position: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO pnl_points (bot_id, launch_id, ts_ms, pnl, position) VALUES (?, ?, ?, ?, ?)",
        )
            .bind(bot_id)
            .bind(launch_id)
            .bind(ts_ms)
            .bind(pnl)
            .bind(position)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The last PnL point of `bot_id` at or before `ts_ms`: (ts_ms, launch_id, pnl).
    pub async fn pnl_point_at(
        &self,
        bot_id: &str,
        ts_ms: i64,
    ) -> anyhow::Result<Option<(i64, Option<String>, String)>> {
        let row = sqlx::query(
            "SELECT ts_ms, launch_id, pnl FROM pnl_points WHERE bot_id = ? AND ts_ms <= ? \
             ORDER BY ts_ms DESC LIMIT 1",
        )
        .bind(bot_id)
        .bind(ts_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    /// PnL history of one bot, oldest first: (ts_ms, pnl).
    pub async fn pnl_history(
        &self,
        bot_id: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT ts_ms, pnl FROM (SELECT ts_ms, pnl FROM pnl_points WHERE bot_id = ? ORDER BY ts_ms DESC LIMIT ?) ORDER BY ts_ms",
        )
        .bind(bot_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

/// Whether `e` (from a store method or [`Store::check_room`]) says the data volume is full:
/// SQLite's `SQLITE_FULL` (13, "database or disk is full") or the OS's `ENOSPC`/`EDQUOT`.
pub fn is_full(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io_full(io);
        }
        match cause.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|c| c == "13") || db.message().contains("disk is full")
            }
            Some(sqlx::Error::Io(io)) => io_full(io),
            _ => false,
        }
    })
}

/// `ENOSPC` or `EDQUOT`.
pub fn io_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn launches_runs_and_pnl_roundtrip() {
        let store = Store::memory().await.unwrap();
        let launch = Launch {
            launch_id: "l1".into(),
            bot_id: "b1".into(),
            wallet: "demo".into(),
            market: "INJ/USDT".into(),
            bot_type: "grid".into(),
            params: "{}".into(),
            operator: "alice".into(),
            accessor: "acc".into(),
            created_ms: 5,
        };
        store.record_launch(&launch).await.unwrap();
        assert_eq!(store.launch("l1").await.unwrap().unwrap().accessor, "acc");
        assert!(store.launch("nope").await.unwrap().is_none());
        let run = Run {
            bot_id: "b1".into(),
            launch_id: "l1".into(),
            wallet: "demo".into(),
            market: "INJ/USDT".into(),
            bot_type: "grid".into(),
            operator: "alice".into(),
            started_ms: 5,
            ended_ms: 9,
            outcome: "crashed".into(),
            exit_code: Some(137),
            reason: "killed".into(),
            final_pnl: Some("1.5".into()),
            last_logs: vec!["a".into(), "b".into()],
        };
        store.archive_run(&run).await.unwrap();
        assert_eq!(store.runs("b1", 10).await.unwrap(), vec![run]);
        for t in 0..5 {
            store
                .add_pnl_point("b1", Some("l1"), t, &t.to_string(), None)
                .await
                .unwrap();
        }
        let h = store.pnl_history("b1", 3).await.unwrap();
        assert_eq!(h.iter().map(|p| p.0).collect::<Vec<_>>(), vec![2, 3, 4]);
        let at = store.pnl_point_at("b1", 3).await.unwrap();
        assert_eq!(at, Some((3, Some("l1".into()), "3".into())));
        assert_eq!(store.pnl_point_at("b1", -1).await.unwrap(), None);
    }
}
