#include "daemon/app/backtest_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "adapters/marketdata/replay_feed.hpp"
#include "core/backtest/backtest.hpp"
#include "core/sim/quote_tape.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/yaml_reader.hpp"

namespace hedged::app {
namespace {

constexpr const char* kUsage =
    "usage: hedged backtest -c FILE [--paths N] [--seed S] [--out DIR] [--json] [--threads N]\n"
    "  runs the engine on a virtual clock over FILE's backtest section (config/backtest/*.yaml):\n"
    "  simulated paths (gbm, heston, jumps) or a quote file, every listed hedge policy on the\n"
    "  same paths. Writes DIR/summary.json, paths.csv, attribution.csv and report.html\n"
    "  (default DIR: backtest-out) and prints the policy comparison (--json: the summary).\n"
    "  --paths and --seed override the file; --threads defaults to the number of cores.\n";

constexpr const char* kDefaultStart = "2026-01-05T14:30:00Z";

struct Policy {
  std::string name;
  EngineConfig engine;
};

struct Plan {
  std::string source_path;
  std::string market;  // "gbm", "heston", "replay"
  bool replay = false;
  backtest::PathModel model;
  backtest::MarketPath replay_path;
  std::vector<TimeNs> grid;
  backtest::RunSettings settings;
  std::uint64_t paths = 1000;
  std::uint64_t seed = 1;
  std::uint64_t sample_path = 0;
  TimeNs start_ns = 0;
  TimeNs horizon_ns = 0;
  std::vector<Policy> policies;
  std::vector<std::string> disabled_breakers;
  std::vector<std::string> symbols;
  sim::QuoteTape tape;  // replay: while the config loads
};

// ---------------------------------------------------------------------------------------------
// Configuration.

// The file's text with the top-level `backtest:` block replaced by blank lines, so the daemon's
// loader reads the rest with its line numbers intact.
std::string without_backtest_block(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::string out;
  bool inside = false;
  while (std::getline(in, line)) {
    const bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#';
    if (top_level) inside = line.rfind("backtest:", 0) == 0 || line.rfind("backtest :", 0) == 0;
    out += inside ? std::string() : line;
    out += '\n';
  }
  return out;
}

// A loader error with its position dropped (the position is in generated text).
std::string strip_position(const std::string& error) {
  std::size_t colons = 0;
  for (std::size_t i = 0; i < error.size(); ++i) {
    if (error[i] == ':' && ++colons == 3) {
      return i + 2 <= error.size() ? error.substr(std::min(i + 2, error.size())) : error;
    }
  }
  return error;
}

void merge_into(YAML::Node target, const YAML::Node& overrides) {
  for (auto it = overrides.begin(); it != overrides.end(); ++it) {
    target[it->first.Scalar()] = YAML::Clone(it->second);
  }
}

config::DaemonConfig load_variant(const config::Reader& r, const YAML::Node& root,
                                  const YAML::Node& policy, const std::string& name,
                                  const std::string& underlying, const std::string& base_dir,
                                  TimeNs start) {
  YAML::Node copy = YAML::Clone(root);
  copy.remove("backtest");
  YAML::Node underlyings = copy["underlyings"];
  bool matched = false;
  if (underlyings && underlyings.IsSequence()) {
    for (std::size_t i = 0; i < underlyings.size(); ++i) {
      YAML::Node u = underlyings[i];
      if (!underlying.empty() && (!u["symbol"] || u["symbol"].Scalar() != underlying)) continue;
      matched = true;
      for (const char* section : {"hedge", "execution"}) {
        if (!policy[section]) continue;
        if (!policy[section].IsMap()) {
          r.fail(policy[section], "backtest.policies." + name + "." + section,
                 "expected a mapping of keys to values");
        }
        YAML::Node target = u[section] ? u[section] : YAML::Node(YAML::NodeType::Map);
        merge_into(target, policy[section]);
        u[section] = target;
      }
    }
  }
  if (!matched) {
    r.fail(policy["underlying"] ? policy["underlying"] : policy,
           "backtest.policies." + name + ".underlying", "no underlying '" + underlying + "'");
  }
  YAML::Emitter emitter;
  emitter << copy;
  const config::LoadResult loaded =
      config::load_text(emitter.c_str(), "policy " + name, base_dir, start);
  if (!loaded.config) {
    r.fail(policy, "backtest.policies", "policy '" + name + "': " + strip_position(loaded.error));
  }
  return *loaded.config;
}

void parse_plan(const std::string& path, const BacktestOptions& options, Plan& plan) {
  const config::Reader r(path);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw config::ConfigError(path + ": cannot open the file");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const YAML::Node root = YAML::Load(text);
  if (!root || !root.IsMap()) r.fail(root, "", "expected a mapping of keys at the top level");
  const YAML::Node b = root["backtest"];
  if (!b) r.fail(root, "backtest", "a backtest config needs a 'backtest' section");
  r.allow_keys(b, "backtest",
               {"start", "horizon", "steps", "paths", "seed", "sample_path", "model", "replay",
                "venue", "timer_interval", "policies"});
  const std::string base_dir = [&] {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? std::string(".") : dir;
  }();
  plan.source_path = path;

  // Where the market comes from: a quote file, or a model.
  const std::string start_text = r.string(b, "start", "backtest", kDefaultStart);
  const std::optional<TimeNs> start = sim::parse_tape_time(start_text);
  if (!start)
    r.fail(b["start"], "backtest.start",
           "'" + start_text + "' is not a UTC time such as " + std::string(kDefaultStart));
  plan.start_ns = *start;
  if (const YAML::Node rp = b["replay"]) {
    r.allow_keys(rp, "backtest.replay", {"file"});
    std::string file_path = r.string(rp, "file", "backtest.replay", "");
    if (file_path.empty()) r.fail(rp, "backtest.replay.file", "needs a quote file (CSV)");
    if (!std::filesystem::path(file_path).is_absolute()) {
      file_path = (std::filesystem::path(base_dir) / file_path).lexically_normal().string();
    }
    auto tape = marketdata::read_quote_tape_file(file_path);
    if (!tape.tape) r.fail(rp["file"], "backtest.replay.file", tape.error);
    if (tape.tape->records.empty()) r.fail(rp["file"], "backtest.replay.file", "no quotes");
    plan.replay = true;
    plan.tape = std::move(*tape.tape);
    plan.start_ns = plan.tape.records.front().time_ns;
  }

  // The base config (the file without its backtest section), with its own positions.
  const config::LoadResult base =
      config::load_text(without_backtest_block(text), path, base_dir, plan.start_ns);
  if (!base.config) throw config::ConfigError(base.error);
  const config::DaemonConfig& cfg = *base.config;
  for (const UnderlyingConfig& u : cfg.engine.underlyings) plan.symbols.push_back(u.name);

  if (plan.replay) {
    const std::string problem = backtest::path_from_tape(plan.tape, plan.symbols, plan.replay_path);
    if (!problem.empty()) r.fail(b["replay"]["file"], "backtest.replay.file", problem);
    plan.tape = {};
  }

  // Model.
  plan.market = plan.replay ? "replay" : "gbm";
  if (const YAML::Node m = b["model"]) {
    if (plan.replay) r.fail(m, "backtest.model", "give either a model or a replay file");
    r.allow_keys(m, "backtest.model", {"type", "heston", "jumps"});
    plan.market = r.one_of(m, "type", "backtest.model", "gbm", {"gbm", "heston"});
    plan.model.kind =
        plan.market == "heston" ? backtest::ModelKind::kHeston : backtest::ModelKind::kGbm;
    if (const YAML::Node h = m["heston"]) {
      r.allow_keys(h, "backtest.model.heston", {"kappa", "theta", "xi", "rho", "v0"});
      backtest::HestonParams& hp = plan.model.heston;
      hp.kappa = r.number(h, "kappa", "backtest.model.heston", hp.kappa, 0.0, 100.0);
      hp.theta = r.number(h, "theta", "backtest.model.heston", hp.theta, 0.0, 10.0);
      hp.xi = r.number(h, "xi", "backtest.model.heston", hp.xi, 0.0, 10.0);
      hp.rho = r.number(h, "rho", "backtest.model.heston", hp.rho, -1.0, 1.0);
      hp.v0 = r.number(h, "v0", "backtest.model.heston", -1.0, -1.0, 10.0);
    } else {
      plan.model.heston.v0 = -1.0;
    }
    if (const YAML::Node j = m["jumps"]) {
      r.allow_keys(j, "backtest.model.jumps", {"intensity_per_year", "mean", "stdev"});
      backtest::JumpParams& jp = plan.model.jumps;
      jp.intensity_per_year =
          r.number(j, "intensity_per_year", "backtest.model.jumps", 0.0, 0.0, 10000.0);
      jp.mean = r.number(j, "mean", "backtest.model.jumps", 0.0, -5.0, 5.0);
      jp.stdev = r.number(j, "stdev", "backtest.model.jumps", 0.0, 0.0, 5.0);
    }
    if (plan.market == "heston" && plan.model.jumps.intensity_per_year > 0)
      plan.market = "heston+jumps";
    if (plan.market == "gbm" && plan.model.jumps.intensity_per_year > 0) plan.market = "gbm+jumps";
  }
  for (std::size_t u = 0; u < cfg.market_data.models.size(); ++u) {
    const sim::UnderlyingModel& sm = cfg.market_data.models[u];
    plan.model.underlyings.push_back({sm.initial_spot, sm.drift, sm.vol});
  }

  // Venue.
  if (const YAML::Node v = b["venue"]) {
    r.allow_keys(v, "backtest.venue",
                 {"spread_bps", "option_spread_bps", "fee_per_unit", "fee_bps",
                  "impact_coefficient", "daily_volume", "latency"});
    backtest::VenueModel& vm = plan.settings.venue;
    vm.spread_bps = r.number(v, "spread_bps", "backtest.venue", 0.0, 0.0, 10000.0);
    vm.option_spread_bps = r.number(v, "option_spread_bps", "backtest.venue", 0.0, 0.0, 10000.0);
    vm.fee_per_unit = r.number(v, "fee_per_unit", "backtest.venue", 0.0, 0.0, 1e6);
    vm.fee_bps = r.number(v, "fee_bps", "backtest.venue", 0.0, 0.0, 10000.0);
    vm.impact_coefficient = r.number(v, "impact_coefficient", "backtest.venue", 0.0, 0.0, 100.0);
    vm.daily_volume = r.number(v, "daily_volume", "backtest.venue", 1e6, 1.0, 1e15);
    vm.latency_ns = r.duration(v, "latency", "backtest.venue", 0, 0, 60 * kNanosPerSecond);
  }
  plan.settings.timer_interval_ns = r.duration(
      b, "timer_interval", "backtest", cfg.timer_interval_ns, kNanosPerMilli, 60 * kNanosPerSecond);

  // Grid.
  TimeNs last_expiry = plan.start_ns;
  for (const BookLine& line : cfg.engine.book) {
    last_expiry = std::max(last_expiry, cfg.engine.instruments[line.option].expiry_ns);
  }
  const TimeNs default_horizon =
      last_expiry > plan.start_ns ? last_expiry - plan.start_ns : 30 * 86400 * kNanosPerSecond;
  plan.horizon_ns = r.duration(b, "horizon", "backtest", default_horizon, kNanosPerMilli,
                               3660LL * 86400 * kNanosPerSecond);
  const auto steps = static_cast<std::size_t>(r.integer(b, "steps", "backtest", 100, 1, 1'000'000));
  plan.grid = backtest::make_grid(plan.start_ns, plan.start_ns + plan.horizon_ns, steps);
  plan.paths = static_cast<std::uint64_t>(r.integer(b, "paths", "backtest", 1000, 1, 10'000'000));
  plan.seed = static_cast<std::uint64_t>(
      r.integer(b, "seed", "backtest", 1, 0, std::numeric_limits<std::int64_t>::max()));
  if (options.paths) plan.paths = *options.paths;
  if (options.seed) plan.seed = *options.seed;
  plan.sample_path =
      static_cast<std::uint64_t>(r.integer(b, "sample_path", "backtest", 0, 0, 10'000'000));

  // Policies: each a variant of the file's hedge and execution sections.
  if (const YAML::Node ps = b["policies"]) {
    if (!ps.IsSequence() || ps.size() == 0) {
      r.fail(ps, "backtest.policies", "expected a non-empty list of policies");
    }
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const YAML::Node p = ps[i];
      const std::string pp = "backtest.policies[" + std::to_string(i) + "]";
      r.allow_keys(p, pp, {"name", "underlying", "hedge", "execution"});
      const std::string name = r.string(p, "name", pp, "policy" + std::to_string(i + 1));
      for (const Policy& other : plan.policies) {
        if (other.name == name) r.fail(p["name"], config::join(pp, "name"), "duplicate name");
      }
      if (name.empty() || name.find_first_of(",:\"<>&\n") != std::string::npos) {
        r.fail(p["name"] ? p["name"] : p, config::join(pp, "name"),
               "must be non-empty, without , : \" < > &");
      }
      const std::string underlying = r.string(p, "underlying", pp, "");
      const config::DaemonConfig variant =
          load_variant(r, root, p, name, underlying, base_dir, plan.start_ns);
      plan.policies.push_back({name, variant.engine});
    }
  } else {
    plan.policies.push_back({"config", cfg.engine});
  }
}

// ---------------------------------------------------------------------------------------------
// Output formatting.

void num(std::string& out, double v) {
  backtest::append_number(out, v);
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string summary_json(const Plan& plan, const std::vector<backtest::PolicySummary>& sums) {
  std::string o = "{\n  \"config\": ";
  json_string(o, plan.source_path);
  o += ",\n  \"market\": ";
  json_string(o, plan.market);
  o += ",\n  \"paths\": " + std::to_string(plan.replay ? 1 : plan.paths);
  o += ",\n  \"seed\": " + std::to_string(plan.seed);
  o += ",\n  \"steps\": " + std::to_string(plan.grid.size() - 1);
  o += ",\n  \"horizon_seconds\": ";
  num(o, static_cast<double>(plan.horizon_ns) / 1e9);
  o += ",\n  \"venue\": {\"spread_bps\": ";
  const backtest::VenueModel& v = plan.settings.venue;
  num(o, v.spread_bps);
  o += ", \"fee_per_unit\": ";
  num(o, v.fee_per_unit);
  o += ", \"fee_bps\": ";
  num(o, v.fee_bps);
  o += ", \"impact_coefficient\": ";
  num(o, v.impact_coefficient);
  o += ", \"daily_volume\": ";
  num(o, v.daily_volume);
  o += ", \"latency_seconds\": ";
  num(o, static_cast<double>(v.latency_ns) / 1e9);
  if (v.option_spread_bps != 0.0) {  // written when set, so other summaries stay as they were
    o += ", \"option_spread_bps\": ";
    num(o, v.option_spread_bps);
  }
  o += "},\n  \"breakers_disabled_for_grid\": [";
  for (std::size_t i = 0; i < plan.disabled_breakers.size(); ++i) {
    if (i) o += ", ";
    json_string(o, plan.disabled_breakers[i]);
  }
  o += "],\n  \"policies\": [";
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const backtest::PolicySummary& s = sums[i];
    o += i ? ",\n    {" : "\n    {";
    const auto field = [&](const char* key, double value, bool first = false) {
      if (!first) o += ", ";
      o += '"';
      o += key;
      o += "\": ";
      num(o, value);
    };
    o += "\"name\": ";
    json_string(o, s.name);
    field("paths", static_cast<double>(s.paths));
    field("premium", s.premium);
    field("hedge_cost_pv_mean", s.hedge_cost_mean);
    field("hedge_cost_pv_std", s.hedge_cost_std);
    field("hedge_performance", s.hedge_performance);
    o += ",\n     \"pnl\": {";
    field("mean", s.pnl_mean, true);
    field("std", s.pnl_std);
    field("p01", s.pnl_quantiles.p01);
    field("p05", s.pnl_quantiles.p05);
    field("p25", s.pnl_quantiles.p25);
    field("p50", s.pnl_quantiles.p50);
    field("p75", s.pnl_quantiles.p75);
    field("p95", s.pnl_quantiles.p95);
    field("p99", s.pnl_quantiles.p99);
    o += "},\n     ";
    field("trades_mean", s.trades_mean, true);
    field("orders_mean", s.orders_mean);
    field("rebalances_mean", s.rebalances_mean);
    // Only policies that hedge with options have these (other summaries stay as they were).
    if (s.option_orders_mean > 0.0) {
      field("option_orders_mean", s.option_orders_mean);
      field("option_contracts_mean", s.option_contracts_mean);
    }
    field("turnover_mean", s.turnover_mean);
    o += ",\n     \"costs\": {";
    field("fees_mean", s.fees_mean, true);
    field("spread_mean", s.spread_cost_mean);
    field("impact_mean", s.impact_cost_mean);
    field("total_mean", s.costs_mean);
    o += "},\n     ";
    field("breaches", static_cast<double>(s.breaches), true);
    field("breaker_trips", static_cast<double>(s.breaker_trips));
    field("engine_events", static_cast<double>(s.events));
    o += "}";
  }
  o += "\n  ]\n}\n";
  return o;
}

std::string paths_csv(const std::vector<Policy>& policies,
                      const std::vector<std::vector<backtest::PathResult>>& results) {
  std::string o =
      "policy,path,premium,hedge_cost_pv,pnl_pv,trades,orders,rebalances,turnover,traded_units,"
      "fees,spread_cost,impact_cost,breaches,breaker_trips,delivered_shares,strike_cash,"
      "residual_shares,final_spot,engine_events\n";
  for (std::size_t p = 0; p < policies.size(); ++p) {
    for (std::size_t i = 0; i < results[p].size(); ++i) {
      const backtest::PathResult& r = results[p][i];
      o += policies[p].name + "," + std::to_string(i);
      for (const double v : {r.premium, r.hedge_cost_pv, r.pnl_pv}) {
        o += ',';
        num(o, v);
      }
      o += "," + std::to_string(r.trades) + "," + std::to_string(r.orders) + "," +
           std::to_string(r.rebalances);
      for (const double v : {r.turnover, r.traded_units, r.fees, r.spread_cost, r.impact_cost}) {
        o += ',';
        num(o, v);
      }
      o += "," + std::to_string(r.breaches) + "," + std::to_string(r.breaker_trips);
      for (const double v : {r.delivered_shares, r.strike_cash, r.residual_shares, r.final_spot}) {
        o += ',';
        num(o, v);
      }
      o += "," + std::to_string(r.events) + "\n";
    }
  }
  return o;
}

std::string attribution_csv(const Plan& plan, const std::vector<Policy>& policies,
                            const std::vector<const backtest::PathResult*>& sampled) {
  std::string o =
      "policy,path,step,time_seconds,spot,hedge_position,net_delta_shares,band_shares,delta,"
      "gamma,theta,vega,carry,costs,residual,total,cumulative_costs\n";
  for (std::size_t p = 0; p < policies.size(); ++p) {
    if (sampled[p] == nullptr) continue;
    const auto& steps = sampled[p]->steps;
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const backtest::StepRecord& s = steps[k];
      o += policies[p].name + "," + std::to_string(plan.replay ? 0 : plan.sample_path) + "," +
           std::to_string(k);
      for (const double v :
           {static_cast<double>(s.time_ns - plan.start_ns) / 1e9, s.spot, s.hedge_position,
            s.net_delta_shares, s.band_shares, s.delta, s.gamma, s.theta, s.vega, s.carry, s.costs,
            s.residual, s.total, s.cumulative_costs}) {
        o += ',';
        num(o, v);
      }
      o += '\n';
    }
  }
  return o;
}

