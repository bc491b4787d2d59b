//! HTTP stories: what people and programs do with the platform, end to end through the real
//! routes, on SQLite (default) or PostgreSQL (`HOCVUSO_TEST_DATABASE_URL=postgres://…`).
//! One test binary for the whole workspace's stories: link time is our bottleneck.

mod access;
mod accounts;
mod attempts;
mod bad_input;
mod bench;
mod content;
mod contract;
mod credentials;
mod evidence;
mod goals;
mod guessing;
mod identity;
mod instants;
mod instructor;
mod invariants;
mod journey;
mod mail;
mod migrations;
mod ops;
mod pages;
mod path_credentials;
mod practice;
mod question_search;
mod scale;
mod search;
mod security_accounts;
mod security_data;
mod staff;
mod standards;
mod status_list;
mod studio;
mod studio_export;
mod two_factor;
mod units;
mod ux;
