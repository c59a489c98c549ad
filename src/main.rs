//! The `tapdesk` binary: command line (clap), then the TUI against a real tenant (sign-in by
//! `--auth`, see `docs/real-tenant.md`) or against the embedded Graph simulator (`--demo`), the
//! simulator alone (`tapdesk simulate`), `tapdesk config path|init` and `tapdesk doctor`. See the
//! library's crate doc for the map of modules.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use tapdesk::app::Settings;
use tapdesk::app::signin::SignIn;
#[cfg(feature = "demo")]
use tapdesk::auth::device_code::PromptEvent;
use tapdesk::auth::device_code::PromptSink;
use tapdesk::auth::signin::{BuildOptions, Session};
use tapdesk::auth::{AuthMode, Cloud, CloudName};
use tapdesk::clipboard::{ClipboardMode, Environment};
use tapdesk::graph::client::GraphClient;
use tapdesk::graph::worker;
use tapdesk::run::{SignInChannels, WorkerChannels, run_tui};
use tapdesk::{audit, auth, config, doctor};
#[cfg(feature = "demo")]
use tapdesk_sim::{self as sim, tenant::Tenant};

/// Default number of people in the demo tenant.
const DEMO_USERS: usize = 2000;

/// tapdesk: find the caller, check their authentication methods, issue a Temporary Access Pass.
///
/// Settings come from the command line, then `TAPDESK_*` environment variables, then the config
/// file (`tapdesk config path`), then defaults.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Run against the embedded Graph simulator on a fictional tenant (contoso.example).
    #[arg(long)]
    demo: bool,
    /// Number of people in the generated demo tenant (1 to 1,000,000; the named demo people are
    /// always there).
    #[arg(long, default_value_t = DEMO_USERS, value_name = "N", value_parser = parse_users)]
    users: usize,
    /// Load the demo tenant from a JSON fixture instead of generating it.
    #[arg(long, value_name = "FILE")]
    demo_tenant: Option<PathBuf>,
    /// How long the demo's simulator takes per page of users: `realistic` (150 ms + 0.25 ms per
    /// user, about 400 ms per 999), `none`, or a fixed number of milliseconds per page.
    #[arg(long, default_value = "realistic", value_name = "SPEED", value_parser = parse_page_latency)]
    page_latency: PageLatencyArg,
    /// Where the demo's simulator listens (default: a free port on 127.0.0.1). Give a port, e.g.
    /// 127.0.0.1:8080, to act as the demo's users from another terminal (register a key, use the
    /// pass: `POST /simulator/users/{upn}/...`, see docs/simulator.md).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    demo_listen: std::net::SocketAddr,
    /// Your tenant: id (GUID) or domain, e.g. contoso.onmicrosoft.com [env: TAPDESK_TENANT].
    #[arg(long, global = true, value_name = "TENANT", value_parser = config::check_tenant)]
    tenant: Option<String>,
    /// Microsoft cloud [env: TAPDESK_CLOUD; default: global].
    #[arg(long, global = true, value_enum)]
    cloud: Option<CloudName>,
    /// How to sign in [env: TAPDESK_AUTH; default: device-code].
    #[arg(long, global = true, value_enum)]
    auth: Option<AuthMode>,
    /// Application (client) id of your tapdesk app registration [env: TAPDESK_CLIENT_ID].
    #[arg(long, global = true, value_name = "ID", value_parser = config::check_client_id)]
    client_id: Option<String>,
    /// Config file to read instead of the default one [env: TAPDESK_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How `c` copies the pass: desktop clipboard when local with a display else OSC 52 (auto),
    /// only the desktop clipboard (native), only OSC 52 (osc52), or never (off) [default: auto].
    #[arg(long, value_enum)]
    clipboard: Option<ClipboardMode>,
    /// Seconds after a copy at which tapdesk clears the clipboard if it still holds the pass
    /// (0 = never) [default: 30].
    #[arg(long, value_name = "SECONDS", value_parser = parse_clear_seconds)]
    clipboard_clear: Option<u64>,
    /// Require a ticket reference and the caller verification before a pass is issued, a method
    /// deleted or sessions revoked.
    #[arg(long)]
    require_ticket: bool,
    /// Audit log file (JSON lines, mode 0600). Default: the data directory's
    /// tapdesk/audit.jsonl, or tapdesk/demo-audit.jsonl with --demo.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Testing: the authority to sign in at instead of the cloud's (e.g. `tapdesk simulate`'s
    /// http://127.0.0.1:8080).
    #[arg(long, global = true, hide = true, env = "TAPDESK_AUTHORITY_HOST", value_name = "URL")]
    authority_host: Option<String>,
    /// Testing: the Graph root to call instead of the cloud's (e.g. http://127.0.0.1:8080).
    #[arg(long, global = true, hide = true, env = "TAPDESK_GRAPH_URL", value_name = "URL")]
    graph_url: Option<String>,
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
        /// Number of people in the generated tenant (1 to 1,000,000; the named demo people are
        /// always there).
        #[arg(long, default_value_t = DEMO_USERS, value_name = "N", value_parser = parse_users)]
        users: usize,
        /// Load the tenant from a JSON fixture instead of generating it (`--tenant` names the
        /// tenant to sign in to elsewhere, so the fixture has its own name here).
        #[arg(long, value_name = "FILE")]
        fixture: Option<PathBuf>,
        /// Time per page of `GET /users`: `realistic` (150 ms + 0.25 ms per user), `none`, or a
        /// fixed number of milliseconds per page.
        #[arg(long, default_value = "realistic", value_name = "SPEED", value_parser = parse_page_latency)]
        page_latency: PageLatencyArg,
    },
    /// The configuration file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check the setup line by line (config, sign-in, permissions, Graph, roles, TAP policy) and
    /// say how to fix what is wrong. Exits non-zero when a check fails.
    Doctor {
        /// Check against the embedded simulator, signing in by device code as the demo operator.
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print the path of the configuration file (whether or not it exists).
    Path,
    /// Write a commented default configuration file.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

/// Most people a generated tenant may have: the simulator holds each with their methods in
/// memory (about 2.7 KB a person), so a million takes about 3 GB.
const MAX_USERS: usize = 1_000_000;

fn parse_users(v: &str) -> Result<usize, String> {
    v.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_USERS).contains(n))
        .ok_or_else(|| format!("`{}` is not a number of people from 1 to 1,000,000", config::quote(v)))
}

