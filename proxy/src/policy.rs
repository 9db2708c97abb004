//! The container-create policy: what a bot container may look like. A request body is parsed
//! strictly (see `json`), checked field by field against an allow-list, completed with the
//! hardening the caller left out, and re-serialised canonically. The daemon only ever sees our
//! re-serialisation, never the caller's bytes.
//!
//! Absent fields get the hardened default; given fields are checked as given and refused
//! unless allowed (`host_config` states the rule and its few meaning-preserving
//! normalisations).

mod fields;
mod host_config;
mod scope;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::json::parse_strict;
use fields::{canonical, given, int, string, strings, TOP};

/// The policy file (TOML). See proxy/policy.toml for the shipped one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `repo:tag` or `repo:tag@sha256:<64 hex>`. A create must name one entry exactly: a
    /// reference with a digest passes only when that digest is pinned here.
    pub images: Vec<String>,
    /// The only network a bot may join.
    pub network: String,
    /// Label that marks containers this proxy manages (value must be "true").
    pub managed_label: String,
    /// Label naming the stack a bot belongs to; its value must be [`Policy::stack`].
    pub stack_label: String,
    /// This stack's name (compose sets `PROXY_STACK` to the project name, as it sets the
    /// dashboard's `TRADEBOT_BOTS__STACK`). The proxy creates, lists and acts on this stack's
    /// bots only, so stacks sharing one engine cannot touch each other's bots.
    pub stack: String,
    /// Other labels must start with this prefix.
    pub label_prefix: String,
    /// Env variable names a bot may receive.
    pub env_allowed: Vec<String>,
    /// Env names whose values are never logged and are redacted from inspect responses.
    pub env_secret: Vec<String>,
    /// Container names must start with this prefix.
    pub name_prefix: String,
    /// `uid:gid`, both numeric and non-zero, used when a create gives no `User`.
    pub user_default: String,
    pub limits: Limits,
    /// Largest create body, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

fn default_max_body() -> usize {
    64 * 1024
}

/// Ceilings and defaults: memory in bytes, CPU in 1e-9 CPUs, pids as a count, tmpfs in bytes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub memory_default: i64,
    pub memory_max: i64,
    pub nano_cpus_default: i64,
    pub nano_cpus_max: i64,
    pub pids_default: i64,
    pub pids_max: i64,
    pub tmpfs_max_bytes: i64,
    /// Largest `max-size` of a bot's log file, in bytes; a create must give one.
    #[serde(default = "default_log_max_bytes")]
    pub log_max_bytes: i64,
    /// Most log files a bot may keep (`max-file`); a create must give it.
    #[serde(default = "default_log_max_files")]
    pub log_max_files: i64,
}

fn default_log_max_bytes() -> i64 {
    256 * 1024 * 1024
}

fn default_log_max_files() -> i64 {
    10
}

/// A refusal with a reason a human understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

fn deny<T>(reason: impl Into<String>) -> Result<T, Denied> {
    Err(Denied(reason.into()))
}

/// The checked, completed create request, ready to forward.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCreate {
    /// Canonical JSON body for the daemon.
    pub body: Value,
    /// For the decision log: image, env names (never values), labels.
    pub summary: String,
}

impl Policy {
    /// Parses and validates a policy file. Errors: TOML errors on one line, or what
    /// [`Policy::validate`] refuses.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let policy: Self = toml::from_str(text).map_err(|e| e.to_string().replace('\n', " "))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Refuses a policy that could not be enforced as written: an image entry with a digest
    /// other than `sha256:<64 lowercase hex>`, labels outside `label_prefix`, a stack name that
    /// is not a plain name, a default user that is not numeric and non-root. Run again after
    /// the environment overrides `network` or `stack`.
    pub fn validate(&self) -> Result<(), String> {
        for image in &self.images {
            let (name, digest) = image.split_once('@').unwrap_or((image, ""));
            let digest_ok = digest.is_empty()
                || digest.strip_prefix("sha256:").is_some_and(|h| {
                    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                });
            if name.is_empty() || !digest_ok {
                return Err(format!(
                    "images: {image:?} is not repo:tag or repo:tag@sha256:<64 hex>"
                ));
            }
        }
        for label in [&self.managed_label, &self.stack_label] {
            if !label.starts_with(&self.label_prefix) {
                return Err(format!(
                    "{label}: labels must start with {}",
                    self.label_prefix
                ));
            }
        }
        check_name_chars(&self.stack, "stack").map_err(|d| d.0)?;
        check_name_chars(&self.network, "network").map_err(|d| d.0)?;
        canonical_user(&self.user_default).map_err(|d| format!("user_default: {d}"))?;
        Ok(())
    }

