// YAML -> DaemonConfig. Every error names file:line:column and the key path; unknown keys are
// errors, so a typo never silently falls back to a default.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/config.hpp"
#include "daemon/config/yaml_reader.hpp"

namespace hedged::config {
namespace {

constexpr TimeNs kMaxDuration = 365LL * 86400 * kNanosPerSecond;

std::string option_symbol(const std::string& underlying, TimeNs expiry_ns, OptionRight right,
                          double strike) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(sys_time<nanoseconds>(nanoseconds(expiry_ns)));
  const year_month_day ymd{days};
  char date[16];
  std::snprintf(date, sizeof date, "%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  // Shortest fixed-point form that reads back as the same strike, so distinct strikes never
  // share a symbol (a stream's 6 significant digits would print 123456.5 as 123456).
  char strike_text[64];
  const auto formatted = std::to_chars(strike_text, strike_text + sizeof strike_text, strike,
                                       std::chars_format::fixed);
  std::ostringstream s;
  s << underlying << '-' << date << '-' << (right == OptionRight::kCall ? 'C' : 'P') << '-'
    << std::string_view(strike_text, static_cast<std::size_t>(formatted.ptr - strike_text));
  return s.str();
}

// "30d"-style tenor from now, or a date "2027-03-19" (expiring 20:00 UTC that day).
TimeNs parse_expiry(const Reader& reader, const YAML::Node& node, const std::string& path,
                    TimeNs now) {
  const auto text = reader.scalar<std::string>(node, path, "an expiry such as 30d or 2027-03-19");
  if (const auto tenor = parse_duration(text)) {
    if (*tenor <= 0) reader.fail(node, path, "a relative expiry must be in the future");
    if (*tenor > std::numeric_limits<TimeNs>::max() - now)
      reader.fail(node, path, "'" + text + "' is too far in the future");
    return now + *tenor;
  }
  int y = 0;
  int m = 0;
  int d = 0;
  char dash1 = 0;
  char dash2 = 0;
  std::istringstream in(text);
  in >> y >> dash1 >> m >> dash2 >> d;
  if (in.fail() || !in.eof() || dash1 != '-' || dash2 != '-') {
    reader.fail(node, path, "'" + text + "' is neither a tenor (30d) nor a date (YYYY-MM-DD)");
  }
  // Range-check the raw numbers first: the calendar types wrap out-of-range months and days,
  // and nanoseconds since 1970 end in 2262.
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(std::clamp(m, 0, 13))},
                           day{static_cast<unsigned>(std::clamp(d, 0, 32))}};
  if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 || !ymd.ok()) {
    reader.fail(node, path, "'" + text + "' is not a valid date between 1970 and 2200");
  }
  const auto expiry = sys_days{ymd} + hours{20};
  return duration_cast<nanoseconds>(expiry.time_since_epoch()).count();
}

constexpr std::uint64_t kMinLogFileBytes = 1024;
constexpr std::uint64_t kMaxLogFileBytes = 1ULL << 40;
constexpr std::int64_t kMaxLogFiles = 1000;

// `logging.max_size`: bytes as a whole number (104857600) or a whole number with a unit, in
// powers of 1000 (B, KB, MB, GB) or of 1024 (KiB, MiB, GiB), optionally after one space; 0 turns
// rotation off.
std::uint64_t parse_log_file_size(const Reader& r, const YAML::Node& node,
                                  const std::string& path) {
  const auto text = r.scalar<std::string>(node, path, "a size such as 100MB or 104857600");
  struct Unit {
    std::string_view name;
    std::uint64_t scale;
  };
  constexpr Unit kUnits[] = {{"", 1},
                             {"B", 1},
                             {"KB", 1000},
                             {"MB", 1000000},
                             {"GB", 1000000000},
                             {"KiB", 1ULL << 10},
                             {"MiB", 1ULL << 20},
                             {"GiB", 1ULL << 30}};
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  if (unit.size() > 1 && unit.front() == ' ') unit.remove_prefix(1);
  const Unit* found = std::find_if(std::begin(kUnits), std::end(kUnits),
                                   [&](const Unit& u) { return u.name == unit; });
  const std::string range = "must be 0 (no rotation) or between 1KiB and 1TiB";
  if (ec == std::errc::result_out_of_range) r.fail(node, path, "'" + text + "': " + range);
  if (ec != std::errc{} || found == std::end(kUnits)) {
    r.fail(node, path,
           "'" + text +
               "' is not a size: use bytes (104857600) or a whole number with B, KB, MB, GB, KiB, "
               "MiB or GiB, e.g. 100MB");
  }
  if (value > kMaxLogFileBytes / found->scale) r.fail(node, path, "'" + text + "': " + range);
  const std::uint64_t bytes = value * found->scale;
  if (bytes != 0 && bytes < kMinLogFileBytes) r.fail(node, path, "'" + text + "': " + range);
  return bytes;
}

