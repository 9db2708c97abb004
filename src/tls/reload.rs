//! Certificate reload without a restart: the server resolves its certificate through a
//! [`CertStore`] that swaps in the files' new content when they change on disk (polled) or on
//! SIGHUP. A bad new pair (unreadable, not matching) is refused and the current one kept:
//! a botched renewal never takes the dashboard down. For the generated dev certificate the
//! same tick also renews the leaf when less than a third of its life is left
//! ([`super::DevRenewal`]).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::{load_certs, load_key, CertPaths, DevRenewal};

/// The certificate the server presents, replaceable at run time.
#[derive(Debug)]
pub struct CertStore {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
    /// Modification times of (cert, key) when last loaded.
    stamp: RwLock<(Option<SystemTime>, Option<SystemTime>)>,
    /// Set for the generated dev certificate: renewed by the watch tick.
    renew: Option<DevRenewal>,
}

fn mtime(p: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn certified(paths: (&std::path::Path, &std::path::Path)) -> anyhow::Result<CertifiedKey> {
    let certs = load_certs(paths.0)?;
    let key = load_key(paths.1)?;
    let provider = rustls::crypto::ring::default_provider();
    CertifiedKey::from_der(certs, key, &provider)
        .context("the TLS certificate and key do not match or are unsupported")
}

impl CertStore {
    /// Loads the pair; a generated dev leaf already due is renewed first.
    pub fn load(paths: &CertPaths) -> anyhow::Result<Arc<Self>> {
        if let Some(renew) = &paths.renew {
            let current = load_certs(&paths.cert)?;
            renew.renew_if_due(current.first().map_or(&[][..], |c| c.as_ref()))?;
        }
        let stamp = (mtime(&paths.cert), mtime(&paths.key));
        let key = certified((&paths.cert, &paths.key))?;
        Ok(Arc::new(Self {
            cert: paths.cert.clone(),
            key: paths.key.clone(),
            current: RwLock::new(Arc::new(key)),
            stamp: RwLock::new(stamp),
            renew: paths.renew.clone(),
        }))
    }

    /// Loads the files again and swaps them in. Err (the old pair stays) when they are bad.
    pub fn reload(&self) -> anyhow::Result<()> {
        let stamp = (mtime(&self.cert), mtime(&self.key));
        let key = certified((&self.cert, &self.key))?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(key);
        *self
            .stamp
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = stamp;
        Ok(())
    }

    /// Whether either file changed since the last (attempted) load.
    fn changed(&self) -> bool {
        let now = (mtime(&self.cert), mtime(&self.key));
        *self
            .stamp
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            != now
    }

    /// The end-entity certificate now presented (tests, logs).
    pub fn current_cert(&self) -> Vec<u8> {
        let key = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        key.cert.first().map(|c| c.to_vec()).unwrap_or_default()
    }

    /// Renews the generated dev leaf when due; `true` when new files were written.
    fn renewed(&self) -> bool {
        let Some(renew) = &self.renew else {
            return false;
        };
        match renew.renew_if_due(&self.current_cert()) {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "TLS certificate renewal failed; keeping the current one"
                );
                false
            }
        }
    }

    /// Reloads when the files change (checked every `every`) and on SIGHUP, for as long as the
    /// process runs; renews the generated dev leaf on the same tick. Failures are logged; the
    /// current certificate stays.
    pub fn watch(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(self);
        tokio::spawn(async move {
            let mut hup =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            loop {
                let asked = tokio::select! {
                    () = tokio::time::sleep(every) => false,
                    Some(()) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
                };
                let renewed = store.renewed();
                if !asked && !renewed && !store.changed() {
                    continue;
                }
                match store.reload() {
                    Ok(()) => {
                        tracing::info!(cert = %store.cert.display(), "TLS certificate reloaded");
                    }
                    Err(e) => {
                        // Remember the attempt so a bad file is not retried every tick.
                        *store
                            .stamp
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) =
                            (mtime(&store.cert), mtime(&store.key));
                        tracing::error!(
                            error = format!("{e:#}"),
                            "TLS certificate reload refused; keeping the current one"
                        );
                    }
                }
            }
        })
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn pki(dir: &std::path::Path, ca_name: &str) -> CertPaths {
        super::super::write_dev_pki(dir, ca_name, "server", &["localhost"]).unwrap();
        CertPaths {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            dev_ca: Some(dir.join("ca.pem")),
            renew: None,
        }
    }

    /// A TLS handshake against a server that uses `store`, from a client trusting `ca`.
    async fn handshake(store: Arc<CertStore>, ca: &std::path::Path) -> Result<(), String> {
        crate::tls::install_crypto_provider();
        let server = super::super::server_config_with(store).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server);
        let srv = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let _ = acceptor.accept(s).await;
        });
        let roots = crate::tls::root_store(ca).unwrap();
        let client = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let result = connector
            .connect(name, tcp)
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        srv.abort();
        result
    }

    #[tokio::test]
    async fn a_renewed_certificate_is_served_after_reload_and_a_bad_one_is_refused() {
        let live = tempfile::tempdir().unwrap();
        let a = pki(&live.path().join("a"), "CA one");
        let b_dir = live.path().join("b");
        let b = pki(&b_dir, "CA two");
        // The server's files start as pair A.
        let paths = CertPaths {
            cert: live.path().join("tls.pem"),
            key: live.path().join("tls.key"),
            dev_ca: None,
            renew: None,
        };
        fs::copy(&a.cert, &paths.cert).unwrap();
        fs::copy(&a.key, &paths.key).unwrap();
        let store = CertStore::load(&paths).unwrap();
        let ca_a = a.dev_ca.clone().unwrap();
        let ca_b = b.dev_ca.clone().unwrap();
        handshake(Arc::clone(&store), &ca_a).await.unwrap();
        assert!(handshake(Arc::clone(&store), &ca_b).await.is_err());

        // Renewal: pair B lands on disk; the watcher notices the change.
        let watcher = store.watch(Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(20)); // distinct mtimes
        fs::copy(&b.cert, &paths.cert).unwrap();
        fs::copy(&b.key, &paths.key).unwrap();
        let want = fs::read(&b.cert).unwrap();
        let b_der = load_certs(&b.cert).unwrap()[0].to_vec();
        for _ in 0..100 {
            if store.current_cert() == b_der {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!want.is_empty());
        assert_eq!(
            store.current_cert(),
            b_der,
            "the renewed certificate is served"
        );
        handshake(Arc::clone(&store), &ca_b).await.unwrap();
        assert!(handshake(Arc::clone(&store), &ca_a).await.is_err());

        // A key that does not match the certificate: refused, B stays.
        fs::copy(&a.key, &paths.key).unwrap();
        assert!(store.reload().is_err());
        handshake(Arc::clone(&store), &ca_b).await.unwrap();
        watcher.abort();
    }

    /// The generated dev leaf, issued with a 9-second life, is renewed by the reload tick once
    /// less than a third of it is left (same CA, new key, later end) and served without a
    /// restart; clients trusting the dev CA keep connecting.
    #[tokio::test]
    async fn a_generated_leaf_is_renewed_before_it_expires_without_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let life = time::Duration::seconds(9);
        super::super::write_dev_pki_with(dir.path(), "CA", "server", &["localhost"], life).unwrap();
        let renew = DevRenewal {
            dir: dir.path().to_owned(),
            ca_name: "CA".into(),
            name: "server".into(),
            hostnames: vec!["localhost".into()],
            leaf_life: life,
        };
        let paths = CertPaths {
            renew: Some(renew),
            ..pki_paths(dir.path())
        };
        let ca = dir.path().join("ca.pem");
        let ca_before = fs::read(&ca).unwrap();
        let store = CertStore::load(&paths).unwrap();
        let first = store.current_cert();
        let (_, first_end) = super::super::validity_of(&first).unwrap();
        handshake(Arc::clone(&store), &ca).await.unwrap();
        let watcher = store.watch(Duration::from_millis(200));
        // Due after ~6 s (a third of 9 s left); give the tick up to 12 s.
        let mut renewed = first.clone();
        for _ in 0..120 {
            renewed = store.current_cert();
            if renewed != first {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        watcher.abort();
        assert_ne!(renewed, first, "the leaf was renewed and is served");
        let (_, end) = super::super::validity_of(&renewed).unwrap();
        assert!(end > first_end, "{end} > {first_end}");
        assert_eq!(fs::read(&ca).unwrap(), ca_before, "same CA");
        handshake(Arc::clone(&store), &ca).await.unwrap();
    }

    fn pki_paths(dir: &std::path::Path) -> CertPaths {
        CertPaths {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            dev_ca: Some(dir.join("ca.pem")),
            renew: None,
        }
    }
}