/// `--page-latency`: the simulator's time per page of users (`None` = as fast as it can).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "demo"), allow(dead_code))]
enum PageLatencyArg {
    /// The simulator's realistic latency (`PageLatency::REALISTIC`).
    Realistic,
    /// No latency.
    None,
    /// A fixed number of milliseconds per page.
    PerPageMs(u64),
}

fn parse_page_latency(v: &str) -> Result<PageLatencyArg, String> {
    match v.trim() {
        "realistic" => Ok(PageLatencyArg::Realistic),
        "none" | "0" => Ok(PageLatencyArg::None),
        ms => ms.parse::<u64>().ok().filter(|&ms| ms <= 60_000).map(PageLatencyArg::PerPageMs).ok_or_else(|| {
            format!("`{}` is not `realistic`, `none` or milliseconds per page (0 to 60000)", config::quote(v))
        }),
    }
}

#[cfg(feature = "demo")]
impl PageLatencyArg {
    /// The simulator's setting for this choice.
    fn latency(self) -> Option<sim::PageLatency> {
        match self {
            PageLatencyArg::Realistic => Some(sim::PageLatency::REALISTIC),
            PageLatencyArg::None => None,
            PageLatencyArg::PerPageMs(ms) => Some(sim::PageLatency {
                per_page: std::time::Duration::from_millis(ms),
                per_user: std::time::Duration::ZERO,
            }),
        }
    }
}

fn parse_clear_seconds(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("`{}` is not a whole number of seconds", config::quote(v)))
        .and_then(config::check_clear_seconds)
}

impl Cli {
    /// The command-line layer of the settings.
    fn overrides(&self) -> config::Overrides {
        config::Overrides {
            tenant: self.tenant.clone(),
            cloud: self.cloud,
            auth: self.auth,
            client_id: self.client_id.clone(),
            clipboard: self.clipboard,
            clipboard_clear_seconds: self.clipboard_clear,
            require_ticket: self.require_ticket.then_some(true),
            audit_log: self.audit_log.clone(),
            ..config::Overrides::default()
        }
    }