// `underlyings[].execution`: how each hedge is worked (core/execution). Without the section a
// hedge goes out at once at the far touch (immediate, cross), as before parent orders.
execution::ExecutionParams parse_execution(const Reader& r, const YAML::Node& e,
                                           const std::string& ep, std::int64_t lot_size) {
  r.allow_keys(e, ep,
               {"algorithm", "horizon", "slice_interval", "participation_pct",
                "max_participation_pct", "risk_aversion", "temporary_impact", "permanent_impact",
                "impact_coefficient", "price_rule", "cross_after", "max_slippage_bps",
                "min_child_qty", "max_child_qty", "max_children_per_second"});
  execution::ExecutionParams p;
  const std::string algorithm =
      r.one_of(e, "algorithm", ep, "immediate", {"immediate", "twap", "pov", "almgren_chriss"});
  p.algorithm = algorithm == "twap"             ? execution::Algorithm::kTwap
                : algorithm == "pov"            ? execution::Algorithm::kPov
                : algorithm == "almgren_chriss" ? execution::Algorithm::kAlmgrenChriss
                                                : execution::Algorithm::kImmediate;
  p.horizon_ns = r.duration(e, "horizon", ep, p.horizon_ns, 0, execution::kMaxHorizonNs);
  p.slice_interval_ns =
      r.duration(e, "slice_interval", ep, p.slice_interval_ns, 0, execution::kMaxHorizonNs);
  p.participation_pct = r.number(e, "participation_pct", ep, p.participation_pct, 0.0, 100.0);
  p.max_participation_pct =
      r.number(e, "max_participation_pct", ep, p.max_participation_pct, 0.0, 100.0);
  p.risk_aversion_per_currency =
      r.number(e, "risk_aversion", ep, p.risk_aversion_per_currency, 0.0, 1e6);
  p.temporary_impact = r.number(e, "temporary_impact", ep, p.temporary_impact, 0.0, 1e12);
  p.permanent_impact = r.number(e, "permanent_impact", ep, p.permanent_impact, 0.0, 1e12);
  p.impact_coefficient = r.number(e, "impact_coefficient", ep, p.impact_coefficient, 0.0, 100.0);
  const std::string rule = r.one_of(
      e, "price_rule", ep, p.algorithm == execution::Algorithm::kImmediate ? "cross" : "join",
      {"join", "improve", "cross"});
  p.price_rule = rule == "cross"     ? execution::PriceRule::kCross
                 : rule == "improve" ? execution::PriceRule::kImprove
                                     : execution::PriceRule::kJoin;
  p.cross_after_ns =
      r.duration(e, "cross_after", ep, p.cross_after_ns, 0, execution::kMaxHorizonNs);
  // Omitted: no cap beyond the pre-trade price band.
  p.max_slippage_bps = execution::kNoSlippageCap;
  if (e["max_slippage_bps"]) {
    p.max_slippage_bps = r.number(e, "max_slippage_bps", ep, 0.0, 0.0, 10000.0);
    if (p.max_slippage_bps >= 10000.0) {
      r.fail(e["max_slippage_bps"], join(ep, "max_slippage_bps"), "must be below 10000 (100%)");
    }
  }
  p.min_child_qty = r.integer(e, "min_child_qty", ep, 0, 0, execution::kMaxParentQty);
  p.max_child_qty = r.integer(e, "max_child_qty", ep, 0, 0, execution::kMaxParentQty);
  p.max_children_per_second = r.number(e, "max_children_per_second", ep, 0.0, 0.0, 1e6);
  if (const execution::ExecError error = execution::validate(p);
      error != execution::ExecError::kOk) {
    r.fail(e, ep, execution::to_string(error));
  }
  // What make_parent would refuse for every hedge: children that cannot split after lot
  // rounding, and an Almgren–Chriss model without a solution or without an impact estimate.
  const std::int64_t min_child =
      std::max(lot_size, execution::round_up_to_lot(p.min_child_qty, lot_size));
  if (p.max_child_qty > 0 &&
      std::max(lot_size, execution::round_down_to_lot(p.max_child_qty, lot_size)) + lot_size <
          2 * min_child) {
    r.fail(e, ep, execution::to_string(execution::ExecError::kBadChildSize));
  }
  if (p.algorithm == execution::Algorithm::kAlmgrenChriss && p.risk_aversion_per_currency > 0.0) {
    if (!(p.temporary_impact > 0.0)) {
      r.fail(e, ep,
             "almgren_chriss with risk_aversion > 0 needs temporary_impact > 0 (there is no "
             "average daily volume to estimate it from)");
    }
    const std::int64_t slices = (p.horizon_ns + p.slice_interval_ns - 1) / p.slice_interval_ns;
    const double tau_s = static_cast<double>(p.horizon_ns) / 1e9 / static_cast<double>(slices);
    if (!(p.temporary_impact - 0.5 * p.permanent_impact * tau_s > 0.0)) {
      r.fail(e, ep, execution::to_string(execution::ExecError::kInconsistentImpact));
    }
  }
  return p;
}

