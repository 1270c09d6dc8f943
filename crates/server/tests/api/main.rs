//! API tests against the real server on 127.0.0.1:0, with a fresh database each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod helpers;

mod accounts;
mod assets;
mod attachments;
mod calls;
mod chat;
mod digest;
mod directory;
mod extras;
mod interconnection;
mod isolation;
mod ops;
mod probe;
mod push;
mod registry;
mod search;
mod tls;
