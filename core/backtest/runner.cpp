// The path runner: the real engine on a virtual clock, an in-process venue, settlement.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>

#include "core/backtest/backtest.hpp"
#include "core/pricing/black_scholes.hpp"

namespace hedged::backtest {
namespace {

constexpr double kNanosPerYear = kSecondsPerYear * static_cast<double>(kNanosPerSecond);
constexpr TimeNs kTimerLead = 1000;  // the pre-quote timer comes 1 us before the quote
constexpr TimeNs kNever = std::numeric_limits<TimeNs>::max();

double years(TimeNs ns) {
  return static_cast<double>(ns) / kNanosPerYear;
}

struct LineGreeks {
  double value = 0.0, delta = 0.0, gamma = 0.0, theta = 0.0, vega = 0.0;
};

// Adds `units` (contracts x multiplier) of an option at the underlying's pricing vol; past
// expiry, its intrinsic value.
void add_line(const InstrumentSpec& spec, const UnderlyingConfig& uc, double units, double spot,
              TimeNs time, LineGreeks& g) {
  const double t = std::max(0.0, years(spec.expiry_ns - time));
  if (t <= 0.0) {
    const double intrinsic = spec.right == OptionRight::kCall ? std::max(spot - spec.strike, 0.0)
                                                              : std::max(spec.strike - spot, 0.0);
    g.value += units * intrinsic;
    return;
  }
  const pricing::Greeks bs = pricing::black_scholes(
      {spot, spec.strike, uc.rate, uc.dividend_yield, uc.vol, t, spec.right});
  g.value += units * bs.price;
  g.delta += units * bs.delta;
  g.gamma += units * bs.gamma;
  g.theta += units * bs.theta;
  g.vega += units * bs.vega;
}

// Value and Greeks of the book lines of underlying u (currency, shares, per year, per 1.00 vol).
LineGreeks book_greeks(const EngineConfig& config, std::size_t u, double spot, TimeNs time) {
  LineGreeks g;
  const UnderlyingConfig& uc = config.underlyings[u];
  for (const BookLine& line : config.book) {
    const InstrumentSpec& spec = config.instruments[line.option];
    if (spec.underlying != uc.spot_instrument) continue;
    add_line(spec, uc, static_cast<double>(line.quantity) * spec.multiplier, spot, time, g);
  }
  return g;
}

class PathRun {
 public:
  PathRun(const EngineConfig& config, const MarketPath& path, const RunSettings& settings)
      : config_(config), path_(path), settings_(settings), engine_(config) {
    const std::size_t n = config.underlyings.size();
    units_.assign(n, 0);
    future_mark_.assign(n, 0.0);
    cash_.assign(n, 0.0);
    underlying_of_hedge_.assign(config.instruments.size(), ~0u);
    for (std::size_t u = 0; u < n; ++u) {
      underlying_of_hedge_[config.underlyings[u].hedge_instrument] = static_cast<std::uint32_t>(u);
      if (config.underlyings[u].execution.algorithm != execution::Algorithm::kImmediate) {
        sliced_ = true;
      }
      // The option hedger acts on timer events once the delta of the last round is hedged and
      // its pacing interval has passed: timers follow each order for that long and two more.
      if (config.underlyings[u].option_hedge.enabled) {
        option_tail_ns_ = std::max(option_tail_ns_, config.underlyings[u].min_order_interval_ns +
                                                        2 * settings.timer_interval_ns);
      }
    }
    quotes_.assign(config.instruments.size(), Quote{});
    mid_.assign(config.instruments.size(), 0.0);
    // Every option of the book is quoted; its underlying's index, or ~0u.
    underlying_of_option_.assign(config.instruments.size(), ~0u);
    option_contracts_.assign(config.instruments.size(), 0);
    option_settled_.assign(config.instruments.size(), false);
    for (const BookLine& line : config.book) {
      const InstrumentSpec& spec = config.instruments[line.option];
      for (std::size_t u = 0; u < n; ++u) {
        if (config.underlyings[u].spot_instrument != spec.underlying) continue;
        if (underlying_of_option_[line.option] == ~0u) options_.push_back(line.option);
        underlying_of_option_[line.option] = static_cast<std::uint32_t>(u);
      }
    }
    if (settings.record_steps) snapshot_ = std::make_unique<EngineSnapshot>();
  }

