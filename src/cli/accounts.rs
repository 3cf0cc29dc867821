//! `smp-guide moderator add|list|remove` and `smp-guide editor add|list|remove`: the same
//! commands for either role of an account.
use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use super::{AccountCommand, block_on, open};
use crate::accounts::passwords;
use crate::store::Role;

pub fn account(role: Role, command: AccountCommand) -> ExitCode {
    let name = role.as_str();
    block_on(async move {
        match command {
            AccountCommand::Add {
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
                    .upsert_account(&username, &hash, role, crate::clock::now())
                    .await?;
                if created {
                    println!("created {name} {username}");
                } else {
                    println!("reset the password of {name} {username}");
                }
            }
            AccountCommand::List { db } => {
                for account in open(&db).await?.accounts().await? {
                    if account.roles.contains(&role) {
                        println!(
                            "{}\t{}\tsince {}",
                            account.username,
                            Role::join(&account.roles),
                            crate::admin::timestamp(account.created_at)
                        );
                    }
                }
            }
            AccountCommand::Remove { username, db } => {
                if !open(&db).await?.remove_role(&username, role).await? {
                    anyhow::bail!("there is no {name} called {username}");
                }
                println!("removed {name} {username}");
            }
        }
        Ok(())
    })
}
