//! Through the proxy, bollard (the dashboard's client, unchanged) creates, starts, reads logs
//! of, stops and removes a managed container on the real Docker engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, StartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use common::{docker, start_proxy, unique, TestImage, TestNetwork};

fn client(proxy: &common::TestProxy) -> Docker {
    let bearer = http::HeaderValue::from_str(&format!("Bearer {}", proxy.token)).unwrap();
    Docker::connect_with_http(
        &format!("http://{}", proxy.addr),
        30,
        bollard::API_DEFAULT_VERSION,
    )
    .unwrap()
    .with_request_modifier(move |mut req| {
        req.headers_mut()
            .insert(http::header::AUTHORIZATION, bearer.clone());
        req
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bollard_manages_a_bot_container_through_the_proxy() {
    let image = TestImage::build();
    let prefix = unique("rt");
    let network = TestNetwork::create(&prefix);
    let proxy = start_proxy(&image.tag, &network.name).await;
    // bollard asks /version through the proxy and settles on the daemon's API (1.41 here).
    let docker_api = client(&proxy).negotiate_version().await.unwrap();
    assert_eq!(docker_api.ping().await.unwrap(), "OK");

    let name = format!("{prefix}-bot");
    let body = ContainerCreateBody {
        image: Some(image.tag.clone()),
        labels: Some(HashMap::from([
            ("io.tradebot.managed".to_owned(), "true".to_owned()),
            ("io.tradebot.stack".to_owned(), proxy.policy.stack.clone()),
        ])),
        env: Some(vec!["RUST_LOG=info".into()]),
        host_config: Some(HostConfig {
            network_mode: Some(network.name.clone()),
            memory: Some(32 * 1024 * 1024),
            // Bounded logs are required (the proxy refuses a create without them).
            log_config: Some(bollard::models::HostConfigLogConfig {
                typ: Some("json-file".into()),
                config: Some(HashMap::from([
                    ("max-size".to_owned(), "1m".to_owned()),
                    ("max-file".to_owned(), "2".to_owned()),
                ])),
            }),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    };
    let options = CreateContainerOptions {
        name: Some(name.clone()),
        ..CreateContainerOptions::default()
    };
    let created = docker_api
        .create_container(Some(options), body)
        .await
        .unwrap();

    // The proxy filled in the hardening the request left out.
    let info = docker_api
        .inspect_container(&name, None::<InspectContainerOptions>)
        .await
        .unwrap();
    let hc = info.host_config.unwrap();
    assert_eq!(hc.cap_drop, Some(vec!["ALL".to_owned()]));
    assert_eq!(hc.readonly_rootfs, Some(true));
    assert_eq!(hc.privileged, Some(false));
    assert_eq!(hc.memory, Some(32 * 1024 * 1024));
    assert!(hc.pids_limit.is_some_and(|p| p > 0));
    assert!(hc
        .security_opt
        .unwrap_or_default()
        .iter()
        .any(|o| o.starts_with("no-new-privileges")));
    assert_eq!(info.config.unwrap().user.as_deref(), Some("65532:65532"));

    docker_api
        .start_container(&created.id, None::<StartContainerOptions>)
        .await
        .unwrap();

    // Logs with follow: the first frame arrives while the stream stays open (not buffered).
    let mut logs = docker_api.logs(
        &created.id,
        Some(LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            tail: "all".into(),
            ..LogsOptions::default()
        }),
    );
    let first = tokio::time::timeout(Duration::from_secs(15), logs.next())
        .await
        .expect("a log line within 15 s")
        .unwrap()
        .unwrap();
    assert!(
        first.to_string().contains("tbproxytest-bot hello"),
        "{first}"
    );
    drop(logs);

    // The list is filtered to this stack's bots, and ours is in it.
    let listed = docker_api
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..ListContainersOptions::default()
        }))
        .await
        .unwrap();
    assert!(listed
        .iter()
        .any(|c| c.id.as_deref() == Some(created.id.as_str())));
    assert!(listed.iter().all(|c| c.labels.as_ref().is_some_and(|l| {
        l.get("io.tradebot.managed").map(String::as_str) == Some("true")
            && l.get("io.tradebot.stack") == Some(&proxy.policy.stack)
    })));

    docker_api
        .stop_container(
            &created.id,
            Some(StopContainerOptions {
                t: Some(5),
                signal: None,
            }),
        )
        .await
        .unwrap();
    // bollard sends v=false&force=false&link=false: the proxy must accept its defaults.
    docker_api
        .remove_container(&created.id, None::<RemoveContainerOptions>)
        .await
        .unwrap();
    let (_, left) = docker(&["ps", "-aq", "--filter", &format!("name=^/{name}$")]);
    assert!(left.trim().is_empty(), "container still there: {left}");
}
