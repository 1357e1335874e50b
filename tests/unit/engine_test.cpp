// Hedging engine: event-driven scenarios on a fake clock, from quote to order, fill and cancel.
#include "core/engine/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/pricing/black_scholes.hpp"

namespace hedged {
namespace {

constexpr TimeNs kT0 = 1'700'000'000 * kNanosPerSecond;
constexpr TimeNs kDay = 86'400 * kNanosPerSecond;
constexpr TimeNs kExpiry = kT0 + 30 * kDay;
constexpr double kRate = 0.03;
constexpr double kDividend = 0.01;
constexpr double kVol = 0.25;
constexpr double kMultiplier = 100.0;
constexpr double kBand = 200.0;
constexpr OrderId kFirstId = 1000;
constexpr TimeNs kTimeout = 2 * kNanosPerSecond;
constexpr TimeNs kInterval = 100 * kNanosPerMilli;

struct OptionSpec {
  OptionRight right;
  double strike;
  std::int64_t quantity;  // contracts held
};

// Long 40 ATM calls, short 30 downside puts: roughly +2,700 shares of delta at spot 100.
std::vector<OptionSpec> default_book() {
  return {{OptionRight::kCall, 100.0, 40}, {OptionRight::kPut, 95.0, -30}};
}

// Options book delta in shares, straight from the pricer.
double book_delta(double spot, TimeNs now, const std::vector<OptionSpec>& book = default_book()) {
  const double t_years = static_cast<double>(kExpiry - now) / 1e9 / (365.0 * 86'400.0);
  double delta = 0.0;
  for (const OptionSpec& o : book) {
    const pricing::Greeks g =
        pricing::black_scholes({spot, o.strike, kRate, kDividend, kVol, t_years, o.right});
    delta += g.delta * static_cast<double>(o.quantity) * kMultiplier;
  }
  return delta;
}

EngineConfig make_config(const std::vector<OptionSpec>& book = default_book()) {
  EngineConfig config;
  InstrumentSpec spot;
  spot.id = 0;
  spot.kind = InstrumentKind::kSpot;
  spot.symbol = "SIM";
  spot.underlying = 0;
  spot.tick_size = 0.01;
  spot.lot_size = 1;
  spot.multiplier = 1.0;
  config.instruments.push_back(spot);
  for (const OptionSpec& o : book) {
    InstrumentSpec option;
    option.id = static_cast<InstrumentId>(config.instruments.size());
    option.kind = InstrumentKind::kOption;
    option.symbol = o.right == OptionRight::kCall ? "SIM C" : "SIM P";
    option.underlying = 0;
    option.tick_size = 0.01;
    option.lot_size = 1;
    option.multiplier = kMultiplier;
    option.right = o.right;
    option.strike = o.strike;
    option.expiry_ns = kExpiry;
    config.instruments.push_back(option);
    config.book.push_back({option.id, o.quantity});
  }
  UnderlyingConfig u;
  u.name = "SIM";
  u.spot_instrument = 0;
  u.hedge_instrument = 0;
  u.rate = kRate;
  u.dividend_yield = kDividend;
  u.vol = kVol;
  u.policy.band_delta_shares = kBand;
  u.policy.lot_size = 1;
  u.policy.min_trade_qty = 1;
  u.order_timeout_ns = kTimeout;
  u.min_order_interval_ns = kInterval;
  config.underlyings.push_back(u);
  config.limits.pre_trade[0].price_band_pct = 5.0;
  // Breakers watch the clock and the feed; these tests drive both sparsely, so only the kill
  // switch is on here (risk_monitor_test and the risk tests below cover the others).
  for (risk::BreakerPolicy& p : config.limits.breakers.policy) p.enabled = false;
  config.limits.breakers[risk::Breaker::kKillSwitch].enabled = true;
  config.max_working_orders = 16;
  config.first_order_id = kFirstId;
  // Status requests for unanswered orders have their own tests below; elsewhere they would
  // interleave with the actions under test.
  config.status_request_after_ns = 0;
  return config;
}

template <typename T>
std::vector<T> only(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}

// The actions less the day's P&L baseline (emitted at the first valuation of each UTC day).
std::vector<Action> except_day_open(const std::vector<Action>& actions) {
  std::vector<Action> out;
  for (const Action& a : actions) {
    if (!std::holds_alternative<PnlDayOpen>(a)) out.push_back(a);
  }
  return out;
}

ExecReportEvent exec(OrderId id, ExecKind kind, OrdStatus status, std::int64_t cum_qty = 0,
                     std::int64_t last_qty = 0, double last_px = 0.0, const char* text = "") {
  ExecReportEvent r;
  r.cl_ord_id = id;
  r.kind = kind;
  r.status = status;
  r.cum_qty = cum_qty;
  r.last_qty = last_qty;
  r.last_px = last_px;
  r.text.assign(text);
  return r;
}

class EngineTest : public ::testing::Test {
 protected:
  void start(const EngineConfig& config, bool session_up = true) {
    ASSERT_EQ(validate(config), "");
    engine_ = std::make_unique<Engine>(config);
    if (session_up) {
      EXPECT_TRUE(send(SessionEvent{true}, kT0 - kNanosPerSecond).empty());
    }
  }

  std::vector<Action> send(const Event& event, TimeNs now) {
    buffer_.clear();
    engine_->on_event(event, now, buffer_);
    EXPECT_EQ(buffer_.dropped(), 0u);
    return {buffer_.begin(), buffer_.end()};
  }

  QuoteEvent make_quote(double bid, double ask, TimeNs now, InstrumentId instrument = 0) {
    QuoteEvent e;
    e.quote.instrument = instrument;
    e.quote.bid = bid;
    e.quote.ask = ask;
    e.quote.bid_size = 500;
    e.quote.ask_size = 500;
    e.quote.source_ns = now - 1000;
    e.quote.seq = ++seq_;
    return e;
  }

  std::vector<Action> quote(double bid, double ask, TimeNs now, InstrumentId instrument = 0) {
    return send(make_quote(bid, ask, now, instrument), now);
  }

  std::vector<Action> report(const ExecReportEvent& r, TimeNs now) { return send(r, now); }

  std::vector<Action> timer(TimeNs now) { return send(TimerEvent{}, now); }

  std::vector<Action> command(Command c, TimeNs now, const char* reason = "") {
    CommandEvent e;
    e.command = c;
    e.reason.assign(reason);
    return send(e, now);
  }

  EngineSnapshot snapshot() const {
    EngineSnapshot s;
    engine_->fill_snapshot(s);
    return s;
  }

  // Sends the first hedge: a quote at 99.99/100.01 at kT0. Returns the child order.
  NewChildOrder first_order() {
    const std::vector<Action> actions = quote(99.99, 100.01, kT0);
    const auto orders = only<NewChildOrder>(actions);
    EXPECT_EQ(orders.size(), 1u);
    return orders.empty() ? NewChildOrder{} : orders.front();
  }

  std::unique_ptr<Engine> engine_;
  ActionBuffer buffer_;
  std::uint64_t seq_ = 0;
};

constexpr std::size_t kBuy = 0;
constexpr std::size_t kSell = 1;
constexpr auto idx(OrderOutcome o) {
  return static_cast<std::size_t>(o);
}

TEST_F(EngineTest, sends_no_order_before_session_is_up) {
  start(make_config(), /*session_up=*/false);
  EXPECT_TRUE(except_day_open(quote(99.99, 100.01, kT0)).empty());
  EngineSnapshot s = snapshot();
  EXPECT_FALSE(s.session_up);
  EXPECT_EQ(s.quotes, 1u);
  EXPECT_EQ(s.live_orders, 0u);
  // Greeks are maintained even while the session is down.
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, book_delta(100.0, kT0), 1e-9);

  // Session up alone does not trade; the next quote does.
  EXPECT_TRUE(send(SessionEvent{true}, kT0 + kNanosPerSecond).empty());
  const auto actions = quote(99.99, 100.01, kT0 + 2 * kNanosPerSecond);
  EXPECT_EQ(only<NewChildOrder>(actions).size(), 1u);
  EXPECT_TRUE(snapshot().session_up);

  // A rejected child's quantity goes back to its parent, which resends it at once.
  const auto resent = only<NewChildOrder>(
      report(exec(kFirstId, ExecKind::kRejected, OrdStatus::kRejected), kT0 + 3 * kNanosPerSecond));
  ASSERT_EQ(resent.size(), 1u);
  // Session down again: no further orders even with the position unhedged.
  EXPECT_TRUE(send(SessionEvent{false}, kT0 + 4 * kNanosPerSecond).empty());
  EXPECT_TRUE(only<NewChildOrder>(
                  report(exec(resent[0].cl_ord_id, ExecKind::kRejected, OrdStatus::kRejected),
                         kT0 + 4 * kNanosPerSecond + kNanosPerMilli))
                  .empty());
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 5 * kNanosPerSecond).empty());
}

TEST_F(EngineTest, quote_outside_band_sends_one_sell_at_the_bid_that_flattens_delta) {
  start(make_config());
  const double expected_delta = book_delta(100.0, kT0);
  ASSERT_GT(expected_delta, 2000.0);  // the scenario needs the book well outside the band
  const auto expected_qty = static_cast<std::int64_t>(std::llround(expected_delta));

  const std::vector<Action> actions = except_day_open(quote(99.99, 100.01, kT0));
  ASSERT_EQ(actions.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<HedgeDecision>(actions[0]));
  ASSERT_TRUE(std::holds_alternative<NewChildOrder>(actions[1]));
  const auto& decision = std::get<HedgeDecision>(actions[0]);
  const auto& order = std::get<NewChildOrder>(actions[1]);

  EXPECT_EQ(order.cl_ord_id, kFirstId);
  EXPECT_EQ(order.instrument, 0u);
  EXPECT_EQ(order.side, Side::kSell);
  EXPECT_EQ(order.qty, expected_qty);
  EXPECT_EQ(order.price_ticks, 9999);
  EXPECT_NEAR(order.price, 99.99, 1e-9);
  EXPECT_NEAR(order.price, static_cast<double>(order.price_ticks) * 0.01, 1e-9);
  EXPECT_EQ(order.quote_source_ns, kT0 - 1000);
  EXPECT_EQ(order.decision_ns, kT0);
  // The order brings net delta to within half a share of zero.
  EXPECT_LE(std::fabs(expected_delta - static_cast<double>(order.qty)), 0.5);

  EXPECT_EQ(decision.underlying, 0u);
  EXPECT_EQ(decision.cl_ord_id, kFirstId);
  EXPECT_EQ(decision.side, Side::kSell);
  EXPECT_EQ(decision.qty, expected_qty);
  EXPECT_NEAR(decision.price, 99.99, 1e-9);
  EXPECT_DOUBLE_EQ(decision.spot, 100.0);
  EXPECT_NEAR(decision.portfolio_delta_shares, expected_delta, 1e-9 * expected_delta);
  EXPECT_EQ(decision.hedge_position, 0);
  EXPECT_EQ(decision.working_qty, 0);
  EXPECT_DOUBLE_EQ(decision.band_delta_shares, kBand);

  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.underlyings[0].working_qty, -expected_qty);
  EXPECT_EQ(s.underlyings[0].hedge_position, 0);
  EXPECT_EQ(s.underlyings[0].hedge_decisions, 1u);
  EXPECT_NEAR(s.underlyings[0].net_delta_shares, expected_delta - static_cast<double>(expected_qty),
              1e-6);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kSubmitted)], 1u);
  EXPECT_EQ(s.orders[kBuy][idx(OrderOutcome::kSubmitted)], 0u);
}

TEST_F(EngineTest, short_delta_buys_at_the_ask) {
  const std::vector<OptionSpec> short_calls = {{OptionRight::kCall, 100.0, -25}};
  start(make_config(short_calls));
  const double expected_delta = book_delta(100.0, kT0, short_calls);
  ASSERT_LT(expected_delta, -kBand);

  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kBuy);
  EXPECT_EQ(orders[0].qty, std::llround(-expected_delta));
  EXPECT_EQ(orders[0].price_ticks, 10001);
  EXPECT_NEAR(orders[0].price, 100.01, 1e-9);
  EXPECT_EQ(snapshot().orders[kBuy][idx(OrderOutcome::kSubmitted)], 1u);
}

TEST_F(EngineTest, book_inside_band_sends_nothing) {
  const std::vector<OptionSpec> small = {{OptionRight::kCall, 100.0, 2}};  // about 107 shares
  start(make_config(small));
  ASSERT_LT(std::fabs(book_delta(100.0, kT0, small)), kBand);
  EXPECT_TRUE(except_day_open(quote(99.99, 100.01, kT0)).empty());
  EXPECT_EQ(snapshot().underlyings[0].hedge_decisions, 0u);
}

TEST_F(EngineTest, initial_hedge_position_is_counted) {
  EngineConfig config = make_config();
  config.underlyings[0].initial_hedge_position = -2000;
  start(config);
  EXPECT_EQ(engine_->hedge_position(0), -2000);
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_EQ(orders[0].qty, std::llround(book_delta(100.0, kT0)) - 2000);
}

TEST_F(EngineTest, second_quote_while_order_works_does_not_hedge_again) {
  start(make_config());
  const NewChildOrder first = first_order();
  // Within the pacing interval.
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 10 * kNanosPerMilli).empty());
  // After it: the working order already covers the delta.
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + kInterval + kNanosPerMilli).empty());
  EXPECT_TRUE(quote(100.04, 100.06, kT0 + 5 * kInterval).empty());  // small move, still in band
  // The bid fell below the working sell: the child is re-priced in place (a replace to the new
  // bid, same quantity), which is no new hedge.
  const std::vector<Action> moved = quote(99.95, 99.97, kT0 + 9 * kInterval);
  EXPECT_TRUE(only<NewChildOrder>(moved).empty());
  EXPECT_TRUE(only<CancelOrder>(moved).empty());
  ASSERT_EQ(only<ReplaceOrder>(moved).size(), 1u);
  const ReplaceOrder replace = only<ReplaceOrder>(moved)[0];
  EXPECT_EQ(replace.orig_cl_ord_id, first.cl_ord_id);
  EXPECT_EQ(replace.cl_ord_id, first.cl_ord_id + 1);
  EXPECT_EQ(replace.qty, first.qty);
  EXPECT_EQ(replace.price_ticks, 9995);
  EXPECT_DOUBLE_EQ(replace.price, 99.95);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.underlyings[0].working_qty, -first.qty);
  EXPECT_EQ(s.underlyings[0].hedge_decisions, 1u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kSubmitted)], 1u);
  EXPECT_EQ(s.quotes, 5u);
}

