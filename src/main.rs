//! The `tapdesk` binary: command line (clap), then either the TUI against the embedded Graph
//! simulator (`--demo`) or the simulator alone (`tapdesk simulate`). See the library's crate doc
//! for the map of modules.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use tapdesk::{audit, auth};
use tapdesk::app::Settings;
use tapdesk::clipboard::{ClipboardMode, Environment};
use tapdesk::graph::client::GraphClient;
use tapdesk::graph::worker;
use tapdesk::run::{WorkerChannels, run_tui};
use tapdesk::sim::{self, tenant::Tenant};

/// Default number of people in the demo tenant.
const DEMO_USERS: usize = 2000;

/// tapdesk: find the caller, check their authentication methods, issue a Temporary Access Pass.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Run against the embedded Graph simulator on a fictional tenant (contoso.example).
    #[arg(long)]
    demo: bool,
    /// Number of people in the generated demo tenant.
    #[arg(long, default_value_t = DEMO_USERS, value_name = "N")]
    users: usize,
    /// Load the demo tenant from a JSON fixture instead of generating it.
    #[arg(long, value_name = "FILE")]
    demo_tenant: Option<PathBuf>,
    /// How `c` copies the pass: desktop clipboard when local with a display else OSC 52 (auto),
    /// only the desktop clipboard (native), only OSC 52 (osc52), or never (off).
    #[arg(long, value_enum, default_value_t = ClipboardMode::Auto)]
    clipboard: ClipboardMode,
    /// Seconds after a copy at which tapdesk clears the clipboard if it still holds the pass (0 = never).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    clipboard_clear: u64,
    /// Require a ticket reference and the caller verification before a pass is issued, a method
    /// deleted or sessions revoked.
    #[arg(long)]
    require_ticket: bool,
    /// Audit log file (JSON lines, mode 0600). Default: the data directory's
    /// tapdesk/audit.jsonl, or tapdesk/demo-audit.jsonl with --demo.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Graph simulator alone (Graph under /v1.0, token endpoint under /{tenant}/oauth2/v2.0).
    Simulate {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Number of people in the generated tenant.
        #[arg(long, default_value_t = DEMO_USERS, value_name = "N")]
        users: usize,
        /// Load the tenant from a JSON fixture instead of generating it.
        #[arg(long, value_name = "FILE")]
        tenant: Option<PathBuf>,
    },
}

fn load_tenant(file: Option<&PathBuf>, users: usize) -> anyhow::Result<Tenant> {
    match file {
        Some(path) => Tenant::from_json_file(path)
            .with_context(|| format!("loading tenant fixture {}", path.display())),
        None => Ok(Tenant::demo(users)),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Simulate {
            listen,
            users,
            tenant,
        }) => {
            let tenant = load_tenant(tenant.as_ref(), users)?;
            let handle = sim::start(tenant, listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            println!("Graph simulator on {}", handle.graph_base());
            println!("Token endpoint   {}", handle.token_url());
            println!(
                "Client id {} / secret {} (client_credentials). Ctrl-C stops.",
                auth::DEMO_CLIENT_ID,
                auth::DEMO_CLIENT_SECRET
            );
            tokio::signal::ctrl_c().await?;
            handle.shutdown();
            Ok(())
        }
        None if cli.demo => {
            let tenant = load_tenant(cli.demo_tenant.as_ref(), cli.users)?;
            let handle = sim::start(tenant, "127.0.0.1:0".parse()?)
                .await
                .context("starting the Graph simulator")?;
            let tenant_id = auth::tenant_from_token_url(&handle.token_url())
                .context("the simulator's token URL names no tenant")?;
            let credential = auth::demo_credential(&tenant_id, handle.addr().port())
                .map_err(|e| anyhow::anyhow!("demo credential: {e}"))?;
            let base = url::Url::parse(&handle.graph_base())?;
            let client = GraphClient::new(
                base,
                credential,
                vec!["https://graph.microsoft.com/.default".into()],
            )?;
            let (requests, replies) = worker::spawn(client);
            let settings = Settings {
                clipboard_clear_secs: cli.clipboard_clear,
                require_justification: cli.require_ticket,
                tenant: format!("{tenant_id} (demo)"),
            };
            let audit_path = cli
                .audit_log
                .or_else(|| audit::default_path(true))
                .context("no data directory for the audit log: pass --audit-log FILE")?;
            let channels = WorkerChannels { requests, replies };
            let audit = audit::AuditLog::new(audit_path);
            let result = run_tui(channels, Environment::from_process(), cli.clipboard, settings, audit).await;
            handle.shutdown();
            result
        }
        None => {
            eprintln!(
                "tapdesk: signing in to a real tenant is not built yet. Run `tapdesk --demo` to use the \
                 embedded Graph simulator, or `tapdesk --help`."
            );
            std::process::exit(2);
        }
    }
}
