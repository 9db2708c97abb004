//! Containers, behind our own trait. `docker` (bollard, through the socket proxy) is the only
//! module that imports bollard; the lifecycle code and its unit tests see only this trait.

mod docker;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use futures_util::Stream;

pub use docker::DockerRuntime;

/// Label marking containers the control plane manages (the proxy requires it).
pub const MANAGED_LABEL: &str = "io.tradebot.managed";
/// Label prefix of every label we set.
pub const LABEL_PREFIX: &str = "io.tradebot.";
/// Container names start with this (the proxy requires it).
pub const NAME_PREFIX: &str = "tradebot-bot-";

/// What a bot container is made of. Env values may be secret (the wrapping token): this type
/// has no Debug output of them.
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub env: Vec<(String, secrecy::SecretString)>,
    pub labels: HashMap<String, String>,
    pub network: String,
    pub memory_bytes: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub stop_timeout_secs: i64,
    pub logs: LogLimits,
}

/// Bounds of a container's json-file log: rotated at `max_size`, at most `max_file` files.
/// Built only by [`LogLimits::new`], which refuses what the engine would not bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLimits {
    max_size: String,
    max_file: u32,
}

impl LogLimits {
    /// `max_size` as the engine writes it (`<digits>[k|m|g]`, not zero), `max_file` 1 or more.
    pub fn new(max_size: &str, max_file: u32) -> Result<Self, String> {
        let digits = max_size.trim_end_matches(['k', 'm', 'g', 'K', 'M', 'G']);
        let suffixes = max_size.len() - digits.len();
        let size_ok = suffixes <= 1
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u64>().is_ok_and(|n| n > 0);
        if !size_ok {
            return Err(format!(
                "log max-size {max_size:?}: a size like 10m (digits, then k, m or g; not zero)"
            ));
        }
        if max_file == 0 {
            return Err("log max-file must be at least 1".into());
        }
        Ok(Self {
            max_size: max_size.to_owned(),
            max_file,
        })
    }

    pub fn max_size(&self) -> &str {
        &self.max_size
    }

    pub fn max_file(&self) -> u32 {
        self.max_file
    }
}

impl std::fmt::Debug for ContainerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerSpec")
            .field("name", &self.name)
            .field("image", &self.image)
            .field(
                "env",
                &self.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            )
            .field("labels", &self.labels)
            .field("logs", &self.logs)
            .finish_non_exhaustive()
    }
}

/// A managed container as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub labels: HashMap<String, String>,
    /// `created`, `running`, `exited`, `dead`, ...
    pub state: String,
    pub exit_code: Option<i64>,
    /// True when the engine killed it for memory.
    pub oom_killed: bool,
}

/// A container lifecycle event (`die`, `start`, `destroy`, ...), managed containers only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub id: String,
    pub action: String,
    pub labels: HashMap<String, String>,
    pub exit_code: Option<i64>,
}

pub type LineStream = Pin<Box<dyn Stream<Item = Result<String, RuntimeError>> + Send>>;
pub type EventStream = Pin<Box<dyn Stream<Item = Result<ContainerEvent, RuntimeError>> + Send>>;

/// Why a container operation failed. `Display` is safe to show an operator: it names the
/// class of failure and never carries the engine's own error text, env values or addresses
/// (the runtime module logs the full cause once, where it maps the error). The one text kept
/// is the socket proxy's refusal reason: the proxy is ours and writes it for operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    /// No answer from the socket proxy (connection refused, reset, timed out).
    #[error("the Docker socket proxy is unreachable")]
    Unreachable,
    /// The socket proxy's policy refused the request; the reason is the proxy's own words.
    #[error("the socket proxy refused: {0}")]
    Refused(String),
    /// The engine knows no such container.
    #[error("no such container")]
    NotFound,
    /// The engine refused or failed the request with HTTP `status` while trying to `action`
    /// (e.g. "create the container"); the engine's message is in the log only.
    #[error("the Docker engine could not {action} (HTTP {status})")]
    Engine { status: u16, action: &'static str },
    /// The engine's answer could not be read (a client-side failure of another kind).
    #[error("the Docker engine's answer to {action} could not be read")]
    Unexpected { action: &'static str },
    /// The dashboard's own Docker settings are wrong (e.g. a proxy token that is not a header).
    #[error("the Docker connection is misconfigured: {0}")]
    Config(&'static str),
}

/// Container operations the lifecycle needs (futures are `Send`: the lifecycle spawns tasks).
/// Implemented by [`DockerRuntime`]; unit tests use
/// fakes.
pub trait ContainerRuntime: Send + Sync + 'static {
    /// The engine (through the proxy) answers.
    fn ping(&self) -> impl Future<Output = Result<(), RuntimeError>> + Send;
    /// Creates and starts; returns the container id. On a failed start the container is removed.
    fn create_and_start(
        &self,
        spec: ContainerSpec,
    ) -> impl Future<Output = Result<String, RuntimeError>> + Send;
    /// SIGTERM, then SIGKILL after `grace_secs`.
    fn stop(
        &self,
        id: &str,
        grace_secs: i64,
    ) -> impl Future<Output = Result<(), RuntimeError>> + Send;
    /// Removes a stopped container (force: also a running one).
    fn remove(
        &self,
        id: &str,
        force: bool,
    ) -> impl Future<Output = Result<(), RuntimeError>> + Send;
    fn inspect(&self, id: &str)
        -> impl Future<Output = Result<ContainerInfo, RuntimeError>> + Send;
    /// Every managed container, running or not.
    fn list_managed(&self)
        -> impl Future<Output = Result<Vec<ContainerInfo>, RuntimeError>> + Send;
    /// The last `tail` lines of stdout+stderr.
    fn tail_logs(
        &self,
        id: &str,
        tail: usize,
    ) -> impl Future<Output = Result<Vec<String>, RuntimeError>> + Send;
    /// stdout lines as they come (from the start when `from_start`, else new lines only).
    fn follow_stdout(&self, id: &str, from_start: bool) -> LineStream;
    /// stdout and stderr lines: the last `tail`, then new ones as they come (log pages).
    fn follow_logs(&self, id: &str, tail: usize) -> LineStream;
    /// Lifecycle events of managed containers, from now on.
    fn events(&self) -> EventStream;
}

#[cfg(test)]
mod tests {
    use super::LogLimits;

    #[test]
    fn log_limits_are_bounded_sizes_and_counts() {
        for ok in ["1", "10m", "512k", "1g", "10M"] {
            assert!(LogLimits::new(ok, 1).is_ok(), "{ok}");
        }
        for bad in ["", "0", "0m", "m", "10mb", "1.5m", "-1m", "10mm", " 10m"] {
            assert!(LogLimits::new(bad, 3).is_err(), "{bad:?}");
        }
        assert!(LogLimits::new("10m", 0).is_err());
        let l = LogLimits::new("10m", 3).unwrap();
        assert_eq!((l.max_size(), l.max_file()), ("10m", 3));
    }
}
