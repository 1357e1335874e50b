#include "core/engine/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "core/pricing/implied_vol.hpp"

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
    const InstrumentSpec& hedge = config.instruments[u.hedge_instrument];
    const bool spot_hedge = u.hedge_instrument == u.spot_instrument;
    const bool future_hedge =
        hedge.kind == InstrumentKind::kFuture && hedge.underlying == u.spot_instrument;
    if (!spot_hedge && !future_hedge) {
      return "underlying '" + u.name + "' must be hedged in its spot or a future on it";
    }
    if (future_hedge && !(hedge.multiplier > 0.0)) {
      return "future '" + hedge.symbol + "' needs a positive multiplier";
    }
    if (const char* problem = hedging::validate(u.policy)) {
      return "underlying '" + u.name + "': " + problem;
    }
    if (!(u.vol > 0.0)) return "underlying '" + u.name + "' needs a positive vol";
    if (const char* problem = hedging::validate(u.option_hedge)) {
      return "underlying '" + u.name + "': hedge.options: " + problem;
    }
    if (const execution::ExecError e = execution::validate(u.execution);
        e != execution::ExecError::kOk) {
      return "underlying '" + u.name + "': execution: " + execution::to_string(e);
    }
  }
  for (std::size_t i = 0; i < config.underlyings.size(); ++i) {
    const UnderlyingConfig& u = config.underlyings[i];
    const std::int64_t lot = config.instruments[u.hedge_instrument].lot_size;
    const std::int64_t max_qty = config.limits.pre_trade[i].max_order_qty;
    if (max_qty > 0 && max_qty < lot) {
      return "underlying '" + u.name + "': max_order_qty is smaller than one lot";
    }
  }
  for (const BookLine& line : config.book) {
    if (line.option >= n || config.instruments[line.option].kind != InstrumentKind::kOption) {
      return "book line refers to an instrument that is not an option";
    }
  }
  for (const UnderlyingConfig& u : config.underlyings) {
    std::vector<TimeNs> expiries;
    for (const InstrumentSpec& spec : config.instruments) {
      if (spec.kind == InstrumentKind::kOption && spec.underlying == u.spot_instrument) {
        if (!(spec.strike > 0.0) || !(spec.multiplier > 0.0)) {
          return "option '" + spec.symbol + "' needs a positive strike and multiplier";
        }
        if (std::find(expiries.begin(), expiries.end(), spec.expiry_ns) == expiries.end()) {
          expiries.push_back(spec.expiry_ns);
        }
      }
    }
    if (expiries.size() > greeks::kMaxExpiryBuckets) {
      return "underlying '" + u.name + "' has more than " +
             std::to_string(greeks::kMaxExpiryBuckets) + " distinct expiries";
    }
  }
  if (config.max_working_orders == 0) return "max_working_orders must be positive";
  return {};
}

std::vector<recovery::StartPosition> start_book(const EngineConfig& config) {
  std::vector<std::int64_t> qty(config.instruments.size(), 0);
  for (const BookLine& line : config.book) {
    if (line.option < qty.size()) qty[line.option] += line.quantity;
  }
  for (const UnderlyingConfig& u : config.underlyings) {
    if (u.hedge_instrument < qty.size()) qty[u.hedge_instrument] += u.initial_hedge_position;
  }
  std::vector<recovery::StartPosition> book;
  for (InstrumentId id = 0; id < qty.size(); ++id) {
    if (qty[id] != 0) book.push_back({id, qty[id]});
  }
  return book;
}

Engine::Engine(EngineConfig config)
    : config_(std::move(config)),
      underlyings_(config_.underlyings.size()),
      underlying_of_spot_(config_.instruments.size(), kNotAnUnderlying),
      last_quotes_(config_.instruments.size()),
      orders_(config_.max_working_orders),
      next_order_id_(config_.first_order_id),
      monitor_(config_.underlyings.size(), config_.limits),
      recent_exec_ids_(kRecentExecIds, 0) {
  underlying_of_option_.assign(config_.instruments.size(), kNotAnUnderlying);
  for (std::uint32_t u = 0; u < config_.underlyings.size(); ++u) {
    underlying_of_spot_[config_.underlyings[u].spot_instrument] = u;
    underlyings_[u].hedge_position = config_.underlyings[u].initial_hedge_position;
    underlyings_[u].line_of_option.assign(config_.instruments.size(), kNotAnUnderlying);
    // A parent's open children are live orders, so the store's capacity bounds them.
    underlyings_[u].parent.children.reserve(config_.max_working_orders);
  }
  // One kernel line per option: book lines naming the same option are summed.
  std::vector<std::int64_t> quantity(config_.instruments.size(), 0);
  for (const BookLine& line : config_.book) quantity[line.option] += line.quantity;
  for (const InstrumentSpec& spec : config_.instruments) {
    if (spec.kind != InstrumentKind::kOption) continue;
    const std::uint32_t u = spec.underlying < underlying_of_spot_.size()
                                ? underlying_of_spot_[spec.underlying]
                                : kNotAnUnderlying;
    if (u == kNotAnUnderlying) continue;  // validate() reports this before construction
    UnderlyingState& state = underlyings_[u];
    underlying_of_option_[spec.id] = u;
    const bool candidate =
        std::any_of(config_.book.begin(), config_.book.end(),
                    [&](const BookLine& l) { return l.option == spec.id && l.hedge_option; });
    if (candidate) state.hedge_options.push_back(spec.id);
    const bool american = spec.exercise == ExerciseStyle::kAmerican;
    state.line_of_option[spec.id] = static_cast<std::uint32_t>(state.lines.size());
    // An American option keeps a zero-quantity European placeholder so its expiry has a bucket.
    state.lines.push_back({spec.id, spec.right, spec.strike, spec.expiry_ns, spec.multiplier,
                           american ? 0 : quantity[spec.id]});
    if (american) {
      AmericanLine a;
      a.kernel_line = state.lines.size() - 1;
      a.option = spec.id;
      a.right = spec.right;
      a.strike = spec.strike;
      a.expiry_ns = spec.expiry_ns;
      a.units = static_cast<double>(quantity[spec.id]) * spec.multiplier;
      a.vol = config_.underlyings[u].vol;
      state.american.push_back(a);
    }
  }
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
    UnderlyingState& state = underlyings_[u];
    const UnderlyingConfig& cfg = config_.underlyings[u];
    state.kernel = std::make_unique<greeks::BookKernel>(
        state.lines, greeks::MarketParams{0.0, cfg.rate, cfg.dividend_yield, cfg.vol}, 0);
    state.line_vols.assign(state.lines.size(), cfg.vol);
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
    monitor_.on_session(session->up, now, out);
    act_on_halts(now, out);
    if (session->up) {
      // Whatever happened while the session was down, the venue knows: every working order is
      // asked about at once, and the answers are compared with the engine's view.
      orders_.for_each_live([](execution::ChildOrder& o) {
        o.reconcile = true;
        o.last_status_request_ns = 0;
      });
      chase_unanswered(now, out);
    }
  } else if (const auto* trade = std::get_if<OptionTradeEvent>(&event)) {
    on_option_trade(*trade, now, out);
  }
}

bool Engine::seen_exec_id(const FixedText<40>& exec_id) noexcept {
  const std::uint64_t h = recovery::exec_id_hash(exec_id);
  if (std::find(recent_exec_ids_.begin(), recent_exec_ids_.end(), h) != recent_exec_ids_.end()) {
    return true;
  }
  recent_exec_ids_[next_exec_id_slot_] = h;
  next_exec_id_slot_ = (next_exec_id_slot_ + 1) % recent_exec_ids_.size();
  return false;
}

void Engine::reconcile(const execution::ChildOrder& order, const ExecReportEvent& report,
                       TimeNs now, ActionBuffer& out) noexcept {
  ++reconcile_checks_;
  // An order the venue does not know (rejected in answer to the request) has nothing to
  // compare: its own report ends it.
  if (report.status == OrdStatus::kRejected || report.cum_qty == order.cum_qty) return;
  const std::int64_t diff = report.cum_qty - order.cum_qty;
  ++reconcile_differences_;
  reconcile_difference_qty_ += static_cast<std::uint64_t>(diff < 0 ? -diff : diff);
  ReconcileNotice notice;
  notice.underlying = order.underlying;
  notice.cl_ord_id = order.id;
  notice.instrument = order.instrument;
  notice.engine_cum_qty = order.cum_qty;
  notice.venue_cum_qty = report.cum_qty;
  notice.total_difference_qty = reconcile_difference_qty_;
  const std::int64_t tolerance = config_.reconcile_tolerance_qty;
  notice.halted =
      tolerance >= 0 && reconcile_difference_qty_ > static_cast<std::uint64_t>(tolerance);
  out.push(notice);
  if (notice.halted && monitor_.scope_state(kBookScope) != TradingState::kHalted) {
    monitor_.kill(
        "reconciliation: the venue's filled quantities differ from the journal's "
        "beyond the tolerance",
        now, out);
  }
}

