// The hedging engine: a deterministic, single-threaded state machine. It consumes timestamped
// events and appends actions; it never reads a clock, a file or a socket. One owner thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/recovery.hpp"
#include "core/execution/algorithms.hpp"
#include "core/execution/order_store.hpp"
#include "core/execution/parent_order.hpp"
#include "core/greeks/book_kernel.hpp"
#include "core/greeks/portfolio.hpp"
#include "core/hedging/delta_band.hpp"
#include "core/hedging/hedge_policy.hpp"
#include "core/hedging/option_hedge.hpp"
#include "core/model/actions.hpp"
#include "core/model/events.hpp"
#include "core/model/instrument.hpp"
#include "core/pricing/american.hpp"
#include "core/pricing/vol_surface.hpp"
#include "core/risk/limits.hpp"
#include "core/risk/monitor.hpp"
#include "core/risk/pre_trade.hpp"

namespace hedged {

// Expiry buckets of each underlying published in the snapshot (the nearest ones).
inline constexpr std::size_t kSnapshotBuckets = 8;

// Where each option's pricing vol comes from.
// Execution algorithms counted in the snapshot, indexed by execution::Algorithm.
inline constexpr std::size_t kExecAlgorithmCount = 4;

// The default execution of a hedge: the whole quantity at once at the far touch, no slippage
// cap (the pre-trade price band still applies), i.e. one marketable child per hedge.
[[nodiscard]] constexpr execution::ExecutionParams immediate_execution() noexcept {
  execution::ExecutionParams p;
  p.algorithm = execution::Algorithm::kImmediate;
  p.price_rule = execution::PriceRule::kCross;
  p.cross_after_ns = 0;
  p.max_slippage_bps = execution::kNoSlippageCap;
  return p;
}

enum class VolMode : std::uint8_t {
  kFlat,     // UnderlyingConfig::vol for every option
  kQuoteIv,  // the implied vol of the option's own latest mid quote (flat vol until it quotes)
  kSurface,  // sticky strike from a fitted volatility surface (flat vol until the first fit)
};

struct UnderlyingConfig {
  std::string name;
  InstrumentId spot_instrument = kNoInstrument;   // its quotes drive the Greeks
  InstrumentId hedge_instrument = kNoInstrument;  // traded to hedge: the spot or a future on it
  double rate = 0.0;                              // continuously compounded, per year
  double dividend_yield = 0.0;                    // continuous, per year
  double vol = 0.2;                               // flat pricing vol, per sqrt(year)
  VolMode vol_mode = VolMode::kFlat;
  hedging::HedgePolicy policy;                    // quantities in units of the hedge instrument
  TimeNs order_timeout_ns = 5 * kNanosPerSecond;  // cancel a child still working after this
  TimeNs min_order_interval_ns = 100 * kNanosPerMilli;  // pacing between new child orders
  std::int64_t initial_hedge_position = 0;              // units of the hedge instrument
  // How each hedge is worked: one parent order per underlying, sliced into child orders.
  execution::ExecutionParams execution = immediate_execution();
  // Gamma/vega hedging with the book lines marked as hedge options (BookLine::hedge_option);
  // checked on timer events. Off by default.
  hedging::OptionHedgeParams option_hedge;
};

struct BookLine {
  InstrumentId option = kNoInstrument;
  std::int64_t quantity = 0;  // contracts, signed (+ long)
  bool hedge_option = false;  // a listed option the option hedger of its underlying may trade
};

struct EngineConfig {
  std::vector<InstrumentSpec> instruments;  // indexed by InstrumentId
  std::vector<UnderlyingConfig> underlyings;
  std::vector<BookLine> book;
  risk::RiskLimits limits;              // initial limits; Engine::apply_limits replaces them
  std::size_t max_working_orders = 64;  // capacity of the order store (risk limits may be lower)
  OrderId first_order_id = 1;
  // Re-pricing a working child: true sends an OrderCancelReplaceRequest (35=G) and the order
  // keeps its quantity and, at the venue, its identity; false cancels it and sends the leaves
  // again once the cancel is confirmed (for venues without cancel/replace).
  bool use_replace = true;
  // An order the venue has not answered for this long (a new order without an ack, a cancel or
  // replace without a reply) is asked about with an OrderStatusRequest (35=H), again at this
  // interval while it stays unanswered. 0 = never.
  TimeNs status_request_after_ns = 2 * kNanosPerSecond;
  // Spot-independent pricing terms (time to expiry, quote-implied vols) are refreshed this often,
  // on timer events, never on a quote.
  TimeNs pricing_refresh_ns = kNanosPerSecond;
  // American options are priced on ticks by a second-order expansion in spot and re-valued
  // exactly on timer events once a threshold is crossed, at most this many per timer event.
  pricing::ExpansionThresholds american_thresholds;
  std::size_t american_revaluations_per_timer = 4;
  // Reconciliation with the venue: after a restart or a reconnect every working order is asked
  // about (35=H) and the venue's CumQty compared with the engine's. Differences are applied (the
  // venue's fills are real), logged and counted; once their sum passes this many units since
  // start, the book halts. Negative: never halt.
  std::int64_t reconcile_tolerance_qty = 0;
};

// What Engine::restore put back.
struct RestoreSummary {
  std::uint32_t orders_restored = 0;        // working orders taken back (each to be reconciled)
  std::uint32_t orders_dropped = 0;         // working orders of instruments this config lacks
  std::uint32_t instruments_moved = 0;      // instruments whose position the journal changed
  std::int64_t unknown_instrument_qty = 0;  // journal position changes this config cannot place
  bool halted = false;  // the book was halted again (some scope was halted before the restart)
  OrderId next_order_id = 0;
  // The day's P&L baselines the journal held, taken back (they apply if the day is the same).
  std::uint32_t pnl_baselines_restored = 0;
  // Where this config's start-of-day book differs from the one the journal began with: the
  // config's position is applied (journal movements on top) and the day's P&L baseline moves
  // by the difference's value, so the change is not counted as profit or loss.
  struct BookChange {
    InstrumentId instrument = kNoInstrument;
    std::int64_t journal_qty = 0;  // start-of-day position when the journal began
    std::int64_t config_qty = 0;   // this config's, applied
  };
  std::vector<BookChange> book_changes;
  bool journal_has_start_book = false;  // false: nothing to compare (an older journal)
};

// Checks an EngineConfig for internal consistency; returns an empty string or the first problem.
[[nodiscard]] std::string validate(const EngineConfig& config);

// The configured start-of-day book: each option's contracts (book lines summed, zero ones left
// out) and each underlying's initial hedge position (when not zero), by instrument id. The
// daemon journals it when a journal begins; a restart compares it with its own config.
[[nodiscard]] std::vector<recovery::StartPosition> start_book(const EngineConfig& config);

// A fill price is implausible when it lies further from its reference than this many times the
// pre-trade price band (kImplausibleDefaultPct when the band is off), and at least
// kImplausibleMinTicks ticks away.
inline constexpr double kImplausibleBandMultiple = 4.0;
inline constexpr double kImplausibleDefaultPct = 50.0;
inline constexpr double kImplausibleMinTicks = 10.0;

// Order acknowledgement latency: child order decided -> the venue's first answer received.
inline constexpr std::array<double, 15> kAckLatencyBucketsSeconds = {
    50e-6, 100e-6, 250e-6, 500e-6, 1e-3,   2.5e-3, 5e-3, 10e-3,
    25e-3, 50e-3,  100e-3, 250e-3, 500e-3, 1.0,    2.5};
// Tick-to-decision latency: the triggering quote's source time -> the engine's decision.
inline constexpr std::array<double, 15> kTickLatencyBucketsSeconds = {
    1e-6,   2.5e-6, 5e-6,   10e-6, 25e-6, 50e-6, 100e-6, 250e-6,
    500e-6, 1e-3,   2.5e-3, 5e-3,  10e-3, 25e-3, 100e-3};

// A Prometheus-style histogram over fixed upper bounds (seconds); a plain value for snapshots.
template <const std::array<double, 15>& kBounds>
struct BucketHistogram {
  static constexpr const std::array<double, 15>& bounds = kBounds;
  std::array<std::uint64_t, kBounds.size() + 1> counts{};  // last: +Inf
  std::uint64_t count = 0;
  double sum_seconds = 0.0;
  void record(double seconds) noexcept {
    std::size_t b = 0;
    while (b < kBounds.size() && seconds > kBounds[b]) ++b;
    ++counts[b];
    ++count;
    sum_seconds += seconds;
  }
};
using LatencyHistogram = BucketHistogram<kAckLatencyBucketsSeconds>;
using TickLatencyHistogram = BucketHistogram<kTickLatencyBucketsSeconds>;

// Risk view of one scope (an underlying or the whole book).
struct RiskScopeSnapshot {
  TradingState state = TradingState::kActive;
  FixedText<96> cause;
  std::uint32_t breakers_tripped = 0;                     // bit b: risk::Breaker b is tripped
  risk::Exposure exposure{};                              // signed values by risk::Measure
  std::array<double, risk::kMeasureCount> utilization{};  // |exposure| / limit
  std::array<risk::Limit, risk::kMeasureCount> limits{};
};

struct UnderlyingSnapshot {
  double spot = 0.0;
  greeks::PortfolioGreeks greeks;
  std::uint32_t bucket_count = 0;  // nearest expiries first, at most kSnapshotBuckets
  std::array<TimeNs, kSnapshotBuckets> bucket_expiry_ns{};
  std::array<greeks::PortfolioGreeks, kSnapshotBuckets> buckets{};
  std::uint32_t american_pending = 0;  // American options waiting for an exact revaluation
  std::int64_t hedge_position = 0;
  std::int64_t working_qty = 0;
  double hedge_unit_delta_shares = 1.0;  // delta of one unit of the hedge instrument, shares
  double net_delta_shares = 0.0;         // options + hedge position + working, shares
  double band_delta_shares = 0.0;        // half-width of the band last used, shares
  std::uint64_t hedge_decisions = 0;
  TimeNs last_quote_ns = 0;
  RiskScopeSnapshot risk;         // state here is the underlying's effective state
  double pnl_day = 0.0;           // since the start of the UTC day, currency
  double pnl_realised_day = 0.0;  // of which realised on hedge trades
  double hedge_cash = 0.0;        // cash flow of hedge trades since the journal began, currency
  double option_cash = 0.0;       // premium paid (-) and received (+) for options, currency
  // Execution: the working parent order (if any) and counts since start.
  std::uint8_t algorithm = 0;  // execution::Algorithm of this underlying
  bool parent_active = false;
  Side parent_side = Side::kBuy;
  std::int64_t parent_total_qty = 0;  // units, unsigned; side above
  std::int64_t parent_filled_qty = 0;
  std::int64_t parent_working_qty = 0;
  std::int64_t parent_unsent_qty = 0;
  std::uint64_t parents_started = 0;
  std::uint64_t parent_children_sent = 0;  // child orders sent on behalf of parents
  std::uint64_t parent_amends = 0;         // new targets applied to a working parent
  std::uint64_t parent_replaces = 0;       // opposite-side targets: cancel and replace
  std::uint64_t child_reprices =
      0;  // children moved to a new price (replaced, or canceled and resent)
  // Option flow from the drop copy: trades applied to this underlying's book, and the contracts
  // the desk bought and sold in them.
  std::uint64_t option_trades = 0;
  std::int64_t option_contracts_bought = 0;
  std::int64_t option_contracts_sold = 0;
  // Gamma/vega hedging with options: orders sent and contracts filled (signed sum).
  std::uint64_t option_hedge_orders = 0;
  std::int64_t option_hedge_contracts = 0;
  // Execution quality of finished parents (those with fills), against their arrival mid.
  std::uint64_t parents_done = 0;
  double slippage_bps_sum = 0.0;    // sum over parents of the average fill's cost vs arrival
  double last_slippage_bps = 0.0;   // positive: paid more (bought higher, sold lower) than arrival
  double shortfall_currency = 0.0;  // sum of (fill - arrival) x filled x multiplier, signed as cost
};

// Everything readers (metrics, admin, tests) may see; published by the engine's owner thread.
struct EngineSnapshot {
  TimeNs as_of_ns = 0;
  std::uint32_t underlying_count = 0;
  std::array<UnderlyingSnapshot, kMaxUnderlyings> underlyings{};
  TradingState state = TradingState::kActive;  // the book's own state
  FixedText<96> state_cause;
  RiskScopeSnapshot book_risk;
  std::uint64_t limits_version = 0;
  std::uint64_t breaker_trips[risk::kBreakerCount] = {};
  std::uint64_t pretrade_rejects[risk::kCheckResultCount] = {};  // [CheckResult]; [0] accepted
  std::uint64_t soft_breaches = 0;
  bool session_up = false;
  std::uint64_t quotes = 0;
  std::uint64_t quotes_refused = 0;  // non-finite, non-positive, crossed or implausible quotes
  std::uint64_t orders[2][kOrderOutcomeCount] = {};  // [side][outcome]
  std::uint64_t fills = 0;
  std::uint64_t filled_qty[2] = {};        // [side]
  std::uint64_t exec_reports_ignored = 0;  // stale, duplicate or for unknown orders
  std::uint64_t exec_reports_invalid = 0;
  std::uint64_t cancels_sent = 0;
  std::uint64_t replaces_sent = 0;             // OrderCancelReplaceRequests (35=G)
  std::uint64_t replaces_rejected = 0;         // answered with OrderCancelReject (or never sent)
  std::uint64_t status_requests_sent = 0;      // OrderStatusRequests (35=H) for unanswered orders
  std::uint64_t reconcile_checks = 0;          // status answers compared for reconciliation
  std::uint64_t reconcile_differences = 0;     // ... whose CumQty differed from the engine's
  std::uint64_t reconcile_difference_qty = 0;  // sum of |venue CumQty - engine CumQty|, units
  std::uint32_t orders_restored = 0;           // working orders taken back from the journal
  std::uint64_t option_trades_ignored = 0;     // drop-copy trades not applied (duplicate, unknown)
  // Fills and drop-copy trades whose price was implausible: quantity applied, P&L at reference.
  std::uint64_t fills_price_implausible = 0;
  std::uint64_t option_trades_price_implausible = 0;
  std::uint64_t quote_iv_failures = 0;  // option quotes whose mid has no implied vol
  std::uint32_t live_orders = 0;
  std::uint64_t parents_by_algorithm[kExecAlgorithmCount] = {};  // [execution::Algorithm]
  LatencyHistogram ack_latency;
  TickLatencyHistogram tick_to_decision;  // hedge children decided on a quote
};

class Engine {
 public:
  explicit Engine(EngineConfig config);

