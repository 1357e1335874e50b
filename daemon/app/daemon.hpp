// The daemon: wires the engine, the market-data feed, the FIX gateway, the optional embedded
// venue simulator and the metrics endpoint into agents joined by rings (README "Architecture").
// start() and stop() are called by one controlling thread (main, or a test).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/fix/drop_copy.hpp"
#include "adapters/marketdata/sim_feed.hpp"
#include "adapters/venue/option_flow.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "core/engine/engine.hpp"
#include "core/model/actions.hpp"
#include "daemon/config/config.hpp"

namespace hedged::app {

// Called on the control agent's thread for every notice the engine emits (hedge decisions,
// fills, order outcomes, state changes). Must not block.
using NoticeObserver = std::function<void(const Action&)>;

struct DaemonStatus {
  EngineSnapshot engine;
  bool fix_logged_on = false;
  std::optional<venue::VenueStats> venue;  // the embedded venue simulator's, when it runs
  std::optional<venue::OptionFlowStats> option_flow;  // the embedded option flow's, when it runs
  std::optional<fix::DropCopyStats> drop_copy;        // when the drop-copy session is enabled
  std::string failure;                                // non-empty when an agent stopped on an error
  // Non-empty once the journal is lost (a failed write or fsync, no space for its reserve): the
  // daemon is halted, sends no order and keeps running (README "Durability and recovery").
  std::string journal_failure;
};

// Instrumentation for the end-to-end benchmark (tests/bench/e2e_bench.cpp) and tests; a
// production daemon passes no hooks, and then none of this code runs.
//
// A QuoteSource replaces the configured market data: the market-data agent calls do_work on its
// thread and the source publishes quotes into `sink` (the conflating board), as a feed would.
class QuoteSource {
 public:
  virtual ~QuoteSource() = default;
  virtual int do_work(TimeNs now, marketdata::QuoteSink& sink) noexcept = 0;
};

// Called on the hot threads: must not block, allocate or log.
class PipelineProbe {
 public:
  virtual ~PipelineProbe() = default;
  // Engine agent: `quote` was taken off the board at picked_ns and fully handled (re-priced,
  // risk checked, hedge decided, orders routed) at done_ns; `orders` child orders came of it.
  virtual void on_quote_handled(const Quote& quote, TimeNs picked_ns, TimeNs done_ns,
                                int orders) noexcept = 0;
  // Gateway agent: a child order decided on a quote was handed to QuickFIX (send returned).
  virtual void on_order_sent(const NewChildOrder& order, TimeNs sent_ns) noexcept = 0;
};

struct DaemonHooks {
  QuoteSource* quote_source = nullptr;  // not owned; outlives the daemon
  PipelineProbe* probe = nullptr;       // not owned; outlives the daemon
};

class Daemon {
 public:
  explicit Daemon(config::DaemonConfig config, NoticeObserver observer = {},
                  DaemonHooks hooks = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the venue (when embedded), the agents, the FIX session and the metrics endpoint.
  // Throws std::runtime_error with an operator-readable message.
  void start();

  // Graceful stop: halt hedging, cancel working orders (waiting up to cancel_timeout_ms for the
  // venue to confirm), log out of FIX, stop every agent. Idempotent.
  void stop(const std::string& reason, int cancel_timeout_ms = 1000);

  // Sends an operator command to the engine (halt / resume).
  void command(Command command, const std::string& reason);

  // Asks the control agent to re-read the limits file now (SIGHUP); it also re-reads it by
  // itself when the file changes. Returns at once; the outcome is logged and counted.
  void request_reload(const std::string& reason);

  [[nodiscard]] DaemonStatus status() const;
  [[nodiscard]] int metrics_port() const;  // 0 when metrics are disabled
  [[nodiscard]] int admin_port() const;    // 0 when the admin API is disabled
  [[nodiscard]] const config::DaemonConfig& config() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hedged::app
