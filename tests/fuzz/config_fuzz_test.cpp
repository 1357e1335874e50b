// A seeded mutation fuzzer (no libFuzzer: it builds with g++) over the YAML loaders: the limits
// loader with and without an engine, the main-config loader and detect_file_kind. Inputs are
// valid files mutated a few times; each must either load with sane values or be rejected with
// "name:LINE:COL: message". HEDGED_FUZZ_INPUTS sets the count (default 3000: a few seconds in
// CI; `make fuzz` runs 100000 under ASan+UBSan), HEDGED_FUZZ_SEED the seed. Deterministic for
// a seed: input i depends only on the seed and i.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/risk/limits.hpp"
#include "core/risk/monitor.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/limits.hpp"

#ifndef HEDGED_SOURCE_DIR
#error "HEDGED_SOURCE_DIR must name the project root"
#endif

namespace {

using hedged::EngineConfig;
using hedged::TimeNs;
using hedged::config::LimitsConfig;
using hedged::config::LimitsLoadResult;

constexpr TimeNs kSecond = 1'000'000'000;
constexpr TimeNs kMaxDuration = 365LL * 86'400 * kSecond;  // the loaders' duration ceiling
// 2026-01-15T12:00:00Z: "now" for relative expiries.
constexpr TimeNs kNow = 1'768'478'400LL * kSecond;
constexpr std::uint64_t kDefaultSeed = 20260115;
constexpr long kDefaultInputs = 3000;
constexpr const char* kName = "fuzz.yaml";

// Mutation bounds. yaml-cpp parses recursively (one stack frame chain per nesting level of "["
// or "{"), so thousands of inserted brackets would measure yaml-cpp's stack rather than our
// loaders. Each input applies at most kMaxMutations mutations and a token insertion repeats at
// most kMaxRepeat times, so a few dozen brackets at most are added to a seed (whose own nesting
// is 3 at most); mutants are never fed back as seeds, and no input grows beyond kMaxInputBytes.
constexpr std::size_t kMaxMutations = 4;
constexpr std::size_t kMaxRepeat = 8;
constexpr std::size_t kMaxInputBytes = 64 * 1024;

std::string config_dir() {
  return std::string(HEDGED_SOURCE_DIR) + "/config";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// splitmix64: small, fast and the same on every platform (unlike std distributions).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }

 private:
  std::uint64_t state_;
};

// --- Seeds ----------------------------------------------------------------------------------

// A limits file naming every breaker and every pre-trade key.
const char* const kLimitsSeed = R"(book:
  delta_shares: {soft: 100, hard: 200}
  daily_loss_currency: {soft: 1000, hard: 5000}
underlyings:
  default:
    theta_per_day: {soft: 5, hard: 9}
    pre_trade:
      max_order_qty_units: 500
      max_order_notional: 25000.5
      price_band_pct: 1.5
      price_band_ticks: 20
      max_orders_per_second: 10
      max_order_burst: 2
      max_cancels_per_second: 10
      max_cancel_burst: 1
      max_working_orders: 8
      max_position_units: 9000
  SIM:
    delta_shares: {hard: 300}
    pre_trade: {max_order_qty_units: 100}
breakers:
  stale_market_data: {timeout: 2s, action: reduce, reset: auto, cooldown: 1s, hysteresis_pct: 5}
  reject_storm: {max_rejects: 3, window: 5s, enabled: false}
  spread_blowout: {max_multiple: 4, median_window: 30s, min_samples: 10}
  price_jump: {max_move_pct: 2.5, window: 1m}
  fix_session_down: {grace: 250ms}
  kill_switch: {file: /tmp/hedged-fuzz-halt.flag}
  hard_limit: {action: halt, reset: manual}
)";

// The same kind of content in flow style, with an anchor and an alias.
const char* const kFlowLimitsSeed =
    "{book: {vega_per_vol_point: &v {soft: 10, hard: 20}, theta_per_day: *v},\n"
    " underlyings: {default: {pre_trade: {max_order_burst: 3, price_band_pct: 2}},\n"
    "               ABC: {gamma_notional_per_pct: {soft: 1, hard: 1}}},\n"
    " breakers: {reject_storm: {max_rejects: 1024}}}\n";

// A small main config: two underlyings, a dated expiry, the shipped limits file.
const char* const kMainSeed = R"(engine:
  idle_strategy: spin
  max_working_orders: 32