  PathResult run() {
    const std::vector<TimeNs>& times = path_.times;
    if (times.size() < 2) return result_;
    start_ = times.front();
    std::vector<double> spots0(config_.underlyings.size());
    for (std::size_t u = 0; u < spots0.size(); ++u) spots0[u] = path_.spot[u][0];
    result_.premium = -book_value(config_, spots0, start_);
    for (std::size_t u = 0; u < cash_.size(); ++u) {
      cash_[u] = -book_greeks(config_, u, spots0[u], start_).value;
    }
    feed(SessionEvent{true}, start_ - kNanosPerSecond);
    const std::size_t last = times.size() - 1;
    for (std::size_t k = 0; k < last; ++k) {
      const TimeNs t = times[k];
      advance_to(t - kTimerLead);
      if (now_ < t - kTimerLead) feed(TimerEvent{}, t - kTimerLead);
      step_market(k, t);
      if (settings_.record_steps) record(k);
    }
    // The end: no more trading. The market moves to its final value, working orders are
    // dropped, and the book settles.
    step_market_quiet(last);
    if (settings_.record_steps) record(last);
    settle(last);
    result_.pnl_pv = result_.premium - result_.hedge_cost_pv;
    result_.final_spot = path_.spot.empty() ? 0.0 : path_.spot[0][last];
    return std::move(result_);
  }

 private:
  enum class VenueKind : std::uint8_t { kArrive, kCancel, kReplace, kStatus };
  struct Pending {
    TimeNs time = 0;
    std::uint64_t seq = 0;
    VenueKind kind = VenueKind::kArrive;
    OrderId id = 0;    // the order (its new id for a replace)
    OrderId orig = 0;  // cancel, replace: the id the venue knows
    std::int64_t qty = 0;
    double price = 0.0;
  };
  struct VenueOrder {
    OrderId id = 0;
    InstrumentId instrument = kNoInstrument;
    Side side = Side::kBuy;
    std::int64_t qty = 0;
    std::int64_t cum = 0;
    double price = 0.0;
    bool arrived = false;
  };

  double discount(std::size_t u, TimeNs t) const {
    return std::exp(-config_.underlyings[u].rate * years(t - start_));
  }

  double unit_delta(std::size_t u, TimeNs t) const {
    const UnderlyingConfig& uc = config_.underlyings[u];
    const InstrumentSpec& h = config_.instruments[uc.hedge_instrument];
    if (h.kind != InstrumentKind::kFuture) return h.multiplier;
    const double tau = std::max(0.0, years(h.expiry_ns - t));
    return h.multiplier * std::exp((uc.rate - uc.dividend_yield) * tau);
  }

  double half_spread(std::size_t u, std::size_t k, double mid) const {
    if (!path_.half_spread.empty()) return path_.half_spread[u][k];
    return sim::half_spread_from_bps(mid, settings_.venue.spread_bps);
  }

  // The vol the option market quotes underlying u at on step k.
  double market_vol(std::size_t u, std::size_t k) const {
    if (!path_.vol.empty()) return path_.vol[u][k];
    return config_.underlyings[u].vol;
  }

  // Whether underlying u's options are quoted (to the venue and the engine): only its option
  // hedger trades them; without one they would only add events and work.
  bool engine_wants_options(std::size_t u) const {
    return config_.underlyings[u].option_hedge.enabled;
  }

