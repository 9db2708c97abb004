//! The Docker implementation of [`ContainerRuntime`]: bollard speaking the Engine API to the
//! socket proxy (plain HTTP on the internal `proxy` network, bearer token on every request).
//! The dashboard never opens the Docker socket itself.

use std::collections::HashMap;

use bollard::errors::Error as BollardError;
use bollard::models::{ContainerCreateBody, HostConfig, HostConfigLogConfig};
use bollard::query_parameters::{
    CreateContainerOptions, EventsOptions, InspectContainerOptions, ListContainersOptions,
    LogsOptions, RemoveContainerOptions, StartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use futures_util::{StreamExt, TryStreamExt};
use secrecy::{ExposeSecret, SecretString};

use super::{
    ContainerEvent, ContainerInfo, ContainerRuntime, ContainerSpec, EventStream, LineStream,
    RuntimeError, MANAGED_LABEL,
};

/// Docker through the socket proxy.
#[derive(Clone)]
pub struct DockerRuntime {
    docker: Docker,
}

impl std::fmt::Debug for DockerRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DockerRuntime(<proxy>)")
    }
}

impl DockerRuntime {
    /// `proxy_url` like `http://socket-proxy:2375`. Connecting does no I/O; `ping` checks.
    pub fn connect(proxy_url: &str, token: &SecretString) -> Result<Self, RuntimeError> {
        let bearer = http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| RuntimeError::Config("the proxy token holds invalid characters"))?;
        let docker = Docker::connect_with_http(proxy_url, 120, bollard::API_DEFAULT_VERSION)
            .map_err(|e| map_err(&e, "connect to the socket proxy"))?
            .with_request_modifier(move |mut req| {
                let mut value = bearer.clone();
                value.set_sensitive(true);
                req.headers_mut().insert(http::header::AUTHORIZATION, value);
                req
            });
        Ok(Self { docker })
    }
}

/// The action named in errors of a container create.
const CREATE: &str = "create the container";

/// How the socket proxy signs its refusals (`{"message": "tradebot-socket-proxy: <reason>"}`).
const PROXY_PREFIX: &str = "tradebot-socket-proxy: ";

/// Maps a bollard error met while trying to `action` (in words: "create the container") to a
/// [`RuntimeError`] whose `Display` is safe, and logs the full cause here, once: the engine's
/// own text goes to the log, never up to a user.
fn map_err(e: &BollardError, action: &'static str) -> RuntimeError {
    let mapped = classify(e, action);
    if mapped == RuntimeError::NotFound {
        tracing::debug!(error = %e, action, "Docker: not found");
    } else {
        tracing::warn!(error = %e, action, "Docker request failed");
    }
    mapped
}

/// The class of a bollard error (pure; see [`map_err`]).
fn classify(e: &BollardError, action: &'static str) -> RuntimeError {
    match e {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => match (*status_code, message.strip_prefix(PROXY_PREFIX)) {
            (_, Some(reason)) if *status_code < 500 && *status_code != 404 => {
                RuntimeError::Refused(reason.chars().take(300).collect())
            }
            (404, _) => RuntimeError::NotFound,
            (status, _) => RuntimeError::Engine { status, action },
        },
        BollardError::HyperResponseError { .. }
        | BollardError::HyperLegacyError { .. }
        | BollardError::IOError { .. }
        | BollardError::RequestTimeoutError => RuntimeError::Unreachable,
        _ => RuntimeError::Unexpected { action },
    }
}

fn managed_filter() -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_owned(), vec![format!("{MANAGED_LABEL}=true")])])
}

impl DockerRuntime {
    /// A followed log stream, re-split into lines.
    fn follow(&self, id: &str, options: LogsOptions) -> LineStream {
        let chunks = self.docker.logs(id, Some(options));
        // Docker frames carry arbitrary pieces of output: re-split into lines.
        let lines = chunks
            .map(|r| r.map_err(|e| map_err(&e, "read the logs")))
            .scan(String::new(), |buf, chunk| {
                let out: Vec<Result<String, RuntimeError>> = match chunk {
                    Ok(c) => {
                        buf.push_str(&String::from_utf8_lossy(&c.into_bytes()));
                        let mut lines = Vec::new();
                        while let Some(pos) = buf.find('\n') {
                            let line: String = buf.drain(..=pos).collect();
                            lines.push(Ok(line.trim_end().to_owned()));
                        }
                        lines
                    }
                    Err(e) => vec![Err(e)],
                };
                futures_util::future::ready(Some(futures_util::stream::iter(out)))
            })
            .flatten();
        Box::pin(lines)
    }
}

impl ContainerRuntime for DockerRuntime {
    async fn ping(&self) -> Result<(), RuntimeError> {
        self.docker
            .ping()
            .await
            .map(|_| ())
            .map_err(|e| map_err(&e, "answer a ping"))
    }

    async fn create_and_start(&self, spec: ContainerSpec) -> Result<String, RuntimeError> {
        let env = spec
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", v.expose_secret()))
            .collect();
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            env: Some(env),
            labels: Some(spec.labels.clone()),
            stop_timeout: Some(spec.stop_timeout_secs),
            host_config: Some(HostConfig {
                network_mode: Some(spec.network.clone()),
                memory: Some(spec.memory_bytes),
                nano_cpus: Some(spec.nano_cpus),
                pids_limit: Some(spec.pids_limit),
                cap_drop: Some(vec!["ALL".into()]),
                readonly_rootfs: Some(true),
                security_opt: Some(vec!["no-new-privileges:true".into()]),
                log_config: Some(HostConfigLogConfig {
                    typ: Some("json-file".into()),
                    config: Some(HashMap::from([
                        ("max-size".to_owned(), spec.logs.max_size().to_owned()),
                        ("max-file".to_owned(), spec.logs.max_file().to_string()),
                    ])),
                }),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let options = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..CreateContainerOptions::default()
        };
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| match map_err(&e, CREATE) {
                // Create names no container: a 404 there is a missing image or network.
                RuntimeError::NotFound => RuntimeError::Engine {
                    status: 404,
                    action: CREATE,
                },
                other => other,
            })?;
        if let Err(e) = self
            .docker
            .start_container(&created.id, None::<StartContainerOptions>)
            .await
        {
            // Nothing half-started: a container that cannot start is removed at once.
            let _ = self.remove(&created.id, true).await;
            return Err(map_err(&e, "start the container"));
        }
        Ok(created.id)
    }