underlyings:
  - symbol: SIM
    lot_size: 1
    hedge: {band_delta_shares: 50, order_timeout: 1s}
  - symbol: ABC
    tick_size: 0.05
    simulator: {initial_spot: 40, vol: 0.3}
  - symbol: IDX
    hedge: {instrument: future, future: {symbol: IDX-F, multiplier: 50, expiry: 90d}}
book:
  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: -10}
  - {underlying: ABC, right: put, strike: 35.5, expiry: 2027-03-19, quantity: 4, style: american}
risk:
  limits_file: limits.yaml
  watch_interval: 100ms
)";

// A main config with no limits file (built-in limits).
const char* const kSmallMainSeed = R"(underlyings:
  - symbol: SIM
book:
  - {underlying: SIM, right: put, strike: 90, expiry: 7d, quantity: 1}
logging: {level: debug}
)";

std::vector<std::string> seeds() {
  std::vector<std::string> out = {read_file(config_dir() + "/limits.yaml"),
                                  read_file(config_dir() + "/default.yaml"),
                                  kLimitsSeed,
                                  kFlowLimitsSeed,
                                  kMainSeed,
                                  kSmallMainSeed};
  for (const std::string& s : out) EXPECT_FALSE(s.empty()) << "a seed file is missing";
  return out;
}

// --- Mutations ------------------------------------------------------------------------------

const std::vector<std::string_view> kTokens = {
    ":",
    "-",
    "{",
    "}",
    "[",
    "]",
    "\n",
    "  ",
    "#",
    "&a",
    "*a",
    "!!str",
    "~",
    "1e999",
    "-1",
    "nan",
    ",",
    "? ",
    "'",
    "\"",
    "|",
    ">",
    "\t",
    "---\n",
    "...\n",
    "<<: *a",
    ".inf",
    "-.inf",
    "0x1F",
    "1_000",
    "123456789012345678901234567890123456789",
    "0.000000000000000000000000000000000000000000000000000000000000000000000000000001"};

// Replacements for a whole value.
const std::vector<std::string_view> kValues = {
    "~",
    "''",
    "-1",
    "0",
    "1",
    "0.5",
    "1e999",
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "[]",
    "{}",
    "[1, 2]",
    "{soft: 1}",
    "!!str 5",
    "*a",
    "&a 5",
    "true",
    "yes",
    "halt",
    "auto",
    "5s",
    "0s",
    "-5s",
    "1e30s",
    "9999999999999999999",
    "128",
    "129",
    "1024",
    "1025",
    "99",
    "100",
    "2e15",
    "1e15",
    "\"\\x00\"",
    "2027-02-30",
    "0d",
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};

// Keys a rename may pick: every key of both files plus a few that are not keys at all.
const std::vector<std::string_view> kKeys = {"book",
                                             "underlyings",
                                             "breakers",
                                             "default",
                                             "delta_shares",
                                             "delta_notional",
                                             "gamma_notional_per_pct",
                                             "vega_per_vol_point",
                                             "theta_per_day",
                                             "hedge_position_units",
                                             "daily_loss_currency",
                                             "soft",
                                             "hard",
                                             "pre_trade",
                                             "max_order_qty_units",
                                             "max_order_notional",
                                             "price_band_pct",
                                             "price_band_ticks",
                                             "max_orders_per_second",
                                             "max_order_burst",
                                             "max_cancels_per_second",
                                             "max_cancel_burst",
                                             "max_working_orders",
                                             "max_position_units",
                                             "stale_market_data",
                                             "reject_storm",
                                             "spread_blowout",
                                             "price_jump",
                                             "fix_session_down",
                                             "kill_switch",
                                             "hard_limit",
                                             "enabled",
                                             "action",
                                             "reset",
                                             "cooldown",
                                             "hysteresis_pct",
                                             "timeout",
                                             "max_rejects",
                                             "window",
                                             "max_multiple",
                                             "median_window",
                                             "min_samples",
                                             "max_move_pct",
                                             "grace",
                                             "file",
                                             "engine",
                                             "market_data",
                                             "fix",
                                             "venue",
                                             "metrics",
                                             "logging",
                                             "risk",
                                             "limits_file",
                                             "limits",
                                             "symbol",
                                             "lot_size",
                                             "expiry",
                                             "SIM",
                                             "ABC",
                                             "ZZZ",
                                             "<<",
                                             ""};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l;
  return out;
}

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Start and length of every "identifier:" key in the text.
std::vector<std::pair<std::size_t, std::size_t>> key_spans(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != ':' || i == 0 || !is_key_char(text[i - 1])) continue;
    std::size_t start = i;
    while (start > 0 && is_key_char(text[start - 1])) --start;
    spans.emplace_back(start, i - start);
  }
  return spans;
}

