//! The self-signed certificate `campuslink demo --tls` serves, so a LAN trial has
//! HTTPS (which a phone's camera, microphone and the QR scanner need): made once for
//! the names this machine answers to, kept in the demo's data directory, and made
//! again only when the machine has a name it does not cover or it is near its end.

use anyhow::Context;
use server::tls::{TlsFiles, certificate_covers};
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a demo certificate is valid: under the 398 days browsers accept.
const VALIDITY: Duration = Duration::from_secs(397 * 24 * 3600);
/// After this a certificate is made anew at start (its file's age tells, as it is
/// written when made).
const RENEW_AFTER: Duration = Duration::from_secs(365 * 24 * 3600);

/// Where `demo --tls` keeps its pair, under the data directory.
pub fn files(data_dir: &Path) -> TlsFiles {
    let dir = data_dir.join("demo-tls");
    TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem") }
}

/// The names phones and this machine may use for it: localhost and loopback, the
/// host name (and its `.local` mDNS name), and the addresses of its network interfaces.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
    if let Ok(host) = whoami::hostname() {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        let is_dns_name = !host.is_empty()
            && host.parse::<IpAddr>().is_err()
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if is_dns_name {
            if !host.contains('.') {
                names.push(format!("{host}.local"));
            }
            names.push(host);
        }
    }
    names.extend(lan_addresses().iter().map(IpAddr::to_string));
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

/// This machine's addresses other than loopback and IPv6 link-local ones (which a
/// URL can name only with an interface).
pub fn lan_addresses() -> Vec<IpAddr> {
    let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
    interfaces
        .iter()
        .map(|i| i.ip())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local(),
            IpAddr::V6(v6) => !v6.is_loopback() && (v6.segments()[0] & 0xffc0) != 0xfe80,
        })
        .collect()
}

/// What `ensure` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Made {
    /// The pair already there covers every name and is not near its end.
    Reused,
    /// A new pair was written.
    New,
}