    /// The cloud from the settings, with the testing overrides (`--authority-host`, `--graph-url`).
    fn cloud_for(&self, cfg: &config::Config) -> anyhow::Result<Cloud> {
        let named = Cloud::named(cfg.cloud);
        if self.authority_host.is_none() && self.graph_url.is_none() {
            return Ok(named);
        }
        for (what, v) in [("--authority-host", &self.authority_host), ("--graph-url", &self.graph_url)] {
            if let Some(v) = v {
                url::Url::parse(v).with_context(|| format!("{what} {v} is not a URL"))?;
            }
        }
        Ok(Cloud::custom(
            self.graph_url.as_deref().unwrap_or(&named.graph_root),
            &named.resource,
            self.authority_host.as_deref().unwrap_or(&named.authority_host),
        ))
    }

    /// The config file named by `--config` or `TAPDESK_CONFIG`, else the default path.
    fn config_path(&self) -> Option<PathBuf> {
        self.config
            .clone()
            .or_else(|| std::env::var_os("TAPDESK_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from))
            .or_else(config::default_path)
    }
}

#[cfg(feature = "demo")]
fn load_tenant(file: Option<&PathBuf>, users: usize) -> anyhow::Result<Tenant> {
    match file {
        Some(path) => {
            Tenant::from_json_file(path).with_context(|| format!("loading tenant fixture {}", path.display()))
        }
        None => Ok(Tenant::demo(users)),
    }
}

/// Every heap block is zeroed when it is freed (1Password's `zeroizing-alloc` over the system
/// allocator), so the buffers a Temporary Access Pass passes through on its way to the popup
/// (hyper's read buffer, serde's, the frames drawn) leave no copy behind once dropped; the pass
/// itself is a `SecretString`, wiped when the popup closes.
#[global_allocator]
static ALLOC: zeroizing_alloc::ZeroAlloc<std::alloc::System> = zeroizing_alloc::ZeroAlloc(std::alloc::System);

#[tokio::main]
async fn main() -> ExitCode {
    tapdesk::term::mark_process_start();
    // Before anything can hold a pass: no core dump, no ptrace, no /proc/PID/mem for others.
    for problem in tapdesk::hardening::protect() {
        eprintln!("tapdesk: warning: {problem}");
    }
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            // One line per cause, no backtrace: the operator reads this. The text may quote a
            // fixture or an STS answer: no control character reaches the terminal.
            eprintln!("tapdesk: {}", tapdesk::sanitize::lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Simulate { listen, users, fixture, page_latency }) => {
            simulate(*listen, *users, fixture.as_ref(), *page_latency).await
        }
        Some(Command::Config { action: ConfigAction::Path }) => {
            let path = cli.config_path().context("no configuration directory on this system (is HOME set?)")?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config { action: ConfigAction::Init { force } }) => {
            let path = cli.config_path().context("no configuration directory on this system (is HOME set?)")?;
            config::write_template(&path, *force)?;
            println!("Wrote {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        None if cli.demo => run_demo(&cli).await,
        Some(Command::Doctor { demo: true }) => doctor_demo(&cli).await,
        Some(Command::Doctor { demo: false }) => {
            let cfg = config::load(cli.overrides(), cli.config.as_deref()).map_err(|e| e.to_string());
            let cloud = match &cfg {
                Ok(c) => cli.cloud_for(c),
                Err(_) => Ok(Cloud::default()),
            };
            let (config, cloud) = match cloud {
                Ok(cloud) => (cfg, cloud),
                Err(e) => (Err(format!("{e:#}")), Cloud::default()),
            };
            let report = doctor::run(doctor::Setup { config, cloud, options: BuildOptions::default() }).await;
            print!("{}", tapdesk::sanitize::lines(&report.render()));
            Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        None => run_real_tenant(&cli).await,
    }
}

/// `tapdesk simulate`: the Graph simulator alone on `listen`, until Ctrl-C.
#[cfg(feature = "demo")]
async fn simulate(
    listen: SocketAddr,
    users: usize,
    fixture: Option<&PathBuf>,
    page_latency: PageLatencyArg,
) -> anyhow::Result<ExitCode> {
    let tenant = load_tenant(fixture, users)?;
    let handle = sim::start(tenant, listen).await.with_context(|| format!("listening on {listen}"))?;
    handle.control().set_page_latency(page_latency.latency());
    println!("Graph simulator on {}", handle.graph_base());
    println!("Token endpoint   {}", handle.token_url());
    println!(
        "Client id {} / secret {} (client_credentials); public client {} (device code, sign in at {}/devicelogin).",
        sim::contract::CLIENT_ID,
        sim::contract::CLIENT_SECRET,
        sim::contract::PUBLIC_CLIENT_ID,
        handle.authority()
    );
    println!(
        "Sign in with: tapdesk --tenant {} --client-id {} --authority-host {a} --graph-url {a}",
        handle.tenant_id(),
        sim::contract::PUBLIC_CLIENT_ID,
        a = handle.authority()
    );
    println!("Ctrl-C stops.");
    tokio::signal::ctrl_c().await?;
    handle.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// `tapdesk --demo`: the TUI against the embedded simulator on the demo tenant.
#[cfg(feature = "demo")]
async fn run_demo(cli: &Cli) -> anyhow::Result<ExitCode> {
    let cfg = config::load(cli.overrides(), cli.config.as_deref())?;
    // A fixture is read (and its errors reported) before the TUI starts; a generated
    // tenant is built in the background while the TUI draws its first frame (300,000
    // users take seconds): the simulator's port is bound now and answers once it is built.
    let (tenant_id, own_domains, build): (String, Vec<String>, Box<dyn FnOnce() -> Tenant + Send>) =
        match cli.demo_tenant.as_ref() {
            Some(_) => {
                let tenant = load_tenant(cli.demo_tenant.as_ref(), cli.users)?;
                (tenant.tenant_id.clone(), vec![tenant.domain.clone()], Box::new(move || tenant))
            }
            None => {
                let n = cli.users;
                // The generated staff come from the shared synthetic directory, on its domains.
                (sim::contract::TENANT_ID.to_owned(), sim::synth::own_domains(), Box::new(move || Tenant::demo(n)))
            }
        };
    let latency = cli.page_latency.latency();
    let handle = sim::start_deferred(cli.demo_listen, build, move |c| c.set_page_latency(latency))
        .await
        .context("starting the Graph simulator")?;
    let credential = auth::demo::credential(&tenant_id, handle.addr().port())
        .map_err(|e| anyhow::anyhow!("demo credential: {e}"))?;
    let base = url::Url::parse(&handle.graph_base())?;
    let client = GraphClient::new(base, credential, vec!["https://graph.microsoft.com/.default".into()])?;
    let (requests, replies) = worker::spawn(client);
    let settings = Settings {
        clipboard_clear_secs: cfg.clipboard_clear_seconds,
        require_justification: cfg.require_ticket,
        tap_defaults: cfg.tap,
        tenant: format!("{tenant_id} (demo)"),
        own_domains,
        ..Settings::default()
    };
    // The demo keeps its own log unless --audit-log names one: demo work never mixes with real work.
    let audit_path = cli
        .audit_log
        .clone()
        .or_else(|| audit::default_path(true))
        .context("no data directory for the audit log: pass --audit-log FILE")?;
    let channels = WorkerChannels { requests, replies };
    let audit = audit::AuditLog::new(audit_path);
    let result = run_tui(channels, Environment::from_process(), cfg.clipboard, settings, audit, None).await;
    handle.shutdown().await;
    result.map(exit_code)
}

#[cfg(not(feature = "demo"))]
const NO_DEMO: &str = "this tapdesk was built without the `demo` feature (the Graph simulator): build it with `cargo build --features demo`";

#[cfg(not(feature = "demo"))]
async fn simulate(_: SocketAddr, _: usize, _: Option<&PathBuf>, _: PageLatencyArg) -> anyhow::Result<ExitCode> {
    anyhow::bail!(NO_DEMO)
}

#[cfg(not(feature = "demo"))]
async fn run_demo(_: &Cli) -> anyhow::Result<ExitCode> {
    anyhow::bail!(NO_DEMO)
}

#[cfg(not(feature = "demo"))]
async fn doctor_demo(_: &Cli) -> anyhow::Result<ExitCode> {
    anyhow::bail!(NO_DEMO)
}

/// Runs the TUI against the configured tenant exactly like `--demo` runs it against the
/// simulator. Device-code sign-in happens inside the TUI (the code in a popup, Esc cancels; see
/// [`tapdesk::auth::worker`]); the other modes sign in first and print who signed in.
async fn run_real_tenant(cli: &Cli) -> anyhow::Result<ExitCode> {
    let cfg = config::load(cli.overrides(), cli.config.as_deref())?;
    let cloud = cli.cloud_for(&cfg)?;
    let session = Session::build(&cfg, cloud.clone(), BuildOptions::default()).map_err(anyhow::Error::msg)?;
    let mut settings = Settings {
        clipboard_clear_secs: cfg.clipboard_clear_seconds,
        require_justification: cfg.require_ticket,
        tap_defaults: cfg.tap,
        ..Settings::default()
    };
    let signin = match &session.device_code {
        Some(dc) => {
            // Until the sign-in worker points it at the TUI, no code may be printed under it.
            dc.set_prompt(PromptSink::Refuse);
            let state = SignIn::new(dc.tenant(), dc.app_name(), dc.client_id());
            let (requests, events) = auth::worker::spawn(session.clone());
            Some(SignInChannels { requests, events, signin: state })
        }
        None => {
            let signed = tokio::select! {
                r = session.sign_in() => r.map_err(|e| anyhow::anyhow!("sign-in failed: {e}"))?,
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("\nSign-in cancelled.");
                    return Ok(ExitCode::from(130));
                }
            };
            eprintln!(
                "Signed in as {} (tenant {}, --auth {}, cloud {}).",
                signed.identity.display, signed.identity.tenant, cfg.auth, cloud.label
            );
            for (_, why) in signed.capabilities.missing() {
                eprintln!("  note: {why}");
            }
            settings.apply_sign_in(&signed);
            None
        }
    };
    let base = url::Url::parse(&cloud.graph_base()).with_context(|| format!("Graph URL {}", cloud.graph_base()))?;
    let mut client = GraphClient::new(base, session.credential.clone(), session.scopes.clone())?;
    if let Some(handler) = &session.claims_handler {
        client = client.with_claims_handler(handler.clone());
    }
    if let Some(renewer) = &session.renewer {
        client = client.with_renewer(renewer.clone());
    }
    let (requests, replies) = worker::spawn(client);
    let audit_path = cfg
        .audit_log
        .clone()
        .or_else(|| audit::default_path(false))
        .context("no data directory for the audit log: set audit_log or pass --audit-log FILE")?;
    let channels = WorkerChannels { requests, replies };
    let audit = audit::AuditLog::new(audit_path);
    run_tui(channels, Environment::from_process(), cfg.clipboard, settings, audit, signin).await.map(exit_code)
}

/// 0 after a quit; 128 + the signal's number when a signal ended the console (`SIGTERM` → 143,
/// `SIGHUP` → 129), as a shell reports a death by that signal.
fn exit_code(signal: Option<i32>) -> ExitCode {
    match signal.and_then(|s| u8::try_from(128 + s).ok()) {
        Some(code) => ExitCode::from(code),
        None => ExitCode::SUCCESS,
    }
}

/// `tapdesk doctor --demo`: the doctor against the embedded simulator, signing in by device code
/// (approved automatically as the demo operator, Dana Okafor).
#[cfg(feature = "demo")]
async fn doctor_demo(cli: &Cli) -> anyhow::Result<ExitCode> {
    let tenant = load_tenant(cli.demo_tenant.as_ref(), cli.users)?;
    let domain = tenant.domain.clone();
    let operator = tenant.operator_id.clone();
    let handle = sim::start(tenant, "127.0.0.1:0".parse()?).await.context("starting the Graph simulator")?;
    let control = handle.control();
    control.set_sts(sim::StsSettings { device_code_interval_seconds: 1, ..control.sts() });
    let cfg = config::resolve(
        config::Overrides {
            auth: Some(AuthMode::DeviceCode),
            tenant: Some(domain),
            client_id: Some(sim::contract::PUBLIC_CLIENT_ID.to_owned()),
            ..config::Overrides::default()
        },
        config::Overrides::default(),
        config::Overrides::default(),
        config::ConfigSource { path: None, found: false },
    );
    let approve = control.clone();
    let prompt = PromptSink::Callback(std::sync::Arc::new(move |event| {
        if let PromptEvent::Show(p) = event {
            eprintln!("Demo: code {} at {} approved as the demo operator.", p.user_code, p.verification_uri);
            approve.approve_device_code(&p.user_code, &operator);
        }
    }));
    let cloud = Cloud::custom(&handle.authority(), sim::GRAPH_RESOURCE, &handle.authority());
    let options = BuildOptions { prompt: Some(prompt), ..BuildOptions::default() };
    let report = doctor::run(doctor::Setup { config: Ok(cfg), cloud, options }).await;
    handle.shutdown();
    print!("{}", tapdesk::sanitize::lines(&report.render()));
    Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