  // Quotes of every underlying's spot and hedge instrument at step k.
  void make_quotes(std::size_t k, TimeNs t) {
    for (std::size_t u = 0; u < config_.underlyings.size(); ++u) {
      const UnderlyingConfig& uc = config_.underlyings[u];
      const double s = path_.spot[u][k];
      const double hs = half_spread(u, k, s);
      set_quote(uc.spot_instrument, s, hs, t);
      if (uc.hedge_instrument != uc.spot_instrument) {
        const InstrumentSpec& f = config_.instruments[uc.hedge_instrument];
        const double tau = std::max(0.0, years(f.expiry_ns - t));
        const double fwd = s * std::exp((uc.rate - uc.dividend_yield) * tau);
        set_quote(uc.hedge_instrument, fwd, hs * fwd / s, t);
      }
    }
    // Options still alive: Black-Scholes at the market's vol, mid -/+ half the option spread.
    // Only an option hedger sees or trades them, so other underlyings' options are not priced.
    for (const InstrumentId id : options_) {
      const InstrumentSpec& spec = config_.instruments[id];
      if (!engine_wants_options(underlying_of_option_[id])) continue;
      if (spec.expiry_ns <= t) {
        quotes_[id] = Quote{};
        continue;
      }
      const std::size_t u = underlying_of_option_[id];
      const UnderlyingConfig& uc = config_.underlyings[u];
      const double mid =
          pricing::black_scholes_price({path_.spot[u][k], spec.strike, uc.rate, uc.dividend_yield,
                                        market_vol(u, k), years(spec.expiry_ns - t), spec.right});
      set_quote(id, mid, sim::half_spread_from_bps(mid, settings_.venue.option_spread_bps), t);
      // A worthless option (a deep out-of-the-money strike, or a vol of zero on a Heston path)
      // is still offered at one tick, as listed options are, so its quote stays valid.
      Quote& q = quotes_[id];
      if (!(q.ask >= spec.tick_size)) {
        q.ask = spec.tick_size;
        q.bid = std::max(q.bid, 0.0);
      }
    }
  }
  void set_quote(InstrumentId id, double mid, double hs, TimeNs t) {
    Quote& q = quotes_[id];
    q.instrument = id;
    q.bid = mid - hs;
    q.ask = mid + hs;
    q.bid_size = 1'000'000;
    q.ask_size = 1'000'000;
    q.source_ns = t;
    ++q.seq;
    mid_[id] = mid;
  }

  // Variation margin of futures hedges and dividends on spot hedges since the previous step.
  void carry(std::size_t k, TimeNs t) {
    for (std::size_t u = 0; u < config_.underlyings.size(); ++u) {
      const UnderlyingConfig& uc = config_.underlyings[u];
      const InstrumentSpec& h = config_.instruments[uc.hedge_instrument];
      double flow = 0.0;
      if (k > 0) {
        // The cash account (premium received less what the hedge paid) earns the rate.
        const double interest = cash_[u] * std::expm1(uc.rate * years(t - path_.times[k - 1]));
        cash_[u] += interest;
        step_carry_ += interest;
      }
      if (h.kind == InstrumentKind::kFuture) {
        const double mark = mid_[uc.hedge_instrument];
        if (future_mark_[u] != 0.0) {
          flow = -static_cast<double>(units_[u]) * (mark - future_mark_[u]) * h.multiplier;
        }
        future_mark_[u] = mark;
      } else if (k > 0 && uc.dividend_yield != 0.0) {
        const double dt = years(t - path_.times[k - 1]);
        flow = -static_cast<double>(units_[u]) * h.multiplier * path_.spot[u][k - 1] *
               uc.dividend_yield * dt;
        step_carry_ -= flow;
      }
      cash_[u] -= flow;
      if (flow != 0.0) result_.hedge_cost_pv += discount(u, t) * flow;
    }
  }

  void step_market(std::size_t k, TimeNs t) {
    step_costs_ = 0.0;
    step_carry_ = 0.0;
    make_quotes(k, t);
    carry(k, t);
    settle_expired(k, t);
    for (std::size_t u = 0; u < config_.underlyings.size(); ++u) {
      const UnderlyingConfig& uc = config_.underlyings[u];
      if (uc.hedge_instrument != uc.spot_instrument) {
        feed(QuoteEvent{quotes_[uc.hedge_instrument]}, t);
      }
      feed(QuoteEvent{quotes_[uc.spot_instrument]}, t);
    }
    for (const InstrumentId id : options_) {
      if (quotes_[id].valid()) {
        feed(QuoteEvent{quotes_[id]}, t);
      }
    }
    cross_resting();
    drain(t);
  }

  void step_market_quiet(std::size_t k) {
    step_costs_ = 0.0;
    step_carry_ = 0.0;
    const TimeNs t = path_.times[k];
    advance_to(t - 1);
    make_quotes(k, t);
    carry(k, t);
    orders_.clear();
    pending_.clear();
  }

  // Moves virtual time up to `until`: venue answers and, while orders work, timer events.
  void advance_to(TimeNs until) {
    for (;;) {
      TimeNs next_pending = kNever;
      for (const Pending& p : pending_) next_pending = std::min(next_pending, p.time);
      TimeNs next_timer = kNever;
      const bool busy = engine_.live_orders() > 0 || (sliced_ && now_ < busy_until_) ||
                        (option_tail_ns_ > 0 && now_ < tail_until_);
      if (busy) next_timer = last_timer_ + settings_.timer_interval_ns;
      const TimeNs next = std::min(next_pending, next_timer);
      if (next > until || next == kNever) break;
      if (next_pending <= next_timer) {
        drain(next_pending);
      } else {
        feed(TimerEvent{}, std::max(next_timer, now_));
      }
    }
  }

