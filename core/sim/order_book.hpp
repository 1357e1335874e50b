// Per-symbol limit order book and matching engine for the venue simulator: price-time priority,
// limit and market orders (day, IOC, FOK), self-trade prevention, cancel and replace, a simulated
// liquidity provider (owner 0) re-seeded around a fair price, and square-root market impact that
// feeds back into that fair price. Deterministic: no randomness, no clock (time is passed in).
// One owner thread per book; nothing here is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/model/types.hpp"

namespace hedged::sim {

// Who an order belongs to: the venue's client (session) id. 0 is the simulated liquidity provider.
using OwnerId = std::uint64_t;
inline constexpr OwnerId kLiquidityProvider = 0;

// Ids from here up are the book's own, given to the provider's orders; callers use ids below.
inline constexpr OrderId kFirstProviderOrderId = OrderId{1} << 63;

enum class OrderType : std::uint8_t { kLimit, kMarket };

// Day orders rest; IOC cancels what does not trade at once; FOK trades in full at once or not at
// all. Market orders never rest, whatever their time in force.
enum class TimeInForce : std::uint8_t { kDay, kIoc, kFok };

// What happens when an incoming order would trade with a resting order of the same client.
enum class StpPolicy : std::uint8_t {
  kCancelResting,   // cancel the resting order and keep matching (the default)
  kCancelIncoming,  // cancel the incoming order's remainder; fills before it stand
};

struct NewOrder {
  OrderId id = 0;  // caller's, unique among live orders, below kFirstProviderOrderId
  OwnerId owner = kLiquidityProvider;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kDay;
  std::int64_t price_ticks = 0;  // limit price; ignored for market orders
  std::int64_t qty = 0;
};

// One match. The price is always the resting (maker) order's. Leaves and cum are each order's
// open and filled quantity just after this fill; the taker's leaves are counted before any
// end-of-call cancel of its remainder (an IOC remainder shows in leaves, then in a Cancellation).
struct Fill {
  std::uint64_t seq = 0;  // book-wide event sequence, shared with Cancellation (an ExecID source)
  OrderId taker_id = 0;
  OrderId maker_id = 0;
  OwnerId taker_owner = kLiquidityProvider;
  OwnerId maker_owner = kLiquidityProvider;
  Side taker_side = Side::kBuy;  // the maker is on the other side
  std::int64_t price_ticks = 0;
  std::int64_t qty = 0;
  std::int64_t taker_leaves = 0;
  std::int64_t maker_leaves = 0;
  std::int64_t taker_cum = 0;
  std::int64_t maker_cum = 0;
  double taker_avg_px_ticks = 0.0;  // volume-weighted over all of the order's fills so far
  double maker_avg_px_ticks = 0.0;
};

enum class CancelReason : std::uint8_t {
  kRequested,          // cancel() or cancel_all()
  kUnfilledRemainder,  // IOC or market order: the part that found no liquidity
  kFillOrKill,         // FOK that could not fill in full: nothing traded
  kSelfTradeResting,   // STP kCancelResting: the resting order of the incoming order's owner
  kSelfTradeIncoming,  // STP kCancelIncoming: the incoming order's remainder
};

[[nodiscard]] std::string_view to_string(CancelReason reason) noexcept;

// An order left the book (or never entered it) with open quantity; it is terminal afterwards.
struct Cancellation {
  std::uint64_t seq = 0;
  OrderId id = 0;
  OwnerId owner = kLiquidityProvider;
  Side side = Side::kBuy;
  std::int64_t canceled_qty = 0;  // the open quantity removed (leaves is 0 afterwards)
  std::int64_t cum = 0;
  double avg_px_ticks = 0.0;  // 0 when nothing filled
  CancelReason reason = CancelReason::kRequested;
};

// What one call did. Calls append; the caller clears (and reuses the capacity) between calls.
// Within a call, events of one order come in order (its fills before its cancellation), and
// `seq` gives the total order across both vectors.
struct BookEvents {
  std::vector<Fill> fills;
  std::vector<Cancellation> cancellations;
  void clear() noexcept {
    fills.clear();
    cancellations.clear();
  }
};

enum class SubmitStatus : std::uint8_t {
  kAccepted,     // matched, rested and/or canceled as its type says; see events
  kDuplicateId,  // an order with this id is live in the book
  kReservedId,   // id >= kFirstProviderOrderId
  kInvalidQty,   // qty <= 0
  kInvalidPrice  // limit order with price_ticks <= 0
};

enum class ReplaceStatus : std::uint8_t {
  kReplaced,
  kUnknownOrder,    // not live in the book (never was, filled, or canceled)
  kQtyNotAboveCum,  // new total qty <= quantity already filled
  kInvalidPrice,    // price_ticks <= 0
};

enum class CancelStatus : std::uint8_t { kCanceled, kUnknownOrder };

[[nodiscard]] std::string_view to_string(SubmitStatus status) noexcept;
[[nodiscard]] std::string_view to_string(ReplaceStatus status) noexcept;
[[nodiscard]] std::string_view to_string(CancelStatus status) noexcept;

struct SubmitResult {
  SubmitStatus status = SubmitStatus::kAccepted;
  std::int64_t filled_qty = 0;
  std::int64_t resting_qty = 0;   // left in the book (day limit orders only)
  std::int64_t canceled_qty = 0;  // IOC/market remainder, killed FOK, or STP-canceled remainder
};

struct ReplaceResult {
  ReplaceStatus status = ReplaceStatus::kReplaced;
  bool priority_kept = false;    // same price and no larger open quantity: same queue place
  std::int64_t filled_qty = 0;   // traded by this replace (a marketable new price)
  std::int64_t resting_qty = 0;  // open after the replace (0 if it filled or STP canceled it)
};

// An aggregated price level.
struct LevelView {
  std::int64_t price_ticks = 0;
  std::int64_t qty = 0;
  std::uint32_t order_count = 0;
};

// A live (resting) order.
struct OrderView {
  OrderId id = 0;
  OwnerId owner = kLiquidityProvider;
  Side side = Side::kBuy;
  std::int64_t price_ticks = 0;
  std::int64_t qty = 0;  // total, as last set by submit or replace
  std::int64_t leaves = 0;
  std::int64_t cum = 0;
  double avg_px_ticks = 0.0;  // 0 when nothing filled
};

// Square-root impact of client-initiated volume q (summed over one submit or replace):
// offset += sign * coefficient * sqrt(q / daily_volume) * reference price. The permanent part
// stays; the temporary part decays with the half-life. All zero: no impact.
struct ImpactParams {
  double permanent_impact = 0.0;        // dimensionless
  double temporary_impact = 0.0;        // dimensionless
  double daily_volume = 0.0;            // shares; <= 0 disables impact
  double temporary_half_life_s = 60.0;  // <= 0: the temporary part vanishes at once
};

// Current offsets, in price units, that set_fair adds to the fair price it is given.
struct ImpactOffsets {
  double permanent = 0.0;
  double temporary = 0.0;
  [[nodiscard]] double total() const noexcept { return permanent + temporary; }
};

// The provider's quotes around the fair price: `levels` per side, the best at fair -/+ half
// spread rounded outward to ticks, then every `level_spacing_ticks`; level k (0 = best) shows
// level_size * size_growth^k * depth_multiplier, rounded to lots (at least one lot).
struct LiquidityShape {
  double half_spread = 0.01;  // price units
  std::int64_t level_size = 100;
  int levels = 5;
  std::int64_t level_spacing_ticks = 1;
  double size_growth = 1.0;
  double depth_multiplier = 1.0;  // 0.1: a flash crash with a tenth of the usual depth
  std::int64_t lot_size = 1;
};

struct OrderBookConfig {
  double tick_size = 0.01;  // price units per tick, > 0
  StpPolicy stp = StpPolicy::kCancelResting;
  ImpactParams impact;
  std::size_t expected_orders = 1024;  // capacity reserved up front (grows if exceeded)
};

class OrderBook {
 public:
  // Throws std::invalid_argument when tick_size is not positive (start-up only).
  explicit OrderBook(const OrderBookConfig& config);

