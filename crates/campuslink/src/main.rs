//! `campuslink`: one program. `serve` runs it for real; `demo` seeds a demo school and
//! serves it.

mod config;
mod demo;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::Config;
use std::path::PathBuf;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "campuslink",
    version,
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
    /// Seed the demo school (idempotent), print its accounts, and serve.
    Demo,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("CAMPUSLINK_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let cli = Cli::parse();
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(l) = cli.listen {
        cfg.server.listen = l;
    }
    if let Some(d) = cli.data {
        cfg.server.data_dir = d;
    }
    if let Some(u) = cli.database_url {
        cfg.database.url = config::Secret(u);
    }
    std::fs::create_dir_all(&cfg.server.data_dir)
        .with_context(|| format!("cannot create data directory {}", cfg.server.data_dir.display()))?;

    let started = std::time::Instant::now();
    let store = store::Store::connect(&cfg.database_url()).await.context("cannot open the database")?;
    if let Command::AddBureauOfficer { login, name, name_pt } = &cli.command {
        let result = add_bureau_officer(&store, login, name, name_pt).await;
        store.close().await;
        return result;
    }
    if matches!(cli.command, Command::Demo) {
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

    let mailer = std::sync::Arc::new(cfg.mailer()?);
    let state = server::AppState::new(store.clone(), cfg.server_config(), mailer).await?;
    println!("campuslink listening on http://{addr}");
    if matches!(cli.command, Command::Demo) {
        demo::print_accounts();
    }
    tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "serving");
    server::serve(listener, state, async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    })
    .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
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
