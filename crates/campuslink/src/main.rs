//! `campuslink`: one program. `serve` runs it for real; `demo` seeds a demo school and
//! serves it; `check-config`, `backup`, `restore` and `add-bureau-officer` are for the
//! operator.

mod config;
mod demo;
mod demo_cert;
mod test_clock;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::Config;
use std::path::PathBuf;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the C library's allocator: a send or a delivery allocates many
/// small, short-lived buffers (frames, rendered JSON, bound SQL values) across the
/// runtime's threads, and glibc's malloc took 14 % of the server's time doing it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "campuslink",
    version = version(),
    about = "Self-hostable messaging for schools and their interconnected campuses"
)]
struct Cli {
    /// Config file (default: campuslink.toml in the working directory, if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 0.0.0.0:8080 (port 0 picks a free port).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// Data directory (SQLite database and files).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve campuslink.
    Serve,
    /// Check the configuration and print the settings in effect (defaults, then the
    /// config file, then CAMPUSLINK__SECTION__KEY variables, then flags), secrets
    /// hidden. Exits non-zero, naming the key, on an unknown key or a bad value.
    CheckConfig,
    /// Copy the SQLite database to a new file, consistently, while campuslink runs.
    /// On PostgreSQL, use pg_dump.
    Backup {
        /// The backup file to write (must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup in place as the SQLite database of the data directory (stop
    /// campuslink first). Refuses a data directory that is not empty unless
    /// --overwrite, and a file that is not a whole campuslink backup. On PostgreSQL,
    /// use pg_restore.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
        /// Replace the installation in the data directory.
        #[arg(long)]
        overwrite: bool,
    },
    /// Seed the demo school (idempotent), print its accounts, and serve.
    Demo {
        /// Serve HTTPS with a self-signed certificate for this machine's names and
        /// addresses (kept in the data directory, reused on the next start), as a
        /// phone's camera and microphone need; server.tls_cert, if set, is used instead.
        #[arg(long)]
        tls: bool,
        /// For tests: the server's clock runs ahead of the system clock by what lines
        /// `advance <seconds>` on standard input add, each acknowledged on stdout with
        /// `clock advanced <seconds>`. Only the process that started campuslink can
        /// write its standard input, so only the test that started it moves the clock.
        #[arg(long, hide = true)]
        test_clock: bool,
    },
    /// Create an education bureau officer's account (the first account of a new
    /// installation). Reads the password from the first line of standard input.
    AddBureauOfficer {
        /// Login name, e.g. chan.tm
        #[arg(long)]
        login: String,
        /// Name in Chinese
        #[arg(long)]
        name: String,
        /// Name in Portuguese
        #[arg(long, default_value = "")]
        name_pt: String,
    },
}

/// `campuslink --version`: the program's version and the newest database schema it
/// knows (and so the newest it will open).
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| format!("{} (database schema {})", env!("CARGO_PKG_VERSION"), store::SCHEMA_VERSION))
}

