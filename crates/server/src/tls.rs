//! HTTPS without a reverse proxy: the certificate and key files an operator names
//! (`server.tls_cert`, `server.tls_key`), loaded and checked at start, reloaded when
//! they change (a renewal needs no restart), and the listener that does the TLS
//! handshakes. A replacement that is broken or does not match is refused and the
//! certificate in use stays.

use crate::AbortOnDrop;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use store::Clock;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;

/// How often a handshake may look whether the files changed: a renewed certificate is
/// in use this long after it is written, at most.
pub const RECHECK: Duration = Duration::from_secs(10);

/// How long a client may take over its handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// The PEM files: a certificate chain (the server's certificate first) and its private
/// key (PKCS#8, RSA or EC). Both may name the same file.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why a certificate and key cannot be used. Messages name the file and never show
/// what is in the key file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate file {0}: {1}")]
    ReadCert(PathBuf, std::io::Error),
    #[error("cannot read the private key file {0}: {1}")]
    ReadKey(PathBuf, std::io::Error),
    #[error("the certificate file {0} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    NoCertificate(PathBuf),
    #[error("the certificate file {0} is not valid PEM: {1}")]
    BadCertificate(PathBuf, String),
    #[error("the private key file {0} holds no PEM private key (PKCS#8, RSA or EC)")]
    NoKey(PathBuf),
    #[error("the private key file {0} holds a key campuslink cannot use: {1}")]
    BadKey(PathBuf, String),
    #[error("the private key file {key} does not belong to the certificate in {cert}")]
    Mismatch { cert: PathBuf, key: PathBuf },
}

/// The crypto campuslink's TLS uses (ring: no C toolchain needed to build it).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads and checks a pair: the chain parses, the key parses, and the key is the
/// certificate's.
fn load_pair(files: &TlsFiles, cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate(files.cert.clone(), e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(files.cert.clone()));
    }
    // The PEM error could quote the key file's lines: say only that it is unusable.
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey(files.key.clone()),
        _ => TlsError::BadKey(files.key.clone(), "not valid PEM".into()),
    })?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::BadKey(files.key.clone(), e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(TlsError::Mismatch { cert: files.cert.clone(), key: files.key.clone() })
        }
        Err(e) => Err(TlsError::BadCertificate(files.cert.clone(), e.to_string())),
    }
}

/// Both files' bytes, as read together.
fn read_files(files: &TlsFiles) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
    let cert = std::fs::read(&files.cert).map_err(|e| TlsError::ReadCert(files.cert.clone(), e))?;
    let key = std::fs::read(&files.key).map_err(|e| TlsError::ReadKey(files.key.clone(), e))?;
    Ok((cert, key))
}

/// A digest of both files, to notice a change without keeping the key's bytes.
fn digest(cert: &[u8], key: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((cert.len() as u64).to_be_bytes());
    h.update(cert);
    h.update(key);
    h.finalize().into()
}

/// A certificate's SHA-256 fingerprint as browsers show it: `AB:CD:…`.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    Sha256::digest(cert.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Whether a PEM certificate (its first) is valid for `name`, a DNS name or an IP
/// address; false for anything that does not parse.
pub fn certificate_covers(cert_pem: &[u8], name: &str) -> bool {
    let (Ok(der), Ok(name)) = (CertificateDer::from_pem_slice(cert_pem), ServerName::try_from(name)) else {
        return false;
    };
    rustls::server::ParsedCertificate::try_from(&der)
        .is_ok_and(|parsed| rustls::client::verify_server_name(&parsed, &name).is_ok())
}

/// What a reload found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// The files hold the pair in use (or, at a handshake's look, a refused pair
    /// already reported).
    Unchanged,
    /// A new pair is in use.
    Replaced,
}

/// The certificate in use and where it comes from: rustls asks it at every handshake,
/// and it looks at the files again when `RECHECK` has passed on the server's clock.
pub struct Certificates {
    files: TlsFiles,
    clock: Clock,
    current: RwLock<Arc<CertifiedKey>>,
    digests: Mutex<Digests>,
    /// When (clock ms) a handshake may next look at the files.
    next_check: AtomicI64,
}

/// Digests of the files' bytes, to notice a change without keeping the key.
struct Digests {
    /// Of the pair in use.
    in_use: [u8; 32],
    /// Of what a handshake's look last found, used or refused: a refused pair is
    /// reported once, not at every look.
    seen: [u8; 32],
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").field("files", &self.files).finish_non_exhaustive()
    }
}

