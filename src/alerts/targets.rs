//! Webhook targets in the dashboard's database (`alert_targets`): name, format, rules, the
//! URL's host for display, and the reference of the URL in Vault (`super::urls`). The URL
//! itself is never written to the database. [`NewTarget::validate`] is the one gate: an
//! unknown rule or format, a URL that is not https (unless
//! `alerts.dangerous_allow_plain_http_webhooks`), a Telegram target without a chat id are
//! refused with a sentence, and nothing is saved.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};

use super::urls::UrlRef;
use super::{Format, Rule};

/// A target as an admin submits it (API body or page form).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTarget {
    pub name: String,
    pub format: String,
    /// A credential (its path or query may be the receiver's token): never printed.
    pub url: SecretString,
    #[serde(default)]
    pub chat_id: String,
    pub rules: Vec<String>,
}

/// A stored target. It holds no URL: the path of a Slack, Discord or Telegram URL is its
/// credential, kept in Vault under `url_ref`.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub id: i64,
    pub name: String,
    pub format: Format,
    /// Where the URL is in Vault; `None` only for a row the startup move has not reached.
    #[serde(skip)]
    pub url_ref: Option<UrlRef>,
    /// `https://hooks.slack.com/…`: scheme and host, for the pages and the API.
    pub shown_url: String,
    pub chat_id: String,
    pub rules: Vec<Rule>,
    pub created_by: String,
    pub created_ms: i64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("format", &self.format)
            .field("url", &self.shown_url)
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// A target that passed [`NewTarget::validate`].
#[derive(Debug, Clone)]
pub struct Valid {
    pub name: String,
    format: Format,
    /// The checked URL, for Vault only.
    pub url: SecretString,
    shown_url: String,
    chat_id: String,
    rules: Vec<Rule>,
}

impl NewTarget {
    /// Checks every field; the error is a sentence for a 4xx.
    pub fn validate(self, allow_plain_http: bool) -> Result<Valid, String> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err("name: 1 to 64 printable characters".into());
        }
        let format = Format::parse(self.format.trim()).ok_or_else(|| {
            format!(
                "format {:?} is not one of json, slack, discord, telegram",
                self.format
            )
        })?;
        let url = check_url(self.url.expose_secret().trim(), allow_plain_http)?;
        let shown_url = shown(&url);
        let chat_id = self.chat_id.trim().to_owned();
        if format == Format::Telegram
            && (chat_id.is_empty() || chat_id.len() > 64 || chat_id.contains(char::is_whitespace))
        {
            return Err("chat_id: a Telegram target needs the chat's id (e.g. -1001234)".into());
        }
        if self.rules.is_empty() {
            return Err(format!("rules: name at least one of {}", rule_names()));
        }
        let mut rules = Vec::new();
        for r in &self.rules {
            let rule = Rule::parse(r.trim())
                .ok_or_else(|| format!("rule {r:?} is unknown; the rules are {}", rule_names()))?;
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        Ok(Valid {
            name,
            format,
            url: SecretString::from(url.as_str().to_owned()),
            shown_url,
            chat_id,
            rules,
        })
    }
}

fn rule_names() -> String {
    Rule::SUBSCRIBABLE.map(Rule::as_str).join(", ")
}

fn check_url(raw: &str, allow_plain_http: bool) -> Result<url::Url, String> {
    // The URL itself is never echoed back: it may hold the receiver's token.
    let url = url::Url::parse(raw).map_err(|_| "url: not an absolute URL".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if allow_plain_http => {}
        "http" => return Err(
            "url: must be https (plain http only with alerts.dangerous_allow_plain_http_webhooks)"
                .into(),
        ),
        _ => return Err("url: must be https".into()),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("url: has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url: must not carry a user name or password".into());
    }
    Ok(url)
}

/// `https://host[:port]/…` of a URL: what the pages, the API and the database show.
pub fn shown(u: &url::Url) -> String {
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}/…",
        u.scheme(),
        u.host_str().unwrap_or_default()
    )
}

/// The sentence for a name already in use.
fn name_taken(name: &str) -> String {
    format!("name: a target named {name:?} exists already")
}

/// Whether a target is named `name` (checked before the URL goes to Vault).
pub async fn name_in_use(pool: &SqlitePool, name: &str) -> anyhow::Result<Option<String>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_targets WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok((n > 0).then(|| name_taken(name)))
}

/// Saves a validated target whose URL is in Vault under `url_ref`: the row holds the
/// reference and the URL's host, never the URL (column `url` stays empty). A name already
/// used is refused (`Err` with a sentence).
pub async fn insert(
    pool: &SqlitePool,
    t: &Valid,
    url_ref: &UrlRef,
    by: &str,
    now_ms: i64,
) -> anyhow::Result<Result<i64, String>> {
    let rules = serde_json::to_string(&t.rules)?;
    let r = sqlx::query(
        "INSERT INTO alert_targets \
         (name, format, url, url_ref, shown_url, chat_id, rules, created_by, created_ms) \
         VALUES (?, ?, '', ?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.name)
    .bind(t.format.as_str())
    .bind(url_ref.as_str())
    .bind(&t.shown_url)
    .bind(&t.chat_id)
    .bind(rules)
    .bind(by)
    .bind(now_ms)
    .execute(pool)
    .await;
    match r {
        Ok(done) => Ok(Ok(done.last_insert_rowid())),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Err(name_taken(&t.name))),
        Err(e) => Err(e.into()),
    }
}

