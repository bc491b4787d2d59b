//! The printable certificate: one A4 landscape page a ward can print and hand over.
//!
//! Written with `pdf-writer`, `subsetter` and `ttf-parser`, the low-level crates typst is built
//! on (MIT OR Apache-2.0, pure Rust, a few seconds to compile): a certificate is one fixed page,
//! so a layout engine (and `printpdf`'s heavier dependency tree) would buy nothing. Text is set
//! in Noto Serif (SIL OFL 1.1, in `fonts/`), embedded as a subset with only the glyphs used, as
//! a CID font with a `ToUnicode` map, so text extracts exactly as given (`pdftotext`) and the
//! PDF stays a few tens of kilobytes.
//!
//! Vietnamese needs no shaping engine here: text is normalised to NFC, and Noto Serif has a
//! precomposed glyph for every Vietnamese letter (ễ, ặ, ư…), so each character is one glyph
//! with the right marks already placed. A character the font lacks as one glyph is drawn from
//! its canonical decomposition (base letter plus zero-width combining marks).
//!
//! A revoked certificate still renders (its holder may need to see what it was), stamped
//! `ĐÃ THU HỒI` with the date across the page and in a red band at the top, so no printout of
//! it passes for valid evidence; the QR code leads to the verification page, which says why.
//!
//! The verification URL is printed as text and drawn as a QR code (vector squares, medium error
//! correction), with a link annotation over both. All texts come from the caller: labels from
//! the server's translations, names and titles from the database and the content.

