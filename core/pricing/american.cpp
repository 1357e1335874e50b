#include "core/pricing/american.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

// The AVX2 build runs the kernels on four-lane vectors; every function passing them is
// always inlined into that build, so no call crosses the vector ABI GCC notes here (the same
// reason book_kernel.cpp builds with -Wno-psabi).
#pragma GCC diagnostic ignored "-Wpsabi"
#include "core/pricing/vector_math.hpp"

namespace hedged::pricing {
namespace {

// --- Discretisation ---------------------------------------------------------------------------
// Boundary: Chebyshev-Lobatto nodes z_i = cos(i pi / n), i = 0..n, in z = 2 sqrt(tau / T) - 1.
// Node n is tau = 0, where the boundary is known (B = X), so n nodes are unknown.
inline constexpr int kChebOrder = 12;
inline constexpr int kNodes = kChebOrder + 1;
// Fixed-point sweeps: FP-B contracts the error ~4x per sweep, six reach ~3e-7 relative price
// accuracy; FP-A, used where FP-B is unstable (perpetual gap below kFpAGap), needs more. A
// fixed count (not a tolerance test) keeps the price a smooth function of the inputs, which
// the finite-difference Greeks rely on.
inline constexpr int kSweeps = 6;
inline constexpr int kSweepsA = 20;
inline constexpr double kFpAGap = 0.05;
// Tanh-sinh rules on [0, 1]: points t = k h, |k| <= half (h = step). Sizes were chosen
// against a high-precision reference: quadrature error stays far below the sweep error.
inline constexpr int kBoundaryHalf = 6;
inline constexpr double kBoundaryStep = 0.45;
inline constexpr int kBoundaryPoints = 2 * kBoundaryHalf + 1;
inline constexpr int kPriceHalf = 16;
inline constexpr double kPriceStep = 0.2;
inline constexpr int kPricePoints = 2 * kPriceHalf + 1;
// Abscissa counts rounded up to a multiple of the widest (four-lane) integrand kernel.
inline constexpr std::size_t kBoundaryPad = 16;
inline constexpr std::size_t kPricePad = 36;

inline constexpr double kInvSqrt2 = 0.7071067811865476;
inline constexpr double kInvSqrt2Pi = 0.3989422804014327;

// Phi and phi of the European part: its terms are summed with O(1) weights, so plain erfc is
// enough (the tail care of norm_cdf buys nothing here and costs time).
[[nodiscard]] inline double cdf(double x) noexcept {
  return 0.5 * std::erfc(-x * kInvSqrt2);
}
[[nodiscard]] inline double pdf(double x) noexcept {
  return kInvSqrt2Pi * std::exp(-0.5 * x * x);
}

// Vector kernels for the integrands (two lanes in the generic build, four in the AVX2 one):
// e^x, e^{-z^2/2} and N(z) from it, built on the vector_math.hpp primitives (rational Mills
// ratio, ~1e-15 relative).
using V2 = simd::Vec<2>::D;
using I2 = simd::Vec<2>::I;

[[gnu::always_inline]] inline V2 v2(double a, double b) noexcept {
  return V2{a, b};
}

// e^r on |r| <= ln2/2 + 1e-4: the Taylor series to r^13 (truncation below 5e-18 relative),
// evaluated by Estrin's scheme, whose short dependency chains keep the pipelines busy where
// Horner's rule waits on every step.
template <class V>
[[gnu::always_inline]] inline V exp_reduced(V r) noexcept {
  const V r2 = r * r;
  const V r4 = r2 * r2;
  const V r8 = r4 * r4;
  const V a0 = 1.0 + r;
  const V a1 = 1.0 / 2.0 + r * (1.0 / 6.0);
  const V a2 = 1.0 / 24.0 + r * (1.0 / 120.0);
  const V a3 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const V a4 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const V a5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const V a6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const V b0 = a0 + r2 * a1;
  const V b1 = a2 + r2 * a3;
  const V b2 = a4 + r2 * a5;
  const V c0 = b0 + r4 * b1;
  const V c1 = b2 + r4 * a6;
  return c0 + r8 * c1;
}

// e^x for |x| <= 700 (arguments are clamped there; here they are rates times times to expiry).
template <class V>
[[gnu::always_inline]] inline V vexp(V x) noexcept {
  using I = simd::IntOf<V>;
  using namespace simd::detail;
  x = x < -700.0 ? simd::splat<V>(-700.0) : x;
  x = x > 700.0 ? simd::splat<V>(700.0) : x;
  const V shifted = x * kLog2E + kRoundMagic;
  const V k = shifted - kRoundMagic;
  const V r = (x - k * kLn2Hi) - k * kLn2Lo;
  const I kbits = simd::bits_as<I>(shifted) - simd::bits_as<I>(simd::splat<V>(kRoundMagic));
  return exp_reduced(r) * pow2<V>(kbits);
}

// e^{-z^2/2}, |z| clamped to 40 (beyond, the density is below 1e-347 and flushes to 0); the
// exponential itself is vector_math's, with -z^2/2 formed exactly.
template <class V>
[[gnu::always_inline]] inline V vgauss(V z) noexcept {
  return simd::exp_neg_half_square(simd::min(simd::abs(z), simd::splat<V>(simd::kTailClamp)));
}

// N(z) given g = e^{-z^2/2}.
template <class V>
[[gnu::always_inline]] inline V vcdf(V z, V g) noexcept {
  return simd::norm_cdf_from_gauss(z, g);
}

// A quadrature rule for integrals over [0, 1]: abscissa a, its complement 1 - a (formed
// without cancellation, since the rule clusters points at both ends), and weight.
template <int N>
struct Rule {
  std::array<double, N> a{};
  std::array<double, N> b{};
  std::array<double, N> sqrt_b{};  // sqrt(1 - a)
  std::array<double, N> w{};
};

template <int Half>
Rule<2 * Half + 1> tanh_sinh(double step) noexcept {
  Rule<2 * Half + 1> rule;
  for (int k = -Half; k <= Half; ++k) {
    const double t = k * step;
    const double g = 0.5 * std::numbers::pi * std::sinh(t);
    const auto j = static_cast<std::size_t>(k + Half);
    rule.a[j] = 1.0 / (1.0 + std::exp(-2.0 * g));
    rule.b[j] = 1.0 / (1.0 + std::exp(2.0 * g));
    rule.sqrt_b[j] = std::sqrt(rule.b[j]);
    const double sech = 1.0 / std::cosh(g);
    rule.w[j] = step * 0.25 * std::numbers::pi * std::cosh(t) * sech * sech;
  }
  return rule;
}

// Everything that depends only on the discretisation, not on the option: node positions
// tau_i / T, the quadrature rules, and the linear maps from node values of H to H at every
// quadrature abscissa (the Chebyshev interpolant, folded into one matrix per integral).
// Because abscissae scale with tau_i, the interpolation points z are option-independent.
struct Tables {
  std::array<double, kNodes> tau_frac{};   // tau_i / T
  std::array<double, kNodes> sqrt_frac{};  // sqrt(tau_i / T)
  Rule<kBoundaryPoints> boundary_rule;
  Rule<kPricePoints> price_rule;
  // boundary_interp[i][l][j]: weight of H_l in H(tau_i * a_j), for unknown nodes i < n;
  // abscissa-minor (and zero in the padding) so the sweeps interpolate several at once.
  std::array<std::array<std::array<double, kBoundaryPad>, kNodes>, kChebOrder> boundary_interp{};
  // price_interp[j][l]: weight of H_l in H(T * a_j).
  std::array<std::array<double, kNodes>, kPricePoints> price_interp{};
};

// Weights w_l with f(z) = sum_l w_l f(z_l) for the degree-n Chebyshev interpolant through the
// Lobatto nodes: coefficients by the discrete cosine transform, evaluated at z.
std::array<double, kNodes> interpolation_weights(double z) noexcept {
  const double theta = std::acos(std::clamp(z, -1.0, 1.0));
  std::array<double, kNodes> w{};
  for (int l = 0; l < kNodes; ++l) {
    const double end_l = (l == 0 || l == kChebOrder) ? 0.5 : 1.0;
    double sum = 0.0;
    for (int k = 0; k <= kChebOrder; ++k) {
      const double end_k = (k == 0 || k == kChebOrder) ? 0.5 : 1.0;
      sum += end_k * std::cos(k * l * std::numbers::pi / kChebOrder) * std::cos(k * theta);
    }
    w[static_cast<std::size_t>(l)] = 2.0 / kChebOrder * end_l * sum;
  }
  return w;
}

Tables make_tables() noexcept {
  Tables t;
  for (int i = 0; i < kNodes; ++i) {
    const double z = std::cos(i * std::numbers::pi / kChebOrder);
    const auto si = static_cast<std::size_t>(i);
    t.sqrt_frac[si] = 0.5 * (1.0 + z);
    t.tau_frac[si] = t.sqrt_frac[si] * t.sqrt_frac[si];
  }
  t.tau_frac[kChebOrder] = 0.0;
  t.sqrt_frac[kChebOrder] = 0.0;
  t.boundary_rule = tanh_sinh<kBoundaryHalf>(kBoundaryStep);
  t.price_rule = tanh_sinh<kPriceHalf>(kPriceStep);
  for (std::size_t i = 0; i < kChebOrder; ++i) {
    for (std::size_t j = 0; j < kBoundaryPoints; ++j) {
      // sqrt(tau_i a_j / T) = sqrt_frac_i sqrt(a_j); z = 2 sqrt(u / T) - 1.
      const double z = 2.0 * t.sqrt_frac[i] * std::sqrt(t.boundary_rule.a[j]) - 1.0;
      const std::array<double, kNodes> w = interpolation_weights(z);
      for (std::size_t l = 0; l < kNodes; ++l) t.boundary_interp[i][l][j] = w[l];
    }
  }
  for (std::size_t j = 0; j < kPricePoints; ++j) {
    t.price_interp[j] = interpolation_weights(2.0 * std::sqrt(t.price_rule.a[j]) - 1.0);
  }
  return t;
}

const Tables& tables() noexcept {
  static const Tables t = make_tables();
  return t;
}

// A put in its own terms; calls are mapped onto one of these by symmetry.
struct Put {
  double s;
  double k;
  double r;
  double q;
  double vol;
  double t;
};

struct PutValue {
  double price;
  double delta;  // dP/dS
  double gamma;  // d2P/dS2
  double theta;  // dP/dt, calendar time passing
};

// European put, price/delta/gamma (vol * sqrt(T) > 0).
PutValue european_put(const Put& p) noexcept {
  const double sd = p.vol * std::sqrt(p.t);
  const double dq = std::exp(-p.q * p.t);
  const double dr = std::exp(-p.r * p.t);
  const double d1 = (std::log(p.s / p.k) + (p.r - p.q + 0.5 * p.vol * p.vol) * p.t) / sd;
  const double d2 = d1 - sd;
  PutValue v{};
  v.price = p.k * dr * cdf(-d2) - p.s * dq * cdf(-d1);
  v.delta = -dq * cdf(-d1);
  v.gamma = dq * pdf(d1) / (p.s * sd);
  return v;
}

// Exercise boundary of a put with r > 0, as the node values of H = ln(B / X)^2.
struct Boundary {
  double log_x;  // ln X
  std::array<double, kNodes> h{};
};

[[nodiscard]] inline double interp(const std::array<double, kNodes>& w,
                                   const std::array<double, kNodes>& h) noexcept {
  double sum = 0.0;
  for (std::size_t l = 0; l < kNodes; ++l) sum += w[l] * h[l];
  return sum;
}

// sqrt(H) = ln(X / B) >= 0; the interpolant may dip below zero between nodes close to
// tau = 0, where H itself is tiny.
[[nodiscard]] inline double root_h(double h) noexcept {
  return std::sqrt(std::max(h, 0.0));
}

// Inlined into american_put_single's two builds; W lanes in the sweeps' integrand kernel.
template <int W>
[[gnu::always_inline]] inline Boundary solve_boundary(const Put& p) noexcept {
  const Tables& tab = tables();
  const double x = (p.q > p.r) ? p.k * p.r / p.q : p.k;
  Boundary bnd{};
  bnd.log_x = std::log(x);
  const double log_k = std::log(p.k);
  const double var = p.vol * p.vol;

  // Initial guess: decay from X towards the perpetual boundary B_inf = K beta / (beta - 1),
  // beta the negative root of vol^2/2 b(b-1) + (r-q) b - r = 0, on the sqrt(tau) scale the
  // boundary moves on. The sweeps below contract the guess's error by ~4x each.
  const double m = (p.r - p.q) / var - 0.5;
  const double beta = -m - std::sqrt(m * m + 2.0 * p.r / var);
  const double b_inf = std::min(p.k * beta / (beta - 1.0), x);
  const double gap = std::log(x / b_inf);
  for (std::size_t i = 0; i < kChebOrder; ++i) {
    const double tau = tab.tau_frac[i] * p.t;
    const double decay = std::exp(-2.0 * p.vol * std::sqrt(tau) / std::max(gap, 1e-12));
    const double lb = gap * (1.0 - decay);
    bnd.h[i] = lb * lb;
  }
  bnd.h[kChebOrder] = 0.0;

  // Per-(node, abscissa) quantities that do not change across sweeps, padded to kBoundaryPad
  // abscissae (the padding has zero weight) for the vector kernels.
  struct Row {
    std::array<double, kBoundaryPad> disc_r;   // e^{-r s} * w_j * tau_i, s = tau_i - u
    std::array<double, kBoundaryPad> disc_q;   // e^{-q s} * w_j * tau_i
    std::array<double, kBoundaryPad> inv_sd;   // 1 / (vol sqrt(s))
    std::array<double, kBoundaryPad> sd;       // vol sqrt(s)
    std::array<double, kBoundaryPad> drift_p;  // (r - q + vol^2/2) s
  };
  std::array<Row, kChebOrder> rows;
  struct Node {
    double disc_r;
    double disc_q;
    double inv_sd;
    double sd;
    double drift_p;
  };
  std::array<Node, kChebOrder> nodes{};
  const double drift = p.r - p.q + 0.5 * var;
  const double vol_sqrt_t = p.vol * std::sqrt(p.t);
  for (std::size_t i = 0; i < kChebOrder; ++i) {
    const double tau = tab.tau_frac[i] * p.t;
    const double sd_i = vol_sqrt_t * tab.sqrt_frac[i];
    const V2 e_i = vexp(v2(-p.r * tau, -p.q * tau));
    nodes[i] = {e_i[0], e_i[1], 1.0 / sd_i, sd_i, drift * tau};
    Row& row = rows[i];
    using V = typename simd::Vec<W>::D;
    for (std::size_t j = 0; j < kBoundaryPad; j += W) {
      // s = tau - u; the padding gets s = 0, zero weight and a unit sd.
      V s = simd::splat<V>(0.0);
      V meas = simd::splat<V>(0.0);
      V sd = simd::splat<V>(1.0);
      for (std::size_t k = 0; k < W; ++k) {
        const std::size_t jk = j + k;
        if (jk >= kBoundaryPoints) break;
        s[k] = tau * tab.boundary_rule.b[jk];
        meas[k] = tab.boundary_rule.w[jk] * tau;
        sd[k] = sd_i * tab.boundary_rule.sqrt_b[jk];
      }
      simd::store(&row.disc_r[j], vexp(-p.r * s) * meas);
      simd::store(&row.disc_q[j], vexp(-p.q * s) * meas);
      simd::store(&row.sd[j], sd);
      simd::store(&row.inv_sd[j], 1.0 / sd);
      simd::store(&row.drift_p[j], drift * s);
    }
  }

  // FP-B (smooth pasting):
  //   B(tau) = K [e^{-r tau} n(d-(tau, B/K)) / (vol sqrt tau)
  //               + r int_0^tau e^{-r s} n(d-(s, B(tau)/B(u))) / (vol sqrt s) du]
  //          / [e^{-q tau} (n(d+(tau, B/K)) / (vol sqrt tau) + N(d+(tau, B/K)))
  //               + q int_0^tau e^{-q s} (n(d+(s, .)) / (vol sqrt s) + N(d+(s, .))) du],
  // s = tau - u. FP-A (value matching) has the same shape with
  //   numerator   e^{-r tau} N(d-(tau, B/K)) + r int_0^tau e^{-r s} N(d-(s, .)) du
  //   denominator e^{-q tau} N(d+(tau, B/K)) + q int_0^tau e^{-q s} N(d+(s, .)) du.
  // FP-B contracts fastest but turns unstable (oscillating sweeps at the long-dated nodes)
  // when the boundary hugs X, i.e. when the perpetual gap ln(X / B_inf) is small (low vol
  // against the rates); FP-A stays stable there at the price of more sweeps.
  const bool use_fp_a = gap < kFpAGap;
  const int sweeps = use_fp_a ? kSweepsA : kSweeps;
  std::array<double, kNodes> next = bnd.h;
  std::array<double, kBoundaryPad> log_z{};
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    for (std::size_t i = 0; i < kChebOrder; ++i) {
      const double root_i = root_h(bnd.h[i]);
      const double log_b = bnd.log_x - root_i;
      const Node& nd = nodes[i];
      const Row& row = rows[i];
      const double dp0 = (log_b - log_k + nd.drift_p) * nd.inv_sd;
      const V2 d0 = v2(dp0, dp0 - nd.sd);
      const V2 g0 = vgauss(d0);
      const V2 c0 = vcdf(d0, g0);
      double num = 0.0;
      double den = 0.0;
      if (use_fp_a) {
        num = nd.disc_r * c0[1];
        den = nd.disc_q * c0[0];
      } else {
        num = nd.disc_r * kInvSqrt2Pi * g0[1] * nd.inv_sd;
        den = nd.disc_q * (kInvSqrt2Pi * g0[0] * nd.inv_sd + c0[0]);
      }
      using V = typename simd::Vec<W>::D;
      // Abscissae past kBoundaryPoints are padding with zero weight.
      constexpr std::size_t kUsed = (kBoundaryPoints + W - 1) / W * W;
      for (std::size_t j = 0; j < kUsed; j += W) {
        V h_at = simd::splat<V>(0.0);
        for (std::size_t l = 0; l < kNodes; ++l) {
          h_at += simd::load<V>(&tab.boundary_interp[i][l][j]) * bnd.h[l];
        }
        for (std::size_t k = 0; k < W; ++k) log_z[j + k] = root_h(h_at[k]) - root_i;
      }
      V num_acc = simd::splat<V>(0.0);
      V den_acc = simd::splat<V>(0.0);
      for (std::size_t j = 0; j < kUsed; j += W) {
        const V inv_sd = simd::load<V>(&row.inv_sd[j]);
        const V dp = (simd::load<V>(&log_z[j]) + simd::load<V>(&row.drift_p[j])) * inv_sd;
        const V dm = dp - simd::load<V>(&row.sd[j]);
        const V gp = vgauss(dp);
        const V gm = vgauss(dm);
        const V disc_r = simd::load<V>(&row.disc_r[j]);
        const V disc_q = simd::load<V>(&row.disc_q[j]);
        if (use_fp_a) {
          num_acc += disc_r * vcdf(dm, gm);
          den_acc += disc_q * vcdf(dp, gp);
        } else {
          num_acc += disc_r * (kInvSqrt2Pi * gm) * inv_sd;
          den_acc += disc_q * ((kInvSqrt2Pi * gp) * inv_sd + vcdf(dp, gp));
        }
      }
      num += p.r * simd::lane_sum(num_acc);
      den += p.q * simd::lane_sum(den_acc);
      // ln(X / B_new) with B_new = K num / den; B <= X always holds for the true boundary.
      const double l_new = bnd.log_x - log_k - std::log(num / den);
      const double l_clamped = std::max(l_new, 0.0);
      next[i] = l_clamped * l_clamped;
    }
    bnd.h = next;
  }
  return bnd;
}

// Early-exercise premium and its first two spot derivatives:
//   P = p_E + int_0^T [r K e^{-r s} N(-d-(s, S/B(u))) - q S e^{-q s} N(-d+(s, S/B(u)))] du.
template <int W>
[[gnu::always_inline]] inline PutValue american_put_single_body(const Put& p) noexcept {
  const Tables& tab = tables();
  const Boundary bnd = solve_boundary<W>(p);
  const double log_b_expiry = bnd.log_x - root_h(bnd.h[0]);
  const double log_s = std::log(p.s);
  if (log_s <= log_b_expiry) {
    // Exercise region: the option is worth its intrinsic value, which does not decay.
    return {p.k - p.s, -1.0, 0.0, 0.0};
  }
  PutValue v = european_put(p);
  const double var = p.vol * p.vol;
  const double drift = p.r - p.q + 0.5 * var;
  const double sqrt_t = std::sqrt(p.t);
  using V = typename simd::Vec<W>::D;
  V price_acc = simd::splat<V>(0.0);
  V delta_acc = simd::splat<V>(0.0);
  V gamma_acc = simd::splat<V>(0.0);
  for (std::size_t j = 0; j < kPricePad; j += W) {
    // W abscissae per step; the padding (j >= kPricePoints) has zero weight.
    V s{};
    V meas{};
    V sd{};
    V log_bu{};
    for (std::size_t l = 0; l < W; ++l) {
      const std::size_t jl = j + l;
      if (jl < kPricePoints) {
        s[l] = p.t * tab.price_rule.b[jl];
        meas[l] = p.t * tab.price_rule.w[jl];
        sd[l] = p.vol * sqrt_t * tab.price_rule.sqrt_b[jl];
        log_bu[l] = bnd.log_x - root_h(interp(tab.price_interp[jl], bnd.h));
      } else {
        s[l] = p.t;
        meas[l] = 0.0;
        sd[l] = p.vol * sqrt_t;
        log_bu[l] = bnd.log_x;
      }
    }
    const V dp = (log_s - log_bu + drift * s) / sd;
    const V dm = dp - sd;
    const V er = vexp(-p.r * s);
    const V eq = vexp(-p.q * s);
    const V k_over_b = p.k * vexp(-log_bu);
    const V gp = vgauss(dp);
    const V n_dp = kInvSqrt2Pi * gp;
    const V cdf_mdp = vcdf(-dp, gp);
    const V cdf_mdm = vcdf(-dm, vgauss(dm));
    price_acc += meas * (p.r * p.k * er * cdf_mdm - p.q * p.s * eq * cdf_mdp);
    const V c = p.q - p.r * k_over_b;
    delta_acc += meas * eq * (-p.q * cdf_mdp + n_dp * c / sd);
    gamma_acc += meas * eq * n_dp / (p.s * sd) * (p.q - c * dp / sd);
  }
  const double price_int = simd::lane_sum(price_acc);
  const double delta_int = simd::lane_sum(delta_acc);
  const double gamma_int = simd::lane_sum(gamma_acc);
  v.price += price_int;
  v.delta += delta_int;
  v.gamma += gamma_int;
  // Continuation region: theta from the BSM PDE, dP/dt = r P - (r - q) S delta - vol^2 S^2 gamma
  // / 2.
  v.theta = p.r * v.price - (p.r - p.q) * p.s * v.delta - 0.5 * var * p.s * p.s * v.gamma;
  return v;
}

// The boundary sweeps dominate the cost of a valuation. Built for AVX2 with FMA as well
// (chosen at run time), the valuation runs ~30% faster: VEX encoding and fused multiply-adds
// in the polynomial kernels. The two builds agree to rounding (a fused step skips one).
__attribute__((target("avx2,fma"))) PutValue american_put_single_avx2(const Put& p) noexcept {
  return american_put_single_body<4>(p);
}

PutValue american_put_single_generic(const Put& p) noexcept {
  return american_put_single_body<2>(p);
}

PutValue american_put_single(const Put& p) noexcept {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2 ? american_put_single_avx2(p) : american_put_single_generic(p);
}

// Double-boundary regime (q < r < 0): Cox-Ross-Rubinstein tree, averaged over n and n + 1
// steps to cancel most of the tree's odd-even oscillation.
double tree_put(const Put& p, int steps) noexcept {
  constexpr int kMaxSteps = 1024;
  std::array<double, kMaxSteps + 2> values{};
  const int n = std::min(steps, kMaxSteps);
  const double dt = p.t / n;
  const double up = std::exp(p.vol * std::sqrt(dt));
  const double down = 1.0 / up;
  const double growth = std::exp((p.r - p.q) * dt);
  const double prob_up = (growth - down) / (up - down);
  const double disc = std::exp(-p.r * dt);
  const double log_up = std::log(up);
  for (int i = 0; i <= n; ++i) {
    const double s = p.s * std::exp((2 * i - n) * log_up);
    values[static_cast<std::size_t>(i)] = std::max(p.k - s, 0.0);
  }
  for (int step = n - 1; step >= 0; --step) {
    for (int i = 0; i <= step; ++i) {
      const auto si = static_cast<std::size_t>(i);
      const double cont = disc * (prob_up * values[si + 1] + (1.0 - prob_up) * values[si]);
      const double s = p.s * std::exp((2 * i - step) * log_up);
      values[si] = std::max(cont, p.k - s);
    }
  }
  return values[0];
}

inline constexpr int kTreeSteps = 1000;

double tree_put_price(const Put& p) noexcept {
  return 0.5 * (tree_put(p, kTreeSteps) + tree_put(p, kTreeSteps + 1));
}

enum class Regime { kExpired, kDeterministic, kEuropean, kSingleBoundary, kDoubleBoundary };

Regime regime_of(const Put& p) noexcept {
  if (p.t <= 0.0) return Regime::kExpired;
  if (p.vol * std::sqrt(p.t) <= 0.0) return Regime::kDeterministic;
  if (p.r > 0.0) return Regime::kSingleBoundary;
  if (p.q < p.r && p.r < 0.0) return Regime::kDoubleBoundary;
  return Regime::kEuropean;
}

Put to_put(const BsInputs& in) noexcept {
  if (in.right == OptionRight::kPut) {
    return {in.spot, in.strike, in.rate, in.dividend_yield, in.vol, in.time_years};
  }
  return {in.strike, in.spot, in.dividend_yield, in.rate, in.vol, in.time_years};
}

// vol == 0: best of K e^{-r t} - S e^{-q t} over t in [0, T]; the interior stationary point
// solves q S e^{-q t} = r K e^{-r t}.
struct Deterministic {
  double price;
  double when;  // optimal exercise time; meaningless when price == 0
};

Deterministic deterministic_put(const Put& p) noexcept {
  const auto value_at = [&](double t) {
    return p.k * std::exp(-p.r * t) - p.s * std::exp(-p.q * t);
  };
  Deterministic best{std::max(value_at(0.0), 0.0), 0.0};
  const auto consider = [&](double t) {
    const double v = value_at(t);
    if (v > best.price) best = {v, t};
  };
  consider(p.t);
  if (p.r != p.q && p.r * p.k > 0.0 && p.q * p.s > 0.0) {
    const double t_star = std::log(p.q * p.s / (p.r * p.k)) / (p.q - p.r);
    if (t_star > 0.0 && t_star < p.t) consider(t_star);
  }
  return best;
}

Greeks deterministic_greeks(const BsInputs& in, const Put& p) noexcept {
  const Deterministic d = deterministic_put(p);
  Greeks g{};
  g.price = d.price;
  if (d.price <= 0.0) return g;
  const double er = std::exp(-p.r * d.when);
  const double eq = std::exp(-p.q * d.when);
  // Envelope theorem: the optimal date's own sensitivity drops out. The value depends on T
  // only when exercise is best at expiry.
  const double theta = d.when == p.t ? p.r * p.k * er - p.q * p.s * eq : 0.0;
  if (in.right == OptionRight::kPut) {
    g.delta = -eq;
    g.rho = -d.when * p.k * er;
  } else {
    // C(S, K, r, q) = P(K, S, q, r): call delta is dP/d(put strike), call rho is dP/d(put q).
    g.delta = er;
    g.rho = d.when * p.s * eq;
  }
  g.theta = theta;
  return g;
}

// Price with the call/put mapping and regime dispatch; put-space spot Greeks alongside.
struct Core {
  Regime regime;
  PutValue put;
};

Core value_core(const BsInputs& in) noexcept {
  const Put p = to_put(in);
  const Regime regime = regime_of(p);
  switch (regime) {
    case Regime::kSingleBoundary: return {regime, american_put_single(p)};
    case Regime::kDoubleBoundary: return {regime, {tree_put_price(p), 0.0, 0.0, 0.0}};
    case Regime::kDeterministic: return {regime, {deterministic_put(p).price, 0.0, 0.0, 0.0}};
    case Regime::kExpired:
    case Regime::kEuropean: break;
  }
  return {regime, {black_scholes_price(in), 0.0, 0.0, 0.0}};
}

}  // namespace

