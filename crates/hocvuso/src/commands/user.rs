use std::io::Read;

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use hocvuso_server::auth::{password::Hasher, ROLES, ROLE_LEARNER};
use hocvuso_store::NewUser;

#[derive(Subcommand)]
pub enum Command {
    /// Create an account. The password is read from standard input, never from the command line
    /// (which other users of the machine can see).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ROLES)]
        role: String,
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

pub async fn run(common: &super::Common, cmd: Command) -> Result<()> {
    match cmd {
        Command::Add {
            username,
            role,
            group,
            display_name,
            password_stdin,
        } => {
            if !hocvuso_server::app::accounts::valid_username(&username) {
                bail!("username must be 3–64 characters: letters, digits, '.', '_', '-'");
            }
            let mut password = String::new();
            if password_stdin {
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("reading the password")?;
            }
            let password = password.trim_end_matches(['\n', '\r']);
            if let Err(e) = hocvuso_server::auth::policy::check_password(password, &username) {
                bail!(
                    "password refused ({}): at least 8 characters, not only spaces, not the \
                     username, not a common password",
                    e.key
                );
            }
            let display_name = match display_name {
                Some(d) => Some(
                    hocvuso_server::auth::policy::display_name(&d)
                        .map_err(|e| anyhow::anyhow!("display name refused ({})", e.key))?,
                ),
                None => None,
            };
            if let Some(g) = &group {
                let catalog = hocvuso_course::load(&common.content_dir).map_err(|p| {
                    anyhow::anyhow!(
                        "content in {} is invalid:\n{p}",
                        common.content_dir.display()
                    )
                })?;
                if catalog.group(g).is_none() {
                    bail!("unknown group {g}");
                }
            }
            let hash = Hasher::new()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .hash(password)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = common.store().await?;
            let mut roles = vec![role.clone()];
            if role != ROLE_LEARNER {
                roles.push(ROLE_LEARNER.to_owned());
            }
            let user = store
                .create_user(
                    NewUser {
                        display_name: display_name.unwrap_or_else(|| username.clone()),
                        username,
                        password_hash: hash,
                        group,
                        birth_year: None,
                        roles,
                        #[allow(clippy::disallowed_methods)]
                        created_at: time::OffsetDateTime::now_utc(),
                    },
                    Vec::new(),
                )
                .await
                .map_err(|e| match e {
                    hocvuso_store::StoreError::Conflict(_) => {
                        anyhow::anyhow!("that username is taken")
                    }
                    other => anyhow::anyhow!(other),
                })?;
            println!(
                "created user {} (id {}) with roles {}",
                user.username,
                user.id,
                user.roles.join(", ")
            );
            Ok(())
        }
    }
}
