//! `smp-guide moderator add|list|remove`.
use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use super::{ModeratorCommand, block_on, open};
use crate::accounts::passwords;

pub fn moderator(command: ModeratorCommand) -> ExitCode {
    block_on(async move {
        match command {
            ModeratorCommand::Add {
                username,
                password_stdin: _,
                db,
            } => {
                let username = username.trim().to_owned();
                if username.is_empty()
                    || username.chars().count() > 64
                    || username.chars().any(char::is_control)
                {
                    anyhow::bail!("the username must be 1 to 64 printable characters");
                }
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("reading the password from standard input")?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                passwords::check_strength(&password).map_err(|e| anyhow::anyhow!(e))?;
                let hash = tokio::task::spawn_blocking(move || passwords::hash_password(&password))
                    .await??;
                let store = open(&db).await?;
                let created = store
                    .upsert_moderator(&username, &hash, crate::clock::now())
                    .await?;
                println!(
                    "{} moderator {username}",
                    if created {
                        "created"
                    } else {
                        "reset the password of"
                    }
                );
            }
            ModeratorCommand::List { db } => {
                for m in open(&db).await?.moderators().await? {
                    println!(
                        "{}\tsince {}",
                        m.username,
                        crate::admin::timestamp(m.created_at)
                    );
                }
            }
            ModeratorCommand::Remove { username, db } => {
                if !open(&db).await?.remove_moderator(&username).await? {
                    anyhow::bail!("there is no moderator called {username}");
                }
                println!("removed moderator {username}");
            }
        }
        Ok(())
    })
}
