//! Delivery: the target's URL from Vault (through the cache of [`UrlBook`]), the body in the
//! target's format, POSTed with bounded retries and backoff, and one audit row per delivery
//! (`alert_delivery`, ok or error) naming the target and the rule, never its URL. A receiver's answer other than 2xx, or no answer, is retried; 4xx other than 408
//! and 429 are final (retrying cannot fix a refused body).

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::SqlitePool;

use super::urls::UrlBook;
use super::{Alert, Format, Target};
use crate::audit::{self, Entry, Outcome};

/// Audit action of every delivery.
pub const AUDIT_DELIVERY: &str = "alert_delivery";

/// Discord refuses longer `content`.
const DISCORD_MAX: usize = 2000;

/// What every delivery shares: where the URLs are, the HTTP client and the retry policy.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The targets' URLs (Vault, cached).
    pub urls: UrlBook,
    http: reqwest::Client,
    /// Tries per delivery (at least 1).
    pub attempts: u32,
    /// Wait before the second try; doubled before each next one.
    pub backoff: Duration,
}

impl Sender {
    /// 3 tries, 500 ms then 1 s apart, 5 s per try; no redirects (a redirect could carry the
    /// body elsewhere).
    pub fn new(urls: UrlBook) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            urls,
            http,
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// How one delivery went (the API's answer to "send test").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delivery {
    pub target: String,
    pub ok: bool,
    pub attempts: u32,
    /// The receiver's last HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why the last try failed, in words (no URL).
    pub error: Option<String>,
}

/// The body `target` wants for `alert`.
pub fn body(target: &Target, alert: &Alert) -> Value {
    let line = format!("{}\n{}", alert.title(), alert.text);
    match target.format {
        Format::Json => json!({
            "rule": alert.rule.as_str(),
            "title": alert.title(),
            "text": alert.text,
            "subject": alert.subject,
            "ts_ms": alert.ts_ms,
            "details": alert.details,
        }),
        Format::Slack => json!({ "text": line }),
        Format::Discord => json!({ "content": line.chars().take(DISCORD_MAX).collect::<String>() }),
        Format::Telegram => json!({ "chat_id": target.chat_id, "text": line }),
    }
}

