// `hedged venue`: the venue simulator as a process of its own. It reads the same configuration
// file as `hedged run` and takes from it the market to simulate (instruments, simulator models,
// seed and tick) and the FIX endpoint (fix.host and fix.port, fix.target_comp_id as its own
// CompID, fix.sender_comp_id as the client), so a daemon started with `venue.embedded: false`
// on the same file trades against it.
#pragma once

#include <memory>
#include <string>

#include "adapters/venue/venue_simulator.hpp"
#include "daemon/config/config.hpp"

namespace hedged::app {

class StandaloneVenue {
 public:
  explicit StandaloneVenue(const config::DaemonConfig& config);
  ~StandaloneVenue();
  StandaloneVenue(const StandaloneVenue&) = delete;
  StandaloneVenue& operator=(const StandaloneVenue&) = delete;

  // Starts the market thread and the FIX acceptor. Throws std::runtime_error with an
  // operator-readable message (e.g. the port is taken).
  void start();
  void stop();

  [[nodiscard]] venue::VenueStats stats() const;
  [[nodiscard]] std::string endpoint() const;  // "VENUE at 127.0.0.1:9878"

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hedged::app
