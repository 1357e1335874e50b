// Recovery state rebuilt from journal records: fills counted once, working orders, replaces,
// drop-copy ExecIDs, trading states, and snapshots that replay to the same bytes.
#include "core/engine/recovery.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace hedged::recovery {
namespace {

constexpr TimeNs kT0 = 1'700'000'000'000'000'000;

NewChildOrder new_order(OrderId id, InstrumentId instrument, Side side, std::int64_t qty) {
  NewChildOrder o;
  o.cl_ord_id = id;
  o.instrument = instrument;
  o.side = side;
  o.qty = qty;
  o.price_ticks = 10'000;
  o.price = 100.0;
  return o;
}

ExecReportEvent report(OrderId id, ExecKind kind, OrdStatus status, std::int64_t cum,
                       std::int64_t last = 0, double px = 0.0, const char* exec_id = "") {
  ExecReportEvent r;
  r.cl_ord_id = id;
  r.kind = kind;
  r.status = status;
  r.cum_qty = cum;
  r.last_qty = last;
  r.last_px = px;
  r.exec_id.assign(exec_id);
  return r;
}

OptionTradeEvent trade(InstrumentId instrument, std::int64_t qty, const char* exec_id) {
  OptionTradeEvent t;
  t.instrument = instrument;
  t.qty = qty;
  t.price = 2.0;
  t.exec_id.assign(exec_id);
  return t;
}

// One journal's worth of records, replayable into any state (records are plain values).
struct Script {
  std::vector<std::function<void(JournalState&)>> steps;
  void run(JournalState& s, std::size_t from = 0, std::size_t to = ~std::size_t{0}) const {
    for (std::size_t i = from; i < steps.size() && i < to; ++i) steps[i](s);
  }
};

Script trading_day() {
  Script s;
  auto& v = s.steps;
  v.push_back([](JournalState& j) {
    j.on_start_book(encode_start_book({{0, -250}, {2, 40}, {3, -30}}));
  });
  v.push_back([](JournalState& j) { j.on_day_open({0, 19'675, 12'345.5, 0.0}); });
  v.push_back([](JournalState& j) { j.on_new_order(new_order(10, 0, Side::kBuy, 500), kT0); });
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(10, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 200, 200, 100.0));
  });
  // A resend of the same fill (PossDup after a reconnect) and an older one out of order.
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(10, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 200, 200, 100.0));
  });
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(10, ExecKind::kTrade, OrdStatus::kFilled, 500, 300, 101.0));
  });
  v.push_back([](JournalState& j) { j.on_new_order(new_order(11, 0, Side::kSell, 400), kT0); });
  v.push_back(
      [](JournalState& j) { j.on_exec_report(report(11, ExecKind::kNew, OrdStatus::kNew, 0)); });
  // Replaced to 300 under id 12; a fill arrives under the new id.
  v.push_back([](JournalState& j) {
    ReplaceOrder r;
    r.cl_ord_id = 12;
    r.orig_cl_ord_id = 11;
    r.instrument = 0;
    r.side = Side::kSell;
    r.qty = 300;
    r.price_ticks = 9'990;
    j.on_replace(r, kT0 + 1);
  });
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(12, ExecKind::kReplaced, OrdStatus::kNew, 0));
  });
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(12, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 100, 100, 99.9));
  });
  v.push_back([](JournalState& j) { j.on_option_trade(trade(2, 15, "DC-1")); });
  v.push_back([](JournalState& j) { j.on_option_trade(trade(2, 15, "DC-1")); });  // duplicate
  v.push_back([](JournalState& j) { j.on_option_trade(trade(3, -4, "DC-2")); });
  v.push_back([](JournalState& j) {
    StateNotice n;
    n.underlying = kBookScope;
    n.from = TradingState::kActive;
    n.to = TradingState::kHalted;
    n.manual_resume = true;
    n.cause.assign("operator");
    j.on_state(n);
  });
  v.push_back([](JournalState& j) { j.on_new_order(new_order(13, 1, Side::kBuy, 7), kT0 + 2); });
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(13, ExecKind::kRejected, OrdStatus::kRejected, 0));
  });
  return s;
}

