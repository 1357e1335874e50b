// FIX 4.4 venue simulator: a QuickFIX acceptor with one limit order book per symbol
// (core/sim/order_book.hpp: price-time priority, limit and market orders, day/IOC/FOK,
// cancel/replace, self-trade prevention, square-root impact). A simulated liquidity provider
// re-quotes each book around a reference market (the QuoteSource touch) whenever that quote
// changes; client orders trade against it and against each other. Any logged-on client session
// may also subscribe to market data (MarketDataRequest 35=V): a snapshot (35=W) per symbol, then
// incremental refreshes (35=X) of the book's touch and of the venue's trades. Ack and fill
// latency, reject and drop injection, cancel on disconnect, and sequence numbers reset at every
// logon or kept for the life of the venue (persist_sequences) so a resuming client gets what it
// missed resent. An outage (a scenario's venue_outage phase) logs every session out and refuses
// logons until it ends. Thread-safe; its own threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model/types.hpp"
#include "core/sim/order_book.hpp"

namespace hedged::venue {

// Price and quantity grid of one symbol.
struct VenueInstrument {
  double tick_size = 0.01;    // price units; limit prices must be whole ticks
  std::int64_t lot_size = 1;  // the provider shows whole lots (client orders are not checked)
};

// The provider's depth around the reference touch. The touch itself (prices and displayed
// sizes) comes from the QuoteSource, so a scenario that widens spreads or thins sizes there
// moves the book with it.
struct VenueBookConfig {
  int levels = 5;                        // price levels per side, 1..50
  std::int64_t level_spacing_ticks = 1;  // ticks between the provider's levels
  double size_growth = 1.5;              // level k shows the touch size x size_growth^k
  double size_multiple = 1.0;            // scales every provider size (the touch's too)
  double spread_multiple = 1.0;          // scales the reference half spread
};

struct VenueConfig {
  std::string comp_id = "VENUE";
  std::vector<std::string> client_comp_ids{"HEDGED"};  // one acceptor session per client
  int port = 9878;                                     // listens on 127.0.0.1 (SocketAcceptHost)
  std::string host = "127.0.0.1";
  std::string data_dictionary;  // path of the FIX 4.4 dictionary
  // How often the books are re-quoted from the reference market (when its quote changed) and
  // market data is published.
  int match_interval_ms = 5;
  double reject_probability = 0.0;  // share of new orders rejected at random, 0..1
  // Share of new orders silently ignored, 0..1: no ack, no fill, as if lost on the way. The
  // client learns of it only by asking (OrderStatusRequest answers "unknown order").
  double drop_probability = 0.0;
  std::uint64_t seed = 1;  // for reject and drop injection
  // Symbols market data may be requested for. Empty: a symbol is known when the QuoteSource
  // returns a quote for it. Listed symbols without a quote yet get their snapshot once one comes.
  std::vector<std::string> md_symbols;
  // Client CompID -> the Password (554) its Logon must carry; clients not listed need none.
  std::map<std::string, std::string> logon_passwords;

