//! Registration, sign-in, signing out and changing a password. `docs/security.md` has the
//! threat model these rules answer.

use std::net::IpAddr;

use actix_web::http::StatusCode;

use hocvuso_store::{NewConsent, NewGuardian, NewUser, User};

use crate::auth::device::Device;
use crate::auth::password::HashError;
use crate::auth::{oidc, policy, throttle, token, totp, ROLE_LEARNER};
use crate::error::AppError;
use crate::state::AppState;

/// The privacy notice in force (web/templates/privacy.html). Consent records name it, so a
/// later change of the notice can tell who agreed to which text.
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-27";
/// Below this age a guardian's consent is needed too (Law 91/2025 on personal data).
pub const GUARDIAN_AGE: i32 = 16;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub group: String,
    pub birth_year: Option<i32>,
    /// How the person agreed to the privacy notice: `form` (ticked the box on our page) or `api`
    /// (a client app that showed the notice). None: they did not agree.
    pub consent_method: Option<&'static str>,
    pub guardian_consent: bool,
    /// The person said they are under 16 (without giving a birth year).
    pub under_16: bool,
    /// For a person under 16: the guardian's phone number or e-mail address.
    pub guardian_contact: Option<String>,
}

impl Registration {
    /// Whether the person is under 16 (by their answer, or their birth year this year).
    pub fn is_child(&self, this_year: i32) -> bool {
        self.under_16
            || self
                .birth_year
                .is_some_and(|b| this_year - b < GUARDIAN_AGE)
    }
}

/// A guardian's contact as kept: an e-mail address, or a phone number of 9 to 12 digits
/// (spaces, dots and dashes dropped; a leading + kept).
pub fn guardian_contact(input: &str) -> Option<String> {
    let t = input.trim();
    if t.contains('@') {
        return crate::mail::valid_address(t);
    }
    let plus = t.starts_with('+');
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '+'))
        .collect();
    if !(9..=12).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if plus { format!("+{digits}") } else { digits })
}

pub fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.chars().count())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Checks a registration; the first problem found is returned with its key. The display name
/// as it will be stored is `policy::display_name(&r.display_name)`.
pub fn validate(state: &AppState, r: &Registration) -> Result<(), AppError> {
    if !valid_username(&r.username) {
        return Err(AppError::unprocessable("invalid_username"));
    }
    policy::check_password(&r.password, &r.username)?;
    policy::display_name(&r.display_name)?;
    if state.catalog().group(&r.group).is_none() {
        return Err(AppError::unprocessable("unknown_group"));
    }
    let year = state.clock.now().year();
    if let Some(b) = r.birth_year {
        if !(1900..=year).contains(&b) {
            return Err(AppError::unprocessable("invalid_birth_year"));
        }
    }
    if r.is_child(year) {
        if !r.guardian_consent {
            return Err(AppError::unprocessable("guardian_consent_required"));
        }
        // A mentor's assisted registration records the guardian's consent given in person and
        // keeps no guardian contact (as before); self-registration needs the contact.
        match r.guardian_contact.as_deref().map(str::trim) {
            None | Some("") if r.consent_method == Some("assisted") => {}
            None | Some("") => return Err(AppError::unprocessable("guardian_contact_required")),
            Some(c) if guardian_contact(c).is_none() => {
                return Err(AppError::unprocessable("invalid_guardian_contact"))
            }
            Some(_) => {}
        }
    }
    if r.consent_method.is_none() {
        return Err(AppError::unprocessable("consent_required"));
    }
    Ok(())
}

/// Seconds a client is asked to wait when every hashing slot stayed busy.
const BUSY_RETRY_SECONDS: u64 = 5;

fn hash_error(e: HashError) -> AppError {
    match e {
        HashError::Busy => {
            tracing::warn!("password hashing slots busy; request refused");
            AppError::unavailable("server_busy", BUSY_RETRY_SECONDS)
        }
        HashError::Failed(e) => {
            tracing::error!(error = %e, "password hashing failed");
            AppError::internal()
        }
    }
}

/// argon2id in one of the bounded hashing slots, off the async executor.
pub async fn hash_password(state: &AppState, password: &str) -> Result<String, AppError> {
    state.hasher.hash_async(password).await.map_err(hash_error)
}

