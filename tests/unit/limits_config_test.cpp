// Unit tests for the limits-file loader (daemon/config/limits_loader.cpp): the shipped
// config/limits.yaml, defaults and inheritance, every error with its file:line:column and key
// path, file-kind detection, diff(), and the main loader's handling of risk.limits_file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/risk/limits.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/limits.hpp"
#include "tests/support/test_support.hpp"

#ifndef HEDGED_SOURCE_DIR
#error "HEDGED_SOURCE_DIR must name the project root"
#endif

namespace {

using hedged::EngineConfig;
using hedged::TimeNs;
using hedged::config::detect_file_kind;
using hedged::config::diff;
using hedged::config::FileKind;
using hedged::config::flatten;
using hedged::config::LimitsConfig;
using hedged::config::LimitsLoadResult;
using hedged::config::load_limits_file;
using hedged::config::load_limits_text;
using hedged::config::LoadResult;
using hedged::risk::Breaker;
using hedged::risk::BreakerAction;
using hedged::risk::BreakerPolicy;
using hedged::risk::Measure;
using hedged::risk::ResetPolicy;
using hedged::risk::RiskLimits;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr TimeNs kMilli = 1'000'000;
constexpr TimeNs kSecond = 1'000'000'000;
// 2026-01-15T12:00:00Z, as in config_test.cpp: the instant every load treats as "now".
constexpr TimeNs kNow = 1'768'478'400LL * kSecond;

std::string config_dir() {
  return std::string(HEDGED_SOURCE_DIR) + "/config";
}

std::string normal(const std::filesystem::path& path) {
  return path.lexically_normal().string();
}

// A main config with two underlyings: SIM (lot 1) and ABC (lot 100), no limits file.
const std::string kMain = R"(underlyings:
  - symbol: SIM
  - symbol: ABC
    lot_size: 100
)";

// The engine of kMain: the underlyings a limits file resolves against.
const EngineConfig& engine() {
  static const EngineConfig config = [] {
    const LoadResult result = hedged::config::load_text(kMain, "main.yaml", config_dir(), kNow);
    EXPECT_TRUE(result.config.has_value()) << result.error;
    return result.config ? result.config->engine : EngineConfig{};
  }();
  return config;
}

// kMain with an absolute FIX dictionary (so it loads from any folder) and a limits file.
std::string main_with_limits(const std::string& limits_file) {
  return kMain + "fix:\n  data_dictionary: " + config_dir() + "/fix/FIX44.xml\n" +
         "risk:\n  limits_file: " + limits_file + "\n";
}

// A small valid limits file; error tests change one piece of it, so line numbers stay put.
const std::string kLimits = R"(book:
  delta_notional: {soft: 1000, hard: 2000}
underlyings:
  default:
    delta_shares: {soft: 100, hard: 200}
    pre_trade:
      max_order_qty_units: 500
      max_order_burst: 10
  ABC:
    vega_per_vol_point: {soft: 50, hard: 60}
breakers:
  reject_storm: {max_rejects: 5, window: 10s}
  hard_limit: {action: reduce, reset: auto, cooldown: 10s}
)";

// `text` with the only occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string text = kLimits) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "'" << from << "' is in the text twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

LimitsLoadResult load(const std::string& text, const EngineConfig* with_engine = &engine()) {
  return load_limits_text(text, "limits.yaml", "/etc/hedged", with_engine);
}

