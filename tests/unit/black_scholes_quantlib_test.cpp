// Cross-check of the BSM pricer against QuantLib's AnalyticEuropeanEngine: price and every
// Greek, calls and puts, over a seeded grid of 10,000 options; Black-76 against blackFormula.
//
// QuantLib is a test-only dependency. Only the headers used are included: the umbrella
// <ql/quantlib.hpp> does not compile as C++20.
#include "core/pricing/black_scholes.hpp"

#include <gtest/gtest.h>

#include "tests/support/random.hpp"

#include <ql/exercise.hpp>
#include <ql/instruments/payoffs.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/pricingengines/vanilla/analyticeuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hedged::pricing {
namespace {

using hedged::testing::uniform;

namespace ql = QuantLib;

constexpr std::uint64_t kGridSeed = 0x9a11'7e57'0f5e'ed01ULL;
constexpr int kGridPoints = 5000;  // each priced as a call and a put: 10,000 options
constexpr int kMaxDays = 3 * 365;
using hedged::testing::GridPoint;

std::vector<GridPoint> random_grid() {
  std::mt19937_64 gen(kGridSeed);
  std::vector<GridPoint> out;
  for (int i = 0; i < kGridPoints; ++i) {
    // Prices and Greeks are homogeneous in (S, K), so spot is fixed and only S/K varies; the
    // absolute floors below are then in units of a spot of 100.
    GridPoint p = hedged::testing::draw_grid_point(gen, 100.0);
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

// Relative agreement to 1e-10, or an absolute floor where the Greek is tiny. Both libraries
// build N(x) on erf/erfc, whose values carry an absolute error near 1e-17 where N is close to
// 1 (and so does 1 - N for the other leg). A Greek that is a difference of two legs thus has
// an absolute noise of ~1e-17 times its legs' size, which deep in or out of the money exceeds
// 1e-10 of the Greek itself. Floors, in natural units for S = 100, each ~100 times that noise
// on the largest legs the grid produces:
//   price  1e-12 currency         legs S e^{-qT}, K e^{-rT} <= 200
//   delta  1e-14 per unit of S    legs e^{-qT} N(d1) <= 1
//   gamma  1e-15 per unit of S^2  a single term n(d1) e^{-qT} / (S sigma sqrt T), no legs:
//                                 floor only for n(d1) underflowing towards 0
//   vega   1e-12 per 1.00 vol     a single term S e^{-qT} n(d1) sqrt T, likewise
//   theta  1e-12 per year         legs q S, r K (<= 20) and the vol term
//   rho    1e-12 per 1.00 rate    leg K T e^{-rT} N(d2) <= 600
// All are far below anything a hedger can trade.
constexpr double kRel = 1e-10;
constexpr double kPriceFloor = 1e-12;
constexpr double kDeltaFloor = 1e-14;
constexpr double kGammaFloor = 1e-15;
constexpr double kVegaFloor = 1e-12;
constexpr double kThetaFloor = 1e-12;
constexpr double kRhoFloor = 1e-12;
// Relative errors are summarised over values above this, so the summary shows how the
// relative criterion holds well below where the floor takes over (|value| < 1e-2).
constexpr double kReportFloor = 1e-6;

std::string scientific(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", v);
  return buf;
}

struct Worst {
  double rel = 0.0;  // largest relative error among values above kReportFloor
  double abs = 0.0;  // largest absolute error overall
  int compared = 0;  // values above kReportFloor
};

void expect_agree(const char* what, double ours, double theirs, double floor, const GridPoint& p,
                  Worst& worst) {
  const double diff = std::abs(ours - theirs);
  worst.abs = std::max(worst.abs, diff);
  if (std::abs(theirs) > kReportFloor) {
    worst.rel = std::max(worst.rel, diff / std::abs(theirs));
    ++worst.compared;
  }
  EXPECT_LE(diff, std::max(kRel * std::abs(theirs), floor))
      << what << ": " << (p.in.right == OptionRight::kCall ? "call" : "put") << " S=" << p.in.spot
      << " K=" << p.in.strike << " r=" << p.in.rate << " q=" << p.in.dividend_yield
      << " vol=" << p.in.vol << " days=" << p.days << " ours=" << ours << " theirs=" << theirs;
}

TEST_F(BlackScholesVsQuantLib, price_and_greeks_match_analytic_european_engine) {
  const std::vector<GridPoint> grid = random_grid();
  ASSERT_EQ(grid.size(), 2u * kGridPoints);
  ASSERT_GE(grid.size(), 10'000u);
  Worst price, delta, gamma, vega, theta, rho;
  for (const GridPoint& p : grid) {
    const Greeks ours = black_scholes(p.in);
    const Greeks theirs = quantlib_greeks(p);
    expect_agree("price", ours.price, theirs.price, kPriceFloor, p, price);
    expect_agree("delta", ours.delta, theirs.delta, kDeltaFloor, p, delta);
    expect_agree("gamma", ours.gamma, theirs.gamma, kGammaFloor, p, gamma);
    expect_agree("vega", ours.vega, theirs.vega, kVegaFloor, p, vega);
    expect_agree("theta", ours.theta, theirs.theta, kThetaFloor, p, theta);
    expect_agree("rho", ours.rho, theirs.rho, kRhoFloor, p, rho);
  }
  // Most of the grid must be held to the relative criterion, not the floor.
  for (const Worst* w : {&price, &delta, &gamma, &vega, &theta, &rho}) {
    EXPECT_GT(w->compared, 8000);
  }
  const std::pair<const char*, const Worst*> all[] = {{"price", &price}, {"delta", &delta},
                                                      {"gamma", &gamma}, {"vega", &vega},
                                                      {"theta", &theta}, {"rho", &rho}};
  for (const auto& [name, w] : all) {
    RecordProperty(std::string("max_rel_") + name, scientific(w->rel));
    RecordProperty(std::string("max_abs_") + name, scientific(w->abs));
  }
}

// Black-76 against QuantLib's blackFormula (undiscounted forward, std dev, discount factor).
TEST_F(BlackScholesVsQuantLib, black76_price_matches_black_formula) {
  std::mt19937_64 gen(kGridSeed ^ 0xb1ac76ULL);
  double worst = 0.0;
  for (int i = 0; i < kGridPoints; ++i) {
    BsInputs in{};
    in.spot = 100.0;  // the futures price
    in.strike = in.spot / uniform(gen, 0.5, 2.0);
    in.rate = uniform(gen, -0.01, 0.10);
    in.dividend_yield = 0.0;
    in.vol = uniform(gen, 0.05, 1.5);
    in.time_years = static_cast<double>(1 + gen() % kMaxDays) / 365.0;
    for (const OptionRight right : {OptionRight::kCall, OptionRight::kPut}) {
      in.right = right;
      const double ours = black76(in).price;
      const double theirs = ql::blackFormula(
          right == OptionRight::kCall ? ql::Option::Call : ql::Option::Put, in.strike, in.spot,
          in.vol * std::sqrt(in.time_years), std::exp(-in.rate * in.time_years));
      const double diff = std::abs(ours - theirs);
      if (theirs > kReportFloor) worst = std::max(worst, diff / theirs);
      EXPECT_LE(diff, std::max(1e-12 * theirs, kPriceFloor))
          << to_string(right) << " F=" << in.spot << " K=" << in.strike << " r=" << in.rate
          << " vol=" << in.vol << " T=" << in.time_years;
    }
  }
  RecordProperty("max_rel_black76_price", scientific(worst));
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