  void feed(const Event& event, TimeNs t) {
    now_ = std::max(now_, t);
    if (std::holds_alternative<TimerEvent>(event)) last_timer_ = now_;
    ++result_.events;
    out_.clear();
    engine_.on_event(event, now_, out_);
    for (const Action& action : out_) handle(action);
  }

  void schedule(VenueKind kind, OrderId id, OrderId orig, std::int64_t qty, double price) {
    pending_.push_back(
        {sim::answer_time(settings_.venue, now_), next_seq_++, kind, id, orig, qty, price});
    busy_until_ = now_ + settings_.busy_window_ns;
    if (option_tail_ns_ > 0) tail_until_ = now_ + option_tail_ns_;
  }

  void handle(const Action& action) {
    if (const auto* o = std::get_if<NewChildOrder>(&action)) {
      ++result_.orders;
      if (underlying_of_option_[o->instrument] != ~0u) ++result_.option_orders;
      orders_.push_back({o->cl_ord_id, o->instrument, o->side, o->qty, 0, o->price, false});
      schedule(VenueKind::kArrive, o->cl_ord_id, o->cl_ord_id, o->qty, o->price);
    } else if (const auto* c = std::get_if<CancelOrder>(&action)) {
      schedule(VenueKind::kCancel, c->cl_ord_id, c->orig_cl_ord_id, 0, 0.0);
    } else if (const auto* r = std::get_if<ReplaceOrder>(&action)) {
      schedule(VenueKind::kReplace, r->cl_ord_id, r->orig_cl_ord_id, r->qty, r->price);
    } else if (const auto* s = std::get_if<StatusRequest>(&action)) {
      schedule(VenueKind::kStatus, s->cl_ord_id, s->cl_ord_id, 0, 0.0);
    } else if (std::holds_alternative<HedgeDecision>(action)) {
      ++result_.rebalances;
    } else if (const auto* l = std::get_if<LimitNotice>(&action)) {
      if (l->breached) ++result_.breaches;
    } else if (const auto* b = std::get_if<BreakerNotice>(&action)) {
      if (b->kind == BreakerNotice::Kind::kTripped) ++result_.breaker_trips;
    }
  }

  VenueOrder* find(OrderId id) {
    for (VenueOrder& o : orders_) {
      if (o.id == id) return &o;
    }
    return nullptr;
  }
  void forget(OrderId id) {
    orders_.erase(std::remove_if(orders_.begin(), orders_.end(),
                                 [id](const VenueOrder& o) { return o.id == id; }),
                  orders_.end());
  }

  void report(OrderId id, ExecKind kind, OrdStatus status, const VenueOrder* o,
              std::int64_t last_qty = 0, double last_px = 0.0) {
    ExecReportEvent r;
    r.cl_ord_id = id;
    r.kind = kind;
    r.status = status;
    r.last_qty = last_qty;
    r.last_px = last_px;
    if (o != nullptr) {
      r.cum_qty = o->cum;
      r.leaves_qty = o->qty - o->cum;
    }
    r.received_ns = now_;
    // A unique ExecID per report, as a venue gives.
    char text[24] = {'B', 'T'};
    const auto end = std::to_chars(text + 2, text + sizeof text - 1, ++exec_seq_).ptr;
    r.exec_id.assign(text, static_cast<std::size_t>(end - text));
    feed(r, now_);
  }

