// The engine's tick path allocates nothing: a burst of quotes for a 1,000-option book, taken the
// way the engine agent takes them (conflating board -> Engine::on_event -> snapshot), with
// hedges decided, acknowledged and filled along the way, makes no heap allocation.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "core/concurrent/conflating_board.hpp"
#include "core/engine/engine.hpp"
#include "daemon/config/config.hpp"
#include "tests/support/allocation_counter.hpp"

namespace hedged {
namespace {

constexpr TimeNs kT0 = 1'800'000'000LL * kNanosPerSecond;

// One underlying, TKP, hedged in itself, and `count` short European options on a grid of five
// expiries and log-spaced strikes: enough gamma that a few ticks of the spot cross the band.
std::string book_yaml(int count) {
  std::ostringstream s;
  s << "underlyings:\n"
       "  - symbol: TKP\n    tick_size: 0.01\n    lot_size: 1\n    rate: 0.03\n    vol: 0.25\n"
       "    hedge: {band_delta_shares: 100, order_timeout: 1s, min_order_interval: 0s}\n"
       "book:\n";
  const int expiries = 5;
  const int strikes = count / (2 * expiries);
  for (int e = 0; e < expiries; ++e) {
    for (int k = 0; k < strikes; ++k) {
      for (const char* right : {"call", "put"}) {
        char line[160];
        std::snprintf(line, sizeof line,
                      "  - {underlying: TKP, right: %s, strike: %.2f, expiry: %dd, quantity: -3, "
                      "multiplier: 100}\n",
                      right, 60.0 + 80.0 * (k + 0.5) / strikes, 10 + 30 * e);
        s << line;
      }
    }
  }
  return s.str();
}

EngineConfig engine_config(int options) {
  const config::LoadResult loaded = config::load_text(
      book_yaml(options), "tick-path.yaml", std::string(HEDGED_SOURCE_DIR) + "/config", kT0);
  if (!loaded.config) throw std::runtime_error(loaded.error);
  // The built-in limits: no quantity, notional or rate caps, so every hedge the policy decides
  // goes out.
  EngineConfig engine = loaded.config->engine;
  return engine;
}

class TickPath : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::make_unique<Engine>(engine_config(1000));
    board_ =
        std::make_unique<concurrent::ConflatingBoard<Quote>>(engine_->config().instruments.size());
    spot_ = engine_->config().underlyings[0].spot_instrument;
    step(SessionEvent{true}, kT0);
  }

  // What the engine agent does with one event: hand it over and route the orders it produced
  // (here: acknowledge and fill each child at once, as a deep market would).
  void step(const Event& event, TimeNs now) {
    actions_.clear();
    engine_->on_event(event, now, actions_);
    ASSERT_EQ(actions_.dropped(), 0u);
    for (const Action& a : actions_) {
      if (const auto* order = std::get_if<NewChildOrder>(&a)) {
        ++orders_;
        pending_fills_[pending_count_++ % pending_fills_.size()] = *order;
      }
    }
  }

  void fill_pending(TimeNs now) {
    const std::size_t n = std::min(pending_count_, pending_fills_.size());
    for (std::size_t i = 0; i < n; ++i) {
      const NewChildOrder& o = pending_fills_[i];
      ExecReportEvent fill;
      fill.cl_ord_id = o.cl_ord_id;
      fill.kind = ExecKind::kTrade;
      fill.status = OrdStatus::kFilled;
      fill.last_qty = o.qty;
      fill.last_px = o.price;
      fill.cum_qty = o.qty;
      fill.leaves_qty = 0;
      fill.received_ns = now;
      char id[24];
      std::snprintf(id, sizeof id, "F%llu", static_cast<unsigned long long>(++exec_ids_));
      fill.exec_id.assign(id);
      step(fill, now);
    }
    pending_count_ = 0;
  }

  // A burst: `rounds` rounds of every option quoting once and the spot moving one tick up or
  // down (a deterministic walk), published into the board and drained as the agent drains it.
  void burst(int rounds, TimeNs& now) {
    const std::size_t instruments = engine_->config().instruments.size();
    std::uint64_t rng = 12345;
    for (int r = 0; r < rounds; ++r) {
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      spot_ticks_ += ((rng >> 40) & 1) != 0 ? 3 : -3;
      for (std::size_t i = 0; i < instruments; ++i) {
        Quote q;
        q.instrument = static_cast<InstrumentId>(i);
        q.seq = ++seq_;
        q.source_ns = now;
        q.bid_size = q.ask_size = 100000;
        if (q.instrument == spot_) {
          q.bid = static_cast<double>(spot_ticks_) * 0.01 - 0.01;
          q.ask = static_cast<double>(spot_ticks_) * 0.01 + 0.01;
        } else {
          q.bid = 1.0;
          q.ask = 1.1;
        }
        board_->publish(q.instrument, q);
      }
      now += 100 * 1000;  // 100 us between rounds
      taken_ += board_->drain([&](std::uint32_t, const Quote& q) { step(QuoteEvent{q}, now); },
                              instruments);
      fill_pending(now);
      engine_->fill_snapshot(snapshot_);
    }
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<concurrent::ConflatingBoard<Quote>> board_;
  ActionBuffer actions_;
  EngineSnapshot snapshot_;
  std::array<NewChildOrder, 64> pending_fills_{};
  std::size_t pending_count_ = 0;
  InstrumentId spot_ = kNoInstrument;
  std::int64_t spot_ticks_ = 10000;
  std::uint64_t seq_ = 0;
  std::uint64_t exec_ids_ = 0;
  std::uint64_t orders_ = 0;
  std::uint64_t taken_ = 0;
};

TEST_F(TickPath, a_burst_of_quotes_for_a_thousand_option_book_allocates_nothing) {
  ASSERT_EQ(engine_->config().book.size(), 1000u);
  TimeNs now = kT0 + kNanosPerMilli;
  burst(20, now);  // warm-up: first spot, first valuation, first hedges
  step(TimerEvent{}, now);
  const std::uint64_t orders_before = orders_;
  const std::uint64_t taken_before = taken_;

  const std::uint64_t before = testing::allocations();
  burst(200, now);
  const std::uint64_t allocated = testing::allocations() - before;

  EXPECT_EQ(allocated, 0u);
  // The burst went through the whole path: every quote was taken, and hedges were decided,
  // sent and filled.
  EXPECT_EQ(taken_ - taken_before, 200u * engine_->config().instruments.size());
  EXPECT_GT(orders_ - orders_before, 10u);
  EXPECT_EQ(snapshot_.state, TradingState::kActive);
  EXPECT_GT(snapshot_.underlyings[0].hedge_decisions, 10u);
}

TEST_F(TickPath, the_counter_sees_an_allocation) {
  const std::uint64_t before = testing::allocations();
  auto engine = std::make_unique<Engine>(engine_->config());
  EXPECT_GT(testing::allocations() - before, 0u);
}

}  // namespace
}  // namespace hedged
