//! TLS for the dashboard (rustls, TLS 1.2 and 1.3 only) and for our clients of Vault.
//!
//! When no certificate is configured, a dev CA and a server certificate signed by it are
//! generated on first start and kept under `<data_dir>/tls`, so browsers and `curl --cacert`
//! can trust one stable CA across restarts.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use crate::config::HttpSettings;
use crate::private_file::write_private;

mod reload;
mod renew;
pub use reload::CertStore;
pub use renew::{less_than_a_third_left, validity_of, DevRenewal};

/// The process-wide crypto provider: ring, pure Rust plus asm, links statically.
pub fn install_crypto_provider() {
    // Err means one is already installed (tests call this repeatedly): fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where the certificate and key come from, resolved once at start-up.
#[derive(Debug, Clone)]
pub struct CertPaths {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Set when we generated a dev CA: what clients should trust.
    pub dev_ca: Option<PathBuf>,
    /// Set for the generated dev leaf: how to issue the next one before it expires.
    pub renew: Option<DevRenewal>,
}

/// Resolves configured files, or creates (once) the dev CA and certificate in `data_dir/tls`.
pub fn resolve_cert_paths(http: &HttpSettings, data_dir: &Path) -> anyhow::Result<CertPaths> {
    if let (Some(cert), Some(key)) = (&http.cert_file, &http.key_file) {
        for (what, path) in [("certificate", cert), ("key", key)] {
            if !path.is_file() {
                bail!("TLS {what} file {} does not exist", path.display());
            }
        }
        return Ok(CertPaths {
            cert: cert.clone(),
            key: key.clone(),
            dev_ca: None,
            renew: None,
        });
    }
    let dir = data_dir.join("tls");
    let renew = DevRenewal {
        dir: dir.clone(),
        ca_name: "tradebot dashboard dev CA".into(),
        name: "server".into(),
        hostnames: http.dev_cert_hostnames.clone(),
        leaf_life: time::Duration::days(DEV_LEAF_DAYS),
    };
    let paths = CertPaths {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        dev_ca: Some(dir.join("ca.pem")),
        renew: Some(renew),
    };
    if !paths.cert.is_file() || !paths.key.is_file() {
        let names: Vec<&str> = http.dev_cert_hostnames.iter().map(String::as_str).collect();
        write_dev_pki(&dir, "tradebot dashboard dev CA", "server", &names)
            .with_context(|| format!("cannot create the dev certificate in {}", dir.display()))?;
        tracing::warn!(ca = %dir.join("ca.pem").display(), "generated a dev TLS certificate; configure http.cert_file/key_file for production");
    }
    Ok(paths)
}

/// Life of a dev CA: 3 years (a CA made by an older version, valid for centuries, is kept).
pub const DEV_CA_DAYS: i64 = 3 * 365;
/// Life of a dev leaf certificate: 90 days, the public web's habit.
pub const DEV_LEAF_DAYS: i64 = 90;
/// A leaf is re-issued (same CA) when it has less than this left.
pub const RENEW_BEFORE_DAYS: i64 = 30;

/// Whether a certificate ending at `not_after` (Unix seconds) is due for renewal now.
pub fn due_for_renewal(not_after: i64) -> bool {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    not_after - now < RENEW_BEFORE_DAYS * 86400
}

/// Writes `ca.pem` (+ `ca.key`), `<name>.pem` and `<name>.key` into `dir`. Keys are 0600.
/// Reuses an existing CA so certificates issued later chain to the same trust anchor. Returns
/// when the new leaf ends (Unix seconds). The leaf lives [`DEV_LEAF_DAYS`].
pub fn write_dev_pki(
    dir: &Path,
    ca_name: &str,
    name: &str,
    hostnames: &[&str],
) -> anyhow::Result<i64> {
    let life = time::Duration::days(DEV_LEAF_DAYS);
    write_dev_pki_with(dir, ca_name, name, hostnames, life)
}

/// [`write_dev_pki`] with a leaf living `leaf_life` (short lives in tests).
pub fn write_dev_pki_with(
    dir: &Path,
    ca_name: &str,
    name: &str,
    hostnames: &[&str],
    leaf_life: time::Duration,
) -> anyhow::Result<i64> {
    fs::create_dir_all(dir).context("cannot create directory")?;
    let ca_cert_path = dir.join("ca.pem");
    let ca_key_path = dir.join("ca.key");
    let ca_params = ca_params(ca_name)?;
    let (ca_key, ca_pem) = if ca_cert_path.is_file() && ca_key_path.is_file() {
        let key = KeyPair::from_pem(&fs::read_to_string(&ca_key_path)?)
            .context("dev CA key unreadable")?;
        (key, fs::read_to_string(&ca_cert_path)?)
    } else {
        let key = KeyPair::generate().context("key generation failed")?;
        let cert = ca_params
            .clone()
            .self_signed(&key)
            .context("cannot self-sign the dev CA")?;
        write_private(&ca_key_path, key.serialize_pem().as_bytes())?;
        fs::write(&ca_cert_path, cert.pem())?;
        let pem = cert.pem();
        (key, pem)
    };
    // Same distinguished name and key as when the CA was self-signed, so the chain matches.
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params =
        CertificateParams::new(hostnames.iter().map(|h| h.to_string()).collect::<Vec<_>>())
            .context("invalid hostname for the dev certificate")?;
    params.distinguished_name.push(
        DnType::CommonName,
        hostnames.first().copied().unwrap_or("localhost"),
    );
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let (not_before, not_after) = validity(leaf_life);
    params.not_before = not_before;
    params.not_after = not_after;
    let key = KeyPair::generate().context("key generation failed")?;
    let cert = params
        .signed_by(&key, &issuer)
        .context("cannot sign the dev certificate")?;
    write_private(
        &dir.join(format!("{name}.key")),
        key.serialize_pem().as_bytes(),
    )?;
    // The chain a server presents: leaf then CA.
    fs::write(
        dir.join(format!("{name}.pem")),
        format!("{}{}", cert.pem(), ca_pem),
    )?;
    Ok(not_after.unix_timestamp())
}

/// From a little before now (clock skew: an hour, or a tenth of a short life) to `life`
/// from now.
fn validity(life: time::Duration) -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = time::OffsetDateTime::now_utc();
    let skew = time::Duration::hours(1).min(life / 10);
    (now - skew, now + life)
}