// The trading day, then a fill at an absurd price that the engine repriced, and more baselines.
Script with_pnl_records() {
  Script s = trading_day();
  auto& v = s.steps;
  // A fill at an absurd price, repriced by the engine at the reference 99.95.
  v.push_back([](JournalState& j) {
    j.on_exec_report(report(12, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 150, 50, 1e9));
  });
  v.push_back([](JournalState& j) {
    FillRepriced f;
    f.instrument = 0;
    f.cl_ord_id = 12;
    f.qty = -50;
    f.reported_px = 1e9;
    f.used_px = 99.95;
    j.on_fill_repriced(f);
  });
  v.push_back([](JournalState& j) { j.on_day_open({1, 19'675, -7.25, 0.0}); });
  v.push_back([](JournalState& j) { j.on_day_open({0, 19'676, 500.0, 3.0}); });  // next day
  return s;
}

TEST(JournalState, fills_count_once_and_working_orders_keep_their_state) {
  JournalState j(4);
  trading_day().run(j);
  const InstrumentTotals& hedge = j.totals()[0];
  // Bought 500 (200 @ 100, 300 @ 101), sold 100 @ 99.9 under the replaced id.
  EXPECT_EQ(hedge.filled_qty, 400);
  EXPECT_EQ(hedge.fills, 3u);
  EXPECT_NEAR(hedge.filled_cash, -(200 * 100.0 + 300 * 101.0) + 100 * 99.9, 1e-9);
  EXPECT_EQ(j.totals()[2].option_trade_qty, 15);
  EXPECT_EQ(j.totals()[2].option_trades, 1u);
  EXPECT_EQ(j.totals()[3].option_trade_qty, -4);
  EXPECT_EQ(j.totals()[1].filled_qty, 0);

  const std::vector<execution::ChildOrder> working = j.working_orders();
  ASSERT_EQ(working.size(), 1u);
  EXPECT_EQ(working[0].id, 11u);
  EXPECT_EQ(working[0].wire_id, 12u);
  EXPECT_EQ(working[0].qty, 300);
  EXPECT_EQ(working[0].cum_qty, 100);
  EXPECT_EQ(working[0].status, OrdStatus::kPartiallyFilled);
  EXPECT_EQ(j.max_order_id(), 13u);
  ASSERT_NE(j.halted_scope(), nullptr);
  EXPECT_STREQ(j.halted_scope()->cause.c_str(), "operator");
  // Refused: the repeated fill and the repeated ExecID.
  EXPECT_EQ(j.refused(), 2u);
}

TEST(JournalState, only_halts_an_operator_must_resume_outlive_a_restart) {
  JournalState j(1);
  StateNotice n;
  n.from = TradingState::kActive;
  n.to = TradingState::kHalted;
  n.cause.assign("FIX order session down for 5.0 s");
  j.on_state(n);  // clears by itself once the session is back
  EXPECT_EQ(j.halted_scope(), nullptr);
  n.manual_resume = true;
  n.cause.assign("shutdown: SIGTERM");  // the daemon's own clean stop
  j.on_state(n);
  EXPECT_EQ(j.halted_scope(), nullptr);
  n.cause.assign("price jump: spot moved 9.00% within 3.0 s (limit 5.00%)");
  j.on_state(n);
  ASSERT_NE(j.halted_scope(), nullptr);
  EXPECT_STREQ(j.halted_scope()->cause.c_str(), n.cause.c_str());
  n.from = TradingState::kHalted;
  n.to = TradingState::kActive;
  n.manual_resume = false;
  n.cause.assign("every breaker has reset");
  j.on_state(n);
  EXPECT_EQ(j.halted_scope(), nullptr);
}

TEST(JournalState, a_report_for_an_order_the_journal_never_saw_moves_nothing) {
  JournalState j(2);
  EXPECT_FALSE(j.on_exec_report(report(99, ExecKind::kTrade, OrdStatus::kFilled, 10, 10, 1.0)));
  EXPECT_FALSE(j.on_new_order(new_order(5, 7, Side::kBuy, 1), kT0));  // instrument 7 unknown
  EXPECT_EQ(j.totals()[0].filled_qty, 0);
  EXPECT_EQ(j.refused(), 2u);
}

TEST(JournalState, snapshot_then_the_rest_replays_to_the_same_state_at_every_cut) {
  for (const Script& day : {trading_day(), with_pnl_records()}) {
    JournalState whole(4);
    day.run(whole);
    const std::vector<std::byte> expected = whole.encode();
    for (std::size_t cut = 0; cut <= day.steps.size(); ++cut) {
      SCOPED_TRACE(cut);
      JournalState first(4);
      day.run(first, 0, cut);
      const std::vector<std::byte> snapshot = first.encode();
      JournalState restored(4);
      ASSERT_EQ(restored.decode(snapshot), "");
      EXPECT_EQ(restored.encode(), snapshot);
      day.run(restored, cut);
      EXPECT_EQ(restored.encode(), expected);
    }
  }
}

TEST(JournalState, a_damaged_or_foreign_snapshot_is_refused_with_a_reason) {
  JournalState j(4);
  trading_day().run(j);
  std::vector<std::byte> bytes = j.encode();
  JournalState other(4);
  bytes[0] = std::byte{0};
  EXPECT_EQ(other.decode(bytes), "not a position snapshot (bad magic)");
  bytes = j.encode();
  bytes.pop_back();
  EXPECT_NE(other.decode(bytes).find("truncated"), std::string::npos);
  // A configuration with another number of instruments cannot take it.
  JournalState smaller(3);
  EXPECT_NE(smaller.decode(j.encode()).find("instruments"), std::string::npos);
}

// What the day's P&L needs after a restart: the cash of every fill and desk trade (an absurd
// price replaced by the engine's reference), the latest baseline of each underlying, and the
// book the journal began with, all kept through a snapshot.
TEST(JournalState, cash_day_baselines_and_the_start_book_survive_a_snapshot) {
  JournalState j(4);
  with_pnl_records().run(j);
  const auto check = [](const JournalState* s) {
    const auto& t = s->totals();
    // Bought 200 @ 100 and 300 @ 101, sold 100 @ 99.9 and 50 @ (1e9 -> 99.95).
    EXPECT_EQ(t[0].filled_qty, 500 - 150);
    EXPECT_NEAR(t[0].filled_cash, -200 * 100.0 - 300 * 101.0 + 100 * 99.9 + 50 * 99.95, 1e-6);
    // Desk trades at 2.0: bought 15 of instrument 2 (the repeat is refused), sold 4 of 3.
    EXPECT_NEAR(t[2].option_trade_cash, -15 * 2.0, 1e-12);
    EXPECT_NEAR(t[3].option_trade_cash, 4 * 2.0, 1e-12);
    ASSERT_EQ(s->day_opens().size(), 2u);
    EXPECT_EQ(s->day_opens()[0].underlying, 0u);
    EXPECT_EQ(s->day_opens()[0].day, 19'676);  // the latest of underlying 0
    EXPECT_EQ(s->day_opens()[0].open_value, 500.0);
    EXPECT_EQ(s->day_opens()[1].open_value, -7.25);
    ASSERT_TRUE(s->start_book().has_value());
    ASSERT_EQ(s->start_book()->size(), 3u);
    EXPECT_EQ((*s->start_book())[0].qty, -250);
    EXPECT_EQ((*s->start_book())[2].instrument, 3u);
    EXPECT_EQ((*s->start_book())[2].qty, -30);
  };
  check(&j);
  JournalState restored(4);
  ASSERT_EQ(restored.decode(j.encode()), "");
  check(&restored);
  // Only the first start book counts; a malformed one is refused.
  EXPECT_TRUE(j.on_start_book(encode_start_book({{1, 5}})));
  EXPECT_EQ((*j.start_book())[0].qty, -250);
  const std::uint64_t refused = j.refused();
  JournalState fresh(4);
  EXPECT_FALSE(fresh.on_start_book(std::vector<std::byte>(7, std::byte{1})));
  EXPECT_FALSE(fresh.start_book().has_value());
  EXPECT_EQ(j.refused(), refused);
}

TEST(JournalState, a_snapshot_of_an_older_version_is_refused_with_both_versions) {
  JournalState j(4);
  trading_day().run(j);
  std::vector<std::byte> bytes = j.encode();
  bytes[4] = std::byte{1};  // the version follows the 4-byte magic
  JournalState other(4);
  EXPECT_EQ(other.decode(bytes), "snapshot version 1, this build reads 2");
}

}  // namespace
}  // namespace hedged::recovery