/// A self-registration: counted against the address's hourly allowance first, so a refused
/// registration costs no hash.
pub async fn register(
    state: &AppState,
    r: Registration,
    address: Option<IpAddr>,
) -> Result<Registered, AppError> {
    validate(state, &r)?;
    let child = r.is_child(state.clock.now().year());
    throttle::registration(state, address).await?;
    let display_name = policy::display_name(&r.display_name)?;
    let hash = hash_password(state, &r.password).await?;
    let mut consents = Vec::new();
    if let Some(method) = r.consent_method {
        consents.push(NewConsent {
            purpose: "privacy_notice".into(),
            notice_version: PRIVACY_NOTICE_VERSION.into(),
            method: method.into(),
        });
    }
    if r.guardian_consent {
        consents.push(NewConsent {
            purpose: GUARDIAN_PURPOSE.into(),
            notice_version: PRIVACY_NOTICE_VERSION.into(),
            method: r.consent_method.unwrap_or("form").into(),
        });
    }
    // A child's guardian gets a code to see the account and withdraw consent: shown once,
    // kept as a hash.
    let guardian = if child {
        let code = crate::auth::totp::new_recovery_codes().remove(0)
            + "-"
            + &crate::auth::totp::new_recovery_codes().remove(0);
        let contact = r
            .guardian_contact
            .as_deref()
            .and_then(guardian_contact)
            .ok_or_else(|| AppError::unprocessable("invalid_guardian_contact"))?;
        Some((code, contact))
    } else {
        None
    };
    let user = state
        .store
        .create_user_with_guardian(
            NewUser {
                username: r.username,
                display_name,
                password_hash: hash,
                group: Some(r.group),
                birth_year: r.birth_year,
                roles: vec![ROLE_LEARNER.into()],
                created_at: state.clock.now(),
            },
            consents,
            guardian.as_ref().map(|(code, contact)| NewGuardian {
                contact: contact.clone(),
                code_hash: crate::auth::totp::recovery_hash(code),
            }),
        )
        .await?;
    tracing::info!(user_id = user.id, child, "account registered");
    Ok(Registered {
        user,
        guardian_code: guardian.map(|(code, _)| code),
    })
}

/// A new account, and for a child the guardian's code (shown once).
pub struct Registered {
    pub user: User,
    pub guardian_code: Option<String>,
}

/// The consent purpose of a guardian's agreement for a learner under 16.
pub const GUARDIAN_PURPOSE: &str = "guardian";

/// Learning is open unless the account is a child's whose guardian withdrew consent (then 403
/// `guardian_consent_withdrawn` until the guardian agrees again).
pub async fn may_learn(state: &AppState, user: &User) -> Result<(), AppError> {
    if state.store.guardian(user.id).await?.is_some()
        && !state
            .store
            .consent_in_force(user.id, GUARDIAN_PURPOSE)
            .await?
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "guardian_consent_withdrawn",
        ));
    }
    Ok(())
}

/// What the guardian page shows: the child, whether consent is in force, and what is held.
pub struct Ward {
    pub user: User,
    pub contact: String,
    pub consent_in_force: bool,
}

/// Checks a guardian's child username and code (counted like a sign-in, by the child's account
/// and the guardian's address, so the code cannot be guessed).
pub async fn guardian_access(
    state: &AppState,
    username: &str,
    code: &str,
    address: Option<IpAddr>,
) -> Result<Ward, AppError> {
    let username = username.trim();
    let attempt =
        throttle::begin_sign_in(state, &format!("guardian\0{username}"), address, None).await?;
    let user = if valid_username(username) {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let guardian = match &user {
        Some(u) => state.store.guardian(u.id).await?,
        None => None,
    };
    let hash = crate::auth::totp::recovery_hash(code);
    match (user, guardian) {
        (Some(user), Some(g)) if crate::auth::totp::same(&g.code_hash, &hash) => {
            attempt.succeeded(state).await?;
            let consent_in_force = state
                .store
                .consent_in_force(user.id, GUARDIAN_PURPOSE)
                .await?;
            Ok(Ward {
                user,
                contact: g.contact,
                consent_in_force,
            })
        }
        _ => {
            attempt.failed(state).await?;
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_guardian_code",
            ))
        }
    }
}