  void on_event(const Event& event, TimeNs now, ActionBuffer& out) noexcept;

  // The risk monitor, for tests and backtests on the engine's own thread.
  [[nodiscard]] const risk::RiskMonitor& risk_monitor() const noexcept { return monitor_; }
  void fill_snapshot(EngineSnapshot& out) const noexcept;

  // Takes a freshly fitted surface for `underlying` (kSurface mode only; ignored otherwise):
  // every option's vol becomes the surface's vol at its strike and expiry (sticky strike,
  // forward from the current spot). Like quote-implied vols it is applied by the next timer
  // refresh, never on a quote. The fit itself runs on another thread.
  void set_vol_surface(std::uint32_t underlying, const pricing::VolSurface& surface,
                       TimeNs now) noexcept;

  // After a restart, before the first event: puts back what the journal says. Positions move by
  // the journal's totals (the configured book and initial hedge positions are the state when the
  // journal began), working orders return to the order store marked for reconciliation, the
  // next ClOrdID is above every one the journal used, the drop copy's latest ExecIDs are known
  // again, the last limit set is in force again, and if any scope was halted the book is halted
  // again with the cause. Not on the tick path (it allocates nothing but may take a while).
  RestoreSummary restore(const recovery::JournalState& journal, TimeNs now,
                         ActionBuffer& out) noexcept;

