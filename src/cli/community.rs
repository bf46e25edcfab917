//! `pinhole users approve|reject|role|reset-password|list`, `pinhole invites …` and
//! `pinhole audit`: the operator's moderation tools. The operator acts as the owner would,
//! and every action lands in the audit log with no account named.

use clap::Subcommand;

use super::{CliError, UsersCommand, read_password};
use crate::{
    app,
    config::Config,
    db::posts::Page,
    domain::{
        self, DomainError,
        audit::Moderator,
        invites::NewInvite,
        moderation::{AccountAction, ActionKind, Reversal},
        roles::Role,
    },
    federation::objects::actor::local_actor_urls,
};

/// `pinhole invites …`
#[derive(Debug, Subcommand)]
pub enum InvitesCommand {
    /// Make an invite link in NAME's name; prints the link.
    Create {
        name: String,
        /// How many people may sign up with it (default: no limit).
        #[arg(long)]
        max_uses: Option<i32>,
        /// Hours until it expires (default: never).
        #[arg(long)]
        expires_in_hours: Option<i64>,
        /// New accounts follow NAME.
        #[arg(long)]
        autofollow: bool,
        /// A note for yourself (not shown to the invited).
        #[arg(long)]
        comment: Option<String>,
    },
    /// List invites: id, code, uses, expiry, maker, link.
    List,
    /// End an invite now (by the id `list` shows).
    Revoke { id: i64 },
}

/// A local account by name, or a known remote one by `user@host`.
async fn any_account(
    db: &crate::db::Pool,
    name: &str,
) -> Result<crate::db::entities::accounts::Model, CliError> {
    let name = name.trim_start_matches('@');
    match name.split_once('@') {
        Some((user, host)) => Ok(domain::accounts::find_remote(db, user, host)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("no known account @{name}")))?),
        None => Ok(domain::accounts::get_local(db, name).await?),
    }
}

/// The account commands besides `create`.
pub async fn users(config: Config, command: UsersCommand) -> Result<(), CliError> {
    let state = app::prepare_state(config).await?;
    let db = &state.db;
    let by = Moderator::Operator;
    match command {
        UsersCommand::List { pending } => {
            let accounts = if pending {
                domain::moderation::pending(db, by).await?
            } else {
                domain::accounts::list_local(db).await?
            };
            for a in accounts {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.username,
                    domain::roles::of(&a).name(),
                    domain::moderation::state(&a),
                    local_actor_urls(&state.config, &a.username).id
                );
                if pending && let Some(reason) = &a.sign_up_reason {
                    println!("\t\"{reason}\"");
                }
            }
        }
        UsersCommand::Approve { name } => {
            let a = domain::accounts::get_local(db, &name).await?;
            domain::registrations::approve(db, by, &a).await?;
            println!("{name} is approved and can sign in");
        }
        UsersCommand::Reject { name } => {
            let a = domain::accounts::get_local(db, &name).await?;
            domain::registrations::reject(db, by, &a).await?;
            println!("{name}'s sign-up is refused; the account is deleted");
        }
        UsersCommand::Action {
            name,
            action,
            text,
            report,
        } => {
            let kind = ActionKind::parse(&action)?;
            let a = any_account(db, &name).await?;
            let action = AccountAction {
                kind,
                text,
                report_id: report,
            };
            domain::moderation::act(db, by, &a, action).await?;
            println!("{name}: {} done", kind.name());
        }
        UsersCommand::Undo { name, undo } => {
            let reversal = Reversal::parse(&undo).ok_or_else(|| {
                DomainError::Invalid(format!(
                    "unknown undo `{undo}`: use enable, unsilence, unsuspend or unsensitive"
                ))
            })?;
            let a = any_account(db, &name).await?;
            domain::moderation::undo(db, by, &a, reversal).await?;
            println!("{name}: {undo} done");
        }
        UsersCommand::Role { name, role } => {
            let role = Role::parse(&role)?;
            let a = domain::accounts::get_local(db, &name).await?;
            domain::registrations::set_role(db, by, &a, role).await?;
            println!("{name} is now {}", role.name());
        }
        UsersCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let given = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let a = domain::accounts::get_local(db, &name).await?;
            let password = domain::accounts::reset_password(db, &a, given.clone()).await?;
            if given.is_none() {
                println!("{password}");
            }
            eprintln!("{name}'s password is reset; every session and app token is revoked");
        }
        UsersCommand::Create { .. } => unreachable!("handled by the caller"),
    }
    Ok(())
}

/// `pinhole invites …`
pub async fn invites(config: Config, command: InvitesCommand) -> Result<(), CliError> {
    let state = app::prepare_state(config).await?;
    let db = &state.db;
    match command {
        InvitesCommand::Create {
            name,
            max_uses,
            expires_in_hours,
            autofollow,
            comment,
        } => {
            let creator = domain::accounts::get_local(db, &name).await?;
            let new = NewInvite {
                max_uses,
                expires_in: expires_in_hours
                    .map(|h| chrono::TimeDelta::try_hours(h).unwrap_or(chrono::TimeDelta::MAX)),
                autofollow,
                comment,
            };
            let invite = domain::invites::create(db, &creator, new).await?;
            println!("{}", state.config.uris().invite(&invite.code));
        }
        InvitesCommand::List => {
            for i in domain::invites::list_all(db, Moderator::Operator).await? {
                let uses = match i.max_uses {
                    Some(max) => format!("{}/{max}", i.uses),
                    None => i.uses.to_string(),
                };
                let expires = i
                    .expires_at
                    .map_or_else(|| "never".to_string(), |t| t.to_rfc3339());
                println!(
                    "{}\t{}\tuses {uses}\texpires {expires}\tby {}\t{}",
                    i.id,
                    i.code,
                    i.account_id,
                    state.config.uris().invite(&i.code)
                );
            }
        }
        InvitesCommand::Revoke { id } => {
            let invite = domain::invites::revoke(db, Moderator::Operator, id).await?;
            println!("invite {} ({}) is revoked", invite.id, invite.code);
        }
    }
    Ok(())
}

/// `pinhole audit`
pub async fn audit(config: Config, limit: u64) -> Result<(), CliError> {
    let state = app::prepare_state(config).await?;
    let page = Page {
        limit: limit.clamp(1, 1000),
        ..Page::default()
    };
    let entries = domain::audit::log(&state.db, Moderator::Operator, &page).await?;
    let names = domain::audit::actors(&state.db, &entries).await?;
    for (e, by) in entries.iter().zip(names) {
        println!(
            "{}\t{by}\t{}\t{} {}\t{}",
            e.created_at.to_rfc3339(),
            e.action,
            e.target_type,
            e.target_name,
            e.text
        );
    }
    Ok(())
}
