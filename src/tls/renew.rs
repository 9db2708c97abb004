//! Renewal of the dashboard's generated dev certificate without a restart: when the leaf it
//! serves has less than a third of its life left, a new leaf is issued by the same dev CA
//! (`super::write_dev_pki_with`) and swapped in by the [`super::CertStore`] reload tick.
//! Configured certificate files (`http.cert_file`) are never touched: renewing those is
//! their owner's job, and the reload picks the new files up.

use std::path::PathBuf;

use anyhow::Context;

/// What is needed to issue the next dev leaf, as `resolve_cert_paths` first issued it.
#[derive(Debug, Clone)]
pub struct DevRenewal {
    /// `<data_dir>/tls`: `ca.pem`, `ca.key`, `server.pem`, `server.key`.
    pub dir: PathBuf,
    pub ca_name: String,
    /// File stem of the leaf (`server`).
    pub name: String,
    pub hostnames: Vec<String>,
    /// Life of each new leaf ([`super::DEV_LEAF_DAYS`] in service; seconds in tests).
    pub leaf_life: time::Duration,
}

/// `(not_before, not_after)` of a DER certificate, in Unix seconds.
///
/// Errors: not a parsable X.509 certificate.
pub fn validity_of(der: &[u8]) -> anyhow::Result<(i64, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| anyhow::anyhow!("the TLS certificate cannot be parsed: {e}"))?;
    let v = cert.validity();
    Ok((v.not_before.timestamp(), v.not_after.timestamp()))
}

/// Whether a certificate valid from `not_before` to `not_after` has less than a third of its
/// life left at `now` (all Unix seconds): at 90 days, renewal starts 30 days before the end.
pub fn less_than_a_third_left(not_before: i64, not_after: i64, now: i64) -> bool {
    (not_after - now).saturating_mul(3) < not_after - not_before
}

impl DevRenewal {
    /// Issues a new leaf when `current` (the DER of the leaf served now) is due; `Ok(true)`
    /// when files were written (the caller reloads them).
    ///
    /// Errors: the certificate cannot be parsed, or the new leaf cannot be written.
    pub fn renew_if_due(&self, current: &[u8]) -> anyhow::Result<bool> {
        let (not_before, not_after) = validity_of(current)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if !less_than_a_third_left(not_before, not_after, now) {
            return Ok(false);
        }
        let names: Vec<&str> = self.hostnames.iter().map(String::as_str).collect();
        let end =
            super::write_dev_pki_with(&self.dir, &self.ca_name, &self.name, &names, self.leaf_life)
                .with_context(|| {
                    format!("cannot renew the dev certificate in {}", self.dir.display())
                })?;
        tracing::info!(
            cert = %self.dir.join(format!("{}.pem", self.name)).display(),
            old_not_after = not_after,
            new_not_after = end,
            "renewed the generated TLS certificate (less than a third of its life was left)"
        );
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_third_of_the_life_is_the_threshold() {
        let day = 86_400;
        // 90 days: due from 30 days before the end, not before.
        assert!(!less_than_a_third_left(0, 90 * day, 60 * day - 1));
        assert!(!less_than_a_third_left(0, 90 * day, 60 * day));
        assert!(less_than_a_third_left(0, 90 * day, 60 * day + 1));
        assert!(less_than_a_third_left(0, 90 * day, 91 * day), "expired");
    }

    #[test]
    fn a_fresh_leaf_is_kept_and_its_validity_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let end = super::super::write_dev_pki(dir.path(), "CA", "server", &["localhost"]).unwrap();
        let der = super::super::load_certs(&dir.path().join("server.pem")).unwrap()[0].to_vec();
        let (start, not_after) = validity_of(&der).unwrap();
        assert_eq!(not_after, end);
        assert!(not_after - start >= super::super::DEV_LEAF_DAYS * 86_400);
        let r = DevRenewal {
            dir: dir.path().to_owned(),
            ca_name: "CA".into(),
            name: "server".into(),
            hostnames: vec!["localhost".into()],
            leaf_life: time::Duration::days(super::super::DEV_LEAF_DAYS),
        };
        assert!(
            !r.renew_if_due(&der).unwrap(),
            "90 days left: nothing to do"
        );
        assert!(validity_of(b"not a certificate").is_err());
    }
}