double american_price(const BsInputs& in) noexcept {
  return value_core(in).put.price;
}

Greeks american(const BsInputs& in) noexcept {
  const Put p = to_put(in);
  const Regime regime = regime_of(p);
  if (regime == Regime::kExpired || regime == Regime::kEuropean) return black_scholes(in);
  if (regime == Regime::kDeterministic) return deterministic_greeks(in, p);

  const Core base = value_core(in);
  Greeks g{};
  g.price = base.put.price;
  if (regime == Regime::kSingleBoundary) {
    if (in.right == OptionRight::kPut) {
      g.delta = base.put.delta;
      g.gamma = base.put.gamma;
    } else {
      // P is homogeneous of degree one in (S', K') = (K, S): P = S' P_S' + K' P_K', and
      // K'^2 P_K'K' = S'^2 P_S'S'. The call's spot is the put's strike.
      g.delta = (base.put.price - p.s * base.put.delta) / p.k;
      g.gamma = p.s * p.s * base.put.gamma / (p.k * p.k);
    }
    g.theta = base.put.theta;  // calendar time runs the same for both sides of the symmetry
  } else {
    // Double boundary: the tree's price is the only output; everything by bumping.
    const double hs = 1e-3 * in.spot;
    BsInputs up = in;
    BsInputs dn = in;
    up.spot += hs;
    dn.spot -= hs;
    const double pu = american_price(up);
    const double pd = american_price(dn);
    g.delta = (pu - pd) / (2.0 * hs);
    g.gamma = (pu - 2.0 * g.price + pd) / (hs * hs);
    const double ht = std::min(1.0 / 365.0, 0.5 * in.time_years);
    BsInputs older = in;
    older.time_years -= ht;
    g.theta = (american_price(older) - g.price) / ht;
  }

  // Vega, vanna, volga: central differences in vol, relative bump.
  const double hv = 1e-3 * in.vol;
  BsInputs vol_up = in;
  BsInputs vol_dn = in;
  vol_up.vol += hv;
  vol_dn.vol -= hv;
  const Core cu = value_core(vol_up);
  const Core cd = value_core(vol_dn);
  g.vega = (cu.put.price - cd.put.price) / (2.0 * hv);
  g.volga = (cu.put.price - 2.0 * g.price + cd.put.price) / (hv * hv);
  if (regime == Regime::kSingleBoundary) {
    const auto spot_delta = [&](const Core& c) {
      return in.right == OptionRight::kPut ? c.put.delta : (c.put.price - p.s * c.put.delta) / p.k;
    };
    g.vanna = (spot_delta(cu) - spot_delta(cd)) / (2.0 * hv);
  }

  const double hr = 1e-5;
  BsInputs rate_up = in;
  BsInputs rate_dn = in;
  rate_up.rate += hr;
  rate_dn.rate -= hr;
  g.rho = (american_price(rate_up) - american_price(rate_dn)) / (2.0 * hr);
  return g;
}

