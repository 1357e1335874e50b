// What the engine must know again after a restart, rebuilt from its journal: positions and cash
// changed since the journal began, orders still working, the last trading state of every scope,
// the last limit set, the highest ClOrdID used, the latest drop-copy ExecIDs, the day's P&L
// baseline of each underlying and the configured book the journal began with. Pure logic: the
// daemon reads the journal and feeds the records here in order (after the latest snapshot, if any),
// then hands the result to Engine::restore. One thread.
//
// A snapshot is this state encoded as bytes (encode/decode); the journal agent keeps a copy of
// it, fed by the records it writes, and journals it periodically, so recovery reads only the
// records after the latest snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/execution/order_store.hpp"
#include "core/model/actions.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"
#include "core/risk/limits.hpp"

namespace hedged::recovery {

// Changes to one instrument's position since the journal began.
struct InstrumentTotals {
  std::int64_t filled_qty = 0;        // signed sum of fills of the daemon's own orders, units
  double filled_cash = 0.0;           // signed sum of -qty x price of those fills (per unit)
  std::uint64_t fills = 0;            // fills applied
  std::int64_t option_trade_qty = 0;  // signed contracts from the drop copy (desk trades)
  std::uint64_t option_trades = 0;
  double option_trade_cash = 0.0;  // signed sum of -qty x price of those trades (per unit)
};

// One start-of-day position of the configured book: an option's contracts (book lines summed)
// or an underlying's initial hedge position in its hedge instrument.
struct StartPosition {
  InstrumentId instrument = kNoInstrument;
  std::int64_t qty = 0;
};

// The kStartBook payload: "HBOK", a count, then (instrument u32, qty i64) pairs.
[[nodiscard]] std::vector<std::byte> encode_start_book(const std::vector<StartPosition>& book);
// Empty on a malformed payload.
[[nodiscard]] std::optional<std::vector<StartPosition>> decode_start_book(
    std::span<const std::byte> bytes);

// The last trading-state change of one scope (an underlying's index or kBookScope).
struct ScopeState {
  std::uint32_t scope = kBookScope;
  TradingState state = TradingState::kActive;
  bool manual_resume = false;  // StateNotice::manual_resume of that change
  FixedText<96> cause;
};

// The cause the daemon gives the halt of its own clean stop. That halt is journaled like any
// other but not carried across a restart: the next start resumes as the book was before it.
inline constexpr const char* kShutdownCausePrefix = "shutdown: ";

// FNV-1a of an ExecID's text (never 0), the key of the drop-copy duplicate check.
[[nodiscard]] std::uint64_t exec_id_hash(const FixedText<40>& exec_id) noexcept;

// The latest drop-copy ExecIDs, a bounded ring of hashes (the engine keeps the same).
inline constexpr std::size_t kRecentExecIds = 4096;

class JournalState {
 public:
  // `instrument_count` bounds the instruments ids seen in records; larger ids are refused.
  explicit JournalState(std::size_t instrument_count, std::size_t order_capacity = 1024);

  // Records, in journal order. Each returns false when the record is refused (an unknown
  // instrument, an order id seen before, a report for an unknown order, a duplicate ExecID);
  // refusals are counted in refused(). The reasons are not errors of the journal: a report for
  // an order that ended long ago is normal.
  bool on_new_order(const NewChildOrder& order, TimeNs time) noexcept;
  bool on_cancel(const CancelOrder& cancel, TimeNs time) noexcept;
  bool on_replace(const ReplaceOrder& replace, TimeNs time) noexcept;
  bool on_exec_report(const ExecReportEvent& report) noexcept;
  bool on_option_trade(const OptionTradeEvent& trade) noexcept;
  void on_state(const StateNotice& notice) noexcept;
  void on_limits(const risk::RiskLimits& limits) noexcept;
  void on_day_open(const PnlDayOpen& open) noexcept;
  bool on_fill_repriced(const FillRepriced& repriced) noexcept;
  // The first one counts: the book the journal began with. False when refused (malformed).
  bool on_start_book(std::span<const std::byte> bytes);
  void note_sequence(std::uint64_t sequence) noexcept { last_sequence_ = sequence; }

  [[nodiscard]] const std::vector<InstrumentTotals>& totals() const noexcept { return totals_; }
  // Orders not yet in a final state (as far as the journal knows), oldest first.
  [[nodiscard]] std::vector<execution::ChildOrder> working_orders() const;
  [[nodiscard]] const std::vector<ScopeState>& scopes() const noexcept { return scopes_; }
  [[nodiscard]] const std::optional<risk::RiskLimits>& limits() const noexcept { return limits_; }
  [[nodiscard]] OrderId max_order_id() const noexcept { return max_order_id_; }
  [[nodiscard]] const std::vector<std::uint64_t>& recent_exec_ids() const noexcept {
    return recent_exec_ids_;
  }
  [[nodiscard]] std::size_t next_exec_id_slot() const noexcept { return next_exec_id_slot_; }
  // The latest P&L baseline of each underlying that has one.
  [[nodiscard]] const std::vector<PnlDayOpen>& day_opens() const noexcept { return day_opens_; }
  [[nodiscard]] const std::optional<std::vector<StartPosition>>& start_book() const noexcept {
    return start_book_;
  }
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }
  [[nodiscard]] std::uint64_t last_sequence() const noexcept { return last_sequence_; }
  // The first scope whose last state is Halted by a breaker only an operator resets (the book's
  // first), if any: the state a restart must come back in. Halts that clear on their own (stale
  // data, session down) are not carried over; they trip again if their cause is still there.
  [[nodiscard]] const ScopeState* halted_scope() const noexcept;

  // Snapshot bytes: a versioned, self-describing encoding of everything above.
  [[nodiscard]] std::vector<std::byte> encode() const;
  // Replaces this state with a snapshot's; returns an error message (empty on success).
  [[nodiscard]] std::string decode(std::span<const std::byte> bytes);

 private:
  void apply_fill(InstrumentId instrument, Side side, std::int64_t qty, double px) noexcept;

  std::vector<InstrumentTotals> totals_;  // indexed by InstrumentId
  // Every order the journal has seen, by the engine's own rules (ended ones stay findable until
  // their slot is needed, so a late report still matches).
  execution::OrderStore orders_;
  std::vector<ScopeState> scopes_;
  std::optional<risk::RiskLimits> limits_;
  OrderId max_order_id_ = 0;
  std::vector<std::uint64_t> recent_exec_ids_;
  std::size_t next_exec_id_slot_ = 0;
  std::vector<PnlDayOpen> day_opens_;
  std::optional<std::vector<StartPosition>> start_book_;
  std::uint64_t refused_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t last_sequence_ = 0;
};

}  // namespace hedged::recovery