/// Sends `alert` to `target` and audits the delivery (actor `alerts`, target the target's
/// name).
pub async fn deliver(
    pool: &SqlitePool,
    sender: &Sender,
    target: &Target,
    alert: &Alert,
) -> Delivery {
    let payload = body(target, alert);
    let mut d = Delivery {
        target: target.name.clone(),
        ok: false,
        attempts: 0,
        status: None,
        error: None,
    };
    let url = match &target.url_ref {
        None => Err("its URL was never moved into Vault".to_owned()),
        Some(r) => match sender.urls.url(r).await {
            Ok(Some(url)) => Ok(url),
            Ok(None) => Err("Vault holds no URL for it".to_owned()),
            Err(e) => Err(format!("cannot read its URL from Vault ({e})")),
        },
    };
    let url = match url {
        Ok(url) => url,
        Err(why) => {
            d.error = Some(why);
            audit_delivery(pool, target, alert, &d).await;
            return d;
        }
    };
    let mut wait = sender.backoff;
    for attempt in 1..=sender.attempts.max(1) {
        d.attempts = attempt;
        let sent = sender
            .http
            .post(url.expose_secret())
            .json(&payload)
            .send()
            .await;
        let final_refusal = match sent {
            Ok(resp) => {
                let s = resp.status();
                d.status = Some(s.as_u16());
                if s.is_success() {
                    d.ok = true;
                    d.error = None;
                    break;
                }
                d.error = Some(format!("the receiver answered HTTP {}", s.as_u16()));
                s.is_client_error() && s.as_u16() != 408 && s.as_u16() != 429
            }
            Err(e) => {
                d.status = None;
                d.error = Some(format!("no answer ({})", e.without_url()));
                false
            }
        };
        if final_refusal || attempt == sender.attempts.max(1) {
            break;
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    audit_delivery(pool, target, alert, &d).await;
    d
}

async fn audit_delivery(pool: &SqlitePool, target: &Target, alert: &Alert, d: &Delivery) {
    let entry = Entry {
        actor: "alerts",
        action: AUDIT_DELIVERY,
        target: &target.name,
        ip: None,
        details: json!({
            "target_id": target.id,
            "format": target.format.as_str(),
            "rule": alert.rule.as_str(),
            "subject": alert.subject,
            "attempts": d.attempts,
            "status": d.status,
            "error": d.error,
        }),
        result: if d.ok { Outcome::Ok } else { Outcome::Error },
    };
    if let Err(e) = audit::record(pool, entry).await {
        tracing::error!(error = %e, target = %target.name, "cannot audit an alert delivery");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::urls::{MemoryVault, UrlRef};
    use crate::alerts::Rule;
    use secrecy::SecretString;
    use std::sync::Arc;

    fn target(format: Format) -> Target {
        Target {
            id: 1,
            name: "ops".into(),
            format,
            url_ref: Some(UrlRef::legacy(1)),
            shown_url: "https://example.invalid/…".into(),
            chat_id: "-100".into(),
            rules: vec![Rule::BotCrashed],
            created_by: "ada".into(),
            created_ms: 0,
        }
    }

    #[test]
    fn each_format_gets_the_shape_its_service_accepts() {
        let a = Alert {
            rule: Rule::BotCrashed,
            subject: "mm-1".into(),
            text: "x".repeat(3000),
            ts_ms: 7,
            details: json!({"wallet": "w"}),
        };
        let j = body(&target(Format::Json), &a);
        assert_eq!(j["rule"], "bot_crashed");
        assert_eq!(j["title"], "[tradebot] bot crashed: mm-1");
        assert!(body(&target(Format::Slack), &a)["text"]
            .as_str()
            .unwrap()
            .starts_with("[tradebot]"));
        let d = body(&target(Format::Discord), &a);
        assert_eq!(d["content"].as_str().unwrap().chars().count(), DISCORD_MAX);
        assert_eq!(body(&target(Format::Telegram), &a)["chat_id"], "-100");
        for f in [
            Format::Json,
            Format::Slack,
            Format::Discord,
            Format::Telegram,
        ] {
            assert!(!body(&target(f), &a).to_string().contains("SECRET"));
        }
    }

    #[tokio::test]
    async fn an_unreachable_receiver_is_retried_then_audited_as_an_error_without_its_url() {
        let store = crate::store::Store::memory().await.unwrap();
        let t = target(Format::Json);
        // A port nothing listens on: refused at once.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let urls = UrlBook::new(Arc::new(MemoryVault::default()));
        let url = format!("http://127.0.0.1:{port}/hook/SECRET");
        urls.save(&UrlRef::legacy(1), SecretString::from(url))
            .await
            .unwrap();
        let sender = Sender {
            backoff: Duration::from_millis(10),
            ..Sender::new(urls)
        };
        let a = Alert {
            rule: Rule::Test,
            subject: "test".into(),
            text: "t".into(),
            ts_ms: 0,
            details: json!({}),
        };
        let d = deliver(store.pool(), &sender, &t, &a).await;
        assert!(!d.ok);
        assert_eq!(d.attempts, 3);
        let rows = audit::query(store.pool(), &audit::Filter::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].action, AUDIT_DELIVERY);
        assert_eq!(rows[0].result, "error");
        assert!(!rows[0].details.contains("SECRET"), "{}", rows[0].details);
        assert!(!format!("{d:?}").contains("SECRET"));
        // A target whose URL is not in Vault: no try, an audited error.
        let mut lost = target(Format::Json);
        lost.url_ref = Some(UrlRef::random());
        let d = deliver(store.pool(), &sender, &lost, &a).await;
        assert_eq!((d.ok, d.attempts), (false, 0));
        assert_eq!(d.error.as_deref(), Some("Vault holds no URL for it"));
    }
}
