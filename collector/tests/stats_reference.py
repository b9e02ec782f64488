#!/usr/bin/env python3
"""Reference values for collector/src/stats.rs, computed with Python's standard library only.

The Rust tests in stats.rs send a JSON request on stdin and compare their figures with the answer this
script writes on stdout. The methods here are deliberately different from the Rust ones:

- normal quantile: statistics.NormalDist().inv_cdf (Wichura's AS241);
- normal cdf: 0.5 * math.erfc(-x / sqrt(2)) (the C library's erfc; NormalDist().cdf goes through
  1 + erf(...), which loses the digits of the lower tail);
- chi-square survival function: df 1 through math.erfc(sqrt(x / 2)), df 2 in closed form exp(-x / 2),
  any other df by adaptive Simpson integration of the chi-square density over [x, x + 2048]
  (log-density through math.lgamma); the Rust side uses the incomplete gamma function instead;
- Wilson interval, uplift and SRM: their textbook formulas on top of those.

Request: {"normal_cdf": [x, ...], "normal_quantile": [p, ...], "wilson": [[successes, trials, confidence], ...],
"uplift": [[control converted, control exposed, treatment converted, treatment exposed, confidence], ...],
"chi_square_sf": [[statistic, df], ...], "srm": [{"observed": [...], "weights": [...]}, ...]}.
Answer: the same keys, one result per case (null where the statistic is undefined).
"""

import json
import math
import sys
from statistics import NormalDist

STANDARD = NormalDist()


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_quantile(p):
    return STANDARD.inv_cdf(p)


def two_sided_z(confidence):
    return STANDARD.inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def simpson(f, a, fa, b, fb):
    """Simpson's rule on [a, b]; returns (midpoint, f(midpoint), estimate)."""
    m = 0.5 * (a + b)
    fm = f(m)
    return m, fm, (b - a) / 6.0 * (fa + 4.0 * fm + fb)


def adaptive_simpson(f, a, b, tolerance, max_depth=60):
    """Integral of f over [a, b] by adaptive Simpson with Richardson correction (explicit stack)."""
    fa, fb = f(a), f(b)
    m, fm, whole = simpson(f, a, fa, b, fb)
    total = 0.0
    stack = [(a, fa, b, fb, m, fm, whole, tolerance, 0)]
    while stack:
        a, fa, b, fb, m, fm, whole, tol, depth = stack.pop()
        lm, flm, left = simpson(f, a, fa, m, fm)
        rm, frm, right = simpson(f, m, fm, b, fb)
        delta = left + right - whole
        if depth >= max_depth or abs(delta) <= 15.0 * tol:
            total += left + right + delta / 15.0
        else:
            stack.append((a, fa, m, fm, lm, flm, left, tol / 2.0, depth + 1))
            stack.append((m, fm, b, fb, rm, frm, right, tol / 2.0, depth + 1))
    return total


def chi_square_log_density(t, df):
    k = df / 2.0
    return (k - 1.0) * math.log(t) - t / 2.0 - k * math.log(2.0) - math.lgamma(k)


def chi_square_sf_by_integration(x, df):
    """Upper tail of the chi-square distribution: integral of its density over [x, x + 2048].

    The density is scaled by its value at x so that tiny tails keep their relative precision, and the range
    is cut into panels of doubling width so that the adaptive rule sees where the mass is.
    """
    log_at_x = chi_square_log_density(x, df)

    def scaled(t):
        return math.exp(chi_square_log_density(t, df) - log_at_x)

    edges = [x] + [x + 2.0 ** i for i in range(-6, 12)]
    panels = list(zip(edges, edges[1:]))
    # A first pass at a loose tolerance gives the size of the integral; the second asks for 1e-13 of it.
    rough = sum(adaptive_simpson(scaled, lo, hi, 1e-6) for lo, hi in panels)
    tolerance = 1e-13 * rough / len(panels)
    integral = sum(adaptive_simpson(scaled, lo, hi, tolerance) for lo, hi in panels)
    return math.exp(log_at_x) * integral


def chi_square_sf(x, df):
    if x <= 0.0:
        return 1.0
    if df == 1:
        return math.erfc(math.sqrt(x / 2.0))
    if df == 2:
        return math.exp(-x / 2.0)
    return chi_square_sf_by_integration(x, df)


def wilson(successes, trials, confidence):
    if trials == 0:
        return None
    z = two_sided_z(confidence)
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2.0 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / trials + z * z / (4.0 * trials * trials))
    return [max(0.0, centre - half), min(1.0, centre + half)]


def uplift(xc, nc, xt, nt, confidence):
    if nc == 0 or nt == 0 or xc == 0 or xt == 0:
        return None
    pc, pt = xc / nc, xt / nt
    z = two_sided_z(confidence)
    ratio = pt / pc
    se = math.sqrt((1.0 - pt) / xt + (1.0 - pc) / xc)
    pooled = (xc + xt) / (nc + nt)
    variance = pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt)
    if variance == 0.0:
        p_value = 1.0
    else:
        statistic = (pt - pc) / math.sqrt(variance)
        p_value = 2.0 * normal_cdf(-abs(statistic))
    return {
        "relative": ratio - 1.0,
        "interval": [ratio * math.exp(-z * se) - 1.0, ratio * math.exp(z * se) - 1.0],
        "p_value": p_value,
    }


def srm(observed, weights):
    if len(observed) < 2 or len(observed) != len(weights) or sum(observed) == 0:
        return None
    if any(not (math.isfinite(w) and w > 0.0) for w in weights):
        return None
    total, weight_sum = sum(observed), sum(weights)
    statistic = 0.0
    for count, weight in zip(observed, weights):
        expected = total * weight / weight_sum
        statistic += (count - expected) ** 2 / expected
    df = len(observed) - 1
    p_value = chi_square_sf(statistic, df)
    return {"statistic": statistic, "df": df, "p_value": p_value, "mismatch": p_value < 0.001}


def main():
    request = json.load(sys.stdin)
    answer = {
        "normal_cdf": [normal_cdf(x) for x in request.get("normal_cdf", [])],
        "normal_quantile": [normal_quantile(p) for p in request.get("normal_quantile", [])],
        "wilson": [wilson(*case) for case in request.get("wilson", [])],
        "uplift": [uplift(*case) for case in request.get("uplift", [])],
        "chi_square_sf": [chi_square_sf(x, df) for x, df in request.get("chi_square_sf", [])],
        "srm": [srm(case["observed"], case["weights"]) for case in request.get("srm", [])],
    }
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
