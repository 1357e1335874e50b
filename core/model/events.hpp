// Events the engine consumes. All are trivially copyable PODs so they can cross SPSC rings;
// each carries its own time, the engine never reads a clock.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <variant>

#include "core/model/types.hpp"

namespace hedged {

// Fixed-size, always NUL-terminated text for PODs (exec ids, reject reasons).
template <std::size_t N>
struct FixedText {
  char data[N] = {};
  void assign(const char* text, std::size_t length) noexcept {
    const std::size_t n = length < N - 1 ? length : N - 1;
    std::memcpy(data, text, n);
    data[n] = '\0';
  }
  void assign(const char* text) noexcept { assign(text, std::strlen(text)); }
  [[nodiscard]] const char* c_str() const noexcept { return data; }
  [[nodiscard]] bool empty() const noexcept { return data[0] == '\0'; }
};

struct Quote {
  InstrumentId instrument = kNoInstrument;
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  TimeNs source_ns = 0;   // when the feed produced it (tick-to-order latency starts here)
  std::uint64_t seq = 0;  // per-feed sequence number
  // Cumulative traded volume of the instrument since the feed started, units; 0 when the feed
  // reports none (percent-of-volume execution measures participation against it).
  std::int64_t volume = 0;
  [[nodiscard]] double mid() const noexcept { return 0.5 * (bid + ask); }
  [[nodiscard]] bool valid() const noexcept { return ask > 0.0 && bid >= 0.0 && ask >= bid; }
};

struct QuoteEvent {
  Quote quote;
};

// Mirrors FIX OrdStatus (39) for the states the engine tracks.
enum class OrdStatus : std::uint8_t {
  kPendingNew,       // sent, not yet acknowledged
  kNew,              // 39=0
  kPartiallyFilled,  // 39=1
  kFilled,           // 39=2
  kCanceled,         // 39=4
  kPendingCancel,    // 39=6
  kRejected,         // 39=8
  kExpired,          // 39=C
  kDoneForDay,       // 39=3: the venue ended the order for the day; nothing more will fill
  kPendingReplace,   // 39=E
};

// FIX ExecType (150), reduced to what changes an order's state.
enum class ExecKind : std::uint8_t {
  kNew,             // 150=0 acknowledgement
  kTrade,           // 150=F (or 1/2 in older dialects): a fill, LastQty/LastPx set
  kCanceled,        // 150=4
  kRejected,        // 150=8
  kExpired,         // 150=C
  kPendingCancel,   // 150=6
  kOrderStatus,     // 150=I: status only, no state change beyond what OrdStatus says
  kCancelReject,    // an OrderCancelReject (35=9) for a cancel we sent
  kDoneForDay,      // 150=3: terminal, like expired
  kReplaced,        // 150=5: the venue applied a replace; status and quantities as reported
  kPendingReplace,  // 150=E: status only
  kRestated,        // 150=D: the venue restated the order; status and quantities as reported
  kReplaceReject,   // an OrderCancelReject (35=9, CxlRejResponseTo=2) for a replace we sent
};

struct ExecReportEvent {
  OrderId cl_ord_id = 0;  // the order this report is about (OrigClOrdID for cancel reports)
  ExecKind kind = ExecKind::kNew;
  OrdStatus status = OrdStatus::kNew;
  std::int64_t last_qty = 0;
  double last_px = 0.0;
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  double avg_px = 0.0;  // FIX AvgPx (6): average price of everything filled; 0 when absent
  TimeNs received_ns = 0;
  bool internal = false;  // made by the daemon for an order that never reached the venue
  FixedText<40> exec_id;
  FixedText<96> text;
};

struct TimerEvent {};

enum class Command : std::uint8_t {
  kHalt,                // kill switch (signal, admin): halt the book, cancel every working order
  kResume,              // manual reset of every breaker whose condition has cleared
  kKillSwitchEngaged,   // the kill-switch file flag appeared: halt until it is removed
  kKillSwitchReleased,  // the kill-switch file flag was removed (resume is still manual)
  kFlatten,  // hedge every underlying's net delta to zero now, whatever its band (one rebalance)
};

struct CommandEvent {
  Command command = Command::kHalt;
  FixedText<96> reason;
};

struct SessionEvent {
  bool up = false;
};

// A trade in one of the book's options made by the desk's market-making system, as reported on
// the drop-copy session: the book's position in `instrument` changes by `qty` contracts.
struct OptionTradeEvent {
  InstrumentId instrument = kNoInstrument;
  std::int64_t qty = 0;  // contracts, signed: + the desk bought, - the desk sold
  double price = 0.0;    // per unit of the underlying (premium / multiplier)
  TimeNs received_ns = 0;
  FixedText<40> exec_id;  // the venue's ExecID; a repeated one is ignored
};

using Event = std::variant<QuoteEvent, ExecReportEvent, TimerEvent, CommandEvent, SessionEvent,
                           OptionTradeEvent>;

static_assert(std::is_trivially_copyable_v<Event>, "events cross SPSC rings by copy");

}  // namespace hedged
