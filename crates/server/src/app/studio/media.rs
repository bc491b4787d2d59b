//! Media an instructor uploads: judged by the bytes (magic numbers), not the name or the
//! browser's word; images up to 2 MB, audio up to 20 MB; an SVG only when it is inert (the
//! assessment crate's rule: no scripts, handlers or outside references; a refused SVG is not
//! "cleaned", because the author should see that their file does something we will not serve).

use hocvuso_assessment::media::{self, MediaKind};

use crate::error::AppError;

pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_AUDIO_BYTES: usize = 20 * 1024 * 1024;

/// What an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    Image(&'static str),
    Audio(&'static str),
}

impl Upload {
    /// The extension the stored file gets.
    pub fn extension(self) -> &'static str {
        match self {
            Upload::Image(e) | Upload::Audio(e) => e,
        }
    }
}

/// Ogg pages carrying Opus: "OggS" then, in the first page, the "OpusHead" packet.
fn is_opus(bytes: &[u8]) -> bool {
    bytes.starts_with(b"OggS") && bytes.len() >= 36 && &bytes[28..36] == b"OpusHead"
}

/// Judges an upload's bytes. Errors are the Vietnamese keys the form shows at the field.
pub fn judge(bytes: &[u8]) -> Result<Upload, AppError> {
    let kind = if is_opus(bytes) {
        Upload::Audio("opus")
    } else {
        match MediaKind::of(bytes) {
            Some(MediaKind::Png) => Upload::Image("png"),
            Some(MediaKind::Jpeg) => Upload::Image("jpg"),
            Some(MediaKind::Webp) => Upload::Image("webp"),
            Some(MediaKind::Svg) => Upload::Image("svg"),
            Some(MediaKind::Mp3) => Upload::Audio("mp3"),
            Some(MediaKind::Gif) | None => {
                return Err(AppError::unprocessable("studio_media_type"));
            }
        }
    };
    let cap = match kind {
        Upload::Image(_) => MAX_IMAGE_BYTES,
        Upload::Audio(_) => MAX_AUDIO_BYTES,
    };
    if bytes.len() > cap {
        return Err(AppError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "studio_media_too_large",
        ));
    }
    if kind == Upload::Image("svg") {
        if let Err(why) = media::check("x.svg", bytes) {
            tracing::info!(why = %why, "studio refused an SVG upload");
            return Err(AppError::unprocessable("studio_svg_unsafe"));
        }
    }
    Ok(kind)
}

/// The stored name of an upload: the given name made safe, with the extension its bytes say.
pub fn stored_name(raw: &str, kind: Upload) -> Option<String> {
    let name = media::safe_name(raw)?;
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    Some(format!("{stem}.{}", kind.extension()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decide_the_kind() {
        assert_eq!(
            judge(b"\x89PNG\r\n\x1a\n....").ok(),
            Some(Upload::Image("png"))
        );
        assert!(judge(b"MZ\x90\x00 an executable").is_err());
        let mut opus = b"OggS".to_vec();
        opus.resize(28, 0);
        opus.extend_from_slice(b"OpusHead....");
        assert_eq!(judge(&opus).ok(), Some(Upload::Audio("opus")));
    }

    #[test]
    fn svg_with_script_is_refused_and_big_images_too() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(judge(svg).err().map(|e| e.key), Some("studio_svg_unsafe"));
        let external =
            br#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.vn/a.png"/></svg>"#;
        assert!(judge(external).is_err());
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(
            judge(&png).err().map(|e| e.key),
            Some("studio_media_too_large")
        );
    }

    #[test]
    fn names_get_the_extension_of_their_bytes() {
        assert_eq!(
            stored_name("Ảnh Chụp.PNG", Upload::Image("png")).as_deref(),
            Some("nh-ch-p.png")
        );
        assert_eq!(
            stored_name("bai1.exe", Upload::Audio("mp3")).as_deref(),
            Some("bai1.mp3")
        );
    }
}