impl Certificates {
    /// Loads the pair, or says which file is wrong and how.
    pub fn load(files: TlsFiles, clock: Clock) -> Result<Arc<Self>, TlsError> {
        let (cert, key) = read_files(&files)?;
        let pair = load_pair(&files, &cert, &key)?;
        let next = clock.now_ms() + RECHECK.as_millis() as i64;
        let d = digest(&cert, &key);
        Ok(Arc::new(Self {
            digests: Mutex::new(Digests { in_use: d, seen: d }),
            current: RwLock::new(Arc::new(pair)),
            next_check: AtomicI64::new(next),
            files,
            clock,
        }))
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// The certificate in use.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().map(|c| c.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The fingerprint of the server's certificate in use.
    pub fn fingerprint(&self) -> String {
        self.current().cert.first().map(fingerprint).unwrap_or_default()
    }

    /// Reads the files now (on SIGHUP, say) and uses them if they changed and are a
    /// good pair; a bad pair is an error, logged, and the certificate in use stays.
    pub fn reload(&self) -> Result<Reloaded, TlsError> {
        self.reload_when(|_, _| true)
    }

    /// Reads the files and, if they are not the pair in use and `look` agrees (given
    /// the digests and what was read), loads them.
    fn reload_when(&self, look: impl FnOnce(&mut Digests, [u8; 32]) -> bool) -> Result<Reloaded, TlsError> {
        let result = self.try_reload(look);
        match &result {
            Ok(Reloaded::Replaced) => tracing::info!(
                cert = %self.files.cert.display(),
                fingerprint = %self.fingerprint(),
                "TLS certificate reloaded"
            ),
            Ok(Reloaded::Unchanged) => {}
            Err(e) => tracing::error!(error = %e, "TLS certificate not reloaded; the one in use stays"),
        }
        result
    }

    fn try_reload(&self, look: impl FnOnce(&mut Digests, [u8; 32]) -> bool) -> Result<Reloaded, TlsError> {
        let (cert, key) = read_files(&self.files)?;
        let d = digest(&cert, &key);
        let mut digests = self.digests.lock().unwrap_or_else(|p| p.into_inner());
        if digests.in_use == d || !look(&mut digests, d) {
            return Ok(Reloaded::Unchanged);
        }
        let pair = load_pair(&self.files, &cert, &key)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(pair);
        digests.in_use = d;
        Ok(Reloaded::Replaced)
    }

    /// A reload, if `RECHECK` has passed since the last look (one handshake looks; the
    /// others go on with the certificate in use) and the files changed since. The files
    /// are small and read at most once per `RECHECK`, so reading them on the
    /// handshake's thread is fine.
    fn reload_if_due(&self) {
        let now = self.clock.now_ms();
        let due = self.next_check.load(Ordering::Acquire);
        if now < due {
            return;
        }
        let next = now + RECHECK.as_millis() as i64;
        if self.next_check.compare_exchange(due, next, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            let _ = self.reload_when(|digests, d| std::mem::replace(&mut digests.seen, d) != d);
        }
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.reload_if_due();
        Some(self.current())
    }
}

/// HTTPS as `serve_tls` needs it: the certificates, and how long browsers are told to
/// come back only over HTTPS (`Strict-Transport-Security`; zero sends no header).
#[derive(Clone, Debug)]
pub struct Tls {
    pub certificates: Arc<Certificates>,
    pub hsts: Duration,
}

impl Tls {
    /// The rustls settings: TLS 1.2 and 1.3 with ring's safe defaults, HTTP/1.1 (the
    /// protocol the server speaks) offered by ALPN.
    pub fn server_config(&self) -> Result<rustls::ServerConfig, rustls::Error> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(self.certificates.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// A listener whose connections have finished their TLS handshake. Handshakes run in
/// tasks of their own, so a slow or silent client never holds up the next one.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    _accepting: AbortOnDrop,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: rustls::ServerConfig) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(Self { ready, local, _accepting: AbortOnDrop(task) })
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        // axum's accept logs and retries errors (a full file table, say).
        let (tcp, addr) = axum::serve::Listener::accept(&mut listener).await;
        // Small frames (an event, then its sender's ack) must not wait for the peer's
        // delayed ACK (Nagle's algorithm: ~40 ms on Linux).
        let _ = tcp.set_nodelay(true);
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, addr)).await;
                }
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended (it never does on its own): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener").field("local", &self.local).finish_non_exhaustive()
    }
}