use std::collections::BTreeMap;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{ActionType, AnnotationType, CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;
use time::Date;
use unicode_normalization::UnicodeNormalization;

use crate::{CertificateId, Competence, Error, Level};

static REGULAR: &[u8] = include_bytes!("../fonts/NotoSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/NotoSerif-Bold.ttf");

/// What a certificate shows. Every text is Vietnamese as it should be printed.
#[derive(Debug, Clone)]
pub struct CertificateDoc {
    pub learner_name: String,
    /// The course title, or the path's (group's) title.
    pub achievement_title: String,
    pub competences: Vec<Competence>,
    pub level: Option<Level>,
    /// The issue date in the platform's time zone, printed dd/mm/yyyy.
    pub date: Date,
    /// The issuing unit (configured), e.g. `UBND phường Bến Thành`.
    pub issuer_name: String,
    pub certificate_id: CertificateId,
    /// `PublicUrl::verify_url`, printed and put in the QR code.
    pub verify_url: String,
    pub labels: CertificateLabels,
    /// Set for a revoked certificate: stamped across the page, over everything else.
    pub revoked: Option<RevokedStamp>,
}

/// What a revoked certificate is stamped with (texts from the server's translations): a
/// printout must not pass for valid evidence, and the holder still sees what it was.
#[derive(Debug, Clone)]
pub struct RevokedStamp {
    /// `ĐÃ THU HỒI`
    pub stamp: String,
    /// `Thu hồi ngày 05/12/2026 – chứng nhận này không còn giá trị`
    pub note: String,
}

/// The fixed texts of the page, from the server's translations (`certificate.*`).
#[derive(Debug, Clone)]
pub struct CertificateLabels {
    /// `Chứng nhận hoàn thành`
    pub title: String,
    /// `Chứng nhận Ông/Bà` or `Trao cho`
    pub awarded_to: String,
    /// `đã hoàn thành khóa học`
    pub completed: String,
    /// `Năng lực số`
    pub competences: String,
    /// `Mức độ`
    pub level: String,
    /// `Ngày cấp`
    pub date: String,
    /// `Mã chứng nhận`
    pub certificate_id: String,
    /// `Quét mã QR hoặc mở địa chỉ sau để kiểm tra`
    pub verify: String,
}

// A4 landscape, in points.
const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
const RED: (f32, f32, f32) = (0.55, 0.09, 0.09);
const GOLD: (f32, f32, f32) = (0.74, 0.57, 0.2);
const INK: (f32, f32, f32) = (0.12, 0.12, 0.14);
const NAVY: (f32, f32, f32) = (0.08, 0.16, 0.38);
/// The revocation stamp's red, brighter than the frame's so it reads as added later.
const STAMP: (f32, f32, f32) = (0.86, 0.08, 0.08);

/// Renders the certificate as PDF bytes. Deterministic: the same document gives the same bytes.
pub fn render_certificate(doc: &CertificateDoc) -> Result<Vec<u8>, Error> {
    let mut fonts = [
        FontUse::new(REGULAR, "NotoSerif-Regular", false)?,
        FontUse::new(BOLD, "NotoSerif-Bold", true)?,
    ];
    let mut page = Page {
        content: Content::new(),
    };
    let l = &doc.labels;
    let centre = WIDTH / 2.0;

    // Frame: a heavy red border and a thin gold one inside it.
    page.stroke_rect(18.0, 18.0, WIDTH - 36.0, HEIGHT - 36.0, 3.5, RED);
    page.stroke_rect(27.0, 27.0, WIDTH - 54.0, HEIGHT - 54.0, 1.0, GOLD);

    // The issuing unit at the top.
    page.centred(&mut fonts[1], &doc.issuer_name, 14.0, centre, 520.0, INK);
    page.line(centre - 70.0, 504.0, centre + 70.0, 504.0, 0.8, GOLD);

    // The main block, centred vertically between the top and the footer.
    let block = main_block(doc, &fonts);
    let height: f32 = block.iter().skip(1).map(|l| l.advance).sum::<f32>()
        + block.first().map_or(0.0, |l| l.size * 0.75)
        + block.last().map_or(0.0, |l| l.size * 0.25);
    let (top, bottom) = (488.0, 152.0);
    let mut y = top
        - ((top - bottom - height).max(0.0) / 2.0)
        - block.first().map_or(0.0, |l| l.size * 0.75);
    for (i, line) in block.iter().enumerate() {
        if i > 0 {
            y -= line.advance;
        }
        let font = &mut fonts[usize::from(line.bold)];
        for (pos, text) in &line.texts {
            match pos {
                Pos::Centre => page.centred(font, text, line.size, centre, y, line.rgb),
                Pos::Left(x) => page.text(font, text, line.size, *x, y, line.rgb),
            }
        }
    }

    // Footer: date, id and URL on the left; the QR code on the right.
    let left = 62.0;
    let date = format!(
        "{}: {:02}/{:02}/{}",
        l.date,
        doc.date.day(),
        u8::from(doc.date.month()),
        doc.date.year()
    );
    let [regular, _] = &mut fonts;
    page.text(regular, &date, 11.0, left, 118.0, INK);
    let id = format!("{}: {}", l.certificate_id, doc.certificate_id);
    page.text(regular, &id, 11.0, left, 100.0, INK);
    page.text(regular, &l.verify, 9.5, left, 76.0, INK);
    let url_size = fit_size(regular, &doc.verify_url, 9.5, 520.0);
    page.text(regular, &doc.verify_url, url_size, left, 62.0, NAVY);

    let qr_size = 96.0;
    let (qr_x, qr_y) = (WIDTH - 62.0 - qr_size, 48.0);
    page.qr(&doc.verify_url, qr_x, qr_y, qr_size)?;

    if let Some(revoked) = &doc.revoked {
        stamp(&mut page, &mut fonts, revoked);
    }

    write_pdf(
        doc,
        page.content.finish().into_vec(),
        &fonts,
        (qr_x, qr_y, qr_size),
    )
}

/// The revocation stamp: large red letters along the page's diagonal, the date under them,
/// and the note again in a red band at the top, where no layout puts anything else.
fn stamp(page: &mut Page, fonts: &mut [FontUse; 2], revoked: &RevokedStamp) {
    let angle = (HEIGHT / WIDTH).atan();
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    let [regular, bold] = fonts;
    let size = fit_size(bold, &revoked.stamp, 84.0, 640.0);
    page.rotated_centred(bold, &revoked.stamp, size, (cx, cy), angle, STAMP);
    let note_size = fit_size(bold, &revoked.note, 18.0, 560.0);
    let (s, c) = angle.sin_cos();
    let below = size * 0.55;
    page.rotated_centred(
        bold,
        &revoked.note,
        note_size,
        (cx + s * below, cy - c * below),
        angle,
        STAMP,
    );
    page.content
        .set_fill_rgb(STAMP.0, STAMP.1, STAMP.2)
        .rect(27.0, HEIGHT - 27.0 - 22.0, WIDTH - 54.0, 22.0)
        .fill_nonzero();
    let band = format!("{} – {}", revoked.stamp, revoked.note);
    let band_size = fit_size(regular, &band, 11.0, WIDTH - 80.0);
    page.centred(
        regular,
        &band,
        band_size,
        WIDTH / 2.0,
        HEIGHT - 27.0 - 15.0,
        (1.0, 1.0, 1.0),
    );
}

enum Pos {
    Centre,
    Left(f32),
}

/// One baseline of the main block: its texts, font, size, colour, and the distance from the
/// previous baseline.
struct Line {
    texts: Vec<(Pos, String)>,
    bold: bool,
    size: f32,
    rgb: (f32, f32, f32),
    advance: f32,
}

fn centred(text: &str, bold: bool, size: f32, rgb: (f32, f32, f32), advance: f32) -> Line {
    Line {
        texts: vec![(Pos::Centre, text.to_owned())],
        bold,
        size,
        rgb,
        advance,
    }
}

const TEXT_WIDTH: f32 = 600.0;
/// Height the main block may take (between the top rule and the footer).
const BLOCK_ROOM: f32 = 488.0 - 152.0;

/// Title, learner, achievement, then competences and level: in one centred column at a
/// readable size when they fit, else in two columns, else smaller.
fn main_block(doc: &CertificateDoc, fonts: &[FontUse; 2]) -> Vec<Line> {
    let [regular, bold] = fonts;
    let l = &doc.labels;
    let mut head = vec![
        centred(&l.title, true, 32.0, RED, 0.0),
        centred(&l.awarded_to, false, 13.0, INK, 38.0),
    ];
    let name_size = fit_size(bold, &doc.learner_name, 30.0, TEXT_WIDTH);
    head.push(centred(&doc.learner_name, true, name_size, NAVY, 38.0));
    head.push(centred(&l.completed, false, 13.0, INK, 32.0));
    for (i, text) in wrap(bold, &doc.achievement_title, 19.0, TEXT_WIDTH)
        .iter()
        .enumerate()
    {
        head.push(centred(
            text,
            true,
            19.0,
            INK,
            if i == 0 { 26.0 } else { 24.0 },
        ));
    }
    let head_height: f32 = head.iter().map(|l| l.advance).sum::<f32>() + 32.0 * 0.75;

    let items: Vec<String> = doc
        .competences
        .iter()
        .map(|c| format!("{} {}", c.code, c.title))
        .collect();
    let fits = |lines: &[Line]| {
        head_height + lines.iter().map(|l| l.advance).sum::<f32>() + 4.0 <= BLOCK_ROOM
    };
    let mut tail = Vec::new();
    'layout: for two_columns in [false, true] {
        let sizes: &[f32] = if two_columns {
            &[10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0]
        } else {
            &[11.5, 11.0, 10.5, 10.0, 9.5]
        };
        for &size in sizes {
            tail = competence_lines(doc, regular, &items, size, two_columns);
            if fits(&tail) {
                break 'layout;
            }
        }
    }
    head.extend(tail);
    head
}

