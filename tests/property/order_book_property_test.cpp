// Seeded property test of the order book: random streams of limit/market/IOC/FOK orders from a
// few clients, cancels, replaces, disconnects and provider re-seeds, under both STP policies.
// After every operation the test checks, from its own bookkeeping, that
//   * the book is never crossed (or locked) at rest, and each level's size is its orders' leaves;
//   * every order conserves quantity: cum + leaves + canceled = qty (as last replaced);
//   * the cum and leaves a fill reports for each side match the test's running totals, and
//     across all fills the book's own cum counters bought as much as they sold;
//   * no fill is at a price worse than the taker's limit, and the maker trades at its own price;
//   * price-time priority: each level's queue is in arrival order, and a fill against a resting
//     order leaves no order resting that was ahead of it (better price, or same price earlier);
//   * event sequence numbers increase across fills and cancellations;
//   * the same seed gives the same event stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/sim/order_book.hpp"

namespace hedged::sim {
namespace {

constexpr TimeNs kT0 = 1'800'000'000LL * kNanosPerSecond;
constexpr std::size_t kSeeds = 12;
constexpr std::size_t kOpsPerSeed = 3000;
constexpr OwnerId kClients = 4;  // owners 1..4

struct Tracked {
  std::int64_t qty = 0;
  std::int64_t cum = 0;
  std::int64_t canceled = 0;
  std::int64_t notional_ticks = 0;
};

class Checker {
 public:
  Checker(std::uint64_t seed, StpPolicy stp) : gen_(seed), book_(make_config(stp)) {}

  // Runs the stream; returns a digest of every event for the determinism check.
  std::uint64_t run() {
    for (std::size_t op = 0; op < kOpsPerSeed && !::testing::Test::HasFatalFailure(); ++op) {
      now_ += static_cast<TimeNs>(pick(1, 200)) * kNanosPerMilli;
      step();
    }
    return digest_;
  }

 private:
  static OrderBookConfig make_config(StpPolicy stp) {
    OrderBookConfig c;
    c.tick_size = 0.01;
    c.stp = stp;
    c.impact.permanent_impact = 0.05;
    c.impact.temporary_impact = 0.2;
    c.impact.daily_volume = 1e5;
    c.impact.temporary_half_life_s = 5.0;
    c.expected_orders = 64;  // small on purpose: exercises growth and node reuse
    return c;
  }

  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(gen_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  std::int64_t mid_ticks() const {
    const auto bid = book_.best_bid();
    const auto ask = book_.best_ask();
    if (bid && ask) return (bid->price_ticks + ask->price_ticks) / 2;
    if (bid) return bid->price_ticks;
    if (ask) return ask->price_ticks;
    return 10'000;
  }

  OrderId random_live_client_order() {
    std::vector<OrderView> live;
    book_.snapshot(live);
    std::vector<OrderId> ids;
    for (const auto& o : live) {
      if (o.owner != kLiquidityProvider) ids.push_back(o.id);
    }
    if (ids.empty()) return 0;
    return ids[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(ids.size()) - 1))];
  }

