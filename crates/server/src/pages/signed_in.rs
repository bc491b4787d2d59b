//! What a signed-in page handler starts from, extracted once: the request, the application and
//! the person (`SignedIn`), and for a button's post, its CSRF field checked (`CsrfChecked`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use hocvuso_store::User;
use serde::Deserialize;

use crate::auth::{csrf, PageUser};
use crate::error::AppError;
use crate::state::AppState;

/// A signed-in person's request (anyone else is sent to the login page, as by `PageUser`).
pub struct SignedIn {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub user: User,
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = PageUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?.0;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal_because("page", "no application state"))?;
            Ok(SignedIn { req, state, user })
        })
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A form post with nothing but its CSRF field (a start button), checked.
pub struct CsrfChecked;

impl FromRequest for CsrfChecked {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<CsrfField>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?;
            csrf::verify(&req, &form.csrf)?;
            Ok(CsrfChecked)
        })
    }
}
