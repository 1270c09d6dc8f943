//! campuslink's configuration: defaults, then the config file (`campuslink.toml` in
//! the working directory, or `--config FILE`), then `CAMPUSLINK__SECTION__KEY`
//! environment variables, then command-line flags.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must never reach a log line.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

/// Serialized only to show the settings (`campuslink check-config`): hidden as in Debug.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.0.is_empty() { "" } else { "****" })
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"****\"" })
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Config {
    pub server: ServerSection,
    pub database: DatabaseSection,
    pub auth: AuthSection,
    pub mail: MailSection,
    pub interconnection: InterconnectionSection,
    pub chat: ChatSection,
    pub push: PushSection,
    pub calls: CallsSection,
    pub s3: S3Section,
    pub metrics: MetricsSection,
}

/// Attachments in S3-compatible object storage instead of `chat.attachments_dir`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct S3Section {
    /// The bucket; empty: attachments stay on this machine's disk.
    pub bucket: String,
    /// e.g. `https://s3.ap-east-1.amazonaws.com`, or a MinIO's `http://10.0.0.5:9000`.
    pub endpoint: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: Secret,
    /// Keys go under this prefix in the bucket ("" for none).
    pub prefix: String,
}

/// Calls and meetings through the built-in media server.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CallsSection {
    pub enabled: bool,
    /// The UDP address media arrives on. Empty: `server.listen`'s host, port 3480 (or
    /// one the system picks when `server.listen`'s port is 0).
    pub media_listen: String,
    /// Media engines: threads of the media server, each with its own port — the media
    /// port, and the ones after it — carrying whole calls. One carries about a meeting
    /// of thirty; on a machine with cores to spare, more carry more calls at once.
    pub media_engines: usize,
    /// When the media server falls behind (a meeting bigger than its core carries, or a
    /// core other work takes), it sheds video step by step so that everyone's audio
    /// stays on time, and gives it back once it keeps up.
    pub shed_video: bool,
    /// The addresses phones and PCs reach the media server at (this machine's LAN or
    /// public addresses). Empty: the media address if it names one, otherwise this
    /// machine's address on its default route, and 127.0.0.1.
    pub advertise: Vec<String>,
    pub ring_timeout_seconds: u64,
    pub max_participants: usize,
    /// STUN and TURN servers for networks the media server cannot be reached from
    /// directly, e.g. `["turn:turn.school.edu.mo:3478?transport=udp"]`.
    pub ice_servers: Vec<String>,
    /// The TURN server's shared secret (coturn's `static-auth-secret`).
    pub turn_secret: Secret,
    /// Where the other campuslink nodes on the same database reach this node's API,
    /// for the calls it hosts (a request for one that reaches another node is passed on
    /// here), e.g. `http://10.0.0.2:8080`. Empty: `server.listen`, with this machine's
    /// address on its default route when it listens on every address.
    pub node_url: String,
}

impl Default for CallsSection {
    fn default() -> Self {
        Self {
            enabled: true,
            media_listen: String::new(),
            media_engines: 1,
            shed_video: true,
            advertise: Vec::new(),
            ring_timeout_seconds: 45,
            max_participants: 50,
            ice_servers: Vec::new(),
            turn_secret: Secret::default(),
            node_url: String::new(),
        }
    }
}

/// The port media arrives on when `calls.media_listen` does not say.
pub const MEDIA_PORT: u16 = 3480;