  // Processes every venue event due at or before t, in time and then arrival order.
  void drain(TimeNs t) {
    for (;;) {
      std::size_t best = pending_.size();
      for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].time > t) continue;
        if (best == pending_.size() || pending_[i].time < pending_[best].time ||
            (pending_[i].time == pending_[best].time && pending_[i].seq < pending_[best].seq)) {
          best = i;
        }
      }
      if (best == pending_.size()) return;
      const Pending p = pending_[best];
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(best));
      now_ = std::max(now_, p.time);
      process(p);
    }
  }

  void process(const Pending& p) {
    VenueOrder* o = find(p.orig);
    switch (p.kind) {
      case VenueKind::kArrive: {
        if (o == nullptr) return;
        o->arrived = true;
        if (!tradable(o->instrument)) {
          const VenueOrder copy = *o;
          forget(copy.id);
          report(copy.id, ExecKind::kRejected, OrdStatus::kRejected, &copy);
          return;
        }
        report(o->id, ExecKind::kNew, OrdStatus::kNew, o);
        try_fill(o->id);
        return;
      }
      case VenueKind::kCancel: {
        if (o == nullptr || !o->arrived) {
          report(p.orig, ExecKind::kCancelReject, OrdStatus::kFilled, nullptr);
          return;
        }
        const VenueOrder copy = *o;
        forget(copy.id);
        report(copy.id, ExecKind::kCanceled, OrdStatus::kCanceled, &copy);
        return;
      }
      case VenueKind::kReplace: {
        if (o == nullptr || !o->arrived || p.qty <= o->cum) {
          report(p.orig, ExecKind::kReplaceReject, OrdStatus::kNew, o);
          return;
        }
        o->id = p.id;
        o->qty = p.qty;
        o->price = p.price;
        report(o->id, ExecKind::kReplaced,
               o->cum > 0 ? OrdStatus::kPartiallyFilled : OrdStatus::kNew, o);
        try_fill(p.id);
        return;
      }
      case VenueKind::kStatus: {
        if (o == nullptr) return;
        report(o->id, ExecKind::kOrderStatus,
               o->cum > 0 ? OrdStatus::kPartiallyFilled : OrdStatus::kNew, o);
        return;
      }
    }
  }

  // The venue trades the hedge instruments and the book's options while they are quoted.
  bool tradable(InstrumentId id) const {
    if (underlying_of_hedge_[id] != ~0u) return true;
    return underlying_of_option_[id] != ~0u && quotes_[id].valid();
  }

  // Fills the order in full if its limit reaches the far touch (within one tick: the engine's
  // limits are on the tick grid, simulated touches are not).
  void try_fill(OrderId id) {
    VenueOrder* o = find(id);
    if (o == nullptr || !o->arrived) return;
    const Quote& q = quotes_[o->instrument];
    if (!q.valid()) return;
    const double tick = config_.instruments[o->instrument].tick_size;
    const std::optional<double> take = sim::take_price(o->side, o->price, q.bid, q.ask, tick);
    if (!take) return;
    const double px = *take;
    const std::int64_t qty = o->qty - o->cum;
    if (qty <= 0) return;
    o->cum += qty;
    account(*o, qty, px);
    const VenueOrder copy = *o;
    forget(copy.id);
    report(copy.id, ExecKind::kTrade, OrdStatus::kFilled, &copy, qty, px);
  }

  // Resting orders that the new quotes cross fill at their limit.
  void cross_resting() {
    for (std::size_t i = 0; i < orders_.size();) {
      VenueOrder& o = orders_[i];
      const Quote& q = quotes_[o.instrument];
      const bool crossed = o.arrived && q.valid() && sim::crossed(o.side, o.price, q.bid, q.ask);
      if (!crossed) {
        ++i;
        continue;
      }
      const std::int64_t qty = o.qty - o.cum;
      o.cum = o.qty;
      account(o, qty, o.price);
      const VenueOrder copy = o;
      orders_.erase(orders_.begin() + static_cast<std::ptrdiff_t>(i));
      report(copy.id, ExecKind::kTrade, OrdStatus::kFilled, &copy, qty, copy.price);
    }
  }

  // A fill's cash flows. A listed option's premium is paid in full (contracts x price x
  // multiplier); a future's trade only moves its margin by the distance from the mark.
  void account(const VenueOrder& o, std::int64_t qty, double px) {
    const bool option = underlying_of_hedge_[o.instrument] == ~0u;
    const std::uint32_t u =
        option ? underlying_of_option_[o.instrument] : underlying_of_hedge_[o.instrument];
    const InstrumentSpec& spec = config_.instruments[o.instrument];
    const double sign = o.side == Side::kBuy ? 1.0 : -1.0;
    const double q = static_cast<double>(qty);
    const sim::FillCosts c =
        sim::fill_costs(settings_.venue, q, px, mid_[o.instrument], spec.multiplier);
    const double notional = c.notional;
    const double fee = c.fee;
    const double impact = c.impact;
    const double spread = c.spread;
    double flow = 0.0;
    if (spec.kind == InstrumentKind::kFuture) {
      flow = sign * q * (px - mid_[o.instrument]) * spec.multiplier;
    } else {
      flow = sign * notional;
    }
    result_.hedge_cost_pv += discount(u, now_) * (flow + fee + impact);
    cash_[u] -= flow + fee + impact;
    if (option) {
      option_contracts_[o.instrument] += o.side == Side::kBuy ? qty : -qty;
      ++result_.option_trades;
      result_.option_contracts += q;
    } else {
      units_[u] += o.side == Side::kBuy ? qty : -qty;
    }
    result_.fees += fee;
    result_.impact_cost += impact;
    result_.spread_cost += spread;
    result_.turnover += notional;
    result_.traded_units += q;
    ++result_.trades;
    step_costs_ += fee + impact + spread;
  }

  // Options expiring by step k (before the last step) settle at this step's spot: the shares
  // exercise delivers are bought or sold at once at the mid, so the engine's hedge position stays
  // the desk's hedge.
  void settle_expired(std::size_t k, TimeNs t) {
    if (settled_.empty()) settled_.assign(config_.book.size(), false);
    for (std::size_t i = 0; i < config_.book.size(); ++i) {
      const BookLine& line = config_.book[i];
      const InstrumentSpec& spec = config_.instruments[line.option];
      if (settled_[i] || spec.expiry_ns > t) continue;
      settled_[i] = true;
      const std::size_t u = underlying_index(spec.underlying);
      const double s = path_.spot[u][k];
      const double shares_in = exercised_shares(line, spec, s);
      const double flow = shares_in * spec.strike - shares_in * s;
      result_.hedge_cost_pv += discount(u, t) * flow;
    }
    // The option hedger's contracts settle the same way.
    for (const InstrumentId id : options_) {
      const InstrumentSpec& spec = config_.instruments[id];
      if (option_settled_[id] || spec.expiry_ns > t) continue;
      option_settled_[id] = true;
      if (option_contracts_[id] == 0) continue;
      const std::size_t u = underlying_of_option_[id];
      const double s = path_.spot[u][k];
      const double shares_in = exercised_shares(option_contracts_[id], spec, s);
      const double flow = shares_in * spec.strike - shares_in * s;
      result_.hedge_cost_pv += discount(u, t) * flow;
    }
  }

  // Shares the desk receives (+) or delivers (-) when the line is exercised at spot s.
  static double exercised_shares(const BookLine& line, const InstrumentSpec& spec, double s) {
    return exercised_shares(line.quantity, spec, s);
  }
  static double exercised_shares(std::int64_t contracts, const InstrumentSpec& spec, double s) {
    const double units = static_cast<double>(contracts) * spec.multiplier;
    if (spec.right == OptionRight::kCall) return s > spec.strike ? units : 0.0;
    return s < spec.strike ? -units : 0.0;
  }

  std::size_t underlying_index(InstrumentId spot) const {
    for (std::size_t u = 0; u < config_.underlyings.size(); ++u) {
      if (config_.underlyings[u].spot_instrument == spot) return u;
    }
    return 0;
  }

  void settle(std::size_t k) {
    const TimeNs t = path_.times[k];
    std::vector<double> delivered(config_.underlyings.size(), 0.0);
    if (settled_.empty()) settled_.assign(config_.book.size(), false);
    for (std::size_t i = 0; i < config_.book.size(); ++i) {
      if (settled_[i]) continue;
      const BookLine& line = config_.book[i];
      const InstrumentSpec& spec = config_.instruments[line.option];
      const std::size_t u = underlying_index(spec.underlying);
      const UnderlyingConfig& uc = config_.underlyings[u];
      const double s = path_.spot[u][k];
      const double df = discount(u, t);
      if (spec.expiry_ns <= t) {
        // Physical settlement: shares change hands at the strike.
        const double shares_in = exercised_shares(line, spec, s);
        delivered[u] += shares_in;
        result_.delivered_shares += shares_in;
        result_.strike_cash -= shares_in * spec.strike;
        result_.hedge_cost_pv += df * shares_in * spec.strike;
      } else {
        // Still alive at the end: closed at its model value.
        const double units = static_cast<double>(line.quantity) * spec.multiplier;
        const double value =
            pricing::black_scholes_price({s, spec.strike, uc.rate, uc.dividend_yield, uc.vol,
                                          years(spec.expiry_ns - t), spec.right});
        result_.hedge_cost_pv -= df * units * value;
      }
    }
    // The option hedger's contracts, settled like the book's lines.
    for (const InstrumentId id : options_) {
      if (option_settled_[id] || option_contracts_[id] == 0) continue;
      option_settled_[id] = true;
      const InstrumentSpec& spec = config_.instruments[id];
      const std::size_t u = underlying_of_option_[id];
      const UnderlyingConfig& uc = config_.underlyings[u];
      const double s = path_.spot[u][k];
      const double df = discount(u, t);
      if (spec.expiry_ns <= t) {
        const double shares_in = exercised_shares(option_contracts_[id], spec, s);
        delivered[u] += shares_in;
        result_.delivered_shares += shares_in;
        result_.strike_cash -= shares_in * spec.strike;
        result_.hedge_cost_pv += df * shares_in * spec.strike;
      } else {
        const double units = static_cast<double>(option_contracts_[id]) * spec.multiplier;
        const double value =
            pricing::black_scholes_price({s, spec.strike, uc.rate, uc.dividend_yield, uc.vol,
                                          years(spec.expiry_ns - t), spec.right});
        result_.hedge_cost_pv -= df * units * value;
      }
    }
    // What is left of each hedge (plus delivered shares) is sold at the final mid; futures are
    // already marked to market.
    for (std::size_t u = 0; u < config_.underlyings.size(); ++u) {
      const UnderlyingConfig& uc = config_.underlyings[u];
      const InstrumentSpec& h = config_.instruments[uc.hedge_instrument];
      const double s = path_.spot[u][k];
      double shares = delivered[u];
      if (h.kind != InstrumentKind::kFuture)
        shares += static_cast<double>(units_[u]) * h.multiplier;
      if (u == 0) result_.residual_shares = shares;
      result_.hedge_cost_pv -= discount(u, t) * shares * s;
    }
  }

  // Attribution of the P&L since the previous recorded step, and the engine's view now.
  // Step P&L = change of the book's value + the hedge held since the last step marked to the
  // new mids - this step's costs (trades at the mid are value-neutral; their spread, fees and
  // impact are the costs).
  void record(std::size_t k) {
    const TimeNs t = path_.times[k];
    const std::size_t n = config_.underlyings.size();
    double value = 0.0;
    double hedge_gain = 0.0;
    LineGreeks sum;
    for (std::size_t u = 0; u < n; ++u) {
      const UnderlyingConfig& uc = config_.underlyings[u];
      LineGreeks g = book_greeks(config_, u, path_.spot[u][k], t);
      for (const InstrumentId id : options_) {
        // Contracts the option hedger holds, valued like the book's lines (intrinsic once
        // expired).
        if (underlying_of_option_[id] != u || option_contracts_[id] == 0) continue;
        const InstrumentSpec& spec = config_.instruments[id];
        add_line(spec, uc, static_cast<double>(option_contracts_[id]) * spec.multiplier,
                 path_.spot[u][k], t, g);
      }
      value += g.value;
      const InstrumentSpec& h = config_.instruments[uc.hedge_instrument];
      const double mark = mid_[uc.hedge_instrument];
      if (k > 0) {
        hedge_gain += static_cast<double>(prev_units_[u]) * h.multiplier * (mark - prev_marks_[u]);
      }
      sum.delta += g.delta + static_cast<double>(units_[u]) * unit_delta(u, t);
      sum.gamma += g.gamma;
      sum.theta += g.theta;
    }
    StepRecord r;
    r.time_ns = t;
    r.spot = path_.spot[0][k];
    r.hedge_position = static_cast<double>(units_[0]);
    cumulative_costs_ += step_costs_;
    r.cumulative_costs = cumulative_costs_;
    if (k + 1 < path_.times.size()) {
      engine_.fill_snapshot(*snapshot_);
      last_net_ = snapshot_->underlyings[0].net_delta_shares;
      last_band_ = snapshot_->underlyings[0].band_delta_shares;
    }
    r.net_delta_shares = last_net_;
    r.band_shares = last_band_;
    if (k > 0) {
      const double ds = path_.spot[0][k] - path_.spot[0][k - 1];
      const double dt = years(t - path_.times[k - 1]);
      r.total = (value - prev_value_) + hedge_gain + step_carry_ - step_costs_;
      r.carry = step_carry_;
      r.delta = prev_delta_ * ds;
      r.gamma = 0.5 * prev_gamma_ * ds * ds;
      r.theta = prev_theta_ * dt;
      r.vega = 0.0;  // flat pricing vol: the engine's marks never move with vol
      r.costs = -step_costs_;
      r.residual = r.total - (r.delta + r.gamma + r.theta + r.vega + r.carry + r.costs);
    }
    result_.steps.push_back(r);
    prev_value_ = value;
    prev_delta_ = sum.delta;
    prev_gamma_ = sum.gamma;
    prev_theta_ = sum.theta;
    prev_units_ = units_;
    prev_marks_.resize(n);
    for (std::size_t u = 0; u < n; ++u)
      prev_marks_[u] = mid_[config_.underlyings[u].hedge_instrument];
  }

  const EngineConfig& config_;
  const MarketPath& path_;
  const RunSettings& settings_;
  Engine engine_;
  ActionBuffer out_;
  PathResult result_;
  TimeNs start_ = 0;
  TimeNs now_ = std::numeric_limits<TimeNs>::min();
  TimeNs last_timer_ = 0;
  TimeNs busy_until_ = 0;
  TimeNs option_tail_ns_ = 0;  // 0: no option hedger
  TimeNs tail_until_ = 0;
  bool sliced_ = false;
  std::vector<Quote> quotes_;
  std::vector<double> mid_;
  std::vector<std::int64_t> units_;
  std::vector<double> future_mark_;
  std::vector<std::uint32_t> underlying_of_hedge_;
  std::vector<std::uint32_t> underlying_of_option_;  // per instrument; ~0u: not a book option
  std::vector<InstrumentId> options_;                // the book's options, first-listed order
  std::vector<std::int64_t> option_contracts_;       // per instrument: the option hedger's
  std::vector<bool> option_settled_;                 // per instrument: its contracts settled
  std::vector<VenueOrder> orders_;
  std::vector<Pending> pending_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t exec_seq_ = 0;
  std::vector<bool> settled_;
  double step_costs_ = 0.0;
  double step_carry_ = 0.0;
  std::vector<double> cash_;  // per underlying, undiscounted, currency
  double cumulative_costs_ = 0.0;
  std::unique_ptr<EngineSnapshot> snapshot_;
  double last_net_ = 0.0;
  double last_band_ = 0.0;
  double prev_value_ = 0.0;
  double prev_delta_ = 0.0;
  double prev_gamma_ = 0.0;
  double prev_theta_ = 0.0;
  std::vector<std::int64_t> prev_units_;
  std::vector<double> prev_marks_;
};

}  // namespace

