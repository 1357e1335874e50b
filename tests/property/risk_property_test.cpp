// Seeded property test of the engine's risk gate: random books, random limit sets (replaced
// while running), and random streams of quotes, execution reports, timers, session changes and
// operator commands. For every child order the engine lets out, the test checks from its own
// bookkeeping that
//   * nothing leaves an underlying whose effective state is Halted;
//   * while Reducing, the order shrinks |net delta| (hedge orders in the underlying leave gamma
//     and vega unchanged, so they can only add risk through delta);
//   * the order passes every pre-trade check of the limits in force, recomputed independently,
//     and risk-adding orders never exceed the token bucket's bound (burst + rate × window);
//   * an underlying that turns Halted gets a cancel for every order it still has working.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/sim/rng.hpp"

namespace hedged {
namespace {

constexpr TimeNs kT0 = 1'800'000'000LL * kNanosPerSecond;
constexpr TimeNs kMs = kNanosPerMilli;
constexpr std::size_t kSeeds = 400;
constexpr std::size_t kEventsPerSeed = 2500;

class Random {
 public:
  explicit Random(std::uint64_t seed) : rng_(seed) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * rng_.uniform(); }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) { return rng_.uniform_int(lo, hi); }
  bool chance(double p) { return rng_.uniform() < p; }

 private:
  sim::Rng rng_;
};

risk::Limit random_limit(Random& r, double scale) {
  risk::Limit l;
  if (r.chance(0.4)) return l;  // unlimited
  l.hard = r.uniform(0.2, 3.0) * scale;
  if (r.chance(0.7)) l.soft = l.hard * r.uniform(0.3, 1.0);
  return l;
}

risk::RiskLimits random_limits(Random& r, std::size_t underlyings, std::uint64_t version) {
  risk::RiskLimits l = risk::default_risk_limits();
  l.version = version;
  const double scales[risk::kMeasureCount] = {4000, 400000, 200000, 5000, 3000, 8000, 20000};
  for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
    l.book.by_measure[m] = random_limit(r, scales[m]);
    for (std::size_t u = 0; u < underlyings; ++u)
      l.underlying[u].by_measure[m] = random_limit(r, scales[m]);
  }
  for (std::size_t u = 0; u < underlyings; ++u) {
    risk::PreTradeLimits& p = l.pre_trade[u];
    p.max_order_qty = r.chance(0.5) ? r.integer(100, 3000) : 0;
    p.max_order_notional = r.chance(0.5) ? r.uniform(2e4, 3e5) : 0.0;
    p.price_band_pct = r.chance(0.8) ? r.uniform(0.05, 3.0) : 0.0;
    p.price_band_ticks = r.chance(0.5) ? r.integer(1, 40) : 0;
    p.max_orders_per_second = r.chance(0.6) ? r.uniform(0.5, 20.0) : 0.0;
    p.order_burst = r.chance(0.5) ? static_cast<double>(r.integer(1, 5)) : 0.0;
    p.max_cancels_per_second = r.chance(0.3) ? r.uniform(0.5, 20.0) : 0.0;
    p.max_working_orders = r.chance(0.5) ? static_cast<std::uint32_t>(r.integer(1, 6)) : 0;
    p.max_position = r.chance(0.5) ? r.integer(500, 20000) : 0;
  }
  for (risk::BreakerPolicy& p : l.breakers.policy) {
    p.enabled = r.chance(0.8);
    p.action = r.chance(0.5) ? risk::BreakerAction::kReduce : risk::BreakerAction::kHalt;
    p.reset = r.chance(0.6) ? risk::ResetPolicy::kAuto : risk::ResetPolicy::kManual;
    p.cooldown_ns = r.integer(0, 3000) * kMs;
    p.hysteresis_pct = r.uniform(0.0, 30.0);
  }
  l.breakers.stale_timeout_ns = r.integer(200, 3000) * kMs;
  l.breakers.reject_storm_rejects = static_cast<std::uint32_t>(r.integer(1, 6));
  l.breakers.reject_storm_window_ns = r.integer(500, 5000) * kMs;
  l.breakers.spread_max_multiple = r.uniform(1.5, 6.0);
  l.breakers.spread_median_window_ns = r.integer(1, 20) * kNanosPerSecond;
  l.breakers.spread_min_samples = static_cast<std::uint32_t>(r.integer(1, 30));
  l.breakers.price_jump_pct = r.uniform(0.5, 6.0);
  l.breakers.price_jump_window_ns = r.integer(1, 20) * kNanosPerSecond;
  l.breakers.session_down_grace_ns = r.integer(0, 1000) * kMs;
  return l;
}

