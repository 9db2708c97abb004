//! Tracing set-up: JSON lines in containers, human output on a terminal.
//!
//! We log by allow-list: spans record ids, never payloads, tokens or keys.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Targets that are never logged, whatever the filter says: vaultrs and its HTTP layer
/// (rustify) log every error answer of Vault with its body and request at ERROR level.
const SILENCED: [&str; 2] = ["vaultrs=off", "rustify=off"];

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(settings: &LogSettings) {
    let filter = with_silenced(
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter)),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match settings.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Adds the [`SILENCED`] directives last, so that neither `RUST_LOG` nor the configured
/// filter can turn them back on.
fn with_silenced(filter: EnvFilter) -> EnvFilter {
    SILENCED.iter().fold(filter, |f, d| match d.parse() {
        Ok(directive) => f.add_directive(directive),
        Err(_) => f,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaultrs_stays_silent_even_when_the_filter_asks_for_it() {
        let filter = with_silenced(EnvFilter::new("trace,vaultrs=trace,rustify=debug"));
        let shown = filter.to_string();
        assert!(shown.contains("vaultrs=off"), "{shown}");
        assert!(shown.contains("rustify=off"), "{shown}");
        assert!(!shown.contains("vaultrs=trace"), "{shown}");
        assert!(!shown.contains("rustify=debug"), "{shown}");
    }
}