fn competence_lines(
    doc: &CertificateDoc,
    regular: &FontUse,
    items: &[String],
    size: f32,
    two_columns: bool,
) -> Vec<Line> {
    let l = &doc.labels;
    let step = size * 1.4;
    let mut lines = Vec::new();
    if !items.is_empty() {
        lines.push(centred(
            &format!("{}:", l.competences),
            true,
            size,
            INK,
            30.0,
        ));
        if two_columns && items.len() > 1 {
            let gap = 24.0;
            let column = (TEXT_WIDTH + 40.0 - gap) / 2.0;
            let x = [WIDTH / 2.0 - column - gap / 2.0, WIDTH / 2.0 + gap / 2.0];
            let half = items.len().div_ceil(2);
            let col = |part: &[String]| -> Vec<String> {
                part.iter()
                    .flat_map(|t| wrap(regular, t, size, column))
                    .collect()
            };
            let (left, right) = (col(&items[..half]), col(&items[half..]));
            for row in 0..left.len().max(right.len()) {
                let mut texts = Vec::new();
                if let Some(t) = left.get(row) {
                    texts.push((Pos::Left(x[0]), t.clone()));
                }
                if let Some(t) = right.get(row) {
                    texts.push((Pos::Left(x[1]), t.clone()));
                }
                lines.push(Line {
                    texts,
                    bold: false,
                    size,
                    rgb: INK,
                    advance: step,
                });
            }
        } else {
            for item in items {
                for text in wrap(regular, item, size, TEXT_WIDTH) {
                    lines.push(centred(&text, false, size, INK, step));
                }
            }
        }
    }
    if let Some(level) = &doc.level {
        let text = format!("{}: {}", l.level, level.name);
        let advance = if lines.is_empty() { 30.0 } else { step + 6.0 };
        lines.push(centred(&text, true, size.max(11.0), INK, advance));
    }
    lines
}