std::string fmt(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string comparison_table(const std::vector<backtest::PolicySummary>& sums) {
  std::string o;
  char line[512];
  std::snprintf(line, sizeof line,
                "%-18s %12s %12s %11s %7s %11s %11s %11s %8s %13s %10s %5s %5s\n", "policy",
                "premium", "cost_pv", "cost_std", "perf", "pnl_mean", "pnl_std", "pnl_p05",
                "trades", "turnover", "costs", "brch", "trip");
  o += line;
  for (const backtest::PolicySummary& s : sums) {
    std::snprintf(line, sizeof line,
                  "%-18s %12.2f %12.2f %11.2f %7.4f %11.2f %11.2f %11.2f %8.1f %13.0f %10.2f %5llu "
                  "%5llu\n",
                  s.name.c_str(), s.premium, s.hedge_cost_mean, s.hedge_cost_std,
                  s.hedge_performance, s.pnl_mean, s.pnl_std, s.pnl_quantiles.p05, s.trades_mean,
                  s.turnover_mean, s.costs_mean, static_cast<unsigned long long>(s.breaches),
                  static_cast<unsigned long long>(s.breaker_trips));
    o += line;
  }
  // Option hedging, under the table and only when a policy did it.
  for (const backtest::PolicySummary& s : sums) {
    if (!(s.option_orders_mean > 0.0)) continue;
    std::snprintf(line, sizeof line,
                  "%-18s option hedge: %.1f orders, %.1f contracts a path (in trades, turnover, "
                  "costs)\n",
                  s.name.c_str(), s.option_orders_mean, s.option_contracts_mean);
    o += line;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The HTML report: inline SVG drawn here, no scripts, nothing fetched.

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                   "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

struct Chart {
  double width = 640, height = 300, left = 70, right = 20, top = 20, bottom = 40;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  std::string svg;

  double px(double x) const { return left + (x - x0) / (x1 - x0) * (width - left - right); }
  double py(double y) const {
    return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);
  }
  void range(double a, double b, double c, double d) {
    x0 = a;
    x1 = b > a ? b : a + 1;
    y0 = c;
    y1 = d > c ? d : c + 1;
  }
  void begin(const std::string& title) {
    svg = "<figure><figcaption>" + title +
          "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) +
          "\" height=\"" + fmt("%.0f", height) + "\">";
    svg += "<rect x=\"" + fmt("%.1f", left) + "\" y=\"" + fmt("%.1f", top) + "\" width=\"" +
           fmt("%.1f", width - left - right) + "\" height=\"" + fmt("%.1f", height - top - bottom) +
           "\" fill=\"none\" stroke=\"#999\"/>";
    for (int i = 0; i <= 4; ++i) {
      const double y = y0 + (y1 - y0) * i / 4.0;
      const double x = x0 + (x1 - x0) * i / 4.0;
      svg += "<text x=\"" + fmt("%.1f", left - 4) + "\" y=\"" + fmt("%.1f", py(y) + 4) +
             "\" font-size=\"10\" text-anchor=\"end\">" + fmt("%.4g", y) + "</text>";
      svg += "<text x=\"" + fmt("%.1f", px(x)) + "\" y=\"" + fmt("%.1f", height - bottom + 14) +
             "\" font-size=\"10\" text-anchor=\"middle\">" + fmt("%.4g", x) + "</text>";
    }
    if (y0 < 0 && y1 > 0) {
      svg += "<line x1=\"" + fmt("%.1f", left) + "\" x2=\"" + fmt("%.1f", width - right) +
             "\" y1=\"" + fmt("%.1f", py(0)) + "\" y2=\"" + fmt("%.1f", py(0)) +
             "\" stroke=\"#ccc\"/>";
    }
  }
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const char* color,
                const char* dash = nullptr) {
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\"";
    if (dash) svg += " stroke-dasharray=\"" + std::string(dash) + "\"";
    svg += " points=\"";
    for (std::size_t i = 0; i < xs.size(); ++i) {
      svg += fmt("%.1f", px(xs[i])) + "," + fmt("%.1f", py(ys[i])) + " ";
    }
    svg += "\"/>";
  }
  void label(double x, double y, const std::string& text, const char* color) {
    svg += "<text x=\"" + fmt("%.1f", x) + "\" y=\"" + fmt("%.1f", y) +
           "\" font-size=\"11\" fill=\"" + color + "\">" + escape(text) + "</text>";
  }
  std::string end(const std::string& x_label, const std::string& y_label) {
    svg += "<text x=\"" + fmt("%.1f", (left + width - right) / 2) + "\" y=\"" +
           fmt("%.1f", height - 6) + "\" font-size=\"11\" text-anchor=\"middle\">" +
           escape(x_label) + "</text>";
    svg += "<text x=\"12\" y=\"" + fmt("%.1f", height / 2) +
           "\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 " +
           fmt("%.1f", height / 2) + ")\">" + escape(y_label) + "</text></svg></figure>\n";
    return svg;
  }
};

std::string report_html(const Plan& plan, const std::vector<backtest::PolicySummary>& sums,
                        const std::vector<std::vector<backtest::PathResult>>& results,
                        const std::vector<const backtest::PathResult*>& sampled,
                        const std::string& table) {
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hedged backtest</title>"
      "<style>body{font-family:sans-serif;margin:2em;max-width:70em}pre{background:#f6f6f6;"
      "padding:1em;overflow-x:auto}figure{display:inline-block;margin:1em}figcaption{"
      "font-weight:bold}</style></head><body>\n<h1>hedged backtest</h1>\n<p>";
  h += "config " + escape(plan.source_path) + ", market " + plan.market + ", " +
       std::to_string(plan.replay ? 1 : plan.paths) + " path(s), seed " +
       std::to_string(plan.seed) + ", " + std::to_string(plan.grid.size() - 1) +
       " steps. Hedging cost: PV of hedge cash flows, fees and settlement; P&amp;L = premium - "
       "hedging cost.</p>\n<pre>" +
       table + "</pre>\n";

  // P&L histogram, one outline per policy, common bins.
  {
    double lo = 0, hi = 0;
    bool any = false;
    for (const auto& rs : results) {
      for (const auto& r : rs) {
        lo = any ? std::min(lo, r.pnl_pv) : r.pnl_pv;
        hi = any ? std::max(hi, r.pnl_pv) : r.pnl_pv;
        any = true;
      }
    }
    constexpr int kBins = 40;
    if (hi <= lo) hi = lo + 1;
    std::vector<std::vector<double>> counts(results.size(), std::vector<double>(kBins, 0.0));
    double top = 1;
    for (std::size_t p = 0; p < results.size(); ++p) {
      for (const auto& r : results[p]) {
        int bin = static_cast<int>((r.pnl_pv - lo) / (hi - lo) * kBins);
        bin = std::clamp(bin, 0, kBins - 1);
        top = std::max(top, ++counts[p][static_cast<std::size_t>(bin)]);
      }
    }
    Chart c;
    c.range(lo, hi, 0, top);
    c.begin("P&amp;L per path (PV), histogram");
    for (std::size_t p = 0; p < results.size(); ++p) {
      std::vector<double> xs, ys;
      for (int k = 0; k < kBins; ++k) {
        const double a = lo + (hi - lo) * k / kBins;
        const double b = lo + (hi - lo) * (k + 1) / kBins;
        xs.insert(xs.end(), {a, b});
        ys.insert(ys.end(),
                  {counts[p][static_cast<std::size_t>(k)], counts[p][static_cast<std::size_t>(k)]});
      }
      const char* color = kColors[p % 8];
      c.polyline(xs, ys, color);
      c.label(c.left + 8, c.top + 14 + 13.0 * static_cast<double>(p), sums[p].name, color);
    }
    h += c.end("P&L, currency", "paths");
  }
  // The sampled path: net delta against the band, first policy.
  if (!sampled.empty() && sampled[0] != nullptr && !sampled[0]->steps.empty()) {
    const auto& steps = sampled[0]->steps;
    std::vector<double> t, net, up, down;
    double lo = 0, hi = 0;
    for (const auto& s : steps) {
      t.push_back(static_cast<double>(s.time_ns - plan.start_ns) / 86400e9);
      net.push_back(s.net_delta_shares);
      up.push_back(s.band_shares);
      down.push_back(-s.band_shares);
      lo = std::min({lo, s.net_delta_shares, -s.band_shares});
      hi = std::max({hi, s.net_delta_shares, s.band_shares});
    }
    Chart c;
    c.range(t.front(), t.back(), lo - 1, hi + 1);
    c.begin("Path " + std::to_string(plan.replay ? 0 : plan.sample_path) + ", policy " +
            sums[0].name + ": net delta after each step and the band");
    c.polyline(t, up, "#999", "4 3");
    c.polyline(t, down, "#999", "4 3");
    c.polyline(t, net, kColors[0]);
    h += c.end("days", "net delta, shares");
  }
  // Cumulative costs of the sampled path, every policy.
  {
    double top = 0, t1 = 0;
    for (const auto* s : sampled) {
      if (s == nullptr || s->steps.empty()) continue;
      top = std::max(top, s->steps.back().cumulative_costs);
      t1 = std::max(t1, static_cast<double>(s->steps.back().time_ns - plan.start_ns) / 86400e9);
    }
    Chart c;
    c.range(0, t1, 0, top > 0 ? top * 1.05 : 1);
    c.begin("Cumulative costs (fees, spread, impact) on the sampled path");
    for (std::size_t p = 0; p < sampled.size(); ++p) {
      if (sampled[p] == nullptr) continue;
      std::vector<double> t, y;
      for (const auto& s : sampled[p]->steps) {
        t.push_back(static_cast<double>(s.time_ns - plan.start_ns) / 86400e9);
        y.push_back(s.cumulative_costs);
      }
      c.polyline(t, y, kColors[p % 8]);
      c.label(c.left + 8, c.top + 14 + 13.0 * static_cast<double>(p), sums[p].name, kColors[p % 8]);
    }
    h += c.end("days", "currency");
  }
  // Comparison: mean costs against the std of P&L (the hedging trade-off).
  {
    double cx = 0, sy = 0;
    for (const auto& s : sums) {
      cx = std::max(cx, s.costs_mean);
      sy = std::max(sy, s.pnl_std);
    }
    Chart c;
    c.range(0, cx > 0 ? cx * 1.15 : 1, 0, sy > 0 ? sy * 1.15 : 1);
    c.begin("Policies: mean costs against P&amp;L standard deviation");
    for (std::size_t p = 0; p < sums.size(); ++p) {
      const double x = c.px(sums[p].costs_mean);
      const double y = c.py(sums[p].pnl_std);
      c.svg += "<circle cx=\"" + fmt("%.1f", x) + "\" cy=\"" + fmt("%.1f", y) +
               "\" r=\"5\" fill=\"" + kColors[p % 8] + "\"/>";
      c.label(x + 7, y - 4, sums[p].name, kColors[p % 8]);
    }
    h += c.end("mean costs per path, currency", "P&L std, currency");
  }
  h += "</body></html>\n";
  return h;
}

// ---------------------------------------------------------------------------------------------
// Progress.

void draw_progress(std::uint64_t done, std::uint64_t total, bool tty, double seconds) {
  const double share = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  if (tty) {
    constexpr int kWidth = 40;
    const int filled = static_cast<int>(share * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r[%s] %3.0f%% %llu/%llu paths %.1fs", bar.c_str(), share * 100.0,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 seconds);
  } else {
    std::fprintf(stderr, "backtest: %llu/%llu paths (%.0f%%) after %.1fs\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 share * 100.0, seconds);
  }
  std::fflush(stderr);
}

}  // namespace

BacktestOutput run_backtest(const BacktestOptions& options) {
  BacktestOutput output;
  Plan plan;
  output.error = config::capture_load_error(
      options.config_path, [&] { parse_plan(options.config_path, options, plan); });
  if (!output.error.empty()) return output;

  // A replay file is one path on the file's own times.
  if (plan.replay) {
    plan.paths = 1;
    plan.sample_path = 0;
    plan.grid = plan.replay_path.times;
    plan.horizon_ns = plan.grid.back() - plan.grid.front();
  }
  if (plan.sample_path >= plan.paths) plan.sample_path = 0;
  {
    EngineConfig probe = plan.policies.front().engine;
    backtest::MarketPath grid_only;
    grid_only.times = plan.grid;
    plan.disabled_breakers = backtest::adapt_to_grid(probe, backtest::longest_step(grid_only));
  }

  const std::size_t n_policies = plan.policies.size();
  const std::uint64_t n_paths = plan.paths;
  std::vector<std::vector<backtest::PathResult>> results(
      n_policies, std::vector<backtest::PathResult>(static_cast<std::size_t>(n_paths)));
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> done{0};
  const auto worker = [&] {
    backtest::MarketPath path;
    backtest::RunSettings sampled = plan.settings;
    sampled.record_steps = true;
    for (;;) {
      const std::uint64_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_paths) return;
      const backtest::MarketPath* market = &plan.replay_path;
      if (!plan.replay) {
        backtest::generate_path(plan.model, plan.grid, plan.seed, i, path);
        market = &path;
      }
      for (std::size_t p = 0; p < n_policies; ++p) {
        results[p][static_cast<std::size_t>(i)] = backtest::run_path(
            plan.policies[p].engine, *market, i == plan.sample_path ? sampled : plan.settings);
      }
      done.fetch_add(1, std::memory_order_release);
    }
  };
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = std::max(
      1u,
      std::min<unsigned>(threads, static_cast<unsigned>(std::min<std::uint64_t>(n_paths, 1024))));
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  const bool tty = options.progress && ::isatty(STDERR_FILENO) == 1;
  auto last_line = started;
  while (done.load(std::memory_order_acquire) < n_paths) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - started).count();
    if (!options.progress) continue;
    if (tty) {
      draw_progress(done.load(std::memory_order_acquire), n_paths, true, elapsed);
    } else if (now - last_line >= std::chrono::seconds(2)) {
      draw_progress(done.load(std::memory_order_acquire), n_paths, false, elapsed);
      last_line = now;
    }
  }
  for (std::thread& t : pool) t.join();
  output.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.progress) {
    draw_progress(n_paths, n_paths, tty, output.seconds);
    if (tty) std::fputc('\n', stderr);
  }

  std::vector<backtest::PolicySummary> sums;
  std::vector<const backtest::PathResult*> sampled;
  for (std::size_t p = 0; p < n_policies; ++p) {
    sums.push_back(backtest::summarize(plan.policies[p].name, results[p]));
    output.events += sums.back().events;
    sampled.push_back(&results[p][static_cast<std::size_t>(plan.sample_path)]);
  }
  output.summary_json = summary_json(plan, sums);
  output.paths_csv = paths_csv(plan.policies, results);
  output.attribution_csv = attribution_csv(plan, plan.policies, sampled);
  output.table = comparison_table(sums);
  output.report_html = report_html(plan, sums, results, sampled, output.table);
  return output;
}