/// Every target, oldest first.
pub async fn list(pool: &SqlitePool) -> anyhow::Result<Vec<Target>> {
    let rows = sqlx::query(
        "SELECT id, name, format, url_ref, shown_url, chat_id, rules, created_by, created_ms \
         FROM alert_targets ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let url_ref: String = r.try_get("url_ref")?;
            let format: String = r.try_get("format")?;
            let rules: String = r.try_get("rules")?;
            Ok(Target {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                format: Format::parse(&format).unwrap_or(Format::Json),
                shown_url: r.try_get("shown_url")?,
                url_ref: UrlRef::parse(&url_ref),
                chat_id: r.try_get("chat_id")?,
                rules: serde_json::from_str(&rules)?,
                created_by: r.try_get("created_by")?,
                created_ms: r.try_get("created_ms")?,
            })
        })
        .collect()
}

/// One target by id.
pub async fn find(pool: &SqlitePool, id: i64) -> anyhow::Result<Option<Target>> {
    Ok(list(pool).await?.into_iter().find(|t| t.id == id))
}

/// Removes a target's row; `false` when there was none with that id.
pub async fn remove(pool: &SqlitePool, id: i64) -> anyhow::Result<bool> {
    let r = sqlx::query("DELETE FROM alert_targets WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str, rules: &[&str]) -> NewTarget {
        NewTarget {
            name: "ops".into(),
            format: "slack".into(),
            url: SecretString::from(url.to_owned()),
            chat_id: String::new(),
            rules: rules.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn bad_urls_and_rules_are_refused_with_a_sentence_without_the_url() {
        let secret = "http://hooks.example/T000/B000/XXXXSECRET";
        let e = new(secret, &["bot_crashed"]).validate(false).unwrap_err();
        assert!(e.contains("must be https"), "{e}");
        assert!(!e.contains("XXXXSECRET"), "{e}");
        assert!(new(secret, &["bot_crashed"]).validate(true).is_ok());
        let e = new("ftp://x/y", &["bot_crashed"])
            .validate(true)
            .unwrap_err();
        assert!(e.contains("https"), "{e}");
        let e = new("https://u:p@x/y", &["bot_crashed"])
            .validate(false)
            .unwrap_err();
        assert!(e.contains("password"), "{e}");
        let e = new("https://x/y", &["bot_exploded"])
            .validate(false)
            .unwrap_err();
        assert!(
            e.contains("bot_exploded") && e.contains("bot_crashed"),
            "{e}"
        );
        let e = new("https://x/y", &["test"]).validate(false).unwrap_err();
        assert!(e.contains("unknown"), "{e}");
        let e = new("https://x/y", &[]).validate(false).unwrap_err();
        assert!(e.contains("at least one"), "{e}");
        let mut tg = new(
            "https://api.telegram.org/botT/sendMessage",
            &["kill_switch"],
        );
        tg.format = "telegram".into();
        assert!(tg.clone().validate(false).unwrap_err().contains("chat_id"));
        tg.chat_id = "-100123".into();
        assert!(tg.validate(false).is_ok());
    }

    #[tokio::test]
    async fn stored_targets_show_only_their_host() {
        let store = crate::store::Store::memory().await.unwrap();
        let pool = store.pool();
        let v = new(
            "https://hooks.example:8443/T0/SECRET",
            &["bot_failed", "bot_failed"],
        )
        .validate(false)
        .unwrap();
        assert!(!format!("{v:?}").contains("SECRET"), "{v:?}");
        assert_eq!(name_in_use(pool, "ops").await.unwrap(), None);
        let r = UrlRef::random();
        let id = insert(pool, &v, &r, "ada", 5).await.unwrap().unwrap();
        assert!(insert(pool, &v, &UrlRef::random(), "ada", 6)
            .await
            .unwrap()
            .unwrap_err()
            .contains("exists"));
        assert!(name_in_use(pool, "ops")
            .await
            .unwrap()
            .unwrap()
            .contains("exists"));
        let all = list(pool).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].url_ref, Some(r));
        let stored: String = sqlx::query_scalar("SELECT url FROM alert_targets")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(stored, "", "no URL in the database");
        assert_eq!(all[0].rules, vec![Rule::BotFailed]);
        assert_eq!(all[0].shown_url, "https://hooks.example:8443/…");
        let shown = format!("{:?} {}", all[0], serde_json::to_string(&all[0]).unwrap());
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(find(pool, id).await.unwrap().map(|t| t.id), Some(id));
        assert!(remove(pool, id).await.unwrap());
        assert!(!remove(pool, id).await.unwrap());
    }
}