TEST_F(EngineTest, partial_then_full_fill_updates_hedge_position) {
  start(make_config());
  const NewChildOrder order = first_order();
  const std::int64_t qty = order.qty;
  ASSERT_GT(qty, 1000);

  EXPECT_TRUE(
      report(exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + kNanosPerMilli).empty());

  std::vector<Action> actions = report(
      exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 1000, 1000, 99.99),
      kT0 + 2 * kNanosPerMilli);
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<FillNotice>(actions[0]));
  FillNotice fill = std::get<FillNotice>(actions[0]);
  EXPECT_EQ(fill.underlying, 0u);
  EXPECT_EQ(fill.cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(fill.side, Side::kSell);
  EXPECT_EQ(fill.last_qty, 1000);
  EXPECT_DOUBLE_EQ(fill.last_px, 99.99);
  EXPECT_FALSE(fill.order_complete);
  EXPECT_EQ(fill.hedge_position, -1000);
  EXPECT_EQ(fill.working_qty, -(qty - 1000));
  EXPECT_NEAR(fill.portfolio_delta_shares, book_delta(100.0, kT0), 1e-6);
  EXPECT_DOUBLE_EQ(fill.band_delta_shares, kBand);
  EXPECT_EQ(engine_->hedge_position(0), -1000);
  EXPECT_EQ(engine_->live_orders(), 1u);

  actions =
      report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, qty, qty - 1000, 99.98),
             kT0 + 3 * kNanosPerMilli);
  // A fill notice (no order notice for a filled order), then the finished parent's quality.
  ASSERT_EQ(actions.size(), 2u);
  fill = std::get<FillNotice>(actions[0]);
  EXPECT_TRUE(std::holds_alternative<ParentDone>(actions[1]));
  EXPECT_EQ(fill.last_qty, qty - 1000);
  EXPECT_DOUBLE_EQ(fill.last_px, 99.98);
  EXPECT_TRUE(fill.order_complete);
  EXPECT_EQ(fill.hedge_position, -qty);
  EXPECT_EQ(fill.working_qty, 0);
  EXPECT_EQ(engine_->hedge_position(0), -qty);

  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 0u);
  EXPECT_EQ(s.fills, 2u);
  EXPECT_EQ(s.filled_qty[kSell], static_cast<std::uint64_t>(qty));
  EXPECT_EQ(s.filled_qty[kBuy], 0u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kFilled)], 1u);
  EXPECT_EQ(s.underlyings[0].hedge_position, -qty);
  EXPECT_EQ(s.underlyings[0].working_qty, 0);
  EXPECT_LE(std::fabs(s.underlyings[0].net_delta_shares), kBand);
  EXPECT_LE(
      std::fabs(engine_->greeks(0).delta_shares + static_cast<double>(engine_->hedge_position(0))),
      kBand);
  EXPECT_LE(std::fabs(book_delta(100.0, kT0) - static_cast<double>(qty)), 0.5);

  // Hedged: a later quote at the same spot sends nothing.
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + kNanosPerSecond).empty());
}

TEST_F(EngineTest, duplicate_fill_report_does_not_double_position) {
  start(make_config());
  const NewChildOrder order = first_order();
  const ExecReportEvent fill =
      exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 500, 500, 99.99);
  ASSERT_EQ(only<FillNotice>(report(fill, kT0 + kNanosPerMilli)).size(), 1u);
  EXPECT_EQ(engine_->hedge_position(0), -500);

  EXPECT_TRUE(report(fill, kT0 + 2 * kNanosPerMilli).empty());
  EXPECT_EQ(engine_->hedge_position(0), -500);
  // An out-of-order older report is ignored too.
  EXPECT_TRUE(
      report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 200, 200, 99.99),
             kT0 + 3 * kNanosPerMilli)
          .empty());
  EXPECT_EQ(engine_->hedge_position(0), -500);

  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.fills, 1u);
  EXPECT_EQ(s.filled_qty[kSell], 500u);
  EXPECT_EQ(s.exec_reports_ignored, 2u);
  EXPECT_EQ(s.underlyings[0].working_qty, -(order.qty - 500));
}

TEST_F(EngineTest, max_order_qty_clips_child_size_and_sends_the_rest_in_pieces) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 1000;
  start(config);

  std::vector<NewChildOrder> orders = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId);
  EXPECT_EQ(orders[0].qty, 1000);

  EXPECT_TRUE(quote(99.99, 100.01, kT0 + kInterval / 2).empty());  // paced

  std::vector<Action> actions = quote(99.99, 100.01, kT0 + kInterval);
  orders = only<NewChildOrder>(actions);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId + 1);
  EXPECT_EQ(orders[0].qty, 1000);
  const auto decisions = only<HedgeDecision>(actions);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].working_qty, -1000);

  const TimeNs t3 = kT0 + 2 * kInterval;
  orders = only<NewChildOrder>(quote(99.99, 100.01, t3));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId + 2);
  const std::int64_t rest = std::llround(book_delta(100.0, t3)) - 2000;
  ASSERT_GT(rest, static_cast<std::int64_t>(kBand));
  ASSERT_LE(rest, 1000);
  EXPECT_EQ(orders[0].qty, rest);

  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 3 * kInterval).empty());  // fully covered now
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 3u);
  EXPECT_EQ(s.underlyings[0].working_qty, -(2000 + rest));
  EXPECT_LE(std::fabs(s.underlyings[0].net_delta_shares), 0.5);
}

TEST_F(EngineTest, order_timeout_cancels_working_order_and_cancel_releases_working_qty) {
  start(make_config());
  const NewChildOrder order = first_order();

  EXPECT_TRUE(timer(kT0 + kTimeout / 2).empty());
  std::vector<Action> actions = timer(kT0 + kTimeout);
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<CancelOrder>(actions[0]));
  const auto& cancel = std::get<CancelOrder>(actions[0]);
  EXPECT_EQ(cancel.orig_cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(cancel.cl_ord_id, kFirstId + 1);  // cancel requests take ids from the same sequence
  EXPECT_EQ(cancel.instrument, 0u);
  EXPECT_EQ(cancel.side, Side::kSell);
  EXPECT_EQ(cancel.qty, order.qty);
  EXPECT_EQ(snapshot().cancels_sent, 1u);

  // One cancel per order: later timers do not repeat it.
  EXPECT_TRUE(timer(kT0 + 2 * kTimeout).empty());
  // Until the venue confirms, the order still counts as working.
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + kTimeout + kInterval).empty());
  EXPECT_EQ(snapshot().underlyings[0].working_qty, -order.qty);

  actions =
      report(exec(order.cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled, 0, 0, 0.0, "timeout"),
             kT0 + 3 * kTimeout);
  ASSERT_EQ(actions.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<OrderNotice>(actions[0]));
  const auto& notice = std::get<OrderNotice>(actions[0]);
  EXPECT_EQ(notice.cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(notice.outcome, OrderOutcome::kCanceled);
  EXPECT_STREQ(notice.text.c_str(), "timeout");

  // The canceled quantity goes back to the parent, which resends the whole hedge at once with
  // a fresh id (before parent orders, the next quote did).
  const auto orders = only<NewChildOrder>(actions);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId + 2);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_EQ(orders[0].qty, order.qty);
  EXPECT_EQ(orders[0].price_ticks, 9999);

  EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.underlyings[0].working_qty, -order.qty);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kCanceled)], 1u);
  EXPECT_EQ(s.underlyings[0].parents_started, 1u);
  EXPECT_EQ(s.underlyings[0].parent_children_sent, 2u);
  // The next quote has nothing more to do.
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 4 * kTimeout).empty());
}

TEST_F(EngineTest, canceled_partial_fill_rehedges_only_the_rest) {
  start(make_config());
  const NewChildOrder order = first_order();
  ASSERT_EQ(only<FillNotice>(report(exec(order.cl_ord_id, ExecKind::kTrade,
                                         OrdStatus::kPartiallyFilled, 800, 800, 99.99),
                                    kT0 + kNanosPerMilli))
                .size(),
            1u);
  ASSERT_EQ(only<CancelOrder>(timer(kT0 + kTimeout)).size(), 1u);
  const std::vector<Action> closed = report(
      exec(order.cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled, 800), kT0 + kTimeout + 1);
  const auto notices = only<OrderNotice>(closed);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].outcome, OrderOutcome::kCanceled);
  EXPECT_EQ(engine_->hedge_position(0), -800);

  // The parent resends only what is left of it, at once (before parent orders, the next quote
  // re-hedged the same rest).
  const auto orders = only<NewChildOrder>(closed);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].qty, std::llround(book_delta(100.0, kT0)) - 800);
  EXPECT_EQ(orders[0].qty, order.qty - 800);
  EXPECT_EQ(snapshot().underlyings[0].working_qty, -(order.qty - 800));
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 2 * kTimeout).empty());
}

TEST_F(EngineTest, fill_reported_after_cancel_still_moves_position) {
  start(make_config());
  const NewChildOrder order = first_order();
  ASSERT_EQ(only<CancelOrder>(timer(kT0 + kTimeout)).size(), 1u);
  const std::vector<Action> closed =
      report(exec(order.cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled), kT0 + kTimeout + 1);
  ASSERT_EQ(only<OrderNotice>(closed).size(), 1u);
  // The parent resends the canceled quantity at once.
  const auto resent = only<NewChildOrder>(closed);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].qty, order.qty);
  const auto fills = only<FillNotice>(
      report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kCanceled, 300, 300, 99.99),
             kT0 + kTimeout + 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].last_qty, 300);
  EXPECT_EQ(fills[0].hedge_position, -300);
  EXPECT_EQ(fills[0].working_qty, -resent[0].qty);
  EXPECT_EQ(engine_->hedge_position(0), -300);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kCanceled)], 1u);  // counted once
  EXPECT_EQ(s.live_orders, 1u);

  // The late fill over-commits the hedge by 300: the next decision amends the parent down,
  // which cancels the resent child, and only the rest goes out again.
  const TimeNs t = kT0 + kTimeout + kInterval;
  const std::vector<Action> amended = quote(99.99, 100.01, t);
  EXPECT_TRUE(only<NewChildOrder>(amended).empty());
  ASSERT_EQ(only<CancelOrder>(amended).size(), 1u);
  EXPECT_EQ(only<CancelOrder>(amended)[0].orig_cl_ord_id, resent[0].cl_ord_id);
  const auto rest = only<NewChildOrder>(
      report(exec(resent[0].cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled), t + 1));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].qty, order.qty - 300);
  EXPECT_EQ(snapshot().underlyings[0].parent_amends, 1u);
}

TEST_F(EngineTest, late_fill_for_canceled_order_counts_after_next_order_was_sent) {
  start(make_config());
  const NewChildOrder first = first_order();
  ASSERT_EQ(only<CancelOrder>(timer(kT0 + kTimeout)).size(), 1u);
  // The cancel confirmation sends the next child at once.
  const std::vector<Action> closed =
      report(exec(first.cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled), kT0 + kTimeout + 1);
  ASSERT_EQ(only<OrderNotice>(closed).size(), 1u);
  const auto second = only<NewChildOrder>(closed);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].cl_ord_id, kFirstId + 2);

  // The venue's fill of the first order arrives after all that; it still moves the position.
  const auto fills = only<FillNotice>(
      report(exec(first.cl_ord_id, ExecKind::kTrade, OrdStatus::kCanceled, 300, 300, 99.99),
             kT0 + 2 * kTimeout + 1));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].cl_ord_id, first.cl_ord_id);
  EXPECT_EQ(fills[0].hedge_position, -300);
  EXPECT_EQ(fills[0].working_qty, -second[0].qty);
  EXPECT_EQ(engine_->hedge_position(0), -300);
  EXPECT_EQ(snapshot().exec_reports_ignored, 0u);
}

TEST_F(EngineTest, halt_cancels_every_live_order_and_stops_trading_until_resume) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 1000;
  start(config);
  ASSERT_EQ(only<NewChildOrder>(quote(99.99, 100.01, kT0)).size(), 1u);
  ASSERT_EQ(only<NewChildOrder>(quote(99.99, 100.01, kT0 + kInterval)).size(), 1u);
  ASSERT_EQ(engine_->live_orders(), 2u);

  const TimeNs t_halt = kT0 + kInterval + kNanosPerMilli;
  std::vector<Action> actions = command(Command::kHalt, t_halt, "operator");
  ASSERT_EQ(actions.size(), 4u);
  ASSERT_TRUE(std::holds_alternative<BreakerNotice>(actions[0]));
  EXPECT_EQ(std::get<BreakerNotice>(actions[0]).breaker,
            static_cast<std::uint8_t>(risk::Breaker::kKillSwitch));
  ASSERT_TRUE(std::holds_alternative<StateNotice>(actions[1]));
  const auto& state = std::get<StateNotice>(actions[1]);
  EXPECT_EQ(state.underlying, kBookScope);
  EXPECT_EQ(state.from, TradingState::kActive);
  EXPECT_EQ(state.to, TradingState::kHalted);
  EXPECT_STREQ(state.cause.c_str(), "operator");
  const auto cancels = only<CancelOrder>(actions);
  ASSERT_EQ(cancels.size(), 2u);
  std::vector<OrderId> canceled = {cancels[0].orig_cl_ord_id, cancels[1].orig_cl_ord_id};
  std::sort(canceled.begin(), canceled.end());
  EXPECT_EQ(canceled, (std::vector<OrderId>{kFirstId, kFirstId + 1}));
  EXPECT_NE(cancels[0].cl_ord_id, cancels[1].cl_ord_id);
  EXPECT_GE(std::min(cancels[0].cl_ord_id, cancels[1].cl_ord_id), kFirstId + 2);
  EXPECT_EQ(engine_->state(), TradingState::kHalted);

  EngineSnapshot s = snapshot();
  EXPECT_EQ(s.state, TradingState::kHalted);
  EXPECT_STREQ(s.state_cause.c_str(), "operator");
  EXPECT_EQ(s.cancels_sent, 2u);

  // Halted: no orders, no repeated cancels.
  EXPECT_TRUE(quote(99.99, 100.01, t_halt + kNanosPerSecond).empty());
  EXPECT_TRUE(timer(t_halt + 10 * kTimeout).empty());
  for (const CancelOrder& c : cancels) {
    const auto notices =
        only<OrderNotice>(report(exec(c.orig_cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled),
                                 t_halt + 2 * kNanosPerSecond));
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].outcome, OrderOutcome::kCanceled);
  }
  EXPECT_EQ(engine_->live_orders(), 0u);
  EXPECT_TRUE(quote(99.99, 100.01, t_halt + 3 * kNanosPerSecond).empty());
  EXPECT_EQ(snapshot().underlyings[0].hedge_decisions, 2u);

  actions = command(Command::kResume, t_halt + 4 * kNanosPerSecond);
  ASSERT_EQ(actions.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<BreakerNotice>(actions[0]));
  EXPECT_EQ(std::get<BreakerNotice>(actions[0]).kind, BreakerNotice::Kind::kReset);
  ASSERT_TRUE(std::holds_alternative<StateNotice>(actions[1]));
  EXPECT_EQ(std::get<StateNotice>(actions[1]).from, TradingState::kHalted);
  EXPECT_EQ(std::get<StateNotice>(actions[1]).to, TradingState::kActive);
  EXPECT_STREQ(std::get<StateNotice>(actions[1]).cause.c_str(), "every breaker has reset");
  EXPECT_EQ(engine_->state(), TradingState::kActive);

  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, t_halt + 5 * kNanosPerSecond));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_EQ(orders[0].qty, 1000);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId + 4);  // two orders and two cancel requests before it
}

TEST_F(EngineTest, halt_without_live_orders_only_changes_state) {
  start(make_config());
  const std::vector<Action> actions = command(Command::kHalt, kT0);
  ASSERT_EQ(actions.size(), 2u);  // the kill switch trips, the book halts: no cancels
  ASSERT_TRUE(std::holds_alternative<StateNotice>(actions[1]));
  EXPECT_STREQ(std::get<StateNotice>(actions[1]).cause.c_str(), "halt command");
  EXPECT_TRUE(except_day_open(quote(99.99, 100.01, kT0 + kNanosPerSecond)).empty());
  EXPECT_EQ(snapshot().cancels_sent, 0u);
}