/// The guardian withdraws (`give` false) or gives again (`give` true) their consent.
pub async fn guardian_consent(state: &AppState, ward: &Ward, give: bool) -> Result<(), AppError> {
    let now = state.clock.now();
    if give {
        state
            .store
            .grant_consent(
                ward.user.id,
                NewConsent {
                    purpose: GUARDIAN_PURPOSE.into(),
                    notice_version: PRIVACY_NOTICE_VERSION.into(),
                    method: "guardian_page".into(),
                },
                now,
            )
            .await?;
        tracing::info!(user_id = ward.user.id, "guardian consent given again");
    } else {
        state
            .store
            .withdraw_consent(ward.user.id, GUARDIAN_PURPOSE, now)
            .await?;
        tracing::info!(user_id = ward.user.id, "guardian consent withdrawn");
    }
    Ok(())
}

/// Where a sign-in comes from: the client's address and, if the browser signed in to the same
/// account before, its device cookie entry.
pub struct Origin {
    pub address: Option<IpAddr>,
    pub device: Option<Device>,
}

impl Origin {
    /// The origin of a request that signs in to `username`.
    pub fn of(req: &actix_web::HttpRequest, state: &AppState, username: &str) -> Self {
        Self {
            address: crate::auth::client::address(req, &state.settings),
            device: crate::auth::device::recognise(req, &state.keys, username),
        }
    }
}

pub struct LoggedIn {
    pub user: User,
    pub token: token::Issued,
    /// The new server-side session.
    pub session_id: String,
}

/// Where a sign-in stands after the password.
pub enum SignInStep {
    /// Signed in.
    Done(LoggedIn),
    /// The account has two-factor sign-in: the code is asked next, with this ticket.
    Code { user: User, ticket: String },
    /// The account must have two-factor sign-in (an administrator, when the setting requires
    /// it) and has none yet: enrolment comes next, with this ticket.
    Enrol { user: User, ticket: String },
}

/// Whether this account must use two-factor sign-in (`HOCVUSO_REQUIRE_TOTP_FOR_ADMINS`).
pub fn totp_required(state: &AppState, user: &User) -> bool {
    state.settings.require_totp_for_admins && user.has_role(crate::auth::ROLE_ADMIN)
}

/// Checks credentials with throttling. The attempt is counted before the password is checked;
/// unknown user, wrong password and an account without a password yet give the same error,
/// after the same work. An account with two-factor sign-in is not signed in yet: the code is
/// asked next (`second_factor`).
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    origin: &Origin,
) -> Result<SignInStep, AppError> {
    let attempt =
        throttle::begin_sign_in(state, username, origin.address, origin.device.as_ref()).await?;
    let user = if valid_username(username) {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let stored = user.as_ref().map(|u| u.password_hash.as_str());
    let ok = state
        .hasher
        .verify_async(password, stored)
        .await
        .map_err(hash_error)?;
    match user {
        Some(user) if ok => {
            let trusted = attempt.trusted;
            attempt.succeeded(state).await?;
            let factor = state.store.totp_factor(user.id).await?;
            let expires = state.clock.now().unix_timestamp() + totp::TICKET_SECONDS;
            if factor.is_some_and(|f| f.confirmed_at.is_some()) {
                let ticket = totp::ticket(&state.keys, user.id, expires);
                tracing::info!(user_id = user.id, "password right; code asked");
                return Ok(SignInStep::Code { user, ticket });
            }
            if totp_required(state, &user) {
                let ticket = totp::ticket(&state.keys, user.id, expires);
                tracing::info!(
                    user_id = user.id,
                    "password right; two-factor enrolment asked"
                );
                return Ok(SignInStep::Enrol { user, ticket });
            }
            let (token, session_id) = start_session(state, user.id).await?;
            tracing::info!(user_id = user.id, trusted, "logged in");
            Ok(SignInStep::Done(LoggedIn {
                user,
                token,
                session_id,
            }))
        }
        _ => {
            attempt.failed(state).await?;
            crate::metrics::login_failure();
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            ))
        }
    }
}