// Start and length of every value after "key: " up to a separator.
std::vector<std::pair<std::size_t, std::size_t>> value_spans(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] != ':' || text[i + 1] != ' ') continue;
    const std::size_t start = i + 2;
    std::size_t end = start;
    while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != '\n' &&
           text[end] != '#') {
      ++end;
    }
    while (end > start && text[end - 1] == ' ') --end;
    if (end > start) spans.emplace_back(start, end - start);
  }
  return spans;
}

// Start and length of every unsigned decimal number (digits with at most one '.').
std::vector<std::pair<std::size_t, std::size_t>> number_spans(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0 ||
        (i > 0 && (is_key_char(text[i - 1]) || text[i - 1] == '.'))) {
      continue;
    }
    std::size_t end = i;
    bool dot = false;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) != 0 ||
                                 (text[end] == '.' && !dot))) {
      dot = dot || text[end] == '.';
      ++end;
    }
    spans.emplace_back(i, end - i);
    i = end;
  }
  return spans;
}

// A number near `value`: mostly still valid, sometimes just across a range edge.
std::string tweak_number(double value, Rng& rng) {
  char out[64];
  switch (rng.below(8)) {
    case 0: return "0";
    case 1: std::snprintf(out, sizeof out, "%.17g", value * 2); break;
    case 2: std::snprintf(out, sizeof out, "%.17g", value / 2); break;
    case 3: std::snprintf(out, sizeof out, "%.17g", value + 1); break;
    case 4: std::snprintf(out, sizeof out, "%.17g", -value); break;
    case 5: std::snprintf(out, sizeof out, "%.17g", value * 1000); break;
    case 6: std::snprintf(out, sizeof out, "%.17g", value + 0.5); break;
    default: std::snprintf(out, sizeof out, "%.17g", std::floor(value / 10)); break;
  }
  return out;
}

void mutate_once(std::string& text, Rng& rng) {
  const std::size_t pos = text.empty() ? 0 : rng.below(text.size() + 1);
  // Weighted: changes that keep the YAML well-formed (values, numbers, keys, lines) come more
  // often than byte damage, so the loaders' checks see most of the inputs, not only yaml-cpp.
  const std::size_t op = rng.below(100);
  if (op < 5) {  // flip one bit
    if (!text.empty()) text[rng.below(text.size())] ^= static_cast<char>(1u << rng.below(8));
  } else if (op < 8) {  // a random byte
    if (!text.empty()) text[rng.below(text.size())] = static_cast<char>(rng.below(256));
  } else if (op < 14) {  // delete a few bytes
    if (pos < text.size()) text.erase(pos, 1 + rng.below(8));
  } else if (op < 28) {  // insert a YAML-significant token, possibly a few times
    const std::string_view token = kTokens[rng.below(kTokens.size())];
    const std::size_t repeat = rng.chance(20) ? 1 + rng.below(kMaxRepeat) : 1;
    for (std::size_t r = 0; r < repeat; ++r) text.insert(pos, token);
  } else if (op < 33) {  // insert a digit (turns 2027 into 20927, 5 into 59)
    text.insert(pos, 1, static_cast<char>('0' + rng.below(10)));
  } else if (op < 39) {  // duplicate a line
    auto lines = split_lines(text);
    if (lines.empty()) return;
    std::string copy = lines[rng.below(lines.size())];
    if (copy.empty() || copy.back() != '\n') copy += '\n';
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(rng.below(lines.size() + 1)), copy);
    text = join_lines(lines);
  } else if (op < 44) {  // swap two lines
    auto lines = split_lines(text);
    if (lines.size() < 2) return;
    if (!lines.back().empty() && lines.back().back() != '\n') lines.back() += '\n';
    std::swap(lines[rng.below(lines.size())], lines[rng.below(lines.size())]);
    text = join_lines(lines);
  } else if (op < 47) {  // truncate the tail
    text.resize(rng.below(text.size() + 1));
  } else if (op < 58) {  // rename a key: to another key or a typo of itself
    const auto spans = key_spans(text);
    if (spans.empty()) return;
    const auto [start, length] = spans[rng.below(spans.size())];
    std::string key = text.substr(start, length);
    if (rng.chance(50)) {
      key = std::string(kKeys[rng.below(kKeys.size())]);
    } else if (!key.empty()) {
      const std::size_t at = rng.below(key.size());
      switch (rng.below(3)) {
        case 0: key.erase(at, 1); break;
        case 1: key.insert(at, 1, key[at]); break;
        default:
          if (at + 1 < key.size()) std::swap(key[at], key[at + 1]);
      }
    }
    text.replace(start, length, key);
  } else if (op < 78) {  // replace a value
    const auto spans = value_spans(text);
    if (spans.empty()) return;
    const auto [start, length] = spans[rng.below(spans.size())];
    text.replace(start, length, kValues[rng.below(kValues.size())]);
  } else {  // move a number: often still valid, sometimes just out of range
    const auto spans = number_spans(text);
    if (spans.empty()) return;
    const auto [start, length] = spans[rng.below(spans.size())];
    text.replace(start, length, tweak_number(std::strtod(text.c_str() + start, nullptr), rng));
  }
  if (text.size() > kMaxInputBytes) text.resize(kMaxInputBytes);
}