    /// Checks a create body (`raw` bytes as received) and the `name` query parameter.
    pub fn check_create(&self, raw: &[u8], name: Option<&str>) -> Result<CheckedCreate, Denied> {
        if raw.len() > self.max_body_bytes {
            return deny(format!("body over {} bytes", self.max_body_bytes));
        }
        if let Some(name) = name {
            self.check_name(name)?;
        }
        let value = parse_strict(raw).map_err(|e| Denied(e.0))?;
        let top = canonical(&value, TOP, "body")?;
        let mut out = Map::new();

        let image = string(top.get("Image").copied().unwrap_or(&Value::Null), "Image")?;
        self.check_image(image)?;
        out.insert("Image".into(), json!(image));
        let env_names = self.check_env(given(&top, "Env"), &mut out)?;
        let labels = self.check_labels(top.get("Labels").copied())?;
        out.insert("Labels".into(), Value::Object(labels.clone()));
        self.check_process(&top, &mut out)?;
        out.insert(
            "HostConfig".into(),
            self.check_host_config(top.get("HostConfig").copied())?,
        );
        self.check_networking(top.get("NetworkingConfig").copied())?;
        out.insert(
            "NetworkingConfig".into(),
            json!({ "EndpointsConfig": { self.network.clone(): {} } }),
        );
        let summary = format!(
            "image={image} env_names={env_names:?} labels={:?}",
            labels.keys().collect::<Vec<_>>()
        );
        Ok(CheckedCreate {
            body: Value::Object(out),
            summary,
        })
    }

    fn check_name(&self, name: &str) -> Result<(), Denied> {
        check_name_chars(name, "name")?;
        if !name.starts_with(&self.name_prefix) {
            return deny(format!("name must start with {}", self.name_prefix));
        }
        Ok(())
    }

    /// Exactly one allow-list entry. A digest the allow-list does not pin is refused even
    /// with an allowed tag: the daemon resolves `repo:tag@digest` by the digest alone, so
    /// the tag would say nothing about what runs.
    fn check_image(&self, image: &str) -> Result<(), Denied> {
        if self.images.iter().any(|allowed| allowed == image) {
            return Ok(());
        }
        if image.contains('@') {
            return deny(format!(
                "image {image:?}: a digest must be pinned in the allow-list"
            ));
        }
        deny(format!("image {image:?} is not in the allow-list"))
    }