  // Puts a new limit set in force between two events (the daemon validates it off this thread).
  void apply_limits(const risk::RiskLimits& limits, TimeNs now, ActionBuffer& out) noexcept;

  [[nodiscard]] const EngineConfig& config() const noexcept { return config_; }
  // The book's trading state; state(u) is underlying u's effective state.
  [[nodiscard]] TradingState state() const noexcept { return monitor_.scope_state(kBookScope); }
  [[nodiscard]] TradingState state(std::uint32_t u) const noexcept { return monitor_.state(u); }
  [[nodiscard]] const risk::RiskMonitor& risk() const noexcept { return monitor_; }
  [[nodiscard]] std::size_t live_orders() const noexcept { return orders_.live_count(); }
  [[nodiscard]] std::int64_t hedge_position(std::size_t underlying) const noexcept {
    return underlyings_[underlying].hedge_position;
  }
  [[nodiscard]] const greeks::PortfolioGreeks& greeks(std::size_t underlying) const noexcept {
    return underlyings_[underlying].greeks;
  }

 private:
  struct AmericanLine {
    std::size_t kernel_line = 0;  // its zero-quantity placeholder in the kernel (for its bucket)
    InstrumentId option = kNoInstrument;
    OptionRight right = OptionRight::kPut;
    double strike = 0.0;
    TimeNs expiry_ns = 0;
    double units = 0.0;  // quantity * multiplier, signed
    double vol = 0.0;
    pricing::Greeks exact{};  // at the expansion's origin
    pricing::AmericanExpansion expansion;
    bool valued = false;
  };

