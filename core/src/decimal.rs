//! `DECIMAL(p, s)`: exact fixed-point numbers with Spark's `DecimalType` rules.
//!
//! A value is an `i128` unscaled integer and its scale (`1.50` is `150` at scale 2); the
//! type fixes the precision (at most 38 digits, which an `i128` holds). Arithmetic runs on
//! 256-bit integers (`ethnum::I256`), so a product or a quotient is exact before it is rounded
//! (half up, as Java's `BigDecimal` and Spark round) to the result type, whose precision and
//! scale follow Spark's `DecimalPrecision` rules with `spark.sql.decimalOperations.
//! allowPrecisionLoss` on (its default). A result that does not fit its type is an error,
//! as Spark's ANSI mode makes it.

use ethnum::{I256, U256};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The most digits a decimal holds.
pub const MAX_PRECISION: u8 = 38;
/// Spark's least scale kept when a result's precision must be cut (`MINIMUM_ADJUSTED_SCALE`).
const MINIMUM_ADJUSTED_SCALE: u8 = 6;

/// An exact decimal number: `unscaled / 10^scale`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Decimal {
    /// The digits, as an integer.
    pub unscaled: i128,
    /// How many of the digits are after the point.
    pub scale: u8,
}

/// `10^n` as a 256-bit integer (`n` up to 76), from a table made once: rescaling and the
/// precision check of every result look powers up.
fn pow10(n: u32) -> I256 {
    static TABLE: std::sync::OnceLock<Vec<I256>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..=76).map(|k| I256::new(10).pow(k)).collect())[n as usize]
}

/// The number of decimal digits of `|v|` (1 for 0).
fn digits(v: I256) -> u32 {
    let a = v.unsigned_abs();
    (1..=76).find(|&n| a < pow10(n).unsigned_abs()).unwrap_or(77)
}

