//! Integration tests: every test talks to a real server on a loopback port.
mod cli;
mod comments;
mod health;
mod helpers;
mod pages;
mod search;
mod static_files;