fn ca_params(ca_name: &str) -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, ca_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params.not_before, params.not_after) = validity(time::Duration::days(DEV_CA_DAYS));
    Ok(params)
}

/// A rustls server configuration: TLS 1.2 and 1.3 only, ALPN h2 and http/1.1.
pub fn server_config(paths: &CertPaths) -> anyhow::Result<Arc<ServerConfig>> {
    server_config_with(CertStore::load(paths)?)
}

/// The same, presenting whatever `store` holds now (it can be reloaded at run time). Suites
/// are ring's defaults: TLS 1.3 AEADs and TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305
/// only (no CBC, no RSA key exchange).
pub fn server_config_with(store: Arc<CertStore>) -> anyhow::Result<Arc<ServerConfig>> {
    install_crypto_provider();
    let mut config = ServerConfig::builder_with_protocol_versions(&[
        &rustls::version::TLS13,
        &rustls::version::TLS12,
    ])
    .with_no_client_auth()
    .with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

pub fn load_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem = fs::read(path)
        .with_context(|| format!("cannot read TLS certificate {}", path.display()))?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
    if certs.is_empty() {
        bail!("{} holds no PEM certificate", path.display());
    }
    Ok(certs)
}

pub fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    let pem = fs::read(path).with_context(|| format!("cannot read TLS key {}", path.display()))?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .ok()
        .flatten()
        .with_context(|| format!("{} holds no PEM private key", path.display()))
}

/// A root store holding exactly the certificates in `ca_file` (for Vault's dev CA).
pub fn root_store(ca_file: &Path) -> anyhow::Result<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_certs(ca_file)? {
        roots
            .add(cert)
            .with_context(|| format!("{} holds an unusable CA certificate", ca_file.display()))?;
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(dir: &Path) -> HttpSettings {
        let _ = dir;
        crate::config::Settings::default().http
    }

    #[test]
    fn dev_certificate_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = resolve_cert_paths(&http(dir.path()), dir.path()).unwrap();
        let ca = fs::read(first.dev_ca.as_ref().unwrap()).unwrap();
        let cert = fs::read(&first.cert).unwrap();
        let again = resolve_cert_paths(&http(dir.path()), dir.path()).unwrap();
        assert_eq!(fs::read(again.dev_ca.as_ref().unwrap()).unwrap(), ca);
        assert_eq!(fs::read(&again.cert).unwrap(), cert);
        server_config(&again).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&again.key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn missing_configured_certificate_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = http(dir.path());
        settings.cert_file = Some(dir.path().join("nope.pem"));
        settings.key_file = Some(dir.path().join("nope.key"));
        let err = resolve_cert_paths(&settings, dir.path()).unwrap_err();
        assert!(err.to_string().contains("nope.pem"), "{err}");
    }
}