    async fn stop(&self, id: &str, grace_secs: i64) -> Result<(), RuntimeError> {
        let options = StopContainerOptions {
            t: Some(i32::try_from(grace_secs).unwrap_or(10)),
            signal: None,
        };
        match self.docker.stop_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            // 304: already stopped.
            Err(BollardError::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(map_err(&e, "stop the container")),
        }
    }

    async fn remove(&self, id: &str, force: bool) -> Result<(), RuntimeError> {
        let options = RemoveContainerOptions {
            force,
            ..RemoveContainerOptions::default()
        };
        match self.docker.remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(e) => match map_err(&e, "remove the container") {
                RuntimeError::NotFound => Ok(()),
                other => Err(other),
            },
        }
    }

    async fn inspect(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let c = self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(|e| map_err(&e, "inspect the container"))?;
        let state = c.state.unwrap_or_default();
        Ok(ContainerInfo {
            id: c.id.unwrap_or_default(),
            name: c
                .name
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            labels: c.config.and_then(|cfg| cfg.labels).unwrap_or_default(),
            state: state.status.map(|s| s.to_string()).unwrap_or_default(),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
        })
    }

    async fn list_managed(&self) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let options = ListContainersOptions {
            all: true,
            filters: Some(managed_filter()),
            ..ListContainersOptions::default()
        };
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| map_err(&e, "list the bot containers"))?;
        Ok(list
            .into_iter()
            .map(|c| ContainerInfo {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .and_then(|n| n.into_iter().next())
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_owned(),
                labels: c.labels.unwrap_or_default(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                exit_code: None,
                oom_killed: false,
            })
            .collect())
    }

    async fn tail_logs(&self, id: &str, tail: usize) -> Result<Vec<String>, RuntimeError> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: tail.to_string(),
            ..LogsOptions::default()
        };
        let chunks: Vec<_> = self
            .docker
            .logs(id, Some(options))
            .try_collect()
            .await
            .map_err(|e| map_err(&e, "read the logs"))?;
        let text: String = chunks
            .iter()
            .map(|c| String::from_utf8_lossy(&c.clone().into_bytes()).into_owned())
            .collect();
        Ok(text.lines().map(str::to_owned).collect())
    }

    fn follow_stdout(&self, id: &str, from_start: bool) -> LineStream {
        let options = LogsOptions {
            follow: true,
            stdout: true,
            stderr: false,
            tail: if from_start { "all".into() } else { "0".into() },
            ..LogsOptions::default()
        };
        self.follow(id, options)
    }

    fn follow_logs(&self, id: &str, tail: usize) -> LineStream {
        let options = LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: tail.to_string(),
            ..LogsOptions::default()
        };
        self.follow(id, options)
    }

    fn events(&self) -> EventStream {
        let mut filters = managed_filter();
        filters.insert("type".into(), vec!["container".into()]);
        let options = EventsOptions {
            filters: Some(filters),
            ..EventsOptions::default()
        };
        let stream = self.docker.events(Some(options)).map(|r| {
            r.map_err(|e| map_err(&e, "stream events")).map(|m| {
                let actor = m.actor.unwrap_or_default();
                let labels = actor.attributes.unwrap_or_default();
                ContainerEvent {
                    id: actor.id.unwrap_or_default(),
                    action: m.action.unwrap_or_default(),
                    exit_code: labels.get("exitCode").and_then(|c| c.parse().ok()),
                    labels,
                }
            })
        });
        Box::pin(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status_code: u16, message: &str) -> BollardError {
        BollardError::DockerResponseServerError {
            status_code,
            message: message.to_owned(),
        }
    }

    #[test]
    fn engine_text_never_reaches_the_display() {
        let daemon = "No such image: registry.internal:5000/secret-team/bot:tag";
        for status in [400, 409, 500, 502] {
            let e = classify(&server(status, daemon), CREATE);
            assert_eq!(
                e,
                RuntimeError::Engine {
                    status,
                    action: CREATE
                }
            );
            let shown = e.to_string();
            assert!(!shown.contains("registry.internal"), "{shown}");
            assert!(shown.contains("create the container"), "{shown}");
        }
        let io = BollardError::IOError {
            err: std::io::Error::other("connect 10.1.2.3:2375: refused"),
        };
        let e = classify(&io, "answer a ping");
        assert_eq!(e.to_string(), "the Docker socket proxy is unreachable");
    }

    #[test]
    fn the_proxys_own_refusal_is_kept_and_not_found_is_typed() {
        let e = classify(
            &server(403, "tradebot-socket-proxy: image x is not allowed"),
            CREATE,
        );
        assert_eq!(e, RuntimeError::Refused("image x is not allowed".into()));
        // A 403 without the proxy's signature is the engine's: its text is not kept.
        let e = classify(&server(403, "authorization plugin says no"), CREATE);
        assert_eq!(
            e,
            RuntimeError::Engine {
                status: 403,
                action: CREATE
            }
        );
        assert_eq!(
            classify(&server(404, "No such container: abc"), "stop the container"),
            RuntimeError::NotFound
        );
    }
}