EngineConfig random_config(Random& r, std::size_t underlyings) {
  EngineConfig config;
  for (std::size_t u = 0; u < underlyings; ++u) {
    InstrumentSpec spot;
    spot.id = static_cast<InstrumentId>(config.instruments.size());
    spot.kind = InstrumentKind::kSpot;
    spot.symbol = "U" + std::to_string(u);
    spot.underlying = spot.id;
    spot.tick_size = 0.01;
    spot.lot_size = 1;
    config.instruments.push_back(spot);
    UnderlyingConfig uc;
    uc.name = spot.symbol;
    uc.spot_instrument = spot.id;
    uc.hedge_instrument = spot.id;
    uc.rate = 0.02;
    uc.vol = r.uniform(0.15, 0.6);
    uc.policy.band_delta_shares = r.uniform(20.0, 500.0);
    uc.policy.lot_size = 1;
    uc.policy.min_trade_qty = 1;
    uc.order_timeout_ns = r.integer(200, 3000) * kMs;
    uc.min_order_interval_ns = r.integer(0, 200) * kMs;
    config.underlyings.push_back(uc);
  }
  for (std::size_t u = 0; u < underlyings; ++u) {
    const int lines = static_cast<int>(r.integer(1, 6));
    for (int i = 0; i < lines; ++i) {
      InstrumentSpec option;
      option.id = static_cast<InstrumentId>(config.instruments.size());
      option.kind = InstrumentKind::kOption;
      option.symbol = "O" + std::to_string(option.id);
      option.underlying = static_cast<InstrumentId>(u);
      option.tick_size = 0.01;
      option.lot_size = 1;
      option.multiplier = 100.0;
      option.right = r.chance(0.5) ? OptionRight::kCall : OptionRight::kPut;
      option.strike = 100.0 * r.uniform(0.8, 1.2);
      option.expiry_ns = kT0 + r.integer(5, 200) * 86400 * kNanosPerSecond;
      config.instruments.push_back(option);
      config.book.push_back({option.id, r.integer(-60, 60)});
    }
  }
  config.max_working_orders = 32;
  config.first_order_id = 1000;
  return config;
}

struct LiveOrder {
  std::uint32_t underlying = 0;
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  std::int64_t cum = 0;
  bool cancel_requested = false;
  bool acked = false;
};

