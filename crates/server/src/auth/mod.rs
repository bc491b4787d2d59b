//! Authentication: argon2id passwords and the password policy, signed session tokens naming a
//! server-side session (cookie for pages, Bearer for the API), CSRF defence for
//! cookie-authenticated forms, sign-in and registration throttling with device cookies, and the
//! client's address behind trusted proxies. `docs/security.md` has the threat model.

pub mod client;
pub mod csrf;
pub mod device;
pub mod keys;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod scope;
pub mod session;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod totp_seal;

pub use scope::{Scope, Scoped};
pub use session::{ApiSession, ApiUser, MaybeUser, PageUser};

pub const ROLE_LEARNER: &str = "learner";
pub const ROLE_INSTRUCTOR: &str = "instructor";
pub const ROLE_ADMIN: &str = "admin";
/// Manages one or more units (scoped to them and what is below).
pub const ROLE_MANAGER: &str = hocvuso_store::ROLE_MANAGER;
/// A mentor ("Đại sứ số"): helps neighbours, registers them on their own phone, follows them.
pub const ROLE_MENTOR: &str = hocvuso_store::aggregates::ROLE_MENTOR;
pub const ROLES: [&str; 5] = [
    ROLE_LEARNER,
    ROLE_INSTRUCTOR,
    ROLE_ADMIN,
    ROLE_MANAGER,
    ROLE_MENTOR,
];
