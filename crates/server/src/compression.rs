//! Compressing whole responses where they are made. actix-web's `Compress` hands every chunk
//! over 1 KB to tokio's blocking thread pool to be compressed (and sends the result chunked),
//! which made a gzip lesson page cost more than twice the page itself and grew a thread per
//! concurrent response (docs/performance.md). A page or a JSON document is complete before it
//! is sent, so this middleware compresses it on the worker, at the fast level, with a
//! `Content-Length`. `Compress` still wraps it for streamed bodies (exports, media): it leaves a
//! response that already has a `Content-Encoding` alone, and compresses small bodies in place.

use std::io::Write;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;

/// Bodies under this size are left to `Compress`, which encodes them in place.
pub const INLINE_FROM: usize = 1024;

/// gzip-compresses complete bodies of at least `INLINE_FROM` bytes when the client accepts gzip.
pub async fn gzip_complete_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gzip = Encoding::gzip();
    let accepted = AcceptEncoding::parse(&req)
        .is_ok_and(|a| a.negotiate([gzip.clone()].iter()) == Some(gzip.clone()));
    let res = next.call(req).await?.map_into_boxed_body();
    if !accepted
        || res.headers().contains_key(header::CONTENT_ENCODING)
        || matches!(
            res.status(),
            StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
        )
    {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let res = match body.try_into_bytes() {
        Ok(bytes) if bytes.len() >= INLINE_FROM => match compress(&bytes) {
            Some(compressed) => {
                let mut res = head.set_body(BoxBody::new(compressed));
                let headers = res.headers_mut();
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
                res
            }
            None => head.set_body(BoxBody::new(bytes)),
        },
        Ok(bytes) => head.set_body(BoxBody::new(bytes)),
        Err(body) => head.set_body(body),
    };
    Ok(ServiceResponse::new(req, res))
}

/// gzip at the fast level (what `Compress` uses too); None if the encoder fails, when the body
/// goes out as it is.
fn compress(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn compressed_bodies_decompress_to_themselves() -> std::io::Result<()> {
        let page = "<p>Bài học về an toàn trên mạng</p>".repeat(100);
        let compressed = super::compress(page.as_bytes()).ok_or(std::io::ErrorKind::Other)?;
        assert!(compressed.len() < page.len() / 5);
        let mut back = String::new();
        flate2::read::GzDecoder::new(&compressed[..]).read_to_string(&mut back)?;
        assert_eq!(back, page);
        Ok(())
    }
}
