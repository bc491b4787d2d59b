//! Sign-in with an identity provider by OpenID Connect (authorization code flow with PKCE,
//! state and nonce), through the `openidconnect` crate: the provider's discovery document and
//! JWKS are read at each sign-in (so a key rotation needs nothing from us), and the ID token's
//! issuer, audience, expiry, nonce and signature are checked before its subject is believed.
//! The HTTP client (ureq) blocks, so every call runs on actix's blocking pool.

use std::time::Duration;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};

use crate::settings::OidcSettings;

/// Where the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/login/oidc/callback";

/// Why a sign-in with the provider failed (logged; the person sees one message).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("provider unreachable or its discovery document is invalid: {0}")]
    Discovery(String),
    #[error("token exchange refused: {0}")]
    Exchange(String),
    #[error("ID token refused: {0}")]
    Token(String),
}

/// A sign-in to start: where to send the browser, and what to keep until it comes back.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// Who the provider says signed in, after every check.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub birth_year: Option<i32>,
}

/// The provider's origin (scheme, host and port of its issuer URL), where the sign-in button's
/// form is redirected: the pages' `form-action` must name it, or the browser stops there. The
/// provider's authorization endpoint is expected on the issuer's origin (as discovery documents
/// have it).
pub fn provider_origin(settings: &crate::settings::Settings) -> Option<String> {
    let issuer = &settings.oidc.as_ref()?.issuer;
    let origin = openidconnect::url::Url::parse(issuer).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn http() -> openidconnect::ureq::Agent {
    openidconnect::ureq::AgentBuilder::new()
        // Following redirects would open the client to SSRF (openidconnect's advice).
        .redirects(0)
        .timeout(Duration::from_secs(10))
        .build()
}

fn redirect_url(public_url: &str) -> Result<RedirectUrl, OidcError> {
    RedirectUrl::new(format!(
        "{}{CALLBACK_PATH}",
        public_url.trim_end_matches('/')
    ))
    .map_err(|e| OidcError::Config(e.to_string()))
}

fn metadata(
    settings: &OidcSettings,
    http: &openidconnect::ureq::Agent,
) -> Result<CoreProviderMetadata, OidcError> {
    let issuer =
        IssuerUrl::new(settings.issuer.clone()).map_err(|e| OidcError::Config(e.to_string()))?;
    CoreProviderMetadata::discover(&issuer, http).map_err(|e| OidcError::Discovery(e.to_string()))
}

/// The client as the provider's metadata configures it: its authorization endpoint, and its
/// token and user-info endpoints when it names them.
type ProviderClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// This instance's client of the provider, from the provider's metadata read now (blocking):
/// both steps of a sign-in start from it.
fn client(
    settings: &OidcSettings,
    public_url: &str,
    http: &openidconnect::ureq::Agent,
) -> Result<ProviderClient, OidcError> {
    Ok(CoreClient::from_provider_metadata(
        metadata(settings, http)?,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect_url(public_url)?))
}

/// Reads the provider's metadata and builds the authorization URL (blocking).
pub fn start(settings: &OidcSettings, public_url: &str) -> Result<Started, OidcError> {
    let http = http();
    let client = client(settings, public_url, &http)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok(Started {
        authorize_url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code (with the PKCE verifier) and checks the ID token: signature by the
/// provider's JWKS, issuer, audience (this client), expiry and nonce (blocking).
pub fn finish(
    settings: &OidcSettings,
    public_url: &str,
    code: &str,
    nonce: &str,
    verifier: &str,
) -> Result<Identity, OidcError> {
    let http = http();
    let client = client(settings, public_url, &http)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| OidcError::Config(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
        .request(&http)
        .map_err(|e| OidcError::Exchange(e.to_string()))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| OidcError::Token("the token response has no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned()))
        .map_err(|e| OidcError::Token(e.to_string()))?;
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().trim().to_owned())
        .filter(|n| !n.is_empty());
    let birth_year = claims
        .birthdate()
        .and_then(|b| b.as_str().get(..4).and_then(|y| y.parse::<i32>().ok()))
        .filter(|y| *y > 0);
    Ok(Identity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        name,
        birth_year,
    })
}