/// Errors end the program with one readable line on stderr (the causes joined by
/// ": "), not a debug dump or a backtrace.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("campuslink: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    init_logging()?;
    let cli = Cli::parse();
    let demo_tls = matches!(cli.command, Command::Demo { tls: true, .. });
    let cfg = effective_config(&cli, demo_tls)?;
    if matches!(cli.command, Command::CheckConfig) {
        print!("{}", cfg.display()?);
        eprintln!("configuration ok");
        return Ok(());
    }
    // Before the data directory is created and the database opened (and migrated): a
    // restore wants an empty directory, and a backup must not change what it copies.
    match &cli.command {
        Command::Backup { to } => {
            let db = store::backup::sqlite_path(&cfg.database_url())?;
            let version = store::backup::backup(&db, to).await?;
            println!("backed up {} to {} (database schema {version})", db.display(), to.display());
            return Ok(());
        }
        Command::Restore { from, overwrite } => {
            let db = store::backup::sqlite_path(&cfg.database_url())?;
            let version = store::backup::restore(from, &db, &cfg.server.data_dir, *overwrite).await?;
            println!(
                "restored {} to {} (database schema {version}); start campuslink to use it",
                from.display(),
                db.display()
            );
            return Ok(());
        }
        _ => {}
    }
    std::fs::create_dir_all(&cfg.server.data_dir)
        .with_context(|| format!("cannot create data directory {}", cfg.server.data_dir.display()))?;
    let tls =
        if matches!(cli.command, Command::Serve | Command::Demo { .. }) { load_tls(&cfg, demo_tls)? } else { None };

    let started = std::time::Instant::now();
    let clock = if matches!(cli.command, Command::Demo { test_clock: true, .. }) {
        let clock = store::Clock::shifted();
        test_clock::follow_stdin(clock.clone());
        clock
    } else {
        store::Clock::system()
    };
    let store =
        store::Store::connect_with_clock(&cfg.database_url(), clock).await.context("cannot open the database")?;
    if let Command::AddBureauOfficer { login, name, name_pt } = &cli.command {
        let result = add_bureau_officer(&store, login, name, name_pt).await;
        store.close().await;
        return result;
    }
    if matches!(cli.command, Command::Demo { .. }) {
        demo::seed(&store).await.context("cannot seed the demo school")?;
    }
    store.optimize().await.context("cannot optimize the database")?;
    let listener = TcpListener::bind(&cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    let addr = listener.local_addr()?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if !cfg.metrics.listen.is_empty() {
        let handle = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
        let ml = TcpListener::bind(&cfg.metrics.listen)
            .await
            .with_context(|| format!("cannot listen on {} for metrics", cfg.metrics.listen))?;
        tracing::info!(addr = %ml.local_addr()?, "metrics at /metrics");
        let mut rx = stop_rx.clone();
        tokio::spawn(server::serve_metrics(ml, handle, async move {
            let _ = rx.changed().await;
        }));
    }
    let cleanup_store = store.clone();
    let retention = cfg.server_config().event_retention.as_millis() as i64;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = cleanup_store.prune_events(cleanup_store.now() - retention).await {
                tracing::warn!(error = %e, "event log pruning failed");
            }
            if let Err(e) = cleanup_store.purge_sessions().await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
            if let Err(e) = cleanup_store.optimize().await {
                tracing::warn!(error = %e, "database optimize failed");
            }
        }
    });

    if !cfg.server.http_redirect.is_empty() {
        let rl = TcpListener::bind(&cfg.server.http_redirect)
            .await
            .with_context(|| format!("cannot listen on {} for server.http_redirect", cfg.server.http_redirect))?;
        let target = server::redirect::Target::new(cfg.server_config().public_url.as_deref(), addr.port());
        tracing::info!(addr = %rl.local_addr()?, ?target, "plain HTTP redirected to HTTPS");
        let mut rx = stop_rx.clone();
        tokio::spawn(server::redirect::serve_redirect(rl, target, async move {
            let _ = rx.changed().await;
        }));
    }
    tokio::spawn(reload_on_hangup(tls.as_ref().map(|t| t.certificates.clone())));

    let mailer = std::sync::Arc::new(cfg.mailer()?);
    let state = server::AppState::new(store.clone(), cfg.server_config(), mailer).await?;
    if let Some(t) = &tls
        && serves_demo_certificate(&cfg, demo_tls)
    {
        demo_cert::print(&t.certificates, addr);
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("campuslink listening on {scheme}://{addr}");
    if matches!(cli.command, Command::Demo { .. }) {
        demo::print_accounts();
    }
    tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "serving");
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    match &tls {
        Some(tls) => server::serve_tls(listener, state, tls, shutdown).await?,
        None => server::serve(listener, state, shutdown).await?,
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Logs go to stderr (stdout is for what a command prints), as text or, with
/// `CAMPUSLINK_LOG_FORMAT=json`, as one JSON object a line for a log collector.
fn init_logging() -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_env("CAMPUSLINK_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match std::env::var("CAMPUSLINK_LOG_FORMAT").as_deref() {
        Err(_) | Ok("" | "text") => builder.init(),
        // Fields at the top level, beside `timestamp`, `level` and `message`, as
        // collectors (Loki, Elasticsearch, CloudWatch) index them.
        Ok("json") => builder.json().flatten_event(true).with_current_span(false).init(),
        Ok(other) => anyhow::bail!("CAMPUSLINK_LOG_FORMAT must be text or json, not {other:?}"),
    }
    Ok(())
}