// --- Checks ---------------------------------------------------------------------------------

// "name:LINE:COL: message" with positive LINE and COL and a non-empty message.
bool has_position(const std::string& error, const std::string& name) {
  if (error.rfind(name + ":", 0) != 0) return false;
  std::size_t i = name.size() + 1;
  for (int field = 0; field < 2; ++field) {
    const std::size_t digits_start = i;
    while (i < error.size() && std::isdigit(static_cast<unsigned char>(error[i])) != 0) ++i;
    if (i == digits_start || i >= error.size() || error[i] != ':') return false;
    if (std::strtol(error.c_str() + digits_start, nullptr, 10) < 1) return false;
    ++i;
  }
  return error.size() > i + 1 && error[i] == ' ';
}

// The main loader passes an error of its limits file through as it is: that file's own
// "path:LINE:COL: message", or "path: cannot open the file". The path is absolute here, as
// the base folder is.
bool main_error_shape(const std::string& error) {
  if (has_position(error, kName)) return true;
  if (error.empty() || error[0] != '/') return false;
  const std::string kCannotOpen = ": cannot open the file";
  if (error.size() > kCannotOpen.size() &&
      error.compare(error.size() - kCannotOpen.size(), kCannotOpen.size(), kCannotOpen) == 0) {
    return true;
  }
  // "/abs/path:LINE:COL: ..." where the path itself may hold colons: try each split.
  for (std::size_t colon = error.find(':'); colon != std::string::npos;
       colon = error.find(':', colon + 1)) {
    if (has_position(error, error.substr(0, colon))) return true;
  }
  return false;
}

