// The whole pipeline with real parts: simulator feed -> conflating board -> engine agent ->
// gateway agent -> QuickFIX initiator -> FIX 4.4 over 127.0.0.1 -> venue simulator (QuickFIX
// acceptor) -> execution reports back, and Prometheus metrics over HTTP.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/greeks/portfolio.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;

class Recorder {
 public:
  void on_notice(const Action& action) {
    std::lock_guard lock(mutex_);
    actions_.push_back(action);
  }
  std::vector<Action> actions() const {
    std::lock_guard lock(mutex_);
    return actions_;
  }
  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const Action& a : actions()) {
      if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Action> actions_;
};

config::DaemonConfig load_test_config(const std::string& text) {
  auto loaded =
      config::load_text(text, "pipeline-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                        runtime::wall_clock_ns());
  if (!loaded.config) throw std::runtime_error(loaded.error);
  return *loaded.config;
}

using testing::wait_for;

class PipelineTest : public ::testing::Test {
 protected:
  virtual testing::TestMarket market() const { return {}; }
  // A fixture may edit the configuration text before it is loaded.
  virtual std::string adjust(std::string text) const { return text; }

  void SetUp() override {
    ports_ = {testing::free_port(), testing::free_port()};
    testing::TestMarket m = market();
    m.limits_file = dir_.write("limits.yaml", testing::test_limits(m)).string();
    const std::string text = adjust(testing::test_config(ports_, testing::dictionary_path(), m));
    daemon_ = std::make_unique<app::Daemon>(load_test_config(text),
                                            [this](const Action& a) { recorder_.on_notice(a); });
    daemon_->start();
  }
  void TearDown() override {
    if (daemon_) daemon_->stop("test finished");
  }

  bool halted_and_idle() const {
    const EngineSnapshot s = daemon_->status().engine;
    return s.state == TradingState::kHalted && s.live_orders == 0;
  }

  // A hedge larger than max_order_qty goes out in pieces; only the last piece is meant to
  // reach the band.
  std::set<OrderId> pieces() const {
    const double band = market().band_delta_shares;
    std::set<OrderId> out;
    for (const HedgeDecision& d : recorder_.all<HedgeDecision>()) {
      const double net =
          d.portfolio_delta_shares + static_cast<double>(d.hedge_position + d.working_qty);
      if (std::fabs(net + static_cast<double>(signed_qty(d.side, d.qty))) > band)
        out.insert(d.cl_ord_id);
    }
    return out;
  }

  // Fills that completed a whole hedge with nothing else working.
  std::vector<FillNotice> settled_hedges() const {
    const std::set<OrderId> partial_hedges = pieces();
    std::vector<FillNotice> out;
    for (const FillNotice& f : recorder_.all<FillNotice>()) {
      if (f.order_complete && f.working_qty == 0 && partial_hedges.count(f.cl_ord_id) == 0)
        out.push_back(f);
    }
    return out;
  }

  testing::TempDir dir_{"hedged-pipeline"};
  testing::TestPorts ports_;
  Recorder recorder_;
  std::unique_ptr<app::Daemon> daemon_;
};

// Deep market: every hedge fills at once, so each completed hedge must leave the book inside
// its band (the spot moves for a millisecond or two between decision and fill).
TEST_F(PipelineTest, hedges_over_fix_and_returns_inside_band_after_each_fill) {
  ASSERT_TRUE(wait_for([&] { return daemon_->status().fix_logged_on; }, 10s)) << "no FIX logon";
  const bool enough = wait_for([&] { return settled_hedges().size() >= 6; }, 60s);
  ASSERT_TRUE(enough) << "fills seen: " << recorder_.all<FillNotice>().size();
  daemon_->command(Command::kHalt, "test: freeze for checks");
  ASSERT_TRUE(wait_for([&] { return halted_and_idle(); }, 5s));

  const double band = market().band_delta_shares;
  const auto fills = recorder_.all<FillNotice>();
  std::int64_t position_from_fills = 0;
  for (const FillNotice& f : fills) {
    position_from_fills += signed_qty(f.side, f.last_qty);
    EXPECT_EQ(f.hedge_position, position_from_fills) << "order " << f.cl_ord_id;
    EXPECT_DOUBLE_EQ(f.band_delta_shares, band);
  }
  const auto settled = settled_hedges();
  EXPECT_GE(settled.size(), 6u);
  for (const FillNotice& f : settled) {
    // Nothing left in flight: the book plus the hedge must be back inside the band.
    EXPECT_LE(std::fabs(f.portfolio_delta_shares + static_cast<double>(f.hedge_position)), band)
        << "after order " << f.cl_ord_id << " position " << f.hedge_position;
  }

  // Every hedge decision was taken outside the band, counting working orders.
  const auto decisions = recorder_.all<HedgeDecision>();
  ASSERT_FALSE(decisions.empty());
  for (const HedgeDecision& d : decisions) {
    const double net =
        d.portfolio_delta_shares + static_cast<double>(d.hedge_position + d.working_qty);
    EXPECT_GT(std::fabs(net), band) << "order " << d.cl_ord_id;
    // The order moves net delta toward zero and never past the far side of the band.
    const double after = net + static_cast<double>(signed_qty(d.side, d.qty));
    EXPECT_LT(std::fabs(after), std::fabs(net));
    EXPECT_LE(std::fabs(after), std::max(band, std::fabs(net) - 3000.0) + 0.5);
  }

  // The engine's published position is exactly the sum of the fills it reported.
  const app::DaemonStatus status = daemon_->status();
  EXPECT_EQ(status.engine.underlyings[0].hedge_position, position_from_fills);
  EXPECT_EQ(status.engine.state, TradingState::kHalted);
  EXPECT_EQ(status.engine.fills, fills.size());
  EXPECT_TRUE(status.failure.empty()) << status.failure;
}

// Thin market: displayed size is smaller than the hedge, so orders fill in pieces and rest.
class ThinMarketPipelineTest : public PipelineTest {
 protected:
  testing::TestMarket market() const override { return {0.6, 150, 50, 400, 3000, {}}; }
};

TEST_F(ThinMarketPipelineTest, partial_fills_add_up_to_the_position_and_never_double_hedge) {
  ASSERT_TRUE(wait_for(
      [&] {
        for (const FillNotice& f : recorder_.all<FillNotice>()) {
          if (!f.order_complete) return true;
        }
        return false;
      },
      30s))
      << "no partial fill";
  // The working remainder counts toward the hedge: once everything is done the book is inside
  // the band, however the pieces arrived.
  const bool settled = wait_for(
      [&] {
        const EngineSnapshot s = daemon_->status().engine;
        return s.live_orders == 0 && s.fills > 3 &&
               std::fabs(s.underlyings[0].greeks.delta_shares +
                         static_cast<double>(s.underlyings[0].hedge_position)) <=
                   market().band_delta_shares;
      },
      30s);
  ASSERT_TRUE(settled);
  daemon_->command(Command::kHalt, "test: freeze for checks");
  ASSERT_TRUE(wait_for([&] { return halted_and_idle(); }, 5s));

  std::int64_t position_from_fills = 0;
  for (const FillNotice& f : recorder_.all<FillNotice>())
    position_from_fills += signed_qty(f.side, f.last_qty);
  const EngineSnapshot s = daemon_->status().engine;
  EXPECT_EQ(s.underlyings[0].hedge_position, position_from_fills);
  EXPECT_EQ(s.underlyings[0].working_qty, 0);
  // No decision ever pushed the net delta (book + position + working) past zero by more than a
  // lot's rounding: a partial fill never triggered a second hedge for the same delta.
  for (const HedgeDecision& d : recorder_.all<HedgeDecision>()) {
    const double net =
        d.portfolio_delta_shares + static_cast<double>(d.hedge_position + d.working_qty);
    const double after = net + static_cast<double>(signed_qty(d.side, d.qty));
    EXPECT_TRUE(std::fabs(after) <= 0.5 || (after > 0) == (net > 0)) << "order " << d.cl_ord_id;
  }
  std::size_t partials = 0;
  for (const FillNotice& f : recorder_.all<FillNotice>()) partials += !f.order_complete;
  EXPECT_GT(partials, 0u);
}

// Surface mode: the book is priced at vols fitted from the simulator's option quotes (made at
// 45% vol), not at the configured flat 15%.
class SurfacePipelineTest : public PipelineTest {
 protected:
  testing::TestMarket market() const override { return {0.6, 1e9, 3000, 8000, 3000, {}}; }
  std::string adjust(std::string text) const override {
    replace(text, "    vol: 0.30\n", "    vol: 0.15\n    vol_mode: surface\n");
    replace(text, "spread_bps: 4,", "spread_bps: 4, option_vol: 0.45,");
    replace(text, "  timer_interval: 20ms\n",
            "  timer_interval: 20ms\n  surface_refit_interval: 200ms\n");
    return text;
  }
  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  // The book's value at `vol` for every option, at the engine's latest spot and time.
  double book_value(const EngineSnapshot& s, double vol) const {
    const EngineConfig& engine = daemon_->config().engine;
    greeks::OptionBook book;
    for (const BookLine& line : engine.book) {
      const InstrumentSpec& o = engine.instruments[line.option];
      book.add({o.id, o.right, o.strike, o.expiry_ns, o.multiplier, line.quantity});
    }
    const UnderlyingConfig& u = engine.underlyings[0];
    return book.revalue({s.underlyings[0].spot, u.rate, u.dividend_yield, vol}, s.as_of_ns).value;
  }
};

TEST_F(SurfacePipelineTest, book_is_priced_at_the_fitted_surface_not_the_flat_vol) {
  const bool fitted = wait_for(
      [&] {
        const EngineSnapshot s = daemon_->status().engine;
        if (s.underlyings[0].spot <= 0.0) return false;
        const double at_quotes = book_value(s, 0.45);
        return std::fabs(s.underlyings[0].greeks.value - at_quotes) < 0.01 * std::fabs(at_quotes);
      },
      15s);
  const EngineSnapshot s = daemon_->status().engine;
  EXPECT_TRUE(fitted) << "book value " << s.underlyings[0].greeks.value << ", at 45% "
                      << book_value(s, 0.45) << ", at 15% " << book_value(s, 0.15);
  // Far from what the flat 15% would give: the vols really came from the quotes.
  EXPECT_GT(std::fabs(s.underlyings[0].greeks.value - book_value(s, 0.15)),
            0.1 * std::fabs(book_value(s, 0.15)));
}

TEST_F(PipelineTest, exposes_prometheus_metrics_with_live_values) {
  ASSERT_TRUE(wait_for(
      [&] {
        return daemon_->status().engine.orders[0][1] + daemon_->status().engine.orders[1][1] > 0;
      },
      60s))
      << "no order filled";
  const auto body = testing::http_get(ports_.metrics, "/metrics");
  ASSERT_TRUE(body.has_value());
  for (const char* series :
       {"hedged_quotes_total", "hedged_portfolio_delta_shares{underlying=\"TST\"}",
        "hedged_hedge_position{instrument=\"TST\"}",
        "hedged_fix_session_up{session=\"HEDGED->VENUE\"}"}) {
    EXPECT_TRUE(testing::metric_value(*body, series).has_value()) << series << " missing from:\n"
                                                                  << *body;
  }
  EXPECT_GT(*testing::metric_value(*body, "hedged_quotes_total"), 0.0);
  EXPECT_EQ(*testing::metric_value(*body, "hedged_fix_session_up{session=\"HEDGED->VENUE\"}"), 1.0);
  const double filled =
      testing::metric_value(*body, "hedged_orders_total{outcome=\"filled\",side=\"buy\"}")
          .value_or(0) +
      testing::metric_value(*body, "hedged_orders_total{outcome=\"filled\",side=\"sell\"}")
          .value_or(0);
  const double submitted =
      testing::metric_value(*body, "hedged_orders_total{outcome=\"submitted\",side=\"buy\"}")
          .value_or(0) +
      testing::metric_value(*body, "hedged_orders_total{outcome=\"submitted\",side=\"sell\"}")
          .value_or(0);
  EXPECT_GT(filled, 0.0);
  EXPECT_GE(submitted, filled);
  EXPECT_NE(body->find("# TYPE hedged_orders_total counter"), std::string::npos);
  EXPECT_NE(body->find("# TYPE hedged_portfolio_delta_shares gauge"), std::string::npos);
  // Once frozen, the exposed position is exactly the engine's.
  daemon_->command(Command::kHalt, "test: freeze");
  ASSERT_TRUE(wait_for([&] { return halted_and_idle(); }, 5s));
  const auto frozen = testing::http_get(ports_.metrics, "/metrics");
  ASSERT_TRUE(frozen.has_value());
  EXPECT_EQ(*testing::metric_value(*frozen, "hedged_hedge_position{instrument=\"TST\"}"),
            static_cast<double>(daemon_->status().engine.underlyings[0].hedge_position));
  // 2 = halted: the book by the operator's kill switch, and TST through the book.
  EXPECT_EQ(testing::metric_value(*frozen, "hedged_trading_state{underlying=\"book\"}"), 2.0);
  EXPECT_EQ(testing::metric_value(*frozen, "hedged_trading_state{underlying=\"TST\"}"), 2.0);
  EXPECT_EQ(testing::metric_value(*frozen, "hedged_breaker_trips_total{breaker=\"kill_switch\"}"),
            1.0);
  // Every hedge child decided on a quote has its tick-to-decision and tick-to-order latency;
  // the engine's decision comes before the send, so the sums are in that order.
  const EngineSnapshot snap = daemon_->status().engine;
  const double decided =
      testing::metric_value(*frozen, "hedged_tick_to_decision_seconds_count").value_or(-1.0);
  EXPECT_EQ(decided, static_cast<double>(snap.tick_to_decision.count));
  EXPECT_GT(decided, 0.0);
  EXPECT_EQ(testing::metric_value(*frozen, "hedged_tick_to_order_seconds_count"), decided);
  EXPECT_LE(testing::metric_value(*frozen, "hedged_tick_to_decision_seconds_sum").value_or(1e9),
            testing::metric_value(*frozen, "hedged_tick_to_order_seconds_sum").value_or(0.0));
  const double age =
      testing::metric_value(*frozen, "hedged_quote_age_seconds{underlying=\"TST\"}").value_or(-1);
  EXPECT_GE(age, 0.0);
  EXPECT_LT(age, 5.0);
}

TEST_F(PipelineTest, venue_and_metrics_listen_on_loopback_only) {
  ASSERT_TRUE(wait_for([&] { return daemon_->status().fix_logged_on; }, 10s));
  // QuickFIX 1.15 would bind the acceptor to 0.0.0.0; the venue adapter keeps it on 127.0.0.1.
  EXPECT_EQ(testing::listening_addresses(ports_.fix), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(testing::listening_addresses(ports_.metrics), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(PipelineTest, halt_cancels_working_orders_and_stops_new_hedges) {
  ASSERT_TRUE(wait_for([&] { return !recorder_.all<HedgeDecision>().empty(); }, 60s));
  daemon_->command(Command::kHalt, "test: operator halt");
  ASSERT_TRUE(wait_for(
      [&] {
        const auto s = daemon_->status().engine;
        return s.state == TradingState::kHalted && s.live_orders == 0;
      },
      5s));
  const std::size_t decisions_at_halt = recorder_.all<HedgeDecision>().size();
  const std::uint64_t quotes_at_halt = daemon_->status().engine.quotes;
  // Quotes keep flowing, the engine keeps its Greeks current, but nothing is sent.
  ASSERT_TRUE(wait_for([&] { return daemon_->status().engine.quotes > quotes_at_halt + 50; }, 10s));
  EXPECT_EQ(recorder_.all<HedgeDecision>().size(), decisions_at_halt);
  const auto states = recorder_.all<StateNotice>();
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.back().to, TradingState::kHalted);
  EXPECT_STREQ(states.back().cause.c_str(), "test: operator halt");

  daemon_->command(Command::kResume, "test: resume");
  ASSERT_TRUE(
      wait_for([&] { return daemon_->status().engine.state == TradingState::kActive; }, 5s));
}

// The same pipeline hedging in a future: orders go out on the future's symbol in contracts of
// 10 shares, scaled by the carry e^{(r-q)T}, and fill against the venue's future quotes.
class FuturesPipelineTest : public PipelineTest {
 protected:
  std::string adjust(std::string text) const override {
    const std::string from = "    hedge: {";
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos);
    text.replace(at, from.size(),
                 "    hedge: {instrument: future, future: {symbol: TST-F, multiplier: 10, expiry: "
                 "60d}, ");
    return text;
  }
};

TEST_F(FuturesPipelineTest, hedges_in_contracts_of_the_future_and_settles_inside_the_band) {
  const bool settled = wait_for(
      [&] {
        const EngineSnapshot s = daemon_->status().engine;
        return s.fills > 2 && s.live_orders == 0 &&
               std::fabs(s.underlyings[0].net_delta_shares) <= market().band_delta_shares;
      },
      30s);
  ASSERT_TRUE(settled);
  daemon_->command(Command::kHalt, "test: freeze for checks");
  ASSERT_TRUE(wait_for([&] { return halted_and_idle(); }, 5s));
  const EngineSnapshot s = daemon_->status().engine;
  const UnderlyingSnapshot& u = s.underlyings[0];
  // One contract carries 10 shares times the carry over ~60 days at r = 2%, q = 0.
  const double carry = std::exp(0.02 * (60.0 / 365.0));
  EXPECT_NEAR(u.hedge_unit_delta_shares, 10.0 * carry, 10.0 * carry * 1e-3);
  EXPECT_NEAR(
      u.net_delta_shares,
      u.greeks.delta_shares + static_cast<double>(u.hedge_position) * u.hedge_unit_delta_shares,
      1e-6);
  // The book is short options worth thousands of shares of delta: hundreds of contracts, not
  // thousands of shares.
  EXPECT_GT(std::llabs(u.hedge_position), 50);
  EXPECT_LT(std::fabs(static_cast<double>(u.hedge_position) * u.hedge_unit_delta_shares +
                      u.greeks.delta_shares),
            market().band_delta_shares + u.hedge_unit_delta_shares);
  std::int64_t position_from_fills = 0;
  for (const FillNotice& f : recorder_.all<FillNotice>()) {
    position_from_fills += signed_qty(f.side, f.last_qty);
  }
  EXPECT_EQ(u.hedge_position, position_from_fills);
  const auto metrics = testing::http_get(ports_.metrics, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_hedge_position{instrument=\"TST-F\"}"),
            static_cast<double>(u.hedge_position));
}

// TWAP over the venue simulator in a thin market (children fill in pieces and rest) with one new
// order in five rejected at random and about one in seven lost without an answer: every hedge is
// one parent order sliced into children; a passive child the touch leaves behind is replaced (35=G)
// in place; a lost one is chased with an order status request (35=H) or pulled by its timeout,
// and found unknown; a rejected or lost child's quantity goes back to its parent and out again
// under a new id; and the book still ends inside its band with the position equal to the fills.
class TwapPipelineTest : public PipelineTest {
 protected:
  testing::TestMarket market() const override { return {0.6, 150, 50, 400, 3000, {}}; }
  std::string adjust(std::string text) const override {
    insert_after(text, ", order_timeout: 500ms, min_order_interval: 40ms}\n",
                 "    execution: {algorithm: twap, horizon: 2s, slice_interval: 250ms, price_rule: "
                 "join, cross_after: 300ms}\n");
    insert_after(text, "  match_interval: 5ms\n",
                 "  reject_probability: 0.2\n  drop_probability: 0.15\n");
    insert_after(text, "fix:\n", "  status_request_after: 200ms\n");
    return text;
  }
  // 20% injected rejects would trip the default reject-storm breaker (5 in 10 s) at once.
  void SetUp() override {
    ports_ = {testing::free_port(), testing::free_port()};
    testing::TestMarket m = market();
    m.limits_file = dir_.write("limits.yaml", testing::test_limits(
                                                  m,
                                                  "breakers:\n  reject_storm: {max_rejects: 1024, "
                                                  "window: 1s}\n"))
                        .string();
    const std::string text = adjust(testing::test_config(ports_, testing::dictionary_path(), m));
    daemon_ = std::make_unique<app::Daemon>(load_test_config(text),
                                            [this](const Action& a) { recorder_.on_notice(a); });
    daemon_->start();
  }
  static void insert_after(std::string& text, const std::string& anchor, const std::string& add) {
    const auto at = text.find(anchor);
    ASSERT_NE(at, std::string::npos) << anchor;
    text.insert(at + anchor.size(), add);
  }
  std::uint64_t rejected() const {
    const EngineSnapshot s = daemon_->status().engine;
    const auto k = static_cast<std::size_t>(OrderOutcome::kRejected);
    return s.orders[0][k] + s.orders[1][k];
  }
};

TEST_F(TwapPipelineTest, sliced_hedges_survive_partial_fills_and_rejects_without_double_trading) {
  ASSERT_EQ(daemon_->config().engine.underlyings[0].execution.algorithm,
            execution::Algorithm::kTwap);
  ASSERT_TRUE(wait_for([&] { return daemon_->status().fix_logged_on; }, 10s)) << "no FIX logon";
  // Rejects and partial fills happen, then everything settles with the book inside its band.
  ASSERT_TRUE(wait_for(
      [&] {
        bool partial = false;
        for (const FillNotice& f : recorder_.all<FillNotice>()) partial |= !f.order_complete;
        const EngineSnapshot s = daemon_->status().engine;
        return partial && rejected() > 0 && s.replaces_sent > 0 && s.status_requests_sent > 0;
      },
      60s))
      << "rejects " << rejected() << ", fills " << recorder_.all<FillNotice>().size()
      << ", replaces " << daemon_->status().engine.replaces_sent << ", status requests "
      << daemon_->status().engine.status_requests_sent;
  const double band = market().band_delta_shares;
  const bool settled = wait_for(
      [&] {
        const EngineSnapshot s = daemon_->status().engine;
        const UnderlyingSnapshot& u = s.underlyings[0];
        return s.live_orders == 0 && !u.parent_active && u.parents_started > 0 &&
               std::fabs(u.greeks.delta_shares + static_cast<double>(u.hedge_position)) <= band;
      },
      60s);
  ASSERT_TRUE(settled);
  daemon_->command(Command::kHalt, "test: freeze for checks");
  ASSERT_TRUE(wait_for([&] { return halted_and_idle(); }, 5s));

  // Every child went out once under its own id; fills belong to those children only.
  std::set<OrderId> ids;
  for (const HedgeDecision& d : recorder_.all<HedgeDecision>()) {
    EXPECT_TRUE(ids.insert(d.cl_ord_id).second) << "order id " << d.cl_ord_id << " sent twice";
  }
  std::int64_t position_from_fills = 0;
  for (const FillNotice& f : recorder_.all<FillNotice>()) {
    EXPECT_EQ(ids.count(f.cl_ord_id), 1u) << "fill for unknown order " << f.cl_ord_id;
    position_from_fills += signed_qty(f.side, f.last_qty);
    EXPECT_EQ(f.hedge_position, position_from_fills) << "order " << f.cl_ord_id;
  }
  const EngineSnapshot s = daemon_->status().engine;
  const UnderlyingSnapshot& u = s.underlyings[0];
  EXPECT_EQ(u.hedge_position, position_from_fills);
  EXPECT_EQ(u.working_qty, 0);
  EXPECT_GT(rejected(), 0u);
  // Hedges were sliced: more children than parents, all from TWAP parents.
  EXPECT_GT(u.parent_children_sent, u.parents_started);
  EXPECT_EQ(u.parent_children_sent, ids.size());
  EXPECT_EQ(s.parents_by_algorithm[static_cast<std::size_t>(execution::Algorithm::kTwap)],
            u.parents_started);
  const auto metrics = testing::http_get(ports_.metrics, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(testing::metric_value(
                *metrics, "hedged_parent_orders_total{algorithm=\"twap\",underlying=\"TST\"}"),
            static_cast<double>(u.parents_started));
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_parent_child_orders_total{underlying=\"TST\"}"),
            static_cast<double>(u.parent_children_sent));
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_order_requests_total{kind=\"replace\"}"),
            static_cast<double>(s.replaces_sent));
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_order_requests_total{kind=\"status\"}"),
            static_cast<double>(s.status_requests_sent));
  // The venue saw what the daemon sent: its lost orders were all found out, and its record of
  // filled quantity equals the daemon's position.
  ASSERT_TRUE(daemon_->status().venue.has_value());
  const venue::VenueStats v = *daemon_->status().venue;
  EXPECT_GT(v.orders_dropped, 0u);
  EXPECT_GT(v.replaces, 0u);
  EXPECT_GT(v.status_requests, 0u);
  EXPECT_EQ(v.filled_buy_qty - v.filled_sell_qty, u.hedge_position);
  EXPECT_TRUE(daemon_->status().failure.empty()) << daemon_->status().failure;
}

}  // namespace
}  // namespace hedged