/// The configuration in effect: defaults ← file ← environment ← flags, validated.
/// `demo --tls` names its own certificate files when the configuration names none.
fn effective_config(cli: &Cli, demo_tls: bool) -> anyhow::Result<Config> {
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(l) = &cli.listen {
        cfg.server.listen = l.clone();
    }
    if let Some(d) = &cli.data {
        cfg.server.data_dir = d.clone();
    }
    if let Some(u) = &cli.database_url {
        cfg.database.url = config::Secret(u.clone());
    }
    if demo_tls && cfg.tls_files().is_none() {
        let files = demo_cert::files(&cfg.server.data_dir);
        (cfg.server.tls_cert, cfg.server.tls_key) = (files.cert, files.key);
    }
    cfg.validate()?;
    Ok(cfg)
}

/// How long browsers are told to use only HTTPS: a year with the school's own
/// certificate; five minutes with the demo's self-signed one, which a browser honours
/// only once the certificate is trusted, and which a trial should not leave behind.
const HSTS: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
const HSTS_DEMO: std::time::Duration = std::time::Duration::from_secs(300);

/// The certificate to serve HTTPS with, checked (and for `demo --tls`, made) before
/// anything else starts; `None` without TLS settings.
fn load_tls(cfg: &Config, demo_tls: bool) -> anyhow::Result<Option<server::tls::Tls>> {
    let Some(files) = cfg.tls_files() else { return Ok(None) };
    let demo = serves_demo_certificate(cfg, demo_tls);
    if demo {
        let made = demo_cert::ensure(&files, &demo_cert::names(), std::time::SystemTime::now())?;
        tracing::info!(cert = %files.cert.display(), ?made, "demo certificate");
    }
    let certificates = server::tls::Certificates::load(files, store::Clock::system())
        .context("cannot serve HTTPS (server.tls_cert, server.tls_key)")?;
    tracing::info!(cert = %certificates.files().cert.display(), fingerprint = %certificates.fingerprint(), "HTTPS");
    Ok(Some(server::tls::Tls { certificates, hsts: if demo { HSTS_DEMO } else { HSTS } }))
}

/// Whether `demo --tls` serves its own certificate (not one the configuration names).
fn serves_demo_certificate(cfg: &Config, demo_tls: bool) -> bool {
    demo_tls && cfg.tls_files().is_some_and(|f| f.cert == demo_cert::files(&cfg.server.data_dir).cert)
}

/// SIGHUP (`systemctl reload campuslink`) reads the certificate files again at once,
/// rather than at the next handshake after `server::tls::RECHECK`; without HTTPS it is
/// ignored rather than ending the program.
async fn reload_on_hangup(certificates: Option<std::sync::Arc<server::tls::Certificates>>) {
    #[cfg(unix)]
    {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
        while hup.recv().await.is_some() {
            match &certificates {
                // `reload` logs what it found.
                Some(c) => {
                    let _ = c.reload();
                }
                None => tracing::info!("SIGHUP: no certificate to reload (HTTPS is off)"),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = certificates;
}

async fn add_bureau_officer(store: &store::Store, login: &str, name: &str, name_pt: &str) -> anyhow::Result<()> {
    use domain::member_row::{MemberFields, RawMemberFields};
    let fields = MemberFields::parse(&RawMemberFields { login, name_zh: name, name_pt, ..Default::default() })
        .map_err(|e| anyhow::anyhow!("invalid account: {}", describe(&e)))?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
    let password = domain::values::Password::parse(line.trim_end_matches(['\r', '\n']))
        .map_err(|i| anyhow::anyhow!("invalid password: {}", i.as_str()))?;
    let hash =
        server::auth::hash_password(&password).await.map_err(|e| anyhow::anyhow!("cannot hash the password: {e:?}"))?;
    let write = store::MemberWrite { fields: &fields, role: domain::Role::Bureau, department_ids: &[] };
    match store.create_member(None, write, Some(&hash)).await {
        Ok(m) => {
            println!("bureau officer {} created; sign in at /bureau", m.login);
            Ok(())
        }
        Err(store::StoreError::Duplicate(_)) => anyhow::bail!("the login {} is already taken", fields.login),
        Err(e) => Err(e.into()),
    }
}

fn describe(errors: &[domain::FieldError]) -> String {
    errors.iter().map(|e| format!("{} {}", e.field, e.invalid.as_str())).collect::<Vec<_>>().join(", ")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
