// Option flow for the venue simulator: the trades the desk's market-making system would make in
// its options all day, sent to the daemon on a FIX 4.4 drop-copy session (a QuickFIX acceptor
// of its own). Trades arrive at random (a Poisson process at the configured rate) in the
// configured options, at random sizes, the desk buying at the bid or selling at the offer; each
// is one ExecutionReport (ExecType F) with a unique ExecID. Trades are made only while a
// drop-copy client is logged on, so everything generated is delivered. Thread-safe; its own
// threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/venue/venue_simulator.hpp"

namespace hedged::venue {

struct OptionFlowConfig {
  std::string comp_id = "VENUE-DC";
  std::vector<std::string> client_comp_ids{"HEDGED-DC"};
  std::string host = "127.0.0.1";
  int port = 9879;
  std::string data_dictionary;       // path of the FIX 4.4 dictionary
  std::vector<std::string> symbols;  // the options traded; empty: no flow
  double trades_per_second = 0.2;    // mean rate of the Poisson process
  std::int64_t min_qty = 1;          // contracts per trade, uniform in [min_qty, max_qty]
  std::int64_t max_qty = 20;
  double desk_buy_share = 0.5;  // probability that a trade is a desk purchase, 0..1
  std::uint64_t seed = 7;
};

struct OptionFlowStats {
  std::uint64_t trades = 0;           // ExecutionReports sent
  std::int64_t contracts_bought = 0;  // by the desk
  std::int64_t contracts_sold = 0;
  std::map<std::string, std::int64_t> desk_position_change;  // symbol -> net contracts (+ bought)
  bool client_logged_on = false;
};

class OptionFlow {
 public:
  // `quotes` gives each option's quote to trade at (the venue's own QuoteSource); an option
  // without one is not traded.
  OptionFlow(OptionFlowConfig config, QuoteSource quotes);
  ~OptionFlow();
  OptionFlow(const OptionFlow&) = delete;
  OptionFlow& operator=(const OptionFlow&) = delete;

  // Starts accepting and trading; throws std::runtime_error with QuickFIX's message on bad
  // settings.
  void start();
  void stop();

  // Changes the share of desk purchases (0..1) and the rate (a multiple of the configured one)
  // from now on: a scenario skewing the flow. set_skew(configured share, 1) undoes it.
  void set_skew(double desk_buy_share, double rate_multiple);

  [[nodiscard]] OptionFlowStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hedged::venue
