//! The API's OpenAPI 3 document, written by hand in static/openapi.json and served as is.
//! A test checks that it names every `/api` route the router serves.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::auth::Viewer;

pub const DOCUMENT: &str = include_str!("../../static/openapi.json");

pub async fn document(_: Viewer) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_json_and_names_every_api_route() {
        let doc: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let source = [
            include_str!("api.rs"),
            include_str!("alerts/mod.rs"),
            include_str!("presets.rs"),
            include_str!("mod.rs"),
        ]
        .concat();
        let mut seen = 0;
        for line in source.lines() {
            let Some(rest) = line.trim().strip_prefix(".route(\"/api") else {
                continue;
            };
            let path = format!("/api{rest}");
            let rest = path.as_str();
            let path = rest.split('"').next().unwrap();
            assert!(
                paths.contains_key(path),
                "{path} is not in static/openapi.json"
            );
            seen += 1;
        }
        assert!(seen >= 10, "found only {seen} routes in api.rs");
        assert!(paths.contains_key("/metrics"));
    }
}
