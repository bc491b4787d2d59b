//! Authentication: argon2id passwords, signed session tokens (cookie for pages, Bearer for the
//! API), CSRF defence for cookie-authenticated forms, and login throttling.

pub mod csrf;
pub mod keys;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

pub use session::{ApiUser, MaybeUser, PageUser};

pub const ROLE_LEARNER: &str = "learner";
pub const ROLE_INSTRUCTOR: &str = "instructor";
pub const ROLE_ADMIN: &str = "admin";
pub const ROLES: [&str; 3] = [ROLE_LEARNER, ROLE_INSTRUCTOR, ROLE_ADMIN];