  // Matches `order` against the other side while marketable, then rests, cancels or kills the
  // remainder as its type and time in force say. Fills and cancellations are appended to `out`.
  [[nodiscard]] SubmitResult submit(TimeNs now, const NewOrder& order, BookEvents& out);

  // Cancels a live order (reason kRequested).
  CancelStatus cancel(OrderId id, BookEvents& out);

  // Changes a live order's limit price and total quantity (new_qty counts what has filled, as
  // FIX OrderQty does). A lower quantity at the same price keeps the queue place; a new price or
  // a larger open quantity goes to the back. A marketable new price trades at once.
  [[nodiscard]] ReplaceResult replace(TimeNs now, OrderId id, std::int64_t new_price_ticks,
                                      std::int64_t new_qty, BookEvents& out);

  // Cancels every live order of `owner` (a disconnect), best price first, then FIFO. Returns how
  // many; each is appended to out.cancellations with reason kRequested.
  std::size_t cancel_all(OwnerId owner, BookEvents& out);

  // Replaces the provider's quotes around fair_price + impact offsets at `now`. Client orders
  // keep their queue place, ahead of the new provider orders at the same price. A client order
  // the new quotes cross trades with them at the client's limit price (the provider is the
  // taker in those fills). Provider orders removed here are not reported.
  void set_fair(TimeNs now, double fair_price, const LiquidityShape& shape, BookEvents& out);