/// Records a new session and signs its token.
pub(crate) async fn start_session(
    state: &AppState,
    user_id: i64,
) -> Result<(token::Issued, String), AppError> {
    let now = state.clock.now();
    let sid = token::new_session_id();
    let issued = token::issue(
        &state.keys,
        user_id,
        &sid,
        now,
        state.settings.session_minutes,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "token signing failed");
        AppError::internal()
    })?;
    state
        .store
        .create_session(&sid, user_id, now, issued.expires_at)
        .await?;
    Ok((issued, sid))
}

/// Ends one session (signing out here).
pub async fn logout(state: &AppState, session_id: &str, user_id: i64) -> Result<(), AppError> {
    state
        .store
        .revoke_session(session_id, state.clock.now())
        .await?;
    tracing::info!(user_id, "logged out");
    Ok(())
}

/// Ends every session of the account, this one included ("sign out everywhere").
pub async fn logout_everywhere(state: &AppState, user_id: i64) -> Result<u64, AppError> {
    let n = state
        .store
        .revoke_sessions_of(user_id, None, state.clock.now())
        .await?;
    tracing::info!(user_id, sessions = n, "logged out everywhere");
    Ok(n)
}

/// Checks that whoever holds a session knows the account's password before a change only its
/// owner may make (a new password, a deletion). Counted like a sign-in, so a borrowed session
/// cannot be used to guess it: `wrong_current_password` when it is not the password.
pub async fn confirm_current_password(
    state: &AppState,
    user: &User,
    password: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    let attempt = throttle::begin_sign_in(
        state,
        &user.username,
        origin.address,
        origin.device.as_ref(),
    )
    .await?;
    let ok = state
        .hasher
        .verify_async(password, Some(&user.password_hash))
        .await
        .map_err(hash_error)?;
    if !ok {
        attempt.failed(state).await?;
        return Err(AppError::unprocessable("wrong_current_password"));
    }
    attempt.succeeded(state).await?;
    Ok(())
}

/// Changes the password after checking the current one (counted like a sign-in attempt, so a
/// borrowed session cannot be used to guess it), and ends every other session of the account.
pub async fn change_password(
    state: &AppState,
    user: &User,
    session_id: &str,
    current: &str,
    new: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    confirm_current_password(state, user, current, origin).await?;
    policy::check_password(new, &user.username)?;
    let hash = hash_password(state, new).await?;
    state
        .store
        .change_password(user.id, &hash, Some(session_id), state.clock.now())
        .await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    Ok(())
}

/// The notice shown beside the reminder address (`profile.email_purpose` in vi.toml): the
/// consent recorded when a learner gives an address names this version.
pub const EMAIL_NOTICE_VERSION: &str = "2026-12-05";

/// Sets or (with `None` or an empty text) removes the learner's address for reminder e-mail.
/// `method` says where they gave it (`form`, `api`). Returns the address now kept.
pub async fn set_reminder_email(
    state: &AppState,
    user: &User,
    input: Option<&str>,
    method: &'static str,
) -> Result<Option<String>, AppError> {
    let now = state.clock.now();
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if state.store.remove_reminder_email(user.id, now).await? {
                tracing::info!(user = user.id, "reminder address removed");
            }
            Ok(None)
        }
        Some(text) => {
            let address = crate::mail::valid_address(text)
                .ok_or_else(|| AppError::unprocessable("invalid_email"))?;
            state
                .store
                .set_reminder_email(
                    user.id,
                    &address,
                    NewConsent {
                        purpose: hocvuso_store::REMINDER_EMAIL_PURPOSE.into(),
                        notice_version: EMAIL_NOTICE_VERSION.into(),
                        method: method.into(),
                    },
                    now,
                )
                .await?;
            tracing::info!(user = user.id, "reminder address set");
            Ok(Some(address))
        }
    }
}

// ---- Sign-in with an identity provider (OpenID Connect) ----

/// How long a sign-in with the provider may take, from our redirect to its return.
pub const OIDC_LOGIN_MINUTES: i64 = 10;

fn oidc_settings(state: &AppState) -> Result<crate::settings::OidcSettings, AppError> {
    state.settings.oidc.clone().ok_or_else(AppError::not_found)
}

fn state_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn oidc_unavailable(e: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %e, "identity provider unavailable");
    AppError::new(StatusCode::BAD_GATEWAY, "oidc_unavailable")
}