  // The one working parent order of an underlying and the children it has open.
  struct ParentState {
    bool active = false;
    execution::ParentOrder order;
    std::vector<OrderId> children;  // sent and not yet closed; capacity reserved at start
    double filled_notional = 0.0;   // sum of fill price x quantity of its children
    std::int64_t filled_qty = 0;
    std::uint64_t children_sent = 0;
  };

  struct UnderlyingState {
    std::vector<greeks::OptionLine> lines;  // European lines plus American placeholders
    std::unique_ptr<greeks::BookKernel> kernel;
    greeks::BookRisk risk;
    std::vector<double> line_vols;              // pricing vol per kernel line
    std::vector<std::uint32_t> line_of_option;  // InstrumentId -> kernel line or ~0u
    std::vector<AmericanLine> american;
    greeks::PortfolioGreeks greeks;
    double spot = 0.0;
    std::int64_t hedge_position = 0;
    std::int64_t working_qty = 0;
    TimeNs last_order_ns = 0;
    TimeNs last_quote_ns = 0;
    std::uint64_t hedge_decisions = 0;
    std::uint32_t american_pending = 0;
    bool has_spot = false;
    TimeNs last_rebalance_ns = 0;  // time policy: when the last due rebalance was acted on
    double band_shares = 0.0;      // half-width of the band last used
    double unit_delta = 1.0;       // delta of one unit of the hedge instrument, shares
    // P&L: hedge cash flows, average-cost realised P&L, and the day's opening value.
    double hedge_cash = 0.0;
    double hedge_avg_cost = 0.0;
    double realised = 0.0;
    std::int64_t day = -1;  // UTC day of the baseline; -1 before the first valuation
    double day_open_value = 0.0;
    double day_open_realised = 0.0;
    double pnl_day = 0.0;
    double option_cash = 0.0;  // -qty x price x multiplier of every option bought or sold
    // After a restart with a changed book: the start-of-day differences whose value moves the
    // restored baseline at the first valuation (options in contracts, hedge in units).
    std::vector<recovery::StartPosition> book_change;
    ParentState parent;
    std::uint64_t parents_started = 0;
    std::uint64_t parent_children_sent = 0;
    std::uint64_t parent_amends = 0;
    std::uint64_t parent_replaces = 0;
    std::uint64_t child_reprices = 0;
    std::uint64_t option_trades = 0;
    std::int64_t option_contracts_bought = 0;
    std::int64_t option_contracts_sold = 0;
    std::vector<InstrumentId> hedge_options;  // candidates of the option hedger
    TimeNs last_option_round_ns = 0;
    bool flatten_pending = false;  // hedge to zero until that parent is done (Command::kFlatten)
    std::uint64_t option_hedge_orders = 0;
    std::int64_t option_hedge_contracts = 0;
    std::uint64_t parents_done = 0;
    double slippage_bps_sum = 0.0;
    double last_slippage_bps = 0.0;
    double shortfall_currency = 0.0;
  };

