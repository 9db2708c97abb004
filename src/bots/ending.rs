//! Why a bot's container ended, in one table: from the evidence the engine and the bot leave
//! behind (exit code, `OOMKilled`, the container gone, the bot's own `stopped` event, an
//! operator's stop) to what the page says, what the lifecycle does next and what the operator
//! should do. docs/DASHBOARD.md ("Why it stopped") is this table in prose; a test keeps the
//! two in step.
//!
//! The bot's exit codes are its own (bot/src/main.rs, bot/src/startup/mod.rs): 0 after an
//! orderly stop (orders cancelled), 1 when the venue failed, 2 for a refused spec, 10-14 for
//! the secure start-up's failures, 20 when it halted itself as stuck (the same order refused
//! again and again), 21 when its permission to trade (grant, fee allowance) is gone. A code above 128 is a signal (128 + its number). docs/BOT_EVENTS.md has
//! the bot's side of each code.

use serde::Serialize;

/// How a container ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Ending {
    /// A stop from the dashboard (or the API, CLI, kill switch).
    StoppedByOperator,
    /// Exit 0 after the bot's own `stopped` event for a signal nobody in the dashboard sent
    /// (`docker stop` from a shell).
    StoppedOutside,
    /// Exit 0 for another reason (end of replayed data), or without a `stopped` event.
    Finished,
    /// Exit 1: the venue failed; the bot cancelled what it could.
    VenueFailed,
    /// Exit 2: its spec or parameters were refused.
    BadSpec,
    /// Exit 10: tampering suspected at start-up (the wrapping token was not as issued).
    Tampering,
    /// Exit 11: Vault unreachable at start-up.
    VaultUnreachable,
    /// Exit 12: Vault refused the bot's token (revoked, expired, wrong network).
    VaultRefused,
    /// Exit 13: the wallet key in Vault is malformed.
    MalformedKey,
    /// Exit 14: the bot's start-up configuration (token env) is wrong.
    StartupConfig,
    /// Exit 20: stuck: its orders were refused again and again for one reason (e.g. a size
    /// below the market's minimum notional); the bot halted and cancelled its orders.
    Stuck,
    /// Exit 21: its permission to trade is gone (a delegated key's authz grant or fee
    /// allowance revoked, expired or spent).
    PermissionGone,
    /// Another exit code (or none the engine could tell).
    OtherExit(Option<i64>),
    /// Killed by signal N (exit code 128 + N): SIGKILL is 9.
    Signal(i64),
    /// The engine killed it for memory (`OOMKilled`).
    OutOfMemory,
    /// The container was removed by someone else (no exit code left to read).
    RemovedOutside,
}

/// What the lifecycle does after an ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// The bot is `stopped`; nothing is relaunched.
    StayStopped,
    /// A crash: relaunch with backoff (the new run's start-up cancels every resting order);
    /// past the restart budget the bot is `failed`.
    Restart,
    /// The bot is `failed` at once: relaunching cannot help.
    Fail,
}

/// When the dashboard learnt of the ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// From the engine's `die` event, as it happened (or from a stop the dashboard made).
    Live,
    /// From the engine's list after the event stream came back (the event was missed).
    AfterGap,
    /// At recovery: the bot ended while the dashboard was down.
    WhileDown,
}

/// What the engine and the bot left behind, read once the container has ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// The engine no longer knows the container, or is removing it (`docker rm -f`).
    pub gone: bool,
    /// The reason of the bot's last `stopped` event (`sigterm`, `sigint`, `end_of_data`).
    pub stopped_event: Option<String>,
    /// The operator whose stop ended it.
    pub by_operator: Option<String>,
}

/// One row of the table: what the page says, what comes next, what the operator should do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub ending: Ending,
    pub seen: Seen,
    pub exit_code: Option<i64>,
    /// What the page and the API say.
    pub says: String,
    pub next: Next,
    /// What the operator should do.
    pub advice: &'static str,
}

impl Ending {
    /// The ending the evidence shows. An operator's stop wins (its exit code is in the text);
    /// then a vanished container, the OOM killer, and the exit code.
    pub fn classify(e: &Evidence) -> Self {
        if e.by_operator.is_some() {
            return Self::StoppedByOperator;
        }
        if e.gone {
            return Self::RemovedOutside;
        }
        if e.oom_killed {
            return Self::OutOfMemory;
        }
        match e.exit_code {
            Some(0) => match e.stopped_event.as_deref() {
                Some("sigterm" | "sigint") => Self::StoppedOutside,
                _ => Self::Finished,
            },
            Some(1) => Self::VenueFailed,
            Some(2) => Self::BadSpec,
            Some(10) => Self::Tampering,
            Some(11) => Self::VaultUnreachable,
            Some(12) => Self::VaultRefused,
            Some(13) => Self::MalformedKey,
            Some(14) => Self::StartupConfig,
            Some(20) => Self::Stuck,
            Some(21) => Self::PermissionGone,
            Some(c @ 129..=192) => Self::Signal(c - 128),
            other => Self::OtherExit(other),
        }
    }

    /// The table, as one row: what the page says (without prefixes), what comes next, and
    /// what the operator should do.
    pub fn row(self) -> (String, Next, &'static str) {
        (self.says(), self.next(), self.advice())
    }