TEST_F(EngineTest, rejected_report_emits_order_notice_and_counts_outcome) {
  start(make_config());
  const NewChildOrder order = first_order();
  const std::vector<Action> actions = report(
      exec(order.cl_ord_id, ExecKind::kRejected, OrdStatus::kRejected, 0, 0, 0.0, "unknown symbol"),
      kT0 + kNanosPerMilli);
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<OrderNotice>(actions[0]));
  const auto& notice = std::get<OrderNotice>(actions[0]);
  EXPECT_EQ(notice.underlying, 0u);
  EXPECT_EQ(notice.cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(notice.outcome, OrderOutcome::kRejected);
  EXPECT_STREQ(notice.text.c_str(), "unknown symbol");

  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kSubmitted)], 1u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kRejected)], 1u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kFilled)], 0u);
  EXPECT_EQ(s.orders[kBuy][idx(OrderOutcome::kRejected)], 0u);
  EXPECT_EQ(s.live_orders, 0u);
  EXPECT_EQ(s.underlyings[0].working_qty, 0);
  EXPECT_EQ(s.underlyings[0].hedge_position, 0);

  // A repeated reject is ignored, not counted twice.
  EXPECT_TRUE(report(exec(order.cl_ord_id, ExecKind::kRejected, OrdStatus::kRejected),
                     kT0 + 2 * kNanosPerMilli)
                  .empty());
  EXPECT_EQ(snapshot().orders[kSell][idx(OrderOutcome::kRejected)], 1u);
}

TEST_F(EngineTest, unknown_and_invalid_reports_are_counted_and_ignored) {
  start(make_config());
  const NewChildOrder order = first_order();
  EXPECT_TRUE(
      report(exec(999, ExecKind::kTrade, OrdStatus::kFilled, 100, 100, 99.99), kT0 + 1).empty());
  EXPECT_TRUE(report(exec(order.cl_ord_id + 1, ExecKind::kNew, OrdStatus::kNew), kT0 + 2).empty());
  EXPECT_TRUE(report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, order.qty + 1,
                          order.qty + 1, 99.99),
                     kT0 + 3)
                  .empty());
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.exec_reports_ignored, 2u);
  EXPECT_EQ(s.exec_reports_invalid, 1u);
  EXPECT_EQ(s.fills, 0u);
  EXPECT_EQ(s.underlyings[0].hedge_position, 0);
  EXPECT_EQ(s.live_orders, 1u);
}

TEST_F(EngineTest, pre_trade_block_emits_notice_without_order) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].price_band_pct = 0.5;
  start(config);
  // Sell at the bid 99.00 is 1% below the mid 100.00.
  const std::vector<Action> actions = except_day_open(quote(99.00, 101.00, kT0));
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<OrderNotice>(actions[0]));
  const auto& notice = std::get<OrderNotice>(actions[0]);
  EXPECT_EQ(notice.outcome, OrderOutcome::kBlocked);
  EXPECT_STREQ(notice.text.c_str(), risk::to_string(risk::CheckResult::kRejectedPriceBand));

  EngineSnapshot s = snapshot();
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kBlocked)], 1u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kSubmitted)], 0u);
  EXPECT_EQ(s.live_orders, 0u);
  EXPECT_EQ(s.underlyings[0].working_qty, 0);

  // A tight market later trades, and the blocked attempt used no order id.
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0 + kNanosPerSecond));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId);
}

TEST_F(EngineTest, full_order_store_blocks_new_orders) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 500;
  config.max_working_orders = 2;
  start(config);
  ASSERT_EQ(only<NewChildOrder>(quote(99.99, 100.01, kT0)).size(), 1u);
  ASSERT_EQ(only<NewChildOrder>(quote(99.99, 100.01, kT0 + kInterval)).size(), 1u);
  const std::vector<Action> actions = quote(99.99, 100.01, kT0 + 2 * kInterval);
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<OrderNotice>(actions[0]));
  EXPECT_EQ(std::get<OrderNotice>(actions[0]).outcome, OrderOutcome::kBlocked);
  EXPECT_EQ(snapshot().orders[kSell][idx(OrderOutcome::kBlocked)], 1u);
  EXPECT_EQ(engine_->live_orders(), 2u);
}

TEST_F(EngineTest, option_and_invalid_quotes_do_not_hedge) {
  start(make_config());
  EXPECT_TRUE(quote(2.50, 2.60, kT0, /*instrument=*/1).empty());         // an option quote
  EXPECT_TRUE(quote(101.0, 100.0, kT0 + 1).empty());                     // crossed: invalid
  EXPECT_TRUE(quote(99.99, 100.01, kT0 + 2, /*instrument=*/7).empty());  // no such instrument
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.quotes, 1u);
  EXPECT_EQ(s.underlyings[0].spot, 0.0);
  EXPECT_EQ(s.live_orders, 0u);
}

TEST_F(EngineTest, snapshot_reports_counts_positions_and_net_delta) {
  start(make_config());
  const NewChildOrder order = first_order();
  ASSERT_EQ(only<FillNotice>(report(exec(order.cl_ord_id, ExecKind::kTrade,
                                         OrdStatus::kPartiallyFilled, 1500, 1500, 99.99),
                                    kT0 + kNanosPerMilli))
                .size(),
            1u);
  const TimeNs t = kT0 + 50 * kNanosPerMilli;  // inside the pacing interval: no new order
  EXPECT_TRUE(quote(100.09, 100.11, t).empty());
  EXPECT_TRUE(quote(3.0, 3.1, t + 1, /*instrument=*/1).empty());

  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.as_of_ns, t + 1);
  EXPECT_EQ(s.underlying_count, 1u);
  EXPECT_EQ(s.state, TradingState::kActive);
  EXPECT_TRUE(s.session_up);
  EXPECT_EQ(s.quotes, 3u);
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.fills, 1u);
  EXPECT_EQ(s.filled_qty[kSell], 1500u);
  const UnderlyingSnapshot& u = s.underlyings[0];
  EXPECT_DOUBLE_EQ(u.spot, 100.10);
  EXPECT_EQ(u.last_quote_ns, t);
  EXPECT_EQ(u.hedge_position, -1500);
  EXPECT_EQ(u.working_qty, -(order.qty - 1500));
  EXPECT_EQ(u.hedge_decisions, 1u);
  EXPECT_DOUBLE_EQ(u.band_delta_shares, kBand);
  // Time to expiry is refreshed on timer events, not on quotes: until the first refresh the
  // options are priced at the first quote's time, kT0, at the latest spot.
  const double delta = book_delta(100.10, kT0);
  EXPECT_NEAR(u.greeks.delta_shares, delta, 1e-9 * std::fabs(delta));
  EXPECT_NEAR(u.net_delta_shares, delta - static_cast<double>(order.qty), 1e-6);
  EXPECT_NEAR(u.greeks.delta_notional, u.greeks.delta_shares * 100.10, 1e-6);
  // After a timer event past the refresh interval the Greeks use the timer's time.
  const TimeNs later = kT0 + 2 * kNanosPerSecond;
  send(TimerEvent{}, later);
  const double decayed = book_delta(100.10, later);
  EXPECT_NEAR(snapshot().underlyings[0].greeks.delta_shares, decayed, 1e-9 * std::fabs(decayed));
  EXPECT_NE(decayed, delta);
}

TEST(EngineConfigValidation, reports_inconsistent_configs) {
  EXPECT_EQ(validate(make_config()), "");
  EngineConfig config = make_config();
  config.underlyings.clear();
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.instruments[1].id = 5;
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.instruments[0].tick_size = 0.0;
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.underlyings[0].spot_instrument = 1;  // an option
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.book.push_back({0, 10});  // the spot is not an option
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.underlyings[0].vol = 0.0;
  EXPECT_NE(validate(config), "");
  config = make_config();
  config.max_working_orders = 0;
  EXPECT_NE(validate(config), "");
}

namespace hedged {
namespace {

// A separate fixture file section: pricing modes of the engine's book.
class EnginePricingTest : public ::testing::Test {
 protected:
  std::vector<Action> send(const Event& event, TimeNs now) {
    buffer_.clear();
    engine_->on_event(event, now, buffer_);
    return {buffer_.begin(), buffer_.end()};
  }
  void quote(InstrumentId id, double bid, double ask, TimeNs now) {
    Quote q;
    q.instrument = id;
    q.bid = bid;
    q.ask = ask;
    q.bid_size = 1000;
    q.ask_size = 1000;
    q.source_ns = now;
    send(QuoteEvent{q}, now);
  }
  EngineSnapshot snapshot() const {
    EngineSnapshot s;
    engine_->fill_snapshot(s);
    return s;
  }

  std::unique_ptr<Engine> engine_;
  ActionBuffer buffer_;
};

TEST_F(EnginePricingTest, quote_iv_mode_prices_each_option_at_its_own_quote_vol) {
  EngineConfig config = make_config({{OptionRight::kCall, 100.0, 40}});
  config.underlyings[0].vol_mode = VolMode::kQuoteIv;
  config.underlyings[0].policy.band_delta_shares = 1e9;  // no hedging in this test
  engine_ = std::make_unique<Engine>(config);
  quote(0, 99.99, 100.01, kT0);  // spot 100, first refresh at kT0
  const double t_years = 30.0 / 365.0;
  const pricing::BsInputs at_40{100.0, 100.0, kRate, kDividend, 0.40, t_years, OptionRight::kCall};
  const double premium = pricing::black_scholes_price(at_40);
  // An option quote whose mid implies 40% vol; applied at the next timer refresh.
  quote(1, premium - 0.05, premium + 0.05, kT0 + 1);
  const double flat = snapshot().underlyings[0].greeks.delta_shares;
  EXPECT_NEAR(flat, book_delta(100.0, kT0, {{OptionRight::kCall, 100.0, 40}}), 1e-9);
  send(TimerEvent{}, kT0 + 2);
  const double expected = pricing::black_scholes(at_40).delta * 40 * kMultiplier;
  EXPECT_NEAR(snapshot().underlyings[0].greeks.delta_shares, expected, 1e-6);
  EXPECT_EQ(snapshot().quote_iv_failures, 0u);
  // A mid below intrinsic has no implied vol: counted, and the vol stays.
  quote(1, 0.01, 0.02, kT0 + 3);
  send(TimerEvent{}, kT0 + 4);
  EXPECT_EQ(snapshot().quote_iv_failures, 1u);
  EXPECT_NEAR(snapshot().underlyings[0].greeks.delta_shares, expected, 1e-6);
}

TEST_F(EnginePricingTest, flat_mode_ignores_option_quotes) {
  engine_ = std::make_unique<Engine>(make_config());
  quote(0, 99.99, 100.01, kT0);
  quote(1, 9.0, 9.2, kT0 + 1);
  send(TimerEvent{}, kT0 + 2);
  EXPECT_NEAR(snapshot().underlyings[0].greeks.delta_shares, book_delta(100.0, kT0), 1e-9);
}

TEST_F(EnginePricingTest, american_lines_use_the_expansion_between_exact_valuations) {
  EngineConfig config = make_config({{OptionRight::kPut, 105.0, -50}});
  config.instruments[1].exercise = ExerciseStyle::kAmerican;
  config.underlyings[0].policy.band_delta_shares = 1e9;
  engine_ = std::make_unique<Engine>(config);
  quote(0, 99.99, 100.01, kT0);  // first refresh values the American put exactly at 100
  const double t_years = 30.0 / 365.0;
  const pricing::Greeks at_100 =
      pricing::american({100.0, 105.0, kRate, kDividend, kVol, t_years, OptionRight::kPut});
  EngineSnapshot s = snapshot();
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, at_100.delta * -50 * kMultiplier, 1e-6);
  EXPECT_NEAR(s.underlyings[0].greeks.value, at_100.price * -50 * kMultiplier, 1e-6);
  // The American put is worth more than its European twin.
  const double european = pricing::black_scholes_price(
      {100.0, 105.0, kRate, kDividend, kVol, t_years, OptionRight::kPut});
  EXPECT_GT(at_100.price, european);

  // A 0.5% move: the expansion, close to an exact valuation.
  quote(0, 100.49, 100.51, kT0 + kNanosPerMilli);
  const pricing::Greeks at_1005 =
      pricing::american({100.5, 105.0, kRate, kDividend, kVol, t_years, OptionRight::kPut});
  s = snapshot();
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, at_1005.delta * -50 * kMultiplier,
              0.01 * std::fabs(at_1005.delta * 50 * kMultiplier));
  EXPECT_EQ(s.underlyings[0].american_pending, 0u);

  // A 3% move crosses the 1% spot threshold: the next timer event revalues it exactly.
  quote(0, 102.99, 103.01, kT0 + 2 * kNanosPerMilli);
  send(TimerEvent{}, kT0 + 3 * kNanosPerMilli);
  const pricing::Greeks at_103 =
      pricing::american({103.0, 105.0, kRate, kDividend, kVol, t_years, OptionRight::kPut});
  EXPECT_NEAR(snapshot().underlyings[0].greeks.delta_shares, at_103.delta * -50 * kMultiplier,
              1e-6);
}

TEST_F(EnginePricingTest, expiry_buckets_split_the_book_and_sum_to_the_total) {
  EngineConfig config =
      make_config({{OptionRight::kCall, 100.0, 40}, {OptionRight::kPut, 95.0, -30}});
  config.instruments[2].expiry_ns = kExpiry + 60 * kDay;  // the put in a second expiry
  engine_ = std::make_unique<Engine>(config);
  quote(0, 99.99, 100.01, kT0);
  const UnderlyingSnapshot u = snapshot().underlyings[0];
  ASSERT_EQ(u.bucket_count, 2u);
  EXPECT_EQ(u.bucket_expiry_ns[0], kExpiry);
  EXPECT_EQ(u.bucket_expiry_ns[1], kExpiry + 60 * kDay);
  const double t1 = 30.0 / 365.0;
  const double t2 = 90.0 / 365.0;
  EXPECT_NEAR(
      u.buckets[0].delta_shares,
      pricing::black_scholes({100.0, 100.0, kRate, kDividend, kVol, t1, OptionRight::kCall}).delta *
          4000,
      1e-8);
  EXPECT_NEAR(
      u.buckets[1].delta_shares,
      pricing::black_scholes({100.0, 95.0, kRate, kDividend, kVol, t2, OptionRight::kPut}).delta *
          -3000,
      1e-8);
  EXPECT_NEAR(u.buckets[0].vega_per_vol_point + u.buckets[1].vega_per_vol_point,
              u.greeks.vega_per_vol_point, 1e-9);
}

}  // namespace
}  // namespace hedged

namespace hedged {
namespace {

TEST(EngineSurface, surface_mode_prices_each_option_at_the_surface_vol_of_its_strike) {
  EngineConfig config =
      make_config({{OptionRight::kCall, 100.0, 40}, {OptionRight::kPut, 90.0, -30}});
  config.underlyings[0].vol_mode = VolMode::kSurface;
  config.underlyings[0].policy.band_delta_shares = 1e9;
  Engine engine(config);
  ActionBuffer out;
  Quote spot;
  spot.instrument = 0;
  spot.bid = 99.99;
  spot.ask = 100.01;
  spot.source_ns = kT0;
  engine.on_event(QuoteEvent{spot}, kT0, out);
  // A skewed smile: 20% at the money, higher for low strikes.
  const double t = 30.0 / 365.0;
  const double forward = 100.0 * std::exp((kRate - kDividend) * t);
  const pricing::SviParams svi{0.04 * t * 0.8, 0.1 * t * 4, -0.6, 0.0, 0.1};
  const pricing::SmileSlice slice = pricing::SmileSlice::from_svi(svi, t, forward);
  const pricing::VolSurface surface = pricing::VolSurface::from_slices(std::span(&slice, 1));
  engine.set_vol_surface(0, surface, kT0);
  engine.on_event(TimerEvent{}, kT0 + 1, out);

  const double call_vol = surface.vol(100.0, t, forward);
  const double put_vol = surface.vol(90.0, t, forward);
  EXPECT_GT(put_vol, call_vol);  // the skew made it through
  const double expected =
      pricing::black_scholes({100.0, 100.0, kRate, kDividend, call_vol, t, OptionRight::kCall})
              .delta *
          4000 +
      pricing::black_scholes({100.0, 90.0, kRate, kDividend, put_vol, t, OptionRight::kPut}).delta *
          -3000;
  EngineSnapshot s;
  engine.fill_snapshot(s);
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, expected, 1e-6);

