// YAML -> LimitsConfig. The same Reader as the main config: every error names file:line:column
// and the key path, unknown keys get a "did you mean", and nothing is applied unless the whole
// file is valid.
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "daemon/config/limits.hpp"
#include "daemon/config/yaml_reader.hpp"

namespace hedged::config {
namespace {

constexpr double kMaxAmount = 1e15;
constexpr TimeNs kMaxDuration = 365LL * 86400 * kNanosPerSecond;

constexpr std::string_view kMeasureKeys[risk::kMeasureCount] = {
    risk::key(risk::Measure::kDeltaShares),
    risk::key(risk::Measure::kDeltaNotional),
    risk::key(risk::Measure::kGammaNotionalPerPct),
    risk::key(risk::Measure::kVegaPerVolPoint),
    risk::key(risk::Measure::kThetaPerDay),
    risk::key(risk::Measure::kHedgePosition),
    risk::key(risk::Measure::kDailyLoss)};

void parse_limit(const Reader& r, const YAML::Node& node, const std::string& path,
                 risk::Limit& limit) {
  r.allow_keys(node, path, {"soft", "hard"});
  limit.soft = r.number(node, "soft", path, limit.soft, 0.0, kMaxAmount);
  limit.hard = r.number(node, "hard", path, limit.hard, 0.0, kMaxAmount);
  if (limit.soft > 0.0 && limit.hard > 0.0 && limit.soft > limit.hard) {
    r.fail(node["soft"] ? node["soft"] : node, join(path, "soft"),
           "soft limit " + format_number(limit.soft) + " is above the hard limit " +
               format_number(limit.hard));
  }
}

// Exposure keys of a scope; `extra` are further keys allowed in the same mapping.
void parse_exposure(const Reader& r, const YAML::Node& node, const std::string& path,
                    risk::ExposureLimits& limits) {
  for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
    const std::string key(kMeasureKeys[m]);
    if (const YAML::Node n = node[key]) parse_limit(r, n, join(path, key), limits.by_measure[m]);
  }
}

void parse_pre_trade(const Reader& r, const YAML::Node& node, const std::string& path,
                     risk::PreTradeLimits& p) {
  r.allow_keys(node, path,
               {"max_order_qty_units", "max_order_notional", "price_band_pct", "price_band_ticks",
                "max_orders_per_second", "max_order_burst", "max_cancels_per_second",
                "max_cancel_burst", "max_working_orders", "max_position_units"});
  p.max_order_qty = r.integer(node, "max_order_qty_units", path, p.max_order_qty, 0, INT64_MAX / 4);
  p.max_order_notional =
      r.number(node, "max_order_notional", path, p.max_order_notional, 0.0, kMaxAmount);
  p.price_band_pct = r.number(node, "price_band_pct", path, p.price_band_pct, 0.0, 100.0);
  p.price_band_ticks =
      r.integer(node, "price_band_ticks", path, p.price_band_ticks, 0, 1'000'000'000);
  p.max_orders_per_second =
      r.number(node, "max_orders_per_second", path, p.max_orders_per_second, 0.0, 1e6);
  p.order_burst = r.number(node, "max_order_burst", path, p.order_burst, 0.0, 1e6);
  p.max_cancels_per_second =
      r.number(node, "max_cancels_per_second", path, p.max_cancels_per_second, 0.0, 1e6);
  p.cancel_burst = r.number(node, "max_cancel_burst", path, p.cancel_burst, 0.0, 1e6);
  p.max_working_orders = static_cast<std::uint32_t>(
      r.integer(node, "max_working_orders", path, p.max_working_orders, 0, 4096));
  p.max_position = r.integer(node, "max_position_units", path, p.max_position, 0, INT64_MAX / 4);
  for (const char* burst : {"max_order_burst", "max_cancel_burst"}) {
    const YAML::Node n = node[burst];
    if (n && n.as<double>() > 0.0 && n.as<double>() < 1.0) {
      r.fail(n, join(path, burst), "a burst below one order would never let an order out");
    }
  }
}

// One underlying section (or `default`): exposure keys plus `pre_trade`.
void parse_underlying(const Reader& r, const YAML::Node& node, const std::string& path,
                      risk::ExposureLimits& exposure, risk::PreTradeLimits& pre_trade) {
  r.allow_keys(node, path,
               {kMeasureKeys[0], kMeasureKeys[1], kMeasureKeys[2], kMeasureKeys[3], kMeasureKeys[4],
                kMeasureKeys[5], kMeasureKeys[6], "pre_trade"});
  parse_exposure(r, node, path, exposure);
  if (const YAML::Node p = node["pre_trade"])
    parse_pre_trade(r, p, join(path, "pre_trade"), pre_trade);
}

void parse_policy(const Reader& r, const YAML::Node& node, const std::string& path,
                  risk::BreakerPolicy& policy) {
  policy.enabled = r.boolean(node, "enabled", path, policy.enabled);
  policy.action =
      r.one_of(node, "action", path, risk::to_string(policy.action), {"reduce", "halt"}) == "halt"
          ? risk::BreakerAction::kHalt
          : risk::BreakerAction::kReduce;
  policy.reset =
      r.one_of(node, "reset", path, risk::to_string(policy.reset), {"manual", "auto"}) == "auto"
          ? risk::ResetPolicy::kAuto
          : risk::ResetPolicy::kManual;
  policy.cooldown_ns = r.duration(node, "cooldown", path, policy.cooldown_ns, 0, kMaxDuration);
  policy.hysteresis_pct = r.number(node, "hysteresis_pct", path, policy.hysteresis_pct, 0.0, 99.0);
}

void parse_breakers(const Reader& r, const YAML::Node& node, const std::string& base_dir,
                    LimitsConfig& out) {
  risk::BreakerSettings& b = out.limits.breakers;
  r.allow_keys(node, "breakers",
               {"stale_market_data", "reject_storm", "spread_blowout", "price_jump",
                "fix_session_down", "kill_switch", "hard_limit", "bad_market_data"});
  // Keys every breaker has, plus its own.
  const auto section = [&](risk::Breaker breaker, std::initializer_list<std::string_view> own,
                           const std::function<void(const YAML::Node&, const std::string&)>& read) {
    const std::string key = risk::key(breaker);
    const YAML::Node n = node[key];
    if (!n) return;
    const std::string path = join("breakers", key);
    std::vector<std::string_view> keys = {"enabled", "action", "reset", "cooldown",
                                          "hysteresis_pct"};
    keys.insert(keys.end(), own.begin(), own.end());
    r.allow_keys(n, path, keys);
    parse_policy(r, n, path, b[breaker]);
    read(n, path);
  };
  section(risk::Breaker::kStaleData, {"timeout"}, [&](const YAML::Node& n, const std::string& p) {
    b.stale_timeout_ns =
        r.duration(n, "timeout", p, b.stale_timeout_ns, kNanosPerMilli, kMaxDuration);
  });
  section(risk::Breaker::kRejectStorm, {"max_rejects", "window"},
          [&](const YAML::Node& n, const std::string& p) {
            b.reject_storm_rejects = static_cast<std::uint32_t>(
                r.integer(n, "max_rejects", p, b.reject_storm_rejects, 1, risk::kMaxRejectStorm));
            b.reject_storm_window_ns =
                r.duration(n, "window", p, b.reject_storm_window_ns, kNanosPerMilli, kMaxDuration);
          });
  section(risk::Breaker::kSpreadBlowout, {"max_multiple", "median_window", "min_samples"},
          [&](const YAML::Node& n, const std::string& p) {
            b.spread_max_multiple = r.number(n, "max_multiple", p, b.spread_max_multiple, 1.0, 1e6);
            b.spread_median_window_ns = r.duration(n, "median_window", p, b.spread_median_window_ns,
                                                   kNanosPerSecond, kMaxDuration);
            b.spread_min_samples = static_cast<std::uint32_t>(
                r.integer(n, "min_samples", p, b.spread_min_samples, 1,
                          static_cast<std::int64_t>(risk::RiskMonitor::kSamples)));
          });
  section(risk::Breaker::kPriceJump, {"max_move_pct", "window", "long_max_move_pct", "long_window"},
          [&](const YAML::Node& n, const std::string& p) {
            b.price_jump_pct = r.number(n, "max_move_pct", p, b.price_jump_pct, 1e-6, 100.0);
            b.price_jump_window_ns =
                r.duration(n, "window", p, b.price_jump_window_ns, kNanosPerSecond, kMaxDuration);
            b.price_jump_long_pct =
                r.number(n, "long_max_move_pct", p, b.price_jump_long_pct, 0.0, 100.0);
            b.price_jump_long_window_ns =
                r.duration(n, "long_window", p, b.price_jump_long_window_ns, 0, kMaxDuration);
          });
  section(risk::Breaker::kBadMarketData, {"max_move_pct"},
          [&](const YAML::Node& n, const std::string& p) {
            b.bad_quote_max_move_pct =
                r.number(n, "max_move_pct", p, b.bad_quote_max_move_pct, 0.0, 1e6);
          });
  section(risk::Breaker::kSessionDown, {"grace"}, [&](const YAML::Node& n, const std::string& p) {
    b.session_down_grace_ns = r.duration(n, "grace", p, b.session_down_grace_ns, 0, kMaxDuration);
  });
  section(risk::Breaker::kKillSwitch, {"file"}, [&](const YAML::Node& n, const std::string& p) {
    out.kill_switch_file = r.string(n, "file", p, "");
    if (!out.kill_switch_file.empty() &&
        !std::filesystem::path(out.kill_switch_file).is_absolute()) {
      out.kill_switch_file =
          (std::filesystem::path(base_dir) / out.kill_switch_file).lexically_normal().string();
    }
  });
  section(risk::Breaker::kHardLimit, {}, [](const YAML::Node&, const std::string&) {});
}

LimitsConfig parse(const YAML::Node& root, const Reader& r, const std::string& source,
                   const std::string& base_dir, const EngineConfig* engine) {
  LimitsConfig out;
  out.source_path = source;
  out.limits = risk::default_risk_limits();
  if (!root || root.IsNull()) r.fail(root, "", "the file is empty");
  r.allow_keys(root, "", {"book", "underlyings", "breakers", "stress_hedging"});
  if (const YAML::Node st = root["stress_hedging"]) {
    risk::StressHedging& sh = out.limits.stress;
    r.allow_keys(st, "stress_hedging",
                 {"enabled", "band_multiple", "hard_limit_fraction", "max_slippage_bps"});
    sh.enabled = r.boolean(st, "enabled", "stress_hedging", sh.enabled);
    sh.band_multiple = r.number(st, "band_multiple", "stress_hedging", sh.band_multiple, 1.0, 1e6);
    sh.hard_limit_fraction =
        r.number(st, "hard_limit_fraction", "stress_hedging", sh.hard_limit_fraction, 0.0, 1.0);
    sh.max_slippage_bps =
        r.number(st, "max_slippage_bps", "stress_hedging", sh.max_slippage_bps, 0.0, 10000.0);
  }

  if (const YAML::Node book = root["book"]) {
    r.allow_keys(book, "book",
                 {kMeasureKeys[0], kMeasureKeys[1], kMeasureKeys[2], kMeasureKeys[3],
                  kMeasureKeys[4], kMeasureKeys[5], kMeasureKeys[6]});
    parse_exposure(r, book, "book", out.limits.book);
  }

  if (const YAML::Node underlyings = root["underlyings"]) {
    r.expect_map(underlyings, "underlyings");
    risk::ExposureLimits default_exposure;
    risk::PreTradeLimits default_pre_trade = out.limits.pre_trade[0];
    if (const YAML::Node d = underlyings["default"]) {
      parse_underlying(r, d, "underlyings.default", default_exposure, default_pre_trade);
    }
    out.limits.underlying.fill(default_exposure);
    out.limits.pre_trade.fill(default_pre_trade);
    std::vector<std::string_view> names;
    if (engine != nullptr) {
      for (const UnderlyingConfig& u : engine->underlyings) names.emplace_back(u.name);
    }
    std::vector<std::string> seen;
    for (auto it = underlyings.begin(); it != underlyings.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string path = join("underlyings", name);
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        r.fail(it->first, path, "duplicate key");
      }
      seen.push_back(name);
      if (name == "default") continue;
      risk::ExposureLimits exposure = default_exposure;
      risk::PreTradeLimits pre_trade = default_pre_trade;
      parse_underlying(r, it->second, path, exposure, pre_trade);
      out.named_underlyings.push_back(name);
      if (engine == nullptr) continue;
      const auto found = std::find(names.begin(), names.end(), name);
      if (found == names.end()) {
        const std::string suggestion = closest_key(name, names);
        r.fail(it->first, path,
               "unknown underlying '" + name + "'" +
                   (suggestion.empty() ? std::string(" (not in the config's underlyings)")
                                       : "; did you mean '" + suggestion + "'?"));
      }
      const auto index = static_cast<std::size_t>(found - names.begin());
      out.limits.underlying[index] = exposure;
      out.limits.pre_trade[index] = pre_trade;
    }
  }

  if (const YAML::Node breakers = root["breakers"]) parse_breakers(r, breakers, base_dir, out);

  // A child order must be able to carry at least one lot. The error points at the value that
  // sets the underlying's order size: its own section's, or the `default` one it inherits.
  if (engine != nullptr) {
    const YAML::Node sections = root["underlyings"];
    const auto qty_node = [&](const std::string& section) -> std::optional<YAML::Node> {
      if (!sections || !sections.IsMap()) return std::nullopt;
      const YAML::Node own = sections[section];
      if (!own || !own.IsMap()) return std::nullopt;
      const YAML::Node pre_trade = own["pre_trade"];
      if (!pre_trade || !pre_trade.IsMap() || !pre_trade["max_order_qty_units"]) {
        return std::nullopt;
      }
      return pre_trade["max_order_qty_units"];
    };
    for (std::size_t u = 0; u < engine->underlyings.size(); ++u) {
      const std::string& name = engine->underlyings[u].name;
      const std::int64_t lot =
          engine->instruments[engine->underlyings[u].hedge_instrument].lot_size;
      const std::int64_t max_qty = out.limits.pre_trade[u].max_order_qty;
      if (max_qty > 0 && max_qty < lot) {
        std::optional<YAML::Node> where = qty_node(name);
        if (!where) where = qty_node("default");
        r.fail(where ? *where : root, "underlyings." + name + ".pre_trade.max_order_qty_units",
               "must be at least one lot (" + std::to_string(lot) + ")");
      }
    }
  }
  return out;
}

LimitsLoadResult load(const std::function<YAML::Node()>& read, const std::string& name,
                      const std::string& base_dir, const EngineConfig* engine) {
  LimitsLoadResult result;
  const Reader reader(name);
  result.error = capture_load_error(
      name, [&] { result.limits = parse(read(), reader, name, base_dir, engine); });
  return result;
}

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

}  // namespace