// A failed load carries no limits and an error; returns the error for matching.
std::string failure(const LimitsLoadResult& result) {
  EXPECT_FALSE(result.limits.has_value()) << "the load should have failed";
  EXPECT_FALSE(result.error.empty());
  return result.error;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The shared temporary folder, with paths as text.
class TempDir : public hedged::testing::TempDir {
 public:
  TempDir() : hedged::testing::TempDir("hedged-limits-config-test") {}
  std::string write(const std::string& name, const std::string& text) const {
    return hedged::testing::TempDir::write(name, text).string();
  }
};

void expect_limit(const hedged::risk::ExposureLimits& e, Measure m, double soft, double hard) {
  EXPECT_DOUBLE_EQ(e[m].soft, soft) << hedged::risk::key(m);
  EXPECT_DOUBLE_EQ(e[m].hard, hard) << hedged::risk::key(m);
}

void expect_policy(const BreakerPolicy& p, bool enabled, BreakerAction action, ResetPolicy reset,
                   TimeNs cooldown_ns, double hysteresis_pct) {
  EXPECT_EQ(p.enabled, enabled);
  EXPECT_EQ(p.action, action);
  EXPECT_EQ(p.reset, reset);
  EXPECT_EQ(p.cooldown_ns, cooldown_ns);
  EXPECT_DOUBLE_EQ(p.hysteresis_pct, hysteresis_pct);
}

// Every underlying slot's name, so flatten() covers the whole limit set.
std::vector<std::string> all_slots() {
  std::vector<std::string> names;
  for (std::size_t u = 0; u < hedged::kMaxUnderlyings; ++u)
    names.push_back("U" + std::to_string(u));
  return names;
}

// The settings of `config` that differ from the built-in defaults, as "key: old -> new".
std::vector<std::string> changes_from_defaults(const LimitsConfig& config) {
  LimitsConfig defaults;
  defaults.limits = hedged::risk::default_risk_limits();
  return diff(defaults, config, all_slots());
}

// --- The shipped files ----------------------------------------------------------------------

void expect_shipped_values(const LimitsConfig& l) {
  const RiskLimits& r = l.limits;
  expect_limit(r.book, Measure::kDeltaShares, 0, 0);
  expect_limit(r.book, Measure::kDeltaNotional, 5'000'000, 10'000'000);
  expect_limit(r.book, Measure::kGammaNotionalPerPct, 2'000'000, 4'000'000);
  expect_limit(r.book, Measure::kVegaPerVolPoint, 60'000, 120'000);
  expect_limit(r.book, Measure::kThetaPerDay, 40'000, 80'000);
  expect_limit(r.book, Measure::kHedgePosition, 0, 0);
  expect_limit(r.book, Measure::kDailyLoss, 250'000, 500'000);

  // SIM (index 0): the `default` section plus its own delta_notional.
  const auto& sim = r.underlying[0];
  expect_limit(sim, Measure::kDeltaShares, 5'000, 10'000);
  expect_limit(sim, Measure::kDeltaNotional, 500'000, 1'000'000);
  expect_limit(sim, Measure::kGammaNotionalPerPct, 0, 0);
  expect_limit(sim, Measure::kVegaPerVolPoint, 0, 0);
  expect_limit(sim, Measure::kThetaPerDay, 0, 0);
  expect_limit(sim, Measure::kHedgePosition, 40'000, 60'000);
  expect_limit(sim, Measure::kDailyLoss, 0, 0);

  // IDX (index 1): hedged in contracts of its future, with its own position and order limits.
  const auto& idx = r.underlying[1];
  expect_limit(idx, Measure::kDeltaShares, 5'000, 10'000);
  expect_limit(idx, Measure::kDeltaNotional, 5'000'000, 10'000'000);
  expect_limit(idx, Measure::kHedgePosition, 400, 600);
  EXPECT_EQ(r.pre_trade[1].max_order_qty, 200);
  EXPECT_DOUBLE_EQ(r.pre_trade[1].max_order_notional, 20'000'000);
  EXPECT_EQ(r.pre_trade[1].max_position, 800);

  for (std::size_t u = 0; u < hedged::kMaxUnderlyings; ++u) {
    SCOPED_TRACE("underlying slot " + std::to_string(u));
    const auto& p = r.pre_trade[u];
    if (u != 1) {
      EXPECT_EQ(p.max_order_qty, 5'000);
      EXPECT_DOUBLE_EQ(p.max_order_notional, 1'000'000);
      EXPECT_EQ(p.max_position, 80'000);
    }
    EXPECT_DOUBLE_EQ(p.price_band_pct, 2.0);
    EXPECT_EQ(p.price_band_ticks, 100);
    EXPECT_DOUBLE_EQ(p.max_orders_per_second, 20);
    EXPECT_DOUBLE_EQ(p.order_burst, 40);
    EXPECT_DOUBLE_EQ(p.max_cancels_per_second, 20);
    EXPECT_DOUBLE_EQ(p.cancel_burst, 40);
    EXPECT_EQ(p.max_working_orders, 16u);
  }
  // Slots no underlying uses hold the `default` section alone.
  expect_limit(r.underlying[2], Measure::kDeltaShares, 5'000, 10'000);
  expect_limit(r.underlying[2], Measure::kDeltaNotional, 0, 0);

  const auto& b = r.breakers;
  expect_policy(b[Breaker::kStaleData], true, BreakerAction::kHalt, ResetPolicy::kAuto, 5 * kSecond,
                10.0);
  EXPECT_EQ(b.stale_timeout_ns, 5 * kSecond);
  expect_policy(b[Breaker::kRejectStorm], true, BreakerAction::kHalt, ResetPolicy::kManual,
                30 * kSecond, 10.0);
  EXPECT_EQ(b.reject_storm_rejects, 5u);
  EXPECT_EQ(b.reject_storm_window_ns, 10 * kSecond);
  expect_policy(b[Breaker::kSpreadBlowout], true, BreakerAction::kReduce, ResetPolicy::kAuto,
                30 * kSecond, 10.0);
  EXPECT_DOUBLE_EQ(b.spread_max_multiple, 5.0);
  EXPECT_EQ(b.spread_median_window_ns, 60 * kSecond);
  EXPECT_EQ(b.spread_min_samples, 20u);
  expect_policy(b[Breaker::kPriceJump], true, BreakerAction::kHalt, ResetPolicy::kManual,
                30 * kSecond, 10.0);
  EXPECT_DOUBLE_EQ(b.price_jump_pct, 5.0);
  EXPECT_EQ(b.price_jump_window_ns, 10 * kSecond);
  EXPECT_DOUBLE_EQ(b.price_jump_long_pct, 8.0);
  EXPECT_EQ(b.price_jump_long_window_ns, 120 * kSecond);
  expect_policy(b[Breaker::kBadMarketData], true, BreakerAction::kHalt, ResetPolicy::kAuto,
                10 * kSecond, 10.0);
  EXPECT_DOUBLE_EQ(b.bad_quote_max_move_pct, 50.0);
  EXPECT_TRUE(l.limits.stress.enabled);
  EXPECT_DOUBLE_EQ(l.limits.stress.band_multiple, 4.0);
  EXPECT_DOUBLE_EQ(l.limits.stress.hard_limit_fraction, 0.8);
  EXPECT_DOUBLE_EQ(l.limits.stress.max_slippage_bps, 5.0);
  expect_policy(b[Breaker::kSessionDown], true, BreakerAction::kHalt, ResetPolicy::kAuto,
                5 * kSecond, 10.0);
  EXPECT_EQ(b.session_down_grace_ns, 0);
  expect_policy(b[Breaker::kKillSwitch], true, BreakerAction::kHalt, ResetPolicy::kManual, 0, 0.0);
  expect_policy(b[Breaker::kHardLimit], true, BreakerAction::kReduce, ResetPolicy::kAuto,
                10 * kSecond, 10.0);

  EXPECT_EQ(l.kill_switch_file, normal(std::filesystem::path(config_dir()) / "halt.flag"));
  EXPECT_THAT(l.named_underlyings, ElementsAre("SIM", "IDX"));
}

TEST(LimitsConfig, shipped_limits_load_through_the_shipped_main_config_with_the_file_values) {
  const LoadResult result = hedged::config::load_file(config_dir() + "/default.yaml", kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& cfg = *result.config;
  const std::string limits_path = normal(std::filesystem::path(config_dir()) / "limits.yaml");
  EXPECT_EQ(cfg.risk.limits_file, limits_path);
  EXPECT_EQ(cfg.limits.source_path, limits_path);
  ASSERT_EQ(cfg.engine.underlyings.size(), 2u);
  expect_shipped_values(cfg.limits);
  // The engine starts with the same limit set.
  EXPECT_THAT(
      diff(cfg.limits,
           LimitsConfig{cfg.limits.source_path, cfg.engine.limits, cfg.limits.kill_switch_file, {}},
           all_slots()),
      IsEmpty());
}

TEST(LimitsConfig, shipped_limits_file_loads_alone_against_the_shipped_engine) {
  const LoadResult main = hedged::config::load_file(config_dir() + "/default.yaml", kNow);
  ASSERT_TRUE(main.config.has_value()) << main.error;
  const LimitsLoadResult result =
      load_limits_file(config_dir() + "/limits.yaml", &main.config->engine);
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  EXPECT_TRUE(result.error.empty());
  EXPECT_EQ(result.limits->source_path, config_dir() + "/limits.yaml");
  expect_shipped_values(*result.limits);
}

TEST(LimitsConfig, shipped_limits_without_an_engine_keep_named_sections_out_of_the_slots) {
  const LimitsLoadResult result = load_limits_file(config_dir() + "/limits.yaml", nullptr);
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  const RiskLimits& r = result.limits->limits;
  // No engine: SIM's section is validated but matched to no slot, so slot 0 is `default` alone.
  expect_limit(r.underlying[0], Measure::kDeltaShares, 5'000, 10'000);
  expect_limit(r.underlying[0], Measure::kDeltaNotional, 0, 0);
  EXPECT_EQ(r.pre_trade[0].max_order_qty, 5'000);
  EXPECT_THAT(result.limits->named_underlyings, ElementsAre("SIM", "IDX"));
  EXPECT_EQ(result.limits->kill_switch_file,
            normal(std::filesystem::path(config_dir()) / "halt.flag"));
}

// --- Defaults and inheritance ---------------------------------------------------------------

TEST(LimitsConfig, built_in_defaults_have_no_exposure_limits_a_five_pct_band_and_every_breaker) {
  const LimitsConfig d = hedged::config::default_limits(engine());
  EXPECT_TRUE(d.source_path.empty());
  EXPECT_TRUE(d.kill_switch_file.empty());
  EXPECT_THAT(changes_from_defaults(d), IsEmpty());
  for (std::size_t m = 0; m < hedged::risk::kMeasureCount; ++m) {
    expect_limit(d.limits.book, static_cast<Measure>(m), 0, 0);
    expect_limit(d.limits.underlying[0], static_cast<Measure>(m), 0, 0);
  }
  EXPECT_DOUBLE_EQ(d.limits.pre_trade[0].price_band_pct, 5.0);
  EXPECT_EQ(d.limits.pre_trade[0].max_order_qty, 0);
  for (std::size_t k = 0; k < hedged::risk::kBreakerCount; ++k) {
    EXPECT_TRUE(d.limits.breakers.policy[k].enabled) << k;
  }
}

TEST(LimitsConfig, absent_keys_keep_the_documented_defaults) {
  const LimitsLoadResult result = load("breakers:\n  reject_storm: {max_rejects: 7}\n");
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  EXPECT_THAT(changes_from_defaults(*result.limits),
              ElementsAre("breakers.reject_storm.max_rejects: 5 -> 7"));
  const RiskLimits& r = result.limits->limits;
  EXPECT_DOUBLE_EQ(r.pre_trade[1].price_band_pct, 5.0);
  expect_policy(r.breakers[Breaker::kRejectStorm], true, BreakerAction::kHalt, ResetPolicy::kManual,
                30 * kSecond, 10.0);
  EXPECT_EQ(r.breakers.reject_storm_window_ns, 10 * kSecond);
  EXPECT_TRUE(result.limits->kill_switch_file.empty());
  EXPECT_THAT(result.limits->named_underlyings, IsEmpty());
}

TEST(LimitsConfig, a_breaker_policy_overrides_only_the_keys_it_names) {
  const LimitsLoadResult result = load(
      "breakers:\n"
      "  stale_market_data: {enabled: false, cooldown: 250ms, timeout: 1500ms}\n"
      "  price_jump: {action: reduce, reset: auto, hysteresis_pct: 25.5}\n");
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  EXPECT_THAT(changes_from_defaults(*result.limits),
              ElementsAre("breakers.stale_market_data.enabled: true -> false",
                          "breakers.stale_market_data.cooldown: 5s -> 250ms",
                          "breakers.price_jump.action: halt -> reduce",
                          "breakers.price_jump.reset: manual -> auto",
                          "breakers.price_jump.hysteresis_pct: 10 -> 25.5",
                          "breakers.stale_market_data.timeout: 5s -> 1500ms"));
  EXPECT_EQ(result.limits->limits.breakers.stale_timeout_ns, 1500 * kMilli);
}

TEST(LimitsConfig, default_section_applies_to_every_underlying) {
  const LimitsLoadResult result = load(
      "underlyings:\n"
      "  default:\n"
      "    theta_per_day: {soft: 10, hard: 20}\n"
      "    pre_trade: {max_order_qty_units: 300, price_band_ticks: 7}\n");
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  const RiskLimits& r = result.limits->limits;
  for (std::size_t u = 0; u < hedged::kMaxUnderlyings; ++u) {
    SCOPED_TRACE("underlying slot " + std::to_string(u));
    expect_limit(r.underlying[u], Measure::kThetaPerDay, 10, 20);
    expect_limit(r.underlying[u], Measure::kDeltaShares, 0, 0);
    EXPECT_EQ(r.pre_trade[u].max_order_qty, 300);
    EXPECT_EQ(r.pre_trade[u].price_band_ticks, 7);
    EXPECT_DOUBLE_EQ(r.pre_trade[u].price_band_pct, 5.0);  // not named: the built-in default
  }
  expect_limit(r.book, Measure::kThetaPerDay, 0, 0);
  EXPECT_THAT(result.limits->named_underlyings, IsEmpty());
}

TEST(LimitsConfig, named_section_overrides_the_default_key_by_key_in_engine_order) {
  // ABC comes first in the file but is the engine's second underlying.
  const LimitsLoadResult result = load(
      "underlyings:\n"
      "  ABC:\n"
      "    delta_shares: {hard: 900}\n"
      "    pre_trade: {max_order_notional: 7500}\n"
      "  default:\n"
      "    delta_shares: {soft: 400, hard: 800}\n"
      "    vega_per_vol_point: {soft: 1, hard: 2}\n"
      "    pre_trade: {max_order_qty_units: 300, max_order_notional: 5000}\n"
      "  SIM:\n"
      "    delta_shares: {soft: 50}\n");
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  const RiskLimits& r = result.limits->limits;
  expect_limit(r.underlying[0], Measure::kDeltaShares, 50, 800);
  expect_limit(r.underlying[0], Measure::kVegaPerVolPoint, 1, 2);
  EXPECT_EQ(r.pre_trade[0].max_order_qty, 300);
  EXPECT_DOUBLE_EQ(r.pre_trade[0].max_order_notional, 5000);
  expect_limit(r.underlying[1], Measure::kDeltaShares, 400, 900);
  expect_limit(r.underlying[1], Measure::kVegaPerVolPoint, 1, 2);
  EXPECT_EQ(r.pre_trade[1].max_order_qty, 300);
  EXPECT_DOUBLE_EQ(r.pre_trade[1].max_order_notional, 7500);
  expect_limit(r.underlying[2], Measure::kDeltaShares, 400, 800);
  EXPECT_DOUBLE_EQ(r.pre_trade[2].max_order_notional, 5000);
  EXPECT_THAT(result.limits->named_underlyings, ElementsAre("ABC", "SIM"));
}

TEST(LimitsConfig, kill_switch_file_resolves_against_the_base_folder_unless_absolute) {
  const auto file_of = [](const std::string& value) {
    const LimitsLoadResult result =
        load("breakers:\n  kill_switch: {file: " + value + "}\n", nullptr);
    EXPECT_TRUE(result.limits.has_value()) << result.error;
    return result.limits ? result.limits->kill_switch_file : std::string("(failed)");
  };
  EXPECT_EQ(file_of("halt.flag"), "/etc/hedged/halt.flag");
  EXPECT_EQ(file_of("../run/./halt.flag"), "/etc/run/halt.flag");
  EXPECT_EQ(file_of("/var/run/hedged.halt"), "/var/run/hedged.halt");
  EXPECT_EQ(file_of("''"), "");
}

TEST(LimitsConfig, base_text_loads_with_its_values) {
  const LimitsLoadResult result = load(kLimits);
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  EXPECT_THAT(
      changes_from_defaults(*result.limits),
      ElementsAre("book.delta_notional.soft: 0 -> 1000", "book.delta_notional.hard: 0 -> 2000",
                  "underlyings.U0.delta_shares.soft: 0 -> 100",
                  "underlyings.U0.delta_shares.hard: 0 -> 200",
                  "underlyings.U0.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U0.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U1.delta_shares.soft: 0 -> 100",
                  "underlyings.U1.delta_shares.hard: 0 -> 200",
                  "underlyings.U1.vega_per_vol_point.soft: 0 -> 50",
                  "underlyings.U1.vega_per_vol_point.hard: 0 -> 60",
                  "underlyings.U1.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U1.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U2.delta_shares.soft: 0 -> 100",
                  "underlyings.U2.delta_shares.hard: 0 -> 200",
                  "underlyings.U2.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U2.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U3.delta_shares.soft: 0 -> 100",
                  "underlyings.U3.delta_shares.hard: 0 -> 200",
                  "underlyings.U3.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U3.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U4.delta_shares.soft: 0 -> 100",
                  "underlyings.U4.delta_shares.hard: 0 -> 200",
                  "underlyings.U4.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U4.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U5.delta_shares.soft: 0 -> 100",
                  "underlyings.U5.delta_shares.hard: 0 -> 200",
                  "underlyings.U5.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U5.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U6.delta_shares.soft: 0 -> 100",
                  "underlyings.U6.delta_shares.hard: 0 -> 200",
                  "underlyings.U6.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U6.pre_trade.max_order_burst: 0 -> 10",
                  "underlyings.U7.delta_shares.soft: 0 -> 100",
                  "underlyings.U7.delta_shares.hard: 0 -> 200",
                  "underlyings.U7.pre_trade.max_order_qty_units: 0 -> 500",
                  "underlyings.U7.pre_trade.max_order_burst: 0 -> 10"));
}

// --- Errors ---------------------------------------------------------------------------------

TEST(LimitsConfigErrors, yaml_syntax_error_names_line_and_column) {
  EXPECT_EQ(failure(load(with("hard: 2000}", "hard: 2000}}"))),
            "limits.yaml:2:43: YAML syntax error: illegal flow end");
}

TEST(LimitsConfigErrors, bad_indentation_is_a_syntax_error_at_the_misindented_line) {
  EXPECT_EQ(failure(load(with("  ABC:\n", " ABC:\n"))),
            "limits.yaml:9:2: YAML syntax error: end of map not found");
}

TEST(LimitsConfigErrors, misspelt_measure_suggests_the_key) {
  EXPECT_EQ(failure(load(with("    delta_shares:", "    delta_share:"))),
            "limits.yaml:5:5: key 'underlyings.default.delta_share': unknown key; did you mean "
            "'delta_shares'? (allowed here: delta_shares, delta_notional, gamma_notional_per_pct, "
            "vega_per_vol_point, theta_per_day, hedge_position_units, daily_loss_currency, "
            "pre_trade)");
}

TEST(LimitsConfigErrors, misspelt_breaker_key_suggests_the_key) {
  EXPECT_EQ(failure(load(with("{action: reduce", "{acton: reduce"))),
            "limits.yaml:13:16: key 'breakers.hard_limit.acton': unknown key; did you mean "
            "'action'? (allowed here: enabled, action, reset, cooldown, hysteresis_pct)");
}

TEST(LimitsConfigErrors, misspelt_pre_trade_key_suggests_the_key) {
  EXPECT_EQ(failure(load(with("max_order_burst:", "max_orders_burst:"))),
            "limits.yaml:8:7: key 'underlyings.default.pre_trade.max_orders_burst': unknown key; "
            "did you mean 'max_order_burst'? (allowed here: max_order_qty_units, "
            "max_order_notional, price_band_pct, price_band_ticks, max_orders_per_second, "
            "max_order_burst, max_cancels_per_second, max_cancel_burst, max_working_orders, "
            "max_position_units)");
}

TEST(LimitsConfigErrors, unknown_key_far_from_any_lists_the_allowed_keys_without_a_suggestion) {
  EXPECT_EQ(failure(load(with("  delta_notional: {soft: 1000", "  margin: {soft: 1000"))),
            "limits.yaml:2:3: key 'book.margin': unknown key (allowed here: delta_shares, "
            "delta_notional, gamma_notional_per_pct, vega_per_vol_point, theta_per_day, "
            "hedge_position_units, daily_loss_currency)");
  EXPECT_EQ(failure(load(kLimits + "limits: {}\n")),
            "limits.yaml:14:1: key 'limits': unknown key (allowed here: book, underlyings, "
            "breakers, stress_hedging)");
  EXPECT_EQ(failure(load(kLimits + "  circuit: {enabled: false}\n")),
            "limits.yaml:14:3: key 'breakers.circuit': unknown key (allowed here: "
            "stale_market_data, reject_storm, spread_blowout, price_jump, fix_session_down, "
            "kill_switch, hard_limit, bad_market_data)");
}

TEST(LimitsConfigErrors, string_where_a_number_is_expected_names_the_value) {
  EXPECT_EQ(failure(load(with("{soft: 1000,", "{soft: lots,"))),
            "limits.yaml:2:26: key 'book.delta_notional.soft': expected a number, got 'lots'");
  EXPECT_EQ(failure(load(with("max_order_qty_units: 500", "max_order_qty_units: lots"))),
            "limits.yaml:7:28: key 'underlyings.default.pre_trade.max_order_qty_units': expected "
            "a whole number, got 'lots'");
  EXPECT_EQ(failure(load(with("max_order_qty_units: 500", "max_order_qty_units: 500.5"))),
            "limits.yaml:7:28: key 'underlyings.default.pre_trade.max_order_qty_units': expected "
            "a whole number, got '500.5'");
  EXPECT_EQ(failure(load(with("reset: auto", "reset: [auto]"))),
            "limits.yaml:13:39: key 'breakers.hard_limit.reset': expected a string");
}

TEST(LimitsConfigErrors, limit_that_is_not_a_mapping_is_an_error) {
  EXPECT_EQ(failure(load(with("{soft: 1000, hard: 2000}", "2000"))),
            "limits.yaml:2:19: key 'book.delta_notional': expected a mapping of keys to values");
}

TEST(LimitsConfigErrors, negative_limit_names_the_range) {
  EXPECT_EQ(failure(load(with("hard: 2000}", "hard: -2000}"))),
            "limits.yaml:2:38: key 'book.delta_notional.hard': must be between 0 and 1e+15");
  EXPECT_EQ(failure(load(with("max_order_qty_units: 500", "max_order_qty_units: -1"))),
            "limits.yaml:7:28: key 'underlyings.default.pre_trade.max_order_qty_units': must be "
            "between 0 and 2305843009213693951");
}

TEST(LimitsConfigErrors, non_finite_limits_are_out_of_range) {
  EXPECT_EQ(failure(load(with("hard: 2000}", "hard: .inf}"))),
            "limits.yaml:2:38: key 'book.delta_notional.hard': must be between 0 and 1e+15");
  EXPECT_EQ(failure(load(with("hard: 2000}", "hard: .nan}"))),
            "limits.yaml:2:38: key 'book.delta_notional.hard': must be between 0 and 1e+15");
  EXPECT_EQ(failure(load(with("hard: 2000}", "hard: 1e999}"))),
            "limits.yaml:2:38: key 'book.delta_notional.hard': expected a number, got '1e999'");
}

TEST(LimitsConfigErrors, soft_above_hard_names_both_values_at_the_soft_key) {
  EXPECT_EQ(failure(load(with("{soft: 1000,", "{soft: 3000,"))),
            "limits.yaml:2:26: key 'book.delta_notional.soft': soft limit 3000 is above the hard "
            "limit 2000");
}

TEST(LimitsConfigErrors, hard_below_an_inherited_soft_names_the_section) {
  // ABC keeps the default soft 100 and lowers hard to 50.
  EXPECT_EQ(failure(load(with("    vega_per_vol_point: {soft: 50, hard: 60}",
                              "    delta_shares: {hard: 50}"))),
            "limits.yaml:10:19: key 'underlyings.ABC.delta_shares.soft': soft limit 100 is above "
            "the hard limit 50");
}

TEST(LimitsConfigErrors, soft_with_hard_zero_is_a_soft_only_limit) {
  const LimitsLoadResult result = load(with("hard: 2000}", "hard: 0}"));
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  expect_limit(result.limits->limits.book, Measure::kDeltaNotional, 1000, 0);
}

TEST(LimitsConfigErrors, unknown_underlying_suggests_the_closest_engine_name) {
  EXPECT_EQ(failure(load(with("  ABC:\n", "  ABD:\n"))),
            "limits.yaml:9:3: key 'underlyings.ABD': unknown underlying 'ABD'; did you mean "
            "'ABC'?");
  EXPECT_EQ(failure(load(with("  ABC:\n", "  XYZ:\n"))),
            "limits.yaml:9:3: key 'underlyings.XYZ': unknown underlying 'XYZ' (not in the "
            "config's underlyings)");
}

TEST(LimitsConfigErrors, unknown_underlying_is_accepted_without_an_engine) {
  const LimitsLoadResult result = load(with("  ABC:\n", "  XYZ:\n"), nullptr);
  ASSERT_TRUE(result.limits.has_value()) << result.error;
  EXPECT_THAT(result.limits->named_underlyings, ElementsAre("XYZ"));
  // Matched to no slot: every slot holds the default section.
  expect_limit(result.limits->limits.underlying[1], Measure::kVegaPerVolPoint, 0, 0);
  expect_limit(result.limits->limits.underlying[1], Measure::kDeltaShares, 100, 200);
}

TEST(LimitsConfigErrors, duplicate_key_is_an_error_at_the_second_one) {
  EXPECT_EQ(failure(load(with("  delta_notional: {soft: 1000, hard: 2000}\n",
                              "  delta_notional: {soft: 1000, hard: 2000}\n"
                              "  delta_notional: {soft: 10, hard: 20}\n"))),
            "limits.yaml:3:3: key 'book.delta_notional': duplicate key");
  EXPECT_EQ(failure(load(with("{soft: 1000, hard: 2000}", "{soft: 1000, soft: 900}"))),
            "limits.yaml:2:32: key 'book.delta_notional.soft': duplicate key");
  EXPECT_EQ(failure(load(with("breakers:\n", "  ABC: {}\nbreakers:\n"), nullptr)),
            "limits.yaml:11:3: key 'underlyings.ABC': duplicate key");
  EXPECT_EQ(failure(load(kLimits + "book: {}\n")), "limits.yaml:14:1: key 'book': duplicate key");
}

// A second `default` section and a repeated key inside a breaker section are duplicates too.
TEST(LimitsConfigErrors, duplicate_default_section_is_an_error) {
  EXPECT_EQ(failure(load(
                with("breakers:\n", "  default: {delta_shares: {soft: 5, hard: 1}}\nbreakers:\n"))),
            "limits.yaml:11:3: key 'underlyings.default': duplicate key");
}

TEST(LimitsConfigErrors, duplicate_key_inside_a_breaker_is_an_error) {
  EXPECT_EQ(failure(load(with("max_rejects: 5,", "max_rejects: 5, max_rejects: 2000,"))),
            "limits.yaml:12:34: key 'breakers.reject_storm.max_rejects': duplicate key");
}

TEST(LimitsConfigErrors, max_order_qty_below_the_hedge_lot_size_names_the_underlying) {
  // ABC trades in lots of 100. The error points at the value that sets ABC's order size.
  EXPECT_EQ(failure(load(with("    vega_per_vol_point: {soft: 50, hard: 60}",
                              "    pre_trade: {max_order_qty_units: 50}"))),
            "limits.yaml:10:38: key 'underlyings.ABC.pre_trade.max_order_qty_units': must be at "
            "least one lot (100)");
  // Inherited from `default`, it is still ABC's order size that is too small.
  EXPECT_EQ(failure(load(with("max_order_qty_units: 500", "max_order_qty_units: 99"))),
            "limits.yaml:7:28: key 'underlyings.ABC.pre_trade.max_order_qty_units': must be at "
            "least one lot (100)");
  // Exactly one lot is enough; without an engine there is no lot to check against.
  EXPECT_TRUE(load(with("max_order_qty_units: 500", "max_order_qty_units: 100")).limits);
  EXPECT_TRUE(load(with("max_order_qty_units: 500", "max_order_qty_units: 99"), nullptr).limits);
}

TEST(LimitsConfigErrors, burst_between_zero_and_one_would_never_send_an_order) {
  EXPECT_EQ(failure(load(with("max_order_burst: 10", "max_order_burst: 0.5"))),
            "limits.yaml:8:24: key 'underlyings.default.pre_trade.max_order_burst': a burst below "
            "one order would never let an order out");
  EXPECT_EQ(failure(load(with("max_order_burst: 10", "max_cancel_burst: 0.99"))),
            "limits.yaml:8:25: key 'underlyings.default.pre_trade.max_cancel_burst': a burst below "
            "one order would never let an order out");
  // 0 means "one second's worth", 1 is one order: both are fine.
  const LimitsLoadResult zero = load(with("max_order_burst: 10", "max_order_burst: 0"));
  ASSERT_TRUE(zero.limits.has_value()) << zero.error;
  EXPECT_DOUBLE_EQ(zero.limits->limits.pre_trade[0].order_burst, 0.0);
  const LimitsLoadResult one = load(with("max_order_burst: 10", "max_order_burst: 1"));
  ASSERT_TRUE(one.limits.has_value()) << one.error;
  EXPECT_DOUBLE_EQ(one.limits->limits.pre_trade[1].order_burst, 1.0);
}

TEST(LimitsConfigErrors, pre_trade_ranges_are_checked) {
  EXPECT_EQ(failure(load(with("max_order_burst: 10", "price_band_pct: 100.5"))),
            "limits.yaml:8:23: key 'underlyings.default.pre_trade.price_band_pct': must be between "
            "0 and 100");
  EXPECT_EQ(failure(load(with("max_order_burst: 10", "max_working_orders: 4097"))),
            "limits.yaml:8:27: key 'underlyings.default.pre_trade.max_working_orders': must be "
            "between 0 and 4096");
}

TEST(LimitsConfigErrors, reject_storm_max_rejects_is_between_one_and_1024) {
  EXPECT_EQ(failure(load(with("max_rejects: 5", "max_rejects: 0"))),
            "limits.yaml:12:31: key 'breakers.reject_storm.max_rejects': must be between 1 and "
            "1024");
  EXPECT_EQ(failure(load(with("max_rejects: 5", "max_rejects: 1025"))),
            "limits.yaml:12:31: key 'breakers.reject_storm.max_rejects': must be between 1 and "
            "1024");
  const LimitsLoadResult top = load(with("max_rejects: 5", "max_rejects: 1024"));
  ASSERT_TRUE(top.limits.has_value()) << top.error;
  EXPECT_EQ(top.limits->limits.breakers.reject_storm_rejects, 1024u);
}

TEST(LimitsConfigErrors, hysteresis_of_100_pct_is_out_of_range) {
  EXPECT_EQ(failure(load(with("cooldown: 10s}", "cooldown: 10s, hysteresis_pct: 100}"))),
            "limits.yaml:13:76: key 'breakers.hard_limit.hysteresis_pct': must be between 0 and "
            "99");
}

TEST(LimitsConfigErrors, spread_min_samples_above_the_window_capacity_is_out_of_range) {
  EXPECT_EQ(failure(load(kLimits + "  spread_blowout: {min_samples: 129}\n")),
            "limits.yaml:14:33: key 'breakers.spread_blowout.min_samples': must be between 1 and "
            "128");
  const LimitsLoadResult top = load(kLimits + "  spread_blowout: {min_samples: 128}\n");
  ASSERT_TRUE(top.limits.has_value()) << top.error;
  EXPECT_EQ(top.limits->limits.breakers.spread_min_samples, 128u);
}

TEST(LimitsConfigErrors, breaker_durations_and_choices_are_checked) {
  EXPECT_EQ(failure(load(with("window: 10s", "window: 10"))),
            "limits.yaml:12:42: key 'breakers.reject_storm.window': '10' is not a duration: use a "
            "number and a unit (us, ms, s, m, h, d), e.g. 250ms");
  EXPECT_EQ(failure(load(with("window: 10s", "window: 500us"))),
            "limits.yaml:12:42: key 'breakers.reject_storm.window': '500us' is out of range");
  EXPECT_EQ(failure(load(with("action: reduce", "action: pause"))),
            "limits.yaml:13:24: key 'breakers.hard_limit.action': 'pause' is not one of: reduce, "
            "halt");
  EXPECT_EQ(failure(load(with("reset: auto", "reset: sometimes"))),
            "limits.yaml:13:39: key 'breakers.hard_limit.reset': 'sometimes' is not one of: "
            "manual, auto");
}

TEST(LimitsConfigErrors, empty_file_is_an_error_at_line_one) {
  EXPECT_EQ(failure(load("")), "limits.yaml:1:1: the file is empty");
  EXPECT_EQ(failure(load("# only a comment\n\n")), "limits.yaml:1:1: the file is empty");
}

TEST(LimitsConfigErrors, top_level_list_is_not_a_limits_file) {
  EXPECT_EQ(failure(load("- book\n")), "limits.yaml:1:1: expected a mapping of keys to values");
}

TEST(LimitsConfigErrors, file_errors_name_the_file_path) {
  const TempDir dir;
  const std::string path = dir.write("lim.yaml", with("max_rejects: 5", "max_rejects: 0"));
  EXPECT_EQ(failure(load_limits_file(path, &engine())),
            path + ":12:31: key 'breakers.reject_storm.max_rejects': must be between 1 and 1024");
  const std::string missing = (dir.path() / "missing.yaml").string();
  EXPECT_EQ(failure(load_limits_file(missing, nullptr)), missing + ": cannot open the file");
}

// A folder given as the limits file (or as risk.limits_file) is an error, not an exception:
// YAML::LoadFile's read of a folder throws std::ios_base::failure.
TEST(LimitsConfigErrors, a_folder_is_not_a_limits_file) {
  const TempDir dir;
  const std::string folder = dir.path().string();
  LimitsLoadResult result;
  EXPECT_NO_THROW(result = load_limits_file(folder, nullptr));
  EXPECT_EQ(failure(result), folder + ": not a regular file");
  LoadResult main;
  EXPECT_NO_THROW(main =
                      hedged::config::load_text(main_with_limits("."), "main.yaml", folder, kNow));
  EXPECT_FALSE(main.config.has_value());
  EXPECT_EQ(main.error, "main.yaml:8:16: key 'risk.limits_file': not a readable file: " +
                            normal(dir.path() / "."));
}

// --- File kinds -----------------------------------------------------------------------------

TEST(DetectFileKind, tells_the_shipped_main_config_from_the_shipped_limits_file) {
  const auto main = detect_file_kind(config_dir() + "/default.yaml");
  EXPECT_EQ(main.kind, FileKind::kMainConfig);
  EXPECT_EQ(main.error, "");
  const auto limits = detect_file_kind(config_dir() + "/limits.yaml");
  EXPECT_EQ(limits.kind, FileKind::kLimits);
  EXPECT_EQ(limits.error, "");
}

TEST(DetectFileKind, small_files_are_told_by_their_top_level_keys) {
  const TempDir dir;
  EXPECT_EQ(detect_file_kind(dir.write("a.yaml", kMain)).kind, FileKind::kMainConfig);
  EXPECT_EQ(detect_file_kind(dir.write("b.yaml", kLimits)).kind, FileKind::kLimits);
  EXPECT_EQ(detect_file_kind(dir.write("c.yaml", "breakers: {}\n")).kind, FileKind::kLimits);
  EXPECT_EQ(detect_file_kind(dir.write("d.yaml", "logging: {level: info}\n")).kind,
            FileKind::kMainConfig);
}

TEST(DetectFileKind, a_file_with_both_or_neither_kind_of_key_is_ambiguous) {
  const TempDir dir;
  const std::string both = dir.write("both.yaml", "underlyings:\n  - symbol: SIM\nbreakers: {}\n");
  const auto b = detect_file_kind(both);
  EXPECT_EQ(b.kind, FileKind::kUnknown);
  EXPECT_EQ(b.error, both +
                         ":1:1: cannot tell whether this is a main config (with an 'underlyings' "
                         "list) or a limits file (with 'breakers' or an 'underlyings' mapping)");
  const std::string neither = dir.write("neither.yaml", "book: {}\n");
  const auto n = detect_file_kind(neither);
  EXPECT_EQ(n.kind, FileKind::kUnknown);
  EXPECT_EQ(n.error, neither +
                         ":1:1: cannot tell whether this is a main config (with an 'underlyings' "
                         "list) or a limits file (with 'breakers' or an 'underlyings' mapping)");
}

TEST(DetectFileKind, unreadable_and_non_mapping_files_are_unknown_with_a_reason) {
  const TempDir dir;
  const std::string missing = (dir.path() / "missing.yaml").string();
  EXPECT_EQ(detect_file_kind(missing).error, missing + ": cannot open the file");
  const std::string list = dir.write("list.yaml", "- a\n- b\n");
  EXPECT_EQ(detect_file_kind(list).error,
            list + ":1:1: expected a mapping of keys at the top level");
  const std::string broken = dir.write("broken.yaml", "book: {a: 1}}\n");
  const auto r = detect_file_kind(broken);
  EXPECT_EQ(r.kind, FileKind::kUnknown);
  EXPECT_EQ(r.error, broken + ":1:13: YAML syntax error: illegal flow end");
}

// --- diff() ---------------------------------------------------------------------------------

TEST(LimitsDiff, reports_exactly_the_changed_keys) {
  const std::string shipped = read_file(config_dir() + "/limits.yaml");
  ASSERT_FALSE(shipped.empty());
  const LoadResult main = hedged::config::load_file(config_dir() + "/default.yaml", kNow);
  ASSERT_TRUE(main.config.has_value()) << main.error;
  const EngineConfig& e = main.config->engine;
  const auto before = load_limits_text(shipped, "limits.yaml", config_dir(), &e);
  ASSERT_TRUE(before.limits.has_value()) << before.error;
  const std::string changed = with("grace: 0s", "grace: 2s",
                                   with("max_working_orders: 16", "max_working_orders: 12",
                                        with("delta_notional: {soft: 500000, hard: 1000000}",
                                             "delta_notional: {soft: 500000, hard: 1200000.5}",
                                             with("file: halt.flag", "file: /tmp/stop", shipped))));
  const auto after = load_limits_text(changed, "limits.yaml", config_dir(), &e);
  ASSERT_TRUE(after.limits.has_value()) << after.error;
  EXPECT_THAT(
      diff(*before.limits, *after.limits, {"SIM"}),
      ElementsAre("underlyings.SIM.delta_notional.hard: 1000000 -> 1200000.5",
                  "underlyings.SIM.pre_trade.max_working_orders: 16 -> 12",
                  "breakers.fix_session_down.grace: 0s -> 2s",
                  "breakers.kill_switch.file: " + config_dir() + "/halt.flag -> /tmp/stop"));
}

TEST(LimitsConfig, stress_hedging_and_the_new_breaker_keys_are_read_and_range_checked) {
  const LimitsLoadResult ok = load(kLimits +
                                   "  price_jump: {long_max_move_pct: 7.5, long_window: 90s}\n"
                                   "  bad_market_data: {max_move_pct: 20, action: reduce}\n"
                                   "stress_hedging: {band_multiple: 3, hard_limit_fraction: 0.5, "
                                   "max_slippage_bps: 12.5}\n");
  ASSERT_TRUE(ok.limits.has_value()) << ok.error;
  const hedged::risk::RiskLimits& l = ok.limits->limits;
  EXPECT_DOUBLE_EQ(l.breakers.price_jump_long_pct, 7.5);
  EXPECT_EQ(l.breakers.price_jump_long_window_ns, 90 * kSecond);
  EXPECT_DOUBLE_EQ(l.breakers.bad_quote_max_move_pct, 20.0);
  EXPECT_EQ(l.breakers[Breaker::kBadMarketData].action, BreakerAction::kReduce);
  EXPECT_DOUBLE_EQ(l.stress.band_multiple, 3.0);
  EXPECT_DOUBLE_EQ(l.stress.hard_limit_fraction, 0.5);
  EXPECT_DOUBLE_EQ(l.stress.max_slippage_bps, 12.5);
  const std::string below = failure(load(kLimits + "stress_hedging: {band_multiple: 0.5}\n"));
  EXPECT_NE(below.find("stress_hedging.band_multiple"), std::string::npos) << below;
  const std::string unknown = failure(load(kLimits + "stress_hedging: {band: 3}\n"));
  EXPECT_NE(unknown.find("unknown key"), std::string::npos) << unknown;
}

TEST(LimitsDiff, identical_files_have_no_differences) {
  const LimitsLoadResult a = load_limits_file(config_dir() + "/limits.yaml", nullptr);
  const LimitsLoadResult b = load_limits_file(config_dir() + "/limits.yaml", nullptr);
  ASSERT_TRUE(a.limits.has_value()) << a.error;
  ASSERT_TRUE(b.limits.has_value()) << b.error;
  EXPECT_THAT(diff(*a.limits, *b.limits, all_slots()), IsEmpty());
}

TEST(LimitsDiff, flatten_lists_every_setting_in_a_stable_order) {
  const LimitsConfig d = hedged::config::default_limits(engine());
  const auto flat = flatten(d, {"SIM", "ABC"});
  // Book: 7 measures × 2; each underlying: 14 + 10 pre-trade; breakers: 8 × 5 policy keys
  // plus 13 own settings; stress hedging: 4.
  ASSERT_EQ(flat.size(), 14u + 2 * 24u + 40u + 13u + 4u);
  EXPECT_EQ(flat.front(), std::make_pair(std::string("book.delta_shares.soft"), std::string("0")));
  EXPECT_EQ(flat[14],
            std::make_pair(std::string("underlyings.SIM.delta_shares.soft"), std::string("0")));
  EXPECT_EQ(flat[28 + 2], std::make_pair(std::string("underlyings.SIM.pre_trade.price_band_pct"),
                                         std::string("5")));
  EXPECT_EQ(flat.back(), std::make_pair(std::string("breakers.kill_switch.file"), std::string()));
}

// --- The main config and its limits file ----------------------------------------------------

TEST(MainConfigLimits, limits_file_is_relative_to_the_main_file_folder) {
  const TempDir dir;
  const std::string limits = dir.write("sub/lim.yaml", kLimits + "  kill_switch: {file: stop}\n");
  const std::string main = dir.write("main.yaml", main_with_limits("sub/lim.yaml"));
  const LoadResult result = hedged::config::load_file(main, kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& cfg = *result.config;
  EXPECT_EQ(cfg.risk.limits_file, limits);
  EXPECT_EQ(cfg.limits.source_path, limits);
  EXPECT_EQ(cfg.limits.kill_switch_file, (dir.path() / "sub" / "stop").string());
  expect_limit(cfg.limits.limits.underlying[1], Measure::kVegaPerVolPoint, 50, 60);
  expect_limit(cfg.engine.limits.underlying[1], Measure::kVegaPerVolPoint, 50, 60);
  EXPECT_EQ(cfg.engine.limits.pre_trade[0].max_order_qty, 500);
  EXPECT_THAT(cfg.limits.named_underlyings, ElementsAre("ABC"));
}

TEST(MainConfigLimits, text_load_resolves_the_limits_file_against_the_base_folder) {
  const TempDir dir;
  const std::string limits = dir.write("lim.yaml", kLimits);
  const LoadResult result = hedged::config::load_text(main_with_limits("lim.yaml"), "main.yaml",
                                                      dir.path().string(), kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_EQ(result.config->risk.limits_file, limits);
  expect_limit(result.config->limits.limits.book, Measure::kDeltaNotional, 1000, 2000);
}

TEST(MainConfigLimits, no_limits_file_means_the_built_in_limits) {
  const LoadResult result = hedged::config::load_text(kMain, "main.yaml", config_dir(), kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_TRUE(result.config->risk.limits_file.empty());
  EXPECT_THAT(changes_from_defaults(result.config->limits), IsEmpty());
}

TEST(MainConfigLimits, error_in_the_limits_file_fails_the_load_at_the_limits_file_position) {
  const TempDir dir;
  const std::string limits =
      dir.write("sub/lim.yaml", with("    delta_shares:", "    delta_share:"));
  const std::string main = dir.write("main.yaml", main_with_limits("sub/lim.yaml"));
  const LoadResult result = hedged::config::load_file(main, kNow);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.error, limits +
                              ":5:5: key 'underlyings.default.delta_share': unknown key; did you "
                              "mean 'delta_shares'? (allowed here: delta_shares, delta_notional, "
                              "gamma_notional_per_pct, vega_per_vol_point, theta_per_day, "
                              "hedge_position_units, daily_loss_currency, pre_trade)");
}

TEST(MainConfigLimits, limits_for_an_underlying_the_main_config_lacks_fail_the_load) {
  const TempDir dir;
  const std::string limits = dir.write("lim.yaml", with("  ABC:\n", "  ABD:\n"));
  const std::string main = dir.write("main.yaml", main_with_limits("lim.yaml"));
  const LoadResult result = hedged::config::load_file(main, kNow);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.error,
            limits + ":9:3: key 'underlyings.ABD': unknown underlying 'ABD'; did you mean 'ABC'?");
}

TEST(MainConfigLimits, missing_limits_file_names_the_resolved_path) {
  const TempDir dir;
  const std::string main = dir.write("main.yaml", main_with_limits("nope.yaml"));
  const LoadResult result = hedged::config::load_file(main, kNow);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.error, main + ":8:16: key 'risk.limits_file': not a readable file: " +
                              (dir.path() / "nope.yaml").string());
}

TEST(MainConfigLimits, old_underlying_limits_key_says_it_moved_to_the_limits_file) {
  const LoadResult result = hedged::config::load_text(
      with("    lot_size: 100\n", "    lot_size: 100\n    limits: {max_order_qty: 10}\n", kMain),
      "main.yaml", config_dir(), kNow);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.error,
            "main.yaml:5:13: key 'underlyings[1].limits': pre-trade limits live in the limits file "
            "now (risk.limits_file, see config/limits.yaml: underlyings.<symbol>.pre_trade)");
}

}  // namespace
