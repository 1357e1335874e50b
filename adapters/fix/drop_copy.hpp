// FIX 4.4 drop-copy session over QuickFIX (ThreadedSocketInitiator): the desk's market-making
// system reports its option fills here as ExecutionReports (35=8, ExecType F). Each fill in one
// of the book's options becomes an OptionTradeEvent for the engine: + contracts when the desk
// bought (Side 1), - when it sold (Side 2). It translates, it decides nothing; duplicates are
// the engine's to recognise (by ExecID). Sink callbacks arrive on QuickFIX's session thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/fix/fix_gateway.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged::fix {

struct DropCopyConfig {
  std::string sender_comp_id = "HEDGED-DC";
  std::string target_comp_id = "VENUE-DC";
  std::string host = "127.0.0.1";
  int port = 9879;
  int heartbeat_interval_s = 10;
  int reconnect_interval_s = 1;
  std::string data_dictionary;  // path of the FIX 4.4 dictionary (config/fix/FIX44.xml)
  std::string password;         // sent in Logon (554) when not empty
};

// One option the drop copy may report: the venue's symbol and the engine's id for it.
struct DropCopyInstrument {
  std::string symbol;
  InstrumentId instrument = kNoInstrument;
};

class OptionTradeSink {
 public:
  virtual ~OptionTradeSink() = default;
  virtual void on_option_trade(const OptionTradeEvent& trade) noexcept = 0;
  virtual void on_drop_copy_session(bool logged_on, const std::string& detail) noexcept = 0;
  // A fill refused with a Reject (a price at or below zero or no number, a fractional quantity).
  virtual void on_drop_copy_refused(const ReportRefusal& /*refusal*/) noexcept {}
};

struct DropCopyStats {
  bool logged_on = false;
  std::uint64_t logons = 0;
  std::uint64_t trades = 0;         // option fills handed to the sink
  std::uint64_t other_reports = 0;  // ExecutionReports that are not fills (acks, cancels): skipped
  std::uint64_t unknown_symbols = 0;  // fills in symbols that are not the book's options: skipped
  std::uint64_t malformed = 0;        // messages we could not read (counted, dropped)
  std::uint64_t refused = 0;          // fills refused with a Reject (bad LastPx, LastQty or Side)
};

class DropCopySession {
 public:
  DropCopySession(DropCopyConfig config, std::vector<DropCopyInstrument> options,
                  OptionTradeSink& sink);
  ~DropCopySession();
  DropCopySession(const DropCopySession&) = delete;
  DropCopySession& operator=(const DropCopySession&) = delete;

  // Starts the initiator; throws std::runtime_error with QuickFIX's message on bad settings.
  void start();
  void stop(int logout_timeout_ms = 1000);

  [[nodiscard]] DropCopyStats stats() const noexcept;
  [[nodiscard]] const DropCopyConfig& config() const noexcept { return config_; }

 private:
  class Application;
  DropCopyConfig config_;
  std::unique_ptr<Application> app_;
};

}  // namespace hedged::fix