RestoreSummary Engine::restore(const recovery::JournalState& journal, TimeNs now,
                               ActionBuffer& out) noexcept {
  RestoreSummary summary;
  const auto& totals = journal.totals();
  // Positions: the hedge instrument's fills move the hedge position (and its cash, at the
  // fills' average price); an option's fills and drop-copy trades move the book.
  for (InstrumentId id = 0; id < totals.size(); ++id) {
    const recovery::InstrumentTotals& t = totals[id];
    const std::int64_t option_qty = t.option_trade_qty;
    if (t.filled_qty == 0 && option_qty == 0 && t.fills == 0 && t.option_trades == 0) continue;
    bool placed = false;
    const double multiplier =
        id < config_.instruments.size() ? config_.instruments[id].multiplier : 0.0;
    for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
      if (config_.underlyings[u].hedge_instrument != id) continue;
      const double cash_before = underlyings_[u].hedge_cash;
      if (t.filled_qty != 0) {
        const double px = t.filled_cash / -static_cast<double>(t.filled_qty);
        apply_fill(u, t.filled_qty > 0 ? Side::kBuy : Side::kSell, std::llabs(t.filled_qty), px);
        recompute_working(u);
      }
      // The cash is the fills' own sum: a round trip that left no position still moved it.
      underlyings_[u].hedge_cash = cash_before + t.filled_cash * multiplier;
      placed = true;
      break;
    }
    if (!placed && id < underlying_of_option_.size() && underlying_of_option_[id] != ~0u) {
      const std::uint32_t u = underlying_of_option_[id];
      if (t.filled_qty + option_qty != 0)
        add_option_position(u, id, t.filled_qty + option_qty, now);
      underlyings_[u].option_trades += t.option_trades;
      // Premium of the option hedger's fills and of the desk's trades.
      underlyings_[u].option_cash += (t.filled_cash + t.option_trade_cash) * multiplier;
      placed = true;
    }
    if (placed) {
      ++summary.instruments_moved;
    } else {
      summary.unknown_instrument_qty += std::llabs(t.filled_qty) + std::llabs(option_qty);
    }
  }
  // Working orders: back in the store, each to be confirmed with the venue.
  for (execution::ChildOrder order : journal.working_orders()) {
    std::uint32_t u = ~0u;
    for (std::uint32_t i = 0; i < underlyings_.size(); ++i) {
      if (config_.underlyings[i].hedge_instrument == order.instrument) u = i;
    }
    if (u == ~0u && order.instrument < underlying_of_option_.size()) {
      u = underlying_of_option_[order.instrument];
    }
    if (u == ~0u) {
      ++summary.orders_dropped;
      continue;
    }
    order.underlying = u;
    order.reconcile = true;
    order.last_status_request_ns = 0;
    if (orders_.restore(order) == nullptr) {
      ++summary.orders_dropped;
      continue;
    }
    ++summary.orders_restored;
  }
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) recompute_working(u);
  orders_restored_ = summary.orders_restored;
  if (journal.max_order_id() >= next_order_id_) next_order_id_ = journal.max_order_id() + 1;
  summary.next_order_id = next_order_id_;
  // The drop copy's latest ExecIDs, in the order they were seen.
  const auto& ids = journal.recent_exec_ids();
  for (std::size_t i = 0; i < ids.size() && i < recent_exec_ids_.size(); ++i) {
    recent_exec_ids_[i] = ids[i];
  }
  next_exec_id_slot_ = journal.next_exec_id_slot() % recent_exec_ids_.size();
  // The day's P&L baselines: the first valuation continues from them on the same UTC day (the
  // realised part of the day counts from the restart: average costs are not journaled).
  for (const PnlDayOpen& open : journal.day_opens()) {
    if (open.underlying >= underlyings_.size()) continue;
    UnderlyingState& state = underlyings_[open.underlying];
    state.day = open.day;
    state.day_open_value = open.open_value;
    state.day_open_realised = state.realised;
    ++summary.pnl_baselines_restored;
  }
  // The configured book against the one the journal began with.
  if (const auto& began = journal.start_book()) {
    summary.journal_has_start_book = true;
    const std::size_t n = config_.instruments.size();
    std::vector<std::int64_t> old_qty(n, 0);
    std::vector<std::int64_t> new_qty(n, 0);
    for (const recovery::StartPosition& p : *began) {
      if (p.instrument < n) {
        old_qty[p.instrument] += p.qty;
      } else {
        summary.book_changes.push_back({p.instrument, p.qty, 0});
      }
    }
    for (const recovery::StartPosition& p : start_book(config_)) new_qty[p.instrument] += p.qty;
    for (InstrumentId id = 0; id < n; ++id) {
      if (old_qty[id] == new_qty[id]) continue;
      summary.book_changes.push_back({id, old_qty[id], new_qty[id]});
      std::uint32_t u = id < underlying_of_option_.size() ? underlying_of_option_[id] : ~0u;
      for (std::uint32_t k = 0; k < underlyings_.size() && u == ~0u; ++k) {
        if (config_.underlyings[k].hedge_instrument == id) u = k;
      }
      if (u != ~0u) underlyings_[u].book_change.push_back({id, new_qty[id] - old_qty[id]});
    }
  }
  if (journal.limits()) apply_limits(*journal.limits(), now, out);
  if (const recovery::ScopeState* halted = journal.halted_scope()) {
    // "restart: was halted before it (<cause>)", cut to the notice's length.
    char text[160];
    const int n = std::snprintf(text, sizeof text, "restart: was halted before it (%.95s)",
                                halted->cause.c_str());
    FixedText<96> cause;
    cause.assign(text, n > 0 ? static_cast<std::size_t>(n) : 0);
    monitor_.kill(cause.c_str(), now, out);
    summary.halted = true;
  }
  return summary;
}

std::int64_t Engine::option_position(std::uint32_t u, InstrumentId option) const noexcept {
  const UnderlyingState& state = underlyings_[u];
  const InstrumentSpec& spec = config_.instruments[option];
  if (spec.exercise == ExerciseStyle::kAmerican) {
    for (const AmericanLine& a : state.american) {
      if (a.option == option) return std::llround(a.units / spec.multiplier);
    }
    return 0;
  }
  return state.lines[state.line_of_option[option]].quantity;
}

std::int64_t Engine::add_option_position(std::uint32_t u, InstrumentId option, std::int64_t qty,
                                         TimeNs now) noexcept {
  UnderlyingState& state = underlyings_[u];
  const std::uint32_t line = state.line_of_option[option];
  const InstrumentSpec& spec = config_.instruments[option];
  if (spec.exercise == ExerciseStyle::kAmerican) {
    for (AmericanLine& a : state.american) {
      if (a.option == option) a.units += static_cast<double>(qty) * spec.multiplier;
    }
  } else {
    greeks::OptionLine& l = state.lines[line];
    l.quantity += qty;
    state.kernel->set_units(line, static_cast<double>(l.quantity) * l.multiplier);
  }
  revalue(u, now);
  return option_position(u, option);
}

void Engine::evaluate_option_hedge(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  if (!cfg.option_hedge.enabled || state.hedge_options.empty() || !session_up_ || !state.has_spot ||
      monitor_.state(u) != TradingState::kActive) {
    return;
  }
  // One round at a time, and only once the delta of the last one is hedged: no option order
  // working, no delta hedge working or pending, and the pacing interval passed.
  bool working = state.parent.active || state.working_qty != 0;
  orders_.for_each_live([&](const execution::ChildOrder& o) { working |= o.underlying == u; });
  if (working) return;
  const double net_delta =
      state.greeks.delta_shares + static_cast<double>(state.hedge_position) * state.unit_delta;
  if (std::fabs(net_delta) > std::max(state.band_shares, 1.0)) return;
  if (state.last_option_round_ns != 0 &&
      now - state.last_option_round_ns < cfg.min_order_interval_ns) {
    return;
  }
  const risk::ExposureLimits& limits = monitor_.limits().underlying[u];
  auto limit_of = [&](risk::Measure m) {
    const risk::Limit& l = limits[m];
    return l.soft > 0.0 ? l.soft : l.hard;
  };
  hedging::OptionHedgeInput in;
  in.gamma_notional_per_pct = state.greeks.gamma_notional_per_pct;
  in.vega_per_vol_point = state.greeks.vega_per_vol_point;
  in.gamma_limit = limit_of(risk::Measure::kGammaNotionalPerPct);
  in.vega_limit = limit_of(risk::Measure::kVegaPerVolPoint);
  // Per-contract Greeks of each candidate at the current spot and its pricing vol.
  std::array<hedging::OptionHedgeCandidate, 8> candidates{};
  std::size_t n = 0;
  for (const InstrumentId id : state.hedge_options) {
    if (n == candidates.size()) break;
    const InstrumentSpec& spec = config_.instruments[id];
    if (spec.expiry_ns <= now || !last_quotes_[id].valid()) continue;
    const double t_years = static_cast<double>(spec.expiry_ns - now) /
                           static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
    const double vol = state.line_vols[state.line_of_option[id]];
    const pricing::Greeks g = pricing::black_scholes(
        {state.spot, spec.strike, cfg.rate, cfg.dividend_yield, vol, t_years, spec.right});
    candidates[n++] = {id, g.gamma * state.spot * state.spot * 0.01 * spec.multiplier,
                       g.vega * 0.01 * spec.multiplier};
  }
  hedging::OptionHedgePlan plan = hedging::plan_option_hedge(
      cfg.option_hedge, in, std::span<const hedging::OptionHedgeCandidate>(candidates.data(), n));
  // A round adds at most one delta-hedge child's worth of delta (max_order_qty of the hedge
  // instrument), so the delta it brings is hedged at once and never runs into the delta limits;
  // both orders shrink by the same factor, keeping the gamma/vega mix.
  const std::int64_t max_order = monitor_.limits().pre_trade[u].max_order_qty;
  if (max_order > 0 && plan.count > 0) {
    double added_delta = 0.0;
    for (std::size_t k = 0; k < plan.count; ++k) {
      const InstrumentSpec& spec = config_.instruments[plan.orders[k].instrument];
      const double t_years = static_cast<double>(spec.expiry_ns - now) /
                             static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
      const double vol = state.line_vols[state.line_of_option[spec.id]];
      added_delta += static_cast<double>(plan.orders[k].contracts) * spec.multiplier *
                     pricing::black_scholes({state.spot, spec.strike, cfg.rate, cfg.dividend_yield,
                                             vol, t_years, spec.right})
                         .delta;
    }
    const double cap = static_cast<double>(max_order) * state.unit_delta;
    if (std::fabs(added_delta) > cap) {
      const double factor = cap / std::fabs(added_delta);
      plan.gamma_after = in.gamma_notional_per_pct;
      plan.vega_after = in.vega_per_vol_point;
      std::size_t kept = 0;
      for (std::size_t k = 0; k < plan.count; ++k) {
        hedging::OptionHedgeOrder o = plan.orders[k];
        o.contracts = static_cast<std::int64_t>(static_cast<double>(o.contracts) * factor);
        if (o.contracts == 0) continue;
        for (std::size_t c = 0; c < n; ++c) {
          if (candidates[c].instrument != o.instrument) continue;
          plan.gamma_after +=
              static_cast<double>(o.contracts) * candidates[c].gamma_notional_per_pct;
          plan.vega_after += static_cast<double>(o.contracts) * candidates[c].vega_per_vol_point;
        }
        plan.orders[kept++] = o;
      }
      plan.count = kept;
    }
  }
  if (plan.count > 0) state.last_option_round_ns = now;
  for (std::size_t k = 0; k < plan.count; ++k) {
    const hedging::OptionHedgeOrder& o = plan.orders[k];
    const InstrumentSpec& spec = config_.instruments[o.instrument];
    const Quote& quote = last_quotes_[o.instrument];
    const Side side = o.contracts > 0 ? Side::kBuy : Side::kSell;
    const std::int64_t qty = o.contracts > 0 ? o.contracts : -o.contracts;
    // Marketable at the far touch: the point is to be out of the breach, not to earn the spread.
    const double touch = side == Side::kBuy ? quote.ask : quote.bid;
    if (!(touch > 0.0)) continue;
    const std::int64_t price_ticks = std::llround(touch / spec.tick_size);
    risk::OrderCheck check;
    check.side = side;
    check.qty = qty;
    check.price = from_ticks(price_ticks, spec.tick_size);
    check.multiplier = spec.multiplier;
    check.tick_size = spec.tick_size;
    check.reference_price = quote.mid();
    check.position = option_position(u, o.instrument);
    check.reduces_risk = true;  // it shrinks the breached gamma or vega
    const risk::CheckResult verdict = monitor_.check_order(u, check, now);
    if (verdict != risk::CheckResult::kAccepted) {
      block_notice(u, side, risk::to_string(verdict), out);
      continue;
    }
    const execution::ChildOrder* child =
        add_order(u, o.instrument, side, qty, price_ticks, now, out);
    if (child == nullptr) return;
    ++state.option_hedge_orders;
    OptionHedgeDecision decision;
    decision.underlying = u;
    decision.cl_ord_id = child->id;
    decision.instrument = o.instrument;
    decision.contracts = o.contracts;
    decision.price = check.price;
    decision.gamma_before = in.gamma_notional_per_pct;
    decision.gamma_after = plan.gamma_after;
    decision.vega_before = in.vega_per_vol_point;
    decision.vega_after = plan.vega_after;
    out.push(decision);
    emit_order(*child, check.price, 0, now, out);
  }
}

