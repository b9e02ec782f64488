//! Statistics for experiment results: the Wilson score interval of a conversion rate, the relative uplift
//! of a variation over the control (delta method on the log of the rate ratio, pooled two-proportion
//! z-test) and the sample ratio mismatch (SRM) check (Pearson's chi-square goodness of fit).
//!
//! Std only. The standard normal distribution and the chi-square survival function both come from the
//! regularized incomplete gamma function (power series below `a + 1`, Legendre's continued fraction by
//! Lentz's method above) with a Stirling-series log-gamma; the normal quantile starts from Acklam's
//! rational approximation and is polished by Halley steps on [`normal_cdf`]. The tests compare every
//! figure with `tests/stats_reference.py`, which recomputes them with Python's standard library by other
//! methods (libm's erfc, AS241, numerical integration of the chi-square density).

use serde::{Serialize, Serializer};

/// Confidence level of the intervals the collector reports: 95 %.
pub const CONFIDENCE: f64 = 0.95;

/// p-value below which [`srm`] reports a sample ratio mismatch: 0.001, GrowthBook's default SRM threshold.
pub const SRM_THRESHOLD: f64 = 0.001;

/// Iteration cap of the incomplete gamma expansions; both converge in far fewer steps for the degrees of
/// freedom an experiment has (it takes a few times √a steps, so up to about a million degrees of freedom).
const MAX_ITERATIONS: u32 = 10_000;

/// A closed interval `[low, high]`; serializes as the two-element array `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        [self.low, self.high].serialize(serializer)
    }
}

/// What one variation of an experiment counted: exposed visitors and how many of them converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Exposed visitors who converted (at most `exposed`).
    pub converted: u64,
    /// Visitors exposed to the variation.
    pub exposed: u64,
}

impl Counts {
    /// The conversion rate `converted / exposed`; `None` when nobody was exposed or `converted > exposed`.
    pub fn rate(self) -> Option<f64> {
        (self.exposed > 0 && self.converted <= self.exposed)
            .then(|| self.converted as f64 / self.exposed as f64)
    }
}

/// A treatment's conversion rate relative to the control's (see [`uplift`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uplift {
    /// `p_t / p_c − 1`: 0.25 means the treatment converts 25 % more often than the control.
    pub relative: f64,
    /// Confidence interval of `relative` (delta method on `ln(p_t / p_c)`).
    pub interval: Interval,
    /// Two-sided p-value of the pooled two-proportion z-test of `p_t = p_c`.
    pub p_value: f64,
}

/// Result of the sample ratio mismatch check (see [`srm`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Srm {
    /// Pearson's chi-square statistic `Σ (observed − expected)² / expected`.
    pub statistic: f64,
    /// Degrees of freedom: the number of groups minus one.
    pub df: u32,
    /// Probability of a statistic at least this large when the split is as expected.
    pub p_value: f64,
    /// `p_value < SRM_THRESHOLD`: the observed split is off, the experiment's results are not to be trusted.
    pub mismatch: bool,
}

/// Cumulative distribution function of the standard normal distribution, Φ(x).
///
/// Relative error around 1e-14 over the whole range, the lower tail included (Φ(−37) ≈ 5.7e-300 keeps its
/// digits); 0 at −∞, 1 at +∞, NaN for NaN.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    // Φ(x) = erfc(−x/√2) / 2 and erfc(t) = Q(1/2, t²) for t ≥ 0, so with s = x²/2:
    // Φ(x) = Q(1/2, s) / 2 for x ≤ 0 and 1/2 + P(1/2, s) / 2 for x > 0.
    let (lower, upper) = regularized_gamma(0.5, 0.5 * x * x);
    if x <= 0.0 {
        0.5 * upper
    } else {
        0.5 + 0.5 * lower
    }
}

/// Quantile function (inverse of [`normal_cdf`]) of the standard normal distribution.
///
/// Relative error around 1e-15; −∞ for 0, +∞ for 1, NaN outside `[0, 1]` or for NaN.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    // 1 − p is exact for p ≥ 1/2, and the lower tail is where normal_cdf keeps every digit.
    if p > 0.5 {
        -lower_normal_quantile(1.0 - p)
    } else {
        lower_normal_quantile(p)
    }
}

