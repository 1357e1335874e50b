#include "core/sim/order_book.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

namespace hedged::sim {
namespace {

constexpr Side opposite(Side side) noexcept {
  return side == Side::kBuy ? Side::kSell : Side::kBuy;
}

double average(std::int64_t notional_ticks, std::int64_t cum) noexcept {
  return cum > 0 ? static_cast<double>(notional_ticks) / static_cast<double>(cum) : 0.0;
}

// Slack when rounding a price to ticks outward, so 100.02 / 0.01 = 10001.999... stays 10002.
constexpr double kTickSlack = 1e-9;

}  // namespace

std::string_view to_string(CancelReason reason) noexcept {
  switch (reason) {
    case CancelReason::kRequested: return "requested";
    case CancelReason::kUnfilledRemainder: return "unfilled_remainder";
    case CancelReason::kFillOrKill: return "fill_or_kill";
    case CancelReason::kSelfTradeResting: return "self_trade_resting";
    case CancelReason::kSelfTradeIncoming: return "self_trade_incoming";
  }
  return "unknown";
}

std::string_view to_string(SubmitStatus status) noexcept {
  switch (status) {
    case SubmitStatus::kAccepted: return "accepted";
    case SubmitStatus::kDuplicateId: return "duplicate order id";
    case SubmitStatus::kReservedId: return "order id in the book's reserved range";
    case SubmitStatus::kInvalidQty: return "quantity must be positive";
    case SubmitStatus::kInvalidPrice: return "limit price must be positive";
  }
  return "unknown";
}

std::string_view to_string(ReplaceStatus status) noexcept {
  switch (status) {
    case ReplaceStatus::kReplaced: return "replaced";
    case ReplaceStatus::kUnknownOrder: return "unknown order";
    case ReplaceStatus::kQtyNotAboveCum: return "new quantity not above filled quantity";
    case ReplaceStatus::kInvalidPrice: return "limit price must be positive";
  }
  return "unknown";
}

std::string_view to_string(CancelStatus status) noexcept {
  switch (status) {
    case CancelStatus::kCanceled: return "canceled";
    case CancelStatus::kUnknownOrder: return "unknown order";
  }
  return "unknown";
}

OrderBook::OrderBook(const OrderBookConfig& config)
    : tick_size_(config.tick_size), stp_(config.stp), impact_params_(config.impact) {
  if (!(config.tick_size > 0.0)) throw std::invalid_argument("order book: tick_size must be > 0");
  const std::size_t capacity = std::max<std::size_t>(config.expected_orders, 16);
  nodes_.reserve(capacity);
  index_.reserve(capacity);
  bids_.reserve(64);
  asks_.reserve(64);
  provider_nodes_.reserve(64);
}

std::int64_t OrderBook::to_ticks(double price) const noexcept {
  return std::llround(price / tick_size_);
}

// --- Submit, cancel, replace ----------------------------------------------------------------

SubmitResult OrderBook::submit(TimeNs now, const NewOrder& order, BookEvents& out) {
  if (order.id >= kFirstProviderOrderId) return {SubmitStatus::kReservedId, 0, 0, 0};
  if (order.qty <= 0) return {SubmitStatus::kInvalidQty, 0, 0, 0};
  const bool is_market = order.type == OrderType::kMarket;
  if (!is_market && order.price_ticks <= 0) return {SubmitStatus::kInvalidPrice, 0, 0, 0};
  if (index_.contains(order.id)) return {SubmitStatus::kDuplicateId, 0, 0, 0};

  Taker taker;
  taker.id = order.id;
  taker.owner = order.owner;
  taker.side = order.side;
  taker.is_market = is_market;
  taker.limit_ticks = is_market ? 0 : order.price_ticks;
  taker.qty = order.qty;
  taker.leaves = order.qty;

  if (order.tif == TimeInForce::kFok && fillable_qty(taker) < order.qty) {
    emit_cancel(taker, CancelReason::kFillOrKill, out);
    return {SubmitStatus::kAccepted, 0, 0, order.qty};
  }

  const bool stopped_by_stp = match(taker, out);
  if (taker.owner != kLiquidityProvider && taker.cum > 0) {
    add_impact(now, taker.side, taker.cum, taker.notional_ticks);
  }
  SubmitResult result{SubmitStatus::kAccepted, taker.cum, 0, 0};
  if (taker.leaves == 0) return result;
  if (stopped_by_stp) {
    result.canceled_qty = taker.leaves;
    emit_cancel(taker, CancelReason::kSelfTradeIncoming, out);
  } else if (is_market || order.tif != TimeInForce::kDay) {
    result.canceled_qty = taker.leaves;
    emit_cancel(taker, CancelReason::kUnfilledRemainder, out);
  } else {
    result.resting_qty = taker.leaves;
    rest(taker);
  }
  return result;
}

CancelStatus OrderBook::cancel(OrderId id, BookEvents& out) {
  const auto it = index_.find(id);
  if (it == index_.end()) return CancelStatus::kUnknownOrder;
  const std::uint32_t index = it->second;
  emit_cancel(nodes_[index], CancelReason::kRequested, out);
  remove_resting(index);
  return CancelStatus::kCanceled;
}

ReplaceResult OrderBook::replace(TimeNs now, OrderId id, std::int64_t new_price_ticks,
                                 std::int64_t new_qty, BookEvents& out) {
  const auto it = index_.find(id);
  if (it == index_.end()) return {ReplaceStatus::kUnknownOrder, false, 0, 0};
  const std::uint32_t index = it->second;
  Node& node = nodes_[index];
  if (new_qty <= node.cum) return {ReplaceStatus::kQtyNotAboveCum, false, 0, node.leaves};
  if (new_price_ticks <= 0) return {ReplaceStatus::kInvalidPrice, false, 0, node.leaves};

  const std::int64_t new_leaves = new_qty - node.cum;
  if (new_price_ticks == node.price_ticks && new_leaves <= node.leaves) {
    // Same price, no more open quantity: shrink in place and keep the queue place.
    auto level = level_position(node.side, node.price_ticks);
    assert(level != side_levels(node.side).end() && level->price_ticks == node.price_ticks);
    level->qty -= node.leaves - new_leaves;
    node.leaves = new_leaves;
    node.qty = new_qty;
    return {ReplaceStatus::kReplaced, true, 0, new_leaves};
  }

  // A new price or more quantity: out of the queue, match if marketable, back in at the end.
  Taker taker;
  taker.id = node.id;
  taker.owner = node.owner;
  taker.side = node.side;
  taker.limit_ticks = new_price_ticks;
  taker.qty = new_qty;
  taker.leaves = new_leaves;
  taker.cum = node.cum;
  taker.notional_ticks = node.notional_ticks;
  remove_resting(index);

  const std::int64_t cum_before = taker.cum;
  const std::int64_t notional_before = taker.notional_ticks;
  const bool stopped_by_stp = match(taker, out);
  const std::int64_t filled = taker.cum - cum_before;
  if (taker.owner != kLiquidityProvider && filled > 0) {
    add_impact(now, taker.side, filled, taker.notional_ticks - notional_before);
  }
  ReplaceResult result{ReplaceStatus::kReplaced, false, filled, 0};
  if (taker.leaves == 0) return result;
  if (stopped_by_stp) {
    emit_cancel(taker, CancelReason::kSelfTradeIncoming, out);
  } else {
    result.resting_qty = taker.leaves;
    rest(taker);
  }
  return result;
}

std::size_t OrderBook::cancel_all(OwnerId owner, BookEvents& out) {
  std::vector<OrderId> ids;
  orders_of(owner, ids);
  for (const OrderId id : ids) (void)cancel(id, out);
  return ids.size();
}

// --- Simulated liquidity --------------------------------------------------------------------

void OrderBook::set_fair(TimeNs now, double fair_price, const LiquidityShape& shape,
                         BookEvents& out) {
  for (const auto& [index, id] : provider_nodes_) {
    if (nodes_[index].id == id && nodes_[index].owner == kLiquidityProvider) remove_resting(index);
  }
  provider_nodes_.clear();
  last_fair_ = fair_price;

  const double fair = fair_price + impact(now).total();
  if (!(fair > 0.0) || shape.levels <= 0) return;
  const double half_spread = std::max(0.0, shape.half_spread);
  const std::int64_t best_bid =
      static_cast<std::int64_t>(std::floor((fair - half_spread) / tick_size_ + kTickSlack));
  std::int64_t best_ask =
      static_cast<std::int64_t>(std::ceil((fair + half_spread) / tick_size_ - kTickSlack));
  if (best_ask <= best_bid) best_ask = best_bid + 1;  // never quote crossed or locked
  const std::int64_t spacing = std::max<std::int64_t>(1, shape.level_spacing_ticks);
  const std::int64_t lot = std::max<std::int64_t>(1, shape.lot_size);

  // Each new quote enters as a taker so a client order it crosses trades at the client's price;
  // asks first, then bids (they cannot cross each other).
  for (const Side side : {Side::kSell, Side::kBuy}) {
    double size = static_cast<double>(shape.level_size) * shape.depth_multiplier;
    for (int k = 0; k < shape.levels; ++k, size *= shape.size_growth) {
      const std::int64_t offset = spacing * k;
      const std::int64_t price = side == Side::kSell ? best_ask + offset : best_bid - offset;
      if (price <= 0) break;
      const std::int64_t lots =
          std::max<std::int64_t>(1, std::llround(size / static_cast<double>(lot)));
      Taker taker;
      taker.id = next_provider_id_++;
      taker.owner = kLiquidityProvider;
      taker.side = side;
      taker.limit_ticks = price;
      taker.qty = lots * lot;
      taker.leaves = taker.qty;
      match(taker, out);
      if (taker.leaves > 0) rest(taker);
    }
  }
}

// --- Impact ---------------------------------------------------------------------------------

ImpactOffsets OrderBook::impact(TimeNs now) const noexcept {
  ImpactOffsets offsets;
  offsets.permanent = permanent_offset_;
  const double half_life_s = impact_params_.temporary_half_life_s;
  if (half_life_s > 0.0 && temporary_offset_ != 0.0) {
    const double elapsed_s =
        static_cast<double>(std::max<TimeNs>(0, now - temporary_ns_)) / kNanosPerSecond;
    offsets.temporary = temporary_offset_ * std::exp2(-elapsed_s / half_life_s);
  }
  return offsets;
}

void OrderBook::add_impact(TimeNs now, Side side, std::int64_t qty,
                           std::int64_t notional_ticks) noexcept {
  const ImpactParams& p = impact_params_;
  if (!(p.daily_volume > 0.0) || (p.permanent_impact == 0.0 && p.temporary_impact == 0.0)) return;
  // Fraction of price times the price: the last fair, or the traded price before any set_fair.
  const double reference =
      last_fair_ > 0.0 ? last_fair_ : average(notional_ticks, qty) * tick_size_;
  const double root = std::sqrt(static_cast<double>(qty) / p.daily_volume);
  const double sign = side == Side::kBuy ? 1.0 : -1.0;
  permanent_offset_ += sign * p.permanent_impact * root * reference;
  const double decayed = impact(now).temporary;
  temporary_offset_ = decayed + sign * p.temporary_impact * root * reference;
  temporary_ns_ = std::max(now, temporary_ns_);
}

// --- Queries --------------------------------------------------------------------------------

std::optional<LevelView> OrderBook::best_bid() const noexcept {
  if (bids_.empty()) return std::nullopt;
  const Level& level = bids_.back();
  return LevelView{level.price_ticks, level.qty, level.count};
}

std::optional<LevelView> OrderBook::best_ask() const noexcept {
  if (asks_.empty()) return std::nullopt;
  const Level& level = asks_.back();
  return LevelView{level.price_ticks, level.qty, level.count};
}

void OrderBook::depth(std::size_t levels, std::vector<LevelView>& bids,
                      std::vector<LevelView>& asks) const {
  const auto copy = [levels](const std::vector<Level>& from, std::vector<LevelView>& to) {
    std::size_t n = 0;
    for (auto it = from.rbegin(); it != from.rend() && n < levels; ++it, ++n) {
      to.push_back({it->price_ticks, it->qty, it->count});
    }
  };
  copy(bids_, bids);
  copy(asks_, asks);
}

std::optional<OrderView> OrderBook::find(OrderId id) const noexcept {
  const auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  const Node& n = nodes_[it->second];
  return OrderView{n.id,  n.owner,  n.side, n.price_ticks,
                   n.qty, n.leaves, n.cum,  average(n.notional_ticks, n.cum)};
}

void OrderBook::orders_of(OwnerId owner, std::vector<OrderId>& out) const {
  for (const auto* levels : {&bids_, &asks_}) {
    for (auto level = levels->rbegin(); level != levels->rend(); ++level) {
      for (std::uint32_t i = level->head; i != kNil; i = nodes_[i].next) {
        if (nodes_[i].owner == owner) out.push_back(nodes_[i].id);
      }
    }
  }
}

void OrderBook::snapshot(std::vector<OrderView>& out) const {
  for (const auto* levels : {&bids_, &asks_}) {
    for (auto level = levels->rbegin(); level != levels->rend(); ++level) {
      for (std::uint32_t i = level->head; i != kNil; i = nodes_[i].next) {
        const Node& n = nodes_[i];
        out.push_back({n.id, n.owner, n.side, n.price_ticks, n.qty, n.leaves, n.cum,
                       average(n.notional_ticks, n.cum)});
      }
    }
  }
}

// --- Matching -------------------------------------------------------------------------------

bool OrderBook::marketable(const Taker& taker, std::int64_t maker_price) noexcept {
  if (taker.is_market) return true;
  return taker.side == Side::kBuy ? maker_price <= taker.limit_ticks
                                  : maker_price >= taker.limit_ticks;
}

// What match() would fill, without side effects: the FOK test. Same walk, same STP rule.
std::int64_t OrderBook::fillable_qty(const Taker& taker) const noexcept {
  const bool stp = taker.owner != kLiquidityProvider;
  const std::vector<Level>& levels = side_levels(opposite(taker.side));
  std::int64_t available = 0;
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    if (!marketable(taker, level->price_ticks)) break;
    for (std::uint32_t i = level->head; i != kNil; i = nodes_[i].next) {
      const Node& maker = nodes_[i];
      if (stp && maker.owner == taker.owner) {
        if (stp_ == StpPolicy::kCancelIncoming) return available;
        continue;  // would be canceled, not traded with
      }
      available += maker.leaves;
      if (available >= taker.leaves) return available;
    }
  }
  return available;
}

