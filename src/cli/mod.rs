//! Command-line interface: parsing and dispatch only; the work happens in `app`/`domain`.
//! `community` holds the moderation commands (sign-ups, roles, invites, the audit log).

mod community;

use std::{io::BufRead, path::PathBuf};

use clap::{Parser, Subcommand};

use crate::{
    app::{self, App, AppError},
    config::{Config, ConfigError},
    domain::{
        self, DomainError, accounts::NewUser, follows::FollowState, roles::Role,
        tokens::DEFAULT_SCOPES,
    },
    domain::{
        media::NewMedia,
        posts::{NewPost, Visibility},
    },
    federation::{
        activities::actor_uri,
        objects::actor::local_actor_urls,
        posts::{StateDirectory, posting},
        resolve,
    },
};

/// Pinhole: a federated home for photos and short notes.
#[derive(Debug, Parser)]
#[command(name = "pinhole", version, about)]
pub struct Cli {
    /// Configuration file (default: config/default.toml when present).
    #[arg(long, global = true, env = "PINHOLE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage local accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage API access tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Invite links (sign-up by invitation).
    #[command(subcommand)]
    Invites(community::InvitesCommand),
    /// Read the moderation audit log, newest first.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Make local account NAME follow HANDLE (`@user@host`, or an actor URL).
    Follow { name: String, handle: String },
    /// Make local account NAME stop following HANDLE.
    Unfollow { name: String, handle: String },
    /// Follow requests to locked accounts.
    #[command(subcommand)]
    Follows(FollowsCommand),
    /// Publish a post as local account NAME (a photo post with --image, else a note).
    Post {
        name: String,
        /// The text (plain text; URLs, #tags and @mentions are linked).
        #[arg(long, default_value = "")]
        text: String,
        /// An image to attach (repeatable; JPEG, PNG, WebP, GIF, HEIC, AVIF).
        #[arg(long, value_name = "FILE")]
        image: Vec<PathBuf>,
        /// Alt text of the --image just before it.
        #[arg(long)]
        alt: Vec<String>,
        /// public, unlisted, private (followers only) or direct.
        #[arg(long, default_value = "public")]
        visibility: String,
        /// Content warning (marks the post sensitive).
        #[arg(long)]
        cw: Option<String>,
        /// Language code of the text (e.g. en).
        #[arg(long)]
        language: Option<String>,
        /// Which --image each --alt belongs to (filled from the argument order).
        #[arg(skip)]
        alt_for: Vec<Option<String>>,
    },
    /// Benchmarks (they print numbers and can write them to docs/performance.md).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

/// `pinhole follows …`
#[derive(Debug, Subcommand)]
pub enum FollowsCommand {
    /// List pending follow requests to NAME.
    Requests { name: String },
    /// Accept HANDLE's request to follow NAME.
    Approve { name: String, handle: String },
    /// Refuse HANDLE's request to follow NAME.
    Reject { name: String, handle: String },
}

/// `pinhole users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a local account and its signing keys; prints the actor URL.
    Create {
        /// Username: letters A-Z, digits and _, at most 30 characters.
        name: String,
        /// Make the account an administrator (same as --role admin).
        #[arg(long)]
        admin: bool,
        /// The account's role: owner, admin, moderator or user.
        #[arg(long, conflicts_with = "admin")]
        role: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Approve each follower by hand (`pinhole follows approve`).
        #[arg(long)]
        locked: bool,
    },
    /// List local accounts: id, name, role, state, actor URL.
    List {
        /// Only the sign-ups waiting for approval.
        #[arg(long)]
        pending: bool,
    },
    /// Let a pending sign-up in.
    Approve { name: String },
    /// Refuse a pending sign-up (the account is deleted).
    Reject { name: String },
    /// Act on an account (NAME, or user@host for a known remote one): none (a warning),
    /// sensitive, disable, silence or suspend. Settles the reports about it.
    Action {
        name: String,
        action: String,
        /// Shown to the account (the reason).
        #[arg(long, default_value = "")]
        text: String,
        /// The report this answers.
        #[arg(long)]
        report: Option<i64>,
    },
    /// Undo an action: enable, unsilence, unsuspend or unsensitive.
    Undo { name: String, undo: String },
    /// Give an account a role: owner, admin, moderator or user.
    Role { name: String, role: String },
    /// Set a new password (printed, or read with --password-stdin); every session and
    /// app token of the account stops working.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `pinhole tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a bearer token for a local account and print it (shown only once).
    Create {
        /// The account's username.
        name: String,
        /// Space-separated OAuth scopes.
        #[arg(long, default_value = DEFAULT_SCOPES)]
        scopes: String,
    },
}