/// [`normal_quantile`] for `p` in `[0, 1/2]`: Acklam's approximation (relative error ≤ 1.2e-9), then
/// Halley steps on `normal_cdf(x) − p` until the step is below the rounding of `x`.
fn lower_normal_quantile(p: f64) -> f64 {
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    let mut x = acklam_quantile(p);
    for _ in 0..4 {
        let density = normal_density(x);
        if density == 0.0 {
            break;
        }
        let u = (normal_cdf(x) - p) / density;
        let step = u / (1.0 + 0.5 * x * u);
        x -= step;
        if step.abs() <= f64::EPSILON * x.abs() {
            break;
        }
    }
    x
}

/// Density of the standard normal distribution.
fn normal_density(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Peter J. Acklam's rational approximation of the normal quantile for `p` in `(0, 1/2]` (his published
/// coefficients; relative error at most 1.15e-9).
fn acklam_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.38357751867269e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] =
        [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    /// Below this, the tail formula; above, the central one.
    const P_LOW: f64 = 0.02425;
    if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        polynomial(&C, q) / (polynomial(&D, q) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        polynomial(&A, r) * q / (polynomial(&B, r) * r + 1.0)
    }
}

/// `c[0]·x^(n−1) + … + c[n−1]` by Horner's rule.
fn polynomial(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |sum, &c| sum * x + c)
}

/// The two-sided critical value `z` for `confidence` (1.959964 for 0.95); `None` unless
/// `0 < confidence < 1`.
fn two_sided_z(confidence: f64) -> Option<f64> {
    (confidence > 0.0 && confidence < 1.0).then(|| -normal_quantile(0.5 * (1.0 - confidence)))
}

/// Wilson score interval of the proportion `successes / trials` at the given two-sided `confidence`
/// (usually [`CONFIDENCE`]).
///
/// The low bound is exactly 0 when there are no successes and the high bound exactly 1 when every trial
/// succeeded. `None` when `trials` is 0, `successes > trials`, or `confidence` is not in `(0, 1)`.
pub fn wilson(successes: u64, trials: u64, confidence: f64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let z = two_sided_z(confidence)?;
    Some(wilson_bounds(successes, trials, z))
}

/// Wilson bounds `(2s + z² ∓ z √(z² + 4s(n−s)/n)) / (2(n + z²))` for `s` successes out of `n > 0`.
///
/// The textbook `centre ∓ half-width` loses digits at the small end; here the high bound is a sum of
/// positive terms, and the low bound, multiplied by its conjugate, becomes
/// `2s² / (n (2s + z² + z √(z² + 4s(n−s)/n)))`: no cancellation anywhere, exactly 0 for `s = 0`.
fn wilson_bounds(successes: u64, trials: u64, z: f64) -> Interval {
    let (s, n) = (successes as f64, trials as f64);
    let z2 = z * z;
    let root = z * (z2 + 4.0 * s * (n - s) / n).sqrt();
    let low = 2.0 * s * s / (n * (2.0 * s + z2 + root));
    let high = if successes == trials { 1.0 } else { ((2.0 * s + z2 + root) / (2.0 * (n + z2))).min(1.0) };
    Interval { low, high }
}

/// Relative uplift of `treatment` over `control` at the given two-sided `confidence` (usually
/// [`CONFIDENCE`]).
///
/// With rates `p = converted / exposed`: `relative = p_t / p_c − 1`; its interval is
/// `exp(ln(p_t / p_c) ± z·√((1 − p_t)/x_t + (1 − p_c)/x_c)) − 1` (delta method on the log of the rate
/// ratio, `x` the conversions); `p_value` is the two-sided pooled two-proportion z-test (1 when the pooled
/// variance is 0). `None` when either group has nobody exposed or no conversion, `converted > exposed`,
/// or `confidence` is not in `(0, 1)`.
pub fn uplift(control: Counts, treatment: Counts, confidence: f64) -> Option<Uplift> {
    let (p_c, p_t) = (control.rate()?, treatment.rate()?);
    if p_c == 0.0 || p_t == 0.0 {
        return None;
    }
    let z = two_sided_z(confidence)?;
    let log_ratio = (p_t / p_c).ln();
    let spread =
        z * ((1.0 - p_t) / treatment.converted as f64 + (1.0 - p_c) / control.converted as f64).sqrt();
    Some(Uplift {
        relative: p_t / p_c - 1.0,
        interval: Interval { low: (log_ratio - spread).exp_m1(), high: (log_ratio + spread).exp_m1() },
        p_value: pooled_z_test(control, treatment),
    })
}