/// One font as used on the page: the glyphs drawn, their widths and the characters they show.
struct FontUse {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    name: &'static str,
    bold: bool,
    remapper: GlyphRemapper,
    /// New glyph id → (width in 1/1000 em, text it stands for).
    glyphs: BTreeMap<u16, (f32, String)>,
}

impl FontUse {
    fn new(data: &'static [u8], name: &'static str, bold: bool) -> Result<Self, Error> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| Error::Pdf(format!("font {name}: {e}")))?;
        Ok(Self {
            data,
            face,
            name,
            bold,
            remapper: GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
        })
    }

    fn scale(&self) -> f32 {
        1000.0 / f32::from(self.face.units_per_em())
    }

    /// The original glyphs for a text, each with the characters it shows.
    fn shape(&self, text: &str) -> Vec<(ttf_parser::GlyphId, String)> {
        let mut out = Vec::new();
        for c in text.nfc() {
            match self.face.glyph_index(c) {
                Some(g) => out.push((g, c.to_string())),
                None => {
                    for d in c.to_string().nfd() {
                        let g = self.face.glyph_index(d).unwrap_or(ttf_parser::GlyphId(0));
                        out.push((g, d.to_string()));
                    }
                }
            }
        }
        out
    }

    /// Width of a text in points at `size`.
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = self
            .shape(text)
            .iter()
            .map(|(g, _)| f32::from(self.face.glyph_hor_advance(*g).unwrap_or(0)))
            .sum();
        units * self.scale() / 1000.0 * size
    }

    /// The text as 2-byte CIDs of the subset (Identity-H), registering the glyphs used.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (g, shown) in self.shape(text) {
            let new = self.remapper.remap(g.0);
            let width = f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * self.scale();
            self.glyphs.entry(new).or_insert((width, shown));
            bytes.extend_from_slice(&new.to_be_bytes());
        }
        bytes
    }
}

/// The largest size up to `max` at which `text` fits in `width`.
fn fit_size(font: &FontUse, text: &str, max: f32, width: f32) -> f32 {
    let at_max = font.width(text, max);
    if at_max <= width {
        max
    } else {
        max * width / at_max
    }
}

/// Greedy word wrap.
fn wrap(font: &FontUse, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

struct Page {
    content: Content,
}

impl Page {
    fn font_name(font: &FontUse) -> Name<'static> {
        Name(if font.bold { b"F2" } else { b"F1" })
    }

    fn text(
        &mut self,
        font: &mut FontUse,
        text: &str,
        size: f32,
        x: f32,
        y: f32,
        rgb: (f32, f32, f32),
    ) {
        let encoded = font.encode(text);
        self.content
            .set_fill_rgb(rgb.0, rgb.1, rgb.2)
            .begin_text()
            .set_font(Self::font_name(font), size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// Text turned by `angle` (radians, anticlockwise), the middle of its baseline at `centre`.
    fn rotated_centred(
        &mut self,
        font: &mut FontUse,
        text: &str,
        size: f32,
        centre: (f32, f32),
        angle: f32,
        rgb: (f32, f32, f32),
    ) {
        let half = font.width(text, size) / 2.0;
        let (s, c) = angle.sin_cos();
        let encoded = font.encode(text);
        self.content
            .set_fill_rgb(rgb.0, rgb.1, rgb.2)
            .begin_text()
            .set_font(Self::font_name(font), size)
            .set_text_matrix([c, s, -s, c, centre.0 - c * half, centre.1 - s * half])
            .show(Str(&encoded))
            .end_text();
    }

    fn centred(
        &mut self,
        font: &mut FontUse,
        text: &str,
        size: f32,
        centre: f32,
        y: f32,
        rgb: (f32, f32, f32),
    ) {
        let x = centre - font.width(text, size) / 2.0;
        self.text(font, text, size, x, y, rgb);
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, rgb: (f32, f32, f32)) {
        self.content
            .set_stroke_rgb(rgb.0, rgb.1, rgb.2)
            .set_line_width(width)
            .rect(x, y, w, h)
            .stroke();
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, rgb: (f32, f32, f32)) {
        self.content
            .set_stroke_rgb(rgb.0, rgb.1, rgb.2)
            .set_line_width(width)
            .move_to(x1, y1)
            .line_to(x2, y2)
            .stroke();
    }

    /// The QR code as filled squares (runs of dark modules merged per row), black on the white
    /// page; the four-module quiet zone is left empty around it.
    fn qr(&mut self, data: &str, x: f32, y: f32, size: f32) -> Result<(), Error> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
            .map_err(|e| Error::Pdf(format!("QR code: {e}")))?;
        let n = code.width();
        let colors = code.to_colors();
        let module = size / n as f32;
        self.content.set_fill_rgb(0.0, 0.0, 0.0);
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == Color::Dark {
                        col += 1;
                    }
                    let top = y + size - (row as f32 + 1.0) * module;
                    self.content.rect(
                        x + start as f32 * module,
                        top,
                        (col - start) as f32 * module,
                        module,
                    );
                } else {
                    col += 1;
                }
            }
        }
        self.content.fill_nonzero();
        Ok(())
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    compress_to_vec_zlib(data, 9)
}

