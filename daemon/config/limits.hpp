// The limits file (config/limits.yaml): exposure limits, pre-trade checks and circuit breakers,
// separate from the infrastructure config and reloaded live. Parsed and validated whole, off
// the engine thread; a file with any error is rejected with "file:line:column: message" and
// nothing of it is applied. README "Limits reference" documents every key.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/risk/limits.hpp"

namespace hedged::config {

struct LimitsConfig {
  std::string source_path;       // empty: built-in defaults, no file
  risk::RiskLimits limits;       // resolved for the engine's underlyings (index order)
  std::string kill_switch_file;  // absolute or relative to the working directory; empty: none
  std::vector<std::string> named_underlyings;  // underlyings the file names explicitly
};

struct LimitsLoadResult {
  std::optional<LimitsConfig> limits;
  std::string error;  // "file:line:column: message" when limits is empty
};

// `engine` gives the underlyings (names, hedge lot sizes) the limits resolve against; without
// it (an offline check of the file alone) the file's underlying sections are validated but
// not matched to names.
[[nodiscard]] LimitsLoadResult load_limits_file(const std::string& path,
                                                const EngineConfig* engine);
[[nodiscard]] LimitsLoadResult load_limits_text(const std::string& text, const std::string& name,
                                                const std::string& base_dir,
                                                const EngineConfig* engine);

// The built-in limits used when the config names no limits file (README documents them).
[[nodiscard]] LimitsConfig default_limits(const EngineConfig& engine);

// Every setting as "key path" = "value" in a stable order, for diffs and summaries.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> flatten(
    const LimitsConfig& limits, const std::vector<std::string>& underlying_names);

// "key: old -> new" for every setting that differs.
[[nodiscard]] std::vector<std::string> diff(const LimitsConfig& before, const LimitsConfig& after,
                                            const std::vector<std::string>& underlying_names);

}  // namespace hedged::config