/// Two-sided p-value of the pooled two-proportion z-test of `treatment` against `control` (1 when
/// the pooled variance is 0), which holds where [`uplift`] has no ratio: a rate of 0. `None` when
/// a group has nobody exposed or `converted > exposed`.
pub fn difference_p_value(control: Counts, treatment: Counts) -> Option<f64> {
    control.rate()?;
    treatment.rate()?;
    Some(pooled_z_test(control, treatment))
}

/// Two-sided p-value of the pooled two-proportion z-test; 1 when the pooled variance is 0.
/// Both groups must have someone exposed.
fn pooled_z_test(control: Counts, treatment: Counts) -> f64 {
    let (n_c, n_t) = (control.exposed as f64, treatment.exposed as f64);
    let pooled = (control.converted as f64 + treatment.converted as f64) / (n_c + n_t);
    let variance = pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t);
    if variance <= 0.0 {
        return 1.0;
    }
    let difference = treatment.converted as f64 / n_t - control.converted as f64 / n_c;
    let z = difference / variance.sqrt();
    (2.0 * normal_cdf(-z.abs())).min(1.0)
}

/// Survival function of the chi-square distribution with `df` degrees of freedom: `P(X ≥ statistic)`,
/// the regularized upper incomplete gamma function `Q(df/2, statistic/2)`.
///
/// Relative error around 1e-13, small tails included. 1 for a statistic ≤ 0, 0 at +∞; NaN when the
/// statistic is NaN or `df` is 0.
pub fn chi_square_sf(statistic: f64, df: u32) -> f64 {
    if statistic.is_nan() || df == 0 {
        return f64::NAN;
    }
    regularized_gamma(0.5 * f64::from(df), 0.5 * statistic).1
}

/// Sample ratio mismatch check: Pearson's chi-square goodness of fit of the `observed` counts per group
/// against `expected = total × weight / Σ weights`, with `df = groups − 1`.
///
/// `weights` is the intended split in any scale (`[0.5, 0.5]`, `[1.0, 1.0]` and `[50.0, 50.0]` are the
/// same). `None` when there are fewer than 2 groups, the lengths differ, the total is 0 (or overflows), or
/// a weight is not a finite number above 0.
pub fn srm(observed: &[u64], weights: &[f64]) -> Option<Srm> {
    if observed.len() < 2 || observed.len() != weights.len() {
        return None;
    }
    if !weights.iter().all(|w| w.is_finite() && *w > 0.0) {
        return None;
    }
    let total = observed.iter().try_fold(0u64, |sum, &count| sum.checked_add(count))?;
    let weight_sum: f64 = weights.iter().sum();
    if total == 0 || !weight_sum.is_finite() {
        return None;
    }
    let mut statistic = 0.0;
    for (&count, &weight) in observed.iter().zip(weights) {
        let expected = total as f64 * weight / weight_sum;
        if expected <= 0.0 {
            // Underflow: a weight too small next to the others to expect anything.
            return None;
        }
        let difference = count as f64 - expected;
        statistic += difference * difference / expected;
    }
    let df = u32::try_from(observed.len() - 1).ok()?;
    let p_value = chi_square_sf(statistic, df);
    Some(Srm { statistic, df, p_value, mismatch: p_value < SRM_THRESHOLD })
}

/// The regularized incomplete gamma functions `(P(a, x), Q(a, x))` for `a > 0`, `x ≥ 0` (`P + Q = 1`).
///
/// Below `x = a + 1` the power series of `P` converges fast and `Q = 1 − P` is at least about 0.3, so
/// nothing cancels; above, the continued fraction of `Q` converges fast and keeps small tails exact.
fn regularized_gamma(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if x == f64::INFINITY {
        return (1.0, 0.0);
    }
    if x < a + 1.0 {
        let lower = lower_gamma_series(a, x);
        (lower, 1.0 - lower)
    } else {
        let upper = upper_gamma_fraction(a, x);
        (1.0 - upper, upper)
    }
}

/// `xᵃ e⁻ˣ / Γ(a)`, the factor in front of both expansions, computed through logarithms.
fn gamma_prefactor(a: f64, x: f64) -> f64 {
    (a * x.ln() - x - ln_gamma(a)).exp()
}