  // In flat mode the same surface is ignored.
  config.underlyings[0].vol_mode = VolMode::kFlat;
  Engine flat(config);
  flat.on_event(QuoteEvent{spot}, kT0, out);
  flat.set_vol_surface(0, surface, kT0);
  flat.on_event(TimerEvent{}, kT0 + 1, out);
  flat.fill_snapshot(s);
  EXPECT_NEAR(
      s.underlyings[0].greeks.delta_shares,
      book_delta(100.0, kT0, {{OptionRight::kCall, 100.0, 40}, {OptionRight::kPut, 90.0, -30}}),
      1e-9);
}

// A futures hedge: the delta of one contract is multiplier x e^{(r-q)T}, so the book's delta
// D takes round(-D e^{-(r-q)T} / multiplier) contracts, sent on the future's own touch.
TEST_F(EngineTest, futures_hedge_trades_contracts_scaled_by_carry_and_multiplier) {
  EngineConfig config = make_config();
  InstrumentSpec future;
  future.id = static_cast<InstrumentId>(config.instruments.size());
  future.kind = InstrumentKind::kFuture;
  future.symbol = "SIM-F";
  future.underlying = 0;
  future.tick_size = 0.05;
  future.lot_size = 1;
  future.multiplier = 10.0;
  future.expiry_ns = kT0 + 180 * kDay;
  config.instruments.push_back(future);
  config.underlyings[0].hedge_instrument = future.id;
  start(config);

  const double t_future = 180.0 / 365.0;
  const double carry = std::exp((kRate - kDividend) * t_future);
  const double forward = 100.0 * carry;
  // The future quotes first (no spot yet: no decision), then the spot quote decides.
  EXPECT_TRUE(
      only<NewChildOrder>(quote(forward - 0.05, forward + 0.05, kT0 - 1000, future.id)).empty());
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  const double delta = book_delta(100.0, kT0);
  const auto contracts = std::llround(delta / (10.0 * carry));
  ASSERT_GT(contracts, 100);  // the scenario needs a real hedge: ~2,700 shares / ~10.1 per contract
  EXPECT_EQ(orders[0].instrument, future.id);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_EQ(orders[0].qty, contracts);
  EXPECT_NEAR(orders[0].price, std::floor((forward - 0.05) / 0.05 + 1e-9) * 0.05, 1e-9);

  // Filled: the net delta in shares is what one contract's rounding leaves, at most half of one.
  const auto fills =
      only<FillNotice>(report(exec(orders[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled,
                                   contracts, contracts, orders[0].price),
                              kT0 + kNanosPerMilli));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_NEAR(fills[0].unit_delta_shares, 10.0 * carry, 1e-9);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].hedge_position, -contracts);
  EXPECT_NEAR(s.underlyings[0].hedge_unit_delta_shares, 10.0 * carry, 1e-9);
  EXPECT_NEAR(s.underlyings[0].net_delta_shares,
              delta - static_cast<double>(contracts) * 10.0 * carry, 1e-6);
  EXPECT_LE(std::fabs(s.underlyings[0].net_delta_shares), 0.5 * 10.0 * carry);
  // Inside the band now: the next quote sends nothing.
  EXPECT_TRUE(only<NewChildOrder>(quote(99.99, 100.01, kT0 + kNanosPerSecond)).empty());
}

// Whalley-Wilmott: the band the engine uses is the formula's at the book's gamma and spot.
TEST_F(EngineTest, whalley_wilmott_band_follows_the_book_gamma) {
  EngineConfig config = make_config();
  hedging::HedgePolicy& p = config.underlyings[0].policy;
  p.kind = hedging::HedgePolicyKind::kWhalleyWilmott;
  p.cost_fraction = 2e-4;
  p.risk_aversion = 1e-4;
  start(config);
  quote(99.99, 100.01, kT0);
  const EngineSnapshot s = snapshot();
  const double expected = hedging::whalley_wilmott_half_width_shares(
      2e-4, 100.0, s.underlyings[0].greeks.gamma_shares, 1e-4);
  EXPECT_GT(expected, 10.0);
  EXPECT_NEAR(s.underlyings[0].band_delta_shares, expected, 1e-9 * expected);
}

}  // namespace
}  // namespace hedged

// --- Parent orders and execution algorithms ----------------------------------------------------

// TWAP over `horizon` in slices of `slice`, joining the near touch, never crossing on a timeout;
// no order timeout, so only the algorithm moves children.
EngineConfig twap_config(TimeNs horizon = 6 * kNanosPerSecond, TimeNs slice = kNanosPerSecond) {
  EngineConfig config = make_config();
  execution::ExecutionParams& e = config.underlyings[0].execution;
  e.algorithm = execution::Algorithm::kTwap;
  e.horizon_ns = horizon;
  e.slice_interval_ns = slice;
  e.price_rule = execution::PriceRule::kJoin;
  e.cross_after_ns = 0;
  e.max_slippage_bps = execution::kNoSlippageCap;
  config.underlyings[0].order_timeout_ns = 0;
  return config;
}

TEST_F(EngineTest, default_execution_is_one_immediate_parent_at_the_far_touch) {
  EXPECT_EQ(make_config().underlyings[0].execution.algorithm, execution::Algorithm::kImmediate);
  EXPECT_EQ(make_config().underlyings[0].execution.price_rule, execution::PriceRule::kCross);
  start(make_config());
  const NewChildOrder order = first_order();
  const EngineSnapshot s = snapshot();
  const UnderlyingSnapshot& u = s.underlyings[0];
  EXPECT_TRUE(u.parent_active);
  EXPECT_EQ(u.algorithm, static_cast<std::uint8_t>(execution::Algorithm::kImmediate));
  EXPECT_EQ(u.parent_side, Side::kSell);
  EXPECT_EQ(u.parent_total_qty, order.qty);
  EXPECT_EQ(u.parent_working_qty, order.qty);
  EXPECT_EQ(u.parent_unsent_qty, 0);
  EXPECT_EQ(u.parents_started, 1u);
  EXPECT_EQ(u.parent_children_sent, 1u);
  EXPECT_EQ(s.parents_by_algorithm[static_cast<std::size_t>(execution::Algorithm::kImmediate)], 1u);
  // The fill completes the parent, which is then forgotten.
  report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, order.qty, order.qty, 99.99),
         kT0 + kNanosPerMilli);
  EXPECT_FALSE(snapshot().underlyings[0].parent_active);
}

TEST_F(EngineTest, twap_parent_sends_equal_slices_at_the_slice_interval_on_timer_events) {
  start(twap_config());
  const std::int64_t total = std::llround(book_delta(100.0, kT0));
  std::vector<NewChildOrder> children = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(children.size(), 1u);  // slice 1 is released at the start
  EXPECT_EQ(snapshot().underlyings[0].parent_total_qty, total);
  // Between release times nothing goes out, whatever the timer rate.
  for (TimeNs t = kT0 + 250 * kNanosPerMilli; t < kT0 + kNanosPerSecond; t += 250 * kNanosPerMilli)
    EXPECT_TRUE(only<NewChildOrder>(timer(t)).empty()) << (t - kT0);
  for (int j = 1; j < 6; ++j) {
    const TimeNs release = kT0 + j * kNanosPerSecond;
    EXPECT_TRUE(only<NewChildOrder>(timer(release - kNanosPerMilli)).empty()) << j;
    const std::vector<Action> actions = timer(release);
    const auto orders = only<NewChildOrder>(actions);
    ASSERT_EQ(orders.size(), 1u) << "slice " << j + 1;
    ASSERT_EQ(only<HedgeDecision>(actions).size(), 1u);
    EXPECT_EQ(only<HedgeDecision>(actions)[0].cl_ord_id, orders[0].cl_ord_id);
    children.push_back(orders[0]);
  }
  EXPECT_TRUE(only<NewChildOrder>(timer(kT0 + 7 * kNanosPerSecond)).empty());

  std::int64_t sum = 0;
  for (std::size_t j = 0; j < children.size(); ++j) {
    const NewChildOrder& c = children[j];
    EXPECT_EQ(c.side, Side::kSell);
    EXPECT_EQ(c.price_ticks, 10001);  // join: a sell rests at the ask
    EXPECT_EQ(c.cl_ord_id, kFirstId + j);
    // Cumulative target floor(total·j/6): the slices differ by at most one share.
    const auto j64 = static_cast<std::int64_t>(j);
    EXPECT_EQ(c.qty, total * (j64 + 1) / 6 - total * j64 / 6) << "slice " << j + 1;
    EXPECT_LE(std::llabs(c.qty - total / 6), 1);
    sum += c.qty;
  }
  EXPECT_EQ(sum, total);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].working_qty, -total);
  EXPECT_EQ(s.underlyings[0].parents_started, 1u);
  EXPECT_EQ(s.underlyings[0].parent_children_sent, 6u);
  EXPECT_EQ(s.underlyings[0].parent_unsent_qty, 0);
  EXPECT_EQ(s.parents_by_algorithm[static_cast<std::size_t>(execution::Algorithm::kTwap)], 1u);
  EXPECT_EQ(s.cancels_sent, 0u);
}

TEST_F(EngineTest, new_decision_amends_the_working_parent_instead_of_stacking_another) {
  start(twap_config());
  const auto first = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(first.size(), 1u);
  const std::int64_t total = std::llround(book_delta(100.0, kT0));
  report(exec(first[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, first[0].qty, first[0].qty,
              100.01),
         kT0 + kNanosPerMilli);
  // Spot up 4: the book's delta grows by hundreds of shares beyond the parent.
  const double grown = book_delta(104.0, kT0);
  ASSERT_GT(grown - static_cast<double>(total), 2 * kBand);
  const std::vector<Action> actions = quote(103.99, 104.01, kT0 + 2 * kInterval);
  EXPECT_TRUE(only<CancelOrder>(actions).empty());
  const EngineSnapshot s = snapshot();
  const UnderlyingSnapshot& u = s.underlyings[0];
  EXPECT_EQ(u.parents_started, 1u);  // the same parent, bigger
  EXPECT_EQ(u.parent_amends, 1u);
  EXPECT_EQ(u.parent_side, Side::kSell);
  EXPECT_EQ(u.parent_total_qty, std::llround(grown));
  EXPECT_EQ(u.parent_filled_qty, first[0].qty);
  // The schedule keeps its shape: any catch-up child brings it to the new slice-1 target.
  std::int64_t sent = first[0].qty;
  for (const NewChildOrder& o : only<NewChildOrder>(actions)) sent += o.qty;
  EXPECT_EQ(sent, std::llround(grown) / 6);
  // Still one parent after more quotes at the same spot.
  quote(103.99, 104.01, kT0 + 4 * kInterval);
  EXPECT_EQ(snapshot().underlyings[0].parents_started, 1u);
  EXPECT_EQ(snapshot().underlyings[0].parent_amends, 1u);
}

TEST_F(EngineTest, opposite_side_decision_cancels_the_parent_and_replaces_it) {
  // Short calls: the hedge buys; after 1,000 are bought the spot falls and the book needs less
  // than that, so the hedge must sell some back.
  const std::vector<OptionSpec> short_calls = {{OptionRight::kCall, 100.0, -25}};
  start(make_config(short_calls));
  const NewChildOrder order = first_order();
  ASSERT_EQ(order.side, Side::kBuy);
  ASSERT_GT(order.qty, 1000);
  report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 1000, 1000, 100.01),
         kT0 + kNanosPerMilli);
  const double fallen = book_delta(95.0, kT0, short_calls);
  ASSERT_GT(fallen + 1000.0, kBand);  // over-hedged once the spot is at 95
  const TimeNs t = kT0 + 2 * kInterval;
  std::vector<Action> actions = quote(94.99, 95.01, t);
  EXPECT_TRUE(only<NewChildOrder>(actions).empty());
  const auto cancels = only<CancelOrder>(actions);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].orig_cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(snapshot().underlyings[0].parent_replaces, 1u);
  EXPECT_EQ(snapshot().underlyings[0].parent_total_qty, 1000);  // cut to what is filled

  // The cancel completes the old parent; the next decision starts the sell-back.
  actions = report(exec(order.cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled, 1000), t + 1);
  EXPECT_TRUE(only<NewChildOrder>(actions).empty());
  EXPECT_FALSE(snapshot().underlyings[0].parent_active);
  const auto sells = only<NewChildOrder>(quote(94.99, 95.01, t + kInterval));
  ASSERT_EQ(sells.size(), 1u);
  EXPECT_EQ(sells[0].side, Side::kSell);
  EXPECT_EQ(sells[0].qty, std::llround(1000.0 + fallen));
  EXPECT_EQ(sells[0].price_ticks, 9499);
  const UnderlyingSnapshot u = snapshot().underlyings[0];
  EXPECT_EQ(u.parents_started, 2u);
  EXPECT_EQ(u.parent_side, Side::kSell);
  EXPECT_EQ(engine_->hedge_position(0), 1000);
}

TEST_F(EngineTest, blocked_child_stays_with_its_parent_and_is_retried_once_per_interval) {
  EngineConfig config = twap_config();
  config.limits.pre_trade[0].price_band_pct = 0.5;
  start(config);
  // Joining the ask of a wide market is outside the price band: blocked, nothing sent.
  std::vector<Action> actions = quote(99.00, 101.00, kT0);
  ASSERT_EQ(only<OrderNotice>(actions).size(), 1u);
  EXPECT_EQ(only<OrderNotice>(actions)[0].outcome, OrderOutcome::kBlocked);
  EXPECT_TRUE(only<NewChildOrder>(actions).empty());
  EXPECT_TRUE(snapshot().underlyings[0].parent_active);
  EXPECT_EQ(snapshot().underlyings[0].parent_unsent_qty,
            snapshot().underlyings[0].parent_total_qty);
  // Within the pacing interval: no retry, however many events come.
  EXPECT_TRUE(timer(kT0 + kInterval / 2).empty());
  EXPECT_TRUE(quote(99.00, 101.00, kT0 + kInterval / 2 + 1).empty());
  // One retry per interval while the market stays wide: one blocked attempt each, no loop.
  actions = timer(kT0 + kInterval);
  EXPECT_EQ(only<OrderNotice>(actions).size(), 1u);
  EXPECT_EQ(snapshot().orders[kSell][idx(OrderOutcome::kBlocked)], 2u);
  // A tight market: the same parent sends its first slice with the first id.
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0 + 2 * kInterval));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cl_ord_id, kFirstId);
  EXPECT_EQ(orders[0].qty, std::llround(book_delta(100.0, kT0)) / 6);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].parents_started, 1u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kBlocked)], 2u);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kSubmitted)], 1u);
}