LimitsLoadResult load_limits_file(const std::string& path, const EngineConfig* engine) {
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    return {std::nullopt, path + ": not a regular file"};
  }
  const std::string base = std::filesystem::path(path).parent_path().string();
  return load([&] { return load_yaml_file(path); }, path, base.empty() ? "." : base, engine);
}

LimitsLoadResult load_limits_text(const std::string& text, const std::string& name,
                                  const std::string& base_dir, const EngineConfig* engine) {
  return load([&] { return load_yaml_text(text, name); }, name, base_dir, engine);
}

LimitsConfig default_limits(const EngineConfig& /*engine*/) {
  LimitsConfig out;
  out.limits = risk::default_risk_limits();
  return out;
}

std::vector<std::pair<std::string, std::string>> flatten(
    const LimitsConfig& config, const std::vector<std::string>& underlying_names) {
  std::vector<std::pair<std::string, std::string>> out;
  const risk::RiskLimits& l = config.limits;
  const auto exposure = [&](const std::string& prefix, const risk::ExposureLimits& e) {
    for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
      const std::string key = prefix + "." + std::string(kMeasureKeys[m]);
      out.emplace_back(key + ".soft", number_text(e.by_measure[m].soft));
      out.emplace_back(key + ".hard", number_text(e.by_measure[m].hard));
    }
  };
  exposure("book", l.book);
  for (std::size_t u = 0; u < underlying_names.size() && u < kMaxUnderlyings; ++u) {
    const std::string prefix = "underlyings." + underlying_names[u];
    exposure(prefix, l.underlying[u]);
    const risk::PreTradeLimits& p = l.pre_trade[u];
    const std::string pp = prefix + ".pre_trade.";
    out.emplace_back(pp + "max_order_qty_units", std::to_string(p.max_order_qty));
    out.emplace_back(pp + "max_order_notional", number_text(p.max_order_notional));
    out.emplace_back(pp + "price_band_pct", number_text(p.price_band_pct));
    out.emplace_back(pp + "price_band_ticks", std::to_string(p.price_band_ticks));
    out.emplace_back(pp + "max_orders_per_second", number_text(p.max_orders_per_second));
    out.emplace_back(pp + "max_order_burst", number_text(p.order_burst));
    out.emplace_back(pp + "max_cancels_per_second", number_text(p.max_cancels_per_second));
    out.emplace_back(pp + "max_cancel_burst", number_text(p.cancel_burst));
    out.emplace_back(pp + "max_working_orders", std::to_string(p.max_working_orders));
    out.emplace_back(pp + "max_position_units", std::to_string(p.max_position));
  }
  const risk::BreakerSettings& b = l.breakers;
  for (std::size_t k = 0; k < risk::kBreakerCount; ++k) {
    const std::string prefix = std::string("breakers.") + risk::key(static_cast<risk::Breaker>(k));
    const risk::BreakerPolicy& p = b.policy[k];
    out.emplace_back(prefix + ".enabled", p.enabled ? "true" : "false");
    out.emplace_back(prefix + ".action", risk::to_string(p.action));
    out.emplace_back(prefix + ".reset", risk::to_string(p.reset));
    out.emplace_back(prefix + ".cooldown", format_duration(p.cooldown_ns));
    out.emplace_back(prefix + ".hysteresis_pct", number_text(p.hysteresis_pct));
  }
  out.emplace_back("breakers.stale_market_data.timeout", format_duration(b.stale_timeout_ns));
  out.emplace_back("breakers.reject_storm.max_rejects", std::to_string(b.reject_storm_rejects));
  out.emplace_back("breakers.reject_storm.window", format_duration(b.reject_storm_window_ns));
  out.emplace_back("breakers.spread_blowout.max_multiple", number_text(b.spread_max_multiple));
  out.emplace_back("breakers.spread_blowout.median_window",
                   format_duration(b.spread_median_window_ns));
  out.emplace_back("breakers.spread_blowout.min_samples", std::to_string(b.spread_min_samples));
  out.emplace_back("breakers.price_jump.max_move_pct", number_text(b.price_jump_pct));
  out.emplace_back("breakers.price_jump.window", format_duration(b.price_jump_window_ns));
  out.emplace_back("breakers.price_jump.long_max_move_pct", number_text(b.price_jump_long_pct));
  out.emplace_back("breakers.price_jump.long_window", format_duration(b.price_jump_long_window_ns));
  out.emplace_back("breakers.bad_market_data.max_move_pct", number_text(b.bad_quote_max_move_pct));
  out.emplace_back("stress_hedging.enabled", l.stress.enabled ? "true" : "false");
  out.emplace_back("stress_hedging.band_multiple", number_text(l.stress.band_multiple));
  out.emplace_back("stress_hedging.hard_limit_fraction", number_text(l.stress.hard_limit_fraction));
  out.emplace_back("stress_hedging.max_slippage_bps", number_text(l.stress.max_slippage_bps));
  out.emplace_back("breakers.fix_session_down.grace", format_duration(b.session_down_grace_ns));
  out.emplace_back("breakers.kill_switch.file", config.kill_switch_file);
  return out;
}

std::vector<std::string> diff(const LimitsConfig& before, const LimitsConfig& after,
                              const std::vector<std::string>& underlying_names) {
  const auto a = flatten(before, underlying_names);
  const auto b = flatten(after, underlying_names);
  std::vector<std::string> changes;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].second != b[i].second) {
      changes.push_back(a[i].first + ": " + a[i].second + " -> " + b[i].second);
    }
  }
  return changes;
}

}  // namespace hedged::config