    fn says(self) -> String {
        match self {
            Self::StoppedByOperator => "stopped by an operator".into(),
            Self::StoppedOutside => {
                "stopped outside the dashboard (docker stop); it cancelled its orders".into()
            }
            Self::Finished => "finished by itself (exit code 0)".into(),
            Self::VenueFailed => "the venue failed (exit code 1); it cancelled what it could".into(),
            Self::BadSpec => "its spec or parameters were refused (exit code 2)".into(),
            Self::Tampering => "tampering suspected at start-up (exit code 10): its wrapping token was not as issued".into(),
            Self::VaultUnreachable => "Vault was unreachable at start-up (exit code 11)".into(),
            Self::VaultRefused => "Vault refused its token (exit code 12)".into(),
            Self::MalformedKey => "the wallet key in Vault is malformed (exit code 13)".into(),
            Self::StartupConfig => "its start-up configuration was wrong (exit code 14)".into(),
            Self::PermissionGone => "its permission to trade is gone: the trading grant or fee allowance was revoked, expired or spent (exit code 21)".into(),
            Self::Stuck => "stuck: its orders were refused again and again for one reason (exit code 20); it cancelled its orders".into(),
            Self::OtherExit(Some(c)) => format!("exited by itself with exit code {c}"),
            Self::OtherExit(None) => "ended; the engine did not say how".into(),
            Self::Signal(n) => format!("killed by signal {} (exit code {})", signal_name(n), 128 + n),
            Self::OutOfMemory => "killed by the engine: out of memory (OOMKilled)".into(),
            Self::RemovedOutside => "its container was removed outside the dashboard; orders may be resting on the venue".into(),
        }
    }

    fn next(self) -> Next {
        match self {
            Self::StoppedByOperator | Self::StoppedOutside | Self::Finished => Next::StayStopped,
            Self::VenueFailed
            | Self::VaultUnreachable
            | Self::OtherExit(_)
            | Self::Signal(_)
            | Self::OutOfMemory => Next::Restart,
            Self::BadSpec
            | Self::Tampering
            | Self::VaultRefused
            | Self::MalformedKey
            | Self::StartupConfig
            | Self::Stuck
            | Self::PermissionGone
            | Self::RemovedOutside => Next::Fail,
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Self::StoppedByOperator => "nothing: start it again when wanted",
            Self::StoppedOutside => "find who stopped it (docker events, host logs); start it again from the dashboard if wanted",
            Self::Finished => "nothing: it ended in order; start it again when wanted",
            Self::VenueFailed => "check the venue (network, chain, market status); it is relaunched with backoff",
            Self::BadSpec => "fix the parameters or the dashboard's bot settings, then start a new bot",
            Self::Tampering => "treat it as a security incident: check Vault's audit log for who unwrapped the token; do not restart before you know",
            Self::VaultUnreachable => "check Vault and the bots network; it is relaunched with backoff",
            Self::VaultRefused => "check the bot policy, the token's network binding and Vault's audit log, then restart it",
            Self::MalformedKey => "re-import the wallet key (tradebot keys import), then restart it",
            Self::StartupConfig => "check the image and the dashboard's bot settings, then restart it",
            Self::PermissionGone => "renew the bot key's grant and fee allowance (devops: `tradebot keys grant --wallet W --market M`), then start a new bot",
            Self::Stuck => "read the refusal in its last log lines (order size against the market's minimum, the wallet's balance), fix it, then start a new bot",
            Self::OtherExit(_) => "read its last log lines; it is relaunched with backoff",
            Self::Signal(_) => "find who killed it (docker events, host logs); it is relaunched with backoff, whose start-up cancels any order left resting",
            Self::OutOfMemory => "raise bots.memory_bytes if it happens again; it is relaunched with backoff",
            Self::RemovedOutside => "restart it (its start-up cancels resting orders) or cancel its orders on the venue",
        }
    }

    /// The kind's name in the API (`stopped_outside`, `signal`, ...).
    pub fn kind(self) -> &'static str {
        match self {
            Self::StoppedByOperator => "stopped_by_operator",
            Self::StoppedOutside => "stopped_outside",
            Self::Finished => "finished",
            Self::VenueFailed => "venue_failed",
            Self::BadSpec => "bad_spec",
            Self::Tampering => "tampering",
            Self::VaultUnreachable => "vault_unreachable",
            Self::VaultRefused => "vault_refused",
            Self::MalformedKey => "malformed_key",
            Self::StartupConfig => "startup_config",
            Self::Stuck => "stuck",
            Self::PermissionGone => "permission_gone",
            Self::OtherExit(_) => "other_exit",
            Self::Signal(_) => "signal",
            Self::OutOfMemory => "out_of_memory",
            Self::RemovedOutside => "removed_outside",
        }
    }
}

impl Verdict {
    /// The verdict on `evidence`, seen `seen`.
    pub fn of(evidence: &Evidence, seen: Seen) -> Self {
        let ending = Ending::classify(evidence);
        let (mut says, next, advice) = ending.row();
        if let Some(op) = &evidence.by_operator {
            says = match evidence.exit_code {
                Some(0) => format!("stopped by {op} (exit code 0)"),
                Some(c) => format!(
                    "stopped by {op} (exit code {c}: it did not stop in its grace period; orders may be resting)"
                ),
                None => format!("stopped by {op} (exit code unknown)"),
            };
        }
        match seen {
            Seen::Live => {}
            Seen::AfterGap => says.push_str(" (seen when the engine's event stream came back)"),
            Seen::WhileDown => says = format!("while the dashboard was down: {says}"),
        }
        Self {
            ending,
            seen,
            exit_code: evidence.exit_code,
            says,
            next,
            advice,
        }
    }
}

/// `SIGKILL` for 9, `SIGTERM` for 15, ...; `signal N` for the others.
fn signal_name(n: i64) -> String {
    let name = match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return format!("{n}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests;
