//! Integration tests: every test talks to a real server on a loopback port.
mod admin;
mod browser;
mod cli;
mod comments;
mod compression;
mod editing;
mod health;
mod helpers;
mod hostile;
mod limits;
mod notify;
mod pages;
mod reliability;
mod search;
mod static_files;
