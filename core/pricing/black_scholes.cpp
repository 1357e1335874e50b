#include "core/pricing/black_scholes.hpp"

#include <algorithm>
#include <cmath>

namespace hedged::pricing {
namespace {

// 1/sqrt(2) as an unevaluated sum hi + lo, so x / sqrt(2) can be formed to ~1e-32.
inline constexpr double kInvSqrt2Hi = 0.7071067811865476;
inline constexpr double kInvSqrt2Lo = -4.833646656726457e-17;
inline constexpr double kInvSqrt2Pi = 0.3989422804014327;
inline constexpr double kFourOverPi = 1.2732395447351628;

// Beyond |x| = 40, N(x) is exactly 0 or 1 and n(x) exactly 0 in double (both underflow
// before x = -39); clamping keeps the error-correction terms finite for huge or infinite x,
// which d1 reaches when vol * sqrt(T) is tiny.
inline constexpr double kTailClamp = 40.0;

struct Moneyness {
  double nd1;  // N(phi d1)
  double nd2;  // N(phi d2)
};

[[nodiscard]] inline double sign_of(OptionRight right) noexcept {
  return right == OptionRight::kCall ? 1.0 : -1.0;
}

// Vol -> 0 limit of N(phi d1) and N(phi d2): both tend to the same step in the forward's
// moneyness, which makes the closed forms below produce the discounted intrinsic value.
[[nodiscard]] inline double degenerate_weight(double phi, double fwd_spot,
                                              double pv_strike) noexcept {
  const double itm = phi * (fwd_spot - pv_strike);
  return itm > 0.0 ? 1.0 : (itm < 0.0 ? 0.0 : 0.5);
}

}  // namespace

double norm_cdf(double x) noexcept {
  // N(x) = erfc(u) / 2 with u = -x / sqrt(2). In the lower tail erfc is steep: a rounding
  // error du in u changes the result by a factor (1 - R(u) du) with R ~ 2u: up to ~50 ulp at
  // x = -10 and ~700 ulp at x = -37. So form u exactly as u + du and apply that factor.
  const double xc = std::clamp(x, -kTailClamp, kTailClamp);
  const double p = xc * kInvSqrt2Hi;
  const double p_err = std::fma(xc, kInvSqrt2Hi, -p) + xc * kInvSqrt2Lo;
  const double u = -p;
  const double du = -p_err;
  // R(u) = 2 e^{-u^2} / (sqrt(pi) erfc(u)); u + sqrt(u^2 + 4/pi) is exact at 0 and within a
  // few percent for u > 0. For u < 0 both are small and the correction is below an ulp.
  const double mills = u + std::sqrt(u * u + kFourOverPi);
  const double half_erfc = 0.5 * std::erfc(u);
  return half_erfc - half_erfc * (mills * du);
}

double norm_pdf(double x) noexcept {
  // x*x rounds with relative error up to 2^-53, which exp amplifies by x^2/2 (up to ~25 ulp
  // at |x| = 10); the fma recovers the rounding error and a first-order factor removes it.
  const double xc = std::clamp(x, -kTailClamp, kTailClamp);
  const double sq = xc * xc;
  const double sq_err = std::fma(xc, xc, -sq);
  const double e = std::exp(-0.5 * sq);
  return kInvSqrt2Pi * (e - e * (0.5 * sq_err));
}

Greeks black_scholes(const BsInputs& in) noexcept {
  const double phi = sign_of(in.right);
  const double t = in.time_years;
  const double sqrt_t = std::sqrt(t);
  const double std_dev = in.vol * sqrt_t;
  const double df_q = std::exp(-in.dividend_yield * t);
  const double df_r = std::exp(-in.rate * t);
  const double fwd_spot = in.spot * df_q;     // S e^{-qT}
  const double pv_strike = in.strike * df_r;  // K e^{-rT}

  Moneyness m{};
  double gamma = 0.0;
  double vega = 0.0;
  double vol_decay = 0.0;  // -dV/dT from the shrinking of vol * sqrt(T); zero when degenerate
  double vanna = 0.0;
  double volga = 0.0;
  if (std_dev > 0.0) [[likely]] {
    const double carry = in.rate - in.dividend_yield;
    const double d1 =
        (std::log(in.spot / in.strike) + (carry + 0.5 * in.vol * in.vol) * t) / std_dev;
    const double d2 = d1 - std_dev;
    m.nd1 = norm_cdf(phi * d1);
    m.nd2 = norm_cdf(phi * d2);
    const double pdf = norm_pdf(d1);
    gamma = df_q * pdf / (in.spot * std_dev);
    vega = fwd_spot * pdf * sqrt_t;
    vol_decay = 0.5 * fwd_spot * pdf * in.vol / sqrt_t;
    vanna = -df_q * pdf * d2 / in.vol;
    volga = vega * d1 * d2 / in.vol;
  } else {
    const double w = degenerate_weight(phi, fwd_spot, pv_strike);
    m.nd1 = w;
    m.nd2 = w;
  }

  const double spot_leg = fwd_spot * m.nd1;
  const double strike_leg = pv_strike * m.nd2;
  Greeks g{};
  g.price = phi * (spot_leg - strike_leg);
  g.delta = phi * df_q * m.nd1;
  g.gamma = gamma;
  g.vega = vega;
  g.theta = phi * (in.dividend_yield * spot_leg - in.rate * strike_leg) - vol_decay;
  g.rho = phi * t * strike_leg;
  g.vanna = vanna;
  g.volga = volga;
  return g;
}

Greeks black76(const BsInputs& in) noexcept {
  BsInputs zero_carry = in;
  zero_carry.dividend_yield = in.rate;
  Greeks g = black_scholes(zero_carry);
  g.rho = -in.time_years * g.price;
  return g;
}

double black_scholes_price(const BsInputs& in) noexcept {
  const double phi = sign_of(in.right);
  const double t = in.time_years;
  const double std_dev = in.vol * std::sqrt(t);
  const double fwd_spot = in.spot * std::exp(-in.dividend_yield * t);
  const double pv_strike = in.strike * std::exp(-in.rate * t);
  Moneyness m{};
  if (std_dev > 0.0) [[likely]] {
    const double carry = in.rate - in.dividend_yield;
    const double d1 =
        (std::log(in.spot / in.strike) + (carry + 0.5 * in.vol * in.vol) * t) / std_dev;
    m.nd1 = norm_cdf(phi * d1);
    m.nd2 = norm_cdf(phi * (d1 - std_dev));
  } else {
    const double w = degenerate_weight(phi, fwd_spot, pv_strike);
    m.nd1 = w;
    m.nd2 = w;
  }
  return phi * (fwd_spot * m.nd1 - pv_strike * m.nd2);
}

}  // namespace hedged::pricing