DaemonConfig parse(const YAML::Node& root, const Reader& r, const std::string& source,
                   const std::string& base_dir, TimeNs now) {
  DaemonConfig cfg;
  cfg.source_path = source;
  if (!root || root.IsNull()) r.fail(root, "", "the file is empty");
  r.allow_keys(root, "",
               {"engine", "market_data", "underlyings", "book", "fix", "venue", "drop_copy",
                "option_flow", "metrics", "admin", "journal", "logging", "risk"});

  if (const YAML::Node n = root["engine"]) {
    r.allow_keys(n, "engine",
                 {"idle_strategy", "io_idle_strategy", "engine_cpu", "timer_interval",
                  "max_working_orders", "ring_capacity", "surface_refit_interval"});
    cfg.idle_strategy =
        r.one_of(n, "idle_strategy", "engine", "backoff", {"spin", "backoff"}) == "spin"
            ? IdleStrategyName::kSpin
            : IdleStrategyName::kBackoff;
    cfg.io_idle_strategy =
        r.one_of(n, "io_idle_strategy", "engine",
                 cfg.idle_strategy == IdleStrategyName::kSpin ? "spin" : "backoff",
                 {"spin", "backoff"}) == "spin"
            ? IdleStrategyName::kSpin
            : IdleStrategyName::kBackoff;
    cfg.engine_cpu = static_cast<int>(r.integer(n, "engine_cpu", "engine", -1, -1, 1023));
    cfg.timer_interval_ns = r.duration(n, "timer_interval", "engine", cfg.timer_interval_ns,
                                       kNanosPerMilli, 60 * kNanosPerSecond);
    cfg.surface_refit_interval_ns =
        r.duration(n, "surface_refit_interval", "engine", kNanosPerSecond, 10 * kNanosPerMilli,
                   3600 * kNanosPerSecond);
    cfg.engine.max_working_orders =
        static_cast<std::size_t>(r.integer(n, "max_working_orders", "engine", 64, 1, 4096));
    cfg.ring_capacity =
        static_cast<std::size_t>(r.integer(n, "ring_capacity", "engine", 8192, 1024, 1 << 24));
  }

  if (const YAML::Node n = root["market_data"]) {
    r.allow_keys(n, "market_data", {"source", "seed", "tick_interval", "fix", "replay"});
    cfg.market_data.source =
        r.one_of(n, "source", "market_data", "simulator", {"simulator", "fix", "replay"});
    if (const YAML::Node p = n["replay"]) {
      r.allow_keys(p, "market_data.replay", {"file", "speed", "loop", "start_offset"});
      cfg.market_data.replay.path = r.string(p, "file", "market_data.replay", "");
      cfg.market_data.replay.speed = r.number(p, "speed", "market_data.replay", 1.0, 0.0, 1000.0);
      cfg.market_data.replay.loop = r.boolean(p, "loop", "market_data.replay", false);
      cfg.market_data.replay.start_offset_ns =
          r.duration(p, "start_offset", "market_data.replay", 0, 0, kMaxDuration);
    }
    if (cfg.market_data.source == "replay") {
      std::string& path = cfg.market_data.replay.path;
      const YAML::Node where =
          n["replay"] && n["replay"]["file"] ? n["replay"]["file"] : n["source"];
      if (path.empty()) {
        r.fail(where, "market_data.replay.file", "source: replay needs a quote file (CSV)");
      }
      if (!std::filesystem::path(path).is_absolute()) {
        path = (std::filesystem::path(base_dir) / path).lexically_normal().string();
      }
      if (!std::filesystem::exists(path)) {
        r.fail(where, "market_data.replay.file", "file not found: " + path);
      }
      // A malformed tape is named here too, so check-config catches it before a start.
      if (auto tape = marketdata::read_quote_tape_file(path); !tape.tape) {
        r.fail(where, "market_data.replay.file", tape.error);
      }
    }
    if (const YAML::Node f = n["fix"]) {
      r.allow_keys(f, "market_data.fix", {"sender_comp_id", "password"});
      cfg.market_data.fix.sender_comp_id =
          r.string(f, "sender_comp_id", "market_data.fix", cfg.market_data.fix.sender_comp_id);
      cfg.market_data.fix.password = r.string(f, "password", "market_data.fix", "");
    }
    cfg.market_data.seed =
        static_cast<std::uint64_t>(r.integer(n, "seed", "market_data", 1, 0, INT64_MAX));
    cfg.market_data.tick_interval_ns =
        r.duration(n, "tick_interval", "market_data", cfg.market_data.tick_interval_ns,
                   kNanosPerMilli / 1000, 60 * kNanosPerSecond);
  }

  const YAML::Node underlyings = root["underlyings"];
  if (!underlyings || !underlyings.IsSequence() || underlyings.size() == 0) {
    r.fail(underlyings ? underlyings : root, "underlyings",
           "expected a list with at least one underlying");
  }
  if (underlyings.size() > kMaxUnderlyings) {
    r.fail(underlyings, "underlyings",
           "at most " + std::to_string(kMaxUnderlyings) + " underlyings are supported");
  }
  std::map<std::string, InstrumentId> spot_by_symbol;
  std::map<std::string, InstrumentId> future_by_symbol;
  for (std::size_t i = 0; i < underlyings.size(); ++i) {
    const YAML::Node u = underlyings[i];
    const std::string path = "underlyings[" + std::to_string(i) + "]";
    if (u.IsMap() && u["limits"]) {
      r.fail(u["limits"], join(path, "limits"),
             "pre-trade limits live in the limits file now (risk.limits_file, see "
             "config/limits.yaml: underlyings.<symbol>.pre_trade)");
    }
    r.allow_keys(u, path,
                 {"symbol", "tick_size", "lot_size", "rate", "dividend_yield", "vol", "vol_mode",
                  "simulator", "hedge", "execution"});
    if (!u["symbol"]) r.fail(u, path, "missing required key 'symbol'");
    InstrumentSpec spot;
    spot.id = static_cast<InstrumentId>(cfg.engine.instruments.size());
    spot.kind = InstrumentKind::kSpot;
    spot.symbol = r.string(u, "symbol", path, "");
    if (spot.symbol.empty()) r.fail(u["symbol"], join(path, "symbol"), "must not be empty");
    if (spot_by_symbol.count(spot.symbol) != 0 || future_by_symbol.count(spot.symbol) != 0)
      r.fail(u["symbol"], join(path, "symbol"), "duplicate underlying '" + spot.symbol + "'");
    spot.underlying = spot.id;
    spot.tick_size = r.number(u, "tick_size", path, 0.01, 1e-8, 1e6);
    spot.lot_size = r.integer(u, "lot_size", path, 1, 1, 1'000'000);
    cfg.engine.instruments.push_back(spot);
    spot_by_symbol[spot.symbol] = spot.id;

    UnderlyingConfig uc;
    uc.name = spot.symbol;
    uc.spot_instrument = spot.id;
    uc.hedge_instrument = spot.id;
    uc.rate = r.number(u, "rate", path, 0.0, -0.2, 1.0);
    uc.dividend_yield = r.number(u, "dividend_yield", path, 0.0, -0.2, 1.0);
    uc.vol = r.number(u, "vol", path, 0.2, 1e-4, 10.0);
    uc.vol_mode = [&] {
      const std::string mode =
          r.one_of(u, "vol_mode", path, "flat", {"flat", "quote_iv", "surface"});
      return mode == "quote_iv"  ? VolMode::kQuoteIv
             : mode == "surface" ? VolMode::kSurface
                                 : VolMode::kFlat;
    }();
    uc.policy.lot_size = spot.lot_size;
    uc.policy.band_delta_shares = 100.0;
    uc.policy.min_trade_qty = spot.lot_size;

    if (const YAML::Node h = u["hedge"]) {
      const std::string hp = join(path, "hedge");
      r.allow_keys(h, hp,
                   {"policy", "target", "band_delta_shares", "band_delta_notional", "risk_aversion",
                    "cost_bps", "min_band_shares", "max_band_shares", "rebalance_interval",
                    "min_trade_qty", "order_timeout", "min_order_interval", "initial_position",
                    "instrument", "future", "options"});
      // The hedge instrument first: lots and minimum trades are in its units.
      if (r.one_of(h, "instrument", hp, "spot", {"spot", "future"}) == "future") {
        const YAML::Node f = h["future"];
        if (!f) r.fail(h, hp, "instrument: future needs a 'future' section");
        const std::string fp = join(hp, "future");
        r.allow_keys(f, fp, {"symbol", "multiplier", "expiry", "tick_size", "lot_size"});
        InstrumentSpec future;
        future.id = static_cast<InstrumentId>(cfg.engine.instruments.size());
        future.kind = InstrumentKind::kFuture;
        future.underlying = spot.id;
        future.symbol = r.string(f, "symbol", fp, spot.symbol + "-F");
        if (future.symbol.empty() || spot_by_symbol.count(future.symbol) != 0 ||
            future_by_symbol.count(future.symbol) != 0) {
          r.fail(f["symbol"] ? f["symbol"] : f, join(fp, "symbol"),
                 "'" + future.symbol + "' is empty or already a symbol");
        }
        future.multiplier = r.number(f, "multiplier", fp, 1.0, 1e-6, 1e9);
        if (!f["expiry"]) r.fail(f, fp, "missing required key 'expiry'");
        future.expiry_ns = parse_expiry(r, f["expiry"], join(fp, "expiry"), now);
        if (future.expiry_ns <= now) {
          r.fail(f["expiry"], join(fp, "expiry"), "the future has already expired");
        }
        future.tick_size = r.number(f, "tick_size", fp, spot.tick_size, 1e-8, 1e6);
        future.lot_size = r.integer(f, "lot_size", fp, 1, 1, 1'000'000);
        cfg.engine.instruments.push_back(future);
        future_by_symbol[future.symbol] = future.id;
        uc.hedge_instrument = future.id;
        uc.policy.lot_size = future.lot_size;
        uc.policy.min_trade_qty = future.lot_size;
      }
      const std::string policy =
          r.one_of(h, "policy", hp, "band_shares",
                   {"band_shares", "band_notional", "whalley_wilmott", "time"});
      uc.policy.kind = policy == "band_notional"     ? hedging::HedgePolicyKind::kBandNotional
                       : policy == "whalley_wilmott" ? hedging::HedgePolicyKind::kWhalleyWilmott
                       : policy == "time"            ? hedging::HedgePolicyKind::kTime
                                                     : hedging::HedgePolicyKind::kBandShares;
      uc.policy.target = r.one_of(h, "target", hp, "zero", {"zero", "edge"}) == "edge"
                             ? hedging::HedgeTarget::kBandEdge
                             : hedging::HedgeTarget::kZero;
      uc.policy.band_delta_shares = r.number(h, "band_delta_shares", hp, 100.0, 0.0, 1e12);
      uc.policy.band_delta_notional = r.number(h, "band_delta_notional", hp, 0.0, 0.0, 1e15);
      uc.policy.risk_aversion = r.number(h, "risk_aversion", hp, 0.0, 0.0, 1e6);
      uc.policy.cost_fraction = r.number(h, "cost_bps", hp, 0.0, 0.0, 10000.0) * 1e-4;
      uc.policy.min_band_shares = r.number(h, "min_band_shares", hp, 0.0, 0.0, 1e12);
      uc.policy.max_band_shares = r.number(h, "max_band_shares", hp, 1e12, 0.0, 1e12);
      uc.policy.rebalance_interval_ns =
          r.duration(h, "rebalance_interval", hp, 60 * kNanosPerSecond, 0, kMaxDuration);
      uc.policy.min_trade_qty = r.integer(h, "min_trade_qty", hp, uc.policy.lot_size, 1, INT64_MAX);
      if (uc.policy.kind == hedging::HedgePolicyKind::kBandNotional && !h["band_delta_notional"]) {
        r.fail(h, hp, "policy: band_notional needs 'band_delta_notional'");
      }
      if (uc.policy.kind == hedging::HedgePolicyKind::kWhalleyWilmott &&
          (!(uc.policy.risk_aversion > 0.0) || !h["cost_bps"])) {
        r.fail(h, hp, "policy: whalley_wilmott needs 'risk_aversion' > 0 and 'cost_bps'");
      }
      if (uc.policy.min_band_shares > uc.policy.max_band_shares) {
        r.fail(h["min_band_shares"], join(hp, "min_band_shares"), "is above max_band_shares");
      }
      if (const char* problem = hedging::validate(uc.policy)) r.fail(h, hp, problem);
      uc.order_timeout_ns =
          r.duration(h, "order_timeout", hp, uc.order_timeout_ns, 0, kMaxDuration);
      uc.min_order_interval_ns =
          r.duration(h, "min_order_interval", hp, uc.min_order_interval_ns, 0, kMaxDuration);
      uc.initial_hedge_position =
          r.integer(h, "initial_position", hp, 0, -1'000'000'000'000, 1'000'000'000'000);
      if (const YAML::Node o = h["options"]) {
        const std::string op = join(hp, "options");
        r.allow_keys(o, op, {"enabled", "trigger", "target", "max_contracts"});
        hedging::OptionHedgeParams& oh = uc.option_hedge;
        oh.enabled = r.boolean(o, "enabled", op, false);
        oh.trigger_fraction = r.number(o, "trigger", op, oh.trigger_fraction, 1e-6, 100.0);
        oh.target_fraction = r.number(o, "target", op, oh.target_fraction, 0.0, 100.0);
        oh.max_contracts = r.integer(o, "max_contracts", op, oh.max_contracts, 1, 1'000'000);
        if (const char* problem = hedging::validate(oh)) r.fail(o, op, problem);
      }
    }
    if (const YAML::Node e = u["execution"]) {
      uc.execution = parse_execution(r, e, join(path, "execution"),
                                     cfg.engine.instruments[uc.hedge_instrument].lot_size);
    }
    sim::UnderlyingModel model;
    model.spot_instrument = spot.id;
    model.rate = uc.rate;
    model.dividend_yield = uc.dividend_yield;
    model.option_vol = uc.vol;
    if (const YAML::Node s = u["simulator"]) {
      const std::string sp = join(path, "simulator");
      r.allow_keys(
          s, sp,
          {"initial_spot", "drift", "vol", "spread_bps", "min_size", "max_size", "option_vol",
           "option_skew", "option_smile", "option_spread_pct", "daily_volume"});
      model.initial_spot = r.number(s, "initial_spot", sp, 100.0, 1e-6, 1e9);
      model.drift = r.number(s, "drift", sp, 0.0, -10.0, 10.0);
      model.vol = r.number(s, "vol", sp, uc.vol, 0.0, 10.0);
      model.spread_bps = r.number(s, "spread_bps", sp, 2.0, 0.0, 10000.0);
      model.min_size = r.integer(s, "min_size", sp, 100, 1, INT64_MAX / 2);
      model.max_size = r.integer(s, "max_size", sp, 1000, model.min_size, INT64_MAX / 2);
      model.option_vol = r.number(s, "option_vol", sp, uc.vol, 1e-4, 10.0);
      model.option_skew = r.number(s, "option_skew", sp, 0.0, -5.0, 5.0);
      model.option_smile = r.number(s, "option_smile", sp, 0.0, 0.0, 50.0);
      model.option_spread_pct = r.number(s, "option_spread_pct", sp, 2.0, 0.0, 100.0);
      model.daily_volume = r.number(s, "daily_volume", sp, 0.0, 0.0, 1e15);
    } else {
      model.vol = uc.vol;
    }
    cfg.market_data.models.push_back(model);
    cfg.engine.underlyings.push_back(uc);
  }

  const YAML::Node book = root["book"];
  if (book && !book.IsSequence()) r.fail(book, "book", "expected a list of option positions");
  std::map<std::string, InstrumentId> option_by_symbol;
  for (std::size_t i = 0; book && i < book.size(); ++i) {
    const YAML::Node b = book[i];
    const std::string path = "book[" + std::to_string(i) + "]";
    r.allow_keys(
        b, path,
        {"underlying", "right", "strike", "expiry", "quantity", "multiplier", "style", "hedge"});
    for (const char* required : {"underlying", "right", "strike", "expiry", "quantity"}) {
      if (!b[required]) r.fail(b, path, std::string("missing required key '") + required + "'");
    }
    const std::string underlying = r.string(b, "underlying", path, "");
    const auto spot_it = spot_by_symbol.find(underlying);
    if (spot_it == spot_by_symbol.end())
      r.fail(b["underlying"], join(path, "underlying"), "unknown underlying '" + underlying + "'");
    InstrumentSpec option;
    option.kind = InstrumentKind::kOption;
    option.underlying = spot_it->second;
    option.right = r.one_of(b, "right", path, "call", {"call", "put"}) == "call"
                       ? OptionRight::kCall
                       : OptionRight::kPut;
    option.exercise = r.one_of(b, "style", path, "european", {"european", "american"}) == "american"
                          ? ExerciseStyle::kAmerican
                          : ExerciseStyle::kEuropean;
    option.strike = r.number(b, "strike", path, 0.0, 1e-8, 1e9);
    option.expiry_ns = parse_expiry(r, b["expiry"], join(path, "expiry"), now);
    if (option.expiry_ns <= now)
      r.fail(b["expiry"], join(path, "expiry"), "the option has already expired");
    option.multiplier = r.number(b, "multiplier", path, 100.0, 1e-6, 1e9);
    option.tick_size = 0.01;
    option.lot_size = 1;
    option.symbol = option_symbol(underlying, option.expiry_ns, option.right, option.strike);
    if (option.exercise == ExerciseStyle::kAmerican) option.symbol += "-A";
    const std::int64_t qty = r.integer(b, "quantity", path, 0, -1'000'000'000, 1'000'000'000);
    auto [it, inserted] = option_by_symbol.try_emplace(
        option.symbol, static_cast<InstrumentId>(cfg.engine.instruments.size()));
    if (inserted) {
      option.id = it->second;
      cfg.engine.instruments.push_back(option);
    }
    // hedge: true lists the option for its underlying's option hedger (hedge.options).
    cfg.engine.book.push_back({it->second, qty, r.boolean(b, "hedge", path, false)});
  }

  bool persist_sequences = false;
  std::string fix_store_dir;
  if (const YAML::Node n = root["fix"]) {
    r.allow_keys(
        n, "fix",
        {"sender_comp_id", "target_comp_id", "host", "port", "heartbeat_interval",
         "reconnect_interval", "data_dictionary", "password", "account", "use_cancel_replace",
         "status_request_after", "persist_sequences", "store_dir", "reconcile_tolerance"});
    cfg.fix.sender_comp_id = r.string(n, "sender_comp_id", "fix", cfg.fix.sender_comp_id);
    cfg.fix.target_comp_id = r.string(n, "target_comp_id", "fix", cfg.fix.target_comp_id);
    cfg.fix.host = r.string(n, "host", "fix", cfg.fix.host);
    cfg.fix.port = static_cast<int>(r.integer(n, "port", "fix", cfg.fix.port, 1, 65535));
    cfg.fix.heartbeat_interval_s =
        static_cast<int>(r.duration(n, "heartbeat_interval", "fix", 10 * kNanosPerSecond,
                                    kNanosPerSecond, 3600 * kNanosPerSecond) /
                         kNanosPerSecond);
    cfg.fix.reconnect_interval_s =
        static_cast<int>(r.duration(n, "reconnect_interval", "fix", kNanosPerSecond,
                                    kNanosPerSecond, 3600 * kNanosPerSecond) /
                         kNanosPerSecond);
    cfg.fix.data_dictionary = r.string(n, "data_dictionary", "fix", "fix/FIX44.xml");
    cfg.fix.password = r.string(n, "password", "fix", "");
    cfg.fix.account = r.string(n, "account", "fix", "");
    cfg.engine.use_replace = r.boolean(n, "use_cancel_replace", "fix", cfg.engine.use_replace);
    cfg.engine.status_request_after_ns =
        r.duration(n, "status_request_after", "fix", cfg.engine.status_request_after_ns, 0,
                   3600 * kNanosPerSecond);
    cfg.engine.reconcile_tolerance_qty =
        r.integer(n, "reconcile_tolerance", "fix", cfg.engine.reconcile_tolerance_qty, -1,
                  std::int64_t{1} << 40);
    // Resolved once the journal's folder is known (the store defaults to <journal.dir>/fix).
    persist_sequences = r.boolean(n, "persist_sequences", "fix", false);
    fix_store_dir = r.string(n, "store_dir", "fix", "");
    if (!fix_store_dir.empty() && !std::filesystem::path(fix_store_dir).is_absolute()) {
      fix_store_dir = (std::filesystem::path(base_dir) / fix_store_dir).lexically_normal().string();
    }
  } else {
    cfg.fix.data_dictionary = "fix/FIX44.xml";
  }
  // Paths inside a config file are relative to that file's folder.
  if (!std::filesystem::path(cfg.fix.data_dictionary).is_absolute()) {
    cfg.fix.data_dictionary =
        (std::filesystem::path(base_dir) / cfg.fix.data_dictionary).lexically_normal().string();
  }
  if (!std::filesystem::exists(cfg.fix.data_dictionary)) {
    const YAML::Node where = root["fix"] && root["fix"]["data_dictionary"]
                                 ? root["fix"]["data_dictionary"]
                             : root["fix"] ? root["fix"]
                                           : root;
    r.fail(where, "fix.data_dictionary", "file not found: " + cfg.fix.data_dictionary);
  }

  // The market-data session reaches the same venue as the orders, under its own CompID.
  cfg.market_data.fix.target_comp_id = cfg.fix.target_comp_id;
  cfg.market_data.fix.host = cfg.fix.host;
  cfg.market_data.fix.port = cfg.fix.port;
  cfg.market_data.fix.heartbeat_interval_s = cfg.fix.heartbeat_interval_s;
  cfg.market_data.fix.reconnect_interval_s = cfg.fix.reconnect_interval_s;
  cfg.market_data.fix.data_dictionary = cfg.fix.data_dictionary;
  if (cfg.market_data.fix.sender_comp_id == cfg.fix.sender_comp_id) {
    r.fail(root["market_data"], "market_data.fix.sender_comp_id",
           "must differ from fix.sender_comp_id (one FIX session each)");
  }
  cfg.venue.venue.comp_id = cfg.fix.target_comp_id;
  cfg.venue.venue.client_comp_ids = {cfg.fix.sender_comp_id, cfg.market_data.fix.sender_comp_id};
  for (const InstrumentSpec& spec : cfg.engine.instruments) {
    cfg.venue.venue.md_symbols.push_back(spec.symbol);
    cfg.venue.venue.instruments[spec.symbol] = {spec.tick_size, spec.lot_size};
  }
  if (!cfg.fix.password.empty()) {
    cfg.venue.venue.logon_passwords[cfg.fix.sender_comp_id] = cfg.fix.password;
  }
  if (!cfg.market_data.fix.password.empty()) {
    cfg.venue.venue.logon_passwords[cfg.market_data.fix.sender_comp_id] =
        cfg.market_data.fix.password;
  }
  cfg.venue.venue.port = cfg.fix.port;
  cfg.venue.venue.data_dictionary = cfg.fix.data_dictionary;
  if (const YAML::Node n = root["venue"]) {
    r.allow_keys(n, "venue",
                 {"embedded", "match_interval", "reject_probability", "drop_probability", "seed",
                  "ack_latency", "fill_latency", "self_trade", "book", "impact",
                  "persist_sequences", "cancel_on_disconnect"});
    cfg.venue.embedded = r.boolean(n, "embedded", "venue", true);
    cfg.venue.venue.persist_sequences = r.boolean(n, "persist_sequences", "venue", false);
    cfg.venue.venue.cancel_on_disconnect = r.boolean(n, "cancel_on_disconnect", "venue", true);
    cfg.venue.venue.match_interval_ms =
        static_cast<int>(r.duration(n, "match_interval", "venue", 5 * kNanosPerMilli,
                                    kNanosPerMilli, 10 * kNanosPerSecond) /
                         kNanosPerMilli);
    cfg.venue.venue.reject_probability = r.number(n, "reject_probability", "venue", 0.0, 0.0, 1.0);
    cfg.venue.venue.drop_probability = r.number(n, "drop_probability", "venue", 0.0, 0.0, 1.0);
    cfg.venue.venue.seed =
        static_cast<std::uint64_t>(r.integer(n, "seed", "venue", 1, 0, INT64_MAX));
    venue::VenueConfig& v = cfg.venue.venue;
    v.ack_latency_ns = r.duration(n, "ack_latency", "venue", 0, 0, 10 * kNanosPerSecond);
    v.fill_latency_ns = r.duration(n, "fill_latency", "venue", 0, 0, 10 * kNanosPerSecond);
    v.self_trade = r.one_of(n, "self_trade", "venue", "cancel_resting",
                            {"cancel_resting", "cancel_incoming"}) == "cancel_incoming"
                       ? sim::StpPolicy::kCancelIncoming
                       : sim::StpPolicy::kCancelResting;
    if (const YAML::Node b = n["book"]) {
      r.allow_keys(
          b, "venue.book",
          {"levels", "level_spacing_ticks", "size_growth", "size_multiple", "spread_multiple"});
      v.book.levels = static_cast<int>(r.integer(b, "levels", "venue.book", v.book.levels, 1, 50));
      v.book.level_spacing_ticks =
          r.integer(b, "level_spacing_ticks", "venue.book", v.book.level_spacing_ticks, 1, 1000);
      v.book.size_growth = r.number(b, "size_growth", "venue.book", v.book.size_growth, 0.1, 10.0);
      v.book.size_multiple =
          r.number(b, "size_multiple", "venue.book", v.book.size_multiple, 0.001, 1000.0);
      v.book.spread_multiple =
          r.number(b, "spread_multiple", "venue.book", v.book.spread_multiple, 0.0, 1000.0);
    }
    if (const YAML::Node m = n["impact"]) {
      r.allow_keys(m, "venue.impact", {"permanent", "temporary", "daily_volume", "half_life"});
      v.impact.permanent_impact =
          r.number(m, "permanent", "venue.impact", v.impact.permanent_impact, 0.0, 100.0);
      v.impact.temporary_impact =
          r.number(m, "temporary", "venue.impact", v.impact.temporary_impact, 0.0, 100.0);
      v.impact.daily_volume =
          r.number(m, "daily_volume", "venue.impact", v.impact.daily_volume, 1.0, 1e15);
      v.impact.temporary_half_life_s =
          static_cast<double>(r.duration(m, "half_life", "venue.impact",
                                         static_cast<TimeNs>(v.impact.temporary_half_life_s *
                                                             static_cast<double>(kNanosPerSecond)),
                                         0, 30LL * 86400 * kNanosPerSecond)) /
          static_cast<double>(kNanosPerSecond);
    }
  }
  if (cfg.market_data.source == "fix" && cfg.venue.embedded) {
    r.fail(root["market_data"]["source"], "market_data.source",
           "the embedded venue trades on the built-in simulator's quotes; with source: fix set "
           "venue.embedded: false and point `fix` at the venue (e.g. `hedged venue`)");
  }
  if (cfg.venue.embedded && cfg.fix.host != "127.0.0.1" && cfg.fix.host != "localhost") {
    r.fail(
        root["fix"]["host"], "fix.host",
        "the embedded venue listens on 127.0.0.1; set venue.embedded: false to reach another host");
  }

  // The drop copy reaches the same venue host as the orders, on its own port and CompIDs.
  cfg.drop_copy.session.host = cfg.fix.host;
  cfg.drop_copy.session.heartbeat_interval_s = cfg.fix.heartbeat_interval_s;
  cfg.drop_copy.session.reconnect_interval_s = cfg.fix.reconnect_interval_s;
  cfg.drop_copy.session.data_dictionary = cfg.fix.data_dictionary;
  if (const YAML::Node n = root["drop_copy"]) {
    r.allow_keys(n, "drop_copy",
                 {"enabled", "port", "sender_comp_id", "target_comp_id", "password"});
    fix::DropCopyConfig& dc = cfg.drop_copy.session;
    cfg.drop_copy.enabled = r.boolean(n, "enabled", "drop_copy", false);
    dc.port = static_cast<int>(r.integer(n, "port", "drop_copy", dc.port, 1, 65535));
    dc.sender_comp_id = r.string(n, "sender_comp_id", "drop_copy", dc.sender_comp_id);
    dc.target_comp_id = r.string(n, "target_comp_id", "drop_copy", dc.target_comp_id);
    dc.password = r.string(n, "password", "drop_copy", "");
    if (cfg.drop_copy.enabled && dc.port == cfg.fix.port) {
      r.fail(n["port"] ? n["port"] : n, "drop_copy.port",
             "must differ from fix.port (the drop copy is a session of its own)");
    }
  }
  {
    venue::OptionFlowConfig& flow = cfg.option_flow.flow;
    flow.comp_id = cfg.drop_copy.session.target_comp_id;
    flow.client_comp_ids = {cfg.drop_copy.session.sender_comp_id};
    flow.port = cfg.drop_copy.session.port;
    flow.data_dictionary = cfg.fix.data_dictionary;
    for (const InstrumentSpec& spec : cfg.engine.instruments) {
      if (spec.kind == InstrumentKind::kOption) flow.symbols.push_back(spec.symbol);
    }
  }
  if (const YAML::Node n = root["option_flow"]) {
    r.allow_keys(n, "option_flow",
                 {"enabled", "trades_per_second", "min_qty", "max_qty", "desk_buy_share", "seed",
                  "symbols"});
    venue::OptionFlowConfig& flow = cfg.option_flow.flow;
    cfg.option_flow.enabled = r.boolean(n, "enabled", "option_flow", false);
    flow.trades_per_second =
        r.number(n, "trades_per_second", "option_flow", flow.trades_per_second, 0.0, 10'000.0);
    flow.min_qty = r.integer(n, "min_qty", "option_flow", flow.min_qty, 1, 1'000'000);
    flow.max_qty = r.integer(n, "max_qty", "option_flow", flow.max_qty, 1, 1'000'000);
    if (flow.max_qty < flow.min_qty) {
      r.fail(n["max_qty"] ? n["max_qty"] : n, "option_flow.max_qty", "must be >= min_qty");
    }
    flow.desk_buy_share =
        r.number(n, "desk_buy_share", "option_flow", flow.desk_buy_share, 0.0, 1.0);
    flow.seed = static_cast<std::uint64_t>(r.integer(n, "seed", "option_flow", 7, 0, INT64_MAX));
    if (const YAML::Node list = n["symbols"]) {
      if (!list.IsSequence()) r.fail(list, "option_flow.symbols", "expected a list of symbols");
      std::vector<std::string> symbols;
      for (const YAML::Node& item : list) {
        const std::string symbol = item.IsScalar() ? item.Scalar() : "";
        const bool option =
            std::any_of(cfg.engine.instruments.begin(), cfg.engine.instruments.end(),
                        [&](const InstrumentSpec& spec) {
                          return spec.kind == InstrumentKind::kOption && spec.symbol == symbol;
                        });
        if (!option) {
          r.fail(item, "option_flow.symbols",
                 "'" + symbol + "' is not an option of the book (see the book's symbols)");
        }
        symbols.push_back(symbol);
      }
      flow.symbols = std::move(symbols);
    }
  }

  if (const YAML::Node n = root["metrics"]) {
    r.allow_keys(n, "metrics", {"enabled", "listen"});
    cfg.metrics.enabled = r.boolean(n, "enabled", "metrics", true);
    cfg.metrics.listen = r.string(n, "listen", "metrics", cfg.metrics.listen);
    if (cfg.metrics.listen.rfind(':') == std::string::npos) {
      r.fail(n["listen"], "metrics.listen", "expected host:port, e.g. 127.0.0.1:9464");
    }
  }

  if (const YAML::Node n = root["journal"]) {
    r.allow_keys(
        n, "journal",
        {"enabled", "dir", "commit_interval", "segment_size", "snapshot_interval", "write_ahead"});
    cfg.journal.write_ahead = r.boolean(n, "write_ahead", "journal", cfg.journal.write_ahead);
    cfg.journal.enabled = r.boolean(n, "enabled", "journal", false);
    cfg.journal.dir = r.string(n, "dir", "journal", "");
    if (cfg.journal.enabled && cfg.journal.dir.empty()) {
      r.fail(n, "journal.dir", "an enabled journal needs a directory");
    }
    if (!cfg.journal.dir.empty() && !std::filesystem::path(cfg.journal.dir).is_absolute()) {
      cfg.journal.dir =
          (std::filesystem::path(base_dir) / cfg.journal.dir).lexically_normal().string();
    }
    cfg.journal.commit_interval_ns = r.duration(n, "commit_interval", "journal",
                                                cfg.journal.commit_interval_ns, 0, kNanosPerSecond);
    cfg.journal.snapshot_interval_ns =
        r.duration(n, "snapshot_interval", "journal", cfg.journal.snapshot_interval_ns, 0,
                   86400 * kNanosPerSecond);
    if (const YAML::Node size = n["segment_size"]) {
      cfg.journal.segment_size_bytes = parse_log_file_size(r, size, "journal.segment_size");
      if (cfg.journal.segment_size_bytes < 64 * 1024) {
        r.fail(size, "journal.segment_size", "must be at least 64KiB");
      }
    }
  }

  // Persisted FIX sequence numbers only make sense against a venue that keeps its own across
  // our restarts; the embedded one starts again with the daemon.
  if (persist_sequences) {
    const YAML::Node where = root["fix"]["persist_sequences"];
    if (cfg.venue.embedded) {
      r.fail(where, "fix.persist_sequences",
             "the embedded venue starts again with the daemon and forgets its sequence numbers; "
             "use it with venue.embedded: false (e.g. against `hedged venue`)");
    } else if (!fix_store_dir.empty()) {
      cfg.fix.store_dir = fix_store_dir;
    } else if (!cfg.journal.dir.empty()) {
      cfg.fix.store_dir = (std::filesystem::path(cfg.journal.dir) / "fix").string();
    } else {
      r.fail(where, "fix.persist_sequences", "needs fix.store_dir or journal.dir for its files");
    }
  }

  if (const YAML::Node n = root["admin"]) {
    r.allow_keys(n, "admin", {"enabled", "listen", "token_file", "ready_max_quote_age"});
    cfg.admin.enabled = r.boolean(n, "enabled", "admin", true);
    cfg.admin.listen = r.string(n, "listen", "admin", cfg.admin.listen);
    if (cfg.admin.listen.rfind(':') == std::string::npos) {
      r.fail(n["listen"], "admin.listen", "expected host:port, e.g. 127.0.0.1:8080");
    }
    cfg.admin.token_file = r.string(n, "token_file", "admin", "");
    if (!cfg.admin.token_file.empty() &&
        !std::filesystem::path(cfg.admin.token_file).is_absolute()) {
      cfg.admin.token_file =
          (std::filesystem::path(base_dir) / cfg.admin.token_file).lexically_normal().string();
    }
    cfg.admin.ready_max_quote_age_ns =
        r.duration(n, "ready_max_quote_age", "admin", cfg.admin.ready_max_quote_age_ns,
                   10 * kNanosPerMilli, 3600 * kNanosPerSecond);
  }

  if (const YAML::Node n = root["logging"]) {
    r.allow_keys(n, "logging", {"level", "file", "format", "max_size", "max_files"});
    cfg.logging.level =
        r.one_of(n, "level", "logging", "info", {"trace", "debug", "info", "warn", "error"});
    cfg.logging.file = r.string(n, "file", "logging", "");
    cfg.logging.format = r.one_of(n, "format", "logging", "text", {"text", "json"});
    if (const YAML::Node size = n["max_size"]) {
      cfg.logging.max_size_bytes = parse_log_file_size(r, size, "logging.max_size");
    }
    cfg.logging.max_files = static_cast<int>(
        r.integer(n, "max_files", "logging", cfg.logging.max_files, 1, kMaxLogFiles));
    if (!cfg.logging.file.empty() && !std::filesystem::path(cfg.logging.file).is_absolute()) {
      cfg.logging.file =
          (std::filesystem::path(base_dir) / cfg.logging.file).lexically_normal().string();
    }
  }

  if (const YAML::Node n = root["risk"]) {
    r.allow_keys(n, "risk", {"limits_file", "watch_interval"});
    cfg.risk.limits_file = r.string(n, "limits_file", "risk", "");
    cfg.risk.watch_interval_ns = r.duration(n, "watch_interval", "risk", cfg.risk.watch_interval_ns,
                                            10 * kNanosPerMilli, 3600 * kNanosPerSecond);
    if (!cfg.risk.limits_file.empty() &&
        !std::filesystem::path(cfg.risk.limits_file).is_absolute()) {
      cfg.risk.limits_file =
          (std::filesystem::path(base_dir) / cfg.risk.limits_file).lexically_normal().string();
    }
  }

  if (const std::string problem = validate(cfg.engine); !problem.empty()) {
    r.fail(root, "", problem);
  }
  // The limits file is part of the configuration: an error in it fails the load, and names the
  // limits file's own line and column.
  if (cfg.risk.limits_file.empty()) {
    cfg.limits = default_limits(cfg.engine);
  } else {
    if (!std::filesystem::is_regular_file(cfg.risk.limits_file)) {
      r.fail(root["risk"]["limits_file"], "risk.limits_file",
             "not a readable file: " + cfg.risk.limits_file);
    }
    LimitsLoadResult limits = load_limits_file(cfg.risk.limits_file, &cfg.engine);
    if (!limits.limits) throw ConfigError(limits.error);
    cfg.limits = std::move(*limits.limits);
  }
  cfg.engine.limits = cfg.limits.limits;
  if (const std::string problem = validate(cfg.engine); !problem.empty()) {
    r.fail(root["risk"] ? root["risk"] : root, "risk.limits_file", problem);
  }
  return cfg;
}

LoadResult load(const std::function<YAML::Node()>& read, const std::string& name,
                const std::string& base_dir, TimeNs now) {
  LoadResult result;
  const Reader reader(name);
  result.error =
      capture_load_error(name, [&] { result.config = parse(read(), reader, name, base_dir, now); });
  return result;
}

}  // namespace

