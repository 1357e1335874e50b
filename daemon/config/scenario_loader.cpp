// YAML -> sim::Scenario. The same Reader as the other config files: every error names
// file:line:column and the key path, unknown keys get a "did you mean", a key another kind of
// phase uses is named as such, and nothing is returned unless the whole file is valid.
#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/scenario.hpp"
#include "daemon/config/yaml_reader.hpp"

namespace hedged::config {
namespace {

constexpr TimeNs kMaxOffset = 365LL * 86400 * kNanosPerSecond;

struct KindKeys {
  sim::PhaseKind kind;
  std::string_view name;
  std::vector<std::string_view> keys;  // besides the common ones
};

const std::vector<std::string_view>& common_keys() {
  static const std::vector<std::string_view> keys = {"at", "duration", "kind", "symbol", "ramp"};
  return keys;
}

const std::vector<KindKeys>& kinds() {
  static const std::vector<KindKeys> table = {
      {sim::PhaseKind::kCalm, "calm", {}},
      {sim::PhaseKind::kVolatile, "volatile", {"vol_multiple"}},
      {sim::PhaseKind::kTrending, "trending", {"drift"}},
      {sim::PhaseKind::kFlashCrash,
       "flash_crash",
       {"move_pct", "recover", "spread_multiple", "depth_divisor"}},
      {sim::PhaseKind::kLiquidityDrought,
       "liquidity_drought",
       {"spread_multiple", "depth_divisor"}},
      {sim::PhaseKind::kPriceJump, "price_jump", {"jump_pct"}},
      {sim::PhaseKind::kVenueOutage, "venue_outage", {}},
      {sim::PhaseKind::kOptionFlow, "option_flow", {"desk_buy_share", "rate_multiple"}},
  };
  return table;
}

// Every key any phase may have: a typo is answered with the closest of them.
std::vector<std::string_view> all_phase_keys() {
  std::vector<std::string_view> keys = common_keys();
  for (const KindKeys& k : kinds()) {
    for (std::string_view key : k.keys) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  return keys;
}

void require(const Reader& r, const YAML::Node& node, const std::string& path, const char* key,
             std::string_view kind) {
  if (!node[key]) {
    r.fail(node, path,
           std::string("missing required key '") + key + "' for a " + std::string(kind) + " phase");
  }
}

sim::ScenarioPhase parse_phase(const Reader& r, const YAML::Node& node, const std::string& path) {
  r.allow_keys(node, path, all_phase_keys());
  if (!node["kind"]) r.fail(node, path, "missing required key 'kind'");
  const std::string kind_name =
      r.one_of(node, "kind", path, "",
               {"calm", "volatile", "trending", "flash_crash", "liquidity_drought", "price_jump",
                "venue_outage", "option_flow"});
  const auto kind_it = std::find_if(kinds().begin(), kinds().end(),
                                    [&](const KindKeys& k) { return k.name == kind_name; });
  const KindKeys& kind = *kind_it;
  // A key of another kind of phase is an error here, not silently ignored.
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    const bool common =
        std::find(common_keys().begin(), common_keys().end(), key) != common_keys().end();
    if (common || std::find(kind.keys.begin(), kind.keys.end(), key) != kind.keys.end()) continue;
    std::string own = "at, duration, kind, symbol, ramp";
    for (std::string_view k : kind.keys) own += ", " + std::string(k);
    r.fail(it->first, join(path, key),
           "not a key of a " + kind_name + " phase (allowed here: " + own + ")");
  }

  sim::ScenarioPhase p;
  p.kind = kind.kind;
  require(r, node, path, "at", kind_name);
  p.at_ns = r.duration(node, "at", path, 0, 0, kMaxOffset);
  if (p.kind != sim::PhaseKind::kPriceJump) require(r, node, path, "duration", kind_name);
  p.duration_ns = r.duration(node, "duration", path, 0,
                             p.kind == sim::PhaseKind::kPriceJump ? 0 : 1, kMaxOffset);
  if (p.kind == sim::PhaseKind::kPriceJump && node["duration"] && p.duration_ns != 0) {
    r.fail(node["duration"], join(path, "duration"),
           "a price_jump happens once at 'at'; leave out 'duration' or set it to 0s");
  }
  p.symbol = r.string(node, "symbol", path, "");
  if (node["symbol"] && p.symbol.empty()) {
    r.fail(node["symbol"], join(path, "symbol"), "must not be empty (leave it out for all)");
  }
  if (p.kind == sim::PhaseKind::kVenueOutage && node["symbol"]) {
    r.fail(node["symbol"], join(path, "symbol"),
           "a venue outage drops every session; it cannot name a symbol");
  }
  if (p.kind == sim::PhaseKind::kOptionFlow && node["symbol"]) {
    r.fail(node["symbol"], join(path, "symbol"),
           "option flow phases apply to the whole flow; use option_flow.symbols to choose options");
  }

  switch (p.kind) {
    case sim::PhaseKind::kCalm:
    case sim::PhaseKind::kVenueOutage: break;
    case sim::PhaseKind::kOptionFlow:
      if (!node["desk_buy_share"] && !node["rate_multiple"]) {
        r.fail(node, path, "an option_flow phase needs 'desk_buy_share', 'rate_multiple' or both");
      }
      p.desk_buy_share = r.number(node, "desk_buy_share", path, -1.0, 0.0, 1.0);
      p.flow_rate_multiple = r.number(node, "rate_multiple", path, 1.0, 0.0, 1000.0);
      break;
    case sim::PhaseKind::kVolatile:
      require(r, node, path, "vol_multiple", kind_name);
      p.vol_multiple = r.number(node, "vol_multiple", path, 1.0, 0.0, 100.0);
      break;
    case sim::PhaseKind::kTrending:
      require(r, node, path, "drift", kind_name);
      p.drift_per_year = r.number(node, "drift", path, 0.0, -100.0, 100.0);
      break;
    case sim::PhaseKind::kFlashCrash:
      require(r, node, path, "move_pct", kind_name);
      p.move_pct = r.number(node, "move_pct", path, 0.0, -99.0, 1000.0);
      if (p.move_pct == 0.0) r.fail(node["move_pct"], join(path, "move_pct"), "must not be 0");
      p.recover_ns = r.duration(node, "recover", path, 0, 0, kMaxOffset);
      p.spread_multiple = r.number(node, "spread_multiple", path, 1.0, 0.01, 10000.0);
      p.depth_divisor = r.number(node, "depth_divisor", path, 1.0, 1.0, 1e6);
      break;
    case sim::PhaseKind::kLiquidityDrought:
      if (!node["spread_multiple"] && !node["depth_divisor"]) {
        r.fail(node, path,
               "a liquidity_drought phase needs 'spread_multiple', 'depth_divisor' or both");
      }
      p.spread_multiple = r.number(node, "spread_multiple", path, 1.0, 0.01, 10000.0);
      p.depth_divisor = r.number(node, "depth_divisor", path, 1.0, 1.0, 1e6);
      break;
    case sim::PhaseKind::kPriceJump:
      require(r, node, path, "jump_pct", kind_name);
      p.jump_pct = r.number(node, "jump_pct", path, 0.0, -99.0, 1000.0);
      if (p.jump_pct == 0.0) r.fail(node["jump_pct"], join(path, "jump_pct"), "must not be 0");
      break;
  }

  p.ramp_ns = r.duration(node, "ramp", path, 0, 0, kMaxOffset);
  if (node["ramp"]) {
    if (p.kind == sim::PhaseKind::kPriceJump || p.kind == sim::PhaseKind::kVenueOutage ||
        p.kind == sim::PhaseKind::kCalm || p.kind == sim::PhaseKind::kOptionFlow) {
      r.fail(node["ramp"], join(path, "ramp"), "a " + kind_name + " phase has nothing to ramp");
    }
    if (2 * p.ramp_ns > p.end_ns() - p.at_ns) {
      r.fail(node["ramp"], join(path, "ramp"),
             "ramping in and out takes twice the ramp, longer than the phase");
    }
  }
  return p;
}

sim::Scenario parse(const YAML::Node& root, const Reader& r) {
  if (!root || root.IsNull()) r.fail(root, "", "the file is empty");
  r.allow_keys(root, "", {"scenario", "description", "phases"});
  sim::Scenario out;
  if (!root["scenario"]) r.fail(root, "", "missing required key 'scenario' (its name)");
  out.name = r.string(root, "scenario", "", "");
  const bool name_ok =
      !out.name.empty() && std::all_of(out.name.begin(), out.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
      });
  if (!name_ok) {
    r.fail(root["scenario"], "scenario",
           "'" + out.name + "' is not a name: use letters, digits, '_', '-' and '.'");
  }
  out.description = r.string(root, "description", "", "");
  const YAML::Node phases = root["phases"];
  if (!phases) r.fail(root, "", "missing required key 'phases' (a list of phases)");
  if (!phases.IsSequence() || phases.size() == 0) {
    r.fail(phases, "phases", "expected a non-empty list of phases");
  }
  for (std::size_t i = 0; i < phases.size(); ++i) {
    out.phases.push_back(parse_phase(r, phases[i], "phases[" + std::to_string(i) + "]"));
  }
  // Outages may overlap one another, but two of the same phase on the same symbol overlapping is
  // almost certainly a mistake in the timeline.
  for (std::size_t i = 0; i < out.phases.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const sim::ScenarioPhase& a = out.phases[j];
      const sim::ScenarioPhase& b = out.phases[i];
      if (a.kind != b.kind || a.symbol != b.symbol || b.kind == sim::PhaseKind::kPriceJump) {
        continue;
      }
      if (b.at_ns < a.end_ns() && a.at_ns < b.end_ns()) {
        r.fail(phases[i]["at"], "phases[" + std::to_string(i) + "].at",
               "overlaps phases[" + std::to_string(j) + "], a " +
                   std::string(sim::to_string(a.kind)) + " phase on the same " +
                   (a.symbol.empty() ? std::string("market") : "symbol " + a.symbol));
      }
    }
  }
  return out;
}

template <typename LoadYaml>
ScenarioLoadResult load(LoadYaml&& load_yaml, const std::string& name) {
  ScenarioLoadResult result;
  result.error = capture_load_error(name, [&] {
    const Reader r(name);
    result.scenario = parse(load_yaml(), r);
  });
  if (!result.error.empty()) result.scenario.reset();
  return result;
}

}  // namespace

ScenarioLoadResult load_scenario_file(const std::string& path) {
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    return {std::nullopt, path + ": not a regular file"};
  }
  return load([&] { return load_yaml_file(path); }, path);
}

ScenarioLoadResult load_scenario_text(const std::string& text, const std::string& name) {
  return load([&] { return load_yaml_text(text, name); }, name);
}

}  // namespace hedged::config