void Engine::on_option_trade(const OptionTradeEvent& trade, TimeNs now,
                             ActionBuffer& out) noexcept {
  OptionTradeNotice notice;
  notice.instrument = trade.instrument;
  notice.qty = trade.qty;
  notice.price = trade.price;
  notice.exec_id = trade.exec_id;
  const std::uint32_t u = trade.instrument < underlying_of_option_.size()
                              ? underlying_of_option_[trade.instrument]
                              : kNotAnUnderlying;
  const char* ignored = nullptr;
  if (u == kNotAnUnderlying) {
    ignored = "not an option of the book's underlyings";
  } else if (trade.qty == 0) {
    ignored = "zero quantity";
  } else if (!trade.exec_id.empty() && seen_exec_id(trade.exec_id)) {
    ignored = "duplicate ExecID";
  }
  if (ignored != nullptr) {
    ++option_trades_ignored_;
    notice.applied = false;
    notice.reason.assign(ignored);
    out.push(notice);
    return;
  }
  UnderlyingState& state = underlyings_[u];
  // The premium paid or received is part of the day's P&L, at the reported price unless it is
  // implausible against the option's mid (or model value).
  const double px = trusted_fill_price(u, trade.instrument, trade.qty, trade.price, 0.0, 0,
                                       trade.exec_id, now, out);
  state.option_cash -=
      static_cast<double>(trade.qty) * px * config_.instruments[trade.instrument].multiplier;
  const std::int64_t position = add_option_position(u, trade.instrument, trade.qty, now);
  ++state.option_trades;
  (trade.qty > 0 ? state.option_contracts_bought : state.option_contracts_sold) +=
      trade.qty > 0 ? trade.qty : -trade.qty;
  notice.underlying = u;
  notice.position = position;
  notice.portfolio_delta_shares = state.greeks.delta_shares;
  out.push(notice);
  // The book's Greeks changed: limits are checked and the hedger answers at once.
  update_risk(u, now, out);
  act_on_halts(now, out);
  if (monitor_.state(u) != TradingState::kHalted) evaluate_hedge(u, now, trade.received_ns, out);
}

void Engine::apply_limits(const risk::RiskLimits& limits, TimeNs now, ActionBuffer& out) noexcept {
  last_event_ns_ = std::max(last_event_ns_, now);
  monitor_.set_limits(limits, now, out);
  out.push(LimitsApplied{limits.version});
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) update_risk(u, now, out);
}

const char* Engine::refuse_quote(const Quote& quote, bool priced_instrument) const noexcept {
  // Beyond any price an instrument trades at in any currency: such a value is a feed error.
  constexpr double kMaxPlausiblePrice = 1e9;
  if (!std::isfinite(quote.bid) || !std::isfinite(quote.ask)) return "a non-finite price";
  if (quote.ask > kMaxPlausiblePrice || quote.bid > kMaxPlausiblePrice) return "an absurd price";
  if (quote.ask < quote.bid) return "ask below bid";
  if (!(quote.ask > 0.0) || quote.bid < 0.0) return "a non-positive price";
  if (!priced_instrument) return nullptr;
  if (!(quote.bid > 0.0)) return "a non-positive bid";
  const Quote& last = last_quotes_[quote.instrument];
  const double max_move_pct = monitor_.limits().breakers.bad_quote_max_move_pct;
  if (max_move_pct > 0.0 && last.bid > 0.0 && last.valid()) {
    const double move_pct = 100.0 * std::fabs(quote.mid() / last.mid() - 1.0);
    if (!(move_pct <= max_move_pct)) return "a mid implausibly far from the last one";
  }
  return nullptr;
}

void Engine::on_quote(const Quote& quote, TimeNs now, ActionBuffer& out) noexcept {
  if (quote.instrument >= last_quotes_.size()) return;
  const std::uint32_t u = underlying_of_spot_[quote.instrument];
  // The spot and hedge quotes drive the Greeks and the hedge's prices: a refused one never
  // reaches them, and trips bad_market_data on each underlying it belongs to.
  std::uint32_t owner = u;
  for (std::uint32_t h = 0; h < config_.underlyings.size() && owner == kNotAnUnderlying; ++h) {
    if (config_.underlyings[h].hedge_instrument == quote.instrument) owner = h;
  }
  if (const char* why = refuse_quote(quote, owner != kNotAnUnderlying); why != nullptr) {
    ++quotes_refused_;
    if (owner == kNotAnUnderlying) return;  // an option's quote: dropped, its last one stays
    char cause[96] = {};
    std::snprintf(cause, sizeof cause, "bad market data: %s quoted %.6g / %.6g refused (%s)",
                  config_.instruments[quote.instrument].symbol.c_str(), quote.bid, quote.ask, why);
    for (std::uint32_t h = 0; h < config_.underlyings.size(); ++h) {
      if (h == u || config_.underlyings[h].hedge_instrument == quote.instrument) {
        monitor_.on_bad_quote(h, cause, now, out);
      }
    }
    act_on_halts(now, out);
    return;
  }
  ++quotes_;
  last_quotes_[quote.instrument] = quote;
  for (std::uint32_t h = 0; h < config_.underlyings.size(); ++h) {
    if (config_.underlyings[h].hedge_instrument == quote.instrument) {
      monitor_.on_good_quote(h, now, out);
      monitor_.on_hedge_quote(h, quote.bid, quote.ask, now, out);
    }
  }
  if (u != kNotAnUnderlying) monitor_.on_good_quote(u, now, out);
  if (u == kNotAnUnderlying) {
    if (last_refresh_ns_ == 0) refresh_pricing(now);  // the first event fixes time to expiry
    // A future's quote moves its parent's prices; the spot's quote drives it through
    // evaluate_hedge below.
    for (std::uint32_t h = 0; h < config_.underlyings.size(); ++h) {
      if (config_.underlyings[h].hedge_instrument == quote.instrument) {
        drive_parent(h, now, quote.source_ns, out);
      }
    }
    if (underlying_of_option_[quote.instrument] != kNotAnUnderlying) on_option_quote(quote, now);
    return;
  }
  UnderlyingState& state = underlyings_[u];
  const bool first_spot = !state.has_spot;
  state.spot = quote.bid > 0.0 ? quote.mid() : quote.ask;
  state.has_spot = true;
  state.last_quote_ns = now;
  monitor_.on_spot(u, state.spot, now, out);
  // The first spot of an underlying values its American options exactly, once; afterwards
  // that happens only on timer events.
  if (first_spot || last_refresh_ns_ == 0) {
    refresh_pricing(now);
  } else {
    revalue(u, now);
  }
  update_risk(u, now, out);
  evaluate_hedge(u, now, quote.source_ns, out);
}

double Engine::hedge_mark(std::uint32_t u) const noexcept {
  const Quote& q = last_quotes_[config_.underlyings[u].hedge_instrument];
  if (!q.valid()) return 0.0;
  return q.bid > 0.0 ? q.mid() : q.ask;
}

double Engine::hedge_unit_delta(std::uint32_t u, TimeNs now) const noexcept {
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const InstrumentSpec& spec = config_.instruments[cfg.hedge_instrument];
  hedging::HedgeInstrument instrument;
  instrument.multiplier = spec.multiplier;
  if (spec.kind == InstrumentKind::kFuture) {
    instrument.kind = hedging::HedgeInstrumentKind::kFuture;
    instrument.time_to_expiry_years =
        spec.expiry_ns > now ? static_cast<double>(spec.expiry_ns - now) /
                                   static_cast<double>(kNanosPerSecond) / kSecondsPerYear
                             : 0.0;
  }
  const double unit = hedging::unit_delta_shares(instrument, cfg.rate, cfg.dividend_yield);
  return std::isfinite(unit) && unit > 0.0 ? unit : spec.multiplier;
}

