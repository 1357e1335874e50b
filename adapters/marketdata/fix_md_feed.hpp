// FIX 4.4 market data feed over QuickFIX (ThreadedSocketInitiator): on every logon it subscribes
// to its instruments (MarketDataRequest 35=V, snapshot plus updates, bid/offer/trade), keeps the
// top of book per instrument from snapshots (35=W) and incremental refreshes (35=X), and hands
// each changed book to a QuoteSink as a `Quote`. It translates, it decides nothing. Sinks are
// called on QuickFIX's session thread; start/stop/subscribe/unsubscribe/stats from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/marketdata/sim_feed.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged::marketdata {

struct FixMdConfig {
  std::string sender_comp_id = "HEDGED-MD";
  std::string target_comp_id = "VENUE";
  std::string host = "127.0.0.1";
  int port = 9878;
  int heartbeat_interval_s = 10;
  int reconnect_interval_s = 1;
  std::string data_dictionary;  // path of the FIX 4.4 dictionary (config/fix/FIX44.xml)
  std::string password;         // sent in Logon (554) when not empty
  // Sequence numbers live in memory (MemoryStore) and reset on every logon, as the gateway's do:
  // market data is never resent, a reconnect takes a fresh snapshot instead.
};

// One instrument to subscribe: the venue's symbol and the engine's id for it.
struct MdInstrument {
  std::string symbol;
  InstrumentId instrument = kNoInstrument;
};

// A trade the venue reported (MDEntryType 2). Trades do not change the book.
struct MdTrade {
  InstrumentId instrument = kNoInstrument;
  double price = 0.0;
  std::int64_t size = 0;
  TimeNs source_ns = 0;
  bool from_snapshot = false;  // the venue's last trade as of a snapshot, not a new trade
};

class TradeSink {
 public:
  virtual ~TradeSink() = default;
  virtual void on_trade(const MdTrade& trade) noexcept = 0;
};

struct FixMdStats {
  bool logged_on = false;
  std::uint64_t logons = 0;
  std::uint64_t subscribed_symbols = 0;  // symbols in the live subscription (0 when unsubscribed)
  std::uint64_t books = 0;               // instruments with a snapshot since the last logon
  std::uint64_t requests_sent = 0;       // MarketDataRequests sent (subscribe and unsubscribe)
  std::uint64_t snapshots = 0;           // 35=W applied
  std::uint64_t updates = 0;             // 35=X book entries applied (bid or offer)
  std::uint64_t quotes = 0;              // Quotes handed to the sink
  std::uint64_t trades = 0;              // trade entries received
  std::uint64_t rejects = 0;             // MarketDataRequestRejects (35=Y) received
  std::uint64_t malformed = 0;           // messages or entries we could not read (counted, dropped)
  std::uint64_t unknown_symbols = 0;     // entries for symbols we did not subscribe to
};

using ClockFn = std::function<TimeNs()>;

class FixMdFeed {
 public:
  // `clock` stamps each Quote's source_ns with the receive time. `trades` may be null.
  FixMdFeed(FixMdConfig config, std::vector<MdInstrument> instruments, ClockFn clock,
            QuoteSink& sink, TradeSink* trades = nullptr);
  ~FixMdFeed();
  FixMdFeed(const FixMdFeed&) = delete;
  FixMdFeed& operator=(const FixMdFeed&) = delete;

  // Starts the initiator; throws std::runtime_error with QuickFIX's message on bad settings.
  void start();
  // Logs out (waiting at most `logout_timeout_ms` for the venue's Logout) and stops.
  void stop(int logout_timeout_ms = 1000);

  // Subscribing is on by default and is renewed (new MDReqID) on every logon. unsubscribe()
  // cancels the live subscription and keeps it off across reconnects until subscribe().
  // Both return false when the session is down (the choice still applies at the next logon).
  bool subscribe();
  bool unsubscribe();

  [[nodiscard]] bool logged_on() const noexcept;
  [[nodiscard]] FixMdStats stats() const noexcept;
  [[nodiscard]] const FixMdConfig& config() const noexcept { return config_; }

 private:
  class Application;
  FixMdConfig config_;
  std::unique_ptr<Application> app_;
};

}  // namespace hedged::marketdata