bool OrderBook::match(Taker& taker, BookEvents& out) {
  const bool stp = taker.owner != kLiquidityProvider;
  std::vector<Level>& levels = side_levels(opposite(taker.side));
  while (taker.leaves > 0 && !levels.empty()) {
    Level& level = levels.back();
    if (!marketable(taker, level.price_ticks)) break;
    std::uint32_t i = level.head;
    while (i != kNil && taker.leaves > 0) {
      Node& maker = nodes_[i];
      const std::uint32_t next = maker.next;
      if (stp && maker.owner == taker.owner) {
        if (stp_ == StpPolicy::kCancelIncoming) return true;
        emit_cancel(maker, CancelReason::kSelfTradeResting, out);
        unlink(level, i);
        index_.erase(maker.id);
        free_node(i);
        i = next;
        continue;
      }
      const std::int64_t qty = std::min(taker.leaves, maker.leaves);
      const std::int64_t price = level.price_ticks;
      taker.leaves -= qty;
      taker.cum += qty;
      taker.notional_ticks += qty * price;
      maker.leaves -= qty;
      maker.cum += qty;
      maker.notional_ticks += qty * price;
      level.qty -= qty;
      Fill& fill = out.fills.emplace_back();
      fill.seq = ++event_seq_;
      fill.taker_id = taker.id;
      fill.maker_id = maker.id;
      fill.taker_owner = taker.owner;
      fill.maker_owner = maker.owner;
      fill.taker_side = taker.side;
      fill.price_ticks = price;
      fill.qty = qty;
      fill.taker_leaves = taker.leaves;
      fill.maker_leaves = maker.leaves;
      fill.taker_cum = taker.cum;
      fill.maker_cum = maker.cum;
      fill.taker_avg_px_ticks = average(taker.notional_ticks, taker.cum);
      fill.maker_avg_px_ticks = average(maker.notional_ticks, maker.cum);
      if (maker.leaves == 0) {
        unlink(level, i);
        index_.erase(maker.id);
        free_node(i);
      }
      i = next;
    }
    if (level.count == 0) levels.pop_back();
  }
  return false;
}

