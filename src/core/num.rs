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
}