/// Starts a sign-in with the provider: the URL to send the browser to, and the state to bind
/// to this browser (a cookie). The state is kept only as a hash, with the nonce and the PKCE
/// verifier, for `OIDC_LOGIN_MINUTES`.
pub async fn oidc_start(state: &AppState) -> Result<(String, String), AppError> {
    let settings = oidc_settings(state)?;
    let public_url = state.settings.public_url.clone();
    let started = actix_web::web::block(move || oidc::start(&settings, &public_url))
        .await
        .map_err(oidc_unavailable)?
        .map_err(oidc_unavailable)?;
    state
        .store
        .begin_oidc_login(
            &state_hash(&started.state),
            hocvuso_store::PendingOidc {
                nonce: started.nonce,
                verifier: started.verifier,
            },
            state.clock.now(),
        )
        .await?;
    Ok((started.authorize_url, started.state))
}

/// What came of the provider's return.
pub enum OidcOutcome {
    /// A linked account: signed in, or its second factor comes next.
    Step(SignInStep),
    /// Nobody is linked to this subject yet: the person proves a local account (or creates
    /// one) with this ticket.
    Unlinked {
        ticket: String,
        identity: oidc::Identity,
    },
}

/// The provider sent the browser back with `code` and `returned_state`; `bound_state` is the
/// state this browser was given (its cookie). A forged, replayed or expired state, a wrong
/// audience or issuer, an expired or badly signed ID token are all refused, writing nothing.
pub async fn oidc_finish(
    state: &AppState,
    returned_state: &str,
    bound_state: Option<&str>,
    code: &str,
) -> Result<OidcOutcome, AppError> {
    let settings = oidc_settings(state)?;
    let invalid = || AppError::bad_request("oidc_state_invalid");
    match bound_state {
        Some(b) if !returned_state.is_empty() && totp::same(b, returned_state) => {}
        _ => return Err(invalid()),
    }
    if code.is_empty() {
        return Err(invalid());
    }
    let now = state.clock.now();
    let pending = state
        .store
        .take_oidc_login(
            &state_hash(returned_state),
            now - time::Duration::minutes(OIDC_LOGIN_MINUTES),
            now,
        )
        .await?
        .ok_or_else(invalid)?;
    let public_url = state.settings.public_url.clone();
    let code = code.to_owned();
    let identity = actix_web::web::block(move || {
        oidc::finish(
            &settings,
            &public_url,
            &code,
            &pending.nonce,
            &pending.verifier,
        )
    })
    .await
    .map_err(oidc_unavailable)?
    .map_err(|e| match e {
        oidc::OidcError::Discovery(_) => oidc_unavailable(e),
        e => {
            tracing::warn!(error = %e, "identity provider's answer refused");
            crate::metrics::login_failure();
            AppError::new(StatusCode::UNAUTHORIZED, "oidc_refused")
        }
    })?;
    match state
        .store
        .user_by_oidc(&identity.issuer, &identity.subject)
        .await?
    {
        Some(user_id) => {
            let user = state
                .store
                .user_by_id(user_id)
                .await?
                .ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, "oidc_refused"))?;
            Ok(OidcOutcome::Step(after_first_factor(state, user).await?))
        }
        None => {
            let ticket = link_ticket(state, &identity)?;
            Ok(OidcOutcome::Unlinked { ticket, identity })
        }
    }
}

/// After a first factor (the password, or the provider): the code if the account has two-factor
/// sign-in, enrolment if it must, else a session.
async fn after_first_factor(state: &AppState, user: User) -> Result<SignInStep, AppError> {
    let factor = state.store.totp_factor(user.id).await?;
    let expires = state.clock.now().unix_timestamp() + totp::TICKET_SECONDS;
    if factor.is_some_and(|f| f.confirmed_at.is_some()) {
        let ticket = totp::ticket(&state.keys, user.id, expires);
        return Ok(SignInStep::Code { user, ticket });
    }
    if totp_required(state, &user) {
        let ticket = totp::ticket(&state.keys, user.id, expires);
        return Ok(SignInStep::Enrol { user, ticket });
    }
    let (token, session_id) = start_session(state, user.id).await?;
    tracing::info!(user_id = user.id, "logged in through the identity provider");
    Ok(SignInStep::Done(LoggedIn {
        user,
        token,
        session_id,
    }))
}