AmericanExpansion::AmericanExpansion(const BsInputs& in) noexcept
    : AmericanExpansion(in, [&] {
        const Put p = to_put(in);
        const Regime regime = regime_of(p);
        if (regime == Regime::kSingleBoundary) {
          // Spot Greeks come with the price; skip the vol and rate bumps.
          Greeks g{};
          const PutValue v = american_put_single(p);
          g.price = v.price;
          if (in.right == OptionRight::kPut) {
            g.delta = v.delta;
            g.gamma = v.gamma;
          } else {
            g.delta = (v.price - p.s * v.delta) / p.k;
            g.gamma = p.s * p.s * v.gamma / (p.k * p.k);
          }
          return g;
        }
        return american(in);
      }()) {}

AmericanExpansion::AmericanExpansion(const BsInputs& in, const Greeks& at_spot) noexcept
    : inputs_(in),
      spot0_(in.spot),
      price0_(at_spot.price),
      delta0_(at_spot.delta),
      gamma0_(at_spot.gamma) {}

bool AmericanExpansion::needs_revaluation(double spot, double vol, double time_years,
                                          const ExpansionThresholds& limits) const noexcept {
  const double elapsed = inputs_.time_years - time_years;
  // Written so that NaN inputs fail every comparison and force a revaluation.
  const bool fresh = std::abs(spot - spot0_) <= limits.max_rel_spot_move * spot0_ &&
                     std::abs(vol - inputs_.vol) <= limits.max_abs_vol_move && elapsed >= 0.0 &&
                     elapsed <= limits.max_time_elapsed_years;
  return !fresh;
}

}  // namespace hedged::pricing
