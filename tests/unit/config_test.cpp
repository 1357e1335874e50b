// Unit tests for the YAML configuration loader: the shipped default, value checks, error locations
// and expiry resolution.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

#include "daemon/config/config.hpp"

#ifndef HEDGED_SOURCE_DIR
#error "HEDGED_SOURCE_DIR must name the project root"
#endif

namespace {

using hedged::InstrumentKind;
using hedged::OptionRight;
using hedged::TimeNs;
using hedged::config::load_file;
using hedged::config::load_text;
using hedged::config::LoadResult;
using hedged::config::parse_duration;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr TimeNs kSecond = 1'000'000'000;
constexpr TimeNs kDay = 86'400 * kSecond;

// Days from 1970-01-01 to a proleptic Gregorian date, counted year by year and month by month.
constexpr std::int64_t days_since_epoch(int year, int month, int day) {
  std::int64_t days = 0;
  for (int y = 1970; y < year; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    days += leap ? 366 : 365;
  }
  constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  for (int m = 1; m < month; ++m) days += kMonthDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return days + day - 1;
}
static_assert(days_since_epoch(1970, 1, 1) == 0);
static_assert(days_since_epoch(2000, 3, 1) == 11'017);

// 2026-01-15T12:00:00Z: the instant every text load treats as "now".
constexpr TimeNs kNow = days_since_epoch(2026, 1, 15) * kDay + 12 * 3600 * kSecond;
static_assert(kNow == 1'768'478'400LL * kSecond);

std::string config_dir() {
  return std::string(HEDGED_SOURCE_DIR) + "/config";
}

// A small valid configuration; tests change one piece of it, so the line numbers below stay put.
const std::string kBase = R"(engine:
  idle_strategy: backoff
  timer_interval: 50ms
market_data:
  seed: 7
  tick_interval: 100ms
underlyings:
  - symbol: SIM
    vol: 0.25
    hedge:
      band_delta_shares: 250
      order_timeout: 2s
book:
  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: -10}
  - underlying: SIM
    right: put
    strike: 95
    expiry: 2027-03-19
    quantity: 5
fix:
  port: 9878
  data_dictionary: fix/FIX44.xml
)";

// kBase with the only occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to, std::string text = kBase) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "'" << from << "' is in the text twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

LoadResult load(const std::string& text) {
  return load_text(text, "test.yaml", config_dir(), kNow);
}

// A failed load carries no configuration and an error; returns the error for matching.
std::string failure(const LoadResult& result) {
  EXPECT_FALSE(result.config.has_value()) << "the load should have failed";
  EXPECT_FALSE(result.error.empty());
  return result.error;
}

// A fresh folder under the system temp directory, removed with everything in it afterwards.
class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("hedged-config-test-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    out.close();
    EXPECT_TRUE(out) << "cannot write " << file;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

TEST(ConfigLoader, shipped_default_loads_with_the_documented_book_and_endpoints) {
  const std::string path = config_dir() + "/default.yaml";
  const LoadResult result = load_file(path, kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_TRUE(result.error.empty());
  const auto& cfg = *result.config;
  EXPECT_EQ(cfg.source_path, path);

  ASSERT_EQ(cfg.engine.underlyings.size(), 2u);
  EXPECT_EQ(cfg.engine.underlyings[0].name, "SIM");
  EXPECT_EQ(cfg.engine.underlyings[1].name, "IDX");
  ASSERT_EQ(cfg.market_data.models.size(), 2u);
  EXPECT_EQ(cfg.engine.book.size(), 31u);
  // SIM is hedged in the stock with a fixed band; IDX in its future with a Whalley-Wilmott band.
  const hedged::UnderlyingConfig& sim = cfg.engine.underlyings[0];
  const hedged::UnderlyingConfig& idx = cfg.engine.underlyings[1];
  EXPECT_EQ(sim.hedge_instrument, sim.spot_instrument);
  EXPECT_EQ(sim.policy.kind, hedged::hedging::HedgePolicyKind::kBandShares);
  const auto& future = cfg.engine.instruments[idx.hedge_instrument];
  EXPECT_EQ(future.kind, InstrumentKind::kFuture);
  EXPECT_EQ(future.symbol, "IDX-F");
  EXPECT_EQ(future.multiplier, 50.0);
  EXPECT_EQ(idx.policy.kind, hedged::hedging::HedgePolicyKind::kWhalleyWilmott);
  EXPECT_EQ(cfg.risk.limits_file, config_dir() + "/limits.yaml");

  std::set<TimeNs> expiries;
  bool call = false;
  bool put = false;
  bool long_line = false;
  bool short_line = false;
  for (const auto& line : cfg.engine.book) {
    ASSERT_LT(line.option, cfg.engine.instruments.size());
    const auto& spec = cfg.engine.instruments[line.option];
    EXPECT_EQ(spec.kind, InstrumentKind::kOption) << spec.symbol;
    EXPECT_GT(spec.expiry_ns, kNow) << spec.symbol;
    expiries.insert(spec.expiry_ns);
    (spec.right == OptionRight::kCall ? call : put) = true;
    if (line.quantity > 0) long_line = true;
    if (line.quantity < 0) short_line = true;
  }
  EXPECT_EQ(expiries.size(), 2u);
  EXPECT_TRUE(call);
  EXPECT_TRUE(put);
  EXPECT_TRUE(long_line);
  EXPECT_TRUE(short_line);

  EXPECT_EQ(cfg.fix.port, 9878);
  EXPECT_EQ(cfg.venue.venue.port, 9878);
  EXPECT_EQ(cfg.metrics.listen, "127.0.0.1:9464");
  EXPECT_TRUE(cfg.metrics.enabled);
  EXPECT_TRUE(cfg.venue.embedded);
  EXPECT_EQ(cfg.idle_strategy, hedged::config::IdleStrategyName::kBackoff);
  EXPECT_EQ(cfg.timer_interval_ns, 50 * 1'000'000);
  EXPECT_EQ(cfg.market_data.tick_interval_ns, 100 * 1'000'000);

  const std::filesystem::path dictionary(cfg.fix.data_dictionary);
  EXPECT_TRUE(dictionary.is_absolute()) << cfg.fix.data_dictionary;
  EXPECT_TRUE(std::filesystem::exists(dictionary)) << cfg.fix.data_dictionary;
  EXPECT_EQ(cfg.venue.venue.data_dictionary, cfg.fix.data_dictionary);
}

TEST(ConfigLoader, base_text_loads_with_its_values) {
  const LoadResult result = load(kBase);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& cfg = *result.config;
  EXPECT_EQ(cfg.source_path, "test.yaml");
  EXPECT_EQ(cfg.market_data.seed, 7u);
  EXPECT_DOUBLE_EQ(cfg.engine.underlyings[0].vol, 0.25);
  EXPECT_DOUBLE_EQ(cfg.engine.underlyings[0].policy.band_delta_shares, 250.0);
  EXPECT_EQ(cfg.engine.underlyings[0].order_timeout_ns, 2 * kSecond);
  EXPECT_EQ(cfg.fix.data_dictionary, config_dir() + "/fix/FIX44.xml");
}

TEST(ConfigLoader, unclosed_bracket_is_a_syntax_error_at_the_line_where_it_is_found) {
  const std::string error = failure(load(with("  seed: 7\n", "  seed: [7\n")));
  // The open sequence swallows the next line, where the parser gives up.
  EXPECT_THAT(error, StartsWith("test.yaml:6:"));
  EXPECT_THAT(error, HasSubstr(": YAML syntax error"));
}

TEST(ConfigLoader, bad_indentation_is_a_syntax_error_naming_its_line_and_column) {
  const std::string error =
      failure(load(with("  timer_interval: 50ms\n", "     timer_interval: 50ms\n")));
  EXPECT_THAT(error, StartsWith("test.yaml:3:"));
  EXPECT_THAT(error, HasSubstr(": YAML syntax error"));

  const std::string dedent =
      failure(load(with("      order_timeout: 2s\n", "     order_timeout: 2s\n")));
  EXPECT_THAT(dedent, StartsWith("test.yaml:12:6: YAML syntax error"));
}

TEST(ConfigLoader, unknown_key_names_its_position_path_and_the_allowed_keys) {
  const std::string error = failure(load(with("band_delta_shares: 250", "band_delta_share: 250")));
  EXPECT_EQ(
      error,
      "test.yaml:11:7: key 'underlyings[0].hedge.band_delta_share': unknown key; did you mean "
      "'band_delta_shares'? (allowed here: "
      "policy, target, band_delta_shares, band_delta_notional, risk_aversion, cost_bps, "
      "min_band_shares, max_band_shares, rebalance_interval, min_trade_qty, order_timeout, "
      "min_order_interval, initial_position, instrument, future, options)");
}

TEST(ConfigLoader, unknown_top_level_key_is_an_error) {
  const std::string error = failure(load(kBase + "metric:\n  enabled: false\n"));
  EXPECT_THAT(error, StartsWith("test.yaml:23:1: key 'metric': unknown key; did you mean "
                                "'metrics'? (allowed here: engine, market_data,"));
}

TEST(ConfigLoader, duplicate_key_is_an_error_rather_than_a_silent_first_wins) {
  const std::string error = failure(load(with("    vol: 0.25\n", "    vol: 0.25\n    vol: 0.5\n")));
  EXPECT_EQ(error, "test.yaml:10:5: key 'underlyings[0].vol': duplicate key");
}

TEST(ConfigLoader, negative_vol_names_the_value_and_its_range) {
  const std::string error = failure(load(with("vol: 0.25", "vol: -0.25")));
  EXPECT_EQ(error, "test.yaml:9:10: key 'underlyings[0].vol': must be between 0.0001 and 10");
}

TEST(ConfigLoader, non_numeric_vol_names_the_value) {
  const std::string error = failure(load(with("vol: 0.25", "vol: high")));
  EXPECT_EQ(error, "test.yaml:9:10: key 'underlyings[0].vol': expected a number, got 'high'");
}

TEST(ConfigLoader, word_for_a_duration_names_the_value) {
  const std::string error = failure(load(with("tick_interval: 100ms", "tick_interval: fast")));
  EXPECT_THAT(
      error,
      StartsWith("test.yaml:6:18: key 'market_data.tick_interval': 'fast' is not a duration"));
}

TEST(ConfigLoader, port_above_65535_is_out_of_range) {
  const std::string error = failure(load(with("port: 9878", "port: 70000")));
  EXPECT_EQ(error, "test.yaml:21:9: key 'fix.port': must be between 1 and 65535");
}

TEST(ConfigLoader, fractional_quantity_is_not_a_whole_number) {
  const std::string error = failure(load(with("quantity: 5\n", "quantity: 2.5\n")));
  EXPECT_EQ(error, "test.yaml:19:15: key 'book[1].quantity': expected a whole number, got '2.5'");
}

TEST(ConfigLoader, straddle_is_not_an_option_right) {
  const std::string error = failure(load(with("right: put", "right: straddle")));
  EXPECT_EQ(error, "test.yaml:16:12: key 'book[1].right': 'straddle' is not one of: call, put");
}

TEST(ConfigLoader, turbo_is_not_an_idle_strategy) {
  const std::string error = failure(load(with("idle_strategy: backoff", "idle_strategy: turbo")));
  EXPECT_EQ(error,
            "test.yaml:2:18: key 'engine.idle_strategy': 'turbo' is not one of: spin, backoff");
}

TEST(ConfigLoader, spin_idle_strategy_is_accepted) {
  const LoadResult result = load(with("idle_strategy: backoff", "idle_strategy: spin"));
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_EQ(result.config->idle_strategy, hedged::config::IdleStrategyName::kSpin);
}

TEST(ConfigLoader, book_line_without_strike_names_the_line) {
  const std::string error = failure(load(with("    strike: 95\n", "")));
  EXPECT_EQ(error, "test.yaml:15:5: key 'book[1]': missing required key 'strike'");
}

TEST(ConfigLoader, underlying_without_symbol_names_the_underlying) {
  const std::string error =
      failure(load(with("  - symbol: SIM\n    vol: 0.25\n", "  - vol: 0.25\n")));
  EXPECT_EQ(error, "test.yaml:8:5: key 'underlyings[0]': missing required key 'symbol'");
}

TEST(ConfigLoader, missing_underlyings_list_is_an_error) {
  const std::string error =
      failure(load(with("underlyings:\n  - symbol: SIM\n    vol: 0.25\n    hedge:\n"
                        "      band_delta_shares: 250\n      order_timeout: 2s\n",
                        "")));
  EXPECT_THAT(
      error,
      StartsWith("test.yaml:1:1: key 'underlyings': expected a list with at least one underlying"));
}

TEST(ConfigLoader, book_line_for_an_unknown_underlying_is_an_error) {
  const std::string error = failure(load(with("  - underlying: SIM\n", "  - underlying: XYZ\n")));
  EXPECT_EQ(error, "test.yaml:15:17: key 'book[1].underlying': unknown underlying 'XYZ'");
}

TEST(ConfigLoader, expiry_date_in_the_past_is_an_error) {
  const std::string error = failure(load(with("2027-03-19", "2020-01-17")));
  EXPECT_EQ(error, "test.yaml:18:13: key 'book[1].expiry': the option has already expired");
}

TEST(ConfigLoader, expiry_earlier_today_than_now_is_expired_and_later_today_is_not) {
  // Dates expire at 20:00 UTC; now is 12:00 UTC on 2026-01-15.
  EXPECT_THAT(failure(load(with("2027-03-19", "2026-01-14"))), HasSubstr("already expired"));
  const LoadResult today = load(with("2027-03-19", "2026-01-15"));
  ASSERT_TRUE(today.config.has_value()) << today.error;
  EXPECT_EQ(today.config->engine.instruments[2].expiry_ns, kNow + 8 * 3600 * kSecond);
}

TEST(ConfigLoader, malformed_expiries_are_rejected) {
  for (const char* bad :
       {"2027-02-30", "2027-13-01", "2027/03/19", "30", "0d", "-5d", "soon", "2027-03-19x"}) {
    const std::string error = failure(load(with("2027-03-19", bad)));
    EXPECT_THAT(error, StartsWith("test.yaml:18:13: key 'book[1].expiry': ")) << bad;
  }
}

TEST(ConfigLoader, dates_out_of_the_calendar_range_are_errors_not_wrapped_or_overflowed) {
  // Out-of-range numbers would wrap in the calendar types (2030-257-01 read as a January date)
  // and years past 2262 overflow nanoseconds since 1970.
  for (const char* bad :
       {"4054-03-19", "2263-01-01", "67566-01-01", "2030-257-01", "2030-01-257", "1969-12-31"}) {
    EXPECT_EQ(failure(load(with("2027-03-19", bad))),
              std::string("test.yaml:18:13: key 'book[1].expiry': '") + bad +
                  "' is not a valid date between 1970 and 2200")
        << bad;
  }
}

TEST(ConfigLoader, expiry_beyond_the_clock_range_is_rejected) {
  const std::string error = failure(load(with("2027-03-19", "100000d")));
  EXPECT_EQ(error, "test.yaml:18:13: key 'book[1].expiry': '100000d' is too far in the future");
}

TEST(ConfigLoader, duplicate_underlying_symbol_is_an_error) {
  const std::string error = failure(load(with("book:\n", "  - symbol: SIM\nbook:\n")));
  EXPECT_EQ(error, "test.yaml:13:13: key 'underlyings[1].symbol': duplicate underlying 'SIM'");
}

TEST(ConfigLoader, missing_data_dictionary_names_the_key_and_the_resolved_path) {
  const std::string error = failure(load(with("fix/FIX44.xml", "fix/missing.xml")));
  EXPECT_EQ(error, "test.yaml:22:20: key 'fix.data_dictionary': file not found: " + config_dir() +
                       "/fix/missing.xml");
}

TEST(ConfigLoader, data_dictionary_defaults_relative_to_the_base_folder) {
  const std::string without_fix =
      with("fix:\n  port: 9878\n  data_dictionary: fix/FIX44.xml\n", "");
  const LoadResult found = load(without_fix);
  ASSERT_TRUE(found.config.has_value()) << found.error;
  EXPECT_EQ(found.config->fix.data_dictionary, config_dir() + "/fix/FIX44.xml");

  const std::string error =
      failure(load_text(without_fix, "test.yaml", std::string(HEDGED_SOURCE_DIR), kNow));
  EXPECT_THAT(error, StartsWith("test.yaml:1:1: key 'fix.data_dictionary': file not found: "));
  EXPECT_THAT(error, HasSubstr(std::string(HEDGED_SOURCE_DIR) + "/fix/FIX44.xml"));
}

TEST(ConfigLoader, remote_host_with_an_embedded_venue_names_the_host) {
  const std::string error =
      failure(load(with("  port: 9878\n", "  port: 9878\n  host: 10.0.0.5\n")));
  EXPECT_THAT(
      error, StartsWith("test.yaml:22:9: key 'fix.host': the embedded venue listens on 127.0.0.1"));

  const LoadResult remote = load(with("  port: 9878\n", "  port: 9878\n  host: 10.0.0.5\n") +
                                 "venue:\n  embedded: false\n");
  ASSERT_TRUE(remote.config.has_value()) << remote.error;
  EXPECT_EQ(remote.config->fix.host, "10.0.0.5");
  EXPECT_FALSE(remote.config->venue.embedded);
}

TEST(ConfigLoader, metrics_listen_without_a_port_is_an_error) {
  const std::string error = failure(load(kBase + "metrics:\n  listen: localhost\n"));
  EXPECT_EQ(error,
            "test.yaml:24:11: key 'metrics.listen': expected host:port, e.g. 127.0.0.1:9464");
}

TEST(ConfigLoader, empty_document_is_an_error_at_line_one) {
  EXPECT_EQ(failure(load("")), "test.yaml:1:1: the file is empty");
  EXPECT_EQ(failure(load("# nothing here\n")), "test.yaml:1:1: the file is empty");
}

TEST(ConfigLoader, relative_expiry_is_now_plus_the_tenor_exactly) {
  const LoadResult result = load(kBase);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& instruments = result.config->engine.instruments;
  ASSERT_EQ(instruments.size(), 3u);
  EXPECT_EQ(instruments[1].expiry_ns, kNow + 30 * kDay);

  const LoadResult later = load_text(kBase, "test.yaml", config_dir(), kNow + 7 * kSecond);
  ASSERT_TRUE(later.config.has_value()) << later.error;
  EXPECT_EQ(later.config->engine.instruments[1].expiry_ns, kNow + 7 * kSecond + 30 * kDay);
}

TEST(ConfigLoader, expiry_date_is_twenty_hundred_utc_that_day) {
  const LoadResult result = load(kBase);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  constexpr TimeNs kExpected = days_since_epoch(2027, 3, 19) * kDay + 20 * 3600 * kSecond;
  static_assert(kExpected == 1'805'486'400LL * kSecond);
  EXPECT_EQ(result.config->engine.instruments[2].expiry_ns, kExpected);
}

TEST(ConfigLoader, option_symbols_carry_underlying_date_right_and_strike) {
  const LoadResult result = load(kBase);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& instruments = result.config->engine.instruments;
  ASSERT_EQ(instruments.size(), 3u);
  EXPECT_EQ(instruments[0].symbol, "SIM");
  EXPECT_EQ(instruments[0].kind, InstrumentKind::kSpot);
  EXPECT_EQ(instruments[1].symbol, "SIM-20260214-C-100");  // 2026-01-15 + 30 days
  EXPECT_EQ(instruments[2].symbol, "SIM-20270319-P-95");
  EXPECT_EQ(instruments[1].right, OptionRight::kCall);
  EXPECT_EQ(instruments[2].right, OptionRight::kPut);
  EXPECT_DOUBLE_EQ(instruments[2].strike, 95.0);
  EXPECT_DOUBLE_EQ(instruments[1].multiplier, 100.0);
  for (hedged::InstrumentId i = 0; i < instruments.size(); ++i) {
    EXPECT_EQ(instruments[i].id, i);
    EXPECT_EQ(instruments[i].underlying, 0u);
  }
}

TEST(ConfigLoader, two_lines_for_the_same_option_share_one_instrument) {
  const std::string text = with(
      "  - underlying: SIM\n    right: put\n    strike: 95\n    expiry: 2027-03-19\n    quantity: "
      "5\n",
      "  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: 4}\n");
  const LoadResult result = load(text);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& engine = result.config->engine;
  ASSERT_EQ(engine.instruments.size(), 2u);
  EXPECT_EQ(engine.instruments[1].symbol, "SIM-20260214-C-100");
  ASSERT_EQ(engine.book.size(), 2u);
  EXPECT_EQ(engine.book[0].option, 1u);
  EXPECT_EQ(engine.book[1].option, 1u);
  EXPECT_EQ(engine.book[0].quantity, -10);
  EXPECT_EQ(engine.book[1].quantity, 4);
}

TEST(ConfigLoader, strikes_that_differ_beyond_six_digits_stay_distinct) {
  const std::string text =
      with("strike: 100,", "strike: 123456,", with("strike: 95", "strike: 123456.5"));
  const LoadResult result =
      load(with("2027-03-19", "30d", with("right: put", "right: call", text)));
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto& instruments = result.config->engine.instruments;
  ASSERT_EQ(instruments.size(), 3u);
  EXPECT_EQ(instruments[1].symbol, "SIM-20260214-C-123456");
  EXPECT_EQ(instruments[2].symbol, "SIM-20260214-C-123456.5");
  EXPECT_DOUBLE_EQ(instruments[2].strike, 123456.5);

  const LoadResult large = load(with("strike: 100,", "strike: 1000000,"));
  ASSERT_TRUE(large.config.has_value()) << large.error;
  EXPECT_EQ(large.config->engine.instruments[1].symbol, "SIM-20260214-C-1000000");
}

TEST(ParseDuration, accepts_a_number_and_a_unit) {
  EXPECT_EQ(parse_duration("250ms"), 250'000'000);
  EXPECT_EQ(parse_duration("5s"), 5 * kSecond);
  EXPECT_EQ(parse_duration("1m"), 60 * kSecond);
  EXPECT_EQ(parse_duration("2h"), 7'200 * kSecond);
  EXPECT_EQ(parse_duration("100us"), 100'000);
  EXPECT_EQ(parse_duration("3d"), 3 * kDay);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_duration("0ms"), 0);
}

TEST(ParseDuration, rejects_missing_or_unknown_parts) {
  for (const char* bad :
       {"", "5", "ms", "5 sec", "abc", "5S", "5sec", " 5s", "s5", "infs", "nanms"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ConfigLoader, load_file_resolves_paths_against_the_file_folder) {
  const TempDir dir;
  std::filesystem::create_directories(dir.path() / "site" / "dict");
  std::filesystem::copy_file(config_dir() + "/fix/FIX44.xml",
                             dir.path() / "site" / "dict" / "FIX44.xml");
  const std::string path = dir.write("site/hedged.yaml", with("fix/FIX44.xml", "dict/FIX44.xml") +
                                                             "logging:\n  file: logs/hedged.log\n");

  const LoadResult result = load_file(path, kNow);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  const auto site = dir.path() / "site";
  EXPECT_EQ(result.config->source_path, path);
  EXPECT_EQ(result.config->fix.data_dictionary, (site / "dict" / "FIX44.xml").string());
  EXPECT_EQ(result.config->logging.file, (site / "logs" / "hedged.log").string());
}

TEST(ConfigLoader, load_file_errors_name_the_file_path) {
  const TempDir dir;
  const std::string path = dir.write("bad.yaml", with("port: 9878", "port: 70000"));
  EXPECT_EQ(failure(load_file(path, kNow)),
            path + ":21:9: key 'fix.port': must be between 1 and 65535");

  const std::string broken =
      dir.write("broken.yaml", with("  timer_interval: 50ms\n", "     timer_interval: 50ms\n"));
  EXPECT_THAT(failure(load_file(broken, kNow)), StartsWith(broken + ":3:"));

  // The file's own folder holds no dictionary, so the relative default is not found there.
  const std::string elsewhere = dir.write("elsewhere.yaml", kBase);
  EXPECT_THAT(failure(load_file(elsewhere, kNow)),
              HasSubstr("key 'fix.data_dictionary': file not found: " +
                        (dir.path() / "fix" / "FIX44.xml").string()));
}

TEST(ConfigLoader, load_file_on_a_missing_file_names_the_path) {
  const TempDir dir;
  const std::string path = (dir.path() / "does-not-exist.yaml").string();
  const std::string error = failure(load_file(path, kNow));
  EXPECT_THAT(error, StartsWith(path + ":"));
  EXPECT_THAT(error, HasSubstr("cannot open"));
}

}  // namespace

namespace {

TEST(ConfigLoader, vol_mode_defaults_to_flat_and_accepts_quote_iv) {
  const LoadResult flat = load(kBase);
  ASSERT_TRUE(flat.config) << flat.error;
  EXPECT_EQ(flat.config->engine.underlyings[0].vol_mode, hedged::VolMode::kFlat);
  const LoadResult quoted =
      load(with("    vol: 0.25\n", "    vol: 0.25\n    vol_mode: quote_iv\n"));
  ASSERT_TRUE(quoted.config) << quoted.error;
  EXPECT_EQ(quoted.config->engine.underlyings[0].vol_mode, hedged::VolMode::kQuoteIv);
  const std::string error =
      failure(load(with("    vol: 0.25\n", "    vol: 0.25\n    vol_mode: surface_magic\n")));
  EXPECT_EQ(error,
            "test.yaml:10:15: key 'underlyings[0].vol_mode': 'surface_magic' is not one of: flat, "
            "quote_iv, surface");
}

TEST(ConfigLoader, american_style_makes_a_distinct_american_instrument) {
  const LoadResult result =
      load(with("  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: -10}\n",
                "  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: -10}\n"
                "  - {underlying: SIM, right: call, strike: 100, expiry: 30d, quantity: 4, style: "
                "american}\n"));
  ASSERT_TRUE(result.config) << result.error;
  const auto& instruments = result.config->engine.instruments;
  int american = 0;
  int european = 0;
  for (const auto& spec : instruments) {
    if (spec.kind != InstrumentKind::kOption || spec.strike != 100.0) continue;
    if (spec.exercise == hedged::ExerciseStyle::kAmerican) {
      ++american;
      EXPECT_EQ(spec.symbol.substr(spec.symbol.size() - 2), "-A");
    } else {
      ++european;
    }
  }
  EXPECT_EQ(american, 1);
  EXPECT_EQ(european, 1);
}

TEST(ConfigLoader, shipped_default_holds_american_options) {
  const LoadResult result = load_file(config_dir() + "/default.yaml", kNow);
  ASSERT_TRUE(result.config) << result.error;
  int american = 0;
  for (const auto& spec : result.config->engine.instruments) {
    american +=
        spec.kind == InstrumentKind::kOption && spec.exercise == hedged::ExerciseStyle::kAmerican;
  }
  EXPECT_EQ(american, 2);
}

}  // namespace

namespace hedged {
namespace {

using hedged::config::load_text;

const std::string kFutureHedge =
    "    hedge:\n"
    "      instrument: future\n"
    "      future: {symbol: SIM-F, multiplier: 50, expiry: 90d, tick_size: 0.25, lot_size: 2}\n"
    "      policy: whalley_wilmott\n"
    "      cost_bps: 1.5\n"
    "      risk_aversion: 0.0001\n"
    "      min_band_shares: 40\n"
    "      target: edge\n";

hedged::config::LoadResult load_hedge(const std::string& hedge) {
  std::string text = kBase;
  const std::string from = "    hedge:\n      band_delta_shares: 250\n      order_timeout: 2s\n";
  text.replace(text.find(from), from.size(), hedge);
  return load_text(text, "test.yaml", config_dir(), kNow);
}

TEST(ConfigHedge, future_hedge_instrument_and_whalley_wilmott_policy) {
  const auto result = load_hedge(kFutureHedge);
  ASSERT_TRUE(result.config) << result.error;
  const EngineConfig& e = result.config->engine;
  const UnderlyingConfig& u = e.underlyings[0];
  const InstrumentSpec& future = e.instruments[u.hedge_instrument];
  EXPECT_EQ(future.kind, InstrumentKind::kFuture);
  EXPECT_EQ(future.symbol, "SIM-F");
  EXPECT_EQ(future.underlying, u.spot_instrument);
  EXPECT_EQ(future.multiplier, 50.0);
  EXPECT_EQ(future.expiry_ns, kNow + 90 * 86400 * kNanosPerSecond);
  EXPECT_EQ(future.tick_size, 0.25);
  EXPECT_EQ(future.lot_size, 2);
  EXPECT_EQ(u.policy.kind, hedging::HedgePolicyKind::kWhalleyWilmott);
  EXPECT_EQ(u.policy.target, hedging::HedgeTarget::kBandEdge);
  EXPECT_DOUBLE_EQ(u.policy.cost_fraction, 1.5e-4);
  EXPECT_EQ(u.policy.risk_aversion, 1e-4);
  EXPECT_EQ(u.policy.min_band_shares, 40.0);
  EXPECT_EQ(u.policy.lot_size, 2);       // the future's lot
  EXPECT_EQ(u.policy.min_trade_qty, 2);  // one lot of contracts by default
}

TEST(ConfigHedge, policy_keys_are_checked) {
  auto missing = load_hedge("    hedge:\n      instrument: future\n");
  EXPECT_EQ(missing.error,
            "test.yaml:11:7: key 'underlyings[0].hedge': instrument: future needs a 'future' "
            "section");
  auto ww = load_hedge("    hedge:\n      policy: whalley_wilmott\n      cost_bps: 1\n");
  EXPECT_EQ(ww.error,
            "test.yaml:11:7: key 'underlyings[0].hedge': policy: whalley_wilmott needs "
            "'risk_aversion' > 0 and 'cost_bps'");
  auto notional = load_hedge("    hedge:\n      policy: band_notional\n");
  EXPECT_EQ(notional.error,
            "test.yaml:11:7: key 'underlyings[0].hedge': policy: band_notional needs "
            "'band_delta_notional'");
  auto taken = load_hedge(
      "    hedge:\n      instrument: future\n      future: {symbol: SIM, expiry: 30d}\n");
  EXPECT_EQ(taken.error,
            "test.yaml:12:24: key 'underlyings[0].hedge.future.symbol': 'SIM' is empty or "
            "already a symbol");
  auto time = load_hedge("    hedge:\n      policy: time\n      rebalance_interval: 30s\n");
  ASSERT_TRUE(time.config) << time.error;
  EXPECT_EQ(time.config->engine.underlyings[0].policy.kind, hedging::HedgePolicyKind::kTime);
  EXPECT_EQ(time.config->engine.underlyings[0].policy.rebalance_interval_ns, 30 * kNanosPerSecond);
}

// kBase with an `execution:` section (from line 13) under the underlying.
LoadResult load_execution(const std::string& section) {
  return load(
      with("      order_timeout: 2s\n", "      order_timeout: 2s\n    execution:\n" + section));
}

TEST(ConfigExecution, omitted_section_keeps_the_immediate_far_touch_hedge) {
  const auto result = load(kBase);
  ASSERT_TRUE(result.config) << result.error;
  const execution::ExecutionParams& p = result.config->engine.underlyings[0].execution;
  EXPECT_EQ(p.algorithm, execution::Algorithm::kImmediate);
  EXPECT_EQ(p.price_rule, execution::PriceRule::kCross);
  EXPECT_EQ(p.max_slippage_bps, execution::kNoSlippageCap);
  // A section naming only the algorithm: immediate still crosses, the others join.
  const auto immediate = load_execution("      algorithm: immediate\n");
  ASSERT_TRUE(immediate.config) << immediate.error;
  EXPECT_EQ(immediate.config->engine.underlyings[0].execution.price_rule,
            execution::PriceRule::kCross);
  const auto twap = load_execution("      algorithm: twap\n");
  ASSERT_TRUE(twap.config) << twap.error;
  const execution::ExecutionParams& t = twap.config->engine.underlyings[0].execution;
  EXPECT_EQ(t.price_rule, execution::PriceRule::kJoin);
  EXPECT_EQ(t.horizon_ns, 60 * kNanosPerSecond);
  EXPECT_EQ(t.slice_interval_ns, 5 * kNanosPerSecond);
  EXPECT_EQ(t.cross_after_ns, 10 * kNanosPerSecond);
  EXPECT_EQ(t.max_slippage_bps, execution::kNoSlippageCap);
}

TEST(ConfigExecution, every_key_is_read_with_its_unit) {
  const auto twap = load_execution(
      "      algorithm: twap\n      horizon: 2m\n      slice_interval: 7500ms\n"
      "      price_rule: improve\n      cross_after: 3s\n      max_slippage_bps: 25\n"
      "      min_child_qty: 100\n      max_child_qty: 900\n      max_children_per_second: 4\n");
  ASSERT_TRUE(twap.config) << twap.error;
  const execution::ExecutionParams& p = twap.config->engine.underlyings[0].execution;
  EXPECT_EQ(p.algorithm, execution::Algorithm::kTwap);
  EXPECT_EQ(p.horizon_ns, 120 * kNanosPerSecond);
  EXPECT_EQ(p.slice_interval_ns, 7500 * kNanosPerMilli);
  EXPECT_EQ(p.price_rule, execution::PriceRule::kImprove);
  EXPECT_EQ(p.cross_after_ns, 3 * kNanosPerSecond);
  EXPECT_DOUBLE_EQ(p.max_slippage_bps, 25.0);
  EXPECT_EQ(p.min_child_qty, 100);
  EXPECT_EQ(p.max_child_qty, 900);
  EXPECT_DOUBLE_EQ(p.max_children_per_second, 4.0);

  const auto ac = load_execution(
      "      algorithm: almgren_chriss\n      horizon: 30s\n      slice_interval: 3s\n"
      "      risk_aversion: 0.001\n      temporary_impact: 0.05\n      permanent_impact: 0.01\n"
      "      impact_coefficient: 0.7\n      price_rule: cross\n");
  ASSERT_TRUE(ac.config) << ac.error;
  const execution::ExecutionParams& a = ac.config->engine.underlyings[0].execution;
  EXPECT_EQ(a.algorithm, execution::Algorithm::kAlmgrenChriss);
  EXPECT_DOUBLE_EQ(a.risk_aversion_per_currency, 0.001);
  EXPECT_DOUBLE_EQ(a.temporary_impact, 0.05);
  EXPECT_DOUBLE_EQ(a.permanent_impact, 0.01);
  EXPECT_DOUBLE_EQ(a.impact_coefficient, 0.7);
  EXPECT_EQ(a.price_rule, execution::PriceRule::kCross);
  EXPECT_EQ(validate(ac.config->engine), "");
}

TEST(ConfigExecution, bad_settings_name_their_position_and_key) {
  EXPECT_EQ(failure(load_execution("      algorithm: vwap\n")),
            "test.yaml:14:18: key 'underlyings[0].execution.algorithm': 'vwap' is not one of: "
            "immediate, twap, pov, almgren_chriss");
  EXPECT_EQ(
      failure(load_execution(
          "      algorithm: pov\n      participation_pct: 30\n      max_participation_pct: 20\n")),
      "test.yaml:14:7: key 'underlyings[0].execution': need 0 < participation_pct <= "
      "max_participation_pct <= 100");
  EXPECT_EQ(failure(load_execution("      algorithm: twap\n      slice_interval: 2m\n")),
            "test.yaml:14:7: key 'underlyings[0].execution': slice_interval must be positive and "
            "at most horizon");
  EXPECT_EQ(failure(load_execution("      horizon: 5 s\n")),
            "test.yaml:14:16: key 'underlyings[0].execution.horizon': '5 s' is not a duration: "
            "use a number and a unit (us, ms, s, m, h, d), e.g. 250ms");
  EXPECT_EQ(failure(load_execution("      algorithm: twap\n      horizon: 2d\n")),
            "test.yaml:15:16: key 'underlyings[0].execution.horizon': '2d' is out of range");
  EXPECT_EQ(failure(load_execution("      max_slippage_bps: 10000\n")),
            "test.yaml:14:25: key 'underlyings[0].execution.max_slippage_bps': must be below 10000 "
            "(100%)");
  EXPECT_EQ(failure(load_execution("      min_child_qty: 500\n      max_child_qty: 400\n")),
            "test.yaml:14:7: key 'underlyings[0].execution': need 0 <= min_child_qty <= "
            "max_child_qty and max_child_qty >= 2 x min_child_qty - lot_size (after lot rounding)");
  EXPECT_EQ(failure(load_execution("      min_child_qty: 500\n      max_child_qty: 600\n")),
            "test.yaml:14:7: key 'underlyings[0].execution': need 0 <= min_child_qty <= "
            "max_child_qty and max_child_qty >= 2 x min_child_qty - lot_size (after lot rounding)");
  EXPECT_THAT(failure(load_execution("      algorithm: almgren_chriss\n")),
              HasSubstr("key 'underlyings[0].execution': almgren_chriss with risk_aversion > 0 "
                        "needs temporary_impact > 0"));
  EXPECT_EQ(failure(load_execution("      algorithm: almgren_chriss\n      temporary_impact: "
                                   "0.01\n      permanent_impact: 1\n")),
            "test.yaml:14:7: key 'underlyings[0].execution': almgren_chriss needs "
            "permanent_impact < 2 x temporary_impact / slice time");
  EXPECT_THAT(failure(load_execution("      slices: 4\n")),
              StartsWith("test.yaml:14:7: key 'underlyings[0].execution.slices': unknown key"));
}

}  // namespace
}  // namespace hedged

namespace hedged {
namespace {

TEST(ConfigMarketData, fix_source_uses_its_own_session_to_the_same_venue) {
  std::string text = kBase;
  text.replace(text.find("market_data:\n"), 13, "market_data:\n  source: fix\n");
  text += "venue:\n  embedded: false\n";
  const auto result = config::load_text(text, "test.yaml", config_dir(), kNow);
  ASSERT_TRUE(result.config) << result.error;
  const config::DaemonConfig& c = *result.config;
  EXPECT_EQ(c.market_data.source, "fix");
  EXPECT_EQ(c.market_data.fix.sender_comp_id, "HEDGED-MD");
  EXPECT_EQ(c.market_data.fix.target_comp_id, c.fix.target_comp_id);
  EXPECT_EQ(c.market_data.fix.port, 9878);
  EXPECT_EQ(c.market_data.fix.data_dictionary, c.fix.data_dictionary);
  // A venue run on this file accepts both sessions and knows every symbol.
  EXPECT_EQ(c.venue.venue.client_comp_ids, (std::vector<std::string>{"HEDGED", "HEDGED-MD"}));
  EXPECT_EQ(c.venue.venue.md_symbols.size(), c.engine.instruments.size());
}

TEST(ConfigMarketData, fix_source_needs_an_external_venue_and_its_own_comp_id) {
  std::string text = kBase;
  text.replace(text.find("market_data:\n"), 13, "market_data:\n  source: fix\n");
  const auto embedded = config::load_text(text, "test.yaml", config_dir(), kNow);
  ASSERT_FALSE(embedded.config);
  EXPECT_THAT(embedded.error,
              StartsWith("test.yaml:5:11: key 'market_data.source': the embedded venue trades"));
  std::string same = kBase;
  same.replace(same.find("market_data:\n"), 13,
               "market_data:\n  source: fix\n  fix: {sender_comp_id: HEDGED}\n");
  same += "venue:\n  embedded: false\n";
  const auto clash = config::load_text(same, "test.yaml", config_dir(), kNow);
  ASSERT_FALSE(clash.config);
  EXPECT_THAT(clash.error, HasSubstr("key 'market_data.fix.sender_comp_id': must differ"));
}

TEST(ConfigLoader, a_second_yaml_document_is_refused_not_ignored) {
  const std::string error = failure(load(kBase + "---\nmarket_data:\n  seed: 8\n"));
  // kBase has 22 lines; the second document starts with the '---' of line 23.
  EXPECT_THAT(error, StartsWith("test.yaml:23:1:"));
  EXPECT_THAT(error, HasSubstr("a second YAML document"));
}

TEST(ConfigLoader, an_overlong_value_is_refused_with_its_position_and_not_echoed) {
  const std::string big(200'000, '9');
  const std::string error = failure(load(with("  seed: 7\n", "  seed: " + big + "\n")));
  EXPECT_THAT(error, StartsWith("test.yaml:5:9: a value of 200000 bytes; at most 65536"));
  EXPECT_LT(error.size(), 300u);
}

TEST(ConfigLoader, a_long_bad_value_is_cut_in_the_message_and_controls_are_escaped) {
  // "\e" is ESC in a double-quoted YAML string.
  const std::string value = "x\\e" + std::string(10'000, 'y');
  const std::string error =
      failure(load(with("  idle_strategy: backoff\n", "  idle_strategy: \"" + value + "\"\n")));
  EXPECT_THAT(error, HasSubstr("'x\\x1byyy"));
  EXPECT_THAT(error, HasSubstr(" bytes)"));
  EXPECT_EQ(error.find('\x1b'), std::string::npos);
  EXPECT_LT(error.size(), 1000u);
}

TEST(ConfigLoader, a_file_over_the_size_cap_is_refused_before_it_is_parsed) {
  TempDir dir;
  const std::string path = (dir.path() / "huge.yaml").string();
  {
    std::ofstream out(path);
    out << kBase << "# " << std::string(17 * 1024 * 1024, 'z') << "\n";
  }
  const std::string error = failure(load_file(path, kNow));
  EXPECT_THAT(error, StartsWith(path + ": "));
  EXPECT_THAT(error, HasSubstr("bytes; a config file may have 16777216"));
}

}  // namespace
}  // namespace hedged