/// Makes sure `files` hold a self-signed certificate for every one of `names`, valid
/// at `now` for a while yet; writes a new pair (the key readable by its owner only)
/// when not.
pub fn ensure(files: &TlsFiles, names: &[String], now: SystemTime) -> anyhow::Result<Made> {
    if usable(files, names, now) {
        return Ok(Made::Reused);
    }
    let dir = files.cert.parent().context("the demo certificate needs a folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (cert, key) = generate(names, now)?;
    // Both are written beside their final names, then moved there: a start cut short
    // never leaves a certificate with another's key.
    let cert_tmp = files.cert.with_extension("pem.new");
    let key_tmp = files.key.with_extension("pem.new");
    write_private(&key_tmp, key.as_bytes()).with_context(|| format!("cannot write {}", key_tmp.display()))?;
    std::fs::write(&cert_tmp, cert.as_bytes()).with_context(|| format!("cannot write {}", cert_tmp.display()))?;
    std::fs::rename(&key_tmp, &files.key).with_context(|| format!("cannot write {}", files.key.display()))?;
    std::fs::rename(&cert_tmp, &files.cert).with_context(|| format!("cannot write {}", files.cert.display()))?;
    Ok(Made::New)
}

/// Whether the pair on disk can be served again: a good pair, every name covered, and
/// the certificate younger than `RENEW_AFTER`.
fn usable(files: &TlsFiles, names: &[String], now: SystemTime) -> bool {
    let pair = server::tls::Certificates::load(files.clone(), store::Clock::system());
    let (Ok(cert), true) = (std::fs::read(&files.cert), pair.is_ok()) else { return false };
    let made = std::fs::metadata(&files.cert).and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
    // Written after `now` was read (the same start, or a clock set back): young.
    let young = now.duration_since(made).map_or(true, |age| age < RENEW_AFTER);
    young && names.iter().all(|n| certificate_covers(&cert, n))
}

/// A P-256 key and a certificate it signs for `names`, for serving (not a CA): the PEM
/// certificate and the PEM (PKCS#8) key.
fn generate(names: &[String], now: SystemTime) -> anyhow::Result<(String, String)> {
    use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose};
    let mut params = CertificateParams::new(names.to_vec()).context("cannot make the demo certificate")?;
    params.distinguished_name.push(DnType::CommonName, "campuslink demo");
    params.distinguished_name.push(DnType::OrganizationName, "campuslink demo (self-signed)");
    let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let at = |s: i64| time::OffsetDateTime::from_unix_timestamp(s).context("the clock is out of range");
    // A day's slack for a phone whose clock is behind.
    params.not_before = at(secs - 24 * 3600)?;
    params.not_after = at(secs + VALIDITY.as_secs() as i64)?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().context("cannot make the demo key")?;
    let cert = params.self_signed(&key).context("cannot sign the demo certificate")?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Tells the person trying campuslink what the browser will show: the fingerprint to
/// check before accepting the certificate, and the addresses a phone can open.
pub fn print(certificates: &server::tls::Certificates, addr: std::net::SocketAddr) {
    println!("HTTPS with a self-signed demo certificate ({})", certificates.files().cert.display());
    println!("  SHA-256 fingerprint: {}", certificates.fingerprint());
    println!("  browsers warn about it: check that the fingerprint they show is this one, then accept it");
    let port = addr.port();
    let ip = addr.ip();
    if ip.is_loopback() {
        println!("  it listens on {ip} only: for phones on this network, start with --listen 0.0.0.0:{port}");
    } else if ip.is_unspecified() {
        for lan in lan_addresses().into_iter().filter(|a| a.is_ipv4() == ip.is_ipv4()) {
            println!("  from a phone on this network: https://{}", std::net::SocketAddr::new(lan, port));
        }
    } else {
        println!("  from a phone on this network: https://{addr}");
    }
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("campuslink-demo-cert-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_names_include_localhost_and_loopback() {
        let names = names();
        for n in ["localhost", "127.0.0.1", "::1"] {
            assert!(names.iter().any(|m| m == n), "{n} in {names:?}");
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }

    #[test]
    fn a_certificate_is_made_once_for_its_names_and_again_when_they_change() {
        let dir = scratch("reuse");
        let files = files(&dir);
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "campus-laptop".to_owned()];
        let now = SystemTime::now();
        assert_eq!(ensure(&files, &names, now).unwrap(), Made::New);
        let first = std::fs::read(&files.cert).unwrap();
        for n in &names {
            assert!(certificate_covers(&first, n), "covers {n}");
        }
        assert!(!certificate_covers(&first, "192.168.1.20"));
        assert!(!certificate_covers(&first, "other-host"));
        // It is a pair campuslink serves, with the key kept private.
        let served = server::tls::Certificates::load(files.clone(), store::Clock::system()).unwrap();
        assert_eq!(served.current().cert.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&files.key).unwrap().permissions().mode() & 0o777, 0o600);
        }

        assert_eq!(ensure(&files, &names, now).unwrap(), Made::Reused);
        assert_eq!(std::fs::read(&files.cert).unwrap(), first, "the same certificate on the next start");
        assert_eq!(ensure(&files, &names[..2], now).unwrap(), Made::Reused, "fewer names are covered");

        let moved = [names.clone(), vec!["192.168.1.20".to_owned()]].concat();
        assert_eq!(ensure(&files, &moved, now).unwrap(), Made::New, "a new address needs a new certificate");
        let second = std::fs::read(&files.cert).unwrap();
        assert_ne!(second, first);
        assert!(certificate_covers(&second, "192.168.1.20"));

        let next_year = now + RENEW_AFTER + Duration::from_secs(60);
        assert_eq!(ensure(&files, &moved, next_year).unwrap(), Made::New, "near its end it is made anew");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_key_means_a_new_pair() {
        let dir = scratch("nokey");
        let files = files(&dir);
        let names = vec!["localhost".to_owned()];
        ensure(&files, &names, SystemTime::now()).unwrap();
        std::fs::remove_file(&files.key).unwrap();
        assert_eq!(ensure(&files, &names, SystemTime::now()).unwrap(), Made::New);
        server::tls::Certificates::load(files, store::Clock::system()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