double book_value(const EngineConfig& config, const std::vector<double>& spot, TimeNs time) {
  double value = 0.0;
  for (std::size_t u = 0; u < config.underlyings.size(); ++u) {
    value += book_greeks(config, u, spot[u], time).value;
  }
  return value;
}

TimeNs longest_step(const MarketPath& path) {
  TimeNs longest = 0;
  for (std::size_t k = 1; k < path.times.size(); ++k) {
    longest = std::max(longest, path.times[k] - path.times[k - 1]);
  }
  return longest;
}

std::vector<std::string> adapt_to_grid(EngineConfig& config, TimeNs longest_step_ns) {
  std::vector<std::string> disabled;
  risk::BreakerSettings& b = config.limits.breakers;
  if (b[risk::Breaker::kStaleData].enabled && longest_step_ns > b.stale_timeout_ns) {
    b[risk::Breaker::kStaleData].enabled = false;
    // A zero timeout also spares the monitor describing a staleness nobody acts on (it formats
    // the cause on every timer event while the data is older than the timeout).
    b.stale_timeout_ns = 0;
    disabled.emplace_back(risk::key(risk::Breaker::kStaleData));
  }
  if (b[risk::Breaker::kPriceJump].enabled && longest_step_ns > b.price_jump_window_ns) {
    b[risk::Breaker::kPriceJump].enabled = false;
    disabled.emplace_back(risk::key(risk::Breaker::kPriceJump));
  }
  return disabled;
}

PathResult run_path(const EngineConfig& config, const MarketPath& path,
                    const RunSettings& settings) {
  EngineConfig adapted = config;
  (void)adapt_to_grid(adapted, longest_step(path));
  PathRun run(adapted, path, settings);
  return run.run();
}

}  // namespace hedged::backtest
