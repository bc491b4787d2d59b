//! Exact decimal arithmetic for the few numbers the writers compute, so that a file says `3.142`
//! and not `3.1419999999999995`.
//!
//! Numbers come in as `f64` (what the model holds) and are taken as the shortest decimal that
//! reads back to the same `f64` (Rust's `Display`), which is what the author wrote. Sums and halves
//! of such decimals are exact in decimal, so they are computed in integers; only numbers too long
//! for an `i128` fall back to floating point.

/// A decimal `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    fn of(x: f64) -> Option<Self> {
        let written = format!("{x}");
        let (negative, digits) = match written.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, written.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let scale = u32::try_from(fraction.len()).ok()?;
        let all = format!("{whole}{fraction}");
        if all.len() > 36 || !all.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let magnitude: i128 = all.parse().ok()?;
        Some(Decimal {
            mantissa: if negative { -magnitude } else { magnitude },
            scale,
        })
    }

    fn at_scale(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale - self.scale)?)
    }

    fn to_text(self) -> String {
        let (mut mantissa, mut scale) = (self.mantissa, self.scale);
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        let digits = mantissa.unsigned_abs().to_string();
        let sign = if mantissa < 0 { "-" } else { "" };
        let scale = scale as usize;
        if scale == 0 {
            return format!("{sign}{digits}");
        }
        let digits = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        format!("{sign}{whole}.{fraction}")
    }
}

/// The middle of `min..max` and its half width, as the shortest exact decimals: how Moodle stores
/// a range (an answer give or take a tolerance). `1.5..2` is `("1.75", "0.25")`.
pub(crate) fn middle_and_half_width(min: f64, max: f64) -> (String, String) {
    let exact = || {
        let (a, b) = (Decimal::of(min)?, Decimal::of(max)?);
        let scale = a.scale.max(b.scale);
        let (a, b) = (a.at_scale(scale)?, b.at_scale(scale)?);
        // Halving a decimal is multiplying by 5 and moving the point one place.
        let half = |x: i128| {
            x.checked_mul(5).map(|mantissa| Decimal {
                mantissa,
                scale: scale + 1,
            })
        };
        Some((
            half(a.checked_add(b)?)?.to_text(),
            half(b.checked_sub(a)?)?.to_text(),
        ))
    };
    exact().unwrap_or_else(|| {
        let middle = min / 2.0 + max / 2.0;
        (format!("{middle}"), format!("{}", max - middle))
    })
}
