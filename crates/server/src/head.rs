//! HEAD on every GET route (RFC 9110 §9.3.2): the same status and header fields as GET, and no
//! content. One middleware does it for every route (pages, API, static files, media, `/healthz`,
//! `/metrics`, the 404 page), so no route declares HEAD and none can forget it.
//!
//! A HEAD request is routed and handled as GET, marked with [`Head`] in its extensions, and its
//! body is replaced by one that reports the GET body's size and yields nothing: on the wire,
//! actix-http then writes the GET's `Content-Length` (or `Transfer-Encoding: chunked` for a
//! streamed body) and no content. It sits outside the compression, so `Content-Encoding` and
//! `Content-Length` are those of the GET, and inside the access log, which records `HEAD`.
//!
//! HEAD is as safe as GET and must change nothing a GET would not. Two GET handlers do more than
//! read and ask [`is_head`] first: the completions export (a HEAD starts no export and records
//! none) and the page of due work (a HEAD marks no notification read: nobody saw them).
//! Reads of personal data by staff are recorded in the audit trail for HEAD as for GET.
//!
//! Every 405 whose `Allow` names GET names HEAD too, whatever the method that was refused.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};

/// In a request's extensions: it came as HEAD (handlers see GET).
#[derive(Debug, Clone, Copy)]
pub struct Head;

/// Whether `req` came as HEAD, for the few GET handlers that do more than read.
pub fn is_head(req: &HttpRequest) -> bool {
    req.extensions().contains::<Head>()
}

/// Answers HEAD as GET without the content; passes every other method through.
pub async fn answer_head(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::HEAD {
        let mut res = next.call(req).await?;
        if res.status() == StatusCode::METHOD_NOT_ALLOWED {
            allow_head(res.headers_mut());
        }
        return Ok(res.map_into_boxed_body());
    }
    req.head_mut().method = Method::GET;
    req.extensions_mut().insert(Head);
    let (req, mut res) = next.call(req).await?.into_parts();
    if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        allow_head(res.headers_mut());
    }
    let size = res.body().size();
    let res = res.set_body(NoContent(size)).map_into_boxed_body();
    Ok(ServiceResponse::new(req, res))
}

/// `Allow: GET, …` becomes `Allow: GET, …, HEAD`.
fn allow_head(headers: &mut header::HeaderMap) {
    let Some(allow) = headers.get(header::ALLOW).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let methods: Vec<&str> = allow.split(',').map(str::trim).collect();
    if methods.contains(&"GET") && !methods.contains(&"HEAD") {
        if let Ok(v) = HeaderValue::from_str(&format!("{allow}, HEAD")) {
            headers.insert(header::ALLOW, v);
        }
    }
}

/// The body of a HEAD response: the size the GET body has, and no bytes.
struct NoContent(BodySize);

impl MessageBody for NoContent {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}