  void step() {
    std::vector<OrderView> before;
    book_.snapshot(before);
    events_.clear();
    OrderId taker = 0;             // client order that may take liquidity in this call
    std::int64_t taker_limit = 0;  // 0: market
    std::int64_t expected_fill = -1;

    const std::int64_t roll = pick(1, 100);
    if (roll <= 55) {
      NewOrder o;
      o.id = next_id_++;
      o.owner = static_cast<OwnerId>(pick(1, kClients));
      o.side = chance(50) ? Side::kBuy : Side::kSell;
      o.type = chance(10) ? OrderType::kMarket : OrderType::kLimit;
      const std::int64_t tif = pick(1, 10);
      o.tif = tif <= 6 ? TimeInForce::kDay : (tif <= 8 ? TimeInForce::kIoc : TimeInForce::kFok);
      o.price_ticks = std::max<std::int64_t>(1, mid_ticks() + pick(-8, 8));
      o.qty = pick(1, 60);
      const SubmitResult r = book_.submit(now_, o, events_);
      ASSERT_EQ(r.status, SubmitStatus::kAccepted);
      orders_[o.id] = {o.qty, 0, 0, 0};
      taker = o.id;
      taker_limit = o.type == OrderType::kMarket ? 0 : o.price_ticks;
      expected_fill = r.filled_qty;
      EXPECT_EQ(r.filled_qty + r.resting_qty + r.canceled_qty, o.qty);
      if (o.tif == TimeInForce::kFok) {
        EXPECT_TRUE(r.filled_qty == 0 || r.filled_qty == o.qty) << "FOK traded in part";
      }
      if (o.type == OrderType::kMarket || o.tif != TimeInForce::kDay) {
        EXPECT_EQ(r.resting_qty, 0);
      }
    } else if (roll <= 70) {
      const OrderId id = random_live_client_order();
      if (id == 0) return;
      EXPECT_EQ(book_.cancel(id, events_), CancelStatus::kCanceled);
      EXPECT_EQ(book_.cancel(id, events_), CancelStatus::kUnknownOrder);
    } else if (roll <= 85) {
      const OrderId id = random_live_client_order();
      if (id == 0) return;
      const OrderView o = *book_.find(id);
      const std::int64_t price = std::max<std::int64_t>(1, o.price_ticks + pick(-3, 3));
      const std::int64_t qty = std::max<std::int64_t>(1, o.cum + o.leaves + pick(-8, 8));
      const ReplaceResult r = book_.replace(now_, id, price, qty, events_);
      if (qty <= o.cum) {
        EXPECT_EQ(r.status, ReplaceStatus::kQtyNotAboveCum);
        return;
      }
      ASSERT_EQ(r.status, ReplaceStatus::kReplaced);
      orders_[id].qty = qty;
      taker = id;
      taker_limit = price;
      expected_fill = r.filled_qty;
      const bool expect_kept = price == o.price_ticks && qty - o.cum <= o.leaves;
      EXPECT_EQ(r.priority_kept, expect_kept);
      if (!r.priority_kept && r.resting_qty > 0) arrival_[id] = ++arrival_seq_;
    } else if (roll <= 87) {
      const OwnerId owner = static_cast<OwnerId>(pick(1, kClients));
      std::vector<OrderId> ids;
      book_.orders_of(owner, ids);
      EXPECT_EQ(book_.cancel_all(owner, events_), ids.size());
    } else {
      fair_ = std::max(1.0, fair_ + 0.01 * static_cast<double>(pick(-6, 6)));
      LiquidityShape shape;
      shape.half_spread = 0.01 * static_cast<double>(pick(0, 4));
      shape.level_size = pick(5, 40);
      shape.levels = static_cast<int>(pick(1, 6));
      shape.level_spacing_ticks = pick(1, 2);
      shape.size_growth = 1.5;
      shape.depth_multiplier = chance(10) ? 0.1 : 1.0;
      book_.set_fair(now_, fair_, shape, events_);
    }

    check_events(before, taker, taker_limit, expected_fill);
    if (::testing::Test::HasFailure()) return;
    check_book(before);
  }