fn write_pdf(
    doc: &CertificateDoc,
    content: Vec<u8>,
    fonts: &[FontUse; 2],
    qr: (f32, f32, f32),
) -> Result<Vec<u8>, Error> {
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_id = alloc();
    let pages_id = alloc();
    let page_id = alloc();
    let content_id = alloc();
    let annotation_id = alloc();
    let info_id = alloc();
    let font_ids: Vec<[Ref; 5]> = fonts
        .iter()
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(pages_id)
        .lang(TextStr("vi-VN"));
    pdf.pages(pages_id).kids([page_id]).count(1);
    {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .parent(pages_id)
            .contents(content_id)
            .annotations([annotation_id]);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (font, ids) in fonts.iter().zip(&font_ids) {
            font_dict.pair(Page::font_name(font), ids[0]);
        }
    }
    pdf.stream(content_id, &deflate(&content))
        .filter(Filter::FlateDecode);

    let (qr_x, qr_y, qr_size) = qr;
    {
        let mut annotation = pdf.annotation(annotation_id);
        annotation
            .subtype(AnnotationType::Link)
            .rect(Rect::new(qr_x, qr_y, qr_x + qr_size, qr_y + qr_size))
            .contents(TextStr(&doc.verify_url));
        annotation.border(0.0, 0.0, 0.0, None);
        annotation
            .action()
            .action_type(ActionType::Uri)
            .uri(Str(doc.verify_url.as_bytes()));
    }

    let title = format!("{} – {}", doc.labels.title, doc.learner_name);
    pdf.document_info(info_id)
        .title(TextStr(&title))
        .subject(TextStr(&doc.achievement_title))
        .author(TextStr(&doc.issuer_name))
        .creator(TextStr("Học Vụ Số"));

    for (font, ids) in fonts.iter().zip(&font_ids) {
        write_font(&mut pdf, font, *ids)?;
    }
    Ok(pdf.finish())
}

fn write_font(pdf: &mut Pdf, font: &FontUse, ids: [Ref; 5]) -> Result<(), Error> {
    let [type0_id, cid_id, descriptor_id, cmap_id, file_id] = ids;
    let subset = subsetter::subset(font.data, 0, &font.remapper)
        .map_err(|e| Error::Pdf(format!("subsetting {}: {e}", font.name)))?;
    // The subset tag names this glyph set, so equal documents give equal bytes.
    let tag: String = Sha256::digest(&subset)
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base_font = format!("{tag}+{}", font.name);
    let base_font = Name(base_font.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0_id)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    {
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(system_info)
            .font_descriptor(descriptor_id)
            .cid_to_gid_map_predefined(Name(b"Identity"))
            .default_width(0.0);
        let mut widths = cid.widths();
        for (gid, (width, _)) in &font.glyphs {
            widths.consecutive(*gid, [*width]);
        }
    }

    let scale = font.scale();
    let face = &font.face;
    let bbox = face.global_bounding_box();
    let mut flags = FontFlags::SERIF | FontFlags::NON_SYMBOLIC;
    if font.bold {
        flags |= FontFlags::FORCE_BOLD;
    }
    pdf.font_descriptor(descriptor_id)
        .name(base_font)
        .flags(flags)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(face.ascender()) * scale)
        .descent(f32::from(face.descender()) * scale)
        .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
        .stem_v(if font.bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
    for (gid, (_, shown)) in &font.glyphs {
        if !shown.is_empty() {
            cmap.pair_with_multiple(*gid, shown.chars());
        }
    }
    pdf.cmap(cmap_id, &deflate(&cmap.finish()))
        .filter(Filter::FlateDecode);

    pdf.stream(file_id, &deflate(&subset))
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
    Ok(())
}