// --- Book structure -------------------------------------------------------------------------

std::vector<OrderBook::Level>::iterator OrderBook::level_position(Side side,
                                                                  std::int64_t price_ticks) {
  std::vector<Level>& levels = side_levels(side);
  if (side == Side::kBuy) {
    return std::lower_bound(levels.begin(), levels.end(), price_ticks,
                            [](const Level& l, std::int64_t p) { return l.price_ticks < p; });
  }
  return std::lower_bound(levels.begin(), levels.end(), price_ticks,
                          [](const Level& l, std::int64_t p) { return l.price_ticks > p; });
}

void OrderBook::rest(const Taker& taker) {
  const std::uint32_t index = allocate_node();
  Node& node = nodes_[index];
  node.id = taker.id;
  node.owner = taker.owner;
  node.side = taker.side;
  node.price_ticks = taker.limit_ticks;
  node.qty = taker.qty;
  node.leaves = taker.leaves;
  node.cum = taker.cum;
  node.notional_ticks = taker.notional_ticks;
  auto level = level_position(taker.side, taker.limit_ticks);
  if (level == side_levels(taker.side).end() || level->price_ticks != taker.limit_ticks) {
    level = side_levels(taker.side).insert(level, Level{taker.limit_ticks, 0, kNil, kNil, 0});
  }
  link_tail(*level, index);
  index_.emplace(taker.id, index);
  if (taker.owner == kLiquidityProvider) provider_nodes_.emplace_back(index, taker.id);
}