std::string format_duration(TimeNs ns) {
  struct Unit {
    TimeNs scale;
    const char* name;
  };
  constexpr Unit kUnits[] = {{86400 * kNanosPerSecond, "d"}, {3600 * kNanosPerSecond, "h"},
                             {60 * kNanosPerSecond, "m"},    {kNanosPerSecond, "s"},
                             {kNanosPerMilli, "ms"},         {1000, "us"}};
  if (ns == 0) return "0s";
  for (const Unit& unit : kUnits) {
    if (ns % unit.scale == 0) return std::to_string(ns / unit.scale) + unit.name;
  }
  return std::to_string(ns) + "ns";
}

std::string closest_key(std::string_view word, const std::vector<std::string_view>& candidates) {
  // Levenshtein distance, one row at a time; keys are short.
  const auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t d = distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(candidate);
    }
  }
  return best;
}

std::optional<TimeNs> parse_duration(const std::string& text) {
  double value = 0.0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr == end || !std::isfinite(value)) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  double scale = 0.0;
  if (unit == "ns")
    scale = 1.0;
  else if (unit == "us")
    scale = 1e3;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else if (unit == "d")
    scale = 86400e9;
  else
    return std::nullopt;
  const double ns = value * scale;
  if (ns > 9.2e18 || ns < -9.2e18) return std::nullopt;
  return static_cast<TimeNs>(std::llround(ns));
}

