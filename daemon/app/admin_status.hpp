// What GET /status says, from one engine snapshot: as JSON for programs, and as the readable
// tables `hedgectl status` prints.
#pragma once

#include <string>
#include <vector>

#include "core/engine/engine.hpp"

namespace hedged::app {

struct StatusContext {
  std::vector<std::string> underlyings;        // names, by underlying index
  std::vector<std::string> hedge_instruments;  // symbols, by underlying index
  bool fix_logged_on = false;
  TimeNs now_ns = 0;
  double uptime_seconds = 0.0;
  std::string version;
};

[[nodiscard]] std::string status_json(const EngineSnapshot& s, const StatusContext& c);
[[nodiscard]] std::string status_text(const EngineSnapshot& s, const StatusContext& c);

}  // namespace hedged::app
