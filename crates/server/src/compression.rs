//! Compressing whole responses where they are made. actix-web's `Compress` hands every chunk
//! over 1 KB to tokio's blocking thread pool to be compressed (and sends the result chunked),
//! which made a gzip lesson page cost more than twice the page itself and grew a thread per
//! concurrent response (docs/performance.md). A page or a JSON document is complete before it
//! is sent, so this middleware compresses it on the worker, at the fast level, with a
//! `Content-Length`. `Compress` still wraps it for streamed bodies (exports, media): it leaves a
//! response that already has a `Content-Encoding` alone, and compresses small bodies in place.

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
    let accepted = accepts_gzip(req.request());
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
    let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
    out.extend_from_slice(&GZIP_HEADER);
    deflate_into(bytes, flate2::Compression::fast(), true, &mut out)?;
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    Some(out)
}

/// A gzip member's fixed header: deflate, no name or comment, no time, unknown system.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// Whether the request accepts a gzip-encoded answer (as the middleware decides it).
pub fn accepts_gzip(req: &actix_web::HttpRequest) -> bool {
    let gzip = Encoding::gzip();
    AcceptEncoding::parse(req)
        .is_ok_and(|a| a.negotiate([gzip.clone()].iter()) == Some(gzip.clone()))
}

/// A part of a gzip body compressed on its own, so it can be compressed once and sent in many
/// responses: raw deflate blocks, none of them final, ending on a byte boundary (a sync flush),
/// which any deflate stream may continue; and the CRC-32 and length of what it holds. A lesson's
/// text is one (`page_cache`): each request compresses only the parts around it.
pub struct Piece {
    deflate: Vec<u8>,
    crc: flate2::Crc,
}

impl Piece {
    /// `bytes` compressed at the best level: a piece is made once and sent many times.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut deflate = Vec::with_capacity(bytes.len() / 3 + 64);
        deflate_into(bytes, flate2::Compression::best(), false, &mut deflate)?;
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        Some(Self { deflate, crc })
    }

    /// The compressed size, for bounding a cache of pieces.
    pub fn compressed_len(&self) -> usize {
        self.deflate.len()
    }
}

