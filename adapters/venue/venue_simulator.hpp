// FIX 4.4 venue simulator: a QuickFIX acceptor that acknowledges limit and market orders and
// fills them against a reference market's touch, with partial fills when the displayed size is
// short, resting the remainder until the market comes to it. Any logged-on client session may
// also subscribe to market data (MarketDataRequest 35=V): a snapshot (35=W) per symbol, then
// incremental refreshes (35=X) of the touch and of the venue's own trades. An outage (a scenario's
// venue_outage phase) logs every session out and refuses logons until it ends. Thread-safe; its
// own threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hedged::venue {

struct VenueConfig {
  std::string comp_id = "VENUE";
  std::vector<std::string> client_comp_ids{"HEDGED"};  // one acceptor session per client
  int port = 9878;                                     // listens on 127.0.0.1 (SocketAcceptHost)
  std::string host = "127.0.0.1";
  std::string data_dictionary;      // path of the FIX 4.4 dictionary
  int match_interval_ms = 5;        // how often resting orders are matched against the market
  double reject_probability = 0.0;  // share of new orders rejected at random, 0..1
  // Share of new orders silently ignored, 0..1: no ack, no fill, as if lost on the way. The
  // client learns of it only by asking (OrderStatusRequest answers "unknown order").
  double drop_probability = 0.0;
  std::uint64_t seed = 1;  // for reject injection
  // Symbols market data may be requested for. Empty: a symbol is known when the QuoteSource
  // returns a quote for it. Listed symbols without a quote yet get their snapshot once one comes.
  std::vector<std::string> md_symbols;
  // Client CompID -> the Password (554) its Logon must carry; clients not listed need none.
  std::map<std::string, std::string> logon_passwords;
};

// The touch the venue trades against; `seq` changes whenever the quote does, so liquidity taken
// at one quote is not offered again until the next.
struct VenueQuote {
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  std::uint64_t seq = 0;
};

// Returns false for an unknown symbol. Called from the venue's threads.
using QuoteSource = std::function<bool(const std::string& symbol, VenueQuote& out)>;

struct VenueStats {
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  std::int64_t filled_buy_qty = 0;   // quantity clients bought, all symbols
  std::int64_t filled_sell_qty = 0;  // quantity clients sold, all symbols
  std::uint64_t rejects = 0;
  std::uint64_t cancels = 0;
  std::uint64_t replaces = 0;         // OrderCancelReplaceRequests applied
  std::uint64_t replace_rejects = 0;  // ... refused with OrderCancelReject
  std::uint64_t status_requests = 0;  // OrderStatusRequests answered
  std::uint64_t orders_dropped = 0;   // NewOrderSingles ignored on purpose (drop_probability)
  std::uint64_t resting = 0;
  std::uint64_t malformed = 0;
  std::uint64_t md_requests = 0;   // MarketDataRequests received (subscribe, snapshot, unsubscribe)
  std::uint64_t md_rejects = 0;    // MarketDataRequestRejects sent
  std::uint64_t md_snapshots = 0;  // MarketDataSnapshotFullRefresh messages sent
  std::uint64_t md_incrementals = 0;          // MarketDataIncrementalRefresh messages sent
  std::uint64_t md_subscriptions = 0;         // live (session, request, symbol) subscriptions now
  std::uint64_t logons_rejected = 0;          // Logons refused for a wrong or missing password
  std::uint64_t outages = 0;                  // outages begun (set_outage(true) while up)
  std::uint64_t outage_sessions_dropped = 0;  // sessions logged on when an outage began
  std::uint64_t outage_logons_refused = 0;    // Logons that reached the venue during an outage
};

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