    /// Names from `env_allowed`, each once, as `NAME=value`; returns the names.
    fn check_env<'a>(
        &self,
        env: Option<&'a Value>,
        out: &mut Map<String, Value>,
    ) -> Result<Vec<&'a str>, Denied> {
        let Some(env) = env else {
            return Ok(Vec::new());
        };
        let entries = strings(env, "Env")?;
        let mut names = Vec::new();
        for entry in &entries {
            let (name, _) = entry
                .split_once('=')
                .ok_or_else(|| Denied("Env entries must be NAME=value".into()))?;
            if !self.env_allowed.iter().any(|a| a == name) {
                return deny(format!("Env {name}: not in the allow-list"));
            }
            if names.contains(&name) {
                return deny(format!("Env {name}: given twice"));
            }
            names.push(name);
        }
        out.insert("Env".into(), json!(entries));
        Ok(names)
    }

    /// Labels under `label_prefix` only, string values, the managed label `true` and the
    /// stack label naming this stack.
    fn check_labels(&self, labels: Option<&Value>) -> Result<Map<String, Value>, Denied> {
        let labels = labels
            .and_then(Value::as_object)
            .ok_or_else(|| Denied("Labels are required".into()))?;
        for (k, v) in labels {
            if !k.starts_with(&self.label_prefix) {
                return deny(format!(
                    "label {k}: only labels under {} are allowed",
                    self.label_prefix
                ));
            }
            string(v, "label values")?;
        }
        if labels.get(&self.managed_label).and_then(Value::as_str) != Some("true") {
            return deny(format!("label {}=true is required", self.managed_label));
        }
        if labels.get(&self.stack_label).and_then(Value::as_str) != Some(self.stack.as_str()) {
            return deny(format!(
                "label {}={} is required (this proxy serves that stack only)",
                self.stack_label, self.stack
            ));
        }
        Ok(labels.clone())
    }

    /// Cmd, User, Hostname, StopSignal, StopTimeout, Tty and the attach flags.
    fn check_process(
        &self,
        top: &std::collections::BTreeMap<&'static str, &Value>,
        out: &mut Map<String, Value>,
    ) -> Result<(), Denied> {
        if let Some(cmd) = given(top, "Cmd") {
            out.insert("Cmd".into(), json!(strings(cmd, "Cmd")?));
        }
        let user = match given(top, "User") {
            Some(u) => string(u, "User")?,
            None => self.user_default.as_str(),
        };
        out.insert("User".into(), json!(canonical_user(user)?));
        if let Some(h) = given(top, "Hostname") {
            let h = string(h, "Hostname")?;
            if !h.is_empty() {
                check_name_chars(h, "Hostname")?;
                out.insert("Hostname".into(), json!(h));
            }
        }
        if let Some(s) = given(top, "StopSignal") {
            let s = string(s, "StopSignal")?;
            if !matches!(s, "" | "SIGTERM" | "SIGINT" | "15" | "2") {
                return deny("StopSignal: only SIGTERM or SIGINT");
            }
            if !s.is_empty() {
                out.insert("StopSignal".into(), json!(s));
            }
        }
        if let Some(t) = given(top, "StopTimeout") {
            let t = int(t, "StopTimeout")?;
            if !(0..=60).contains(&t) {
                return deny("StopTimeout: 0-60 seconds");
            }
            out.insert("StopTimeout".into(), json!(t));
        }
        for flag in ["Tty", "AttachStdout", "AttachStderr"] {
            if let Some(v) = given(top, flag) {
                let b = v
                    .as_bool()
                    .ok_or_else(|| Denied(format!("{flag} must be a boolean")))?;
                if flag == "Tty" && b {
                    return deny("Tty: not allowed");
                }
                out.insert(flag.into(), json!(b));
            }
        }
        Ok(())
    }

    fn check_networking(&self, nc: Option<&Value>) -> Result<(), Denied> {
        let Some(nc) = nc else { return Ok(()) };
        let nc = canonical(nc, &["EndpointsConfig"], "NetworkingConfig")?;
        let Some(eps) = nc.get("EndpointsConfig") else {
            return Ok(());
        };
        let Some(eps) = eps.as_object() else {
            return deny("NetworkingConfig.EndpointsConfig must be an object");
        };
        for (name, cfg) in eps {
            if name != &self.network {
                return deny(format!("network {name:?}: bots join {} only", self.network));
            }
            if !fields::is_off(cfg) {
                return deny(
                    "NetworkingConfig: endpoint settings (aliases, addresses) are not allowed",
                );
            }
        }
        Ok(())
    }
}

/// 1 to 128 of `[A-Za-z0-9_.-]`, starting with a letter or digit (Docker's container name
/// rule, `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, bounded).
fn check_name_chars(name: &str, what: &str) -> Result<(), Denied> {
    let ok = name.len() <= 128
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        deny(format!(
            "{what} {name:?}: 1-128 letters, digits, '-', '_', '.', starting with a letter or digit"
        ))
    }
}

/// `uid:gid`, both numeric and non-zero. A name could map to root inside the image, and
/// without a gid the runtime takes the image's passwd entry or, in a scratch image, gid 0:
/// so `1000` alone is refused (not completed) like any other weakening value.
fn canonical_user(user: &str) -> Result<String, Denied> {
    let id = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().filter(|n| *n != 0)
    };
    let (uid, gid) = match user.split_once(':') {
        Some((uid, gid)) => (uid, Some(gid)),
        None => (user, None),
    };
    let Some(uid) = id(uid) else {
        return deny(format!("User {user:?}: a numeric non-root uid is required"));
    };
    let Some(gid) = gid else {
        return deny(format!(
            "User {user:?}: give uid:gid (without a gid the container runs with gid 0)"
        ));
    };
    match id(gid) {
        Some(gid) => Ok(format!("{uid}:{gid}")),
        None => deny(format!("User {user:?}: a numeric non-root gid is required")),
    }
}

#[cfg(test)]
mod boundary_tests;
#[cfg(test)]
mod tests;