TEST_F(EngineTest, halt_drops_the_parent_and_cancels_its_children) {
  start(twap_config());
  const auto first = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(snapshot().underlyings[0].parent_active);
  const TimeNs t_halt = kT0 + kNanosPerSecond / 2;
  const auto cancels = only<CancelOrder>(command(Command::kHalt, t_halt, "operator"));
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].orig_cl_ord_id, first[0].cl_ord_id);
  EXPECT_FALSE(snapshot().underlyings[0].parent_active);
  report(exec(first[0].cl_ord_id, ExecKind::kCanceled, OrdStatus::kCanceled), t_halt + 1);
  // No slice is released by the dropped parent, halted or not.
  EXPECT_TRUE(only<NewChildOrder>(timer(kT0 + kNanosPerSecond)).empty());
  ASSERT_EQ(only<StateNotice>(command(Command::kResume, kT0 + 2 * kNanosPerSecond)).size(), 1u);
  EXPECT_TRUE(only<NewChildOrder>(timer(kT0 + 3 * kNanosPerSecond)).empty());
  EXPECT_EQ(engine_->live_orders(), 0u);
  // The next decision starts a new parent for the whole hedge.
  const TimeNs t = kT0 + 3 * kNanosPerSecond + 1;
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, t));
  ASSERT_EQ(orders.size(), 1u);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].parents_started, 2u);
  EXPECT_TRUE(s.underlyings[0].parent_active);
  EXPECT_EQ(orders[0].qty, s.underlyings[0].parent_total_qty / 6);
}

// Execution quality: a parent's fills are measured against the mid when it was decided, and the
// venue's first answer to a child gives its acknowledgement latency.
TEST_F(EngineTest, finished_parent_reports_slippage_and_the_ack_latency_is_recorded) {
  start(make_config());
  const NewChildOrder order = first_order();  // a sell at the 99.99 bid; arrival mid 100.00
  ASSERT_EQ(order.side, Side::kSell);
  const std::int64_t qty = order.qty;
  ASSERT_GT(qty, 1000);
  ExecReportEvent ack = exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew);
  ack.received_ns = kT0 + 2 * kNanosPerMilli;  // 2 ms after the decision at kT0
  report(ack, kT0 + 2 * kNanosPerMilli);
  report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 1000, 1000, 99.99),
         kT0 + 3 * kNanosPerMilli);
  const auto actions =
      report(exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, qty, qty - 1000, 99.98),
             kT0 + 4 * kNanosPerMilli);
  const auto done = only<ParentDone>(actions);
  ASSERT_EQ(done.size(), 1u);
  const double average =
      (1000 * 99.99 + static_cast<double>(qty - 1000) * 99.98) / static_cast<double>(qty);
  EXPECT_EQ(done[0].filled_qty, qty);
  EXPECT_DOUBLE_EQ(done[0].arrival_price, 100.0);
  EXPECT_NEAR(done[0].average_price, average, 1e-12);
  // A sell below the arrival mid is a cost: positive basis points and currency.
  EXPECT_NEAR(done[0].slippage_bps, (100.0 - average) / 100.0 * 1e4, 1e-9);
  EXPECT_NEAR(done[0].shortfall_currency, (100.0 - average) * static_cast<double>(qty), 1e-6);
  EXPECT_EQ(done[0].children, 1u);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].parents_done, 1u);
  EXPECT_NEAR(s.underlyings[0].last_slippage_bps, done[0].slippage_bps, 1e-12);
  // One ack, 2 ms: in the (1 ms, 2.5 ms] bucket.
  EXPECT_EQ(s.ack_latency.count, 1u);
  EXPECT_NEAR(s.ack_latency.sum_seconds, 0.002, 1e-12);
  EXPECT_EQ(s.ack_latency.counts[5], 1u);
  EXPECT_DOUBLE_EQ(kAckLatencyBucketsSeconds[5], 2.5e-3);
}

// --- Cancel/replace (35=G) and order status requests (35=H) ---------------------------------

class ReplaceTest : public EngineTest {
 protected:
  // A working sell, acked, then a quote that moves the bid away: returns the replace.
  ReplaceOrder reprice(const NewChildOrder& order, TimeNs t) {
    EXPECT_TRUE(report(exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + kNanosPerMilli)
                    .empty());
    const auto replaces = only<ReplaceOrder>(quote(99.95, 99.97, t));
    EXPECT_EQ(replaces.size(), 1u);
    return replaces.empty() ? ReplaceOrder{} : replaces[0];
  }
};

TEST_F(ReplaceTest, replaced_order_keeps_its_quantity_and_is_known_by_the_new_id) {
  start(make_config());
  const NewChildOrder order = first_order();
  const ReplaceOrder replace = reprice(order, kT0 + 9 * kInterval);
  EXPECT_EQ(snapshot().replaces_sent, 1u);
  // While the replace is pending, the quote moving further does not send a second one.
  EXPECT_TRUE(only<ReplaceOrder>(quote(99.90, 99.92, kT0 + 10 * kInterval)).empty());

  // The venue applies it; a fill then arrives under the new ClOrdID.
  ExecReportEvent replaced = exec(replace.cl_ord_id, ExecKind::kReplaced, OrdStatus::kNew);
  (void)report(replaced, kT0 + 10 * kInterval + 1);
  const std::int64_t part = order.qty / 2;
  (void)report(
      exec(replace.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, part, part, 99.95),
      kT0 + 11 * kInterval);
  EXPECT_EQ(engine_->hedge_position(0), -part);
  EXPECT_EQ(snapshot().underlyings[0].working_qty, -(order.qty - part));
  // A late duplicate of the fill under the old id is the same order and counts nothing.
  (void)report(
      exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, part, part, 99.95),
      kT0 + 11 * kInterval + 1);
  EXPECT_EQ(engine_->hedge_position(0), -part);
  EXPECT_EQ(snapshot().exec_reports_ignored, 1u);

  // A cancel now names the order by its current ClOrdID.
  const auto cancels = only<CancelOrder>(timer(kT0 + kTimeout));
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].orig_cl_ord_id, replace.cl_ord_id);
}

TEST_F(ReplaceTest, rejected_replace_leaves_the_order_as_it_was_and_may_be_retried) {
  start(make_config());
  const NewChildOrder order = first_order();
  const ReplaceOrder replace = reprice(order, kT0 + 9 * kInterval);
  ExecReportEvent reject = exec(replace.orig_cl_ord_id, ExecKind::kReplaceReject, OrdStatus::kNew);
  (void)report(reject, kT0 + 9 * kInterval + 1);
  EngineSnapshot s = snapshot();
  EXPECT_EQ(s.replaces_rejected, 1u);
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.underlyings[0].working_qty, -order.qty);
  // The old price stands, so the next look re-prices again, with a fresh ClOrdID.
  const auto again = only<ReplaceOrder>(quote(99.95, 99.97, kT0 + 10 * kInterval));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].orig_cl_ord_id, order.cl_ord_id);
  EXPECT_GT(again[0].cl_ord_id, replace.cl_ord_id);
  // A reject saying the order is gone (filled meanwhile) ends it as the venue says.
  (void)report(
      exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, order.qty, order.qty, 99.99),
      kT0 + 10 * kInterval + 1);
  (void)report(exec(again[0].cl_ord_id, ExecKind::kReplaceReject, OrdStatus::kFilled),
               kT0 + 10 * kInterval + 2);
  s = snapshot();
  EXPECT_EQ(s.live_orders, 0u);
  EXPECT_EQ(engine_->hedge_position(0), -order.qty);
}

TEST_F(ReplaceTest, without_cancel_replace_a_reprice_is_a_cancel) {
  EngineConfig config = make_config();
  config.use_replace = false;
  start(config);
  const NewChildOrder order = first_order();
  (void)report(exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + kNanosPerMilli);
  const std::vector<Action> moved = quote(99.95, 99.97, kT0 + 9 * kInterval);
  EXPECT_TRUE(only<ReplaceOrder>(moved).empty());
  ASSERT_EQ(only<CancelOrder>(moved).size(), 1u);
  EXPECT_EQ(only<CancelOrder>(moved)[0].orig_cl_ord_id, order.cl_ord_id);
}

TEST_F(ReplaceTest, unacknowledged_order_is_chased_and_an_unknown_answer_frees_its_quantity) {
  EngineConfig config = make_config();
  constexpr TimeNs kAfter = kNanosPerSecond;
  static_assert(kAfter < kTimeout);
  config.status_request_after_ns = kAfter;
  start(config);
  const NewChildOrder order = first_order();
  EXPECT_TRUE(only<StatusRequest>(timer(kT0 + kAfter - 1)).empty());
  const auto asked = only<StatusRequest>(timer(kT0 + kAfter));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].cl_ord_id, order.cl_ord_id);
  EXPECT_EQ(asked[0].side, Side::kSell);
  // Not again before another interval has passed.
  EXPECT_TRUE(only<StatusRequest>(timer(kT0 + kAfter + kAfter / 2)).empty());
  EXPECT_EQ(snapshot().status_requests_sent, 1u);

  // The venue never received it: OrdStatus rejected in an order-status report.
  ExecReportEvent unknown = exec(order.cl_ord_id, ExecKind::kOrderStatus, OrdStatus::kRejected, 0,
                                 0, 0.0, "unknown order");
  const std::vector<Action> answered = report(unknown, kT0 + kAfter + 1);
  const auto notices = only<OrderNotice>(answered);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].outcome, OrderOutcome::kRejected);
  EXPECT_EQ(notices[0].cl_ord_id, order.cl_ord_id);
  // The hedge is still needed, so the parent sends the quantity again at once, under a new id:
  // working quantity is that one order's, never both.
  const auto resent = only<NewChildOrder>(answered);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].qty, order.qty);
  EXPECT_GT(resent[0].cl_ord_id, order.cl_ord_id);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 1u);
  EXPECT_EQ(s.underlyings[0].working_qty, -order.qty);
  EXPECT_EQ(s.orders[kSell][idx(OrderOutcome::kRejected)], 1u);
}

TEST_F(ReplaceTest, acknowledged_order_is_not_chased_but_an_unanswered_cancel_is) {
  EngineConfig config = make_config();
  config.status_request_after_ns = kNanosPerSecond;
  start(config);
  const NewChildOrder order = first_order();
  (void)report(exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + kNanosPerMilli);
  EXPECT_TRUE(only<StatusRequest>(timer(kT0 + kTimeout - 1)).empty());
  const std::vector<Action> pulled = timer(kT0 + kTimeout);
  ASSERT_EQ(only<CancelOrder>(pulled).size(), 1u);
  EXPECT_TRUE(only<StatusRequest>(pulled).empty());
  const auto asked = only<StatusRequest>(timer(kT0 + kTimeout + kNanosPerSecond));
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].cl_ord_id, order.cl_ord_id);
}

// Every path that cancels stamps the request with the event's time: the status request for
// an unanswered cancel leaves status_request_after later, never at the next timer.
TEST_F(ReplaceTest, status_requests_never_follow_a_cancel_before_status_request_after) {
  constexpr TimeNs kAfter = kNanosPerSecond;
  // The cancel at `tc` must be chased at tc + kAfter exactly, not on any timer before.
  auto expect_chased_after = [&](OrderId id, TimeNs tc) {
    for (TimeNs t = tc + kNanosPerMilli; t < tc + kAfter; t += 100 * kNanosPerMilli) {
      for (const StatusRequest& r : only<StatusRequest>(timer(t)))
        ADD_FAILURE() << "status request for " << r.cl_ord_id << " " << (t - tc) / 1000
                      << " us after the cancel";
    }
    const auto asked = only<StatusRequest>(timer(tc + kAfter));
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0].cl_ord_id, id);
  };
  for (const Command c : {Command::kHalt, Command::kKillSwitchEngaged}) {
    EngineConfig config = make_config();
    config.status_request_after_ns = kAfter;
    config.underlyings[0].order_timeout_ns = 0;
    start(config);
    const NewChildOrder order = first_order();
    (void)report(exec(order.cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + kNanosPerMilli);
    const TimeNs tc = kT0 + 5 * kNanosPerSecond;  // long after the order was sent
    ASSERT_EQ(only<CancelOrder>(command(c, tc, "test")).size(), 1u);
    expect_chased_after(order.cl_ord_id, tc);
  }
  // A parent cut by an opposite-side decision cancels its child (drive_parent / drop_parent).
  const std::vector<OptionSpec> short_calls = {{OptionRight::kCall, 100.0, -25}};
  EngineConfig config = make_config(short_calls);
  config.status_request_after_ns = kAfter;
  config.underlyings[0].order_timeout_ns = 0;
  start(config);
  const NewChildOrder order = first_order();
  (void)report(
      exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 1000, 1000, 100.01),
      kT0 + kNanosPerMilli);
  const TimeNs tc = kT0 + 5 * kNanosPerSecond;
  ASSERT_EQ(only<CancelOrder>(quote(94.99, 95.01, tc)).size(), 1u);
  expect_chased_after(order.cl_ord_id, tc);
}

// --- Option flow from the drop copy ---------------------------------------------------------

OptionTradeEvent option_trade(InstrumentId instrument, std::int64_t qty, const char* exec_id) {
  OptionTradeEvent t;
  t.instrument = instrument;
  t.qty = qty;
  t.price = 2.5;
  t.exec_id.assign(exec_id);
  return t;
}

TEST_F(EngineTest, option_trade_moves_the_book_and_the_hedger_answers_at_once) {
  start(make_config());
  const NewChildOrder first = first_order();
  (void)report(
      exec(first.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, first.qty, first.qty, 99.99),
      kT0 + kNanosPerMilli);
  ASSERT_EQ(snapshot().live_orders, 0u);
  // The desk buys 25 more of the 100 calls (instrument 1): 40 -> 65 contracts.
  const TimeNs t = kT0 + 5 * kInterval;
  const std::vector<Action> actions = send(option_trade(1, 25, "DC-1"), t);
  const auto notices = only<OptionTradeNotice>(actions);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_TRUE(notices[0].applied);
  EXPECT_EQ(notices[0].position, 65);
  const std::vector<OptionSpec> after = {{OptionRight::kCall, 100.0, 65},
                                         {OptionRight::kPut, 95.0, -30}};
  EXPECT_NEAR(notices[0].portfolio_delta_shares, book_delta(100.0, kT0, after), 1e-6);
  // The hedger sells the added delta (25 x 100 x call delta) in the same event.
  const auto orders = only<NewChildOrder>(actions);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  const double added = book_delta(100.0, kT0, after) - book_delta(100.0, kT0);
  EXPECT_NEAR(static_cast<double>(orders[0].qty), added, 1.0);
  EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].option_trades, 1u);
  EXPECT_EQ(s.underlyings[0].option_contracts_bought, 25);
  EXPECT_EQ(s.underlyings[0].option_contracts_sold, 0);

  // The same ExecID again (a resend after a reconnect) changes nothing.
  const std::vector<Action> repeated = send(option_trade(1, 25, "DC-1"), t + kInterval);
  ASSERT_EQ(only<OptionTradeNotice>(repeated).size(), 1u);
  EXPECT_FALSE(only<OptionTradeNotice>(repeated)[0].applied);
  EXPECT_STREQ(only<OptionTradeNotice>(repeated)[0].reason.c_str(), "duplicate ExecID");
  EXPECT_TRUE(only<NewChildOrder>(repeated).empty());
  // A trade in something that is not one of the book's options is ignored too.
  EXPECT_FALSE(only<OptionTradeNotice>(send(option_trade(0, 5, "DC-2"), t + kInterval))[0].applied);
  s = snapshot();
  EXPECT_EQ(s.option_trades_ignored, 2u);
  EXPECT_EQ(s.underlyings[0].option_trades, 1u);
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, book_delta(100.0, kT0, after), 1e-6);

  // Selling them back restores the original book exactly.
  (void)send(option_trade(1, -25, "DC-3"), t + 2 * kInterval);
  s = snapshot();
  EXPECT_NEAR(s.underlyings[0].greeks.delta_shares, book_delta(100.0, kT0), 1e-6);
  EXPECT_EQ(s.underlyings[0].option_contracts_sold, 25);
}

