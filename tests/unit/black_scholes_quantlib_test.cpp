// Cross-check of the BSM pricer against QuantLib's AnalyticEuropeanEngine: price and every
// Greek, calls and puts, over a seeded grid of market parameters.
//
// QuantLib is a test-only dependency. Only the headers used are included: the umbrella
// <ql/quantlib.hpp> does not compile as C++20.
#include "core/pricing/black_scholes.hpp"

#include <gtest/gtest.h>

#include <ql/exercise.hpp>
#include <ql/instruments/payoffs.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/pricingengines/vanilla/analyticeuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace hedged::pricing {
namespace {

namespace ql = QuantLib;

constexpr std::uint64_t kGridSeed = 0x9a11'7e57'0f5e'ed01ULL;
constexpr int kGridPoints = 100;  // each priced as a call and a put: 200 options
constexpr int kMaxDays = 5 * 365;

// Maps generator bits to [lo, hi) directly: std::uniform_real_distribution's algorithm is
// implementation-defined, and the grid should be identical under every standard library.
double uniform(std::mt19937_64& gen, double lo, double hi) {
  const double unit = static_cast<double>(gen() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

struct GridPoint {
  BsInputs in;
  int days;  // to expiry; in.time_years == days / 365.0 exactly, as ACT/365F computes it
};

std::vector<GridPoint> random_grid() {
  std::mt19937_64 gen(kGridSeed);
  std::vector<GridPoint> out;
  for (int i = 0; i < kGridPoints; ++i) {
    GridPoint p{};
    p.in.spot = uniform(gen, 10.0, 500.0);
    p.in.strike = p.in.spot * uniform(gen, 0.5, 2.0);
    p.in.rate = uniform(gen, -0.01, 0.10);
    p.in.dividend_yield = uniform(gen, 0.0, 0.05);
    p.in.vol = uniform(gen, 0.05, 1.5);
    p.days = 1 + static_cast<int>(gen() % kMaxDays);
    p.in.time_years = p.days / 365.0;
    for (const OptionRight right : {OptionRight::kCall, OptionRight::kPut}) {
      p.in.right = right;
      out.push_back(p);
    }
  }
  return out;
}

Greeks quantlib_greeks(const GridPoint& p) {
  const ql::Date today = ql::Settings::instance().evaluationDate();
  const ql::DayCounter day_counter = ql::Actual365Fixed();
  const ql::Handle<ql::Quote> spot(ql::ext::make_shared<ql::SimpleQuote>(p.in.spot));
  // FlatForward defaults to continuous compounding, matching BsInputs' rate convention.
  const ql::Handle<ql::YieldTermStructure> rate_ts(
      ql::ext::make_shared<ql::FlatForward>(today, p.in.rate, day_counter));
  const ql::Handle<ql::YieldTermStructure> dividend_ts(
      ql::ext::make_shared<ql::FlatForward>(today, p.in.dividend_yield, day_counter));
  const ql::Handle<ql::BlackVolTermStructure> vol_ts(
      ql::ext::make_shared<ql::BlackConstantVol>(today, ql::NullCalendar(), p.in.vol, day_counter));
  const auto process =
      ql::ext::make_shared<ql::BlackScholesMertonProcess>(spot, dividend_ts, rate_ts, vol_ts);

  const ql::Option::Type type =
      p.in.right == OptionRight::kCall ? ql::Option::Call : ql::Option::Put;
  ql::VanillaOption option(ql::ext::make_shared<ql::PlainVanillaPayoff>(type, p.in.strike),
                           ql::ext::make_shared<ql::EuropeanExercise>(today + p.days));
  option.setPricingEngine(ql::ext::make_shared<ql::AnalyticEuropeanEngine>(process));

  Greeks g{};
  g.price = option.NPV();
  g.delta = option.delta();
  g.gamma = option.gamma();
  g.vega = option.vega();
  g.theta = option.theta();  // per year, like ours
  g.rho = option.rho();
  return g;
}

class BlackScholesVsQuantLib : public ::testing::Test {
 protected:
  void SetUp() override { ql::Settings::instance().evaluationDate() = ql::Date(15, ql::May, 2024); }

 private:
  ql::SavedSettings saved_;  // restores QuantLib's global evaluation date afterwards
};

// Relative agreement, with a floor at a tiny fraction of the Greek's natural magnitude:
// QuantLib's normal CDF is built on erf, so values far below 1 carry an absolute (not
// relative) error near 1e-16, which deep out-of-the-money options expose.
constexpr double kRel = 1e-10;
constexpr double kAbs = 1e-13;

void expect_agree(const char* what, double ours, double theirs, double natural_scale,
                  const GridPoint& p) {
  EXPECT_NEAR(ours, theirs, kRel * std::abs(theirs) + kAbs * natural_scale)
      << what << ": " << (p.in.right == OptionRight::kCall ? "call" : "put") << " S=" << p.in.spot
      << " K=" << p.in.strike << " r=" << p.in.rate << " q=" << p.in.dividend_yield
      << " vol=" << p.in.vol << " days=" << p.days;
}

TEST_F(BlackScholesVsQuantLib, price_and_greeks_match_analytic_european_engine) {
  const std::vector<GridPoint> grid = random_grid();
  ASSERT_EQ(grid.size(), 2u * kGridPoints);
  for (const GridPoint& p : grid) {
    const Greeks ours = black_scholes(p.in);
    const Greeks theirs = quantlib_greeks(p);
    const double t = p.in.time_years;
    const double sqrt_t = std::sqrt(t);
    const double fwd_spot = p.in.spot * std::exp(-p.in.dividend_yield * t);
    const double pv_strike = p.in.strike * std::exp(-p.in.rate * t);
    expect_agree("price", ours.price, theirs.price, fwd_spot + pv_strike, p);
    expect_agree("delta", ours.delta, theirs.delta, fwd_spot / p.in.spot, p);
    expect_agree("gamma", ours.gamma, theirs.gamma,
                 fwd_spot / (p.in.spot * p.in.spot * p.in.vol * sqrt_t), p);
    expect_agree("vega", ours.vega, theirs.vega, fwd_spot * sqrt_t, p);
    expect_agree("theta", ours.theta, theirs.theta,
                 0.5 * fwd_spot * p.in.vol / sqrt_t + std::abs(p.in.rate) * pv_strike +
                     p.in.dividend_yield * fwd_spot,
                 p);
    expect_agree("rho", ours.rho, theirs.rho, pv_strike * t, p);
  }
}

TEST_F(BlackScholesVsQuantLib, matches_on_a_hand_checked_option) {
  // One readable case outside the grid: a one-year at-the-money call with carry.
  GridPoint p{};
  p.in = BsInputs{100.0, 100.0, 0.05, 0.02, 0.25, 1.0, OptionRight::kCall};
  p.days = 365;
  const Greeks ours = black_scholes(p.in);
  const Greeks theirs = quantlib_greeks(p);
  EXPECT_NEAR(ours.price, theirs.price, 1e-12 * theirs.price);
  EXPECT_NEAR(ours.delta, theirs.delta, 1e-12 * theirs.delta);
  EXPECT_NEAR(ours.gamma, theirs.gamma, 1e-12 * theirs.gamma);
  EXPECT_NEAR(ours.vega, theirs.vega, 1e-12 * theirs.vega);
  EXPECT_NEAR(ours.theta, theirs.theta, 1e-12 * std::abs(theirs.theta));
  EXPECT_NEAR(ours.rho, theirs.rho, 1e-12 * theirs.rho);
}

}  // namespace
}  // namespace hedged::pricing