TradingState stronger(TradingState a, TradingState b) {
  return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

class Harness {
 public:
  explicit Harness(std::uint64_t seed) : r_(seed) {
    underlyings_ = static_cast<std::size_t>(r_.integer(1, 2));
    EngineConfig config = random_config(r_, underlyings_);
    config.limits = random_limits(r_, underlyings_, 1);
    limits_ = config.limits;
    config_ = config;
    engine_ = std::make_unique<Engine>(config);
    states_.assign(underlyings_ + 1, TradingState::kActive);
    mids_.assign(underlyings_, 100.0);
    spreads_.assign(underlyings_, 0.02);
    adding_times_.resize(underlyings_);
  }

  void run() {
    TimeNs now = kT0;
    send(SessionEvent{true}, now);
    for (std::size_t i = 0; i < kEventsPerSeed && !::testing::Test::HasFailure(); ++i) {
      now += r_.integer(1, 120) * kMs;
      const double pick = r_.uniform(0.0, 1.0);
      if (pick < 0.45) {
        quote(now);
      } else if (pick < 0.75) {
        report(now);
      } else if (pick < 0.88) {
        send(TimerEvent{}, now);
      } else if (pick < 0.91) {
        send(SessionEvent{r_.chance(0.7)}, now);
      } else if (pick < 0.96) {
        CommandEvent c;
        const double k = r_.uniform(0.0, 1.0);
        c.command = k < 0.3   ? Command::kHalt
                    : k < 0.8 ? Command::kResume
                    : k < 0.9 ? Command::kKillSwitchEngaged
                              : Command::kKillSwitchReleased;
        send(c, now);
      } else {
        limits_ = random_limits(r_, underlyings_, limits_.version + 1);
        ActionBuffer out;
        engine_->apply_limits(limits_, now, out);
        limits_applied_ns_ = now;
        check(out, now);
      }
    }
  }

  std::size_t orders_seen() const { return orders_seen_; }
  std::size_t orders_while_reducing() const { return orders_while_reducing_; }
  std::size_t state_changes() const { return state_changes_; }
  std::size_t blocked() const { return blocked_; }

 private:
  void quote(TimeNs now) {
    const auto u =
        static_cast<std::uint32_t>(r_.integer(0, static_cast<std::int64_t>(underlyings_) - 1));
    // A random walk with occasional jumps and spread blowouts.
    double move = r_.uniform(-0.002, 0.002);
    if (r_.chance(0.01)) move = r_.uniform(-0.08, 0.08);
    mids_[u] = std::clamp(mids_[u] * (1.0 + move), 60.0, 160.0);
    if (r_.chance(0.02)) spreads_[u] = r_.chance(0.5) ? 0.02 : r_.uniform(0.05, 1.0);
    Quote q;
    q.instrument = config_.underlyings[u].spot_instrument;
    q.bid = std::round((mids_[u] - spreads_[u] / 2) * 100.0) / 100.0;
    q.ask = std::max(q.bid + 0.01, std::round((mids_[u] + spreads_[u] / 2) * 100.0) / 100.0);
    q.bid_size = 1000;
    q.ask_size = 1000;
    q.source_ns = now;
    last_quote_[q.instrument] = q;
    send(QuoteEvent{q}, now);
  }

  void report(TimeNs now) {
    if (live_.empty()) return;
    auto it = live_.begin();
    std::advance(it, r_.integer(0, static_cast<std::int64_t>(live_.size()) - 1));
    const OrderId id = it->first;
    LiveOrder& o = it->second;
    ExecReportEvent e;
    e.cl_ord_id = id;
    e.received_ns = now;
    e.exec_id.assign(("E" + std::to_string(++exec_ids_)).c_str());
    const double k = r_.uniform(0.0, 1.0);
    const Quote& q = last_quote_[config_.underlyings[o.underlying].hedge_instrument];
    if (!o.acked && k < 0.4) {
      e.kind = ExecKind::kNew;
      e.status = OrdStatus::kNew;
      e.leaves_qty = o.qty;
      o.acked = true;
    } else if (k < 0.75) {
      const std::int64_t fill = r_.chance(0.5) ? o.qty - o.cum : r_.integer(1, o.qty - o.cum);
      o.cum += fill;
      e.kind = ExecKind::kTrade;
      e.status = o.cum == o.qty ? OrdStatus::kFilled : OrdStatus::kPartiallyFilled;
      e.last_qty = fill;
      e.last_px = o.side == Side::kBuy ? q.ask : q.bid;
      e.cum_qty = o.cum;
      e.leaves_qty = o.qty - o.cum;
    } else if (k < 0.85) {
      e.kind = ExecKind::kRejected;
      e.status = OrdStatus::kRejected;
      e.cum_qty = o.cum;
    } else if (o.cancel_requested || k < 0.9) {
      e.kind = ExecKind::kCanceled;  // confirmed, or unsolicited
      e.status = OrdStatus::kCanceled;
      e.cum_qty = o.cum;
    } else {
      return;
    }
    const bool terminal = e.status == OrdStatus::kFilled || e.status == OrdStatus::kRejected ||
                          e.status == OrdStatus::kCanceled;
    if (terminal) live_.erase(it);
    send(e, now);
  }

  void send(const Event& event, TimeNs now) {
    ActionBuffer out;
    engine_->on_event(event, now, out);
    check(out, now);
  }

  TradingState effective(std::uint32_t u) const { return stronger(states_[u], states_.back()); }

  std::uint32_t working_orders(std::uint32_t u) const {
    std::uint32_t n = 0;
    for (const auto& [id, o] : live_) n += o.underlying == u ? 1 : 0;
    return n;
  }

  void check(const ActionBuffer& out, TimeNs now) {
    std::vector<TradingState> before(underlyings_);
    for (std::uint32_t u = 0; u < underlyings_; ++u) before[u] = effective(u);
    const HedgeDecision* decision = nullptr;
    for (const Action& action : out) {
      if (const auto* n = std::get_if<OrderNotice>(&action)) {
        blocked_ += n->outcome == OrderOutcome::kBlocked ? 1 : 0;
      } else if (const auto* s = std::get_if<StateNotice>(&action)) {
        states_[s->underlying == kBookScope ? underlyings_ : s->underlying] = s->to;
        ++state_changes_;
      } else if (const auto* d = std::get_if<HedgeDecision>(&action)) {
        decision = d;
      } else if (const auto* c = std::get_if<CancelOrder>(&action)) {
        if (auto it = live_.find(c->orig_cl_ord_id); it != live_.end())
          it->second.cancel_requested = true;
      } else if (const auto* o = std::get_if<NewChildOrder>(&action)) {
        ASSERT_NE(decision, nullptr) << "an order without its decision";
        ASSERT_EQ(decision->cl_ord_id, o->cl_ord_id);
        check_order(*decision, *o, now);
        live_[o->cl_ord_id] = {decision->underlying, o->side, o->qty, 0, false, false};
      }
    }
    // Newly halted: every order still working must have had its cancel requested.
    for (std::uint32_t u = 0; u < underlyings_; ++u) {
      if (effective(u) != TradingState::kHalted || before[u] == TradingState::kHalted) continue;
      for (const auto& [id, o] : live_) {
        if (o.underlying == u) {
          EXPECT_TRUE(o.cancel_requested) << "order " << id << " left working";
        }
      }
    }
  }

  void check_order(const HedgeDecision& d, const NewChildOrder& o, TimeNs now) {
    ++orders_seen_;
    const std::uint32_t u = d.underlying;
    const TradingState state = effective(u);
    ASSERT_NE(state, TradingState::kHalted) << "order " << o.cl_ord_id << " left while halted";
    const double net =
        d.portfolio_delta_shares + static_cast<double>(d.hedge_position + d.working_qty);
    const double after = net + static_cast<double>(signed_qty(o.side, o.qty));
    const bool reduces = std::fabs(after) < std::fabs(net);
    if (state == TradingState::kReducing) {
      ++orders_while_reducing_;
      EXPECT_TRUE(reduces) << "risk-adding order while reducing: net " << net << " -> " << after;
    }
    // Pre-trade checks of the limits in force, recomputed from the test's own records.
    const UnderlyingConfig& uc = config_.underlyings[u];
    const InstrumentSpec& hedge = config_.instruments[uc.hedge_instrument];
    risk::OrderCheck c;
    c.side = o.side;
    c.qty = o.qty;
    c.price = o.side == Side::kBuy ? last_quote_[uc.hedge_instrument].ask
                                   : last_quote_[uc.hedge_instrument].bid;
    c.multiplier = hedge.multiplier;
    c.tick_size = hedge.tick_size;
    c.reference_price = last_quote_[uc.hedge_instrument].mid();
    c.position = d.hedge_position + d.working_qty;
    c.working_orders = working_orders(u);
    c.reduces_risk = reduces;
    // While a stress breaker holds the underlying, the child is priced at most
    // stress.max_slippage_bps from the mid (whole ticks), never beyond the touch.
    double expected_price = c.price;
    if (engine_->risk().stressed(u) && limits_.stress.enabled) {
      const double cap = limits_.stress.max_slippage_bps / 1e4;
      const double mid = c.reference_price;
      const double tick = hedge.tick_size;
      expected_price = o.side == Side::kBuy
                           ? std::min(c.price, std::floor(mid * (1.0 + cap) / tick + 1e-9) * tick)
                           : std::max(c.price, std::ceil(mid * (1.0 - cap) / tick - 1e-9) * tick);
    }
    c.price = expected_price;
    EXPECT_EQ(risk::check_order(limits_.pre_trade[u], c), risk::CheckResult::kAccepted)
        << "order " << o.cl_ord_id << " fails "
        << risk::to_string(risk::check_order(limits_.pre_trade[u], c));
    EXPECT_NEAR(o.price, expected_price, 1e-9);
    if (!reduces) {
      // Token bucket bound: within any window W, at most burst + rate × W risk-adding orders.
      const risk::PreTradeLimits& p = limits_.pre_trade[u];
      auto& times = adding_times_[u];
      times.push_back(now);
      if (p.max_orders_per_second > 0.0) {
        const double burst =
            p.order_burst > 0.0 ? p.order_burst : std::max(1.0, p.max_orders_per_second);
        std::size_t n = 0;
        for (auto it = times.rbegin(); it != times.rend() && now - *it <= kNanosPerSecond; ++it) {
          if (*it >= limits_applied_ns_) ++n;
        }
        EXPECT_LE(static_cast<double>(n), burst + p.max_orders_per_second + 1e-9);
      }
    }
  }

  Random r_;
  std::size_t underlyings_ = 1;
  EngineConfig config_;
  risk::RiskLimits limits_;
  TimeNs limits_applied_ns_ = 0;
  std::unique_ptr<Engine> engine_;
  std::vector<TradingState> states_;  // underlyings, then the book
  std::vector<double> mids_;
  std::vector<double> spreads_;
  std::map<InstrumentId, Quote> last_quote_;
  std::map<OrderId, LiveOrder> live_;
  std::vector<std::deque<TimeNs>> adding_times_;
  std::uint64_t exec_ids_ = 0;
  std::size_t orders_seen_ = 0;
  std::size_t orders_while_reducing_ = 0;
  std::size_t state_changes_ = 0;
  std::size_t blocked_ = 0;
};

TEST(RiskProperty, no_order_adds_risk_while_reducing_or_leaves_while_halted_or_fails_a_check) {
  std::size_t orders = 0;
  std::size_t reducing = 0;
  std::size_t changes = 0;
  std::size_t blocked = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds && !::testing::Test::HasFailure(); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Harness h(seed);
    h.run();
    orders += h.orders_seen();
    reducing += h.orders_while_reducing();
    changes += h.state_changes();
    blocked += h.blocked();
  }
  // The property must have been exercised, not vacuously true.
  EXPECT_GT(orders, 5000u);
  EXPECT_GT(reducing, 1000u);
  EXPECT_GT(changes, 10000u);
  EXPECT_GT(blocked, 1000u);  // the checks did stop orders
  std::printf(
      "risk property: %zu seeds, %zu orders (%zu while reducing), %zu blocked, %zu state "
      "changes\n",
      kSeeds, orders, reducing, blocked, changes);
}