// --- Gamma/vega hedging with options ------------------------------------------------------

TEST_F(EngineTest, option_hedger_buys_gamma_back_inside_the_limit_and_delta_follows) {
  EngineConfig config = make_config();
  // A 105 call with no position, listed as the hedge option of SIM.
  InstrumentSpec hedge_call = config.instruments[1];
  hedge_call.id = static_cast<InstrumentId>(config.instruments.size());
  hedge_call.symbol = "SIM C105";
  hedge_call.strike = 105.0;
  config.instruments.push_back(hedge_call);
  config.book.push_back({hedge_call.id, 0, /*hedge_option=*/true});
  config.underlyings[0].option_hedge.enabled = true;
  config.underlyings[0].option_hedge.target_fraction = 0.5;
  config.underlyings[0].option_hedge.max_contracts = 1000;
  start(config);
  const NewChildOrder first = first_order();
  (void)report(
      exec(first.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, first.qty, first.qty, 100.0),
      kT0 + kNanosPerMilli);
  (void)quote(1.00, 1.05, kT0 + 2 * kNanosPerMilli, hedge_call.id);
  // Book gamma: 40 long 100 calls, 30 short 95 puts; with no gamma limit nothing happens.
  const double gamma = snapshot().underlyings[0].greeks.gamma_notional_per_pct;
  ASSERT_GT(std::fabs(gamma), 100.0);
  EXPECT_TRUE(only<OptionHedgeDecision>(timer(kT0 + kInterval)).empty());

  // A soft gamma limit at half the book's gamma: the hedger aims at a quarter of it.
  risk::RiskLimits limits = config.limits;
  limits.version = 2;
  limits.underlying[0]
      .by_measure[static_cast<std::size_t>(risk::Measure::kGammaNotionalPerPct)]
      .soft = std::fabs(gamma) / 2;
  buffer_.clear();
  engine_->apply_limits(limits, kT0 + 2 * kInterval, buffer_);
  const std::vector<Action> actions = timer(kT0 + 3 * kInterval);
  const auto decisions = only<OptionHedgeDecision>(actions);
  ASSERT_EQ(decisions.size(), 1u);
  const auto orders = only<NewChildOrder>(actions);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].instrument, hedge_call.id);
  // Contracts from the closed form: (target - gamma) / gamma of one 105 call contract.
  const double t_years =
      static_cast<double>(kExpiry - (kT0 + 3 * kInterval)) / 1e9 / (365.0 * 86'400.0);
  const double spot = snapshot().underlyings[0].spot;
  const pricing::Greeks g105 =
      pricing::black_scholes({spot, 105.0, kRate, kDividend, kVol, t_years, OptionRight::kCall});
  const double per_contract = g105.gamma * spot * spot * 0.01 * kMultiplier;
  const double target = std::copysign(std::fabs(gamma) / 4, gamma);
  const std::int64_t expected = std::llround((target - gamma) / per_contract);
  EXPECT_EQ(decisions[0].contracts, expected);
  EXPECT_EQ(signed_qty(orders[0].side, orders[0].qty), expected);
  EXPECT_DOUBLE_EQ(orders[0].price, expected > 0 ? 1.05 : 1.00);
  // One round at a time: nothing more while it works.
  EXPECT_TRUE(only<OptionHedgeDecision>(timer(kT0 + 4 * kInterval)).empty());
  // The hedge option's order does not count as delta hedge in flight.
  EXPECT_EQ(snapshot().underlyings[0].working_qty, 0);

  // Filled: the book holds the option, gamma is at the target (to a contract), and the delta
  // the option added is hedged in the stock in the same event.
  const std::vector<Action> filled =
      report(exec(orders[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, orders[0].qty,
                  orders[0].qty, orders[0].price),
             kT0 + 5 * kInterval);
  const auto notices = only<OptionTradeNotice>(filled);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_TRUE(notices[0].from_hedge);
  EXPECT_EQ(notices[0].position, expected);
  const EngineSnapshot s = snapshot();
  EXPECT_NEAR(s.underlyings[0].greeks.gamma_notional_per_pct, target, std::fabs(per_contract));
  EXPECT_LT(std::fabs(s.underlyings[0].greeks.gamma_notional_per_pct), std::fabs(gamma) / 2);
  EXPECT_EQ(s.underlyings[0].option_hedge_orders, 1u);
  EXPECT_EQ(s.underlyings[0].option_hedge_contracts, expected);
  EXPECT_EQ(engine_->hedge_position(0), -first.qty);  // the stock position is untouched by it
  const auto delta_orders = only<NewChildOrder>(filled);
  ASSERT_EQ(delta_orders.size(), 1u);
  EXPECT_EQ(delta_orders[0].instrument, 0u);
  EXPECT_NEAR(static_cast<double>(signed_qty(delta_orders[0].side, delta_orders[0].qty)),
              -g105.delta * static_cast<double>(expected) * kMultiplier, 2.0);
}

TEST_F(EngineTest, flatten_command_hedges_to_zero_once_whatever_the_band) {
  EngineConfig config = make_config();
  config.underlyings[0].policy.band_delta_shares = 1e6;  // the band never trades
  start(config);
  EXPECT_TRUE(only<NewChildOrder>(quote(99.99, 100.01, kT0)).empty());
  const auto orders = only<NewChildOrder>(command(Command::kFlatten, kT0 + kInterval, "desk"));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_EQ(orders[0].qty, std::llround(book_delta(100.0, kT0)));
  (void)report(exec(orders[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, orders[0].qty,
                    orders[0].qty, 99.99),
               kT0 + kInterval + 1);
  // Once: later quotes are judged by the policy's own band again.
  EXPECT_TRUE(only<NewChildOrder>(quote(99.50, 99.52, kT0 + 3 * kInterval)).empty());
  EXPECT_NE(snapshot().underlyings[0].net_delta_shares, 0.0);
}

// A futures hedge with a sliced execution: the flatten's parent of two contracts (net delta
// ~90 shares, inside the policy's band) is worked to the end by its slices, not trimmed away
// by the policy's band on the next quote, and leaves |net delta| under half a contract.
TEST_F(EngineTest, flatten_of_a_futures_hedge_works_its_parent_to_under_half_a_contract) {
  EngineConfig config = twap_config(5 * kNanosPerSecond, kNanosPerSecond);
  InstrumentSpec future;
  future.id = static_cast<InstrumentId>(config.instruments.size());
  future.kind = InstrumentKind::kFuture;
  future.symbol = "SIM-F";
  future.underlying = 0;
  future.tick_size = 0.05;
  future.lot_size = 1;
  future.multiplier = 50.0;
  future.expiry_ns = kT0 + 90 * kDay;
  config.instruments.push_back(future);
  UnderlyingConfig& u = config.underlyings[0];
  u.hedge_instrument = future.id;
  u.policy.band_delta_shares = 100.0;  // two contracts' delta: the policy never trades here
  const double carry = std::exp((kRate - kDividend) * 90.0 / 365.0);
  const double unit = 50.0 * carry;
  const double delta = book_delta(100.0, kT0);
  // Hedged to leave ~+90 shares: about 1.8 contracts.
  u.initial_hedge_position = -std::llround((delta - 90.0) / unit);
  start(config);
  const double forward = 100.0 * carry;
  (void)quote(forward - 0.05, forward + 0.05, kT0 - 1000, future.id);
  EXPECT_TRUE(only<NewChildOrder>(quote(99.99, 100.01, kT0)).empty());
  const double net0 = snapshot().underlyings[0].net_delta_shares;
  ASSERT_GT(std::fabs(net0), 1.2 * unit);  // more than one contract to flatten
  ASSERT_LT(std::fabs(net0), 100.0);       // inside the band
  const std::int64_t contracts = std::llround(net0 / unit);
  ASSERT_EQ(contracts, 2);

  (void)command(Command::kFlatten, kT0 + kInterval, "desk");
  EngineSnapshot s = snapshot();
  ASSERT_TRUE(s.underlyings[0].parent_active);
  EXPECT_EQ(s.underlyings[0].parent_total_qty, 2);
  EXPECT_EQ(s.underlyings[0].parent_side, Side::kSell);
  // Quotes and timers for the TWAP's horizon; every child fills at once at its price.
  std::int64_t sold = 0;
  for (TimeNs t = kT0 + 2 * kInterval; t <= kT0 + 8 * kNanosPerSecond; t += 250 * kNanosPerMilli) {
    std::vector<Action> actions = quote(99.99, 100.01, t);
    const std::vector<Action> timed = timer(t + 1);
    actions.insert(actions.end(), timed.begin(), timed.end());
    (void)quote(forward - 0.05, forward + 0.05, t + 2, future.id);
    for (const NewChildOrder& o : only<NewChildOrder>(actions)) {
      EXPECT_EQ(o.instrument, future.id);
      EXPECT_EQ(o.side, Side::kSell);
      sold += o.qty;
      (void)report(exec(o.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, o.qty, o.qty, o.price),
                   t + 3);
    }
  }
  EXPECT_EQ(sold, 2);
  s = snapshot();
  EXPECT_FALSE(s.underlyings[0].parent_active);
  EXPECT_EQ(s.underlyings[0].hedge_position, config.underlyings[0].initial_hedge_position - 2);
  EXPECT_LT(std::fabs(s.underlyings[0].net_delta_shares), 0.5 * unit);
  // Once done, the policy's band rules again: nothing more is sent.
  EXPECT_TRUE(only<NewChildOrder>(quote(99.99, 100.01, kT0 + 9 * kNanosPerSecond)).empty());
}

TEST_F(EngineTest, pov_parent_trades_its_share_of_the_volume_the_feed_reports) {
  EngineConfig config = make_config();
  execution::ExecutionParams pov;
  pov.algorithm = execution::Algorithm::kPov;
  pov.participation_pct = 10.0;
  pov.max_participation_pct = 20.0;
  pov.horizon_ns = 0;  // no deadline
  pov.price_rule = execution::PriceRule::kCross;
  pov.cross_after_ns = 0;
  config.underlyings[0].execution = pov;
  start(config);
  auto volume_quote = [&](std::int64_t volume, TimeNs t) {
    QuoteEvent e;
    e.quote.instrument = 0;
    e.quote.bid = 99.99;
    e.quote.ask = 100.01;
    e.quote.bid_size = 50'000;
    e.quote.ask_size = 50'000;
    e.quote.source_ns = t;
    e.quote.seq = ++seq_;
    e.quote.volume = volume;
    return send(e, t);
  };
  // The hedge starts a parent; no volume has traded since, so nothing is sent yet.
  EXPECT_TRUE(only<NewChildOrder>(volume_quote(1'000'000, kT0)).empty());
  EngineSnapshot s = snapshot();
  ASSERT_TRUE(s.underlyings[0].parent_active);
  EXPECT_EQ(s.parents_by_algorithm[static_cast<std::size_t>(execution::Algorithm::kPov)], 1u);
  // 12,000 traded since the start: 10% is 1,200.
  const auto first = only<NewChildOrder>(volume_quote(1'012'000, kT0 + kInterval));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].side, Side::kSell);
  EXPECT_EQ(first[0].qty, 1'200);
  (void)report(exec(first[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, 1'200, 1'200, 99.99),
               kT0 + kInterval + 1);
  // 8,000 more (20,000 in all): the schedule is at 2,000, so 800 more.
  const auto second = only<NewChildOrder>(volume_quote(1'020'000, kT0 + 2 * kInterval));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].qty, 800);
}

// --- Daily P&L: options at model value, hedge at mark, every cash flow ---------------------