/// The gzip member of `before`, `middle` and `after` one after the other: `before` and `after`
/// are compressed now at the fast level, `middle` is copied as it was compressed. Browsers
/// see one ordinary gzip stream.
pub fn gzip_around(before: &[u8], middle: &Piece, after: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(middle.deflate.len() + (before.len() + after.len()) / 3 + 64);
    out.extend_from_slice(&GZIP_HEADER);
    deflate_into(before, flate2::Compression::fast(), false, &mut out)?;
    out.extend_from_slice(&middle.deflate);
    deflate_into(after, flate2::Compression::fast(), true, &mut out)?;
    let mut crc = flate2::Crc::new();
    crc.update(before);
    crc.combine(&middle.crc);
    let mut tail = flate2::Crc::new();
    tail.update(after);
    crc.combine(&tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    Some(out)
}

/// One part of a gzip body put together from parts (`gzip_parts`).
pub enum Part<'a> {
    /// Compressed before, copied as it is.
    Compressed(&'a Piece),
    /// A few bytes sent as they are, in stored deflate blocks: for a CSRF token, cheaper than
    /// starting a compressor and only five bytes larger.
    Stored(&'a [u8]),
}

/// The largest stored deflate block (its length is 16 bits).
const STORED_MAX: usize = 0xffff;

/// The gzip member of `parts` one after the other, compressing nothing now: every part was
/// compressed before (and ends byte-aligned, not final) or is stored. Browsers see one ordinary
/// gzip stream.
pub fn gzip_parts(parts: &[Part<'_>]) -> Vec<u8> {
    let size: usize = parts
        .iter()
        .map(|p| match p {
            Part::Compressed(piece) => piece.deflate.len(),
            Part::Stored(bytes) => bytes.len() + 5 * (bytes.len() / STORED_MAX + 1),
        })
        .sum();
    let mut out = Vec::with_capacity(GZIP_HEADER.len() + size + 5 + 8);
    out.extend_from_slice(&GZIP_HEADER);
    let mut crc = flate2::Crc::new();
    for part in parts {
        match part {
            Part::Compressed(piece) => {
                out.extend_from_slice(&piece.deflate);
                crc.combine(&piece.crc);
            }
            Part::Stored(bytes) => {
                for block in bytes.chunks(STORED_MAX) {
                    // BFINAL 0, BTYPE 00 (stored), then LEN and its complement (RFC 1951, 3.2.4).
                    let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
                    out.push(0);
                    out.extend_from_slice(&len.to_le_bytes());
                    out.extend_from_slice(&(!len).to_le_bytes());
                    out.extend_from_slice(block);
                }
                let mut part_crc = flate2::Crc::new();
                part_crc.update(bytes);
                crc.combine(&part_crc);
            }
        }
    }
    // The final block: stored and empty.
    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&crc.amount().to_le_bytes());
    out
}

/// Appends `bytes` as raw deflate to `out`: ending with the final block when `last`, else with
/// a sync flush (byte-aligned, not final). The compressor's state is kept per thread and reset
/// between uses, so a response does not allocate one (about 300 KB at every level).
fn deflate_into(
    bytes: &[u8],
    level: flate2::Compression,
    last: bool,
    out: &mut Vec<u8>,
) -> Option<()> {
    use flate2::{Compress, FlushCompress, Status};
    thread_local! {
        static FAST: std::cell::RefCell<Option<Compress>> = const { std::cell::RefCell::new(None) };
    }
    let mut run = |c: &mut Compress| -> Option<()> {
        let flush = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        let start = c.total_in();
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let done = usize::try_from(c.total_in() - start).ok()?;
            let status = c.compress_vec(&bytes[done..], out, flush).ok()?;
            let consumed = usize::try_from(c.total_in() - start).ok()? == bytes.len();
            match status {
                Status::StreamEnd => return Some(()),
                // A sync flush is complete when all input is in and the output was not filled.
                _ if !last && consumed && out.len() < out.capacity() => return Some(()),
                _ => {}
            }
        }
    };
    if level == flate2::Compression::fast() {
        FAST.with(|cell| {
            let mut slot = cell.borrow_mut();
            let c = slot.get_or_insert_with(|| Compress::new(level, false));
            c.reset();
            run(c)
        })
    } else {
        run(&mut Compress::new(level, false))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn pieces_stitched_around_fresh_parts_make_one_gzip_stream() -> std::io::Result<()> {
        let before = "<!doctype html><title>Bài 1</title><nav>Khóa học</nav>".repeat(20);
        let middle = "<p>Mật khẩu mạnh có ít nhất 12 ký tự.</p>".repeat(300);
        let after = "<form><button>Đánh dấu đã học</button></form></html>";
        let piece = super::Piece::new(middle.as_bytes()).ok_or(std::io::ErrorKind::Other)?;
        assert!(piece.compressed_len() < middle.len() / 5);
        // The same piece in two responses, and an empty part around it.
        for (b, a) in [(before.as_str(), after), ("", "")] {
            let gz = super::gzip_around(b.as_bytes(), &piece, a.as_bytes())
                .ok_or(std::io::ErrorKind::Other)?;
            // A strict reader: one member, then nothing (MultiGzDecoder would hide a second).
            let mut back = String::new();
            let mut reader = flate2::bufread::GzDecoder::new(&gz[..]);
            reader.read_to_string(&mut back)?;
            assert_eq!(back, format!("{b}{middle}{a}"));
            assert!(
                reader.into_inner().is_empty(),
                "bytes after the gzip member"
            );
        }
        Ok(())
    }

    #[test]
    fn parts_compressed_before_and_stored_parts_make_one_gzip_stream() -> std::io::Result<()> {
        let frame = "<!doctype html><nav>Khóa học · Tiến độ</nav><form>".repeat(30);
        let body = "<p>Không chia sẻ mã OTP với bất kỳ ai.</p>".repeat(200);
        let frame = super::Piece::new(frame.as_bytes()).ok_or(std::io::ErrorKind::Other)?;
        let body_piece = super::Piece::new(body.as_bytes()).ok_or(std::io::ErrorKind::Other)?;
        let token = "0123456789abcdef".repeat(4);
        // A stored part longer than one stored block, and an empty one.
        let long = "x".repeat(super::STORED_MAX + 10);
        for stored in [token.as_str(), "", long.as_str()] {
            let gz = super::gzip_parts(&[
                super::Part::Compressed(&frame),
                super::Part::Stored(stored.as_bytes()),
                super::Part::Compressed(&body_piece),
                super::Part::Stored(stored.as_bytes()),
            ]);
            let mut back = Vec::new();
            let mut reader = flate2::bufread::GzDecoder::new(&gz[..]);
            reader.read_to_end(&mut back)?;
            let frame_text = "<!doctype html><nav>Khóa học · Tiến độ</nav><form>".repeat(30);
            assert_eq!(
                String::from_utf8_lossy(&back),
                format!("{frame_text}{stored}{body}{stored}")
            );
            assert!(
                reader.into_inner().is_empty(),
                "bytes after the gzip member"
            );
        }
        Ok(())
    }

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