/// `n / d` rounded half up (away from zero at the half), as `BigDecimal`'s `HALF_UP`.
fn div_half_up(n: I256, d: I256) -> I256 {
    let (q, r) = (n / d, n % d);
    if r != I256::ZERO && r.unsigned_abs() * U256::new(2) >= d.unsigned_abs() {
        if (n < I256::ZERO) != (d < I256::ZERO) {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

/// `v` (at scale `from`) brought to scale `to`, rounding half up when digits are cut.
fn rescale_wide(v: I256, from: u8, to: u8) -> Option<I256> {
    match to.cmp(&from) {
        Ordering::Equal => Some(v),
        Ordering::Greater => v.checked_mul(pow10(u32::from(to - from))),
        Ordering::Less => Some(div_half_up(v, pow10(u32::from(from - to)))),
    }
}

/// A decimal result that does not fit its type, or a division by zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    /// The value needs more digits than the type's precision.
    Overflow,
    /// The divisor is zero.
    DivideByZero,
}

impl Decimal {
    /// `unscaled / 10^scale`.
    pub fn new(unscaled: i128, scale: u8) -> Decimal {
        Decimal { unscaled, scale }
    }

    fn wide(self) -> I256 {
        I256::from(self.unscaled)
    }

    /// `v` at `scale` when it fits `precision` digits.
    fn from_wide(v: I256, precision: u8, scale: u8) -> Result<Decimal, DecimalError> {
        if v.unsigned_abs() >= pow10(u32::from(precision)).unsigned_abs() {
            return Err(DecimalError::Overflow);
        }
        Ok(Decimal { unscaled: v.as_i128(), scale })
    }

    /// Reads decimal text exactly: an optional sign, digits with at most one point, and an
    /// optional exponent (`-1.50`, `.5`, `1e3`, `1.2E-2`), surrounding spaces allowed. A
    /// negative scale (`1e3`) becomes scale 0, as Spark keeps no negative scales. `None` when
    /// the text is no number or needs more than 38 digits.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (t, 0),
        };
        let (neg, body) = match mantissa.as_bytes().first()? {
            b'-' => (true, &mantissa[1..]),
            b'+' => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() || !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all = format!("{int}{frac}");
        let significant = all.trim_start_matches('0');
        if significant.len() > usize::from(MAX_PRECISION) {
            return None;
        }
        let mut unscaled: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
        let mut scale = frac.len() as i32 - exp;
        if scale < 0 {
            let up = u32::try_from(-scale).ok()?;
            unscaled = unscaled.checked_mul(10i128.checked_pow(up)?)?;
            scale = 0;
        }
        if scale > i32::from(MAX_PRECISION) {
            // More fraction digits than a decimal keeps: round them away.
            let cut = (scale - i32::from(MAX_PRECISION)) as u32;
            // Past 76 digits of cut, a 38-digit value rounds to zero.
            unscaled = if cut > 76 { 0 } else { div_half_up(I256::from(unscaled), pow10(cut)).as_i128() };
            scale = i32::from(MAX_PRECISION);
        }
        let d = Decimal { unscaled: if neg { -unscaled } else { unscaled }, scale: scale as u8 };
        (d.precision() <= MAX_PRECISION).then_some(d)
    }

    /// The digits of the unscaled value (1 for zero).
    pub fn digits(&self) -> u8 {
        digits(self.wide()) as u8
    }

    /// The least precision that holds this value at its scale (`0.001` needs 3, `1.50` 3).
    pub fn precision(&self) -> u8 {
        self.digits().max(self.scale)
    }

    /// This value at `scale` (half up when digits are cut), if it fits `precision` digits.
    pub fn to_type(self, precision: u8, scale: u8) -> Result<Decimal, DecimalError> {
        let v = rescale_wide(self.wide(), self.scale, scale).ok_or(DecimalError::Overflow)?;
        Decimal::from_wide(v, precision, scale)
    }

    /// The nearest double (correctly rounded, as `BigDecimal.doubleValue`).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// A double's shortest decimal text (as Scala's `BigDecimal(d)`) at `scale`, half up, if
    /// it fits `precision`; `None` for NaN and the infinities.
    pub fn from_f64(d: f64, precision: u8, scale: u8) -> Result<Decimal, DecimalError> {
        if !d.is_finite() {
            return Err(DecimalError::Overflow);
        }
        let text = format!("{d:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let neg = mantissa.starts_with('-');
        let m = mantissa.trim_start_matches('-');
        let (int, frac) = m.split_once('.').unwrap_or((m, ""));
        let digits_text = format!("{int}{frac}");
        let mut v = I256::from(digits_text.parse::<u64>().map_err(|_| DecimalError::Overflow)?);
        if neg {
            v = -v;
        }
        // value = v * 10^(exp - frac.len())
        let shift = exp - frac.len() as i32;
        let target = i32::from(scale) + shift;
        let v = if target >= 0 {
            v.checked_mul(I256::new(10).checked_pow(target as u32).ok_or(DecimalError::Overflow)?)
                .ok_or(DecimalError::Overflow)?
        } else if -target > 76 {
            I256::ZERO
        } else {
            div_half_up(v, pow10((-target) as u32))
        };
        Decimal::from_wide(v, precision, scale)
    }

    /// An integer as a decimal at `scale`, if it fits `precision`.
    pub fn from_i64(n: i64, precision: u8, scale: u8) -> Result<Decimal, DecimalError> {
        let v = I256::from(n).checked_mul(pow10(u32::from(scale))).ok_or(DecimalError::Overflow)?;
        Decimal::from_wide(v, precision, scale)
    }

    /// The integral part (truncated toward zero), if it fits an `i128`.
    pub fn trunc(self) -> i128 {
        self.unscaled / 10i128.pow(u32::from(self.scale))
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.unscaled == 0
    }

    /// `|self|`.
    pub fn abs(self) -> Decimal {
        Decimal { unscaled: self.unscaled.abs(), scale: self.scale }
    }

    /// `-1`, `0` or `1`.
    pub fn signum(&self) -> i32 {
        self.unscaled.signum() as i32
    }

    /// `self op other` as a decimal of `(precision, scale)` (the type `result_type` gives).
    pub fn arith(
        self,
        op: DecimalOp,
        other: Decimal,
        precision: u8,
        scale: u8,
    ) -> Result<Decimal, DecimalError> {
        if let Some(v) = self.arith_narrow(op, other, scale) {
            // `precision` is at most 38, and 10^38 < i128::MAX.
            return match v.unsigned_abs() < 10u128.pow(u32::from(precision.min(MAX_PRECISION))) {
                true => Ok(Decimal { unscaled: v, scale }),
                false => Err(DecimalError::Overflow),
            };
        }
        let (a, b) = (self.wide(), other.wide());
        let common = self.scale.max(other.scale);
        let at = |v: I256, s: u8| rescale_wide(v, s, common).ok_or(DecimalError::Overflow);
        let v = match op {
            DecimalOp::Add => {
                let sum = at(a, self.scale)? + at(b, other.scale)?;
                rescale_wide(sum, common, scale).ok_or(DecimalError::Overflow)?
            }
            DecimalOp::Sub => {
                let diff = at(a, self.scale)? - at(b, other.scale)?;
                rescale_wide(diff, common, scale).ok_or(DecimalError::Overflow)?
            }
            DecimalOp::Mul => {
                let p = a.checked_mul(b).ok_or(DecimalError::Overflow)?;
                rescale_wide(p, self.scale + other.scale, scale).ok_or(DecimalError::Overflow)?
            }
            DecimalOp::Div => {
                if b == I256::ZERO {
                    return Err(DecimalError::DivideByZero);
                }
                // a/10^sa / (b/10^sb) at scale s: a * 10^(s - sa + sb) / b.
                let k = i32::from(scale) - i32::from(self.scale) + i32::from(other.scale);
                if k >= 0 {
                    let n = a.checked_mul(I256::new(10).checked_pow(k as u32).ok_or(DecimalError::Overflow)?);
                    div_half_up(n.ok_or(DecimalError::Overflow)?, b)
                } else {
                    let d = b.checked_mul(pow10((-k) as u32)).ok_or(DecimalError::Overflow)?;
                    div_half_up(a, d)
                }
            }
            DecimalOp::Rem => {
                if b == I256::ZERO {
                    return Err(DecimalError::DivideByZero);
                }
                let r = at(a, self.scale)? % at(b, other.scale)?;
                rescale_wide(r, common, scale).ok_or(DecimalError::Overflow)?
            }
        };
        Decimal::from_wide(v, precision, scale)
    }

    /// `self op other` at `scale` when it is exact in 128 bits without rounding (a product
    /// at the sum of the scales, a sum or difference at the larger scale: a price times a
    /// rate, amounts added up), the unscaled value; `None` sends it the 256-bit way.
    #[inline]
    fn arith_narrow(self, op: DecimalOp, other: Decimal, scale: u8) -> Option<i128> {
        let up =
            |d: Decimal| d.unscaled.checked_mul(10i128.checked_pow(u32::from(scale.checked_sub(d.scale)?))?);
        match op {
            DecimalOp::Mul if scale == self.scale + other.scale => self.unscaled.checked_mul(other.unscaled),
            DecimalOp::Add if scale == self.scale.max(other.scale) => up(self)?.checked_add(up(other)?),
            DecimalOp::Sub if scale == self.scale.max(other.scale) => up(self)?.checked_sub(up(other)?),
            _ => None,
        }
    }

    /// The integral quotient `self div other`, truncated toward zero.
    pub fn int_div(self, other: Decimal) -> Result<i128, DecimalError> {
        if other.is_zero() {
            return Err(DecimalError::DivideByZero);
        }
        let common = self.scale.max(other.scale);
        let a = rescale_wide(self.wide(), self.scale, common).ok_or(DecimalError::Overflow)?;
        let b = rescale_wide(other.wide(), other.scale, common).ok_or(DecimalError::Overflow)?;
        let q = a / b;
        if digits(q) > 38 {
            return Err(DecimalError::Overflow);
        }
        Ok(q.as_i128())
    }

    /// Rounded to `places` after the point (negative: before it) half up, or half even when
    /// `half_even`, then kept at scale `max(places, 0)`.
    pub fn round(self, places: i32, half_even: bool) -> Decimal {
        if places >= i32::from(self.scale) {
            return self;
        }
        let cut = (i32::from(self.scale) - places) as u32;
        let v = self.wide();
        let unit = pow10(cut.min(76));
        let q = if half_even {
            let (q, r) = (v / unit, v % unit);
            let twice = r.unsigned_abs() * U256::new(2);
            let half = unit.unsigned_abs();
            let away = twice > half || (twice == half && q % I256::new(2) != I256::ZERO);
            if away && r != I256::ZERO {
                q + v.signum()
            } else {
                q
            }
        } else {
            div_half_up(v, unit)
        };
        if places >= 0 {
            Decimal { unscaled: q.as_i128(), scale: places as u8 }
        } else {
            Decimal { unscaled: (q * pow10((-places) as u32)).as_i128(), scale: 0 }
        }
    }

    /// `ceil` (toward +inf) or `floor` at scale 0.
    pub fn ceil_floor(self, ceil: bool) -> Decimal {
        let unit = 10i128.pow(u32::from(self.scale));
        let (q, r) = (self.unscaled / unit, self.unscaled % unit);
        let q = if ceil && r > 0 {
            q + 1
        } else if !ceil && r < 0 {
            q - 1
        } else {
            q
        };
        Decimal { unscaled: q, scale: 0 }
    }

    /// The sum of `n` unscaled values at this scale, divided by `n`: the mean at `(precision, scale)`.
    pub fn mean(sum: i128, n: i64, sum_scale: u8, precision: u8, scale: u8) -> Result<Decimal, DecimalError> {
        Decimal::new(sum, sum_scale).arith(DecimalOp::Div, Decimal::new(i128::from(n), 0), precision, scale)
    }
}

/// An arithmetic operation on decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

/// Spark's `DecimalType.adjustPrecisionScale`: a precision above 38 is cut to 38, giving up
/// scale but keeping at least 6 fraction digits (fewer if the type had fewer).
pub fn adjust_precision_scale(precision: u32, scale: u32) -> (u8, u8) {
    let max = u32::from(MAX_PRECISION);
    if precision <= max {
        return (precision as u8, scale as u8);
    }
    let int_digits = precision - scale;
    let min_scale = scale.min(u32::from(MINIMUM_ADJUSTED_SCALE));
    let adjusted = max.saturating_sub(int_digits).max(min_scale);
    (MAX_PRECISION, adjusted as u8)
}

thread_local! {
    static ALLOW_PRECISION_LOSS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` (binding) with `spark.sql.decimalOperations.allowPrecisionLoss` set to `allow`,
/// then puts the old setting back. With it off, a result type too wide for 38 digits is
/// cut to 38 without giving up scale, so values that need the integral digits overflow.
pub fn with_precision_loss<R>(allow: bool, f: impl FnOnce() -> R) -> R {
    crate::scoped::with_value(&ALLOW_PRECISION_LOSS, allow, f)
}

fn precision_loss_allowed() -> bool {
    ALLOW_PRECISION_LOSS.with(std::cell::Cell::get)
}

/// `DecimalType.bounded`: both at most 38.
pub fn bounded(precision: u32, scale: u32) -> (u8, u8) {
    let max = u32::from(MAX_PRECISION);
    (precision.min(max) as u8, scale.min(max) as u8)
}

/// The type of `a op b` for decimals `a: (p1, s1)` and `b: (p2, s2)`, as Spark's.
pub fn result_type(op: DecimalOp, (p1, s1): (u8, u8), (p2, s2): (u8, u8)) -> (u8, u8) {
    let (p1, s1, p2, s2) = (u32::from(p1), u32::from(s1), u32::from(p2), u32::from(s2));
    if !precision_loss_allowed() {
        let max = u32::from(MAX_PRECISION);
        return match op {
            DecimalOp::Add | DecimalOp::Sub => bounded((p1 - s1).max(p2 - s2) + s1.max(s2) + 1, s1.max(s2)),
            DecimalOp::Mul => bounded(p1 + p2 + 1, s1 + s2),
            DecimalOp::Div => {
                let (mut int, mut dec) = ((p1 - s1 + s2).min(max), 6.max(s1 + p2 + 1).min(max));
                if int + dec > max {
                    dec -= (int + dec - max) / 2 + 1;
                    int = max - dec;
                }
                bounded(int + dec, dec)
            }
            DecimalOp::Rem => bounded((p1 - s1).min(p2 - s2) + s1.max(s2), s1.max(s2)),
        };
    }
    match op {
        DecimalOp::Add | DecimalOp::Sub => {
            let scale = s1.max(s2);
            adjust_precision_scale((p1 - s1).max(p2 - s2) + scale + 1, scale)
        }
        DecimalOp::Mul => adjust_precision_scale(p1 + p2 + 1, s1 + s2),
        DecimalOp::Div => {
            let scale = u32::from(MINIMUM_ADJUSTED_SCALE).max(s1 + p2 + 1);
            adjust_precision_scale(p1 - s1 + s2 + scale, scale)
        }
        DecimalOp::Rem => {
            let scale = s1.max(s2);
            adjust_precision_scale((p1 - s1).min(p2 - s2) + scale, scale)
        }
    }
}

/// The narrowest decimal holding both (comparisons, CASE branches, UNION columns).
pub fn wider((p1, s1): (u8, u8), (p2, s2): (u8, u8)) -> (u8, u8) {
    let scale = s1.max(s2);
    let range = (p1 - s1).max(p2 - s2);
    bounded(u32::from(range) + u32::from(scale), u32::from(scale))
}

impl std::ops::Neg for Decimal {
    type Output = Decimal;
    fn neg(self) -> Decimal {
        Decimal { unscaled: -self.unscaled, scale: self.scale }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.scale == other.scale {
            return self.unscaled.cmp(&other.unscaled);
        }
        let common = self.scale.max(other.scale);
        let a = rescale_wide(self.wide(), self.scale, common).unwrap_or_default();
        let b = rescale_wide(other.wide(), other.scale, common).unwrap_or_default();
        a.cmp(&b)
    }
}
impl Hash for Decimal {
    /// Equal values hash alike whatever their scale: trailing zeros are stripped first.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (mut v, mut s) = (self.unscaled, self.scale);
        while s > 0 && v % 10 == 0 {
            v /= 10;
            s -= 1;
        }
        v.hash(state);
        s.hash(state);
    }
}

impl fmt::Display for Decimal {
    /// Plain text with exactly `scale` fraction digits (`1.50`, `-0.001`, `12`), as Spark
    /// casts a decimal to a string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.unscaled.unsigned_abs().to_string();
        let sign = if self.unscaled < 0 { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let padded =
            if abs.len() <= scale { format!("{}{abs}", "0".repeat(scale + 1 - abs.len())) } else { abs };
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_exactly_and_prints_plain() {
        assert_eq!((d("1.50").unscaled, d("1.50").scale, d("1.50").precision()), (150, 2, 3));
        assert_eq!(d("0.001").precision(), 3);
        assert_eq!(d("0.0").precision(), 1);
        assert_eq!(d("-5.2").to_string(), "-5.2");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.2E-2").to_string(), "0.012");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert!(Decimal::parse("1.2.3").is_none());
        assert_eq!(d(&format!("0.{}1", "0".repeat(100))).to_string(), format!("0.{}", "0".repeat(38)));
        assert!(Decimal::parse("abc").is_none());
        assert!(Decimal::parse("123456789012345678901234567890123456789").is_none());
        assert_eq!(d("1.0"), d("1.00"));
    }

    #[test]
    fn result_types_follow_spark() {
        assert_eq!(result_type(DecimalOp::Add, (3, 2), (2, 1)), (4, 2));
        assert_eq!(result_type(DecimalOp::Mul, (3, 3), (20, 0)), (24, 3));
        assert_eq!(result_type(DecimalOp::Div, (2, 1), (2, 1)), (8, 6));
        assert_eq!(result_type(DecimalOp::Mul, (38, 10), (38, 10)), (38, 6));
        assert_eq!(result_type(DecimalOp::Div, (38, 0), (38, 0)), (38, 6));
    }

    #[test]
    fn arithmetic_rounds_half_up_and_overflows() {
        let third = d("1").arith(DecimalOp::Div, d("3"), 9, 6).unwrap();
        assert_eq!(third.to_string(), "0.333333");
        let two_thirds = d("2").arith(DecimalOp::Div, d("3"), 9, 6).unwrap();
        assert_eq!(two_thirds.to_string(), "0.666667");
        assert_eq!(d("-2").arith(DecimalOp::Div, d("3"), 9, 6).unwrap().to_string(), "-0.666667");
        assert_eq!(d("0.908").arith(DecimalOp::Mul, d("1234"), 24, 3).unwrap().to_string(), "1120.472");
        assert_eq!(d("99.9").arith(DecimalOp::Add, d("0.1"), 3, 1), Err(DecimalError::Overflow));
        assert_eq!(d("1").arith(DecimalOp::Div, d("0"), 9, 6), Err(DecimalError::DivideByZero));
        assert_eq!(d("-7.5").arith(DecimalOp::Rem, d("2"), 2, 1).unwrap().to_string(), "-1.5");
        assert_eq!(d("123.45").to_type(4, 2), Err(DecimalError::Overflow));
        assert_eq!(d("1.005").to_type(4, 2).unwrap().to_string(), "1.01");
        assert_eq!(d("-1.005").to_type(4, 2).unwrap().to_string(), "-1.01");
    }

    /// The 128-bit shortcut gives what the 256-bit path gives, overflow included.
    #[test]
    fn the_narrow_path_equals_the_wide_one() {
        let wide = |x: Decimal, op, y: Decimal, p: u8, s: u8| {
            let (a, b) = (x.wide(), y.wide());
            let natural = if op == DecimalOp::Mul { x.scale + y.scale } else { x.scale.max(y.scale) };
            let v = match op {
                DecimalOp::Mul => a * b,
                _ => {
                    let c = x.scale.max(y.scale);
                    let (a, b) = (rescale_wide(a, x.scale, c).unwrap(), rescale_wide(b, y.scale, c).unwrap());
                    if op == DecimalOp::Add {
                        a + b
                    } else {
                        a - b
                    }
                }
            };
            Decimal::from_wide(rescale_wide(v, natural, s).unwrap(), p, s)
        };
        let values =
            ["0", "0.908", "-1.5", "73134520", "99999999999999999999", "-0.001", "12345678901234567.8901"];
        for x in values.map(d) {
            for y in values.map(d) {
                let natural = [x.scale + y.scale, x.scale.max(y.scale), x.scale.max(y.scale)];
                let ops = [DecimalOp::Mul, DecimalOp::Add, DecimalOp::Sub];
                // At the natural scale (exact: the shortcut) and one digit less (rounded).
                for (op, s) in
                    ops.into_iter().zip(natural).flat_map(|(op, n)| [(op, n), (op, n.saturating_sub(1))])
                {
                    for p in [s.max(1), 24, 38] {
                        let exact = |r: Result<Decimal, DecimalError>| r.map(|v| (v.unscaled, v.scale));
                        let got = exact(x.arith(op, y, p, s));
                        assert_eq!(got, exact(wide(x, op, y, p, s)), "{x} {op:?} {y} as ({p},{s})");
                    }
                }
            }
        }
        let big = Decimal::new(i128::MAX / 10, 0);
        assert_eq!(big.arith(DecimalOp::Mul, d("20"), 38, 0), Err(DecimalError::Overflow));
    }

    #[test]
    fn doubles_and_rounding() {
        assert_eq!(Decimal::from_f64(0.1, 10, 5).unwrap().to_string(), "0.10000");
        assert_eq!(Decimal::from_f64(1.0e20, 38, 0).unwrap().to_string(), "100000000000000000000");
        assert_eq!(Decimal::from_f64(2.675, 10, 2).unwrap().to_string(), "2.68");
        assert_eq!(d("1.23456").to_f64(), 1.23456);
        assert_eq!(d("2.5").round(0, false).to_string(), "3");
        assert_eq!(d("2.5").round(0, true).to_string(), "2");
        assert_eq!(d("-2.5").round(0, true).to_string(), "-2");
        assert_eq!(d("1234.5").round(-2, false).to_string(), "1200");
        assert_eq!(d("-1.5").ceil_floor(true).to_string(), "-1");
        assert_eq!(d("-1.5").ceil_floor(false).to_string(), "-2");
    }
}