  void on_quote(const Quote& quote, TimeNs now, ActionBuffer& out) noexcept;
  // Why a quote is refused (nullptr: accepted). priced_instrument: a spot or hedge instrument,
  // which must have a positive bid and a mid within bad_quote_max_move_pct of its last one.
  // The hedge policy while a stress breaker is tripped on u (risk::StressHedging), and a child's
  // limit price capped at max_slippage_bps from the hedge instrument's mid while stressed.
  [[nodiscard]] hedging::HedgePolicy stress_policy(std::uint32_t u) const noexcept;
  [[nodiscard]] std::int64_t stress_price_ticks(std::uint32_t u, Side side,
                                                std::int64_t price_ticks) const noexcept;
  [[nodiscard]] const char* refuse_quote(const Quote& quote, bool priced_instrument) const noexcept;
  void on_exec_report(const ExecReportEvent& report, TimeNs now, ActionBuffer& out) noexcept;
  void on_timer(TimeNs now, ActionBuffer& out) noexcept;
  void on_command(const CommandEvent& command, TimeNs now, ActionBuffer& out) noexcept;
  void on_option_trade(const OptionTradeEvent& trade, TimeNs now, ActionBuffer& out) noexcept;
  // Adds `qty` contracts of an option of underlying u to the book and re-prices it; returns the
  // new position.
  std::int64_t add_option_position(std::uint32_t u, InstrumentId option, std::int64_t qty,
                                   TimeNs now) noexcept;
  // Gamma/vega hedging with options (timer events): plans and sends option orders.
  void evaluate_option_hedge(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  void on_option_hedge_report(const execution::ChildOrder& order,
                              const execution::ApplyOutcome& result, const ExecReportEvent& report,
                              TimeNs now, ActionBuffer& out) noexcept;
  [[nodiscard]] std::int64_t option_position(std::uint32_t u, InstrumentId option) const noexcept;
  // Whether this ExecID was seen among the last kRecentExecIds; records it if not.
  bool seen_exec_id(const FixedText<40>& exec_id) noexcept;
  // Compares a status answer for an order marked for reconciliation with the engine's view.
  void reconcile(const execution::ChildOrder& order, const ExecReportEvent& report, TimeNs now,
                 ActionBuffer& out) noexcept;
  void evaluate_hedge(std::uint32_t u, TimeNs now, TimeNs quote_source_ns,
                      ActionBuffer& out) noexcept;
  // `now` stamps the request: a status request (35=H) follows only status_request_after later.
  void cancel_order(execution::ChildOrder& order, TimeNs now, ActionBuffer& out) noexcept;
  // Re-prices a working child: a replace (35=G) when the venue takes them, else a cancel whose
  // leaves the parent sends again.
  void reprice_order(execution::ChildOrder& order, std::int64_t price_ticks, TimeNs now,
                     ActionBuffer& out) noexcept;
  // Sends an OrderStatusRequest for every order the venue has left unanswered too long.
  void chase_unanswered(TimeNs now, ActionBuffer& out) noexcept;
  // Parent orders. start_parent makes one for a decided hedge; drive_parent asks the algorithm
  // for children and sends them (through the pre-trade checks), re-prices working children and
  // cancels what exceeds the parent; drop_parent cancels its children and forgets it.
  void start_parent(std::uint32_t u, Side side, std::int64_t qty, TimeNs now,
                    ActionBuffer& out) noexcept;
  void drive_parent(std::uint32_t u, TimeNs now, TimeNs quote_source_ns,
                    ActionBuffer& out) noexcept;
  void drop_parent(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  // One child through the pre-trade checks; false when blocked (counted and reported).
  bool send_child(std::uint32_t u, Side side, std::int64_t qty, std::int64_t price_ticks,
                  TimeNs now, TimeNs quote_source_ns, ActionBuffer& out) noexcept;
  void block_notice(std::uint32_t u, Side side, const char* reason, ActionBuffer& out) noexcept;
  // A new order in the store under the next ClOrdID (a block notice and nullptr when the store
  // is full); emit_order then sends it (NewChildOrder) and counts it as submitted.
  const execution::ChildOrder* add_order(std::uint32_t u, InstrumentId instrument, Side side,
                                         std::int64_t qty, std::int64_t price_ticks, TimeNs now,
                                         ActionBuffer& out) noexcept;
  void emit_order(const execution::ChildOrder& order, double price, TimeNs quote_source_ns,
                  TimeNs now, ActionBuffer& out) noexcept;
  // An order reached a final state: counted by outcome, a reject fed to the reject-storm
  // breaker, and a notice unless it filled.
  void close_order(const execution::ChildOrder& order, const ExecReportEvent& report, TimeNs now,
                   ActionBuffer& out) noexcept;
  [[nodiscard]] execution::MarketState hedge_market(std::uint32_t u) const noexcept;
  // Feeds the monitor the exposures of underlying u and of the book, then acts on any halt.
  void update_risk(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  void act_on_halts(TimeNs now, ActionBuffer& out) noexcept;
  void fill_risk(std::uint32_t scope, RiskScopeSnapshot& out) const noexcept;
  void apply_fill(std::uint32_t u, Side side, std::int64_t qty, double px) noexcept;
  // The price P&L uses for a fill reported at `px` in `instrument` of underlying u: px when it
  // is plausible against the reference (the instrument's mid; else the model value of an option
  // or `fallback`), else the reference, with a FillRepriced action.
  double trusted_fill_price(std::uint32_t u, InstrumentId instrument, std::int64_t signed_qty,
                            double px, double fallback, OrderId cl_ord_id,
                            const FixedText<40>& exec_id, TimeNs now, ActionBuffer& out) noexcept;
  [[nodiscard]] double option_model_price(std::uint32_t u, InstrumentId option,
                                          TimeNs now) const noexcept;
  [[nodiscard]] double hedge_mark(std::uint32_t u) const noexcept;
  // Delta of one unit of the hedge instrument at `now`: its multiplier for spot, multiplier x
  // e^{(r-q)T} for a future (F = S e^{(r-q)T}).
  [[nodiscard]] double hedge_unit_delta(std::uint32_t u, TimeNs now) const noexcept;
  void recompute_working(std::uint32_t u) noexcept;
  void revalue(std::uint32_t u, TimeNs now) noexcept;
  void on_option_quote(const Quote& quote, TimeNs now) noexcept;
  // Timer-event work, off the quote path: refresh_pricing recomputes the kernels'
  // spot-independent terms (time, vols) and revalue_american re-prices American options whose
  // expansion has drifted past its thresholds.
  void refresh_pricing(TimeNs now) noexcept;
  void revalue_american(TimeNs now, bool force_revalue) noexcept;
  [[nodiscard]] pricing::BsInputs american_inputs(std::uint32_t u, const AmericanLine& a,
                                                  TimeNs now) const noexcept;

  EngineConfig config_;
  std::vector<UnderlyingState> underlyings_;
  std::vector<std::uint32_t> underlying_of_spot_;    // InstrumentId -> underlying index or ~0u
  std::vector<std::uint32_t> underlying_of_option_;  // InstrumentId -> underlying index or ~0u
  TimeNs last_refresh_ns_ = 0;
  bool vols_dirty_ = false;
  std::uint64_t quote_iv_failures_ = 0;
  std::vector<Quote> last_quotes_;  // InstrumentId -> latest quote
  execution::OrderStore orders_;
  OrderId next_order_id_;
  risk::RiskMonitor monitor_;
  bool session_up_ = false;
  std::uint64_t quotes_ = 0;
  std::uint64_t quotes_refused_ = 0;
  std::uint64_t orders_by_outcome_[2][kOrderOutcomeCount] = {};
  std::uint64_t fills_ = 0;
  std::uint64_t filled_qty_[2] = {};
  std::uint64_t exec_reports_ignored_ = 0;
  std::uint64_t exec_reports_invalid_ = 0;
  std::uint64_t cancels_sent_ = 0;
  std::uint64_t replaces_sent_ = 0;
  std::uint64_t replaces_rejected_ = 0;
  std::uint64_t status_requests_sent_ = 0;
  std::uint64_t reconcile_checks_ = 0;
  std::uint64_t reconcile_differences_ = 0;
  std::uint64_t reconcile_difference_qty_ = 0;
  std::uint32_t orders_restored_ = 0;
  std::uint64_t option_trades_ignored_ = 0;
  std::uint64_t fills_price_implausible_ = 0;
  std::uint64_t option_trades_price_implausible_ = 0;
  // Hashes of the latest drop-copy ExecIDs, a ring; a trade repeated after a reconnect is
  // recognised here. Sized at construction.
  static constexpr std::size_t kRecentExecIds = recovery::kRecentExecIds;
  std::vector<std::uint64_t> recent_exec_ids_;
  std::size_t next_exec_id_slot_ = 0;
  std::uint64_t parents_by_algorithm_[kExecAlgorithmCount] = {};
  LatencyHistogram ack_latency_;
  TickLatencyHistogram tick_to_decision_;
  TimeNs last_event_ns_ = 0;
};

}  // namespace hedged