/// A signed, short-lived ticket carrying a verified identity to the link or create step.
fn link_ticket(state: &AppState, identity: &oidc::Identity) -> Result<String, AppError> {
    use base64::Engine as _;
    let expires = state.clock.now().unix_timestamp() + OIDC_LOGIN_MINUTES * 60;
    let body = serde_json::to_vec(&(identity, expires))
        .map_err(|e| AppError::internal_because("link ticket", e))?;
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body);
    let tag = state.keys.keyed_hash("oidc-link", &body);
    Ok(format!("{body}.{tag}"))
}

/// The identity a link ticket carries, if genuine and not expired.
pub fn check_link_ticket(state: &AppState, ticket: &str) -> Result<oidc::Identity, AppError> {
    use base64::Engine as _;
    let expired = || AppError::new(StatusCode::UNAUTHORIZED, "sign_in_expired");
    let (body, tag) = ticket.rsplit_once('.').ok_or_else(expired)?;
    if !totp::same(&state.keys.keyed_hash("oidc-link", body), tag) {
        return Err(expired());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| expired())?;
    let (identity, expires): (oidc::Identity, i64) =
        serde_json::from_slice(&bytes).map_err(|_| expired())?;
    if state.clock.now().unix_timestamp() >= expires {
        return Err(expired());
    }
    Ok(identity)
}

/// Links the provider's identity to a local account after its password is proved (names are
/// never matched), then goes on as a sign-in.
pub async fn oidc_link(
    state: &AppState,
    ticket: &str,
    username: &str,
    password: &str,
    origin: &Origin,
) -> Result<SignInStep, AppError> {
    let identity = check_link_ticket(state, ticket)?;
    let step = login(state, username, password, origin).await?;
    let user_id = match &step {
        SignInStep::Done(d) => d.user.id,
        SignInStep::Code { user, .. } | SignInStep::Enrol { user, .. } => user.id,
    };
    state
        .store
        .link_oidc(
            user_id,
            &identity.issuer,
            &identity.subject,
            state.clock.now(),
        )
        .await?;
    tracing::info!(user_id, "identity provider linked");
    Ok(step)
}

/// Creates a learner account for a provider's identity (display name and birth year from its
/// claims when given), linked to it, with no local password; consent to the privacy notice is
/// asked as at any registration. A person under 16 registers with the ordinary form (the
/// guardian's consent is asked there).
pub async fn oidc_register(
    state: &AppState,
    ticket: &str,
    username: &str,
    display_name: &str,
    group: &str,
    consent: bool,
) -> Result<LoggedIn, AppError> {
    let identity = check_link_ticket(state, ticket)?;
    let username = username.trim();
    if !valid_username(username) {
        return Err(AppError::unprocessable("invalid_username"));
    }
    let display_name = policy::display_name(
        identity
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(display_name),
    )?;
    if state.catalog().group(group).is_none() {
        return Err(AppError::unprocessable("unknown_group"));
    }
    let year = state.clock.now().year();
    let birth_year = identity.birth_year.filter(|b| (1900..=year).contains(b));
    if birth_year.is_some_and(|b| year - b < GUARDIAN_AGE) {
        return Err(AppError::unprocessable("oidc_child_registers_locally"));
    }
    if !consent {
        return Err(AppError::unprocessable("consent_required"));
    }
    let now = state.clock.now();
    let user = state
        .store
        .create_user_linked(
            NewUser {
                username: username.to_owned(),
                display_name,
                password_hash: hocvuso_store::NO_PASSWORD.into(),
                group: Some(group.to_owned()),
                birth_year,
                roles: vec![ROLE_LEARNER.into()],
                created_at: now,
            },
            vec![NewConsent {
                purpose: "privacy_notice".into(),
                notice_version: PRIVACY_NOTICE_VERSION.into(),
                method: "form".into(),
            }],
            &identity.issuer,
            &identity.subject,
        )
        .await?;
    let (token, session_id) = start_session(state, user.id).await?;
    tracing::info!(
        user_id = user.id,
        "account created through the identity provider"
    );
    Ok(LoggedIn {
        user,
        token,
        session_id,
    })
}
