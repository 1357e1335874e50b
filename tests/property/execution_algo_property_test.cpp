// Seeded property test of the execution algorithms: random parents (algorithm, size, lot, child
// bounds, horizon, impact, price rule, slippage cap, child rate), random markets (touch walks,
// off-grid quotes, outages, volume) and random venue behaviour (full and partial fills, rejects,
// unsolicited cancels, amendments of the target). For every child the algorithm sends, checks
//   * filled + working + child <= the parent's total: children never sum to more than it;
//   * the child is a positive lot multiple, at most max_child_qty, and at least min_child_qty
//     unless it is the whole unsent remainder;
//   * its price (and any re-price) is never beyond arrival × (1 ± max_slippage_bps);
//   * a token bucket at max_children_per_second (burst 1) always has a token for it;
// and at the end that the fills sum exactly to the parent's total. When the venue fills every
// child at once, the algorithm must also be done by its horizon (immediate: at start; pov
// without a horizon: once its share of the volume covers the total).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "core/execution/algorithms.hpp"
#include "core/execution/parent_order.hpp"
#include "core/risk/pre_trade.hpp"
#include "tests/support/random.hpp"

namespace hedged::execution {
namespace {

constexpr TimeNs kT0 = 1'800'000'000LL * kNanosPerSecond;
constexpr TimeNs kSec = kNanosPerSecond;
constexpr TimeNs kMs = kNanosPerMilli;
constexpr std::uint64_t kSeeds = 4000;

using testing::uniform;

std::int64_t integer(std::mt19937_64& gen, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(gen() % static_cast<std::uint64_t>(hi - lo + 1));
}
bool chance(std::mt19937_64& gen, double p) {
  return uniform(gen, 0.0, 1.0) < p;
}
double log_uniform(std::mt19937_64& gen, double lo, double hi) {
  return std::exp(uniform(gen, std::log(lo), std::log(hi)));
}

struct Child {
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t price_ticks = 0;
  TimeNs sent_ns = 0;
  bool live = true;
  [[nodiscard]] std::int64_t leaves() const { return qty - cum_qty; }
};

// What the seeds exercised, so a draw that stops reaching a path fails loudly.
struct Coverage {
  std::int64_t children = 0;
  std::int64_t crossing_children = 0;
  std::int64_t capped_reprices = 0;
  std::int64_t reprices = 0;
  std::int64_t closes = 0;
  std::int64_t amends = 0;
  std::int64_t rate_waits = 0;
  std::int64_t remainder_children = 0;  // whole remainders below the minimum
};

struct Scenario {
  ParentRequest request;
  bool fill_all = false;  // the venue fills every child in full as it arrives
};

Scenario draw_scenario(std::mt19937_64& gen) {
  Scenario s;
  ParentRequest& r = s.request;
  ExecutionParams& p = r.params;
  s.fill_all = chance(gen, 0.4);
  p.algorithm = static_cast<Algorithm>(integer(gen, 0, 3));
  const std::int64_t lots[] = {1, 10, 100};
  r.lot_size = lots[integer(gen, 0, 2)];
  r.qty = r.lot_size * integer(gen, 1, 400) + integer(gen, 0, r.lot_size - 1);
  r.side = chance(gen, 0.5) ? Side::kBuy : Side::kSell;
  const double ticks[] = {0.01, 0.05, 0.25};
  r.tick_size = ticks[integer(gen, 0, 2)];
  r.arrival_price = r.tick_size * static_cast<double>(integer(gen, 20, 2000)) + 0.5 * r.tick_size;
  r.start_ns = kT0;
  r.market_volume = integer(gen, 0, 1'000'000);
  r.vol_annual = uniform(gen, 0.1, 0.8);
  r.adv_units = log_uniform(gen, 1e4, 1e7);

  p.horizon_ns = integer(gen, 5'000, 300'000) * kMs;
  p.slice_interval_ns = std::max<TimeNs>(100 * kMs, p.horizon_ns / integer(gen, 1, 60));
  p.participation_pct = uniform(gen, 2.0, 30.0);
  p.max_participation_pct = std::min(100.0, p.participation_pct * uniform(gen, 1.0, 2.0));
  p.risk_aversion_per_currency = chance(gen, 0.2) ? 0.0 : log_uniform(gen, 1e-8, 1e-2);
  const std::int64_t slices = (p.horizon_ns + p.slice_interval_ns - 1) / p.slice_interval_ns;
  const double tau_s = static_cast<double>(p.horizon_ns) / 1e9 / static_cast<double>(slices);
  p.temporary_impact = chance(gen, 0.5) ? 0.0 : log_uniform(gen, 1e-6, 1e-1);
  p.permanent_impact =
      p.temporary_impact > 0.0 ? uniform(gen, 0.0, 1.9) * p.temporary_impact / tau_s : 0.0;
  p.impact_coefficient = uniform(gen, 0.3, 1.5);
  if (p.algorithm == Algorithm::kPov && chance(gen, 0.5)) p.horizon_ns = 0;
  p.price_rule = static_cast<PriceRule>(integer(gen, 0, 2));
  p.cross_after_ns = chance(gen, 0.3) ? 0 : integer(gen, 100, 20'000) * kMs;
  p.max_slippage_bps = chance(gen, 0.2) ? kNoSlippageCap : uniform(gen, 1.0, 200.0);

  const std::int64_t lot = r.lot_size;
  p.min_child_qty = chance(gen, 0.5) ? 0 : lot * integer(gen, 1, 20);
  const std::int64_t min_child = std::max(lot, p.min_child_qty);
  p.max_child_qty =
      chance(gen, 0.4) ? 0 : std::max(2 * min_child - lot, lot * integer(gen, 1, 100));
  p.max_children_per_second = chance(gen, 0.4) ? 0.0 : uniform(gen, 0.5, 50.0);

  if (s.fill_all && p.max_children_per_second > 0.0) {
    // With a rate limit the algorithm can finish by its horizon only if one child per release
    // is enough and the spacing fits between releases; pov's last release is at the horizon
    // itself, so it gets no rate limit.
    if (p.algorithm == Algorithm::kPov) {
      p.max_children_per_second = 0.0;
    } else {
      p.max_child_qty = 0;
      p.max_children_per_second = std::max(p.max_children_per_second, 1.5 / tau_s);
    }
  }
  return s;
}

class Simulation {
 public:
  Simulation(std::uint64_t seed, const Scenario& scenario, Coverage& coverage)
      : gen_(seed), scenario_(scenario), request_(scenario.request), coverage_(coverage) {
    const ParentResult made = make_parent(request_);
    EXPECT_EQ(made.error, ExecError::kOk) << to_string(made.error);
    ok_ = made.error == ExecError::kOk;
    parent_ = made.parent;
    const double rate = request_.params.max_children_per_second;
    if (rate > 0.0) bucket_.configure(rate, 1.0, kT0 - 3600 * kSec);
    bid_ticks_ =
        static_cast<std::int64_t>(std::llround(request_.arrival_price / request_.tick_size)) - 1;
    spread_ticks_ = 2;
    volume_ = request_.market_volume;
    min_child_ = std::max(parent_.lot_size, parent_.params.min_child_qty);
  }

  void run() {
    if (!ok_) return;
    if (scenario_.fill_all) {
      run_fill_all();
    } else {
      run_random();
      if (!::testing::Test::HasFailure() && !done_) drain();
    }
    if (::testing::Test::HasFailure()) return;
    EXPECT_TRUE(parent_.complete());
    EXPECT_EQ(parent_.filled_qty, parent_.total_qty);
    std::int64_t child_fills = 0;
    for (const Child& c : children_) child_fills += c.cum_qty;
    EXPECT_EQ(child_fills, parent_.total_qty);
    EXPECT_EQ(parent_.working_qty, 0);
  }

 private:
  MarketState market(bool allow_outage) {
    MarketState m;
    m.cum_volume = volume_;
    if (allow_outage && outage_) return m;
    const double tick = request_.tick_size;
    m.bid = static_cast<double>(bid_ticks_) * tick;
    m.ask = static_cast<double>(bid_ticks_ + spread_ticks_) * tick;
    if (off_grid_) {
      m.bid += 0.3 * tick;
      m.ask -= 0.2 * tick;
    }
    return m;
  }

  void move_market(bool allow_outage) {
    bid_ticks_ = std::max<std::int64_t>(5, bid_ticks_ + integer(gen_, -3, 3));
    spread_ticks_ = integer(gen_, 1, 5);
    off_grid_ = chance(gen_, 0.1);
    outage_ = allow_outage && chance(gen_, 0.03);
    volume_ += parent_.lot_size * integer(gen_, 0, 40);
  }

  double price_of(std::int64_t ticks) const {
    return static_cast<double>(ticks) * request_.tick_size;
  }

  void check_price(std::int64_t price_ticks) {
    ASSERT_GE(price_ticks, 1);
    const double cap = request_.params.max_slippage_bps;
    if (!std::isfinite(cap)) return;
    const double tolerance = 1e-9 * request_.tick_size;
    const double price = price_of(price_ticks);
    if (request_.side == Side::kBuy) {
      ASSERT_LE(price, request_.arrival_price * (1.0 + cap * 1e-4) + tolerance);
    } else {
      ASSERT_GE(price, request_.arrival_price * (1.0 - cap * 1e-4) - tolerance);
    }
  }

  // Asks for children until the algorithm has none, checking each; returns how many went.
  int send_due(const MarketState& m, TimeNs now, ChildDecision* last) {
    int sent = 0;
    for (int guard = 0; guard < 100'000; ++guard) {
      const ChildDecision d = next_child(parent_, m, now);
      *last = d;
      if (d.action != ChildAction::kSend) {
        if (d.action == ChildAction::kWait && parent_.child_spacing_ns > 0 &&
            d.next_check_ns == parent_.last_child_ns + parent_.child_spacing_ns) {
          ++coverage_.rate_waits;
        }
        return sent;
      }
      const std::int64_t unsent = parent_.unsent_qty();
      EXPECT_GT(d.qty, 0);
      EXPECT_EQ(d.qty % parent_.lot_size, 0) << d.qty;
      if (parent_.params.max_child_qty > 0) {
        EXPECT_LE(d.qty, parent_.params.max_child_qty);
      }
      EXPECT_TRUE(d.qty >= min_child_ || d.qty == unsent)
          << d.qty << " below " << min_child_ << " with " << unsent << " unsent";
      const std::int64_t committed = parent_.filled_qty + parent_.working_qty + d.qty;
      EXPECT_LE(committed, parent_.total_qty);
      if (scenario_.fill_all && d.qty < min_child_) {
        // Nothing is ever returned, so only a parent below the minimum has a child below it:
        // any other remainder below the minimum went out with the child before it.
        EXPECT_EQ(d.qty, parent_.total_qty) << "a remainder below the minimum was left behind";
      }
      const ExecutionParams& p = parent_.params;
      const TimeNs elapsed = now - parent_.start_ns;
      if (p.algorithm == Algorithm::kPov && (p.horizon_ns == 0 || elapsed < p.horizon_ns)) {
        const double volume = static_cast<double>(m.cum_volume - request_.market_volume);
        EXPECT_LE(static_cast<double>(committed), p.max_participation_pct * 0.01 * volume + 1e-6)
            << "pov above its max participation";
      }
      if (p.algorithm == Algorithm::kTwap && amends_ == 0) {
        // Never ahead of the slices released so far by more than a stub taken along.
        const std::int64_t released =
            elapsed >= p.horizon_ns
                ? parent_.slices
                : std::min(parent_.slices, elapsed * parent_.slices / p.horizon_ns + 1);
        const std::int64_t lots = parent_.total_qty / parent_.lot_size;
        const std::int64_t due = lots * released / parent_.slices * parent_.lot_size;
        EXPECT_LT(committed, due + min_child_) << "twap ahead of schedule";
      }
      check_price(d.price_ticks);
      if (request_.params.max_children_per_second > 0.0) {
        EXPECT_TRUE(bucket_.try_take(now)) << "child rate above the token bucket at " << now;
      }
      if (::testing::Test::HasFailure()) return sent;
      ++coverage_.children;
      if (d.crossing) ++coverage_.crossing_children;
      if (d.qty < min_child_) ++coverage_.remainder_children;
      record_child_sent(parent_, d.qty, now);
      children_.push_back(Child{d.qty, 0, d.price_ticks, now, true});
      ++sent;
    }
    ADD_FAILURE() << "runaway child loop";
    return sent;
  }

  void fill(Child& c, std::int64_t qty) {
    c.cum_qty += qty;
    record_fill(parent_, qty);
    if (c.leaves() == 0) c.live = false;
  }

  void close(Child& c) {
    ++coverage_.closes;
    record_child_closed(parent_, c.leaves());
    c.live = false;
  }

  void fill_every_live_child() {
    for (Child& c : children_) {
      if (c.live) fill(c, c.leaves());
    }
  }

  void run_fill_all() {
    TimeNs now = kT0 - integer(gen_, 0, 2'000) * kMs;
    const ExecutionParams& p = request_.params;
    TimeNs done_by = kNever;  // when the algorithm must be done
    if (p.algorithm == Algorithm::kImmediate) done_by = kT0;
    if (p.algorithm == Algorithm::kTwap || p.algorithm == Algorithm::kAlmgrenChriss ||
        (p.algorithm == Algorithm::kPov && p.horizon_ns > 0)) {
      done_by = kT0 + p.horizon_ns;
    }
    for (int step = 0; step < 200'000; ++step) {
      const MarketState m = market(false);
      ChildDecision last;
      send_due(m, now, &last);
      if (::testing::Test::HasFailure()) return;
      fill_every_live_child();
      if (parent_.complete()) {
        EXPECT_LE(now, done_by) << "finished after its horizon";
        done_ = true;
        return;
      }
      EXPECT_LT(now, done_by) << "not finished by its horizon";
      if (p.algorithm == Algorithm::kPov && p.horizon_ns == 0) {
        // Once its share of the volume covers the total, pov must have sent it all.
        const double share =
            p.participation_pct * 0.01 * static_cast<double>(volume_ - request_.market_volume);
        EXPECT_LT(share, static_cast<double>(parent_.total_qty) * (1.0 - 1e-6))
            << "volume allowed the total but pov did not finish";
      }
      if (::testing::Test::HasFailure()) return;
      const TimeNs step_ns = integer(gen_, 1, 2'000) * kMs;
      now = std::min(last.next_check_ns, now + step_ns);
      move_market(false);
    }
    ADD_FAILURE() << "did not finish";
  }

  void amend() {
    // A new need on the parent's side (or nothing): amend, possibly cancelling working children.
    std::int64_t need = chance(gen_, 0.1) ? 0 : integer(gen_, 0, 2 * parent_.total_qty);
    const AmendDecision d = decide_new_target(parent_, parent_.side == Side::kBuy ? need : -need);
    ASSERT_NE(d.action, AmendAction::kCancelAndReplace);
    if (d.action == AmendAction::kNone) return;
    apply_amend(parent_, d);
    ++coverage_.amends;
    ++amends_;
    std::int64_t to_cancel = d.cancel_working_qty;
    // Cancel newest first, as an engine keeping the oldest queue position would.
    for (auto it = children_.rbegin(); it != children_.rend() && to_cancel > 0; ++it) {
      if (!it->live) continue;
      to_cancel -= it->leaves();
      close(*it);
    }
    ASSERT_LE(to_cancel, 0);
    ASSERT_LE(parent_.filled_qty + parent_.working_qty,
              std::max(parent_.total_qty, parent_.filled_qty));
  }

  void venue_step() {
    for (Child& c : children_) {
      if (!c.live) continue;
      const double u = uniform(gen_, 0.0, 1.0);
      const std::int64_t leaves_lots = c.leaves() / parent_.lot_size;
      if (u < 0.2) {
        fill(c, c.leaves());
      } else if (u < 0.4) {
        fill(c,
             leaves_lots > 1 ? parent_.lot_size * integer(gen_, 1, leaves_lots - 1) : c.leaves());
      } else if (u < 0.45) {
        close(c);  // rejected, or canceled by the venue: the rest goes back to unsent
      }
    }
  }

  void run_random() {
    TimeNs& now = now_;
    now = kT0 - integer(gen_, 0, 2'000) * kMs;
    const TimeNs end = kT0 + request_.params.horizon_ns + 30 * kSec;
    for (int step = 0; step < 400 && now < end; ++step) {
      move_market(true);
      venue_step();
      if (chance(gen_, 0.03)) {
        amend();
        if (::testing::Test::HasFailure()) return;
        if (parent_.complete()) {
          done_ = true;  // the target went to what is filled
          return;
        }
      }
      const MarketState m = market(true);
      for (Child& c : children_) {
        if (!c.live) continue;
        const RepriceDecision r = reprice_child(parent_, m, c.price_ticks, c.sent_ns, now);
        if (r.action != RepriceAction::kReprice) continue;
        EXPECT_TRUE(more_aggressive(request_.side, r.price_ticks, c.price_ticks));
        check_price(r.price_ticks);
        ++coverage_.reprices;
        if (r.price_ticks == slippage_cap_ticks(request_.side, request_.arrival_price,
                                                request_.params.max_slippage_bps,
                                                request_.tick_size)) {
          ++coverage_.capped_reprices;
        }
        c.price_ticks = r.price_ticks;
      }
      ChildDecision last;
      send_due(m, now, &last);
      if (::testing::Test::HasFailure()) return;
      now += integer(gen_, 10, 3'000) * kMs;
    }
  }

  // The venue turns generous: every child fills, the market is always there and trades.
  void drain() {
    TimeNs& now = now_;
    now += kSec;
    for (int step = 0; step < 200'000; ++step) {
      fill_every_live_child();
      if (parent_.complete()) {
        done_ = true;
        return;
      }
      const MarketState m = market(false);
      ChildDecision last;
      send_due(m, now, &last);
      if (::testing::Test::HasFailure()) return;
      fill_every_live_child();
      if (parent_.complete()) {
        done_ = true;
        return;
      }
      now = std::min(last.next_check_ns, now + kSec);
      move_market(false);
      volume_ += parent_.total_qty;  // pov without a horizon needs volume to finish
    }
    ADD_FAILURE() << "did not finish once every child filled";
  }

  std::mt19937_64 gen_;
  Scenario scenario_;
  ParentRequest request_;
  ParentOrder parent_;
  bool ok_ = false;
  bool done_ = false;
  TimeNs now_ = 0;
  int amends_ = 0;
  risk::TokenBucket bucket_;
  std::vector<Child> children_;
  std::int64_t bid_ticks_ = 0;
  std::int64_t spread_ticks_ = 2;
  bool off_grid_ = false;
  bool outage_ = false;
  std::int64_t volume_ = 0;
  std::int64_t min_child_ = 1;
  Coverage& coverage_;
};

TEST(ExecutionAlgoProperty, children_sum_to_the_parent_within_every_bound) {
  int fill_all = 0;
  int per_algorithm[4] = {};
  Coverage coverage;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull);
    const Scenario scenario = draw_scenario(gen);
    SCOPED_TRACE(::testing::Message()
                 << "seed " << seed << " algorithm " << to_string(scenario.request.params.algorithm)
                 << (scenario.fill_all ? " fill_all" : " random"));
    Simulation sim(seed, scenario, coverage);
    sim.run();
    if (::testing::Test::HasFailure()) return;
    fill_all += scenario.fill_all ? 1 : 0;
    ++per_algorithm[static_cast<int>(scenario.request.params.algorithm)];
  }
  // The draw covers every algorithm in both venue modes.
  EXPECT_GT(fill_all, static_cast<int>(kSeeds) / 4);
  for (const int n : per_algorithm) EXPECT_GT(n, static_cast<int>(kSeeds) / 8);
  EXPECT_GT(coverage.children, 10 * static_cast<std::int64_t>(kSeeds));
  EXPECT_GT(coverage.crossing_children, 100);
  EXPECT_GT(coverage.reprices, 100);
  EXPECT_GT(coverage.capped_reprices, 10);
  EXPECT_GT(coverage.closes, 100);
  EXPECT_GT(coverage.amends, 100);
  EXPECT_GT(coverage.rate_waits, 100);
  EXPECT_GT(coverage.remainder_children, 10);
  std::printf(
      "children %lld crossing %lld reprices %lld capped %lld closes %lld amends %lld "
      "rate_waits %lld remainders %lld\n",
      static_cast<long long>(coverage.children), static_cast<long long>(coverage.crossing_children),
      static_cast<long long>(coverage.reprices), static_cast<long long>(coverage.capped_reprices),
      static_cast<long long>(coverage.closes), static_cast<long long>(coverage.amends),
      static_cast<long long>(coverage.rate_waits),
      static_cast<long long>(coverage.remainder_children));
}

}  // namespace
}  // namespace hedged::execution