void Engine::apply_fill(std::uint32_t u, Side side, std::int64_t qty, double px) noexcept {
  UnderlyingState& state = underlyings_[u];
  const double multiplier = config_.instruments[config_.underlyings[u].hedge_instrument].multiplier;
  const std::int64_t pos = state.hedge_position;
  const std::int64_t q = signed_qty(side, qty);
  if (pos == 0 || (pos > 0) == (q > 0)) {
    const double held = static_cast<double>(std::llabs(pos));
    state.hedge_avg_cost = (state.hedge_avg_cost * held + px * static_cast<double>(qty)) /
                           (held + static_cast<double>(qty));
  } else {
    const std::int64_t closed = std::min<std::int64_t>(qty, std::llabs(pos));
    state.realised += static_cast<double>(closed) * (px - state.hedge_avg_cost) *
                      (pos > 0 ? 1.0 : -1.0) * multiplier;
    if (qty > std::llabs(pos)) state.hedge_avg_cost = px;  // flipped: the rest opens at px
  }
  state.hedge_cash -= static_cast<double>(q) * px * multiplier;
  state.hedge_position += q;
}

double Engine::option_model_price(std::uint32_t u, InstrumentId option, TimeNs now) const noexcept {
  const UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const InstrumentSpec& spec = config_.instruments[option];
  if (!state.has_spot || spec.kind != InstrumentKind::kOption) return 0.0;
  if (spec.exercise == ExerciseStyle::kAmerican) {
    for (const AmericanLine& a : state.american) {
      if (a.option != option) continue;
      return a.valued ? a.expansion.evaluate(state.spot).price
                      : pricing::american(american_inputs(u, a, now)).price;
    }
    return 0.0;
  }
  const std::uint32_t line = state.line_of_option[option];
  if (line == kNotAnUnderlying) return 0.0;
  const double t_years = spec.expiry_ns > now
                             ? static_cast<double>(spec.expiry_ns - now) /
                                   static_cast<double>(kNanosPerSecond) / kSecondsPerYear
                             : 0.0;
  return pricing::black_scholes({state.spot, spec.strike, cfg.rate, cfg.dividend_yield,
                                 state.line_vols[line], t_years, spec.right})
      .price;
}

double Engine::trusted_fill_price(std::uint32_t u, InstrumentId instrument, std::int64_t signed_qty,
                                  double px, double fallback, OrderId cl_ord_id,
                                  const FixedText<40>& exec_id, TimeNs now,
                                  ActionBuffer& out) noexcept {
  const InstrumentSpec& spec = config_.instruments[instrument];
  const Quote& q = last_quotes_[instrument];
  double reference = 0.0;
  if (q.valid()) reference = q.bid > 0.0 ? q.mid() : q.ask;
  if (!(reference > 0.0) || !std::isfinite(reference)) {
    reference = option_model_price(u, instrument, now);
  }
  if (!(reference > 0.0) || !std::isfinite(reference)) reference = fallback;
  const bool valid = std::isfinite(px) && px > 0.0;
  double used = px;
  if (reference > 0.0 && std::isfinite(reference)) {
    const double band = monitor_.limits().pre_trade[u].price_band_pct;
    const double pct = band > 0.0 ? kImplausibleBandMultiple * band : kImplausibleDefaultPct;
    const double tolerance =
        std::max(reference * pct / 100.0, kImplausibleMinTicks * spec.tick_size);
    if (!valid || std::fabs(px - reference) > tolerance) used = reference;
  } else if (!valid) {
    used = 0.0;  // nothing to compare with and nothing believable: no cash at all
  }
  if (used == px) return px;
  FillRepriced alert;
  alert.underlying = u;
  alert.instrument = instrument;
  alert.cl_ord_id = cl_ord_id;
  alert.qty = signed_qty;
  alert.reported_px = px;
  alert.used_px = used;
  alert.drop_copy = cl_ord_id == 0;
  alert.exec_id = exec_id;
  out.push(alert);
  ++(cl_ord_id == 0 ? option_trades_price_implausible_ : fills_price_implausible_);
  return used;
}

void Engine::update_risk(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const double multiplier = config_.instruments[cfg.hedge_instrument].multiplier;
  const double mark = hedge_mark(u);
  if (state.has_spot && mark > 0.0) {
    // Mark-to-market value of options plus hedge, against the value at the day's open.
    if (state.hedge_avg_cost == 0.0 && state.hedge_position != 0) state.hedge_avg_cost = mark;
    // Options at model value, hedge at mark, and every cash flow (hedge trades, premium paid and
    // received), against the same at the day's first valuation.
    const double value = state.greeks.value + state.hedge_cash + state.option_cash +
                         static_cast<double>(state.hedge_position) * multiplier * mark;
    const std::int64_t day = now / (86400 * kNanosPerSecond);
    if (day == state.day && !state.book_change.empty()) {
      // Restarted on the baseline's day with a changed start-of-day book: the change moves the
      // baseline by its value now; it is neither profit nor loss.
      for (const recovery::StartPosition& c : state.book_change) {
        const InstrumentSpec& spec = config_.instruments[c.instrument];
        const double px =
            c.instrument == cfg.hedge_instrument ? mark : option_model_price(u, c.instrument, now);
        state.day_open_value += static_cast<double>(c.qty) * px * spec.multiplier;
      }
    }
    state.book_change.clear();
    if (day != state.day) {
      state.day = day;
      state.day_open_value = value;
      state.day_open_realised = state.realised;
      out.push(PnlDayOpen{u, day, value, state.realised});
    }
    state.pnl_day = value - state.day_open_value;
  }
  risk::Exposure e{};
  state.unit_delta = hedge_unit_delta(u, now);
  const double delta =
      state.greeks.delta_shares + static_cast<double>(state.hedge_position) * state.unit_delta;
  e[static_cast<std::size_t>(risk::Measure::kDeltaShares)] = delta;
  e[static_cast<std::size_t>(risk::Measure::kDeltaNotional)] = delta * state.spot;
  e[static_cast<std::size_t>(risk::Measure::kGammaNotionalPerPct)] =
      state.greeks.gamma_notional_per_pct;
  e[static_cast<std::size_t>(risk::Measure::kVegaPerVolPoint)] = state.greeks.vega_per_vol_point;
  e[static_cast<std::size_t>(risk::Measure::kThetaPerDay)] = state.greeks.theta_per_day;
  e[static_cast<std::size_t>(risk::Measure::kHedgePosition)] =
      static_cast<double>(state.hedge_position);
  e[static_cast<std::size_t>(risk::Measure::kDailyLoss)] = std::max(0.0, -state.pnl_day);
  if (state.has_spot) monitor_.on_exposure(u, e, now, out);
  // The book: sums over underlyings (delta in shares adds up only for one stock's lines).
  risk::Exposure book{};
  double pnl = 0.0;
  bool any = false;
  for (std::uint32_t k = 0; k < underlyings_.size(); ++k) {
    if (!underlyings_[k].has_spot) continue;
    any = true;
    const risk::Exposure& x = monitor_.exposure(k);
    for (std::size_t m = 0; m + 1 < risk::kMeasureCount; ++m) book[m] += x[m];
    pnl += underlyings_[k].pnl_day;
  }
  book[static_cast<std::size_t>(risk::Measure::kDailyLoss)] = std::max(0.0, -pnl);
  if (any) monitor_.on_exposure(kBookScope, book, now, out);
  act_on_halts(now, out);
}

void Engine::act_on_halts(TimeNs now, ActionBuffer& out) noexcept {
  const std::uint32_t halted = monitor_.take_newly_halted();
  if (halted == 0) return;
  orders_.for_each_live([&](execution::ChildOrder& o) {
    if ((halted >> o.underlying) & 1u) cancel_order(o, now, out);
  });
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
    if ((halted >> u) & 1u) drop_parent(u, now, out);
  }
}

namespace {

void add_position(greeks::PortfolioGreeks& g, double units, double price, double delta,
                  double gamma, const pricing::Greeks& slow) noexcept {
  g.value += units * price;
  g.delta_shares += units * delta;
  g.gamma_shares += units * gamma;
  g.vega_per_vol_point += units * slow.vega * 0.01;
  g.theta_per_day += units * slow.theta / 365.0;
  g.rho_per_pct += units * slow.rho * 0.01;
  g.vanna_shares_per_vol_point += units * slow.vanna * 0.01;
  g.volga_per_vol_point2 += units * slow.volga * 0.0001;
}

void finish_units(greeks::PortfolioGreeks& g, double spot) noexcept {
  g.delta_notional = g.delta_shares * spot;
  g.gamma_notional_per_pct = g.gamma_shares * spot * spot * 0.01;
}

}  // namespace

void Engine::revalue(std::uint32_t u, TimeNs /*now*/) noexcept {
  UnderlyingState& state = underlyings_[u];
  if (!state.has_spot) return;
  state.kernel->revalue(state.spot, state.risk);
  if (!state.american.empty()) {
    // American options: the second-order expansion around their last exact valuation; vega,
    // theta and rho are those of that valuation.
    for (const AmericanLine& a : state.american) {
      if (!a.valued || a.expiry_ns <= last_event_ns_) continue;
      const pricing::SpotGreeks sg = a.expansion.evaluate(state.spot);
      add_position(state.risk.total, a.units, sg.price, sg.delta, sg.gamma, a.exact);
      for (std::size_t b = 0; b < state.risk.bucket_count; ++b) {
        if (state.risk.bucket_expiry_ns[b] == a.expiry_ns) {
          add_position(state.risk.by_expiry[b], a.units, sg.price, sg.delta, sg.gamma, a.exact);
          finish_units(state.risk.by_expiry[b], state.spot);
          break;
        }
      }
    }
    finish_units(state.risk.total, state.spot);
  }
  state.greeks = state.risk.total;
}