  // Tick and lot per symbol; symbols not listed use default_instrument.
  std::map<std::string, VenueInstrument> instruments;
  VenueInstrument default_instrument;
  VenueBookConfig book;
  // Square-root impact of client volume on the provider's fair price (all zero: none).
  sim::ImpactParams impact{0.0, 0.0, 5'000'000.0, 30.0};
  // Two orders of one client session that would trade with each other.
  sim::StpPolicy self_trade = sim::StpPolicy::kCancelResting;
  // Receipt of a request -> the venue's answer (a new order's ack or reject, a cancel's,
  // replace's or status request's answer). Requests of a session keep their order.
  TimeNs ack_latency_ns = 0;
  // A new order's ack -> the order reaches the book (and may trade). A cancel or replace that
  // comes meanwhile applies to the order before it gets there.
  TimeNs fill_latency_ns = 0;
  // Sequence numbers of the client sessions kept for the life of the venue (not reset at logon,
  // logout or disconnect), so a client that persists its own resumes and gets the reports it
  // missed resent. A client whose Logon says ResetSeqNumFlag=Y starts both sides at 1 as before.
  bool persist_sequences = false;
  // A session that logs out or disconnects has its live orders canceled (false: they stay in
  // their books and may fill while it is away). With persist_sequences each cancel is reported
  // (Text "canceled on disconnect"), to be resent when the client comes back.
  bool cancel_on_disconnect = true;
};

// The touch the venue's liquidity provider quotes around; `seq` changes whenever the quote does,
// and the provider re-quotes (fresh liquidity) only then, so liquidity taken at one quote is not
// offered again until the next.
struct VenueQuote {
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  std::uint64_t seq = 0;
};

// Returns false for an unknown symbol. Called from the venue's threads.
using QuoteSource = std::function<bool(const std::string& symbol, VenueQuote& out)>;

// What the venue's clients traded in one symbol.
struct VenueSymbolFills {
  std::int64_t buy_qty = 0;
  std::int64_t sell_qty = 0;
  std::uint64_t fills = 0;
};

// One client session's requests, as the venue counted them.
struct VenueSessionStats {
  std::string comp_id;  // the client's
  std::uint64_t logons = 0;
  std::uint64_t orders = 0;  // NewOrderSingles handled
  std::uint64_t fills = 0;
  // NewOrderSingles, replaces and cancels whose ClOrdID this session had already used (the
  // latest kClOrdIdMemory ids of each session are remembered).
  std::uint64_t duplicate_cl_ord_ids = 0;
};

struct VenueStats {
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;           // fill reports sent (a trade between two clients sends two)
  std::int64_t filled_buy_qty = 0;   // quantity clients bought, all symbols
  std::int64_t filled_sell_qty = 0;  // quantity clients sold, all symbols
  std::uint64_t rejects = 0;
  std::uint64_t cancels = 0;          // OrderCancelRequests applied
  std::uint64_t replaces = 0;         // OrderCancelReplaceRequests applied
  std::uint64_t replace_rejects = 0;  // ... refused with OrderCancelReject
  std::uint64_t status_requests = 0;  // OrderStatusRequests answered
  std::uint64_t orders_dropped = 0;   // NewOrderSingles ignored on purpose (drop_probability)
  std::uint64_t resting = 0;          // live client orders now (in a book or on their way there)
  std::uint64_t malformed = 0;
  std::uint64_t client_matches = 0;      // trades between two client orders
  std::uint64_t ioc_fok_cancels = 0;     // IOC and market remainders canceled, FOK orders killed
  std::uint64_t stp_cancels = 0;         // orders or remainders canceled by self-trade prevention
  std::uint64_t disconnect_cancels = 0;  // orders canceled because their session logged out
  std::uint64_t requotes = 0;            // times the provider re-quoted a book
  std::uint64_t md_requests = 0;   // MarketDataRequests received (subscribe, snapshot, unsubscribe)
  std::uint64_t md_rejects = 0;    // MarketDataRequestRejects sent
  std::uint64_t md_snapshots = 0;  // MarketDataSnapshotFullRefresh messages sent
  std::uint64_t md_incrementals = 0;          // MarketDataIncrementalRefresh messages sent
  std::uint64_t md_subscriptions = 0;         // live (session, request, symbol) subscriptions now
  std::uint64_t logons_rejected = 0;          // Logons refused for a wrong or missing password
  std::uint64_t outages = 0;                  // outages begun (set_outage(true) while up)
  std::uint64_t outage_sessions_dropped = 0;  // sessions logged on when an outage began
  std::uint64_t outage_logons_refused = 0;    // Logons that reached the venue during an outage
  std::uint64_t duplicate_cl_ord_ids = 0;     // all sessions (see VenueSessionStats)
  std::map<std::string, VenueSymbolFills> by_symbol;  // symbols with at least one client fill
  std::vector<VenueSessionStats> sessions;            // in VenueConfig::client_comp_ids order
};

// ClOrdIDs remembered per session to tell a reused one.
inline constexpr std::size_t kClOrdIdMemory = 250'000;

class VenueSimulator {
 public:
  VenueSimulator(VenueConfig config, QuoteSource quotes);
  ~VenueSimulator();
  VenueSimulator(const VenueSimulator&) = delete;
  VenueSimulator& operator=(const VenueSimulator&) = delete;

  // Starts accepting; throws std::runtime_error with QuickFIX's message on bad settings.
  void start();
  void stop();

  [[nodiscard]] VenueStats stats() const;
  [[nodiscard]] bool any_session_logged_on() const noexcept;

  // true: an outage begins now: every session is logged out ("venue outage") and logons are
  // refused until set_outage(false). Repeating the current state does nothing. Any thread; only
  // while started.
  void set_outage(bool down);
  [[nodiscard]] bool in_outage() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hedged::venue