  [[nodiscard]] std::optional<LevelView> best_bid() const noexcept;
  [[nodiscard]] std::optional<LevelView> best_ask() const noexcept;
  // Appends up to `levels` aggregated levels per side, best first.
  void depth(std::size_t levels, std::vector<LevelView>& bids, std::vector<LevelView>& asks) const;
  [[nodiscard]] std::optional<OrderView> find(OrderId id) const noexcept;
  [[nodiscard]] std::size_t resting_count() const noexcept { return index_.size(); }
  // Appends the ids of `owner`'s live orders: bids best first, then asks, FIFO within a level.
  void orders_of(OwnerId owner, std::vector<OrderId>& out) const;
  // Appends every live order in the same order (bids, then asks; queue order within a level).
  void snapshot(std::vector<OrderView>& out) const;

  // Offsets at `now` (the temporary part decayed to then).
  [[nodiscard]] ImpactOffsets impact(TimeNs now) const noexcept;
  // The fair price last given to set_fair (before impact); 0 before the first call.
  [[nodiscard]] double last_fair() const noexcept { return last_fair_; }

  [[nodiscard]] double tick_size() const noexcept { return tick_size_; }
  [[nodiscard]] double to_price(std::int64_t ticks) const noexcept {
    return static_cast<double>(ticks) * tick_size_;
  }
  // Nearest tick.
  [[nodiscard]] std::int64_t to_ticks(double price) const noexcept;

 private:
  static constexpr std::uint32_t kNil = 0xFFFF'FFFFu;

  // A live order in the node pool, linked into its level's FIFO.
  struct Node {
    OrderId id = 0;
    OwnerId owner = kLiquidityProvider;
    std::int64_t price_ticks = 0;
    std::int64_t qty = 0;
    std::int64_t leaves = 0;
    std::int64_t cum = 0;
    std::int64_t notional_ticks = 0;  // sum of price_ticks * qty over fills, for the average
    std::uint32_t prev = kNil;
    std::uint32_t next = kNil;  // also the free-list link of a free node
    Side side = Side::kBuy;
  };
  struct Level {
    std::int64_t price_ticks = 0;
    std::int64_t qty = 0;  // sum of leaves
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::uint32_t count = 0;
  };
  // The incoming side of a match (a new order, a replaced order, or a new provider quote).
  struct Taker {
    OrderId id = 0;
    OwnerId owner = kLiquidityProvider;
    Side side = Side::kBuy;
    bool is_market = false;
    std::int64_t limit_ticks = 0;
    std::int64_t qty = 0;  // total, for the node it may rest as
    std::int64_t leaves = 0;
    std::int64_t cum = 0;
    std::int64_t notional_ticks = 0;
  };

  // Levels of one side sorted so the best is at the back: bids ascending, asks descending.
  [[nodiscard]] std::vector<Level>& side_levels(Side side) noexcept {
    return side == Side::kBuy ? bids_ : asks_;
  }
  [[nodiscard]] const std::vector<Level>& side_levels(Side side) const noexcept {
    return side == Side::kBuy ? bids_ : asks_;
  }
  [[nodiscard]] static bool marketable(const Taker& taker, std::int64_t maker_price) noexcept;
  [[nodiscard]] std::int64_t fillable_qty(const Taker& taker) const noexcept;
  // Returns true when STP kCancelIncoming stopped the match.
  bool match(Taker& taker, BookEvents& out);
  // Puts a taker's remainder in the book at the back of its level.
  void rest(const Taker& taker);
  [[nodiscard]] std::vector<Level>::iterator level_position(Side side, std::int64_t price_ticks);
  std::uint32_t allocate_node();
  void free_node(std::uint32_t index) noexcept;
  void link_tail(Level& level, std::uint32_t index) noexcept;
  void unlink(Level& level, std::uint32_t index) noexcept;
  // Removes a resting order wherever it is (searching its level by price).
  void remove_resting(std::uint32_t index);
  void emit_cancel(const Node& node, CancelReason reason, BookEvents& out);
  void emit_cancel(const Taker& taker, CancelReason reason, BookEvents& out);
  void add_impact(TimeNs now, Side side, std::int64_t qty, std::int64_t notional_ticks) noexcept;

  double tick_size_;
  StpPolicy stp_;
  ImpactParams impact_params_;
  std::vector<Level> bids_;
  std::vector<Level> asks_;
  std::vector<Node> nodes_;
  std::uint32_t free_head_ = kNil;
  std::unordered_map<OrderId, std::uint32_t> index_;               // live order id -> node
  std::vector<std::pair<std::uint32_t, OrderId>> provider_nodes_;  // possibly stale; id checks
  OrderId next_provider_id_ = kFirstProviderOrderId;
  std::uint64_t event_seq_ = 0;
  double last_fair_ = 0.0;
  double permanent_offset_ = 0.0;
  double temporary_offset_ = 0.0;  // as of temporary_ns_
  TimeNs temporary_ns_ = 0;
};

}  // namespace hedged::sim