FileKindResult detect_file_kind(const std::string& path) {
  FileKindResult result;
  YAML::Node root;
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    result.error = path + ": not a regular file";
    return result;
  }
  result.error = capture_load_error(path, [&] { root = load_yaml_file(path); });
  if (!result.error.empty()) return result;
  if (!root.IsMap()) {
    result.error = path + ":1:1: expected a mapping of keys at the top level";
    return result;
  }
  // `underlyings` is a list in a main config and a mapping in a limits file; `breakers` exists
  // only in limits files; `fix`, `market_data` and friends only in main configs.
  bool main_keys = false;
  bool limits_keys = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == "underlyings") {
      (it->second.IsSequence() ? main_keys : limits_keys) = true;
    } else if (key == "breakers") {
      limits_keys = true;
    } else if (key == "engine" || key == "market_data" || key == "fix" || key == "venue" ||
               key == "metrics" || key == "logging" || key == "risk") {
      main_keys = true;
    }
  }
  if (main_keys == limits_keys) {
    result.error = path +
                   ":1:1: cannot tell whether this is a main config (with an 'underlyings' "
                   "list) or a limits file (with 'breakers' or an 'underlyings' mapping)";
    return result;
  }
  result.kind = main_keys ? FileKind::kMainConfig : FileKind::kLimits;
  return result;
}

LoadResult load_file(const std::string& path, TimeNs now) {
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    return {std::nullopt, path + ": not a regular file"};
  }
  const std::string base = std::filesystem::path(path).parent_path().string();
  return load([&] { return load_yaml_file(path); }, path, base.empty() ? "." : base, now);
}

LoadResult load_text(const std::string& text, const std::string& name, const std::string& base_dir,
                     TimeNs now) {
  return load([&] { return load_yaml_text(text, name); }, name, base_dir, now);
}

}  // namespace hedged::config
