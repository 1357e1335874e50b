#include "core/engine/engine.hpp"

#include <cmath>
#include <cstdlib>
#include <utility>

namespace hedged {
namespace {

constexpr std::uint32_t kNotAnUnderlying = ~0u;

std::size_t side_index(Side side) noexcept {
  return side == Side::kBuy ? 0 : 1;
}
std::size_t outcome_index(OrderOutcome outcome) noexcept {
  return static_cast<std::size_t>(outcome);
}

}  // namespace

std::string validate(const EngineConfig& config) {
  if (config.underlyings.empty()) return "no underlyings configured";
  if (config.underlyings.size() > kMaxUnderlyings) {
    return "at most " + std::to_string(kMaxUnderlyings) + " underlyings are supported";
  }
  const auto n = static_cast<InstrumentId>(config.instruments.size());
  for (InstrumentId i = 0; i < n; ++i) {
    const InstrumentSpec& spec = config.instruments[i];
    if (spec.id != i) return "instrument '" + spec.symbol + "' is out of order in the table";
    if (!(spec.tick_size > 0.0))
      return "instrument '" + spec.symbol + "' has no positive tick size";
    if (spec.lot_size <= 0) return "instrument '" + spec.symbol + "' has no positive lot size";
  }
  for (const UnderlyingConfig& u : config.underlyings) {
    if (u.spot_instrument >= n ||
        config.instruments[u.spot_instrument].kind != InstrumentKind::kSpot) {
      return "underlying '" + u.name + "' has no spot instrument";
    }
    if (u.hedge_instrument >= n) return "underlying '" + u.name + "' has no hedge instrument";
    if (!(u.vol > 0.0)) return "underlying '" + u.name + "' needs a positive vol";
    const std::int64_t lot = config.instruments[u.hedge_instrument].lot_size;
    if (u.limits.max_order_qty > 0 && u.limits.max_order_qty < lot) {
      return "underlying '" + u.name + "': max_order_qty is smaller than one lot";
    }
  }
  for (const BookLine& line : config.book) {
    if (line.option >= n || config.instruments[line.option].kind != InstrumentKind::kOption) {
      return "book line refers to an instrument that is not an option";
    }
  }
  if (config.max_working_orders == 0) return "max_working_orders must be positive";
  return {};
}

Engine::Engine(EngineConfig config)
    : config_(std::move(config)),
      underlyings_(config_.underlyings.size()),
      underlying_of_spot_(config_.instruments.size(), kNotAnUnderlying),
      last_quotes_(config_.instruments.size()),
      orders_(config_.max_working_orders),
      next_order_id_(config_.first_order_id) {
  for (std::uint32_t u = 0; u < config_.underlyings.size(); ++u) {
    underlying_of_spot_[config_.underlyings[u].spot_instrument] = u;
    underlyings_[u].hedge_position = config_.underlyings[u].initial_hedge_position;
  }
  for (const BookLine& line : config_.book) {
    const InstrumentSpec& spec = config_.instruments[line.option];
    const std::uint32_t u = underlying_of_spot_[spec.underlying];
    if (u == kNotAnUnderlying) continue;  // validate() reports this before construction
    underlyings_[u].book.add(
        {spec.id, spec.right, spec.strike, spec.expiry_ns, spec.multiplier, line.quantity});
  }
}

void Engine::on_event(const Event& event, TimeNs now, ActionBuffer& out) noexcept {
  last_event_ns_ = now;
  // get_if rather than std::visit: no bad_variant_access path in a noexcept function.
  if (const auto* quote = std::get_if<QuoteEvent>(&event)) {
    on_quote(quote->quote, now, out);
  } else if (const auto* report = std::get_if<ExecReportEvent>(&event)) {
    on_exec_report(*report, now, out);
  } else if (std::holds_alternative<TimerEvent>(event)) {
    on_timer(now, out);
  } else if (const auto* command = std::get_if<CommandEvent>(&event)) {
    on_command(*command, now, out);
  } else if (const auto* session = std::get_if<SessionEvent>(&event)) {
    session_up_ = session->up;
  }
}

void Engine::on_quote(const Quote& quote, TimeNs now, ActionBuffer& out) noexcept {
  if (quote.instrument >= last_quotes_.size() || !quote.valid()) return;
  ++quotes_;
  last_quotes_[quote.instrument] = quote;
  const std::uint32_t u = underlying_of_spot_[quote.instrument];
  if (u == kNotAnUnderlying) return;

  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  state.spot = quote.bid > 0.0 ? quote.mid() : quote.ask;
  state.has_spot = true;
  state.last_quote_ns = now;
  state.greeks = state.book.revalue({state.spot, cfg.rate, cfg.dividend_yield, cfg.vol}, now);
  evaluate_hedge(u, now, quote.source_ns, out);
}

void Engine::evaluate_hedge(std::uint32_t u, TimeNs now, TimeNs quote_source_ns,
                            ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  if (state_ != TradingState::kActive || !session_up_ || !state.has_spot) return;
  if (state.last_order_ns != 0 && now - state.last_order_ns < cfg.min_order_interval_ns) return;

  const hedging::HedgeInputs inputs{state.greeks.delta_shares, state.hedge_position,
                                    state.working_qty};
  std::int64_t qty = hedging::decide_hedge_qty(cfg.policy, inputs);
  if (qty == 0) return;

  const InstrumentSpec& hedge = config_.instruments[cfg.hedge_instrument];
  const Quote& touch = last_quotes_[cfg.hedge_instrument];
  const Side side = qty > 0 ? Side::kBuy : Side::kSell;
  // One limit order at the far touch: it takes the displayed size at once.
  const double price = side == Side::kBuy ? touch.ask : touch.bid;
  if (!(price > 0.0)) return;  // no opposite side to trade against
  std::int64_t abs_qty = std::llabs(qty);
  // A hedge larger than one order may be is sent in pieces, one per decision; the rest of the
  // delta stays outside the band and the next decision sends the next piece.
  if (cfg.limits.max_order_qty > 0 && abs_qty > cfg.limits.max_order_qty) {
    abs_qty = cfg.limits.max_order_qty / hedge.lot_size * hedge.lot_size;
  }
  state.last_order_ns = now;

  const double net = hedging::net_delta_shares(inputs);
  risk::OrderCheck check{
      side,
      abs_qty,
      price,
      hedge.multiplier,
      touch.mid(),
      std::fabs(net + static_cast<double>(signed_qty(side, abs_qty))) < std::fabs(net)};
  const risk::CheckResult verdict = risk::check_order(cfg.limits, check);
  const char* blocked_reason = nullptr;
  execution::ChildOrder* order = nullptr;
  if (verdict != risk::CheckResult::kAccepted) {
    blocked_reason = risk::to_string(verdict);
  } else {
    execution::ChildOrder child;
    child.id = next_order_id_;
    child.instrument = cfg.hedge_instrument;
    child.underlying = u;
    child.side = side;
    child.qty = abs_qty;
    // Round toward crossing so an off-grid quote never turns a marketable order passive.
    const double ticks = price / hedge.tick_size;
    child.price_ticks = static_cast<std::int64_t>(side == Side::kBuy ? std::ceil(ticks - 1e-9)
                                                                     : std::floor(ticks + 1e-9));
    child.sent_ns = now;
    order = orders_.add(child);
    if (order == nullptr) blocked_reason = "max_working_orders reached";
  }
  if (order == nullptr) {
    ++orders_by_outcome_[side_index(side)][outcome_index(OrderOutcome::kBlocked)];
    OrderNotice notice;
    notice.underlying = u;
    notice.outcome = OrderOutcome::kBlocked;
    notice.text.assign(blocked_reason);
    out.push(notice);
    return;
  }
  ++next_order_id_;
  ++state.hedge_decisions;

  HedgeDecision decision;
  decision.underlying = u;
  decision.cl_ord_id = order->id;
  decision.side = side;
  decision.qty = abs_qty;
  decision.price = from_ticks(order->price_ticks, hedge.tick_size);
  decision.spot = state.spot;
  decision.portfolio_delta_shares = state.greeks.delta_shares;
  decision.hedge_position = state.hedge_position;
  decision.working_qty = state.working_qty;
  decision.band_delta_shares = cfg.policy.band_delta_shares;
  out.push(decision);

  NewChildOrder action;
  action.cl_ord_id = order->id;
  action.instrument = order->instrument;
  action.side = side;
  action.qty = abs_qty;
  action.price_ticks = order->price_ticks;
  action.price = decision.price;
  action.quote_source_ns = quote_source_ns;
  action.decision_ns = now;
  out.push(action);
  ++orders_by_outcome_[side_index(side)][outcome_index(OrderOutcome::kSubmitted)];
  state.working_qty += signed_qty(side, abs_qty);
}

void Engine::on_exec_report(const ExecReportEvent& report, TimeNs /*now*/,
                            ActionBuffer& out) noexcept {
  const execution::ApplyOutcome result = orders_.apply(report);
  if (result.result == execution::ApplyResult::kUnknownOrder ||
      result.result == execution::ApplyResult::kStale) {
    ++exec_reports_ignored_;
    return;
  }
  if (result.result == execution::ApplyResult::kInvalid) {
    ++exec_reports_invalid_;
    return;
  }
  const execution::ChildOrder* order = orders_.find(report.cl_ord_id);
  if (order == nullptr) return;  // cannot happen after kApplied; keeps the path total
  const std::uint32_t u = order->underlying;
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const std::size_t side = side_index(order->side);

  if (result.fill_qty > 0) {
    state.hedge_position += signed_qty(order->side, result.fill_qty);
    ++fills_;
    filled_qty_[side] += static_cast<std::uint64_t>(result.fill_qty);
  }
  recompute_working(u);
  if (result.fill_qty > 0) {
    FillNotice fill;
    fill.underlying = u;
    fill.cl_ord_id = order->id;
    fill.side = order->side;
    fill.last_qty = result.fill_qty;
    fill.last_px = result.fill_px;
    fill.order_complete = execution::is_terminal(order->status);
    fill.hedge_position = state.hedge_position;
    fill.working_qty = state.working_qty;
    fill.portfolio_delta_shares = state.greeks.delta_shares;
    fill.band_delta_shares = cfg.policy.band_delta_shares;
    out.push(fill);
  }
  if (result.became_terminal) {
    OrderOutcome outcome = OrderOutcome::kCanceled;
    if (order->status == OrdStatus::kFilled) outcome = OrderOutcome::kFilled;
    if (order->status == OrdStatus::kRejected) outcome = OrderOutcome::kRejected;
    ++orders_by_outcome_[side][outcome_index(outcome)];
    if (outcome != OrderOutcome::kFilled) {
      OrderNotice notice;
      notice.underlying = u;
      notice.cl_ord_id = order->id;
      notice.outcome = outcome;
      notice.text = report.text;
      out.push(notice);
    }
  }
}

void Engine::recompute_working(std::uint32_t u) noexcept {
  std::int64_t working = 0;
  orders_.for_each_live([&](const execution::ChildOrder& o) {
    if (o.underlying == u) working += o.signed_leaves();
  });
  underlyings_[u].working_qty = working;
}

void Engine::cancel_order(execution::ChildOrder& order, ActionBuffer& out) noexcept {
  if (!orders_.mark_cancel_requested(order.id)) return;
  CancelOrder cancel;
  cancel.cl_ord_id = next_order_id_++;
  cancel.orig_cl_ord_id = order.id;
  cancel.instrument = order.instrument;
  cancel.side = order.side;
  cancel.qty = order.qty;
  out.push(cancel);
  ++cancels_sent_;
}

void Engine::on_timer(TimeNs now, ActionBuffer& out) noexcept {
  // A child order that has not completed within its timeout is pulled; the next decision
  // re-prices what is left at the then-current touch.
  orders_.for_each_live([&](execution::ChildOrder& o) {
    const TimeNs timeout = config_.underlyings[o.underlying].order_timeout_ns;
    if (!o.cancel_requested && timeout > 0 && now - o.sent_ns >= timeout) cancel_order(o, out);
  });
}

void Engine::on_command(const CommandEvent& command, TimeNs /*now*/, ActionBuffer& out) noexcept {
  switch (command.command) {
    case Command::kHalt:
      set_state(TradingState::kHalted,
                command.reason.empty() ? "halt command" : command.reason.c_str(), out);
      orders_.for_each_live([&](execution::ChildOrder& o) { cancel_order(o, out); });
      break;
    case Command::kResume:
      set_state(TradingState::kActive,
                command.reason.empty() ? "resume command" : command.reason.c_str(), out);
      break;
  }
}

void Engine::set_state(TradingState to, const char* cause, ActionBuffer& out) noexcept {
  StateNotice notice;
  notice.from = state_;
  notice.to = to;
  notice.cause.assign(cause);
  state_ = to;
  state_cause_ = notice.cause;
  out.push(notice);
}

void Engine::fill_snapshot(EngineSnapshot& out) const noexcept {
  out.as_of_ns = last_event_ns_;
  out.underlying_count = static_cast<std::uint32_t>(underlyings_.size());
  for (std::size_t u = 0; u < underlyings_.size(); ++u) {
    const UnderlyingState& s = underlyings_[u];
    UnderlyingSnapshot& o = out.underlyings[u];
    o.spot = s.spot;
    o.greeks = s.greeks;
    o.hedge_position = s.hedge_position;
    o.working_qty = s.working_qty;
    o.net_delta_shares =
        hedging::net_delta_shares({s.greeks.delta_shares, s.hedge_position, s.working_qty});
    o.band_delta_shares = config_.underlyings[u].policy.band_delta_shares;
    o.hedge_decisions = s.hedge_decisions;
    o.last_quote_ns = s.last_quote_ns;
  }
  out.state = state_;
  out.state_cause = state_cause_;
  out.session_up = session_up_;
  out.quotes = quotes_;
  for (std::size_t side = 0; side < 2; ++side) {
    for (std::size_t k = 0; k < kOrderOutcomeCount; ++k)
      out.orders[side][k] = orders_by_outcome_[side][k];
    out.filled_qty[side] = filled_qty_[side];
  }
  out.fills = fills_;
  out.exec_reports_ignored = exec_reports_ignored_;
  out.exec_reports_invalid = exec_reports_invalid_;
  out.cancels_sent = cancels_sent_;
  out.live_orders = static_cast<std::uint32_t>(orders_.live_count());
}

}  // namespace hedged
