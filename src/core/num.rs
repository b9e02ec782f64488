//! Float helpers the wasm build needs without `std`: `f64::floor` and `f64::fract` are `std`
//! methods (they may call libm), and the wasm crate is `no_std` (see `ARCHITECTURE.md`). Both
//! targets use these, so native tests check exactly what runs in the browser.

/// Doubles at or above 2^52 have no fractional bits.
const WHOLE: f64 = 4_503_599_627_370_496.0;

/// True for a finite number without a fractional part (`n.fract() == 0.0`).
pub fn is_whole(n: f64) -> bool {
    n.is_finite() && (n.abs() >= WHOLE || n == n as i64 as f64)
}

/// The largest whole number not above `x` (`x.floor()`); NaN and infinities unchanged.
pub fn floor(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= WHOLE {
        return x; // NaN, infinite, or already whole
    }
    let t = x as i64 as f64;
    if t == x {
        x // keeps -0.0
    } else if t > x {
        t - 1.0
    } else {
        t
    }
}

/// The natural logarithm of `x > 0` (`x.ln()`, relative error below 1e-12), for search scores:
/// `x = m·2^e` with `m` in [1, 2), then `ln m = 2·atanh((m-1)/(m+1))` by its series. NaN for
/// `x ≤ 0` or NaN, `x` for +∞.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return x;
    }
    let mut bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if e == -1023 {
        // Subnormal: scale into the normal range first.
        bits = (x * 4_503_599_627_370_496.0).to_bits();
        e = ((bits >> 52) & 0x7ff) as i64 - 1023 - 52;
    }
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let mut e = e as f64;
    if m > core::f64::consts::SQRT_2 {
        m /= 2.0; // m in [0.707, 1.414): the series converges fast on both sides of 1
        e += 1.0;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut term, mut sum, mut k) = (s, 0.0, 1.0);
    while k < 40.0 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    2.0 * sum + e * core::f64::consts::LN_2
}

/// √x for x ≥ 0, without `std` (Newton's method from the exponent's half).
pub fn sqrt(x: f64) -> f64 {
    if x <= 0.0 || x.is_nan() {
        return 0.0;
    }
    // Halving the exponent bits is a close start; Newton's steps double the correct digits.
    let mut y = f64::from_bits((x.to_bits() >> 1) + (1023u64 << 51));
    for _ in 0..6 {
        y = 0.5 * (y + x / y);
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agree_with_std() {
        let cases = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            1.5,
            -1.5,
            2.999_999,
            -2.000_001,
            1e15 + 0.5,
            -1e15 - 0.5,
            WHOLE,
            -WHOLE,
            WHOLE - 0.5,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9_007_199_254_740_993.0,
        ];
        for x in cases {
            assert_eq!(is_whole(x), x.fract() == 0.0, "is_whole({x})");
            let (ours, std) = (floor(x), x.floor());
            assert!(ours == std || (ours.is_nan() && std.is_nan()), "floor({x}) = {ours}, std {std}");
            assert_eq!(ours.is_sign_negative(), std.is_sign_negative(), "sign of floor({x})");
        }
    }

    #[test]
    fn ln_agrees_with_std() {
        for x in [1.0, 2.0, 0.5, 1.414, 1.415, 3.0, 10.0, 1e-5, 1e300, 5e-324, 1e-310, 0.999_999, 1234.5678] {
            let (ours, std) = (ln(x), x.ln());
            assert!((ours - std).abs() <= 1e-12 * std.abs().max(1.0), "ln({x}) = {ours}, std {std}");
        }
        assert!(ln(0.0).is_nan() && ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn sqrt_agrees_with_std() {
        for x in [0.0, 1.0, 2.0, 3.0, 0.25, 1e-9, 123_456.0, 1e300] {
            assert!((sqrt(x) - f64::sqrt(x)).abs() <= 1e-12 * f64::sqrt(x).max(1.0), "{x}");
        }
    }
}