// The same property one level down, where risk-adding orders are easy to make: random orders
// (adding and reducing, near and far from the reference) go straight to the monitor's check,
// interleaved with random market events, exposures, commands and limit sets. The band hedger
// above only ever sends orders that shrink |net delta|, so this is where the Reducing gate is
// exercised against orders it must stop.
TEST(RiskProperty, monitor_accepts_exactly_what_state_checks_and_rate_allow) {
  std::size_t accepted = 0;
  std::size_t refused_by_state = 0;
  for (std::uint64_t seed = 1; seed <= 200 && !::testing::Test::HasFailure(); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Random r(seed * 7919);
    const std::size_t n = static_cast<std::size_t>(r.integer(1, 3));
    risk::RiskLimits limits = random_limits(r, n, 1);
    risk::RiskMonitor monitor(n, limits);
    std::vector<TradingState> states(n + 1, TradingState::kActive);
    std::vector<std::deque<TimeNs>> adding(n);
    TimeNs applied_ns = 0;
    std::vector<double> mids(n, 100.0);
    TimeNs now = kT0;
    const auto track = [&](const ActionBuffer& out) {
      for (const Action& a : out) {
        if (const auto* st = std::get_if<StateNotice>(&a)) {
          states[st->underlying == kBookScope ? n : st->underlying] = st->to;
        }
      }
    };
    for (int i = 0; i < 4000; ++i) {
      now += r.integer(1, 40) * kMs;  // dense enough that order bursts meet the rate limit
      const auto u = static_cast<std::uint32_t>(r.integer(0, static_cast<std::int64_t>(n) - 1));
      ActionBuffer out;
      const double pick = r.uniform(0.0, 1.0);
      if (pick < 0.25) {
        mids[u] *= 1.0 + (r.chance(0.02) ? r.uniform(-0.1, 0.1) : r.uniform(-0.003, 0.003));
        monitor.on_spot(u, mids[u], now, out);
        const double spread = r.chance(0.05) ? r.uniform(0.1, 2.0) : 0.02;
        monitor.on_hedge_quote(u, mids[u] - spread / 2, mids[u] + spread / 2, now, out);
      } else if (pick < 0.33) {
        monitor.on_timer(now, out);
      } else if (pick < 0.34) {
        monitor.on_reject(now, out);
      } else if (pick < 0.35) {
        monitor.on_session(r.chance(0.7), now, out);
      } else if (pick < 0.40) {
        risk::Exposure e{};
        for (double& v : e) v = r.uniform(-1.0, 1.0) * std::pow(10.0, r.uniform(0.0, 4.5));
        e[static_cast<std::size_t>(risk::Measure::kDailyLoss)] = std::fabs(e[6]);
        monitor.on_exposure(r.chance(0.2) ? kBookScope : u, e, now, out);
      } else if (pick < 0.42) {
        const double k = r.uniform(0.0, 1.0);
        if (k < 0.2) {
          monitor.kill("kill", now, out);
        } else if (k < 0.9) {
          monitor.resume("resume", now, out);
        } else {
          monitor.set_kill_flag(k < 0.9, "flag", now, out);
        }
      } else if (pick < 0.43) {
        limits = random_limits(r, n, limits.version + 1);
        monitor.set_limits(limits, now, out);
        applied_ns = now;
      } else {
        risk::OrderCheck o;
        o.side = r.chance(0.5) ? Side::kBuy : Side::kSell;
        o.qty = r.integer(1, 4000);
        o.reference_price = mids[u];
        o.price = mids[u] * (1.0 + r.uniform(-0.04, 0.04));
        o.tick_size = 0.01;
        o.position = r.integer(-20000, 20000);
        o.working_orders = static_cast<std::uint32_t>(r.integer(0, 8));
        o.reduces_risk = r.chance(0.5);
        const risk::CheckResult result = monitor.check_order(u, o, now);
        const TradingState state =
            static_cast<std::uint8_t>(states[u]) >= static_cast<std::uint8_t>(states[n])
                ? states[u]
                : states[n];
        const risk::CheckResult pure = risk::check_order(limits.pre_trade[u], o);
        const bool state_allows =
            state == TradingState::kActive || (state == TradingState::kReducing && o.reduces_risk);
        if (result == risk::CheckResult::kAccepted) {
          ++accepted;
          ASSERT_TRUE(state_allows) << "accepted in state " << to_string(state);
          ASSERT_EQ(pure, risk::CheckResult::kAccepted);
          if (!o.reduces_risk && limits.pre_trade[u].max_orders_per_second > 0.0) {
            const risk::PreTradeLimits& p = limits.pre_trade[u];
            adding[u].push_back(now);
            const double burst =
                p.order_burst > 0.0 ? p.order_burst : std::max(1.0, p.max_orders_per_second);
            std::size_t count = 0;
            for (auto it = adding[u].rbegin();
                 it != adding[u].rend() && now - *it <= kNanosPerSecond; ++it) {
              if (*it >= applied_ns) ++count;
            }
            ASSERT_LE(static_cast<double>(count), burst + p.max_orders_per_second + 1e-9);
          }
        } else if (result == risk::CheckResult::kRejectedTradingState) {
          ++refused_by_state;
          ASSERT_FALSE(state_allows);
        } else if (result == risk::CheckResult::kRejectedOrderRate) {
          ASSERT_TRUE(state_allows);
          ASSERT_EQ(pure, risk::CheckResult::kAccepted);
          ASSERT_FALSE(o.reduces_risk);  // reducing orders never wait for the rate limit
        } else {
          ASSERT_TRUE(state_allows);
          ASSERT_EQ(result, pure);
        }
      }
      track(out);
    }
  }
  EXPECT_GT(accepted, 5000u);
  EXPECT_GT(refused_by_state, 20000u);
  std::printf("risk monitor property: %zu accepted, %zu refused by trading state\n", accepted,
              refused_by_state);
}

}  // namespace
}  // namespace hedged