/// Why a command failed; printed as `error: …` with a non-zero exit.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("no password on standard input (expected one line)")]
    EmptyPassword,
    #[error(transparent)]
    Resolve(#[from] crate::federation::resolve::ResolveError),
    #[error("cannot read {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("benchmark failed: {0}")]
    Bench(String),
}

impl From<crate::db::ConnectError> for CliError {
    fn from(e: crate::db::ConnectError) -> Self {
        CliError::App(AppError::Database(e))
    }
}

impl Cli {
    /// Parses the process arguments. `pinhole post` pairs each `--alt` with the `--image`
    /// before it, which needs the arguments' positions (derive alone loses them).
    pub fn parse_args() -> Result<Cli, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().try_get_matches()?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        if let Some(Command::Post {
            image,
            alt,
            alt_for,
            ..
        }) = &mut cli.command
            && let Some(("post", sub)) = matches.subcommand()
        {
            let images: Vec<usize> = sub
                .indices_of("image")
                .map(Iterator::collect)
                .unwrap_or_default();
            let alts: Vec<usize> = sub
                .indices_of("alt")
                .map(Iterator::collect)
                .unwrap_or_default();
            *alt_for = vec![None; image.len()];
            for (text, at) in alt.iter().zip(alts) {
                let Some(owner) = images.iter().rposition(|i| *i < at) else {
                    return Err(Cli::command().error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--alt must come after the --image it describes",
                    ));
                };
                if alt_for[owner].is_some() {
                    return Err(Cli::command().error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("image {} has two --alt texts", owner + 1),
                    ));
                }
                alt_for[owner] = Some(text.clone());
            }
        }
        Ok(cli)
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    app::init_logging(
        &config,
        !matches!(command, Command::Serve | Command::Migrate),
    );
    match command {
        Command::Serve => {
            let app = App::build(config).await?;
            let addr = app.local_addr()?;
            tracing::info!(%addr, public_url = %app.state().config.public_url, "Pinhole {} listening", crate::VERSION);
            app.run(app::shutdown_signal()).await?;
        }
        Command::Migrate => {
            let db = crate::db::connect(&config).await?;
            crate::db::migrate(&db).await?;
            domain::instance::ensure_keys(&db).await?;
            println!("database is up to date");
        }
        Command::Users(UsersCommand::Create {
            name,
            admin,
            role,
            password_stdin,
            locked,
        }) => {
            // Validate before touching the database or reading stdin.
            domain::accounts::validate_username(&name)?;
            let role = match role {
                Some(role) => Role::parse(&role)?,
                None if admin => Role::Admin,
                None => Role::User,
            };
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let new = NewUser {
                username: name,
                password,
                role,
                locked,
            };
            domain::accounts::validate_new_user(&new)?;
            let state = app::prepare_state(config).await?;
            let account = domain::accounts::create_local(&state.db, new).await?;
            println!("{}", local_actor_urls(&state.config, &account.username).id);
        }
        Command::Users(
            command @ (UsersCommand::List { .. }
            | UsersCommand::Approve { .. }
            | UsersCommand::Reject { .. }
            | UsersCommand::Role { .. }
            | UsersCommand::Action { .. }
            | UsersCommand::Undo { .. }
            | UsersCommand::ResetPassword { .. }),
        ) => community::users(config, command).await?,
        Command::Invites(command) => community::invites(config, command).await?,
        Command::Audit { limit } => community::audit(config, limit).await?,
        Command::Follow { name, handle } => {
            let state = app::prepare_state(config).await?;
            let me = domain::accounts::get_local(&state.db, &name).await?;
            let target = resolve::resolve_handle(&state.federation, &handle).await?;
            let (_, follow_state) =
                domain::follows::follow(&state.db, &state.federation.publisher, &me, &target)
                    .await?;
            match follow_state {
                FollowState::Accepted => println!("{name} now follows {handle}"),
                FollowState::Pending => println!(
                    "{name} asked to follow {handle}; the running server delivers the request"
                ),
                FollowState::Rejected => println!("{handle} refused {name}'s follow"),
            }
        }
        Command::Unfollow { name, handle } => {
            let state = app::prepare_state(config).await?;
            let me = domain::accounts::get_local(&state.db, &name).await?;
            let target = resolve::resolve_handle(&state.federation, &handle).await?;
            domain::follows::unfollow(&state.db, &state.federation.publisher, &me, &target).await?;
            println!("{name} no longer follows {handle}");
        }
        Command::Follows(FollowsCommand::Requests { name }) => {
            let state = app::prepare_state(config).await?;
            let me = domain::accounts::get_local(&state.db, &name).await?;
            for a in domain::follows::requests(&state.db, &me).await? {
                let handle = match &a.domain {
                    Some(d) => format!("@{}@{d}", a.username),
                    None => format!("@{}", a.username),
                };
                println!("{handle}\t{}", actor_uri(&state.config, &a));
            }
        }
        Command::Follows(FollowsCommand::Approve { name, handle }) => {
            answer_request(config, &name, &handle, true).await?;
            println!("{handle} now follows {name}");
        }
        Command::Follows(FollowsCommand::Reject { name, handle }) => {
            answer_request(config, &name, &handle, false).await?;
            println!("refused {handle}'s request to follow {name}");
        }
        Command::Post {
            name,
            text,
            image,
            visibility,
            cw,
            language,
            alt_for,
            ..
        } => {
            let visibility = Visibility::parse(&visibility)?;
            let mut images = Vec::new();
            for (n, path) in image.iter().enumerate() {
                let bytes = std::fs::read(path).map_err(|e| CliError::File(path.clone(), e))?;
                images.push(NewMedia {
                    label: Some(path.display().to_string()),
                    bytes,
                    description: alt_for.get(n).cloned().flatten(),
                    focus: None,
                });
            }
            let state = app::prepare_state(config).await?;
            let author = domain::accounts::get_local(&state.db, &name).await?;
            let directory = StateDirectory(&state.federation);
            let ctx = posting(&state.federation, &directory);
            let new = NewPost {
                text,
                media_ids: vec![],
                sensitive: cw.is_some(),
                spoiler_text: cw,
                visibility,
                language,
                in_reply_to_id: None,
                addressed: vec![],
                silent: vec![],
                media_changes: vec![],
            };
            let view = domain::posts::create_with_uploads(&ctx, &author, new, images).await?;
            println!("{}", view.post.uri);
        }
        Command::Bench(command) => {
            let _ = config;
            let report = crate::bench::run(command).await.map_err(CliError::Bench)?;
            print!("{report}");
        }
        Command::Tokens(TokensCommand::Create { name, scopes }) => {
            domain::tokens::parse_scopes(&scopes)?;
            let state = app::prepare_state(config).await?;
            let token = domain::tokens::create(&state.db, &name, &scopes).await?;
            println!("{token}");
        }
    }
    Ok(())
}

/// `pinhole follows approve|reject NAME HANDLE`.
async fn answer_request(
    config: Config,
    name: &str,
    handle: &str,
    approve: bool,
) -> Result<(), CliError> {
    let state = app::prepare_state(config).await?;
    let me = domain::accounts::get_local(&state.db, name).await?;
    let follower = resolve::resolve_handle(&state.federation, handle).await?;
    let publisher = &state.federation.publisher;
    domain::follows::answer(&state.db, publisher, &me, &follower, approve).await?;
    Ok(())
}

pub(crate) fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(CliError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(CliError::EmptyPassword);
    }
    Ok(password)
}