void OrderBook::remove_resting(std::uint32_t index) {
  const Node& node = nodes_[index];
  std::vector<Level>& levels = side_levels(node.side);
  const auto level = level_position(node.side, node.price_ticks);
  assert(level != levels.end() && level->price_ticks == node.price_ticks);
  unlink(*level, index);
  if (level->count == 0) levels.erase(level);
  index_.erase(node.id);
  free_node(index);
}

std::uint32_t OrderBook::allocate_node() {
  if (free_head_ != kNil) {
    const std::uint32_t index = free_head_;
    free_head_ = nodes_[index].next;
    nodes_[index] = Node{};
    return index;
  }
  nodes_.emplace_back();
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void OrderBook::free_node(std::uint32_t index) noexcept {
  nodes_[index].id = 0;  // provider_nodes_ entries pointing here become stale
  nodes_[index].next = free_head_;
  free_head_ = index;
}

void OrderBook::link_tail(Level& level, std::uint32_t index) noexcept {
  Node& node = nodes_[index];
  node.prev = level.tail;
  node.next = kNil;
  if (level.tail != kNil) {
    nodes_[level.tail].next = index;
  } else {
    level.head = index;
  }
  level.tail = index;
  level.qty += node.leaves;
  ++level.count;
}

void OrderBook::unlink(Level& level, std::uint32_t index) noexcept {
  Node& node = nodes_[index];
  if (node.prev != kNil) {
    nodes_[node.prev].next = node.next;
  } else {
    level.head = node.next;
  }
  if (node.next != kNil) {
    nodes_[node.next].prev = node.prev;
  } else {
    level.tail = node.prev;
  }
  node.prev = kNil;
  node.next = kNil;
  level.qty -= node.leaves;
  --level.count;
}

void OrderBook::emit_cancel(const Node& node, CancelReason reason, BookEvents& out) {
  out.cancellations.push_back({++event_seq_, node.id, node.owner, node.side, node.leaves, node.cum,
                               average(node.notional_ticks, node.cum), reason});
}

void OrderBook::emit_cancel(const Taker& taker, CancelReason reason, BookEvents& out) {
  out.cancellations.push_back({++event_seq_, taker.id, taker.owner, taker.side, taker.leaves,
                               taker.cum, average(taker.notional_ticks, taker.cum), reason});
}

}  // namespace hedged::sim
