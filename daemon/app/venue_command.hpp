// `hedged venue`: the venue simulator as a process of its own. It reads the same configuration
// file as `hedged run` and takes from it the market to simulate (instruments, simulator models,
// seed and tick) and the FIX endpoint (fix.host and fix.port, fix.target_comp_id as its own
// CompID, fix.sender_comp_id as the client), so a daemon started with `venue.embedded: false`
// on the same file trades against it. With a scenario (`--scenario FILE`) the market follows its
// timeline from start(), outages included, and each phase is logged as it starts and ends.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "adapters/venue/option_flow.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "core/sim/scenario.hpp"
#include "daemon/config/config.hpp"

namespace hedged::app {

class StandaloneVenue {
 public:
  // `scenario` (copied; may be null) starts with start().
  explicit StandaloneVenue(const config::DaemonConfig& config,
                           const sim::Scenario* scenario = nullptr);
  ~StandaloneVenue();
  StandaloneVenue(const StandaloneVenue&) = delete;
  StandaloneVenue& operator=(const StandaloneVenue&) = delete;

  // Starts the market thread and the FIX acceptor. Throws std::runtime_error with an
  // operator-readable message (e.g. the port is taken, or a scenario phase names a symbol that
  // is not simulated).
  void start();
  void stop();

  [[nodiscard]] venue::VenueStats stats() const;
  // The option flow on the drop copy, when the config enables it (section option_flow).
  [[nodiscard]] std::optional<venue::OptionFlowStats> option_flow_stats() const;
  [[nodiscard]] std::string endpoint() const;  // "VENUE at 127.0.0.1:9878"

  // A venue outage of `duration` from now: every session is logged out and logons are refused
  // until it ends (as a scenario's venue_outage phase does; the longer of the two wins). Any
  // thread; taken up by the market thread within one tick.
  void outage_for(std::chrono::milliseconds duration);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The venue's records as one JSON object: what its clients bought and sold and the option flow
// on the drop copy (the `venue summary:` line), and with `detailed` also its order, fill and
// ClOrdID-reuse counts, fills per symbol and counts per client session.
[[nodiscard]] std::string venue_summary_json(const venue::VenueStats& stats,
                                             const std::optional<venue::OptionFlowStats>& flow,
                                             bool detailed);

// Replaces `path` with `text` at once (a temporary file beside it, then rename), so a reader
// sees the old content or the new, never a part. Returns false when the file cannot be written.
[[nodiscard]] bool write_file_atomically(const std::string& path, const std::string& text);

}  // namespace hedged::app