  void check_events(const std::vector<OrderView>& before, OrderId taker, std::int64_t taker_limit,
                    std::int64_t expected_fill) {
    std::map<OrderId, const OrderView*> resting_before;
    for (const auto& o : before) resting_before[o.id] = &o;

    std::int64_t taker_filled = 0;
    for (const Fill& f : events_.fills) {
      EXPECT_GT(f.seq, last_seq_);
      mix(f.seq ^ (f.taker_id * 31) ^ (f.maker_id * 131) ^ static_cast<std::uint64_t>(f.qty) ^
          (static_cast<std::uint64_t>(f.price_ticks) << 20));
      EXPECT_GT(f.qty, 0);
      // The maker was resting before the call and trades at its own price.
      const auto maker = resting_before.find(f.maker_id);
      ASSERT_NE(maker, resting_before.end()) << "maker " << f.maker_id << " was not resting";
      EXPECT_EQ(f.price_ticks, maker->second->price_ticks);
      EXPECT_NE(maker->second->side, f.taker_side);
      if (f.taker_owner != kLiquidityProvider) {
        EXPECT_NE(f.taker_owner, f.maker_owner) << "STP";
      }
      // The taker's limit.
      if (f.taker_id == taker) {
        taker_filled += f.qty;
        if (taker_limit != 0) {
          if (f.taker_side == Side::kBuy) {
            EXPECT_LE(f.price_ticks, taker_limit);
          } else {
            EXPECT_GE(f.price_ticks, taker_limit);
          }
        }
      } else {
        EXPECT_EQ(f.taker_owner, kLiquidityProvider) << "only a reseed has provider takers";
        EXPECT_GE(f.taker_id, kFirstProviderOrderId);
      }
      apply_fill(f.taker_id, f.taker_side, f.qty, f.price_ticks, f.taker_cum, f.taker_leaves);
      apply_fill(f.maker_id, f.taker_side == Side::kBuy ? Side::kSell : Side::kBuy, f.qty,
                 f.price_ticks, f.maker_cum, f.maker_leaves);
      // FIFO: no order that arrived earlier at the maker's price is still resting afterwards.
      fills_this_step_.push_back({f.maker_id, maker->second->side, f.price_ticks});
      last_seq_ = std::max(last_seq_, f.seq);
    }
    if (expected_fill >= 0) {
      EXPECT_EQ(taker_filled, expected_fill);
    }

    for (const Cancellation& c : events_.cancellations) {
      EXPECT_GT(c.seq, 0u);
      mix(c.seq ^ (c.id * 7) ^ static_cast<std::uint64_t>(c.canceled_qty) ^
          static_cast<std::uint64_t>(c.reason));
      EXPECT_NE(c.owner, kLiquidityProvider) << "provider orders are removed silently";
      auto it = orders_.find(c.id);
      ASSERT_NE(it, orders_.end());
      EXPECT_EQ(it->second.canceled, 0) << "canceled twice: " << c.id;
      EXPECT_GT(c.canceled_qty, 0);
      it->second.canceled += c.canceled_qty;
      EXPECT_EQ(c.cum, it->second.cum);
    }
    // Sequence numbers are one total order over both vectors: all distinct and new.
    std::vector<std::uint64_t> seqs;
    for (const Fill& f : events_.fills) seqs.push_back(f.seq);
    for (const Cancellation& c : events_.cancellations) seqs.push_back(c.seq);
    std::sort(seqs.begin(), seqs.end());
    EXPECT_TRUE(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());
    if (!seqs.empty()) {
      EXPECT_GT(seqs.front(), max_seq_);
      max_seq_ = seqs.back();
    }
  }

  void apply_fill(OrderId id, Side side, std::int64_t qty, std::int64_t price, std::int64_t cum,
                  std::int64_t leaves) {
    Tracked& t = orders_[id];  // provider orders appear here on their first fill
    if (id >= kFirstProviderOrderId && t.qty == 0) t.qty = -1;  // size not known to the test
    t.cum += qty;
    t.notional_ticks += qty * price;
    EXPECT_EQ(cum, t.cum) << "order " << id;
    if (t.qty > 0) {
      EXPECT_EQ(leaves, t.qty - t.cum - t.canceled) << "order " << id;
    }
    net_shares_ += side == Side::kBuy ? qty : -qty;
  }

