//! API tests against the real server on 127.0.0.1:0, with a fresh database each.

mod helpers;

mod accounts;
mod directory;
mod isolation;
mod registry;