// Model value of a book at spot S, kernel time `t` (the engine re-prices time on timer events).
double book_value(double spot, TimeNs t, const std::vector<OptionSpec>& book) {
  const double t_years = static_cast<double>(kExpiry - t) / 1e9 / (365.0 * 86'400.0);
  double value = 0.0;
  for (const OptionSpec& o : book) {
    value +=
        pricing::black_scholes({spot, o.strike, kRate, kDividend, kVol, t_years, o.right}).price *
        static_cast<double>(o.quantity) * kMultiplier;
  }
  return value;
}

double call_100_price(double spot, TimeNs t) {
  return book_value(spot, t, {{OptionRight::kCall, 100.0, 1}}) / kMultiplier;
}

OptionTradeEvent priced_trade(InstrumentId instrument, std::int64_t qty, double price,
                              const char* exec_id) {
  OptionTradeEvent t;
  t.instrument = instrument;
  t.qty = qty;
  t.price = price;
  t.exec_id.assign(exec_id);
  return t;
}

// The desk sells 16 calls at the option's mid (its model value): the premium received offsets
// the short option's value, and the day's P&L moves by less than half the spread x 16 x 100.
// Then an independent recomputation from the fills and marks after the spot moves.
TEST_F(EngineTest, option_trade_at_mid_leaves_the_days_pnl_unchanged_within_the_spread) {
  EngineConfig config = make_config();
  auto& loss =
      config.limits.underlying[0].by_measure[static_cast<std::size_t>(risk::Measure::kDailyLoss)];
  loss.soft = 250.0;  // far below the premium (~5,000): the old figure breached it at once
  loss.hard = 1000.0;
  start(config);
  const NewChildOrder hedge = first_order();
  (void)report(exec(hedge.cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, hedge.qty, hedge.qty,
                    hedge.price),
               kT0 + kNanosPerMilli);
  // The hedge sold at the bid, 0.01 under the mark: that is the day's P&L so far.
  const double after_hedge = snapshot().underlyings[0].pnl_day;
  EXPECT_NEAR(after_hedge, -0.01 * static_cast<double>(hedge.qty), 1e-6);

  const double mid = call_100_price(100.0, kT0);
  constexpr double kHalfSpread = 0.05;
  (void)quote(mid - kHalfSpread, mid + kHalfSpread, kT0 + 2 * kNanosPerMilli, 1);
  const std::vector<Action> actions =
      send(priced_trade(1, -16, mid, "DC-16"), kT0 + 3 * kNanosPerMilli);
  EXPECT_TRUE(only<FillRepriced>(actions).empty());
  for (const LimitNotice& l : only<LimitNotice>(actions)) EXPECT_FALSE(l.breached);
  EngineSnapshot s = snapshot();
  EXPECT_NEAR(s.underlyings[0].option_cash, 16.0 * kMultiplier * mid, 1e-6);
  EXPECT_NEAR(s.underlyings[0].pnl_day - after_hedge, 0.0, kHalfSpread * 16 * kMultiplier);
  EXPECT_NEAR(s.underlyings[0].pnl_day - after_hedge, 0.0, 0.01);  // mid == model value here
  EXPECT_EQ(s.underlyings[0].risk.state, TradingState::kActive);

  // Sold at the bid instead: exactly half the spread x 16 x 100 lost.
  (void)send(priced_trade(1, 16, mid, "DC-16b"), kT0 + 4 * kNanosPerMilli);  // back to 40
  (void)send(priced_trade(1, -16, mid - kHalfSpread, "DC-16c"), kT0 + 5 * kNanosPerMilli);
  s = snapshot();
  EXPECT_NEAR(s.underlyings[0].pnl_day - after_hedge, -kHalfSpread * 16 * kMultiplier, 0.01);

  // The spot moves to 101 (no timer: the kernel's time stays at kT0). Independently: options at
  // model value, hedge at the mark, all cash, less the value at the day's first valuation.
  (void)quote(100.99, 101.01, kT0 + 6 * kNanosPerMilli);
  s = snapshot();
  const std::vector<OptionSpec> now_book = {{OptionRight::kCall, 100.0, 24},
                                            {OptionRight::kPut, 95.0, -30}};
  const double position = static_cast<double>(s.underlyings[0].hedge_position);
  ASSERT_EQ(s.underlyings[0].hedge_position, -hedge.qty);
  const double cash = static_cast<double>(hedge.qty) * hedge.price +  // the hedge sale
                      16 * kMultiplier * mid - 16 * kMultiplier * mid +
                      16 * kMultiplier * (mid - kHalfSpread);
  const double expected = book_value(101.0, kT0, now_book) + position * 101.0 + cash -
                          book_value(100.0, kT0, default_book());
  EXPECT_NEAR(s.underlyings[0].pnl_day, expected, 0.05);
  // The daily-loss exposure, the underlying's and the book's, is the same figure.
  const auto dl = static_cast<std::size_t>(risk::Measure::kDailyLoss);
  EXPECT_NEAR(s.underlyings[0].risk.exposure[dl], std::max(0.0, -s.underlyings[0].pnl_day), 1e-9);
  EXPECT_NEAR(s.book_risk.exposure[dl], std::max(0.0, -s.underlyings[0].pnl_day), 1e-9);
}

// A fill at an absurd price (1e9, then 1, then 0 or a negative one in a report that bypassed the
// session checks) moves the position by its quantity, but P&L and average cost use the mark; an
// alert is counted; the hard daily-loss limit does not trip.
TEST_F(EngineTest, implausible_fill_price_applies_the_quantity_at_the_reference_price) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 1000;
  auto& loss =
      config.limits.underlying[0].by_measure[static_cast<std::size_t>(risk::Measure::kDailyLoss)];
  loss.hard = 1000.0;
  start(config);
  const NewChildOrder order = first_order();
  ASSERT_EQ(order.qty, 1000);
  const double mark = 100.0;  // mid of 99.99 / 100.01
  const struct {
    std::int64_t qty;
    double px;
    bool trusted;
  } fills[] = {{100, 1e9, false},  {100, 1.0, false},  {100, 0.0, false},
               {100, -5.0, false}, {100, 99.99, true}, {100, 130.0, false}};
  std::int64_t cum = 0;
  double cash = 0.0;
  std::uint64_t alerts = 0;
  for (const auto& f : fills) {
    cum += f.qty;
    const std::vector<Action> actions = report(
        exec(order.cl_ord_id, ExecKind::kTrade, OrdStatus::kPartiallyFilled, cum, f.qty, f.px),
        kT0 + cum);
    const auto alert = only<FillRepriced>(actions);
    if (f.trusted) {
      EXPECT_TRUE(alert.empty()) << f.px;
      cash += static_cast<double>(f.qty) * f.px;
    } else {
      ++alerts;
      ASSERT_EQ(alert.size(), 1u) << f.px;
      EXPECT_EQ(alert[0].qty, -f.qty);
      EXPECT_EQ(alert[0].reported_px, f.px);
      EXPECT_DOUBLE_EQ(alert[0].used_px, mark);
      EXPECT_EQ(alert[0].cl_ord_id, order.cl_ord_id);
      EXPECT_FALSE(alert[0].drop_copy);
      cash += static_cast<double>(f.qty) * mark;
    }
  }
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.underlyings[0].hedge_position, -cum);
  EXPECT_EQ(s.fills_price_implausible, alerts);
  EXPECT_NEAR(s.underlyings[0].hedge_cash, cash, 1e-6);
  // Options unchanged at the same spot: the P&L is the one trusted fill's 0.01 under the mark.
  EXPECT_NEAR(s.underlyings[0].pnl_day, -0.01 * 100, 1e-6);
  EXPECT_EQ(s.state, TradingState::kActive);
  EXPECT_EQ(s.underlyings[0].risk.state, TradingState::kActive);

  // The same discipline for a drop-copy option trade: 2 calls "at 1e9" cost their model value.
  const double model = call_100_price(100.0, kT0);
  const auto alert = only<FillRepriced>(send(priced_trade(1, 2, 1e9, "DC-X"), kT0 + 5000));
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_TRUE(alert[0].drop_copy);
  EXPECT_NEAR(alert[0].used_px, model, 1e-6);
  EXPECT_EQ(snapshot().option_trades_price_implausible, 1u);
  EXPECT_NEAR(snapshot().underlyings[0].option_cash, -2 * kMultiplier * model, 1e-6);
  EXPECT_NEAR(snapshot().underlyings[0].pnl_day, -1.0, 0.01);
  EXPECT_EQ(snapshot().state, TradingState::kActive);
}

// --- Restart: restore from the journal's state, then reconcile with the venue ---------------

// Feeds a recovery::JournalState what the daemon journals of one event and its actions.
void journal_into(recovery::JournalState& state, const Event& event,
                  const std::vector<Action>& actions, TimeNs now) {
  if (const auto* r = std::get_if<ExecReportEvent>(&event)) (void)state.on_exec_report(*r);
  if (const auto* t = std::get_if<OptionTradeEvent>(&event)) (void)state.on_option_trade(*t);
  for (const Action& a : actions) {
    if (const auto* o = std::get_if<NewChildOrder>(&a)) (void)state.on_new_order(*o, now);
    if (const auto* c = std::get_if<CancelOrder>(&a)) (void)state.on_cancel(*c, now);
    if (const auto* r = std::get_if<ReplaceOrder>(&a)) (void)state.on_replace(*r, now);
    if (const auto* s = std::get_if<StateNotice>(&a)) state.on_state(*s);
    if (const auto* d = std::get_if<PnlDayOpen>(&a)) state.on_day_open(*d);
    if (const auto* f = std::get_if<FillRepriced>(&a)) (void)state.on_fill_repriced(*f);
  }
}

class EngineRestartTest : public EngineTest {
 protected:
  // Sends an event to the running engine and journals it, as the daemon's agents do.
  std::vector<Action> journaled(const Event& event, TimeNs now) {
    std::vector<Action> actions = send(event, now);
    journal_into(journal_, event, actions, now);
    return actions;
  }
  std::vector<Action> journaled_quote(double bid, double ask, TimeNs now) {
    return journaled(make_quote(bid, ask, now), now);
  }
  // A second engine on the same config, restored from the journal as a restarted daemon is.
  RestoreSummary restart(const EngineConfig& config, TimeNs now) {
    restarted_ = std::make_unique<Engine>(config);
    restore_actions_.clear();
    return restarted_->restore(journal_, now, restore_actions_);
  }
  std::vector<Action> send_restarted(const Event& event, TimeNs now) {
    buffer_.clear();
    restarted_->on_event(event, now, buffer_);
    return {buffer_.begin(), buffer_.end()};
  }
  EngineSnapshot restarted_snapshot() const {
    EngineSnapshot s;
    restarted_->fill_snapshot(s);
    return s;
  }

  // ClOrdIDs of the orders the journal holds as working.
  std::vector<std::pair<OrderId, execution::ChildOrder>> live_ids() const {
    std::vector<std::pair<OrderId, execution::ChildOrder>> out;
    for (const execution::ChildOrder& o : journal_.working_orders()) out.emplace_back(o.id, o);
    return out;
  }

  recovery::JournalState journal_{3};
  std::unique_ptr<Engine> restarted_;
  ActionBuffer restore_actions_;
};

TEST_F(EngineRestartTest, restart_rebuilds_positions_working_orders_and_the_next_order_id) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 1000;
  start(config);
  // Two children: the first fills in two parts (one report repeated), the second is partly
  // filled and still working when the daemon dies. The desk also buys 10 calls.
  const auto first = only<NewChildOrder>(journaled_quote(99.99, 100.01, kT0));
  const auto second = only<NewChildOrder>(journaled_quote(99.99, 100.01, kT0 + kInterval));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  const OrderId a = first[0].cl_ord_id;
  const OrderId b = second[0].cl_ord_id;
  const TimeNs t = kT0 + 2 * kInterval;
  (void)journaled(exec(a, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 400, 400, 99.99), t);
  (void)journaled(exec(a, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 400, 400, 99.99), t + 1);
  (void)journaled(exec(a, ExecKind::kTrade, OrdStatus::kFilled, 1000, 600, 99.98), t + 2);
  (void)journaled(exec(b, ExecKind::kNew, OrdStatus::kNew), t + 3);
  (void)journaled(exec(b, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 250, 250, 99.97), t + 4);
  (void)journaled(option_trade(1, 10, "DC-7"), t + 5);
  const EngineSnapshot before = snapshot();
  ASSERT_EQ(engine_->hedge_position(0), -1250);
  // The second child and the rest of the hedge, sent as the fills came in.
  ASSERT_EQ(before.live_orders, 2u);
  OrderId last_id = 0;
  for (const auto& [id, order] : live_ids()) last_id = std::max(last_id, id);

  const RestoreSummary r = restart(config, t + 10 * kNanosPerSecond);
  EXPECT_EQ(r.orders_restored, 2u);
  EXPECT_EQ(r.orders_dropped, 0u);
  EXPECT_FALSE(r.halted);
  EXPECT_EQ(restarted_->hedge_position(0), -1250);
  EXPECT_EQ(restarted_->live_orders(), 2u);
  // Everything a decision depends on is back: working quantity and the book's options.
  const EngineSnapshot after = restarted_snapshot();
  EXPECT_EQ(after.underlyings[0].working_qty, before.underlyings[0].working_qty);
  EXPECT_EQ(after.underlyings[0].option_trades, 1u);
  EXPECT_EQ(after.orders_restored, 2u);
  EXPECT_EQ(restarted_->state(), TradingState::kActive);
  // The same spot gives the same option delta as the engine that never stopped.
  const TimeNs t2 = t + 11 * kNanosPerSecond;
  (void)send_restarted(SessionEvent{true}, t2 - 2);
  (void)timer(t2 - 1);  // both re-price their time terms at the same instant
  (void)send_restarted(TimerEvent{}, t2 - 1);
  (void)quote(99.99, 100.01, t2);
  (void)send_restarted(make_quote(99.99, 100.01, t2), t2);
  EXPECT_NEAR(restarted_->greeks(0).delta_shares, engine_->greeks(0).delta_shares, 1e-6);
  // No ClOrdID is used twice: the next one is above every id the journal saw.
  EXPECT_GT(r.next_order_id, last_id);
  EXPECT_GT(last_id, b);
  // The drop-copy trade is known: its resend after the restart is ignored.
  const auto repeat = only<OptionTradeNotice>(send_restarted(option_trade(1, 10, "DC-7"), t2 + 1));
  ASSERT_EQ(repeat.size(), 1u);
  EXPECT_FALSE(repeat[0].applied);
}

// The day's P&L survives a restart: the baseline comes back from the journal and the cash from
// its fills and trades; on the same day the figure continues, on the next it starts again. A
// changed start-of-day book is reported and moves the baseline by its value, not the P&L.
TEST_F(EngineRestartTest, days_pnl_continues_across_a_restart_and_a_changed_book_is_reported) {
  const EngineConfig config = make_config();
  start(config);
  ASSERT_TRUE(journal_.on_start_book(recovery::encode_start_book(start_book(config))));
  const auto first = only<NewChildOrder>(journaled_quote(99.99, 100.01, kT0));
  ASSERT_EQ(first.size(), 1u);
  (void)journaled(exec(first[0].cl_ord_id, ExecKind::kTrade, OrdStatus::kFilled, first[0].qty,
                       first[0].qty, 99.99),
                  kT0 + 1000);
  const double mid = call_100_price(100.0, kT0);
  (void)journaled(priced_trade(1, -16, mid - 0.05, "DC-A"), kT0 + 2000);
  // A round trip of 10 calls that leaves no position but 10 x 100 x 0.20 of cash.
  (void)journaled(priced_trade(1, 10, mid - 0.10, "DC-B"), kT0 + 3000);
  (void)journaled(priced_trade(1, -10, mid + 0.10, "DC-C"), kT0 + 4000);
  (void)journaled_quote(100.49, 100.51, kT0 + 5000);
  const EngineSnapshot before = snapshot();
  const std::int64_t position = before.underlyings[0].hedge_position;
  // Independent: options at model value, hedge at mark, all cash, less the opening value.
  const std::vector<OptionSpec> now_book = {{OptionRight::kCall, 100.0, 24},
                                            {OptionRight::kPut, 95.0, -30}};
  const double cash = static_cast<double>(first[0].qty) * 99.99 + 16 * kMultiplier * (mid - 0.05) +
                      10 * kMultiplier * 0.20;
  const double open = book_value(100.0, kT0, default_book());
  const double expected_before =
      book_value(100.5, kT0, now_book) + static_cast<double>(position) * 100.5 + cash - open;
  ASSERT_NEAR(before.underlyings[0].pnl_day, expected_before, 0.05);
  ASSERT_GT(std::fabs(before.underlyings[0].pnl_day), 100.0);  // a real figure to carry over

  // Restart 30 s later the same day, same marks: the figure continues (the options' time value
  // moves by 30 s of theta, computed here too).
  const TimeNs tr = kT0 + 30 * kNanosPerSecond;
  RestoreSummary r = restart(config, tr);
  EXPECT_EQ(r.pnl_baselines_restored, 1u);
  EXPECT_TRUE(r.journal_has_start_book);
  EXPECT_TRUE(r.book_changes.empty());
  (void)send_restarted(SessionEvent{true}, tr);
  const std::vector<Action> first_quote = send_restarted(make_quote(100.49, 100.51, tr), tr);
  EXPECT_TRUE(only<PnlDayOpen>(first_quote).empty());  // the same day: no new baseline
  EngineSnapshot after = restarted_snapshot();
  EXPECT_EQ(after.underlyings[0].hedge_position, position);
  EXPECT_NEAR(after.underlyings[0].option_cash, before.underlyings[0].option_cash, 1e-6);
  EXPECT_NEAR(after.underlyings[0].hedge_cash, before.underlyings[0].hedge_cash, 1e-6);
  const double expected_after =
      book_value(100.5, tr, now_book) + static_cast<double>(position) * 100.5 + cash - open;
  EXPECT_NEAR(after.underlyings[0].pnl_day, expected_after, 0.05);
  EXPECT_NEAR(after.underlyings[0].pnl_day, before.underlyings[0].pnl_day, 5.0);

  // A restart whose config holds 20 puts short instead of 30: reported, applied, and the day's
  // P&L is the same (the 10 puts' value moves the baseline).
  EngineConfig changed = config;
  changed.book[1].quantity = -20;
  r = restart(changed, tr);
  ASSERT_EQ(r.book_changes.size(), 1u);
  EXPECT_EQ(r.book_changes[0].instrument, 2u);
  EXPECT_EQ(r.book_changes[0].journal_qty, -30);
  EXPECT_EQ(r.book_changes[0].config_qty, -20);
  (void)send_restarted(SessionEvent{true}, tr);
  (void)send_restarted(make_quote(100.49, 100.51, tr), tr);
  after = restarted_snapshot();
  const std::vector<OptionSpec> changed_book = {{OptionRight::kCall, 100.0, 24},
                                                {OptionRight::kPut, 95.0, -20}};
  EXPECT_NEAR(after.underlyings[0].greeks.delta_shares, book_delta(100.5, tr, changed_book), 1e-6);
  EXPECT_NEAR(after.underlyings[0].pnl_day, expected_after, 0.05);

  // The next UTC day: a new baseline, journaled, and the day's P&L starts at zero.
  const TimeNs next_day = (kT0 / kDay + 1) * kDay + kNanosPerSecond;
  (void)restart(config, next_day);
  (void)send_restarted(SessionEvent{true}, next_day);
  const auto opens =
      only<PnlDayOpen>(send_restarted(make_quote(100.49, 100.51, next_day), next_day));
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].day, kT0 / kDay + 1);
  EXPECT_NEAR(restarted_snapshot().underlyings[0].pnl_day, 0.0, 1e-9);
}

