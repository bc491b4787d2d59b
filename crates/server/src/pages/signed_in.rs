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

/// A signed-in person's request for a lesson page (`/courses/{course_id}/lessons/{lesson_id}`):
/// as `SignedIn`, and whether they completed the lesson, read in the same query as their
/// session, so the page makes one round trip to the database, not two.
pub struct SignedInLesson {
    pub cx: SignedIn,
    /// None when the session had been read before (the page then asks on its own).
    pub completed: Option<bool>,
}

impl FromRequest for SignedInLesson {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let course = req.match_info().get("course_id").unwrap_or_default();
            let lesson = req.match_info().get("lesson_id").unwrap_or_default();
            let completion = (!course.is_empty() && !lesson.is_empty()).then_some((course, lesson));
            let user = crate::auth::session::page_user_reading(&req, completion).await?;
            let completed = crate::auth::session::Completed::of(&req, user.id, course, lesson);
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal_because("page", "no application state"))?;
            Ok(SignedInLesson {
                completed,
                cx: SignedIn {
                    req: req.clone(),
                    state,
                    user,
                },
            })
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