void Engine::on_option_quote(const Quote& quote, TimeNs now) noexcept {
  const std::uint32_t u = underlying_of_option_[quote.instrument];
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  if (cfg.vol_mode != VolMode::kQuoteIv || !state.has_spot || !(quote.bid > 0.0)) return;
  const InstrumentSpec& spec = config_.instruments[quote.instrument];
  if (spec.expiry_ns <= now) return;
  const double t_years = static_cast<double>(spec.expiry_ns - now) /
                         static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
  // The European implied vol of the mid; for an American option it is the vol a European
  // with the same price would have, a close proxy away from deep in the money.
  const pricing::IvResult iv = pricing::implied_vol(
      quote.mid(),
      {state.spot, spec.strike, cfg.rate, cfg.dividend_yield, 0.0, t_years, spec.right});
  if (iv.error != pricing::IvError::kNone) {
    ++quote_iv_failures_;
    return;
  }
  const std::uint32_t line = state.line_of_option[quote.instrument];
  if (line == kNotAnUnderlying || state.line_vols[line] == iv.vol) return;
  state.line_vols[line] = iv.vol;
  for (AmericanLine& a : state.american) {
    if (a.option == quote.instrument) a.vol = iv.vol;
  }
  vols_dirty_ = true;  // applied by the next refresh, on a timer event
}

void Engine::set_vol_surface(std::uint32_t u, const pricing::VolSurface& surface,
                             TimeNs now) noexcept {
  if (u >= underlyings_.size() || config_.underlyings[u].vol_mode != VolMode::kSurface) return;
  UnderlyingState& state = underlyings_[u];
  if (!state.has_spot) return;
  const UnderlyingConfig& cfg = config_.underlyings[u];
  for (std::size_t line = 0; line < state.lines.size(); ++line) {
    const greeks::OptionLine& o = state.lines[line];
    if (o.expiry_ns <= now) continue;
    const double t_years = static_cast<double>(o.expiry_ns - now) /
                           static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
    const double forward = state.spot * std::exp((cfg.rate - cfg.dividend_yield) * t_years);
    const double vol = surface.vol(o.strike, t_years, forward);
    if (!(vol > 0.0) || !std::isfinite(vol)) continue;
    state.line_vols[line] = vol;
  }
  for (AmericanLine& a : state.american) a.vol = state.line_vols[a.kernel_line];
  vols_dirty_ = true;
}

pricing::BsInputs Engine::american_inputs(std::uint32_t u, const AmericanLine& a,
                                          TimeNs now) const noexcept {
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const double t_years = a.expiry_ns > now
                             ? static_cast<double>(a.expiry_ns - now) /
                                   static_cast<double>(kNanosPerSecond) / kSecondsPerYear
                             : 0.0;
  return {underlyings_[u].spot, a.strike, cfg.rate, cfg.dividend_yield, a.vol, t_years, a.right};
}

void Engine::refresh_pricing(TimeNs now) noexcept {
  for (UnderlyingState& state : underlyings_) {
    state.kernel->set_time(now);
    if (vols_dirty_) state.kernel->set_vols(state.line_vols);
  }
  vols_dirty_ = false;
  last_refresh_ns_ = now;
  revalue_american(now, /*force_revalue=*/true);
}

void Engine::revalue_american(TimeNs now, bool force_revalue) noexcept {
  std::size_t budget = config_.american_revaluations_per_timer;
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
    UnderlyingState& state = underlyings_[u];
    bool changed = force_revalue;
    state.american_pending = 0;
    if (state.has_spot) {
      for (AmericanLine& a : state.american) {
        const pricing::BsInputs in = american_inputs(u, a, now);
        if (a.valued && !a.expansion.needs_revaluation(in.spot, in.vol, in.time_years,
                                                       config_.american_thresholds)) {
          continue;
        }
        if (budget == 0) {
          ++state.american_pending;
          continue;
        }
        --budget;
        a.exact = pricing::american(in);
        a.expansion = pricing::AmericanExpansion(in, a.exact);
        a.valued = true;
        changed = true;
      }
    }
    if (changed) revalue(u, now);
  }
}

void Engine::evaluate_hedge(std::uint32_t u, TimeNs now, TimeNs quote_source_ns,
                            ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  if (monitor_.state(u) == TradingState::kHalted) {
    if (state.parent.active) drop_parent(u, now, out);
    return;
  }
  if (!session_up_ || !state.has_spot) return;

  state.unit_delta = hedge_unit_delta(u, now);
  // Without a parent, a new hedge is decided at most once per pacing interval, as a child is
  // sent; a working parent is re-targeted on every decision.
  const bool paced =
      state.last_order_ns != 0 && now - state.last_order_ns < cfg.min_order_interval_ns;
  if (!state.parent.active && paced) return;
  // Two passes at most: a parent that an opposite-side target emptied (nothing working) is
  // dropped, and the second pass starts its replacement for the need recomputed then.
  for (int pass = 0; pass < 2; ++pass) {
    ParentState& parent = state.parent;
    // The parent's unsent rest is as good as working: the decision counts it in flight.
    std::int64_t in_flight = state.working_qty;
    if (parent.active) in_flight += signed_qty(parent.order.side, parent.order.unsent_qty());
    hedging::HedgeState in;
    in.option_delta_shares = state.greeks.delta_shares;
    in.hedge_position_shares = static_cast<double>(state.hedge_position) * state.unit_delta;
    in.working_shares = static_cast<double>(in_flight) * state.unit_delta;
    in.spot = state.spot;
    in.gamma_shares = state.greeks.gamma_shares;
    in.now_ns = now;
    in.last_rebalance_ns = state.last_rebalance_ns;
    in.unit_delta_shares = state.unit_delta;
    // A flatten command: a zero-width band to zero until the flatten's parent is done.
    hedging::HedgePolicy flatten = cfg.policy;
    if (state.flatten_pending) {
      flatten.kind = hedging::HedgePolicyKind::kBandShares;
      flatten.band_delta_shares = 0.0;
      flatten.target = hedging::HedgeTarget::kZero;
    }
    const hedging::HedgePolicy stress = stress_policy(u);
    const hedging::HedgeDecision wanted = hedging::decide(
        state.flatten_pending ? flatten : (monitor_.stressed(u) ? stress : cfg.policy), in);
    // The flatten holds until its parent is done (drop_parent ends it): later decisions and
    // slices judge the parent by the zero band, not the policy's, which would trim it away.
    if (wanted.qty == 0 && !parent.active) state.flatten_pending = false;
    if (wanted.reason != hedging::HedgeReason::kInvalidInput) {
      state.band_shares = wanted.half_width_shares;
    }
    if (wanted.rebalance_due) state.last_rebalance_ns = now;
    if (wanted.qty == 0) break;

    if (!parent.active) {
      start_parent(u, wanted.qty > 0 ? Side::kBuy : Side::kSell, std::llabs(wanted.qty), now, out);
      break;
    }
    // What the hedge still needs from now, counting this parent's fills as done but not its
    // working children: the extra the decision asks for plus the parent's own rest.
    const std::int64_t rest = parent.order.working_qty + parent.order.unsent_qty();
    const execution::AmendDecision amend = execution::decide_new_target(
        parent.order, wanted.qty + signed_qty(parent.order.side, rest));
    execution::apply_amend(parent.order, amend);
    if (amend.action == execution::AmendAction::kAmend) ++state.parent_amends;
    if (amend.action == execution::AmendAction::kCancelAndReplace) ++state.parent_replaces;
    // Working children beyond the new total are canceled by drive_parent, which also retries
    // cancels the rate limit held back.
    if (amend.action != execution::AmendAction::kCancelAndReplace || !parent.order.complete()) {
      break;
    }
    const bool flattening = state.flatten_pending;
    drop_parent(u, now, out);
    state.flatten_pending = flattening;  // the replacement carries the flatten on
  }
  drive_parent(u, now, quote_source_ns, out);
}

hedging::HedgePolicy Engine::stress_policy(std::uint32_t u) const noexcept {
  const UnderlyingState& state = underlyings_[u];
  const hedging::HedgePolicy& normal = config_.underlyings[u].policy;
  const risk::StressHedging& stress = monitor_.limits().stress;
  if (!stress.enabled) return normal;
  // The stress half-width: band_multiple x the normal one, capped below the hard delta limit so
  // the book is still hedged (passively) before that limit trips.
  const double base =
      hedging::band_half_width_shares(normal, state.spot, state.greeks.gamma_shares);
  double width = std::isfinite(base) ? base * stress.band_multiple : 0.0;
  const risk::ExposureLimits& limits = monitor_.limits().underlying[u];
  double hard = limits[risk::Measure::kDeltaShares].hard;
  const double notional = limits[risk::Measure::kDeltaNotional].hard;
  if (notional > 0.0 && state.spot > 0.0 && (hard <= 0.0 || notional / state.spot < hard)) {
    hard = notional / state.spot;
  }
  if (hard > 0.0) {
    const double cap = stress.hard_limit_fraction * hard;
    width = width > 0.0 ? std::min(width, cap) : cap;
  }
  if (!(width > 0.0) || !std::isfinite(width)) return normal;
  hedging::HedgePolicy p = normal;
  p.kind = hedging::HedgePolicyKind::kBandShares;
  p.band_delta_shares = width;
  p.min_band_shares = 0.0;
  p.max_band_shares = std::numeric_limits<double>::infinity();
  p.target = hedging::HedgeTarget::kBandEdge;  // back inside the stress band: the least trading
  return p;
}

std::int64_t Engine::stress_price_ticks(std::uint32_t u, Side side,
                                        std::int64_t price_ticks) const noexcept {
  if (!monitor_.stressed(u) || !monitor_.limits().stress.enabled) return price_ticks;
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const Quote& touch = last_quotes_[cfg.hedge_instrument];
  if (!touch.valid() || !(touch.bid > 0.0)) return price_ticks;
  const double tick = config_.instruments[cfg.hedge_instrument].tick_size;
  const double cap = monitor_.limits().stress.max_slippage_bps / 1e4;
  const double mid = touch.mid();
  // A small epsilon keeps an exact tick multiple on its own tick.
  if (side == Side::kBuy) {
    const auto limit = static_cast<std::int64_t>(std::floor(mid * (1.0 + cap) / tick + 1e-9));
    return std::min(price_ticks, limit);
  }
  const auto limit = static_cast<std::int64_t>(std::ceil(mid * (1.0 - cap) / tick - 1e-9));
  return std::max(price_ticks, limit);
}