TEST_F(EngineRestartTest, restart_after_a_halt_comes_back_halted_with_the_cause) {
  start(make_config());
  const auto orders = only<NewChildOrder>(journaled_quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  CommandEvent halt;
  halt.command = Command::kHalt;
  halt.reason.assign("operator: venue looks wrong");
  (void)journaled(halt, kT0 + kInterval);
  ASSERT_EQ(engine_->state(), TradingState::kHalted);

  const RestoreSummary r = restart(make_config(), kT0 + kNanosPerSecond);
  EXPECT_TRUE(r.halted);
  EXPECT_EQ(restarted_->state(), TradingState::kHalted);
  const auto states =
      only<StateNotice>(std::vector<Action>(restore_actions_.begin(), restore_actions_.end()));
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].to, TradingState::kHalted);
  EXPECT_STREQ(states[0].cause.c_str(),
               "restart: was halted before it (operator: venue looks wrong)");
  // Halted: a quote far outside the band trades nothing until an operator resumes.
  (void)send_restarted(SessionEvent{true}, kT0 + 2 * kNanosPerSecond);
  EXPECT_TRUE(
      only<NewChildOrder>(send_restarted(make_quote(99.99, 100.01, kT0 + 3 * kNanosPerSecond),
                                         kT0 + 3 * kNanosPerSecond))
          .empty());

  // A journal whose last state change is the resume comes back active.
  CommandEvent resume;
  resume.command = Command::kResume;
  (void)journaled(resume, kT0 + 4 * kNanosPerSecond);
  ASSERT_EQ(engine_->state(), TradingState::kActive);
  EXPECT_FALSE(restart(make_config(), kT0 + 5 * kNanosPerSecond).halted);
  EXPECT_EQ(restarted_->state(), TradingState::kActive);
}

TEST_F(EngineRestartTest, status_answers_reconcile_restored_orders_and_halt_beyond_tolerance) {
  EngineConfig config = make_config();
  config.limits.pre_trade[0].max_order_qty = 1000;
  start(config);
  const auto orders = only<NewChildOrder>(journaled_quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  const OrderId id = orders[0].cl_ord_id;
  (void)journaled(exec(id, ExecKind::kNew, OrdStatus::kNew), kT0 + 1);

  for (const std::int64_t tolerance : {std::int64_t{0}, std::int64_t{-1}}) {
    SCOPED_TRACE(tolerance);
    EngineConfig restarted_config = config;
    restarted_config.reconcile_tolerance_qty = tolerance;
    restarted_config.status_request_after_ns = 2 * kNanosPerSecond;
    ASSERT_EQ(restart(restarted_config, kT0 + kNanosPerSecond).orders_restored, 1u);
    // Logon: the restored order is asked about at once.
    const auto requests =
        only<StatusRequest>(send_restarted(SessionEvent{true}, kT0 + 2 * kNanosPerSecond));
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].cl_ord_id, id);
    // The venue filled 300 while the daemon was down: the answer says so.
    ExecReportEvent answer =
        exec(id, ExecKind::kOrderStatus, OrdStatus::kPartiallyFilled, 300, 0, 99.99);
    answer.leaves_qty = orders[0].qty - 300;
    const std::vector<Action> actions = send_restarted(answer, kT0 + 3 * kNanosPerSecond);
    EXPECT_EQ(restarted_->hedge_position(0), -300);
    const auto notices = only<ReconcileNotice>(actions);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].engine_cum_qty, 0);
    EXPECT_EQ(notices[0].venue_cum_qty, 300);
    EXPECT_EQ(notices[0].total_difference_qty, 300u);
    EXPECT_EQ(notices[0].halted, tolerance == 0);
    EXPECT_EQ(restarted_->state(), tolerance == 0 ? TradingState::kHalted : TradingState::kActive);
    const EngineSnapshot s = restarted_snapshot();
    EXPECT_EQ(s.reconcile_checks, 1u);
    EXPECT_EQ(s.reconcile_differences, 1u);
    EXPECT_EQ(s.reconcile_difference_qty, 300u);
    // The same answer again (a second status request) is no new difference.
    (void)send_restarted(answer, kT0 + 4 * kNanosPerSecond);
    EXPECT_EQ(restarted_snapshot().reconcile_differences, 1u);
    EXPECT_EQ(restarted_->hedge_position(0), -300);
  }
}

TEST_F(EngineRestartTest, reconnect_asks_about_every_working_order_and_a_match_is_no_difference) {
  EngineConfig config = make_config();
  config.status_request_after_ns = 2 * kNanosPerSecond;
  start(config);
  const auto orders = only<NewChildOrder>(quote(99.99, 100.01, kT0));
  ASSERT_EQ(orders.size(), 1u);
  (void)report(exec(orders[0].cl_ord_id, ExecKind::kNew, OrdStatus::kNew), kT0 + 1);
  (void)send(SessionEvent{false}, kT0 + kInterval);
  const auto requests = only<StatusRequest>(send(SessionEvent{true}, kT0 + 2 * kInterval));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].cl_ord_id, orders[0].cl_ord_id);
  (void)report(exec(orders[0].cl_ord_id, ExecKind::kOrderStatus, OrdStatus::kNew),
               kT0 + 3 * kInterval);
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.reconcile_checks, 1u);
  EXPECT_EQ(s.reconcile_differences, 0u);
  // Answered: no second request at the next timer.
  EXPECT_TRUE(only<StatusRequest>(timer(kT0 + 4 * kInterval)).empty());
}

}  // namespace
// --- Bad market data and hedging under stress ----------------------------------------------------

bool all_finite(const greeks::PortfolioGreeks& g) {
  return std::isfinite(g.value) && std::isfinite(g.delta_shares) &&
         std::isfinite(g.delta_notional) && std::isfinite(g.gamma_shares) &&
         std::isfinite(g.gamma_notional_per_pct) && std::isfinite(g.vega_per_vol_point) &&
         std::isfinite(g.theta_per_day) && std::isfinite(g.rho_per_pct) &&
         std::isfinite(g.vanna_shares_per_vol_point) && std::isfinite(g.volga_per_vol_point2);
}

TEST_F(EngineTest, absurd_and_non_finite_quotes_are_refused_trip_bad_market_data_and_send_nothing) {
  EngineConfig config = make_config();
  config.limits.breakers[risk::Breaker::kBadMarketData] = {
      true, risk::BreakerAction::kHalt, risk::ResetPolicy::kAuto, 10 * kNanosPerSecond, 10.0};
  start(config);
  // The first quote is 1e308: refused before it becomes a spot, and no hedge of a 2,700-share
  // book goes out on it.
  const auto first = quote(1e308, 1e308, kT0);
  EXPECT_TRUE(only<NewChildOrder>(first).empty());
  const auto states = only<StateNotice>(first);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].to, TradingState::kHalted);
  EXPECT_NE(std::string(states[0].cause.c_str()).find("bad market data: SIM quoted 1e+308"),
            std::string::npos)
      << states[0].cause.c_str();
  EXPECT_EQ(snapshot().underlyings[0].spot, 0.0);

  // A good quote while halted: the Greeks follow it, no order (the breaker waits 10 s clear).
  EXPECT_TRUE(only<NewChildOrder>(quote(99.99, 100.01, kT0 + kNanosPerSecond)).empty());
  const EngineSnapshot good = snapshot();
  ASSERT_TRUE(all_finite(good.underlyings[0].greeks));
  const double delta = good.underlyings[0].greeks.delta_shares;
  EXPECT_NEAR(delta, book_delta(100.0, kT0 + kNanosPerSecond), 1e-6 * delta);

  // NaN, inf, a zero bid, a crossed quote, and a 60% jump from the last accepted mid: each is
  // refused, the Greeks and the spot stay where the good quote left them.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double bad[][2] = {{nan, 100.01},   {99.99, inf},     {0.0, 100.01},
                           {100.02, 99.98}, {159.99, 160.01}, {-inf, inf}};
  TimeNs t = kT0 + 2 * kNanosPerSecond;
  for (const auto& b : bad) {
    EXPECT_TRUE(only<NewChildOrder>(quote(b[0], b[1], t)).empty()) << b[0] << " / " << b[1];
    t += kNanosPerMilli;
  }
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.quotes_refused, 1u + std::size(bad));
  EXPECT_EQ(s.quotes, 1u);
  EXPECT_DOUBLE_EQ(s.underlyings[0].spot, 100.0);
  EXPECT_TRUE(all_finite(s.underlyings[0].greeks));
  EXPECT_DOUBLE_EQ(s.underlyings[0].greeks.delta_shares, delta);
  EXPECT_TRUE(std::isfinite(s.underlyings[0].net_delta_shares));
  EXPECT_EQ(s.underlyings[0].risk.state, TradingState::kHalted);
  EXPECT_NE(s.underlyings[0].risk.breakers_tripped &
                (1u << static_cast<unsigned>(risk::Breaker::kBadMarketData)),
            0u);
  for (const double e : s.underlyings[0].risk.exposure) EXPECT_TRUE(std::isfinite(e));
  EXPECT_EQ(s.live_orders, 0u);

  // Ten seconds of good quotes after the last bad one: the breaker resets and the hedge goes out.
  const TimeNs clear = t;
  for (TimeNs k = clear; k <= clear + 10 * kNanosPerSecond; k += kNanosPerSecond) {
    quote(99.99, 100.01, k);
    timer(k);
  }
  const auto hedged = only<NewChildOrder>(quote(99.99, 100.01, clear + 11 * kNanosPerSecond));
  ASSERT_EQ(hedged.size(), 1u);
  EXPECT_EQ(hedged[0].side, Side::kSell);
  EXPECT_EQ(snapshot().underlyings[0].risk.state, TradingState::kActive);
}

class StressHedgeTest : public EngineTest {
 protected:
  // spread_blowout on (reduce, 5x a median of >= 5 one-second samples), a hard delta limit of
  // 1,000 shares, and a hedge position that leaves the book `offset_shares` long. The session
  // stays down while the median fills (no hedge then); the spread then blows out to 0.40 around
  // the same mid and the session comes up.
  EngineSnapshot run_to_stress(double offset_shares, double band_multiple = 4.0) {
    EngineConfig config = make_config();
    config.limits.breakers[risk::Breaker::kSpreadBlowout] = {
        true, risk::BreakerAction::kReduce, risk::ResetPolicy::kAuto, 30 * kNanosPerSecond, 10.0};
    config.limits.breakers.spread_max_multiple = 5.0;
    config.limits.breakers.spread_median_window_ns = 128 * kNanosPerSecond;
    config.limits.breakers.spread_min_samples = 5;
    config.limits.underlying[0][risk::Measure::kDeltaShares].hard = 1000.0;
    config.limits.stress.band_multiple = band_multiple;
    config.limits.stress.hard_limit_fraction = 0.8;
    config.limits.stress.max_slippage_bps = 5.0;
    const TimeNs warm = kT0 - 10 * kNanosPerSecond;
    config.underlyings[0].initial_hedge_position =
        -std::llround(book_delta(100.0, warm) - offset_shares);
    start(config, /*session_up=*/false);
    for (TimeNs t = warm; t < kT0; t += kNanosPerSecond) {
      quote(99.99, 100.01, t);
      timer(t);
    }
    const auto blown = quote(99.80, 100.20, kT0);
    EXPECT_EQ(only<StateNotice>(blown).size(), 1u);
    EXPECT_EQ(snapshot().underlyings[0].risk.state, TradingState::kReducing);
    EXPECT_TRUE(send(SessionEvent{true}, kT0 + kNanosPerMilli).empty());
    return snapshot();
  }
};

TEST_F(StressHedgeTest, inside_the_stress_band_and_the_hard_limit_nothing_is_traded) {
  // 500 shares long: 2.5x the 200-share band, so an unstressed book would sell ~500 at once.
  const EngineSnapshot before = run_to_stress(500.0);
  const double net = before.underlyings[0].net_delta_shares;
  ASSERT_GT(net, 450.0);
  ASSERT_LT(net, 550.0);
  for (int k = 1; k <= 20; ++k) {
    const TimeNs t = kT0 + k * kNanosPerSecond;
    EXPECT_TRUE(only<NewChildOrder>(quote(99.80, 100.20, t)).empty()) << k;
    EXPECT_TRUE(only<NewChildOrder>(timer(t)).empty()) << k;
  }
  const EngineSnapshot s = snapshot();
  EXPECT_EQ(s.live_orders, 0u);
  EXPECT_EQ(s.underlyings[0].hedge_decisions, 0u);
  // The band in force is the stress band: min(4 x 200, 0.8 x 1,000) = 800 shares.
  EXPECT_DOUBLE_EQ(s.underlyings[0].band_delta_shares, 800.0);
}

TEST_F(StressHedgeTest,
       beyond_the_stress_band_it_trades_to_the_band_edge_at_a_capped_passive_price) {
  // 1,500 shares long: beyond the 800-share stress band (0.8 x the 1,000 hard limit; 10 x 200
  // would be 2,000).
  const EngineSnapshot before = run_to_stress(1500.0, 10.0);
  const double net = before.underlyings[0].net_delta_shares;
  ASSERT_GT(net, 1450.0);
  const auto orders = only<NewChildOrder>(quote(99.80, 100.20, kT0 + kNanosPerSecond));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  // To the band edge only: the fewest shares that bring |net| to 800.
  EXPECT_EQ(orders[0].qty, static_cast<std::int64_t>(std::ceil(net - 800.0 - 1e-6)));
  // Never crossing the 0.40 spread: at most 5 bp below the 100.00 mid, 99.95, not the 99.80 bid.
  EXPECT_EQ(orders[0].price_ticks, 9995);
  EXPECT_NEAR(orders[0].price, 99.95, 1e-9);
  EXPECT_DOUBLE_EQ(snapshot().underlyings[0].band_delta_shares, 800.0);
}

TEST_F(StressHedgeTest, without_stress_the_same_book_sells_everything_at_the_bid) {
  // The control: the same 1,500 shares long with stress hedging off hedges to zero at the bid.
  EngineConfig config = make_config();
  config.underlyings[0].initial_hedge_position = -std::llround(book_delta(100.0, kT0) - 1500.0);
  start(config);
  const auto orders = only<NewChildOrder>(quote(99.80, 100.20, kT0));
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].price_ticks, 9980);
  EXPECT_NEAR(static_cast<double>(orders[0].qty), 1500.0, 1.0);
}

}  // namespace hedged