// Every invariant a loaded limit set must hold (README "Limits reference").
void check_limits(const LimitsConfig& config, const EngineConfig* engine,
                  std::vector<std::string>& problems) {
  namespace risk = hedged::risk;
  const risk::RiskLimits& l = config.limits;
  const auto amount = [&](double v, const std::string& what) {
    if (!std::isfinite(v) || v < 0.0 || v > 1e15) {
      problems.push_back(what + " = " + std::to_string(v) + " is not a finite amount >= 0");
    }
  };
  const auto exposure = [&](const risk::ExposureLimits& e, const std::string& scope) {
    for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
      const std::string what = scope + "." + risk::key(static_cast<risk::Measure>(m));
      amount(e.by_measure[m].soft, what + ".soft");
      amount(e.by_measure[m].hard, what + ".hard");
      if (e.by_measure[m].soft > 0.0 && e.by_measure[m].hard > 0.0 &&
          e.by_measure[m].soft > e.by_measure[m].hard) {
        problems.push_back(what + ": soft above hard");
      }
    }
  };
  const auto in_range = [&](double v, double lo, double hi, const std::string& what) {
    if (!(v >= lo && v <= hi))
      problems.push_back(what + " = " + std::to_string(v) + " out of range");
  };
  exposure(l.book, "book");
  for (std::size_t u = 0; u < hedged::kMaxUnderlyings; ++u) {
    const std::string scope = "underlying[" + std::to_string(u) + "]";
    exposure(l.underlying[u], scope);
    const risk::PreTradeLimits& p = l.pre_trade[u];
    in_range(static_cast<double>(p.max_order_qty), 0, 9.3e18, scope + ".max_order_qty");
    amount(p.max_order_notional, scope + ".max_order_notional");
    in_range(p.price_band_pct, 0, 100, scope + ".price_band_pct");
    in_range(static_cast<double>(p.price_band_ticks), 0, 1e9, scope + ".price_band_ticks");
    in_range(p.max_orders_per_second, 0, 1e6, scope + ".max_orders_per_second");
    in_range(p.max_cancels_per_second, 0, 1e6, scope + ".max_cancels_per_second");
    for (const double burst : {p.order_burst, p.cancel_burst}) {
      if (!(burst == 0.0 || (burst >= 1.0 && burst <= 1e6))) {
        problems.push_back(scope + ": burst " + std::to_string(burst) + " is neither 0 nor >= 1");
      }
    }
    in_range(p.max_working_orders, 0, 4096, scope + ".max_working_orders");
    in_range(static_cast<double>(p.max_position), 0, 9.3e18, scope + ".max_position");
  }
  const risk::BreakerSettings& b = l.breakers;
  for (std::size_t k = 0; k < risk::kBreakerCount; ++k) {
    const std::string what = std::string("breakers.") + risk::key(static_cast<risk::Breaker>(k));
    in_range(b.policy[k].hysteresis_pct, 0, 99, what + ".hysteresis_pct");
    in_range(static_cast<double>(b.policy[k].cooldown_ns), 0, kMaxDuration, what + ".cooldown");
  }
  const auto duration = [&](TimeNs v, TimeNs lo, const std::string& what) {
    in_range(static_cast<double>(v), static_cast<double>(lo), kMaxDuration, what);
  };
  duration(b.stale_timeout_ns, 1'000'000, "stale timeout");
  in_range(b.reject_storm_rejects, 1, risk::kMaxRejectStorm, "reject_storm.max_rejects");
  duration(b.reject_storm_window_ns, 1'000'000, "reject_storm.window");
  in_range(b.spread_max_multiple, 1, 1e6, "spread_blowout.max_multiple");
  duration(b.spread_median_window_ns, kSecond, "spread_blowout.median_window");
  in_range(b.spread_min_samples, 1, risk::RiskMonitor::kSamples, "spread_blowout.min_samples");
  in_range(b.price_jump_pct, 1e-6, 100, "price_jump.max_move_pct");
  duration(b.price_jump_window_ns, kSecond, "price_jump.window");
  duration(b.session_down_grace_ns, 0, "fix_session_down.grace");
  if (!config.kill_switch_file.empty() &&
      !std::filesystem::path(config.kill_switch_file).is_absolute()) {
    problems.push_back("kill switch file '" + config.kill_switch_file + "' is not absolute");
  }
  if (engine != nullptr) {
    for (std::size_t u = 0; u < engine->underlyings.size(); ++u) {
      const std::int64_t lot =
          engine->instruments[engine->underlyings[u].hedge_instrument].lot_size;
      const std::int64_t qty = l.pre_trade[u].max_order_qty;
      if (qty > 0 && qty < lot) problems.push_back("max_order_qty below one lot");
    }
    for (const std::string& name : config.named_underlyings) {
      bool known = false;
      for (const auto& u : engine->underlyings) known = known || u.name == name;
      if (!known) problems.push_back("named underlying '" + name + "' is not in the engine");
    }
  }
}

// --- A crash's last word --------------------------------------------------------------------

// Each input is written to a file before it is loaded, so a sanitizer report that ends the
// process leaves the input behind (the loop prints where). When the report aborts (ASan with
// abort_on_error=1, as the asan test preset sets) this handler also names the input's index.
// UBSan runs in its own runtime with g++ and exits without a signal unless UBSAN_OPTIONS has
// abort_on_error=1. Only async-signal-safe calls here: write(2) of prepared text.
char g_crash_message[512] = "fuzz: crashed\n";
std::size_t g_crash_message_length = 14;
volatile std::sig_atomic_t g_current_index = 0;