  void check_book(const std::vector<OrderView>& before) {
    const auto bid = book_.best_bid();
    const auto ask = book_.best_ask();
    if (bid && ask) {
      ASSERT_LT(bid->price_ticks, ask->price_ticks) << "crossed at rest";
    }
    EXPECT_EQ(net_shares_, 0) << "bought != sold";

    std::vector<OrderView> after;
    book_.snapshot(after);
    EXPECT_EQ(after.size(), book_.resting_count());
    std::map<OrderId, const OrderView*> resting;
    for (const auto& o : after) resting[o.id] = &o;

    // New arrivals: the submitted order if it rests, new provider quotes after a reseed.
    for (const auto& o : after) {
      if (!arrival_.contains(o.id)) arrival_[o.id] = ++arrival_seq_;
    }

    // Levels: aggregate equals leaves; queues in arrival order; sides on the right side.
    std::map<std::tuple<int, std::int64_t>, std::int64_t> level_qty;
    const OrderView* prev = nullptr;
    for (const auto& o : after) {
      EXPECT_GT(o.leaves, 0);
      level_qty[{static_cast<int>(o.side), o.price_ticks}] += o.leaves;
      if (prev && prev->side == o.side && prev->price_ticks == o.price_ticks) {
        EXPECT_LT(arrival_[prev->id], arrival_[o.id]) << "FIFO broken at " << o.price_ticks;
      }
      prev = &o;
    }
    std::vector<LevelView> bids;
    std::vector<LevelView> asks;
    book_.depth(1000, bids, asks);
    for (const auto& l : bids) EXPECT_EQ(l.qty, (level_qty[{0, l.price_ticks}]));
    for (const auto& l : asks) EXPECT_EQ(l.qty, (level_qty[{1, l.price_ticks}]));
    EXPECT_EQ(bids.size() + asks.size(), level_qty.size());

    // Price-time priority as seen by fills: every order that was ahead of a filled maker (a
    // better price on its side, or the same price and an earlier arrival) is gone.
    for (const auto& [maker, side, price] : fills_this_step_) {
      for (const auto& o : before) {
        if (o.side != side) continue;
        const bool better = side == Side::kBuy ? o.price_ticks > price : o.price_ticks < price;
        const bool earlier = o.price_ticks == price && arrival_[o.id] < arrival_[maker];
        if (better || earlier) {
          EXPECT_FALSE(resting.contains(o.id))
              << "order " << o.id << " was ahead of " << maker << " and is still resting";
        }
      }
    }
    fills_this_step_.clear();

    // Conservation for every client order, live or done.
    for (const auto& [id, t] : orders_) {
      if (id >= kFirstProviderOrderId) continue;
      const auto live = resting.find(id);
      const std::int64_t leaves = live == resting.end() ? 0 : live->second->leaves;
      EXPECT_EQ(t.cum + leaves + t.canceled, t.qty) << "order " << id;
      if (live != resting.end()) {
        EXPECT_EQ(live->second->cum, t.cum);
        EXPECT_EQ(live->second->qty, t.qty);
        if (t.cum > 0) {
          EXPECT_NEAR(live->second->avg_px_ticks,
                      static_cast<double>(t.notional_ticks) / static_cast<double>(t.cum), 1e-6);
        }
      }
    }
  }

  void mix(std::uint64_t v) { digest_ = (digest_ ^ v) * 0x100000001B3ULL; }

  std::mt19937_64 gen_;
  OrderBook book_;
  BookEvents events_;
  TimeNs now_ = kT0;
  double fair_ = 100.0;
  OrderId next_id_ = 1;
  std::unordered_map<OrderId, Tracked> orders_;
  std::unordered_map<OrderId, std::uint64_t> arrival_;
  std::uint64_t arrival_seq_ = 0;
  std::vector<std::tuple<OrderId, Side, std::int64_t>> fills_this_step_;
  std::int64_t net_shares_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t max_seq_ = 0;
  std::uint64_t digest_ = 0xCBF29CE484222325ULL;
};

TEST(OrderBookProperty, invariants_hold_under_random_flow_with_cancel_resting_stp) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Checker checker(seed, StpPolicy::kCancelResting);
    checker.run();
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(OrderBookProperty, invariants_hold_under_random_flow_with_cancel_incoming_stp) {
  for (std::uint64_t seed = 101; seed <= 100 + kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    Checker checker(seed, StpPolicy::kCancelIncoming);
    checker.run();
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(OrderBookProperty, same_seed_gives_the_same_event_stream) {
  Checker a(42, StpPolicy::kCancelResting);
  Checker b(42, StpPolicy::kCancelResting);
  Checker c(43, StpPolicy::kCancelResting);
  const std::uint64_t da = a.run();
  EXPECT_EQ(da, b.run());
  EXPECT_NE(da, c.run());
}

}  // namespace
}  // namespace hedged::sim