/// The most media engines (threads, and ports) one node runs.
pub const MAX_MEDIA_ENGINES: usize = 64;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PushSection {
    /// How the push services (Google, Mozilla, Apple) may reach whoever runs this
    /// campuslink: `mailto:…` or `https:…`. Empty: `mailto:` and the address of `mail.from`.
    pub contact: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Address to listen on.
    pub listen: String,
    /// Directory for the SQLite database and other files.
    pub data_dir: PathBuf,
    /// Set when campuslink is served over HTTPS by a proxy in front of it: cookies get
    /// `Secure`. With `tls_cert` they always do.
    pub secure_cookies: bool,
    /// Serve HTTPS: a PEM certificate chain (the server's certificate first) and its
    /// PEM private key (PKCS#8, RSA or EC). Both or neither; read again when they change.
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// With HTTPS, also listen here for plain HTTP and send every request to HTTPS
    /// (308), e.g. 0.0.0.0:80; empty: off.
    pub http_redirect: String,
    /// Largest upload (imports), in bytes.
    pub max_upload_bytes: usize,
    /// The address users reach campuslink at (for QR codes and e-mail links); empty:
    /// the address the browser used.
    pub public_url: String,
    /// Behind a reverse proxy: take client addresses (for the login rate limit) from
    /// the proxy's X-Forwarded-For instead of the connection.
    pub trust_forwarded_for: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MailSection {
    /// Sender of every e-mail.
    pub from: String,
    /// The bureau's address: filings go here.
    pub bureau_address: String,
    /// SMTP server; empty: e-mails are written as .eml files under data_dir/mail.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// "starttls", "tls" (implicit) or "none".
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: Secret,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InterconnectionSection {
    /// Invitations only between campuses covered by a confirmed filing.
    pub require_filing: bool,
    pub invitation_hours: u64,
    /// How long a removal's identity confirmation QR code stays valid.
    pub confirmation_minutes: u64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ChatSection {
    /// Most members of one group chat.
    pub max_group_members: usize,
    /// How long after sending a message its sender may recall it.
    pub recall_hours: u64,
    /// How long the event log keeps events; an app offline for longer reloads.
    pub event_retention_days: u64,
    /// Largest file or picture sent in a chat, in megabytes.
    pub max_attachment_mb: u64,
    /// Where attachments are kept; empty: `attachments` in the data directory.
    pub attachments_dir: PathBuf,
    /// Whether this node indexes messages for history search.
    pub search_index: bool,
    /// E-mail a digest of messages unread for this many hours to members who ask for
    /// one; 0: off.
    pub digest_after_hours: u64,
}

impl Default for ChatSection {
    fn default() -> Self {
        Self {
            max_group_members: 2000,
            recall_hours: 24,
            event_retention_days: 30,
            max_attachment_mb: 100,
            attachments_dir: PathBuf::new(),
            search_index: true,
            digest_after_hours: 0,
        }
    }
}

impl Default for MailSection {
    fn default() -> Self {
        Self {
            from: "campuslink <no-reply@campuslink.invalid>".into(),
            bureau_address: "bureau@campuslink.invalid".into(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
        }
    }
}

impl Default for InterconnectionSection {
    fn default() -> Self {
        Self { require_filing: true, invitation_hours: 24, confirmation_minutes: 2 }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSection {
    /// `sqlite://…` or `postgres://…`; empty means SQLite in the data directory.
    pub url: Secret,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSection {
    pub session_hours: u64,
    pub max_failed_logins: i64,
    pub lockout_minutes: u64,
    pub login_attempts_per_minute: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Address for Prometheus metrics (`/metrics`); empty means off.
    pub listen: String,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./campuslink-data"),
            secure_cookies: false,
            tls_cert: PathBuf::new(),
            tls_key: PathBuf::new(),
            http_redirect: String::new(),
            max_upload_bytes: 10 * 1024 * 1024,
            public_url: String::new(),
            trust_forwarded_for: false,
        }
    }
}

impl Default for DatabaseSection {
    fn default() -> Self {
        Self { url: Secret(String::new()) }
    }
}

impl Default for AuthSection {
    fn default() -> Self {
        Self { session_hours: 168, max_failed_logins: 5, lockout_minutes: 15, login_attempts_per_minute: 30 }
    }
}

impl Config {
    /// Loads defaults ← file ← environment. A missing default file is fine; a missing
    /// file named explicitly is an error.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut b = config::Config::builder();
        match file {
            Some(f) => b = b.add_source(config::File::from(f).required(true)),
            None => b = b.add_source(config::File::with_name("campuslink.toml").required(false)),
        }
        // A list is given in the environment comma-separated, e.g.
        // CAMPUSLINK__CALLS__ICE_SERVERS=stun:a.mo:3478,turn:b.mo:3478?transport=udp.
        b = b.add_source(
            config::Environment::with_prefix("CAMPUSLINK")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("calls.advertise")
                .with_list_parse_key("calls.ice_servers"),
        );
        // The config crate's messages name the key (`… for key `server.listen``) and,
        // for a file, the file; an unknown key is refused by `deny_unknown_fields`.
        let built = b.build().map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        built.try_deserialize().map_err(|e| anyhow::anyhow!("invalid configuration: {}", unknown_key(&e.to_string())))
    }

    /// Checks what types alone do not: each failure names its key. Messages never
    /// include a secret's value.
    pub fn validate(&self) -> anyhow::Result<()> {
        let bad = |key: &str, why: String| Err(anyhow::anyhow!("invalid configuration: {key}: {why}"));
        if let Err(why) = address(&self.server.listen) {
            return bad("server.listen", why);
        }
        if !self.metrics.listen.is_empty()
            && let Err(why) = address(&self.metrics.listen)
        {
            return bad("metrics.listen", why);
        }
        if !self.database.url.0.is_empty()
            && let Err(e) = store::Dialect::of_url(&self.database.url.0)
        {
            return bad("database.url", e.to_string());
        }
        if !matches!(self.mail.smtp_security.as_str(), "starttls" | "tls" | "none") {
            return bad(
                "mail.smtp_security",
                format!("must be starttls, tls or none, not {:?}", self.mail.smtp_security),
            );
        }
        let url = &self.server.public_url;
        if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
            return bad("server.public_url", format!("must start with https:// or http://, not {url:?}"));
        }
        let (cert, key) = (&self.server.tls_cert, &self.server.tls_key);
        if cert.as_os_str().is_empty() != key.as_os_str().is_empty() {
            let (missing, set) =
                if cert.as_os_str().is_empty() { ("tls_cert", "tls_key") } else { ("tls_key", "tls_cert") };
            return bad(&format!("server.{missing}"), format!("must be set with server.{set} (both or neither)"));
        }
        if !self.server.http_redirect.is_empty() {
            if let Err(why) = address(&self.server.http_redirect) {
                return bad("server.http_redirect", why);
            }
            if self.tls_files().is_none() {
                return bad(
                    "server.http_redirect",
                    "sends browsers to HTTPS: set server.tls_cert and server.tls_key".into(),
                );
            }
            if url.starts_with("http://") {
                return bad(
                    "server.http_redirect",
                    format!("would send browsers to server.public_url {url:?}, which is not https://"),
                );
            }
        }
        if self.server.data_dir.as_os_str().is_empty() {
            return bad("server.data_dir", "must not be empty".into());
        }
        if !self.s3.bucket.is_empty()
            && !self.s3.endpoint.starts_with("https://")
            && !self.s3.endpoint.starts_with("http://")
        {
            return bad("s3.endpoint", format!("must start with https:// or http://, not {:?}", self.s3.endpoint));
        }
        if self.calls.enabled {
            let media = self.media_listen();
            if media.parse::<std::net::SocketAddr>().is_err() {
                return bad("calls.media_listen", format!("must be ip:port, e.g. 0.0.0.0:{MEDIA_PORT}, not {media:?}"));
            }
            let engines = self.calls.media_engines;
            if !(1..=MAX_MEDIA_ENGINES).contains(&engines) {
                return bad("calls.media_engines", format!("must be 1 to {MAX_MEDIA_ENGINES}, not {engines}"));
            }
            if let Ok(at) = media.parse::<std::net::SocketAddr>()
                && at.port() != 0
                && usize::from(at.port()) + engines - 1 > usize::from(u16::MAX)
            {
                return bad(
                    "calls.media_engines",
                    format!("{engines} engines from port {} run past port 65535", at.port()),
                );
            }
            if let Some(a) = self.calls.advertise.iter().find(|a| a.parse::<std::net::IpAddr>().is_err()) {
                return bad("calls.advertise", format!("must be IP addresses, not {a:?}"));
            }
            let ice = ["stun:", "turn:", "turns:"];
            if let Some(u) = self.calls.ice_servers.iter().find(|u| !ice.iter().any(|p| u.starts_with(p))) {
                return bad("calls.ice_servers", format!("must be stun:, turn: or turns: URLs, not {u:?}"));
            }
            if self.calls.ice_servers.iter().any(|u| u.starts_with("turn")) && self.calls.turn_secret.0.is_empty() {
                return bad("calls.turn_secret", "must be set when ice_servers names a TURN server".into());
            }
            let node = self.calls.node_url.trim();
            if !node.is_empty() && !node.starts_with("http://") && !node.starts_with("https://") {
                return bad("calls.node_url", format!("must start with http:// or https://, not {node:?}"));
            }
        }
        let retention_hours = self.chat.event_retention_days.max(1) * 24;
        if self.chat.digest_after_hours > retention_hours {
            return bad(
                "chat.digest_after_hours",
                format!(
                    "must be at most chat.event_retention_days × 24 ({retention_hours}), not {}",
                    self.chat.digest_after_hours
                ),
            );
        }
        let contact = self.push.contact.trim();
        if !contact.is_empty() && !contact.starts_with("mailto:") && !contact.starts_with("https://") {
            return bad("push.contact", format!("must start with mailto: or https://, not {contact:?}"));
        }
        Ok(())
    }

    /// The settings as TOML, secrets hidden, for `campuslink check-config`.
    pub fn display(&self) -> anyhow::Result<String> {
        let mut out = String::from("# campuslink: the configuration in effect (secrets hidden)\n");
        if self.database.url.0.is_empty() {
            out.push_str(&format!("# database: {}\n", self.database_url()));
        }
        out.push('\n');
        out.push_str(&toml::to_string(self)?);
        Ok(out)
    }

    pub fn database_url(&self) -> String {
        if self.database.url.0.is_empty() {
            format!("sqlite://{}", self.server.data_dir.join("campuslink.db").display())
        } else {
            self.database.url.0.clone()
        }
    }

    /// The certificate and key to serve HTTPS with, if set.
    pub fn tls_files(&self) -> Option<server::tls::TlsFiles> {
        let s = &self.server;
        (!s.tls_cert.as_os_str().is_empty() && !s.tls_key.as_os_str().is_empty())
            .then(|| server::tls::TlsFiles { cert: s.tls_cert.clone(), key: s.tls_key.clone() })
    }

    pub fn server_config(&self) -> server::ServerConfig {
        use std::time::Duration;
        server::ServerConfig {
            session_ttl: Duration::from_secs(self.auth.session_hours.max(1) * 3600),
            secure_cookies: self.server.secure_cookies || self.tls_files().is_some(),
            login_max_failures: self.auth.max_failed_logins.max(1),
            lockout: Duration::from_secs(self.auth.lockout_minutes * 60),
            login_per_minute: self.auth.login_attempts_per_minute.max(1),
            trust_forwarded_for: self.server.trust_forwarded_for,
            max_upload_bytes: self.server.max_upload_bytes,
            public_url: Some(self.server.public_url.trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()),
            bureau_email: self.mail.bureau_address.clone(),
            require_filing: self.interconnection.require_filing,
            invitation_ttl: Duration::from_secs(self.interconnection.invitation_hours.max(1) * 3600),
            confirmation_ttl: Duration::from_secs(self.interconnection.confirmation_minutes.max(1) * 60),
            mail_lease: Duration::from_secs(60),
            max_group_members: self.chat.max_group_members.clamp(2, 100_000),
            recall_window: Duration::from_secs(self.chat.recall_hours * 3600),
            event_retention: Duration::from_secs(self.chat.event_retention_days.max(1) * 24 * 3600),
            ws_queue: 1024,
            max_attachment_bytes: self.chat.max_attachment_mb.clamp(1, 1_000_000) * 1024 * 1024,
            attachments_s3: (!self.s3.bucket.is_empty()).then(|| server::blobs_s3::S3Settings {
                endpoint: self.s3.endpoint.clone(),
                bucket: self.s3.bucket.clone(),
                region: self.s3.region.clone(),
                access_key: self.s3.access_key.clone(),
                secret_key: self.s3.secret_key.0.clone(),
                prefix: self.s3.prefix.clone(),
            }),
            attachments_dir: Some(if self.chat.attachments_dir.as_os_str().is_empty() {
                self.server.data_dir.join("attachments")
            } else {
                self.chat.attachments_dir.clone()
            }),
            unsent_attachment_ttl: Duration::from_secs(24 * 3600),
            push_contact: self.push_contact(),
            push_allow_loopback_http: false,
            search_indexer: self.chat.search_index,
            digest_after: (self.chat.digest_after_hours > 0)
                .then(|| Duration::from_secs(self.chat.digest_after_hours * 3600)),
            calls: self.call_settings(),
        }
    }

    fn media_listen(&self) -> String {
        if !self.calls.media_listen.is_empty() {
            return self.calls.media_listen.clone();
        }
        let (host, port) = self.server.listen.rsplit_once(':').unwrap_or(("127.0.0.1", ""));
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = if host == "localhost" { "127.0.0.1" } else { host };
        // A server on a port the system picks (tests, several on one machine) gets a
        // media port picked the same way.
        let port = if port == "0" { 0 } else { MEDIA_PORT };
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
    }

    fn call_settings(&self) -> server::calls::CallSettings {
        use std::net::{IpAddr, Ipv4Addr, SocketAddr};
        let c = &self.calls;
        let sfu = c.enabled.then(|| self.media_listen().parse::<SocketAddr>().ok()).flatten().map(|bind| {
            let mut advertise: Vec<IpAddr> = c.advertise.iter().filter_map(|a| a.parse().ok()).collect();
            if advertise.is_empty() {
                if bind.ip().is_unspecified() {
                    advertise.extend(default_route_address());
                    advertise.push(IpAddr::V4(Ipv4Addr::LOCALHOST));
                } else {
                    advertise.push(bind.ip());
                }
            }
            server::sfu::SfuConfig {
                bind,
                engines: c.media_engines.clamp(1, MAX_MEDIA_ENGINES),
                shed_video: c.shed_video,
                advertise,
                max_per_room: c.max_participants.clamp(2, 500),
                drop_after: std::time::Duration::from_secs(20),
                tcp: true,
                start_bitrate: server::sfu::START_BITRATE,
            }
        });
        server::calls::CallSettings {
            sfu,
            ring_timeout: std::time::Duration::from_secs(c.ring_timeout_seconds.clamp(5, 600)),
            max_participants: c.max_participants.clamp(2, 500),
            ice_servers: c.ice_servers.clone(),
            turn_secret: Some(c.turn_secret.0.clone()).filter(|s| !s.is_empty()),
            turn_ttl: std::time::Duration::from_secs(12 * 3600),
            node_url: Some(self.node_url()).filter(|u| !u.is_empty()),
        }
    }

    /// See `calls.node_url`: the one set, or `server.listen` as the other nodes reach
    /// it ("" when the port is the system's pick and so not known here).
    fn node_url(&self) -> String {
        if !self.calls.node_url.trim().is_empty() {
            return self.calls.node_url.trim().trim_end_matches('/').to_owned();
        }
        let scheme = if self.tls_files().is_some() { "https" } else { "http" };
        let Some((host, port)) = self.server.listen.rsplit_once(':') else { return String::new() };
        if port == "0" {
            return String::new();
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let host = match bare.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_unspecified() => match default_route_address() {
                Some(std::net::IpAddr::V6(a)) => format!("[{a}]"),
                Some(a) => a.to_string(),
                None => "127.0.0.1".into(),
            },
            _ => host.to_owned(),
        };
        format!("{scheme}://{host}:{port}")
    }

    /// The contact sent to push services: the configured one, or `mail.from`'s address.
    fn push_contact(&self) -> String {
        if !self.push.contact.trim().is_empty() {
            return self.push.contact.trim().to_owned();
        }
        let from = &self.mail.from;
        let address = match (from.rfind('<'), from.rfind('>')) {
            (Some(a), Some(b)) if a < b => &from[a + 1..b],
            _ => from.trim(),
        };
        format!("mailto:{address}")
    }

    /// The mail transport: SMTP when a host is set, `.eml` files otherwise.
    pub fn mailer(&self) -> anyhow::Result<server::mail::Mailer> {
        use server::mail::{Mailer, SmtpSecurity, SmtpSettings};
        let m = &self.mail;
        if m.smtp_host.is_empty() {
            return Mailer::files(self.server.data_dir.join("mail"), &m.from).map_err(anyhow::Error::msg);
        }
        let security = match m.smtp_security.as_str() {
            "starttls" => SmtpSecurity::StartTls,
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            other => anyhow::bail!("mail.smtp_security must be starttls, tls or none, not {other:?}"),
        };
        let settings = SmtpSettings {
            host: m.smtp_host.clone(),
            port: m.smtp_port,
            security,
            username: m.smtp_username.clone(),
            password: m.smtp_password.0.clone(),
        };
        Mailer::smtp(&settings, &m.from).map_err(anyhow::Error::msg)
    }
}

/// serde says "unknown field `listne`, expected one of … for key `server`"; an operator
/// looks for `server.listne`, so say that first.
fn unknown_key(message: &str) -> String {
    let field = message.strip_prefix("unknown field `").and_then(|r| r.split_once('`')).map(|(f, _)| f);
    let section = message.rsplit_once("for key `").and_then(|(_, r)| r.split_once('`')).map(|(k, _)| k);
    match (field, section) {
        (Some(f), Some(s)) => format!("unknown key `{s}.{f}` ({message})"),
        (Some(f), None) => format!("unknown key `{f}` ({message})"),
        _ => message.to_owned(),
    }
}

/// `host:port`, as the listener binds it (the host may be a name).
/// This machine's address on its default route: the one a phone on the school's
/// network reaches it at. Connecting a UDP socket only picks the route; nothing is sent.
fn default_route_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    s.local_addr().ok().map(|a| a.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

fn address(a: &str) -> Result<(), String> {
    match a.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(format!("must be host:port, e.g. 127.0.0.1:8080, not {a:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example file in the repository documents every setting with its default.
    #[test]
    fn example_config_matches_the_defaults() {
        let text = include_str!("../../../campuslink.example.toml");
        let parsed: Config = toml::from_str(text).unwrap();
        assert_eq!(parsed, Config::default());
    }

    /// The Debian package's /etc/campuslink/campuslink.toml is a valid configuration.
    #[test]
    fn the_packaged_config_is_valid() {
        let text = include_str!("../../../packaging/campuslink.toml");
        let parsed: Config = toml::from_str(text).unwrap();
        parsed.validate().unwrap();
        assert_eq!(parsed.server.data_dir, PathBuf::from("/var/lib/campuslink"));
    }

    #[test]
    fn secrets_do_not_print() {
        let c = DatabaseSection { url: Secret("postgres://u:pw@h/db".into()) };
        assert!(!format!("{c:?}").contains("pw"));
        let mut cfg = Config::default();
        cfg.database.url = Secret("postgres://u:pw@h/db".into());
        cfg.mail.smtp_password = Secret("hunter2".into());
        let shown = cfg.display().unwrap();
        assert!(!shown.contains("pw@") && !shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("smtp_password = \"****\""), "{shown}");
    }

    #[test]
    fn the_defaults_are_valid_and_bad_values_name_their_key() {
        Config::default().validate().unwrap();
        let mut cfg = Config::default();
        cfg.mail.smtp_security = "ssl".into();
        assert!(cfg.validate().unwrap_err().to_string().contains("mail.smtp_security"));
        let mut cfg = Config::default();
        cfg.server.listen = "8080".into();
        assert!(cfg.validate().unwrap_err().to_string().contains("server.listen"));
        let mut cfg = Config::default();
        cfg.database.url = Secret("mysql://u:pw@h/db".into());
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains("database.url") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn media_engines_take_the_ports_after_the_media_port() {
        let mut cfg = Config::default();
        cfg.calls.media_engines = 4;
        cfg.calls.media_listen = "0.0.0.0:3480".into();
        cfg.calls.advertise = vec!["192.0.2.7".into()];
        cfg.validate().unwrap();
        let sfu = cfg.server_config().calls.sfu.unwrap();
        assert_eq!((sfu.engines, sfu.bind.port()), (4, 3480));
        for bad in [0, MAX_MEDIA_ENGINES + 1] {
            cfg.calls.media_engines = bad;
            let e = cfg.validate().unwrap_err().to_string();
            assert!(e.contains("calls.media_engines: must be 1 to 64"), "{e}");
        }
        cfg.calls.media_engines = 3;
        cfg.calls.media_listen = "0.0.0.0:65534".into();
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains("calls.media_engines: 3 engines from port 65534 run past port 65535"), "{e}");
        cfg.calls.media_engines = 2;
        cfg.validate().unwrap();
    }

    #[test]
    fn the_digest_is_off_by_default_and_waits_no_longer_than_the_log_keeps() {
        assert_eq!(Config::default().server_config().digest_after, None);
        let mut cfg = Config::default();
        cfg.chat.digest_after_hours = 24;
        cfg.validate().unwrap();
        assert_eq!(cfg.server_config().digest_after, Some(std::time::Duration::from_secs(24 * 3600)));
        cfg.chat.digest_after_hours = 30 * 24 + 1;
        assert!(cfg.validate().unwrap_err().to_string().contains("chat.digest_after_hours"));
    }

    #[test]
    fn tls_takes_both_files_and_the_redirect_needs_it() {
        let mut cfg = Config::default();
        cfg.server.tls_cert = "/etc/campuslink/fullchain.pem".into();
        assert!(cfg.validate().unwrap_err().to_string().contains("server.tls_key: must be set with server.tls_cert"));
        cfg.server.tls_key = "/etc/campuslink/privkey.pem".into();
        cfg.validate().unwrap();
        assert!(cfg.server_config().secure_cookies, "cookies are Secure over HTTPS");
        assert!(!Config::default().server_config().secure_cookies);

        cfg.server.http_redirect = "80".into();
        assert!(cfg.validate().unwrap_err().to_string().contains("server.http_redirect: must be host:port"));
        cfg.server.http_redirect = "0.0.0.0:80".into();
        cfg.validate().unwrap();
        cfg.server.public_url = "http://chat.school.mo".into();
        assert!(cfg.validate().unwrap_err().to_string().contains("server.http_redirect"));

        let mut plain = Config::default();
        plain.server.http_redirect = "0.0.0.0:80".into();
        assert!(plain.validate().unwrap_err().to_string().contains("set server.tls_cert and server.tls_key"));
        plain.server.tls_key = "/k.pem".into();
        assert!(plain.validate().unwrap_err().to_string().contains("server.tls_cert: must be set with server.tls_key"));
    }
}