void on_abort(int /*signal*/) {
  if (g_current_index < 0) {  // after the loop: most likely LeakSanitizer at exit
    constexpr char kAfter[] = "\nfuzz: aborted after the last input (a leak report at exit?)\n";
    [[maybe_unused]] const ssize_t a = ::write(2, kAfter, sizeof kAfter - 1);
  } else {
    char index[24];
    std::size_t n = 0;
    auto v = static_cast<unsigned long>(g_current_index);
    do {
      index[sizeof index - 1 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < sizeof index);
    [[maybe_unused]] const ssize_t a = ::write(2, "\nfuzz: crashed on input ", 24);
    [[maybe_unused]] const ssize_t b = ::write(2, index + sizeof index - n, n);
    [[maybe_unused]] const ssize_t c = ::write(2, g_crash_message, g_crash_message_length);
  }
  std::signal(SIGABRT, SIG_DFL);
}

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0') {
    ADD_FAILURE() << name << "='" << value << "' is not a whole number";
    return fallback;
  }
  return parsed;
}

// --- The loop -------------------------------------------------------------------------------

TEST(ConfigFuzz, mutated_inputs_load_sanely_or_fail_with_a_positioned_error) {
  const std::uint64_t seed = env_u64("HEDGED_FUZZ_SEED", kDefaultSeed);
  const std::uint64_t inputs = env_u64("HEDGED_FUZZ_INPUTS", kDefaultInputs);
  ASSERT_GT(inputs, 0u);

  const std::vector<std::string> corpus = seeds();
  ASSERT_FALSE(HasFailure());
  // Engines the limits resolve against: the shipped one (SIM, IDX hedged in IDX-F) and
  // kMainSeed's (SIM, ABC and IDX).
  const hedged::config::LoadResult shipped =
      hedged::config::load_file(config_dir() + "/default.yaml", kNow);
  ASSERT_TRUE(shipped.config.has_value()) << shipped.error;
  const hedged::config::LoadResult small =
      hedged::config::load_text(kMainSeed, kName, config_dir(), kNow);
  ASSERT_TRUE(small.config.has_value()) << small.error;
  // Every seed must be valid, or the fuzzer would start from rejected inputs.
  for (const std::string& s : corpus) {
    const bool limits_ok =
        hedged::config::load_limits_text(s, kName, config_dir(), nullptr).limits.has_value();
    const bool main_ok = hedged::config::load_text(s, kName, config_dir(), kNow).config.has_value();
    EXPECT_TRUE(limits_ok || main_ok) << "seed is not valid:\n" << s;
  }

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hedged-config-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "input.yaml").string();
  g_crash_message_length = static_cast<std::size_t>(
      std::snprintf(g_crash_message, sizeof g_crash_message, " (seed %llu); its text is in %s\n",
                    static_cast<unsigned long long>(seed), file.c_str()));
  g_crash_message_length = std::min(g_crash_message_length, sizeof g_crash_message - 1);
  std::signal(SIGABRT, on_abort);
  std::printf(
      "fuzz: %llu inputs, seed %llu; each input is written to %s before it is loaded, "
      "so after a crash that file holds the input that caused it\n",
      static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(seed), file.c_str());
  std::fflush(stdout);

  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t limits_alone_ok = 0;
  std::uint64_t limits_engine_ok = 0;
  std::uint64_t main_ok = 0;
  int reported = 0;
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t next_progress = 1;

  for (std::uint64_t i = 0; i < inputs; ++i) {
    Rng rng(seed ^ (0xA24BAED4963EE407ULL * (i + 1)));
    std::string text = corpus[rng.below(corpus.size())];
    // 1 mutation half the time, 2 a quarter, 3 or 4 the rest.
    const std::size_t roll = rng.below(8);
    const std::size_t mutations = roll < 4 ? 1 : roll < 6 ? 2 : roll < 7 ? 3 : kMaxMutations;
    for (std::size_t m = 0; m < mutations; ++m) mutate_once(text, rng);
    g_current_index = static_cast<std::sig_atomic_t>(i);
    const EngineConfig& engine = (i % 2 == 0) ? shipped.config->engine : small.config->engine;

    std::vector<std::string> problems;
    bool any_ok = false;
    try {
      {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << text;
      }
      const auto kind = hedged::config::detect_file_kind(file);
      if (kind.kind == hedged::config::FileKind::kUnknown) {
        if (!has_position(kind.error, file)) problems.push_back("detect: bad error: " + kind.error);
      } else if (!kind.error.empty()) {
        problems.push_back("detect: a kind and an error: " + kind.error);
      }

      const LimitsLoadResult alone =
          hedged::config::load_limits_text(text, kName, config_dir(), nullptr);
      const LimitsLoadResult with_engine =
          hedged::config::load_limits_text(text, kName, config_dir(), &engine);
      for (const LimitsLoadResult* r : {&alone, &with_engine}) {
        const std::string which = r == &alone ? "limits alone" : "limits with engine";
        if (r->limits) {
          if (!r->error.empty()) problems.push_back(which + ": limits and an error: " + r->error);
          check_limits(*r->limits, r == &alone ? nullptr : &engine, problems);
          if (kind.kind == hedged::config::FileKind::kMainConfig) {
            problems.push_back(which + ": loaded a file detected as a main config");
          }
        } else if (!has_position(r->error, kName)) {
          problems.push_back(which + ": bad error: '" + r->error + "'");
        }
      }
      // Matching against an engine only adds checks.
      if (with_engine.limits && !alone.limits) {
        problems.push_back("accepted with an engine but rejected alone: " + alone.error);
      }
      limits_alone_ok += alone.limits ? 1 : 0;
      limits_engine_ok += with_engine.limits ? 1 : 0;

      const hedged::config::LoadResult main =
          hedged::config::load_text(text, kName, config_dir(), kNow);
      if (main.config) {
        ++main_ok;
        if (!main.error.empty()) problems.push_back("main: config and an error: " + main.error);
        const auto& cfg = *main.config;
        check_limits(cfg.limits, &cfg.engine, problems);
        const std::vector<std::string> names(hedged::kMaxUnderlyings, "u");
        if (!hedged::config::diff(
                 cfg.limits, LimitsConfig{"", cfg.engine.limits, cfg.limits.kill_switch_file, {}},
                 names)
                 .empty()) {
          problems.push_back("main: engine limits differ from the loaded limits");
        }
        if (!hedged::validate(cfg.engine).empty()) {
          problems.push_back("main: invalid engine: " + hedged::validate(cfg.engine));
        }
        for (const auto& spec : cfg.engine.instruments) {
          if (spec.kind == hedged::InstrumentKind::kOption && spec.expiry_ns <= kNow) {
            problems.push_back("main: option " + spec.symbol + " has expired");
          }
        }
        if (kind.kind != hedged::config::FileKind::kMainConfig) {
          problems.push_back("main: loaded a file not detected as a main config");
        }
      } else if (!main_error_shape(main.error)) {
        problems.push_back("main: bad error: '" + main.error + "'");
      }
      any_ok = alone.limits || with_engine.limits || main.config;
    } catch (const std::exception& e) {
      problems.push_back(std::string("exception escaped: ") + e.what());
    } catch (...) {
      problems.push_back("unknown exception escaped");
    }

    (any_ok ? accepted : rejected) += 1;
    if (!problems.empty() && reported < 10) {
      ++reported;
      std::string all;
      for (const std::string& p : problems) all += "  " + p + "\n";
      ADD_FAILURE() << "input " << i << " (seed " << seed << "):\n"
                    << all << "input text:\n"
                    << text;
    }
    if ((i + 1) * 10 >= next_progress * inputs) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::printf("fuzz: %3llu%% (%llu/%llu inputs, %llu accepted, %llu rejected, %.1f s)\n",
                  static_cast<unsigned long long>(next_progress * 10),
                  static_cast<unsigned long long>(i + 1), static_cast<unsigned long long>(inputs),
                  static_cast<unsigned long long>(accepted),
                  static_cast<unsigned long long>(rejected), seconds);
      std::fflush(stdout);
      while ((i + 1) * 10 >= next_progress * inputs) ++next_progress;
    }
  }
  g_current_index = -1;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  std::printf("fuzz: loads accepted: %llu limits alone, %llu limits with an engine, %llu main\n",
              static_cast<unsigned long long>(limits_alone_ok),
              static_cast<unsigned long long>(limits_engine_ok),
              static_cast<unsigned long long>(main_ok));
  std::printf("fuzz: %llu inputs, %llu accepted, %llu rejected, seed %llu\n",
              static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(accepted),
              static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  EXPECT_EQ(accepted + rejected, inputs);
  // A fuzzer whose mutants all fail exercises only the error paths: both sides must be hit.
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(rejected, 0u);
}

}  // namespace
