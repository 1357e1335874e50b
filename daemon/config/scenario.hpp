// Scenario files (config/scenarios/*.yaml): a named timeline of market phases for the simulator
// and the venue simulator (`hedged venue --scenario FILE`). Parsed and validated whole, off the
// hot path; a file with any error is rejected with "file:line:column: key 'path': message".
#pragma once

#include <optional>
#include <string>

#include "core/sim/scenario.hpp"

namespace hedged::config {

struct ScenarioLoadResult {
  std::optional<sim::Scenario> scenario;
  std::string error;  // "file:line:column: message" when scenario is empty
};

[[nodiscard]] ScenarioLoadResult load_scenario_file(const std::string& path);
// The same from text; `name` stands for the file in error messages.
[[nodiscard]] ScenarioLoadResult load_scenario_text(const std::string& text,
                                                    const std::string& name);

}  // namespace hedged::config