execution::MarketState Engine::hedge_market(std::uint32_t u) const noexcept {
  const Quote& touch = last_quotes_[config_.underlyings[u].hedge_instrument];
  execution::MarketState market;
  if (touch.valid()) {
    market.bid = touch.bid;
    market.ask = touch.ask;
  }
  // The feed's cumulative traded volume (0 when it reports none: pov then trades only at its
  // horizon).
  market.cum_volume = touch.volume;
  return market;
}

void Engine::start_parent(std::uint32_t u, Side side, std::int64_t qty, TimeNs now,
                          ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const InstrumentSpec& hedge = config_.instruments[cfg.hedge_instrument];
  const double arrival = hedge_mark(u);
  if (!(arrival > 0.0)) return;  // the hedge instrument has not quoted yet
  execution::ParentRequest request;
  request.instrument = cfg.hedge_instrument;
  request.underlying = u;
  request.side = side;
  request.qty = qty;
  request.arrival_price = arrival;
  request.start_ns = now;
  request.tick_size = hedge.tick_size;
  request.lot_size = hedge.lot_size;
  request.vol_annual = cfg.vol;
  request.market_volume = last_quotes_[cfg.hedge_instrument].volume;
  request.params = cfg.execution;
  const execution::ParentResult made = execution::make_parent(request);
  if (made.error != execution::ExecError::kOk) {
    // Paced like a blocked child, so a hedge the algorithm cannot take is not retried per tick.
    state.last_order_ns = now;
    block_notice(u, side, execution::to_string(made.error), out);
    return;
  }
  state.parent.active = true;
  state.parent.order = made.parent;
  state.parent.children.clear();
  ++state.parents_started;
  ++parents_by_algorithm_[static_cast<std::size_t>(made.parent.params.algorithm) %
                          kExecAlgorithmCount];
}

void Engine::drop_parent(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  ParentState& parent = state.parent;
  if (parent.active && parent.filled_qty > 0) {
    // Execution quality against the arrival mid, as a cost: positive when a buy paid more or
    // a sell received less than the mid at the decision.
    const execution::ParentOrder& p = parent.order;
    const double sign = p.side == Side::kBuy ? 1.0 : -1.0;
    const double average = parent.filled_notional / static_cast<double>(parent.filled_qty);
    const double multiplier =
        config_.instruments[config_.underlyings[u].hedge_instrument].multiplier;
    ParentDone done;
    done.underlying = u;
    done.side = p.side;
    done.total_qty = p.total_qty;
    done.filled_qty = parent.filled_qty;
    done.arrival_price = p.arrival_price;
    done.average_price = average;
    done.slippage_bps = sign * (average - p.arrival_price) / p.arrival_price * 1e4;
    done.shortfall_currency =
        sign * (average - p.arrival_price) * static_cast<double>(parent.filled_qty) * multiplier;
    done.children = parent.children_sent;
    ++state.parents_done;
    state.slippage_bps_sum += done.slippage_bps;
    state.last_slippage_bps = done.slippage_bps;
    state.shortfall_currency += done.shortfall_currency;
    out.push(done);
  }
  parent.filled_notional = 0.0;
  parent.filled_qty = 0;
  parent.children_sent = 0;
  for (const OrderId id : parent.children) {
    if (execution::ChildOrder* child = orders_.find(id);
        child != nullptr && !execution::is_terminal(child->status)) {
      cancel_order(*child, now, out);
    }
  }
  parent.children.clear();
  parent.active = false;
  state.flatten_pending = false;
}

void Engine::drive_parent(std::uint32_t u, TimeNs now, TimeNs quote_source_ns,
                          ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  ParentState& parent = state.parent;
  if (!parent.active) return;
  if (monitor_.state(u) == TradingState::kHalted) {
    drop_parent(u, now, out);
    return;
  }
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const InstrumentSpec& hedge = config_.instruments[cfg.hedge_instrument];
  execution::ParentOrder& p = parent.order;
  const execution::MarketState market = hedge_market(u);

  // Working children beyond the parent's total (after an amend down, a cancel, or an
  // opposite-side target) are canceled, newest first, as the cancel rate allows.
  std::int64_t excess = p.filled_qty + p.working_qty - p.total_qty;
  for (auto it = parent.children.rbegin(); it != parent.children.rend() && excess > 0; ++it) {
    execution::ChildOrder* child = orders_.find(*it);
    if (child == nullptr || execution::is_terminal(child->status)) continue;
    if (!child->cancel_requested) {
      if (!monitor_.try_cancel(u, now)) break;
      cancel_order(*child, now, out);
    }
    excess -= child->leaves_qty();
  }
  // Re-pricing: a child the algorithm would move is replaced in place (or, for a venue without
  // cancel/replace, canceled and its leaves sent again once the cancel is confirmed). A child
  // whose replace is still unanswered is left alone; the next event looks again.
  if (excess <= 0 && session_up_) {
    for (const OrderId id : parent.children) {
      execution::ChildOrder* child = orders_.find(id);
      if (child == nullptr || child->cancel_requested || child->replace_pending() ||
          execution::is_terminal(child->status))
        continue;
      const execution::RepriceDecision reprice =
          execution::reprice_child(p, market, child->price_ticks, child->sent_ns, now);
      const std::int64_t reprice_ticks = stress_price_ticks(u, child->side, reprice.price_ticks);
      if (reprice.action == execution::RepriceAction::kReprice &&
          reprice_ticks != child->price_ticks && monitor_.try_cancel(u, now)) {
        reprice_order(*child, reprice_ticks, now, out);
        ++state.child_reprices;
      }
    }
  }
  if (p.complete()) {
    drop_parent(u, now, out);
    return;
  }

  // At most one child per event unless pacing (min_order_interval) allows more; a blocked child
  // ends the loop and is retried on a later event.
  constexpr int kMaxChildrenPerEvent = 8;
  for (int n = 0; n < kMaxChildrenPerEvent; ++n) {
    if (!session_up_) return;
    if (state.last_order_ns != 0 && now - state.last_order_ns < cfg.min_order_interval_ns) return;
    const execution::ChildDecision next = execution::next_child(p, market, now);
    if (next.action == execution::ChildAction::kDone) {
      drop_parent(u, now, out);
      return;
    }
    if (next.action != execution::ChildAction::kSend) return;
    std::int64_t qty = next.qty;
    const risk::PreTradeLimits& limits = monitor_.limits().pre_trade[u];
    if (limits.max_order_qty > 0 && qty > limits.max_order_qty) {
      qty = limits.max_order_qty / hedge.lot_size * hedge.lot_size;
    }
    // A child is sent only while the hedge still needs it: the net delta counting fills and
    // working children (not the parent's unsent rest) is outside the band, and the child never
    // takes it past zero. Otherwise the parent is trimmed to what is already committed: its
    // size was decided at an earlier spot, and the next decision starts or amends a parent
    // for what is needed now.
    const double net =
        state.greeks.delta_shares +
        static_cast<double>(state.hedge_position + state.working_qty) * state.unit_delta;
    const double toward_zero = p.side == Side::kBuy ? -net : net;
    std::int64_t useful = 0;
    if (toward_zero > 0.0 && std::isfinite(toward_zero) && state.unit_delta > 0.0 &&
        std::fabs(net) > state.band_shares) {
      useful = execution::round_to_nearest_lot(std::llround(toward_zero / state.unit_delta),
                                               hedge.lot_size);
    }
    if (useful <= 0) {
      execution::AmendDecision trim;
      trim.action = execution::AmendAction::kAmend;
      trim.new_total_qty = p.filled_qty + p.working_qty;
      execution::apply_amend(p, trim);
      if (p.complete()) drop_parent(u, now, out);
      return;
    }
    qty = std::min(qty, useful);
    if (qty <= 0) return;
    if (!send_child(u, p.side, qty, stress_price_ticks(u, p.side, next.price_ticks), now,
                    quote_source_ns, out)) {
      return;
    }
  }
}

void Engine::block_notice(std::uint32_t u, Side side, const char* reason,
                          ActionBuffer& out) noexcept {
  ++orders_by_outcome_[side_index(side)][outcome_index(OrderOutcome::kBlocked)];
  OrderNotice notice;
  notice.underlying = u;
  notice.outcome = OrderOutcome::kBlocked;
  notice.text.assign(reason);
  out.push(notice);
}

bool Engine::send_child(std::uint32_t u, Side side, std::int64_t qty, std::int64_t price_ticks,
                        TimeNs now, TimeNs quote_source_ns, ActionBuffer& out) noexcept {
  UnderlyingState& state = underlyings_[u];
  const UnderlyingConfig& cfg = config_.underlyings[u];
  const InstrumentSpec& hedge = config_.instruments[cfg.hedge_instrument];
  const Quote& touch = last_quotes_[cfg.hedge_instrument];
  const double price = from_ticks(price_ticks, hedge.tick_size);
  // Paced whether it goes out or is blocked: a blocked child is retried on a later event.
  state.last_order_ns = now;

  const double net =
      state.greeks.delta_shares +
      static_cast<double>(state.hedge_position + state.working_qty) * state.unit_delta;
  risk::OrderCheck check;
  check.side = side;
  check.qty = qty;
  check.price = price;
  check.multiplier = hedge.multiplier;
  check.tick_size = hedge.tick_size;
  check.reference_price = touch.mid();
  check.position = state.hedge_position + state.working_qty;
  std::uint32_t working_orders = 0;
  orders_.for_each_live([&](const execution::ChildOrder& o) {
    if (o.underlying == u) ++working_orders;
  });
  check.working_orders = working_orders;
  check.reduces_risk = std::fabs(net + static_cast<double>(signed_qty(side, qty)) *
                                           state.unit_delta) < std::fabs(net);
  const risk::CheckResult verdict = monitor_.check_order(u, check, now);
  if (verdict != risk::CheckResult::kAccepted) {
    block_notice(u, side, risk::to_string(verdict), out);
    return false;
  }
  const execution::ChildOrder* order =
      add_order(u, cfg.hedge_instrument, side, qty, price_ticks, now, out);
  if (order == nullptr) return false;
  ++state.hedge_decisions;
  ParentState& parent = state.parent;
  execution::record_child_sent(parent.order, qty, now);
  if (parent.children.size() < parent.children.capacity()) parent.children.push_back(order->id);
  ++state.parent_children_sent;
  ++parent.children_sent;

  HedgeDecision decision;
  decision.underlying = u;
  decision.cl_ord_id = order->id;
  decision.side = side;
  decision.qty = qty;
  decision.price = price;
  decision.spot = state.spot;
  decision.portfolio_delta_shares = state.greeks.delta_shares;
  decision.hedge_position = state.hedge_position;
  decision.working_qty = state.working_qty;
  decision.band_delta_shares = state.band_shares;
  decision.unit_delta_shares = state.unit_delta;
  out.push(decision);
  emit_order(*order, price, quote_source_ns, now, out);
  state.working_qty += signed_qty(side, qty);
  return true;
}

