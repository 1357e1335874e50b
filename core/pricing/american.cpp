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

// sqrt of every lane (lanes are >= 0 here). Lane by lane: a vector sqrt builtin would need the
// AVX target on every template between here and the dispatching build.
template <class V>
[[gnu::always_inline]] inline V vmax(V a, V b) noexcept {
  return a > b ? a : b;
}

template <class V>
[[gnu::always_inline]] inline V vsqrt(V x) noexcept {
  V r;
  for (int k = 0; k < simd::kWidthOf<V>; ++k) r[k] = std::sqrt(x[k]);
  return r;
}

// A quadrature rule for integrals over [0, 1]: abscissa a, its complement 1 - a (formed
// without cancellation, since the rules cluster points at both ends), and weight.
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

// Gauss-Legendre in theta over [0, pi/2] with a = cos^2(theta), 1 - a = sin^2(theta). Every
// integrand here is smooth in sqrt(a) (the boundary is interpolated in sqrt(tau)) and carries
// at worst a 1/sqrt(1 - a) factor (the density over the elapsed time s = tau (1 - a)); with
// da = -sin(2 theta) d theta both become smooth functions of theta, on which Gauss-Legendre
// converges geometrically with no endpoint clustering needed.
template <int N>
Rule<N> gauss_legendre_theta() noexcept {
  Rule<N> rule;
  for (int i = 0; i < N; ++i) {
    // Root i of P_N by Newton's method from Tricomi's estimate; converges in a few steps.
    double x = std::cos(std::numbers::pi * (i + 0.75) / (N + 0.5));
    double dp = 1.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0;
      double p1 = x;
      for (int k = 2; k <= N; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = N * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    const double weight = 2.0 / ((1.0 - x * x) * dp * dp);
    const double theta = 0.25 * std::numbers::pi * (1.0 + x);
    const auto j = static_cast<std::size_t>(i);
    const double c = std::cos(theta);
    const double s = std::sin(theta);
    rule.a[j] = c * c;
    rule.b[j] = s * s;
    rule.sqrt_b[j] = s;
    rule.w[j] = 0.25 * std::numbers::pi * weight * 2.0 * s * c;
  }
  return rule;
}

[[nodiscard]] constexpr std::size_t pad4(int n) noexcept {
  return static_cast<std::size_t>((n + 3) / 4 * 4);
}

// --- Discretisations --------------------------------------------------------------------------
// Boundary: Chebyshev-Lobatto nodes z_i = cos(i pi / n), i = 0..n, in z = 2 sqrt(tau / T) - 1.
// Node n is tau = 0, where the boundary is known (B = X), so n nodes are unknown.
// Fixed-point sweeps: a fixed count (not a tolerance test) keeps the price a smooth function
// of the inputs, which the finite-difference Greeks rely on. FP-B is used unless the
// perpetual gap ln(X / B_inf) is below kFpAGap, where FP-A takes over (see solve_boundary).
inline constexpr double kFpAGap = 0.05;

// kAccurate: degree 12, tanh-sinh rules (13 points per boundary integral, 33 for the price),
// 6 FP-B / 20 FP-A sweeps. ~3e-7 relative typically; sized against QuantLib's high-precision
// scheme so that quadrature error stays far below the sweep error.
struct AccurateScheme {
  static constexpr int kChebOrder = 12;
  static constexpr int kSweeps = 6;
  static constexpr int kSweepsA = 20;
  static constexpr int kBoundaryPoints = 13;
  static constexpr int kPricePoints = 33;
  static Rule<kBoundaryPoints> boundary_rule() noexcept { return tanh_sinh<6>(0.45); }
  static Rule<kPricePoints> price_rule() noexcept { return tanh_sinh<16>(0.2); }
};

// kFast: degree 6, 4 FP-B / 10 FP-A sweeps, Gauss-Legendre in theta with 4 points per
// boundary integral (one four-lane vector per node) and 16 for the price. Sized against
// QuantLib's high-precision scheme: at converged sweeps 6 nodes leave ~1.6e-5 worst-case
// error and 4 boundary points add little to it; the 4th sweep takes the worst case from
// ~6e-5 to ~3e-5 (see AmericanAccuracy for the measured figures).
struct FastScheme {
  static constexpr int kChebOrder = 6;
  static constexpr int kSweeps = 4;
  static constexpr int kSweepsA = 10;
  static constexpr int kBoundaryPoints = 4;
  static constexpr int kPricePoints = 16;
  static Rule<kBoundaryPoints> boundary_rule() noexcept {
    return gauss_legendre_theta<kBoundaryPoints>();
  }
  static Rule<kPricePoints> price_rule() noexcept { return gauss_legendre_theta<kPricePoints>(); }
};

// Everything that depends only on the discretisation, not on the option: node positions
// tau_i / T, the quadrature rules, and the linear maps from node values of H to H at every
// quadrature abscissa (the Chebyshev interpolant, folded into one matrix per integral).
// Because abscissae scale with tau_i, the interpolation points z are option-independent.
template <class S>
struct Tables {
  static constexpr int kOrder = S::kChebOrder;
  static constexpr int kNodes = kOrder + 1;
  static constexpr int kBoundaryPoints = S::kBoundaryPoints;
  static constexpr int kPricePoints = S::kPricePoints;
  // Abscissa counts rounded up to a multiple of the widest (four-lane) integrand kernel.
  static constexpr std::size_t kBoundaryPad = pad4(kBoundaryPoints);
  static constexpr std::size_t kPricePad = pad4(kPricePoints);
  std::array<double, kNodes> tau_frac{};   // tau_i / T
  std::array<double, kNodes> sqrt_frac{};  // sqrt(tau_i / T)
  // The same for the unknown nodes only, padded to a multiple of four with tau = T (finite
  // values for the vector kernels' unused lanes).
  static constexpr std::size_t kOrderPad = pad4(kOrder);
  std::array<double, kOrderPad> node_tau_frac{};
  std::array<double, kOrderPad> node_sqrt_frac{};
  Rule<kBoundaryPoints> boundary_rule;
  Rule<kPricePoints> price_rule;
  // boundary_interp[i][l][j]: weight of H_l in H(tau_i * a_j), for unknown nodes i < n;
  // abscissa-minor (and zero in the padding) so the sweeps interpolate several at once.
  std::array<std::array<std::array<double, kBoundaryPad>, kNodes>, kOrder> boundary_interp{};
  // price_interp[l][j]: weight of H_l in H(T * a_j), abscissa-minor likewise.
  std::array<std::array<double, kPricePad>, kNodes> price_interp{};
  // The rules' 1 - a, sqrt(1 - a) and weight, padded: zero weight, and 1 - a = 0 (boundary)
  // or 1 (price) with sqrt(1 - a) = 1, so that every padded lane stays finite.
  std::array<double, kBoundaryPad> boundary_b{};
  std::array<double, kBoundaryPad> boundary_sqrt_b{};
  std::array<double, kBoundaryPad> boundary_w{};
  std::array<double, kPricePad> price_b{};
  std::array<double, kPricePad> price_sqrt_b{};
  std::array<double, kPricePad> price_w{};
};

// Weights w_l with f(z) = sum_l w_l f(z_l) for the degree-n Chebyshev interpolant through the
// Lobatto nodes: coefficients by the discrete cosine transform, evaluated at z.
template <int N>
std::array<double, N + 1> interpolation_weights(double z) noexcept {
  const double theta = std::acos(std::clamp(z, -1.0, 1.0));
  std::array<double, N + 1> w{};
  for (int l = 0; l <= N; ++l) {
    const double end_l = (l == 0 || l == N) ? 0.5 : 1.0;
    double sum = 0.0;
    for (int k = 0; k <= N; ++k) {
      const double end_k = (k == 0 || k == N) ? 0.5 : 1.0;
      sum += end_k * std::cos(k * l * std::numbers::pi / N) * std::cos(k * theta);
    }
    w[static_cast<std::size_t>(l)] = 2.0 / N * end_l * sum;
  }
  return w;
}

template <class S>
Tables<S> make_tables() noexcept {
  using T = Tables<S>;
  constexpr int kOrder = T::kOrder;
  T t;
  for (int i = 0; i <= kOrder; ++i) {
    const double z = std::cos(i * std::numbers::pi / kOrder);
    const auto si = static_cast<std::size_t>(i);
    t.sqrt_frac[si] = 0.5 * (1.0 + z);
    t.tau_frac[si] = t.sqrt_frac[si] * t.sqrt_frac[si];
  }
  t.tau_frac[kOrder] = 0.0;
  t.sqrt_frac[kOrder] = 0.0;
  for (std::size_t i = 0; i < T::kOrderPad; ++i) {
    t.node_tau_frac[i] = i < kOrder ? t.tau_frac[i] : 1.0;
    t.node_sqrt_frac[i] = i < kOrder ? t.sqrt_frac[i] : 1.0;
  }
  t.boundary_rule = S::boundary_rule();
  t.price_rule = S::price_rule();
  for (std::size_t i = 0; i < kOrder; ++i) {
    for (std::size_t j = 0; j < T::kBoundaryPoints; ++j) {
      // sqrt(tau_i a_j / T) = sqrt_frac_i sqrt(a_j); z = 2 sqrt(u / T) - 1.
      const double z = 2.0 * t.sqrt_frac[i] * std::sqrt(t.boundary_rule.a[j]) - 1.0;
      const auto w = interpolation_weights<kOrder>(z);
      for (std::size_t l = 0; l <= kOrder; ++l) t.boundary_interp[i][l][j] = w[l];
    }
  }
  for (std::size_t j = 0; j < T::kPricePoints; ++j) {
    const auto w = interpolation_weights<kOrder>(2.0 * std::sqrt(t.price_rule.a[j]) - 1.0);
    for (std::size_t l = 0; l <= kOrder; ++l) t.price_interp[l][j] = w[l];
  }
  for (std::size_t j = 0; j < T::kBoundaryPad; ++j) {
    const bool used = j < T::kBoundaryPoints;
    t.boundary_b[j] = used ? t.boundary_rule.b[j] : 0.0;
    t.boundary_sqrt_b[j] = used ? t.boundary_rule.sqrt_b[j] : 1.0;
    t.boundary_w[j] = used ? t.boundary_rule.w[j] : 0.0;
  }
  for (std::size_t j = 0; j < T::kPricePad; ++j) {
    const bool used = j < T::kPricePoints;
    t.price_b[j] = used ? t.price_rule.b[j] : 1.0;
    t.price_sqrt_b[j] = used ? t.price_rule.sqrt_b[j] : 1.0;
    t.price_w[j] = used ? t.price_rule.w[j] : 0.0;
  }
  return t;
}

template <class S>
const Tables<S>& tables() noexcept {
  static const Tables<S> t = make_tables<S>();
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

// sqrt(H) = ln(X / B) >= 0; the interpolant may dip below zero between nodes close to
// tau = 0, where H itself is tiny.
[[nodiscard]] inline double root_h(double h) noexcept {
  return std::sqrt(std::max(h, 0.0));
}

// Exercise boundary of a put with r > 0, as the node values of H = ln(B / X)^2.
template <int Nodes>
struct Boundary {
  double log_x;  // ln X
  std::array<double, Nodes> h{};
};

// ln x for positive normal x: x = 2^e m with m in [sqrt(1/2), sqrt(2)), and
// ln m = 2 atanh(z), z = (m - 1) / (m + 1), |z| <= 0.172, as its odd series to z^21
// (truncation below 2e-18); ~2 ulp.
template <class V>
[[gnu::always_inline]] inline V vlog(V x) noexcept {
  using I = simd::IntOf<V>;
  using namespace simd::detail;
  constexpr std::int64_t kMantissa = (std::int64_t{1} << 52) - 1;
  constexpr std::int64_t kOneBits = std::int64_t{1023} << 52;
  const I bits = simd::bits_as<I>(x);
  V m = simd::bits_as<V>((bits & kMantissa) | kOneBits);
  I e = ((bits >> 52) & 0x7ff) - 1023;
  const I big = m > std::numbers::sqrt2;  // all ones where true
  m = big ? m * 0.5 : m;
  e -= big;
  const I magic_bits = simd::bits_as<I>(simd::splat<V>(kRoundMagic));
  const V ef = simd::bits_as<V>(e + magic_bits) - kRoundMagic;
  const V z = (m - 1.0) / (m + 1.0);
  const V z2 = z * z;
  V s = simd::splat<V>(1.0 / 21.0);
  s = s * z2 + 1.0 / 19.0;
  s = s * z2 + 1.0 / 17.0;
  s = s * z2 + 1.0 / 15.0;
  s = s * z2 + 1.0 / 13.0;
  s = s * z2 + 1.0 / 11.0;
  s = s * z2 + 1.0 / 9.0;
  s = s * z2 + 1.0 / 7.0;
  s = s * z2 + 1.0 / 5.0;
  s = s * z2 + 1.0 / 3.0;
  const V two_z = z + z;
  return ef * kLn2Hi + (two_z + (two_z * z2 * s + ef * kLn2Lo));
}

// Inlined into american_put_single's two builds; W lanes in the vector kernels, which run
// across the nodes (roots, the terms at tau_i, the update) and across the abscissae of each
// node's integrals.
template <class S, int W>
[[gnu::always_inline]] inline Boundary<S::kChebOrder + 1> solve_boundary(const Put& p) noexcept {
  using Tab = Tables<S>;
  using V = typename simd::Vec<W>::D;
  constexpr std::size_t kOrder = Tab::kOrder;
  constexpr std::size_t kOrderPad = pad4(Tab::kOrder);
  constexpr std::size_t kNodes = Tab::kNodes;
  constexpr std::size_t kPad = Tab::kBoundaryPad;
  const Tab& tab = tables<S>();
  const double x = (p.q > p.r) ? p.k * p.r / p.q : p.k;
  Boundary<kNodes> bnd{};
  bnd.log_x = std::log(x);
  const double log_k = std::log(p.k);
  const double var = p.vol * p.vol;
  const double sqrt_t = std::sqrt(p.t);
  const double vol_sqrt_t = p.vol * sqrt_t;
  const double drift = p.r - p.q + 0.5 * var;

  // Initial guess: decay from X towards the perpetual boundary B_inf = K beta / (beta - 1),
  // beta the negative root of vol^2/2 b(b-1) + (r-q) b - r = 0, on the sqrt(tau) scale the
  // boundary moves on. The sweeps below contract the guess's error by ~4x each.
  const double m = (p.r - p.q) / var - 0.5;
  const double beta = -m - std::sqrt(m * m + 2.0 * p.r / var);
  const double b_inf = std::min(p.k * beta / (beta - 1.0), x);
  const double gap = std::log(x / b_inf);

  // Per-node quantities, padded to kOrderPad nodes (the padding stays finite and unused).
  alignas(32) std::array<double, kOrderPad> h{};       // H_i, updated by every sweep
  alignas(32) std::array<double, kOrderPad> n_disc_r;  // e^{-r tau_i}
  alignas(32) std::array<double, kOrderPad> n_disc_q;  // e^{-q tau_i}
  alignas(32) std::array<double, kOrderPad> n_sd;      // vol sqrt(tau_i)
  alignas(32) std::array<double, kOrderPad> n_inv_sd;
  alignas(32) std::array<double, kOrderPad> n_shift;  // ln(X / K) + drift tau_i
  const double decay_rate = -2.0 * vol_sqrt_t / std::max(gap, 1e-12);
  for (std::size_t i = 0; i < kOrderPad; i += W) {
    const V frac = simd::load<V>(&tab.node_tau_frac[i]);
    const V sqrt_frac = simd::load<V>(&tab.node_sqrt_frac[i]);
    const V lb = gap * (1.0 - vexp(decay_rate * sqrt_frac));
    simd::store(&h[i], lb * lb);
    const V tau = p.t * frac;
    simd::store(&n_disc_r[i], vexp(-p.r * tau));
    simd::store(&n_disc_q[i], vexp(-p.q * tau));
    const V sd = vol_sqrt_t * sqrt_frac;
    simd::store(&n_sd[i], sd);
    simd::store(&n_inv_sd[i], 1.0 / sd);
    simd::store(&n_shift[i], (bnd.log_x - log_k) + drift * tau);
  }

  // Per-(node, abscissa) quantities that do not change across sweeps, padded to kPad
  // abscissae (the padding has zero weight) for the vector kernels.
  struct Row {
    std::array<double, kPad> disc_r;   // e^{-r s} * w_j * tau_i, s = tau_i - u
    std::array<double, kPad> disc_q;   // e^{-q s} * w_j * tau_i
    std::array<double, kPad> inv_sd;   // 1 / (vol sqrt(s))
    std::array<double, kPad> sd;       // vol sqrt(s)
    std::array<double, kPad> drift_p;  // (r - q + vol^2/2) s
  };
  std::array<Row, kOrder> rows;
  for (std::size_t i = 0; i < kOrder; ++i) {
    const double tau = tab.tau_frac[i] * p.t;
    const double sd_i = n_sd[i];
    Row& row = rows[i];
    for (std::size_t j = 0; j < kPad; j += W) {
      // s = tau - u; the padding gets s = 0, zero weight and sd = sd_i.
      const V s = tau * simd::load<V>(&tab.boundary_b[j]);
      const V meas = tau * simd::load<V>(&tab.boundary_w[j]);
      const V sd = sd_i * simd::load<V>(&tab.boundary_sqrt_b[j]);
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
  const int sweeps = use_fp_a ? S::kSweepsA : S::kSweeps;
  // Abscissae past kBoundaryPoints are padding with zero weight.
  constexpr std::size_t kUsed = (Tab::kBoundaryPoints + W - 1) / W * W;
  alignas(32) std::array<double, kOrderPad> root{};
  alignas(32) std::array<double, kOrderPad> num{};
  alignas(32) std::array<double, kOrderPad> den{};
  for (int sweep = 0; sweep < sweeps; ++sweep) {
    // The terms at tau_i, for all nodes at once: d+-(tau_i, B_i / K).
    for (std::size_t i = 0; i < kOrderPad; i += W) {
      const V r_i = vsqrt(vmax(simd::load<V>(&h[i]), simd::splat<V>(0.0)));
      simd::store(&root[i], r_i);
      const V inv_sd = simd::load<V>(&n_inv_sd[i]);
      const V dp = (simd::load<V>(&n_shift[i]) - r_i) * inv_sd;
      const V dm = dp - simd::load<V>(&n_sd[i]);
      const V gp = vgauss(dp);
      const V gm = vgauss(dm);
      const V disc_r = simd::load<V>(&n_disc_r[i]);
      const V disc_q = simd::load<V>(&n_disc_q[i]);
      if (use_fp_a) {
        simd::store(&num[i], disc_r * vcdf(dm, gm));
        simd::store(&den[i], disc_q * vcdf(dp, gp));
      } else {
        simd::store(&num[i], disc_r * (kInvSqrt2Pi * gm) * inv_sd);
        simd::store(&den[i], disc_q * ((kInvSqrt2Pi * gp) * inv_sd + vcdf(dp, gp)));
      }
    }
    // The integrals over u in (0, tau_i), node by node, W abscissae at a time.
    for (std::size_t i = 0; i < kOrder; ++i) {
      const double root_i = root[i];
      const Row& row = rows[i];
      V num_acc = simd::splat<V>(0.0);
      V den_acc = simd::splat<V>(0.0);
      for (std::size_t j = 0; j < kUsed; j += W) {
        V h_at = simd::splat<V>(0.0);
        for (std::size_t l = 0; l < kNodes; ++l) {
          const double h_l = l < kOrder ? h[l] : 0.0;
          h_at += simd::load<V>(&tab.boundary_interp[i][l][j]) * h_l;
        }
        // sqrt(H) = ln(X / B(u)) >= 0; the interpolant may dip below zero between nodes.
        const V log_z = vsqrt(vmax(h_at, simd::splat<V>(0.0))) - root_i;
        const V inv_sd = simd::load<V>(&row.inv_sd[j]);
        const V dp = (log_z + simd::load<V>(&row.drift_p[j])) * inv_sd;
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
      num[i] += p.r * simd::lane_sum(num_acc);
      den[i] += p.q * simd::lane_sum(den_acc);
    }
    // Jacobi update of all nodes: ln(X / B_new) with B_new = K num / den, clamped at 0
    // (B <= X holds for the true boundary).
    for (std::size_t i = 0; i < kOrderPad; i += W) {
      const V l_new = (bnd.log_x - log_k) - vlog(simd::load<V>(&num[i]) / simd::load<V>(&den[i]));
      const V l_clamped = vmax(l_new, simd::splat<V>(0.0));
      simd::store(&h[i], l_clamped * l_clamped);
    }
  }
  for (std::size_t i = 0; i < kOrder; ++i) bnd.h[i] = h[i];
  bnd.h[kOrder] = 0.0;
  return bnd;
}

// Early-exercise premium and its first two spot derivatives:
//   P = p_E + int_0^T [r K e^{-r s} N(-d-(s, S/B(u))) - q S e^{-q s} N(-d+(s, S/B(u)))] du.
template <class S, int W>
[[gnu::always_inline]] inline PutValue american_put_single_body(const Put& p) noexcept {
  using Tab = Tables<S>;
  using V = typename simd::Vec<W>::D;
  constexpr std::size_t kNodes = Tab::kNodes;
  const Tab& tab = tables<S>();
  const Boundary<kNodes> bnd = solve_boundary<S, W>(p);
  const double log_b_expiry = bnd.log_x - root_h(bnd.h[0]);
  const double log_s = std::log(p.s);
  if (log_s <= log_b_expiry) {
    // Exercise region: the option is worth its intrinsic value, which does not decay.
    return {p.k - p.s, -1.0, 0.0, 0.0};
  }
  PutValue v = european_put(p);
  const double var = p.vol * p.vol;
  const double drift = p.r - p.q + 0.5 * var;
  const double vol_sqrt_t = p.vol * std::sqrt(p.t);
  V price_acc = simd::splat<V>(0.0);
  V delta_acc = simd::splat<V>(0.0);
  V gamma_acc = simd::splat<V>(0.0);
  for (std::size_t j = 0; j < Tab::kPricePad; j += W) {
    // W abscissae per step; the padding (j >= kPricePoints) has zero weight.
    const V s = p.t * simd::load<V>(&tab.price_b[j]);
    const V meas = p.t * simd::load<V>(&tab.price_w[j]);
    const V sd = vol_sqrt_t * simd::load<V>(&tab.price_sqrt_b[j]);
    V h_at = simd::splat<V>(0.0);
    for (std::size_t l = 0; l < kNodes; ++l) {
      h_at += simd::load<V>(&tab.price_interp[l][j]) * bnd.h[l];
    }
    const V log_bu = bnd.log_x - vsqrt(h_at > 0.0 ? h_at : simd::splat<V>(0.0));
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
  v.price += simd::lane_sum(price_acc);
  v.delta += simd::lane_sum(delta_acc);
  v.gamma += simd::lane_sum(gamma_acc);
  // Just above the boundary the premium integral, taken over a boundary that is itself only
  // approximate, can come out a little below the intrinsic value it should meet there. The
  // value is never below intrinsic: clamping keeps the price continuous (and monotonic in
  // spot and vol) across the computed boundary.
  if (v.price <= p.k - p.s) return {p.k - p.s, -1.0, 0.0, 0.0};
  // Continuation region: theta from the BSM PDE, dP/dt = r P - (r - q) S delta - vol^2 S^2 gamma
  // / 2.
  v.theta = p.r * v.price - (p.r - p.q) * p.s * v.delta - 0.5 * var * p.s * p.s * v.gamma;
  return v;
}

// The boundary sweeps dominate the cost of a valuation. Built for AVX2 with FMA as well
// (chosen at run time), the valuation runs ~30% faster: VEX encoding and fused multiply-adds
// in the polynomial kernels. The two builds agree to rounding (a fused step skips one).
template <class S>
__attribute__((target("avx2,fma"))) PutValue american_put_single_avx2(const Put& p) noexcept {
  return american_put_single_body<S, 4>(p);
}

template <class S>
PutValue american_put_single_generic(const Put& p) noexcept {
  return american_put_single_body<S, 2>(p);
}

template <class S>
PutValue american_put_single(const Put& p) noexcept {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2 ? american_put_single_avx2<S>(p) : american_put_single_generic<S>(p);
}

PutValue american_put_single(const Put& p, AmericanAccuracy accuracy) noexcept {
  return accuracy == AmericanAccuracy::kAccurate ? american_put_single<AccurateScheme>(p)
                                                 : american_put_single<FastScheme>(p);
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

Core value_core(const BsInputs& in, AmericanAccuracy accuracy) noexcept {
  const Put p = to_put(in);
  const Regime regime = regime_of(p);
  switch (regime) {
    case Regime::kSingleBoundary: return {regime, american_put_single(p, accuracy)};
    case Regime::kDoubleBoundary: return {regime, {tree_put_price(p), 0.0, 0.0, 0.0}};
    case Regime::kDeterministic: return {regime, {deterministic_put(p).price, 0.0, 0.0, 0.0}};
    case Regime::kExpired:
    case Regime::kEuropean: break;
  }
  return {regime, {black_scholes_price(in), 0.0, 0.0, 0.0}};
}

}  // namespace

double american_price(const BsInputs& in, AmericanAccuracy accuracy) noexcept {
  return value_core(in, accuracy).put.price;
}

Greeks american(const BsInputs& in, AmericanAccuracy accuracy) noexcept {
  const Put p = to_put(in);
  const Regime regime = regime_of(p);
  if (regime == Regime::kExpired || regime == Regime::kEuropean) return black_scholes(in);
  if (regime == Regime::kDeterministic) return deterministic_greeks(in, p);

  const Core base = value_core(in, accuracy);
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
    const double pu = american_price(up, accuracy);
    const double pd = american_price(dn, accuracy);
    g.delta = (pu - pd) / (2.0 * hs);
    g.gamma = (pu - 2.0 * g.price + pd) / (hs * hs);
    const double ht = std::min(1.0 / 365.0, 0.5 * in.time_years);
    BsInputs older = in;
    older.time_years -= ht;
    g.theta = (american_price(older, accuracy) - g.price) / ht;
  }

  // Vega, vanna, volga: central differences in vol, relative bump.
  const double hv = 1e-3 * in.vol;
  BsInputs vol_up = in;
  BsInputs vol_dn = in;
  vol_up.vol += hv;
  vol_dn.vol -= hv;
  const Core cu = value_core(vol_up, accuracy);
  const Core cd = value_core(vol_dn, accuracy);
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
  g.rho = (american_price(rate_up, accuracy) - american_price(rate_dn, accuracy)) / (2.0 * hr);
  return g;
}

AmericanExpansion::AmericanExpansion(const BsInputs& in, AmericanAccuracy accuracy) noexcept
    : AmericanExpansion(in, [&] {
        const Put p = to_put(in);
        const Regime regime = regime_of(p);
        if (regime == Regime::kSingleBoundary) {
          // Spot Greeks come with the price; skip the vol and rate bumps.
          Greeks g{};
          const PutValue v = american_put_single(p, accuracy);
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
        return american(in, accuracy);
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
