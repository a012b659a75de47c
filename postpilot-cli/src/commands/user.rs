//! `postpilot user …`: the accounts use case with the database's full
//! access (`Actor::System`).

use postpilot_core::ports::Store;
use postpilot_core::{Actor, NewUser, User};
use postpilot_http::json::{ListedUserJson, TokenMadeJson, UserJson};

use crate::app::App;
use crate::cli::UserCmd;
use crate::error::CliError;
use crate::output::Output;
use crate::password::read_new_password;

fn show(user: User, out: Output) -> anyhow::Result<()> {
    let fields = [
        ("id", user.id.to_string()),
        ("email", user.email.to_string()),
        ("full_name", user.full_name.to_string()),
        ("role", user.role.code().to_owned()),
        ("blocked", user.blocked.to_string()),
    ];
    out.record(&UserJson::from(user), &fields)
}

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(|| "never".to_owned(), |at| at.to_rfc3339())
}

/// The user whose login `email` is; an error naming it when there is none.
async fn find<S: Store + Clone + 'static>(
    app: &App<S>,
    email: &postpilot_core::EmailAddress,
) -> Result<User, CliError> {
    app.uses
        .accounts
        .by_email(email)
        .await?
        .ok_or_else(|| CliError::Failed(anyhow::anyhow!("no user has the email {email}")))
}

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: UserCmd,
    out: Output,
) -> Result<(), CliError> {
    let accounts = &app.uses.accounts;
    let me = app.actor.clone();
    match cmd {
        UserCmd::Add { email, name, role } => {
            let password = read_new_password()?;
            let new = NewUser {
                email,
                full_name: name,
                role,
                confirmed: true,
            };
            let user = accounts.add(&me, new, Some(&password)).await?;
            let id = user.id.get();
            out.created(&UserJson::from(user), id)?;
        }
        UserCmd::List(page) => {
            let all = accounts.list(&me, page.page()).await?;
            let rows = all
                .iter()
                .map(|(u, counts)| {
                    vec![
                        u.id.to_string(),
                        u.email.to_string(),
                        u.full_name.to_string(),
                        u.role.code().to_owned(),
                        if u.blocked { "blocked" } else { "active" }.to_owned(),
                        when(u.last_login_at),
                        counts.recipients.to_string(),
                        counts.messages.to_string(),
                        counts.mailings.to_string(),
                        counts.mailings_active.to_string(),
                        counts.runs_launched.to_string(),
                    ]
                })
                .collect();
            let json: Vec<ListedUserJson> = all.into_iter().map(Into::into).collect();
            out.list(
                &json,
                &[
                    "id",
                    "email",
                    "full_name",
                    "role",
                    "state",
                    "last_login",
                    "recipients",
                    "messages",
                    "mailings",
                    "active",
                    "runs",
                ],
                rows,
            )?;
        }
        UserCmd::Block { email } => {
            let user = find(app, &email).await?;
            show(accounts.set_blocked(&me, user.id, true).await?, out)?;
        }
        UserCmd::Unblock { email } => {
            let user = find(app, &email).await?;
            show(accounts.set_blocked(&me, user.id, false).await?, out)?;
        }
        UserCmd::Role { email, role } => {
            let user = find(app, &email).await?;
            show(accounts.set_role(&me, user.id, role).await?, out)?;
        }
        UserCmd::Passwd { email } => {
            let user = find(app, &email).await?;
            let password = read_new_password()?;
            accounts.set_password(&me, user.id, &password).await?;
            out.done(&format!(
                "password of user {} set; their sessions ended",
                user.id
            ))?;
        }
        UserCmd::Token { email, name } => {
            let user = find(app, &email).await?;
            // The system makes anyone's token; a user (`--as`) only their own.
            if me.user().is_some_and(|acting| acting.id != user.id) {
                return Err(postpilot_core::Error::Forbidden {
                    role: me.role(),
                    action: "make another user's API tokens",
                }
                .into());
            }
            if !user.may_log_in() {
                return Err(CliError::Failed(anyhow::anyhow!(
                    "user {email} is blocked or has not confirmed their email: \
                     a token of theirs would not work"
                )));
            }
            let (key, info) = accounts.add_token(&Actor::User(user), name).await?;
            let made = TokenMadeJson {
                token: key.expose().to_owned(),
                info: info.into(),
            };
            out.key(&made, key.expose())?;
        }
    }
    Ok(())
}