const execution::ChildOrder* Engine::add_order(std::uint32_t u, InstrumentId instrument, Side side,
                                               std::int64_t qty, std::int64_t price_ticks,
                                               TimeNs now, ActionBuffer& out) noexcept {
  execution::ChildOrder child;
  child.id = next_order_id_;
  child.instrument = instrument;
  child.underlying = u;
  child.side = side;
  child.qty = qty;
  child.price_ticks = price_ticks;
  child.sent_ns = now;
  const execution::ChildOrder* order = orders_.add(child);
  if (order == nullptr) {
    block_notice(u, side, "max_working_orders reached", out);
    return nullptr;
  }
  ++next_order_id_;
  return order;
}

void Engine::emit_order(const execution::ChildOrder& order, double price, TimeNs quote_source_ns,
                        TimeNs now, ActionBuffer& out) noexcept {
  NewChildOrder action;
  action.cl_ord_id = order.id;
  action.instrument = order.instrument;
  action.side = order.side;
  action.qty = order.qty;
  action.price_ticks = order.price_ticks;
  action.price = price;
  action.quote_source_ns = quote_source_ns;
  action.decision_ns = now;
  out.push(action);
  if (quote_source_ns > 0 && now >= quote_source_ns) {
    tick_to_decision_.record(static_cast<double>(now - quote_source_ns) * 1e-9);
  }
  ++orders_by_outcome_[side_index(order.side)][outcome_index(OrderOutcome::kSubmitted)];
}

void Engine::close_order(const execution::ChildOrder& order, const ExecReportEvent& report,
                         TimeNs now, ActionBuffer& out) noexcept {
  OrderOutcome outcome = OrderOutcome::kCanceled;
  if (order.status == OrdStatus::kFilled) outcome = OrderOutcome::kFilled;
  if (order.status == OrdStatus::kRejected) outcome = OrderOutcome::kRejected;
  ++orders_by_outcome_[side_index(order.side)][outcome_index(outcome)];
  if (outcome == OrderOutcome::kRejected && !report.internal) monitor_.on_reject(now, out);
  if (outcome != OrderOutcome::kFilled) {
    OrderNotice notice;
    notice.underlying = order.underlying;
    notice.cl_ord_id = order.id;
    notice.outcome = outcome;
    notice.text = report.text;
    out.push(notice);
  }
}

void Engine::on_exec_report(const ExecReportEvent& report, TimeNs now, ActionBuffer& out) noexcept {
  // The venue's first answer to an order (ack, fill or reject) measures its ack latency.
  execution::ChildOrder* before = orders_.find(report.cl_ord_id);
  const bool awaiting_ack = before != nullptr && before->status == OrdStatus::kPendingNew &&
                            !report.internal && report.received_ns > before->sent_ns &&
                            report.kind != ExecKind::kCancelReject &&
                            report.kind != ExecKind::kReplaceReject;
  const TimeNs sent_ns = before != nullptr ? before->sent_ns : 0;
  if (before != nullptr && before->reconcile && report.kind == ExecKind::kOrderStatus) {
    reconcile(*before, report, now, out);
    before->reconcile = false;
  }
  const execution::ApplyOutcome result = orders_.apply(report);
  if (awaiting_ack && result.result == execution::ApplyResult::kApplied) {
    ack_latency_.record(static_cast<double>(report.received_ns - sent_ns) * 1e-9);
  }
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
  if (report.kind == ExecKind::kReplaceReject) ++replaces_rejected_;
  const std::uint32_t u = order->underlying;
  UnderlyingState& state = underlyings_[u];
  const std::size_t side = side_index(order->side);
  if (order->instrument != config_.underlyings[u].hedge_instrument) {
    on_option_hedge_report(*order, result, report, now, out);
    return;
  }

  // The quantity the venue reports is a fact; its price is checked before P&L uses it.
  double fill_px = result.fill_px;
  if (result.fill_qty > 0) {
    const InstrumentSpec& spec = config_.instruments[order->instrument];
    fill_px = trusted_fill_price(u, order->instrument, signed_qty(order->side, result.fill_qty),
                                 result.fill_px, from_ticks(order->price_ticks, spec.tick_size),
                                 order->id, report.exec_id, now, out);
    apply_fill(u, order->side, result.fill_qty, fill_px);
    ++fills_;
    filled_qty_[side] += static_cast<std::uint64_t>(result.fill_qty);
  }
  recompute_working(u);
  // The parent learns of its own open children only; a report for a child it already closed
  // (a fill after the cancel) or of a dropped parent moves the position, and the next decision
  // sees it there.
  ParentState& parent = state.parent;
  if (parent.active) {
    const auto it = std::find(parent.children.begin(), parent.children.end(), order->id);
    if (it != parent.children.end()) {
      if (result.fill_qty > 0) {
        execution::record_fill(parent.order, result.fill_qty);
        parent.filled_notional += fill_px * static_cast<double>(result.fill_qty);
        parent.filled_qty += result.fill_qty;
      }
      if (result.became_terminal) {
        execution::record_child_closed(parent.order, order->leaves_qty());
        parent.children.erase(it);
      }
    }
  }
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
    fill.band_delta_shares = state.band_shares;
    fill.unit_delta_shares = state.unit_delta;
    out.push(fill);
  }
  if (result.became_terminal) close_order(*order, report, now, out);
  if (result.fill_qty > 0) update_risk(u, now, out);
  act_on_halts(now, out);
  // A fill or a closed child may let the algorithm send the next one.
  if (result.fill_qty > 0 || result.became_terminal) drive_parent(u, now, 0, out);
}

void Engine::on_option_hedge_report(const execution::ChildOrder& order,
                                    const execution::ApplyOutcome& result,
                                    const ExecReportEvent& report, TimeNs now,
                                    ActionBuffer& out) noexcept {
  const std::uint32_t u = order.underlying;
  UnderlyingState& state = underlyings_[u];
  if (result.fill_qty > 0) {
    const std::int64_t qty = signed_qty(order.side, result.fill_qty);
    const InstrumentSpec& spec = config_.instruments[order.instrument];
    const double px = trusted_fill_price(u, order.instrument, qty, result.fill_px,
                                         from_ticks(order.price_ticks, spec.tick_size), order.id,
                                         report.exec_id, now, out);
    state.option_cash -= static_cast<double>(qty) * px * spec.multiplier;
    ++fills_;
    OptionTradeNotice notice;
    notice.underlying = u;
    notice.instrument = order.instrument;
    notice.qty = qty;
    notice.price = result.fill_px;
    notice.position = add_option_position(u, order.instrument, qty, now);
    notice.portfolio_delta_shares = state.greeks.delta_shares;
    notice.from_hedge = true;
    notice.exec_id = report.exec_id;
    state.option_hedge_contracts += qty;
    out.push(notice);
  }
  if (result.became_terminal) close_order(order, report, now, out);
  if (result.fill_qty > 0) {
    // The option's delta is finished in the hedge instrument by the delta policy.
    update_risk(u, now, out);
    act_on_halts(now, out);
    evaluate_hedge(u, now, 0, out);
  }
}

void Engine::recompute_working(std::uint32_t u) noexcept {
  std::int64_t working = 0;
  const InstrumentId hedge = config_.underlyings[u].hedge_instrument;
  orders_.for_each_live([&](const execution::ChildOrder& o) {
    if (o.underlying == u && o.instrument == hedge) working += o.signed_leaves();
  });
  underlyings_[u].working_qty = working;
}

void Engine::cancel_order(execution::ChildOrder& order, TimeNs now, ActionBuffer& out) noexcept {
  if (!orders_.mark_cancel_requested(order.id, now)) return;
  CancelOrder cancel;
  cancel.cl_ord_id = next_order_id_++;
  // A replace still unanswered may or may not have happened: the venue finds the order by
  // either ClOrdID, and the current one is the one it surely knows.
  cancel.orig_cl_ord_id = order.wire_id;
  cancel.instrument = order.instrument;
  cancel.side = order.side;
  cancel.qty = order.qty;
  out.push(cancel);
  ++cancels_sent_;
}

void Engine::reprice_order(execution::ChildOrder& order, std::int64_t price_ticks, TimeNs now,
                           ActionBuffer& out) noexcept {
  if (!config_.use_replace) {
    cancel_order(order, now, out);
    return;
  }
  const OrderId new_id = next_order_id_;
  const OrderId orig = order.wire_id;
  if (!orders_.mark_replace_requested(order.id, new_id, order.qty, price_ticks, now)) return;
  ++next_order_id_;
  const InstrumentSpec& spec = config_.instruments[order.instrument];
  ReplaceOrder replace;
  replace.cl_ord_id = new_id;
  replace.orig_cl_ord_id = orig;
  replace.instrument = order.instrument;
  replace.side = order.side;
  replace.qty = order.qty;
  replace.price_ticks = price_ticks;
  replace.price = from_ticks(price_ticks, spec.tick_size);
  out.push(replace);
  ++replaces_sent_;
}