const char* backtest_usage() noexcept {
  return kUsage;
}

int backtest_command(const std::vector<std::string>& args) {
  BacktestOptions options;
  const auto number = [](const std::string& text, std::uint64_t& out) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    std::uint64_t value = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((a == "-c" || a == "--config") && has_value) {
      options.config_path = args[++i];
    } else if (a == "--paths" && has_value && number(args[i + 1], value) && value > 0) {
      options.paths = value;
      ++i;
    } else if (a == "--seed" && has_value && number(args[i + 1], value)) {
      options.seed = value;
      ++i;
    } else if (a == "--threads" && has_value && number(args[i + 1], value) && value > 0 &&
               value <= 1024) {
      options.threads = static_cast<unsigned>(value);
      ++i;
    } else if (a == "--out" && has_value) {
      options.out_dir = args[++i];
    } else if (a == "--json") {
      options.json = true;
    } else if (a == "--no-progress") {
      options.progress = false;
    } else {
      std::fprintf(stderr, "hedged backtest: bad or incomplete option '%s'\n%s", a.c_str(), kUsage);
      return 64;
    }
  }
  if (options.config_path.empty()) {
    std::fprintf(stderr, "hedged backtest: -c FILE is required\n%s", kUsage);
    return 64;
  }
  const BacktestOutput out = run_backtest(options);
  if (!out.error.empty()) {
    std::fprintf(stderr, "%s\n", out.error.c_str());
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  const std::pair<const char*, const std::string*> files[] = {
      {"summary.json", &out.summary_json},
      {"paths.csv", &out.paths_csv},
      {"attribution.csv", &out.attribution_csv},
      {"report.html", &out.report_html}};
  for (const auto& [name, content] : files) {
    const std::string file = (std::filesystem::path(options.out_dir) / name).string();
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << *content;
    if (!f) {
      std::fprintf(stderr, "hedged backtest: cannot write %s\n", file.c_str());
      return 1;
    }
  }
  if (options.json) {
    std::fputs(out.summary_json.c_str(), stdout);
  } else {
    std::fputs(out.table.c_str(), stdout);
    std::printf("results in %s/ (summary.json, paths.csv, attribution.csv, report.html)\n",
                options.out_dir.c_str());
  }
  std::fprintf(stderr, "backtest: %llu engine events in %.2fs (%.2f M events/s over all threads)\n",
               static_cast<unsigned long long>(out.events), out.seconds,
               out.seconds > 0 ? static_cast<double>(out.events) / out.seconds / 1e6 : 0.0);
  return 0;
}

}  // namespace hedged::app