/// `P(a, x) = xᵃ e⁻ˣ / Γ(a) · Σₙ xⁿ / (a (a+1) … (a+n))`.
fn lower_gamma_series(a: f64, x: f64) -> f64 {
    let mut term = 1.0 / a;
    let mut sum = term;
    let mut denominator = a;
    for _ in 0..MAX_ITERATIONS {
        denominator += 1.0;
        term *= x / denominator;
        sum += term;
        if term < sum * f64::EPSILON {
            break;
        }
    }
    (sum * gamma_prefactor(a, x)).min(1.0)
}

/// `Q(a, x) = xᵃ e⁻ˣ / Γ(a) · 1 / (x + 1 − a − 1·(1 − a) / (x + 3 − a − 2·(2 − a) / (x + 5 − a − …)))`,
/// Legendre's continued fraction, evaluated front to back by the modified Lentz method.
fn upper_gamma_fraction(a: f64, x: f64) -> f64 {
    /// Stands in for a zero denominator (Lentz's trick).
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut fraction = d;
    for i in 1..MAX_ITERATIONS {
        let i = f64::from(i);
        let numerator = -i * (i - a);
        b += 2.0;
        d = 1.0 / nonzero(numerator * d + b);
        c = nonzero(b + numerator / c);
        let factor = c * d;
        fraction *= factor;
        if (factor - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    fraction * gamma_prefactor(a, x)
}

/// `ln Γ(z)` for `z > 0`: shifted up to `z ≥ 10` by `Γ(z) = Γ(z + n) / (z (z+1) … (z+n−1))`, then
/// Stirling's series to the `z⁻¹³` term (the next term is below 3e-17 there).
fn ln_gamma(z: f64) -> f64 {
    let mut shifted = z;
    let mut product = 1.0;
    while shifted < 10.0 {
        product *= shifted;
        shifted += 1.0;
    }
    stirling_ln_gamma(shifted) - product.ln()
}

/// Stirling's series `ln Γ(z) ≈ (z − ½) ln z − z + ½ ln 2π + Σₖ B₂ₖ / (2k (2k−1) z²ᵏ⁻¹)`, k = 1..7.
fn stirling_ln_gamma(z: f64) -> f64 {
    // B₂ₖ / (2k (2k−1)) with B₂ … B₁₄ = 1/6, −1/30, 1/42, −1/30, 5/66, −691/2730, 7/6.
    const COEFFICIENTS: [f64; 7] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
    ];
    let inverse = 1.0 / z;
    let inverse_squared = inverse * inverse;
    let mut power = inverse;
    let mut series = 0.0;
    for coefficient in COEFFICIENTS {
        series += coefficient * power;
        power *= inverse_squared;
    }
    (z - 0.5) * z.ln() - z + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// The Python reference script, next to the integration tests.
    const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stats_reference.py");

    /// Relative agreement asked of every figure compared with the reference.
    const RELATIVE: f64 = 1e-7;
    /// Tighter agreement asked of the normal cdf and quantile (both sides claim ~1e-15).
    const NORMAL_RELATIVE: f64 = 1e-12;

    /// Sends `request` to the reference script and returns its answer; fails the test when python3 cannot
    /// be started or the script fails.
    fn python_reference(request: &Value) -> Value {
        let mut child = Command::new("python3")
            .arg(REFERENCE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start python3 to compute the reference values with {REFERENCE}: {e}; these tests need python3 on PATH")
            });
        let input = serde_json::to_vec(request).unwrap();
        child.stdin.take().unwrap().write_all(&input).expect("write the request to python3");
        let output = child.wait_with_output().expect("wait for python3");
        assert!(
            output.status.success(),
            "{REFERENCE} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("the reference answers JSON")
    }

    /// Figures compared with the reference so far, and the disagreements among them.
    #[derive(Default)]
    struct Comparison {
        checked: usize,
        failures: Vec<String>,
        /// Largest relative difference seen, and where.
        worst: (f64, String),
    }

    impl Comparison {
        /// Compares one figure. Values both below 1e-10 may instead agree to 1e-12 absolute.
        fn figure(&mut self, what: &str, ours: f64, reference: &Value, relative: f64) {
            self.checked += 1;
            let Some(expected) = reference.as_f64() else {
                return self.fail(format!("{what}: ours {ours:e}, reference {reference}"));
            };
            let scale = ours.abs().max(expected.abs());
            let difference = (ours - expected).abs();
            if scale >= 1e-10 && difference / scale > self.worst.0 {
                self.worst = (difference / scale, what.to_string());
            }
            if difference > relative * scale && !(scale < 1e-10 && difference <= 1e-12) {
                let relative_difference = difference / scale;
                self.fail(format!("{what}: ours {ours:e}, reference {expected:e}, relative difference {relative_difference:e}"));
            }
        }

        /// Records a disagreement.
        fn fail(&mut self, message: String) {
            self.failures.push(message);
        }
    }

    fn counts(converted: u64, exposed: u64) -> Counts {
        Counts { converted, exposed }
    }

    const NORMAL_POINTS: [f64; 16] = [
        -37.0, -20.5, -10.0, -6.3, -5.0, -3.0, -1.959964, -1.0, -0.5, -1e-3, 0.0, 0.3, 1.0, 1.644854, 3.0,
        8.0,
    ];
    const QUANTILE_POINTS: [f64; 14] =
        [1e-300, 1e-15, 1e-8, 1e-3, 0.01, 0.02425, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999, 0.99999, 1.0 - 1e-10];
    const UPLIFT_CASES: [(u64, u64, u64, u64); 9] = [
        (3, 17, 5, 19),
        (100, 1000, 130, 1010),
        (5000, 100_000, 5300, 100_000),
        (1, 10, 2, 10),
        (10, 10, 9, 10),
        (50, 500, 40, 520),
        (1, 100_000, 3, 100_000),
        (700, 1000, 720, 1000),
        (0, 100, 3, 100),
    ];
    const CHI_SQUARE_STATISTICS: [f64; 12] =
        [0.01, 0.1, 0.5, 1.0, 2.0, 3.841_458_820_694_124, 5.0, 7.5, 10.0, 20.0, 30.0, 40.0];

    fn srm_cases() -> Vec<(Vec<u64>, Vec<f64>)> {
        vec![
            (vec![5000, 5400], vec![1.0, 1.0]),
            (vec![5000, 5050], vec![0.5, 0.5]),
            (vec![1000, 4000], vec![0.2, 0.8]),
            (vec![1100, 3900], vec![0.2, 0.8]),
            (vec![330, 340, 330], vec![1.0, 1.0, 1.0]),
            (vec![250, 260, 240, 400], vec![1.0, 1.0, 1.0, 1.0]),
            (vec![9, 1, 5, 7, 3, 12], vec![1.0, 2.0, 1.0, 1.0, 1.0, 2.0]),
            (vec![0, 0], vec![1.0, 1.0]),
        ]
    }

    #[test]
    fn agrees_with_the_python_reference() {
        let wilson_cases: Vec<(u64, u64, f64)> = UPLIFT_CASES
            .iter()
            .flat_map(|&(xc, nc, xt, nt)| [(xc, nc, CONFIDENCE), (xt, nt, 0.9)])
            .chain([(0, 10, CONFIDENCE), (10, 10, CONFIDENCE), (0, 1, 0.99), (1, 1_000_000, CONFIDENCE)])
            .collect();
        let chi_square_cases: Vec<(f64, u32)> = (1..=5)
            .flat_map(|df| CHI_SQUARE_STATISTICS.iter().map(move |&x| (x, df)))
            .chain([(80.0, 1), (60.0, 3), (9.0, 10), (25.0, 10), (29.5, 30), (70.0, 30)])
            .collect();
        let request = json!({
            "normal_cdf": NORMAL_POINTS,
            "normal_quantile": QUANTILE_POINTS,
            "wilson": wilson_cases.iter().map(|&(s, n, c)| json!([s, n, c])).collect::<Vec<_>>(),
            "uplift": UPLIFT_CASES.iter().map(|&(xc, nc, xt, nt)| json!([xc, nc, xt, nt, CONFIDENCE])).collect::<Vec<_>>(),
            "chi_square_sf": chi_square_cases.iter().map(|&(x, df)| json!([x, df])).collect::<Vec<_>>(),
            "srm": srm_cases().iter().map(|(o, w)| json!({"observed": o, "weights": w})).collect::<Vec<_>>(),
        });
        let answer = python_reference(&request);
        let list =
            |key: &str| answer[key].as_array().unwrap_or_else(|| panic!("no {key} in {answer}")).clone();
        let mut c = Comparison::default();

        for (x, reference) in NORMAL_POINTS.iter().zip(&list("normal_cdf")) {
            c.figure(&format!("normal_cdf({x})"), normal_cdf(*x), reference, NORMAL_RELATIVE);
        }
        for (p, reference) in QUANTILE_POINTS.iter().zip(&list("normal_quantile")) {
            c.figure(&format!("normal_quantile({p})"), normal_quantile(*p), reference, NORMAL_RELATIVE);
        }
        for (&(s, n, confidence), reference) in wilson_cases.iter().zip(&list("wilson")) {
            let interval = wilson(s, n, confidence).unwrap();
            let name = format!("wilson({s}, {n}, {confidence})");
            c.figure(&format!("{name}.low"), interval.low, &reference[0], RELATIVE);
            c.figure(&format!("{name}.high"), interval.high, &reference[1], RELATIVE);
        }
        for (&(xc, nc, xt, nt), reference) in UPLIFT_CASES.iter().zip(&list("uplift")) {
            let name = format!("uplift({xc}/{nc} → {xt}/{nt})");
            match uplift(counts(xc, nc), counts(xt, nt), CONFIDENCE) {
                None if reference.is_null() => c.checked += 1,
                None => c.fail(format!("{name}: ours None, reference {reference}")),
                Some(ours) => {
                    c.figure(&format!("{name}.relative"), ours.relative, &reference["relative"], RELATIVE);
                    c.figure(&format!("{name}.low"), ours.interval.low, &reference["interval"][0], RELATIVE);
                    c.figure(
                        &format!("{name}.high"),
                        ours.interval.high,
                        &reference["interval"][1],
                        RELATIVE,
                    );
                    c.figure(&format!("{name}.p_value"), ours.p_value, &reference["p_value"], RELATIVE);
                }
            }
        }
        for (&(x, df), reference) in chi_square_cases.iter().zip(&list("chi_square_sf")) {
            c.figure(&format!("chi_square_sf({x}, {df})"), chi_square_sf(x, df), reference, RELATIVE);
        }
        for ((observed, weights), reference) in srm_cases().iter().zip(&list("srm")) {
            let name = format!("srm({observed:?}, {weights:?})");
            match srm(observed, weights) {
                None if reference.is_null() => c.checked += 1,
                None => c.fail(format!("{name}: ours None, reference {reference}")),
                Some(ours) => {
                    c.figure(&format!("{name}.statistic"), ours.statistic, &reference["statistic"], RELATIVE);
                    c.figure(&format!("{name}.p_value"), ours.p_value, &reference["p_value"], RELATIVE);
                    if reference["df"] != json!(ours.df) || reference["mismatch"] != json!(ours.mismatch) {
                        c.fail(format!("{name}: ours {ours:?}, reference {reference}"));
                    }
                }
            }
        }
        println!(
            "stats: {} figures compared with {REFERENCE}; largest relative difference {:e} ({})",
            c.checked, c.worst.0, c.worst.1
        );
        assert!(c.failures.is_empty(), "disagreements with the Python reference:\n{}", c.failures.join("\n"));
    }

    #[test]
    fn normal_cdf_edges_symmetry_and_monotonicity() {
        assert_eq!(normal_cdf(0.0), 0.5);
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
        assert!(normal_cdf(f64::NAN).is_nan());
        let grid: Vec<f64> = (-400..=400).map(|i| f64::from(i) / 40.0).collect();
        for pair in grid.windows(2) {
            assert!(normal_cdf(pair[0]) <= normal_cdf(pair[1]), "cdf decreases between {pair:?}");
        }
        for &x in &grid {
            assert!((normal_cdf(x) + normal_cdf(-x) - 1.0).abs() < 1e-15, "Φ({x}) + Φ(−{x}) ≠ 1");
        }
    }

    #[test]
    fn normal_quantile_edges_and_round_trip() {
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert_eq!(normal_quantile(0.5), 0.0);
        for p in [-0.1, 1.1, f64::NAN] {
            assert!(normal_quantile(p).is_nan(), "quantile({p})");
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        for i in -300..=300 {
            let x = f64::from(i) / 40.0;
            let back = normal_quantile(normal_cdf(x));
            // Above 0, cdf(x) is rounded next to 1, which moves x by up to ε / density(x).
            let tolerance =
                if x > 0.0 { 1e-12 + f64::EPSILON / normal_density(x) } else { 1e-12 * x.abs().max(1.0) };
            assert!((back - x).abs() <= tolerance, "quantile(cdf({x})) = {back}");
        }
    }

    #[test]
    fn acklam_start_is_within_its_published_error() {
        for i in 1..500 {
            let p = f64::from(i) / 1000.0;
            let start = acklam_quantile(p);
            let exact = normal_quantile(p);
            assert!((start - exact).abs() <= 1.2e-9 * exact.abs().max(1e-3), "p = {p}: {start} vs {exact}");
        }
    }

    #[test]
    fn ln_gamma_known_values() {
        // The shift to z ≥ 10 subtracts logs near 13, so a few units in the last place of 13 (≈ 2e-15).
        let sqrt_pi = std::f64::consts::PI.sqrt();
        for (z, exact) in [
            (1.0, 0.0),
            (2.0, 0.0),
            (0.5, sqrt_pi.ln()),
            (2.5, (0.75 * sqrt_pi).ln()),
            (10.0, 362_880f64.ln()),
        ] {
            let error = (ln_gamma(z) - exact).abs();
            println!("ln_gamma({z}) error {error:e}");
            assert!(error < 1e-14, "ln_gamma({z}) = {}, exactly {exact}", ln_gamma(z));
        }
        // Γ(n) = (n − 1)! well above the shift.
        let factorial_49: f64 = (1..50).map(f64::from).map(f64::ln).sum();
        assert!((ln_gamma(50.0) - factorial_49).abs() < 1e-12);
    }

    #[test]
    fn wilson_none_without_trials_or_with_bad_input() {
        assert_eq!(wilson(0, 0, CONFIDENCE), None);
        assert_eq!(wilson(5, 3, CONFIDENCE), None);
        for confidence in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert_eq!(wilson(5, 10, confidence), None, "confidence {confidence}");
        }
    }

    #[test]
    fn wilson_zero_and_full_conversion() {
        let none = wilson(0, 10, CONFIDENCE).unwrap();
        assert_eq!(none.low, 0.0);
        assert!(none.high > 0.2 && none.high < 0.4, "{none:?}");
        let all = wilson(10, 10, CONFIDENCE).unwrap();
        assert_eq!(all.high, 1.0);
        assert!((all.low - (1.0 - none.high)).abs() < 1e-15, "{all:?} mirrors {none:?}");
        let one = wilson(1, 1, CONFIDENCE).unwrap();
        assert_eq!(one.high, 1.0);
        assert!(one.low > 0.0 && one.low < 0.5);
    }

    #[test]
    fn wilson_contains_the_rate_and_narrows_with_more_trials() {
        // The contract's example: 100 of 1000 → about [0.083, 0.12].
        let example = wilson(100, 1000, CONFIDENCE).unwrap();
        assert!((example.low - 0.083).abs() < 5e-4 && (example.high - 0.12).abs() < 5e-4, "{example:?}");
        let mut width = f64::INFINITY;
        for n in [10u64, 100, 1000, 10_000, 100_000] {
            let interval = wilson(n / 10, n, CONFIDENCE).unwrap();
            assert!(interval.low < 0.1 && 0.1 < interval.high, "{n}: {interval:?}");
            assert!(interval.high - interval.low < width, "{n}: not narrower");
            width = interval.high - interval.low;
        }
        let wider = wilson(100, 1000, 0.99).unwrap();
        assert!(wider.low < example.low && wider.high > example.high);
    }

    #[test]
    fn uplift_none_cases() {
        let good = counts(10, 100);
        assert_eq!(uplift(counts(0, 100), good, CONFIDENCE), None, "control rate 0");
        assert_eq!(uplift(good, counts(0, 100), CONFIDENCE), None, "treatment rate 0");
        assert_eq!(uplift(counts(0, 0), good, CONFIDENCE), None, "nobody exposed to the control");
        assert_eq!(uplift(good, counts(0, 0), CONFIDENCE), None, "nobody exposed to the treatment");
        assert_eq!(uplift(counts(5, 3), good, CONFIDENCE), None, "converted > exposed");
        assert_eq!(uplift(good, good, 1.0), None, "confidence 1");
        assert_eq!(uplift(good, good, f64::NAN), None, "confidence NaN");
    }

    #[test]
    fn uplift_equal_rates_and_full_conversion() {
        let same = uplift(counts(50, 500), counts(100, 1000), CONFIDENCE).unwrap();
        assert_eq!(same.relative, 0.0);
        assert!((same.p_value - 1.0).abs() < 1e-15);
        assert!(same.interval.low < 0.0 && same.interval.high > 0.0);
        let log_low = same.interval.low.ln_1p();
        let log_high = same.interval.high.ln_1p();
        assert!((log_low + log_high).abs() < 1e-15, "symmetric on the log scale: {same:?}");
        // Everyone converted in both groups: no variance anywhere.
        let full = uplift(counts(10, 10), counts(20, 20), CONFIDENCE).unwrap();
        assert_eq!(full, Uplift { relative: 0.0, interval: Interval { low: 0.0, high: 0.0 }, p_value: 1.0 });
    }

    #[test]
    fn uplift_grows_more_significant_with_the_difference() {
        let control = counts(100, 1000);
        let mut p_value = 1.0;
        for converted in [110, 120, 130, 150, 200] {
            let result = uplift(control, counts(converted, 1000), CONFIDENCE).unwrap();
            assert!(result.p_value < p_value, "{converted}: {result:?}");
            assert!(result.interval.low < result.relative && result.relative < result.interval.high);
            p_value = result.p_value;
        }
        assert!(p_value < 1e-8, "200 of 1000 against 100 of 1000: {p_value}");
    }

    #[test]
    fn chi_square_sf_edges_and_monotonicity() {
        assert_eq!(chi_square_sf(0.0, 1), 1.0);
        assert_eq!(chi_square_sf(-3.0, 2), 1.0);
        assert_eq!(chi_square_sf(f64::INFINITY, 3), 0.0);
        assert!(chi_square_sf(f64::NAN, 1).is_nan());
        assert!(chi_square_sf(1.0, 0).is_nan());
        assert!((chi_square_sf(3.841_458_820_694_124, 1) - 0.05).abs() < 1e-14);
        for x in [0.3f64, 4.0, 50.0, 700.0] {
            let closed_form = (-x / 2.0).exp();
            assert!((chi_square_sf(x, 2) - closed_form).abs() <= 1e-13 * closed_form, "df 2 at {x}");
        }
        for df in 1..=8 {
            let values: Vec<f64> = (0..200).map(|i| chi_square_sf(f64::from(i) * 0.25, df)).collect();
            assert!(values.windows(2).all(|pair| pair[1] <= pair[0]), "df {df} not decreasing");
            assert!(chi_square_sf(4.0, df + 1) > chi_square_sf(4.0, df), "more freedom, larger tail");
        }
    }

    #[test]
    fn srm_none_cases() {
        assert_eq!(srm(&[100], &[1.0]), None, "one group");
        assert_eq!(srm(&[], &[]), None, "no group");
        assert_eq!(srm(&[100, 100], &[1.0]), None, "lengths differ");
        assert_eq!(srm(&[0, 0], &[1.0, 1.0]), None, "total 0");
        assert_eq!(srm(&[u64::MAX, 1], &[1.0, 1.0]), None, "total overflows");
        for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(srm(&[100, 100], &[1.0, weight]), None, "weight {weight}");
        }
        assert_eq!(srm(&[100, 100], &[f64::MAX, f64::MAX]), None, "weights sum to infinity");
    }

    #[test]
    fn srm_flags_a_clear_mismatch_only() {
        let off = srm(&[5000, 5400], &[0.5, 0.5]).unwrap();
        assert!(off.mismatch && off.p_value < SRM_THRESHOLD, "{off:?}");
        assert_eq!(off.df, 1);
        let fine = srm(&[5000, 5050], &[0.5, 0.5]).unwrap();
        assert!(!fine.mismatch && fine.p_value > 0.5, "{fine:?}");
        let exact = srm(&[2000, 8000], &[0.2, 0.8]).unwrap();
        assert_eq!((exact.statistic, exact.p_value, exact.mismatch), (0.0, 1.0, false));
        // The same split is a clear mismatch when the weights say 50/50.
        assert!(srm(&[2000, 8000], &[1.0, 1.0]).unwrap().mismatch);
        // Weights in any scale.
        assert_eq!(srm(&[480, 520, 500], &[1.0, 1.0, 1.0]), srm(&[480, 520, 500], &[25.0, 25.0, 25.0]));
    }

    #[test]
    fn serializes_as_the_contract_shows() {
        let interval = Interval { low: 0.25, high: 0.5 };
        assert_eq!(serde_json::to_value(interval).unwrap(), json!([0.25, 0.5]));
        let result = Uplift { relative: 0.5, interval, p_value: 0.125 };
        assert_eq!(
            serde_json::to_value(result).unwrap(),
            json!({"relative": 0.5, "interval": [0.25, 0.5], "p_value": 0.125})
        );
    }
}
