// Market simulator and its random numbers: determinism, quote shape, GBM and normal statistics.
#include "core/sim/market_simulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/pricing/black_scholes.hpp"
#include "core/sim/rng.hpp"

namespace hedged::sim {
namespace {

constexpr TimeNs kT0 = 1'700'000'000 * kNanosPerSecond;
constexpr TimeNs kDay = 86'400 * kNanosPerSecond;
constexpr TimeNs kMinute = 60 * kNanosPerSecond;

InstrumentSpec spot_spec(std::int64_t lot = 100) {
  InstrumentSpec s;
  s.id = 0;
  s.kind = InstrumentKind::kSpot;
  s.symbol = "SIM";
  s.underlying = 0;
  s.tick_size = 0.01;
  s.lot_size = lot;
  return s;
}

InstrumentSpec option_spec(InstrumentId id, OptionRight right, double strike, TimeNs expiry) {
  InstrumentSpec o;
  o.id = id;
  o.kind = InstrumentKind::kOption;
  o.symbol = "SIM OPT";
  o.underlying = 0;
  o.tick_size = 0.01;
  o.lot_size = 1;
  o.multiplier = 100.0;
  o.right = right;
  o.strike = strike;
  o.expiry_ns = expiry;
  return o;
}

std::vector<InstrumentSpec> instruments() {
  return {spot_spec(), option_spec(1, OptionRight::kCall, 100.0, kT0 + 60 * kDay),
          option_spec(2, OptionRight::kPut, 90.0, kT0 + 60 * kDay),
          option_spec(3, OptionRight::kCall, 160.0, kT0 + 7 * kDay),  // far out: near-zero price
          option_spec(4, OptionRight::kPut, 105.0, kT0 + 365 * kDay)};
}

UnderlyingModel model() {
  UnderlyingModel m;
  m.spot_instrument = 0;
  m.initial_spot = 100.0;
  m.drift = 0.05;
  m.vol = 0.3;
  m.rate = 0.03;
  m.dividend_yield = 0.01;
  m.option_vol = 0.25;
  m.spread_bps = 2.0;
  m.min_size = 100;
  m.max_size = 1000;
  m.option_spread_pct = 2.0;
  return m;
}

bool on_grid(double price, double tick) {
  return std::fabs(price / tick - std::round(price / tick)) < 1e-6;
}

TEST(MarketSimulator, same_seed_gives_identical_quotes) {
  MarketSimulator a(instruments(), {model()}, 42);
  MarketSimulator b(instruments(), {model()}, 42);
  for (int i = 0; i < 100; ++i) {
    const TimeNs now = kT0 + i * kNanosPerSecond;
    const std::vector<Quote> qa = a.step(now);
    const std::vector<Quote>& qb = b.step(now);
    ASSERT_EQ(qa.size(), qb.size());
    for (std::size_t k = 0; k < qa.size(); ++k) {
      EXPECT_EQ(qa[k].instrument, qb[k].instrument);
      EXPECT_EQ(qa[k].bid, qb[k].bid) << "step " << i << " instrument " << k;
      EXPECT_EQ(qa[k].ask, qb[k].ask) << "step " << i << " instrument " << k;
      EXPECT_EQ(qa[k].bid_size, qb[k].bid_size);
      EXPECT_EQ(qa[k].ask_size, qb[k].ask_size);
      EXPECT_EQ(qa[k].seq, qb[k].seq);
      EXPECT_EQ(qa[k].source_ns, qb[k].source_ns);
    }
    EXPECT_EQ(a.spot(0), b.spot(0));
  }
}

TEST(MarketSimulator, different_seed_gives_different_path) {
  MarketSimulator a(instruments(), {model()}, 42);
  MarketSimulator c(instruments(), {model()}, 43);
  int spot_differs = 0;
  int quote_differs = 0;
  for (int i = 0; i < 100; ++i) {
    const TimeNs now = kT0 + i * kNanosPerSecond;
    const std::vector<Quote> qa = a.step(now);
    const std::vector<Quote>& qc = c.step(now);
    if (a.spot(0) != c.spot(0)) ++spot_differs;
    for (std::size_t k = 0; k < qa.size(); ++k) {
      if (qa[k].bid != qc[k].bid || qa[k].bid_size != qc[k].bid_size) ++quote_differs;
    }
  }
  EXPECT_EQ(spot_differs, 99);  // every step after the first, which only quotes
  EXPECT_GT(quote_differs, 100);
}

TEST(MarketSimulator, first_step_only_quotes_and_time_must_advance_to_move) {
  MarketSimulator sim(instruments(), {model()}, 7);
  EXPECT_EQ(sim.spot(0), 100.0);
  const std::vector<Quote>& q = sim.step(kT0);
  EXPECT_EQ(sim.spot(0), 100.0);
  ASSERT_EQ(q.size(), 5u);
  for (std::size_t k = 0; k < q.size(); ++k) {
    EXPECT_EQ(q[k].instrument, k);
    EXPECT_EQ(q[k].source_ns, kT0);
    EXPECT_EQ(q[k].seq, 1u);
  }
  sim.step(kT0);  // no time passed
  EXPECT_EQ(sim.spot(0), 100.0);
  sim.step(kT0 - kNanosPerSecond);  // time going backwards does not move it either
  EXPECT_EQ(sim.spot(0), 100.0);
  const std::vector<Quote>& later = sim.step(kT0 + kNanosPerSecond);
  EXPECT_NE(sim.spot(0), 100.0);
  EXPECT_EQ(later[0].seq, 4u);
  EXPECT_EQ(later[0].source_ns, kT0 + kNanosPerSecond);
  EXPECT_EQ(sim.spot(99), 0.0);  // not a modelled instrument
}

TEST(MarketSimulator, quotes_are_on_tick_grid_with_bid_below_ask_and_sizes_in_lots) {
  const UnderlyingModel m = model();
  MarketSimulator sim(instruments(), {m}, 2024);
  for (int i = 0; i < 500; ++i) {
    const TimeNs now = kT0 + i * kMinute;
    const std::vector<Quote>& quotes = sim.step(now);
    const double spot = sim.spot(0);
    for (const InstrumentSpec& spec : sim.instruments()) {
      const Quote& q = quotes[spec.id];
      ASSERT_TRUE(q.valid()) << "step " << i << " instrument " << spec.id;
      EXPECT_LT(q.bid, q.ask) << "step " << i << " instrument " << spec.id;
      EXPECT_GE(q.bid, 0.0);
      EXPECT_TRUE(on_grid(q.bid, spec.tick_size)) << q.bid;
      EXPECT_TRUE(on_grid(q.ask, spec.tick_size)) << q.ask;
      for (const std::int64_t size : {q.bid_size, q.ask_size}) {
        EXPECT_GE(size, m.min_size);
        EXPECT_LE(size, m.max_size);
        EXPECT_EQ(size % spec.lot_size, 0) << size;
      }
    }
    // The underlying's quote straddles the true spot with about spread_bps of width.
    const Quote& s = quotes[0];
    EXPECT_LE(s.bid, spot);
    EXPECT_GE(s.ask, spot);
    EXPECT_LE(s.ask - s.bid, spot * m.spread_bps * 1e-4 + 2 * 0.01 + 1e-9);
    EXPECT_GE(s.ask - s.bid, spot * m.spread_bps * 1e-4 - 1e-9);
  }
}

TEST(MarketSimulator, sizes_stay_within_min_and_max_when_min_is_not_a_whole_lot) {
  UnderlyingModel m = model();
  m.min_size = 150;  // with lots of 100 the smallest valid size is 200
  m.max_size = 1000;
  MarketSimulator sim({spot_spec(100)}, {m}, 11);
  std::int64_t smallest = m.max_size;
  for (int i = 0; i < 2000; ++i) {
    const Quote& q = sim.step(kT0 + i * kNanosPerSecond)[0];
    for (const std::int64_t size : {q.bid_size, q.ask_size}) {
      EXPECT_GE(size, m.min_size);
      EXPECT_LE(size, m.max_size);
      EXPECT_EQ(size % 100, 0);
      smallest = std::min(smallest, size);
    }
  }
  EXPECT_EQ(smallest, 200);

  // A minimum below one lot still displays at least one lot, never an empty side.
  m.min_size = 1;
  MarketSimulator tiny({spot_spec(100)}, {m}, 12);
  for (int i = 0; i < 2000; ++i) {
    const Quote& q = tiny.step(kT0 + i * kNanosPerSecond)[0];
    EXPECT_GE(q.bid_size, 100);
    EXPECT_GE(q.ask_size, 100);
  }
}

TEST(MarketSimulator, option_quotes_bracket_black_scholes_at_option_vol) {
  const UnderlyingModel m = model();
  MarketSimulator sim(instruments(), {m}, 99);
  for (int i = 0; i < 300; ++i) {
    const TimeNs now = kT0 + i * (10 * kMinute);
    const std::vector<Quote>& quotes = sim.step(now);
    const double spot = sim.spot(0);
    for (const InstrumentSpec& spec : sim.instruments()) {
      if (spec.kind != InstrumentKind::kOption) continue;
      const double t_years = static_cast<double>(spec.expiry_ns - now) / 1e9 / (365.0 * 86'400.0);
      const double theo = pricing::black_scholes_price(
          {spot, spec.strike, m.rate, m.dividend_yield, m.option_vol, t_years, spec.right});
      const Quote& q = quotes[spec.id];
      EXPECT_LE(q.bid, theo) << "instrument " << spec.id << " step " << i;
      EXPECT_GE(q.ask, theo) << "instrument " << spec.id << " step " << i;
      // Spread: option_spread_pct of theoretical, rounded out to the grid, at least one tick.
      const double width = std::max(theo * m.option_spread_pct * 0.01, spec.tick_size);
      EXPECT_LE(q.ask - q.bid, width + 2 * spec.tick_size + 1e-9);
      EXPECT_GE(q.ask - q.bid, spec.tick_size - 1e-9);
    }
  }
}

TEST(MarketSimulator, smile_quotes_each_strike_at_its_own_vol) {
  UnderlyingModel m = model();
  m.option_skew = -0.3;  // equity-like: downside richer
  m.option_smile = 0.5;
  // The formula: at the forward the ATM vol; at k = ln(0.9) = -0.10536,
  // 0.25 + 0.3 * 0.10536 + 0.5 * 0.0111 = 0.28716.
  EXPECT_DOUBLE_EQ(option_vol_at(m, 100.0, 100.0), 0.25);
  EXPECT_NEAR(option_vol_at(m, 90.0, 100.0),
              0.25 - 0.3 * std::log(0.9) + 0.5 * std::log(0.9) * std::log(0.9), 1e-15);
  EXPECT_GT(option_vol_at(m, 90.0, 100.0), option_vol_at(m, 110.0, 100.0));  // skew
  UnderlyingModel wild = m;
  wild.option_skew = 10.0;
  EXPECT_DOUBLE_EQ(option_vol_at(wild, 50.0, 100.0), 0.01);  // floored
  // Quotes bracket Black-Scholes at each strike's smile vol, not the flat one.
  MarketSimulator sim(instruments(), {m}, 7);
  const TimeNs now = kT0;
  const std::vector<Quote>& quotes = sim.step(now);
  const double spot = sim.spot(0);
  for (const InstrumentSpec& spec : sim.instruments()) {
    if (spec.kind != InstrumentKind::kOption) continue;
    const double t = static_cast<double>(spec.expiry_ns - now) / 1e9 / (365.0 * 86'400.0);
    const double forward = spot * std::exp((m.rate - m.dividend_yield) * t);
    const double theo =
        pricing::black_scholes_price({spot, spec.strike, m.rate, m.dividend_yield,
                                      option_vol_at(m, spec.strike, forward), t, spec.right});
    EXPECT_LE(quotes[spec.id].bid, theo) << spec.id;
    EXPECT_GE(quotes[spec.id].ask, theo) << spec.id;
  }
  // The 90 put (k < 0) is quoted above its flat-vol price.
  const InstrumentSpec& put = sim.instruments()[2];
  const double t = static_cast<double>(put.expiry_ns - now) / 1e9 / (365.0 * 86'400.0);
  const double flat = pricing::black_scholes_price(
      {spot, put.strike, m.rate, m.dividend_yield, m.option_vol, t, put.right});
  EXPECT_GT(quotes[put.id].bid, flat);
}

TEST(MarketSimulator, expired_option_quotes_intrinsic_value) {
  UnderlyingModel m = model();
  m.vol = 0.0;  // spot stays at 100 (up to the drift)
  m.drift = 0.0;
  MarketSimulator sim({spot_spec(), option_spec(1, OptionRight::kPut, 110.0, kT0)}, {m}, 5);
  sim.step(kT0 + kDay);  // after expiry
  const Quote& q = sim.step(kT0 + 2 * kDay)[1];
  EXPECT_DOUBLE_EQ(sim.spot(0), 100.0);
  EXPECT_LE(q.bid, 10.0);
  EXPECT_GE(q.ask, 10.0);
  EXPECT_NEAR(q.ask - q.bid, 0.20, 1e-9);  // 2% of 10.00
}

// Log-returns of the exact GBM step are N((mu - sigma^2/2) dt, sigma^2 dt). The sample mean has
// standard error sqrt(sigma^2 dt / n) and the sample variance sigma^2 dt sqrt(2 / (n - 1)).
struct SampleStats {
  double mean = 0.0;
  double variance = 0.0;
  std::size_t n = 0;
};

SampleStats log_return_stats(const UnderlyingModel& m, TimeNs step, int steps, std::uint64_t seed) {
  MarketSimulator sim({spot_spec()}, {m}, seed);
  sim.step(kT0);
  std::vector<double> r;
  r.reserve(static_cast<std::size_t>(steps));
  double prev = sim.spot(0);
  for (int i = 1; i <= steps; ++i) {
    sim.step(kT0 + i * step);
    const double s = sim.spot(0);
    r.push_back(std::log(s / prev));
    prev = s;
  }
  SampleStats st;
  st.n = r.size();
  for (double x : r) st.mean += x;
  st.mean /= static_cast<double>(st.n);
  for (double x : r) st.variance += (x - st.mean) * (x - st.mean);
  st.variance /= static_cast<double>(st.n - 1);
  return st;
}

TEST(MarketSimulator, gbm_log_returns_have_expected_mean_and_variance) {
  UnderlyingModel m = model();
  m.vol = 0.3;
  m.drift = 0.05;
  const int steps = 20'000;
  const double dt = 60.0 / (365.0 * 86'400.0);
  const SampleStats st = log_return_stats(m, kMinute, steps, 20'240'601);
  const double n = static_cast<double>(st.n);
  const double mean = (m.drift - 0.5 * m.vol * m.vol) * dt;
  const double var = m.vol * m.vol * dt;
  EXPECT_NEAR(st.mean, mean, 5.0 * std::sqrt(var / n));
  EXPECT_NEAR(st.variance, var, 5.0 * var * std::sqrt(2.0 / (n - 1.0)));
}

TEST(MarketSimulator, gbm_drift_includes_ito_correction) {
  // One-year steps on independent paths make the drift visible: the mean log-return is
  // mu - sigma^2/2 = 0.005, which is 21 standard errors away from mu = 0.05.
  UnderlyingModel m = model();
  m.vol = 0.3;
  m.drift = 0.05;
  constexpr int kPaths = 20'000;
  std::vector<double> r;
  r.reserve(kPaths);
  for (int path = 0; path < kPaths; ++path) {
    MarketSimulator sim({spot_spec()}, {m}, 1'000'000 + static_cast<std::uint64_t>(path));
    sim.step(kT0);
    sim.step(kT0 + 365 * kDay);
    r.push_back(std::log(sim.spot(0) / m.initial_spot));
  }
  double mean = 0.0;
  for (double x : r) mean += x;
  mean /= kPaths;
  double variance = 0.0;
  for (double x : r) variance += (x - mean) * (x - mean);
  variance /= kPaths - 1;
  const double var = m.vol * m.vol;
  const double se = std::sqrt(var / kPaths);
  EXPECT_NEAR(mean, m.drift - 0.5 * var, 5.0 * se);
  EXPECT_GT(std::fabs(mean - m.drift), 5.0 * se);
  EXPECT_NEAR(variance, var, 5.0 * var * std::sqrt(2.0 / (kPaths - 1.0)));
}

TEST(Rng, normal_has_zero_mean_and_unit_variance) {
  Rng rng(123'456'789);
  constexpr int kDraws = 1'000'000;
  double sum = 0.0;
  double sum_sq = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
  }
  const double n = kDraws;
  const double mean = sum / n;
  const double var = (sum_sq - n * mean * mean) / (n - 1.0);
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / (n - 1.0)));
}

TEST(Rng, same_seed_same_stream_different_seed_different_stream) {
  Rng a(1);
  Rng b(1);
  Rng c(2);
  int differs = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    if (x != c.next()) ++differs;
  }
  EXPECT_EQ(differs, 1000);
  Rng d(1);
  Rng e(1);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(d.normal(), e.normal());
}

TEST(Rng, uniform_stays_in_range_and_reaches_both_ends_of_int_range) {
  Rng rng(31337);
  double lo = 1.0;
  double hi = 0.0;
  double sum = 0.0;
  constexpr int kDraws = 200'000;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1.0 - 1e-3);
  // Uniform mean 1/2, standard error sqrt(1/12 / n).
  EXPECT_NEAR(sum / kDraws, 0.5, 5.0 * std::sqrt(1.0 / 12.0 / kDraws));

  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70'000; ++i) {
    const std::int64_t k = rng.uniform_int(3, 9);
    ASSERT_GE(k, 3);
    ASSERT_LE(k, 9);
    ++counts[static_cast<std::size_t>(k - 3)];
  }
  // Each value has p = 1/7: binomial sd = sqrt(n p (1 - p)) ~ 92.6 around 10,000.
  for (int c : counts) EXPECT_NEAR(c, 10'000, 5.0 * 92.6);
  EXPECT_EQ(rng.uniform_int(5, 5), 5);
}

TEST(MarketSimulator, traded_volume_averages_the_daily_volume_and_leaves_prices_alone) {
  // A future on the same underlying trades daily_volume / multiplier contracts.
  std::vector<InstrumentSpec> specs = instruments();
  InstrumentSpec future = spot_spec(1);
  future.id = 5;
  future.kind = InstrumentKind::kFuture;
  future.symbol = "SIM-F";
  future.underlying = 0;
  future.multiplier = 50.0;
  future.expiry_ns = kT0 + 90 * kDay;
  specs.push_back(future);
  UnderlyingModel with = model();
  with.daily_volume = 8'640'000.0;  // 100 shares per second
  MarketSimulator traded(specs, {with}, 11);
  MarketSimulator plain(specs, {model()}, 11);
  (void)traded.step(kT0);
  (void)plain.step(kT0);
  std::int64_t last = 0;
  constexpr int kSteps = 20'000;  // 100 ms each: 2,000 s, so 200,000 shares expected
  for (int i = 1; i <= kSteps; ++i) {
    const TimeNs t = kT0 + i * 100 * kNanosPerMilli;
    const std::vector<Quote>& a = traded.step(t);
    const std::vector<Quote>& b = plain.step(t);
    ASSERT_EQ(a[0].bid, b[0].bid) << "volume must not change the price path";
    ASSERT_GE(a[0].volume, last);  // cumulative
    last = a[0].volume;
    EXPECT_EQ(b[0].volume, 0);
    EXPECT_EQ(a[1].volume, 0);  // options report none
  }
  // Each step trades U(0, 2) x 10 shares: mean 200,000, sd sqrt(20,000 x 100/3) = 816.
  EXPECT_NEAR(static_cast<double>(last), 200'000.0, 5 * 816.0);
  const std::int64_t contracts = traded.step(kT0 + (kSteps + 1) * 100 * kNanosPerMilli)[5].volume;
  EXPECT_NEAR(static_cast<double>(contracts), 200'000.0 / 50.0, 5 * 816.0 / 50.0);
}

}  // namespace
}  // namespace hedged::sim
