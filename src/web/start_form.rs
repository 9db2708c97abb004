//! The start form (/bots/new): one fieldset per bot type, built from the strategy schemas,
//! and the wallets with their markets. The form posts to the JSON API through static/app.js.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;
use tradebot_contract::{params, BotType};

use super::error::problem;
use super::health::cached;
use super::view::{number_text, render, Chrome};
use super::AppState;
use crate::auth::Operator;

/// One parameter field of the start form.
#[derive(Debug)]
struct Field {
    /// `p.spread_bps` or `p.risk.max_position`.
    name: String,
    label: String,
    kind: &'static str,
    options: Vec<String>,
    default: String,
    min: String,
    max: String,
    help: String,
}

#[derive(Debug)]
struct TypeForm {
    bot_type: String,
    title: String,
    description: String,
    fields: Vec<Field>,
    risk_fields: Vec<Field>,
}

fn fields(schema: &Value, prefix: &str) -> Vec<Field> {
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .filter(|(_, p)| p["type"] != "object")
        .map(|(name, p)| {
            let options: Vec<String> = p["enum"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            Field {
                name: format!("{prefix}{name}"),
                label: name.replace('_', " "),
                kind: match (p["type"].as_str(), options.is_empty()) {
                    (_, false) => "select",
                    (Some("integer"), _) => "integer",
                    (Some("number"), _) => "number",
                    _ => "text",
                },
                options,
                default: number_text(p.get("default")),
                min: number_text(p.get("minimum")),
                max: number_text(p.get("maximum")),
                help: p["description"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

fn type_forms() -> Vec<TypeForm> {
    BotType::ALL
        .into_iter()
        .map(|t| {
            let schema = params::schema_for(t);
            TypeForm {
                bot_type: t.as_str().to_owned(),
                title: schema["title"].as_str().unwrap_or(t.as_str()).to_owned(),
                description: schema["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                fields: fields(&schema, "p."),
                risk_fields: fields(&schema["properties"]["risk"], "p.risk."),
            }
        })
        .collect()
}

#[derive(Debug)]
struct WalletOption {
    id: String,
    label: String,
    /// Comma-separated; the script narrows the market list to these.
    markets: String,
    /// Markets of this wallet an active bot holds (one bot per (wallet, market)), comma-separated.
    busy: String,
    /// `paper` or `live`.
    mode: &'static str,
    /// Its network, or empty: the script then asks `/api/wallets/{id}/markets` for the chain's
    /// markets, mids and minimum notionals.
    network: String,
}

#[derive(Template)]
#[template(path = "bot_new.html")]
struct NewBotPage {
    chrome: Chrome,
    wallets: Vec<WalletOption>,
    markets: Vec<String>,
    types: Vec<TypeForm>,
    problems: Vec<String>,
}

pub(super) async fn new_bot(user: Operator, State(app): State<Arc<AppState>>) -> Response {
    let mut problems = cached(&app).await.problems();
    let wallets = match app.bots.wallets().await {
        Ok(w) => w,
        Err(e) => {
            problems.push(problem(e));
            Vec::new()
        }
    };
    render(&NewBotPage {
        chrome: Chrome::new(&user, "bots"),
        wallets: wallets
            .iter()
            .map(|w| WalletOption {
                id: w.id.to_string(),
                label: w.label.clone(),
                markets: w.allowed_markets.join(","),
                busy: app.bots.busy_markets(w.id.as_str()).join(","),
                mode: w.mode.as_str(),
                network: w.network.clone().unwrap_or_default(),
            })
            .collect(),
        markets: app.bots.config().markets.clone(),
        types: type_forms(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bot_type_has_a_form_with_fields_and_risk_limits() {
        let forms = type_forms();
        assert_eq!(forms.len(), BotType::ALL.len());
        for f in &forms {
            assert!(!f.fields.is_empty(), "{} has no fields", f.bot_type);
            assert!(
                !f.risk_fields.is_empty(),
                "{} has no risk fields",
                f.bot_type
            );
            assert!(f.fields.iter().all(|x| x.name.starts_with("p.")));
            assert!(f.risk_fields.iter().all(|x| x.name.starts_with("p.risk.")));
        }
    }
}