void Engine::chase_unanswered(TimeNs now, ActionBuffer& out) noexcept {
  const TimeNs after = config_.status_request_after_ns;
  if (!session_up_) return;
  // Bounded per timer event so a venue that answers nothing cannot fill the action buffer.
  constexpr int kMaxPerTimer = 16;
  int sent = 0;
  orders_.for_each_live([&](execution::ChildOrder& o) {
    if (sent >= kMaxPerTimer) return;
    const bool unanswered =
        o.status == OrdStatus::kPendingNew || o.cancel_requested || o.replace_pending();
    if (!unanswered && !o.reconcile) return;
    // An order to reconcile is asked about at once (whatever status_request_after says), then
    // like any unanswered one.
    if (!(o.reconcile && o.last_status_request_ns == 0)) {
      if (after <= 0) return;
      const TimeNs since = o.status == OrdStatus::kPendingNew ? o.sent_ns : o.request_ns;
      const TimeNs last = std::max(since, o.last_status_request_ns);
      if (now - last < after) return;
    }
    o.last_status_request_ns = now;
    ++o.status_requests;
    StatusRequest request;
    request.cl_ord_id = o.wire_id;
    request.instrument = o.instrument;
    request.side = o.side;
    out.push(request);
    ++status_requests_sent_;
    ++sent;
  });
}

void Engine::on_timer(TimeNs now, ActionBuffer& out) noexcept {
  if (vols_dirty_ || now - last_refresh_ns_ >= config_.pricing_refresh_ns) {
    refresh_pricing(now);
  } else {
    revalue_american(now, /*force_revalue=*/false);
  }
  monitor_.on_timer(now, out);
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
    update_risk(u, now, out);
    // Time-based rebalancing does not wait for a quote.
    if (config_.underlyings[u].policy.kind == hedging::HedgePolicyKind::kTime) {
      evaluate_hedge(u, now, 0, out);
    } else {
      drive_parent(u, now, 0, out);  // schedules release slices and cross timeouts fire here
    }
  }
  for (std::uint32_t u = 0; u < underlyings_.size(); ++u) evaluate_option_hedge(u, now, out);
  chase_unanswered(now, out);
  // A child order that has not completed within its timeout is pulled (as the cancel rate limit
  // allows; the rest wait for the next timer); the next decision re-prices what is left.
  orders_.for_each_live([&](execution::ChildOrder& o) {
    const TimeNs timeout = config_.underlyings[o.underlying].order_timeout_ns;
    if (!o.cancel_requested && timeout > 0 && now - o.sent_ns >= timeout &&
        monitor_.try_cancel(o.underlying, now)) {
      cancel_order(o, now, out);
    }
  });
}

void Engine::on_command(const CommandEvent& command, TimeNs now, ActionBuffer& out) noexcept {
  const char* reason = command.reason.c_str();
  switch (command.command) {
    case Command::kHalt:
      monitor_.kill(command.reason.empty() ? "halt command" : reason, now, out);
      // Every working order goes, even one whose cancel is already pending elsewhere.
      orders_.for_each_live([&](execution::ChildOrder& o) { cancel_order(o, now, out); });
      for (std::uint32_t u = 0; u < underlyings_.size(); ++u) drop_parent(u, now, out);
      break;
    case Command::kResume:
      monitor_.resume(command.reason.empty() ? "resume command" : reason, now, out);
      break;
    case Command::kKillSwitchEngaged:
      monitor_.set_kill_flag(true, command.reason.empty() ? "kill-switch file" : reason, now, out);
      orders_.for_each_live([&](execution::ChildOrder& o) { cancel_order(o, now, out); });
      for (std::uint32_t u = 0; u < underlyings_.size(); ++u) drop_parent(u, now, out);
      break;
    case Command::kKillSwitchReleased: monitor_.set_kill_flag(false, reason, now, out); break;
    case Command::kFlatten:
      // A one-off rebalance to zero on the next decision of each underlying (now, unless
      // paced); trading states and their gates apply as to any hedge.
      for (std::uint32_t u = 0; u < underlyings_.size(); ++u) {
        underlyings_[u].flatten_pending = true;
        evaluate_hedge(u, now, 0, out);
      }
      break;
  }
  act_on_halts(now, out);
}

void Engine::fill_risk(std::uint32_t scope, RiskScopeSnapshot& out) const noexcept {
  out.state = monitor_.scope_state(scope);
  if (scope != kBookScope && monitor_.state(scope) != out.state) {
    out.cause.assign(monitor_.scope_cause(kBookScope));  // the book's state is the stronger
  } else {
    out.cause.assign(monitor_.scope_cause(scope));
  }
  out.breakers_tripped = 0;
  for (std::size_t b = 0; b < risk::kBreakerCount; ++b) {
    if (monitor_.breaker_tripped(scope, static_cast<risk::Breaker>(b)))
      out.breakers_tripped |= 1u << b;
  }
  out.exposure = monitor_.exposure(scope);
  const risk::ExposureLimits& limits =
      scope == kBookScope ? monitor_.limits().book : monitor_.limits().underlying[scope];
  for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
    out.utilization[m] = monitor_.utilization(scope, static_cast<risk::Measure>(m));
    out.limits[m] = limits.by_measure[m];
  }
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
    o.hedge_unit_delta_shares = s.unit_delta;
    o.net_delta_shares = s.greeks.delta_shares +
                         static_cast<double>(s.hedge_position + s.working_qty) * s.unit_delta;
    o.band_delta_shares = s.band_shares;
    o.hedge_decisions = s.hedge_decisions;
    o.last_quote_ns = s.last_quote_ns;
    o.american_pending = s.american_pending;
    fill_risk(static_cast<std::uint32_t>(u), o.risk);
    o.risk.state = monitor_.state(static_cast<std::uint32_t>(u));
    o.pnl_day = s.pnl_day;
    o.pnl_realised_day = s.realised - s.day_open_realised;
    o.hedge_cash = s.hedge_cash;
    o.option_cash = s.option_cash;
    o.algorithm = static_cast<std::uint8_t>(config_.underlyings[u].execution.algorithm);
    o.parent_active = s.parent.active;
    o.parent_side = s.parent.order.side;
    o.parent_total_qty = s.parent.active ? s.parent.order.total_qty : 0;
    o.parent_filled_qty = s.parent.active ? s.parent.order.filled_qty : 0;
    o.parent_working_qty = s.parent.active ? s.parent.order.working_qty : 0;
    o.parent_unsent_qty = s.parent.active ? s.parent.order.unsent_qty() : 0;
    o.parents_started = s.parents_started;
    o.parent_children_sent = s.parent_children_sent;
    o.parent_amends = s.parent_amends;
    o.parent_replaces = s.parent_replaces;
    o.parents_done = s.parents_done;
    o.slippage_bps_sum = s.slippage_bps_sum;
    o.last_slippage_bps = s.last_slippage_bps;
    o.shortfall_currency = s.shortfall_currency;
    o.child_reprices = s.child_reprices;
    o.option_trades = s.option_trades;
    o.option_contracts_bought = s.option_contracts_bought;
    o.option_contracts_sold = s.option_contracts_sold;
    o.option_hedge_orders = s.option_hedge_orders;
    o.option_hedge_contracts = s.option_hedge_contracts;
    o.bucket_count = 0;
    for (std::size_t b = 0; b < s.risk.bucket_count && o.bucket_count < kSnapshotBuckets; ++b) {
      if (s.risk.bucket_expiry_ns[b] <= last_event_ns_) continue;  // expired
      o.bucket_expiry_ns[o.bucket_count] = s.risk.bucket_expiry_ns[b];
      o.buckets[o.bucket_count] = s.risk.by_expiry[b];
      ++o.bucket_count;
    }
  }
  out.state = monitor_.scope_state(kBookScope);
  out.state_cause.assign(monitor_.scope_cause(kBookScope));
  fill_risk(kBookScope, out.book_risk);
  out.limits_version = monitor_.limits().version;
  for (std::size_t b = 0; b < risk::kBreakerCount; ++b)
    out.breaker_trips[b] = monitor_.trips(static_cast<risk::Breaker>(b));
  for (std::size_t c = 0; c < risk::kCheckResultCount; ++c)
    out.pretrade_rejects[c] = monitor_.pretrade_rejects(static_cast<risk::CheckResult>(c));
  out.soft_breaches = monitor_.soft_breaches();
  out.session_up = session_up_;
  out.quotes = quotes_;
  out.quotes_refused = quotes_refused_;
  for (std::size_t side = 0; side < 2; ++side) {
    for (std::size_t k = 0; k < kOrderOutcomeCount; ++k)
      out.orders[side][k] = orders_by_outcome_[side][k];
    out.filled_qty[side] = filled_qty_[side];
  }
  out.fills = fills_;
  out.exec_reports_ignored = exec_reports_ignored_;
  out.exec_reports_invalid = exec_reports_invalid_;
  out.cancels_sent = cancels_sent_;
  out.replaces_sent = replaces_sent_;
  out.replaces_rejected = replaces_rejected_;
  out.status_requests_sent = status_requests_sent_;
  out.reconcile_checks = reconcile_checks_;
  out.reconcile_differences = reconcile_differences_;
  out.reconcile_difference_qty = reconcile_difference_qty_;
  out.orders_restored = orders_restored_;
  out.option_trades_ignored = option_trades_ignored_;
  out.fills_price_implausible = fills_price_implausible_;
  out.option_trades_price_implausible = option_trades_price_implausible_;
  out.quote_iv_failures = quote_iv_failures_;
  out.live_orders = static_cast<std::uint32_t>(orders_.live_count());
  for (std::size_t a = 0; a < kExecAlgorithmCount; ++a)
    out.parents_by_algorithm[a] = parents_by_algorithm_[a];
  out.ack_latency = ack_latency_;
  out.tick_to_decision = tick_to_decision_;
}

}  // namespace hedged
