//! smp-guide: a server-rendered guide to scalp micropigmentation.
//!
//! The binary in `main.rs` only parses the command line; everything else lives here so
//! that integration tests can start the real application on a loopback port.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
pub mod app;
pub mod assets;
pub mod cli;
pub mod client_key;
pub mod clock;
pub mod comments;
pub mod config;
pub mod content;
pub mod encoded;
pub mod file_backed;
pub mod http;
pub mod maintenance;
pub mod metrics;
pub mod notify;
pub mod paths;
pub mod reload;
pub mod server;
pub mod site;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod web;
