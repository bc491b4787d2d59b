//! Application services: what a person can do, written once and called by both the pages and
//! the JSON API (so anything one can do, the other can). Each service parses its input, checks
//! the caller's `Scope`, calls the domain crates, and writes through the store in one
//! transaction.

pub mod accounts;
pub mod assignments;
pub mod community;
pub mod dashboard;
pub mod evidence;
pub mod import;
pub mod instructor;
pub mod learning;
pub mod ledger;
pub mod mastery;
pub mod next;
pub mod paging;
pub mod practice;
pub mod privacy;
pub mod question_search;
pub mod recovery;
pub mod search;
pub mod spreadsheet;
pub mod status_list;
pub mod studio;
pub mod two_factor;
pub mod units;
