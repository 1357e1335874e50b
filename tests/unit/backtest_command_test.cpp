// `hedged backtest` below the command line: the backtest section of a config, policies loaded
// through the daemon's own loader, errors with file:line:column, and output bytes that depend on
// the seed only (not on the thread count).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <string>

#include "daemon/app/backtest_command.hpp"
#include "tests/support/test_support.hpp"

namespace hedged::app {
namespace {

const std::string kShortCall =
    std::string(HEDGED_SOURCE_DIR) + "/config/backtest/short_call_gbm.yaml";

BacktestOptions small(const std::string& path, unsigned threads, std::uint64_t seed = 5) {
  BacktestOptions o;
  o.config_path = path;
  o.paths = 24;
  o.seed = seed;
  o.threads = threads;
  o.progress = false;
  return o;
}

double field(const std::string& json, const std::string& policy, const std::string& key) {
  const std::size_t at = json.find("\"name\": \"" + policy + "\"");
  if (at == std::string::npos) return -1e300;
  const std::regex re("\"" + key + "\": (-?[0-9.e+-]+)");
  std::smatch m;
  const std::string rest = json.substr(at);
  if (!std::regex_search(rest, m, re)) return -1e300;
  return std::stod(m[1]);
}

TEST(BacktestCommandTest, the_same_seed_gives_the_same_bytes_on_any_number_of_threads) {
  const BacktestOutput one = run_backtest(small(kShortCall, 1));
  ASSERT_EQ(one.error, "");
  const BacktestOutput three = run_backtest(small(kShortCall, 3));
  ASSERT_EQ(three.error, "");
  EXPECT_EQ(one.summary_json, three.summary_json);
  EXPECT_EQ(one.paths_csv, three.paths_csv);
  EXPECT_EQ(one.attribution_csv, three.attribution_csv);
  EXPECT_EQ(one.report_html, three.report_html);
  const BacktestOutput other = run_backtest(small(kShortCall, 2, 6));
  ASSERT_EQ(other.error, "");
  EXPECT_NE(one.paths_csv, other.paths_csv);
}

TEST(BacktestCommandTest, every_policy_runs_on_the_same_paths_with_the_same_premium) {
  const BacktestOutput out = run_backtest(small(kShortCall, 2));
  ASSERT_EQ(out.error, "");
  // Hull's 100,000 calls: premium ~240,000 for every policy (the config's own five).
  for (const char* policy : {"weekly", "every_3.5d", "every_1.75d", "band_2000", "band_5000"}) {
    EXPECT_NEAR(field(out.summary_json, policy, "premium"), 239598.84, 0.01) << policy;
  }
  // Weekly: at most 20 rebalances (one per week of the 20); at every quote: at most 80.
  EXPECT_LE(field(out.summary_json, "weekly", "rebalances_mean"), 20.0);
  EXPECT_GT(field(out.summary_json, "weekly", "rebalances_mean"), 15.0);
  EXPECT_LE(field(out.summary_json, "every_1.75d", "rebalances_mean"), 80.0);
  EXPECT_GT(field(out.summary_json, "every_1.75d", "rebalances_mean"), 60.0);
  // More frequent rebalancing: more trades.
  EXPECT_LT(field(out.summary_json, "weekly", "trades_mean"),
            field(out.summary_json, "every_1.75d", "trades_mean"));
  // One CSV row per policy and path, plus the header.
  EXPECT_EQ(std::count(out.paths_csv.begin(), out.paths_csv.end(), '\n'), 5 * 24 + 1);
  // attribution.csv: the sampled path's 81 grid points for each policy.
  EXPECT_EQ(std::count(out.attribution_csv.begin(), out.attribution_csv.end(), '\n'), 5 * 81 + 1);
  EXPECT_NE(out.report_html.find("<svg"), std::string::npos);
  EXPECT_EQ(out.report_html.find("http://"), out.report_html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(out.report_html.find("<script"), std::string::npos);
}

TEST(BacktestCommandTest, a_bad_backtest_key_is_reported_with_its_position) {
  testing::TempDir dir("hedged-backtest");
  std::ifstream in(kShortCall);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = std::regex_replace(text, std::regex("  steps: 80"), "  stepz: 80");
  text = std::regex_replace(text, std::regex("\\.\\./fix/FIX44.xml"),
                            std::string(HEDGED_SOURCE_DIR) + "/config/fix/FIX44.xml");
  const auto path = (dir.path() / "bad.yaml").string();
  std::ofstream(path) << text;
  const BacktestOutput out = run_backtest(small(path, 1));
  EXPECT_NE(out.error.find(path + ":"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("key 'backtest.stepz': unknown key; did you mean 'steps'?"),
            std::string::npos)
      << out.error;
  // A policy the daemon's loader rejects names the policy.
  std::string bad_policy = std::regex_replace(text, std::regex("  stepz: 80"), "  steps: 80");
  bad_policy = std::regex_replace(bad_policy, std::regex("rebalance_interval: 7d\\}"),
                                  "rebalance_interval: soon}");
  std::ofstream(path) << bad_policy;
  const BacktestOutput policy_error = run_backtest(small(path, 1));
  EXPECT_NE(policy_error.error.find("policy 'weekly'"), std::string::npos) << policy_error.error;
  EXPECT_NE(policy_error.error.find("is not a duration"), std::string::npos) << policy_error.error;
}

TEST(BacktestCommandTest, a_replay_config_runs_one_path_on_the_file) {
  const BacktestOutput out = run_backtest(
      small(std::string(HEDGED_SOURCE_DIR) + "/config/backtest/replay_sample.yaml", 2));
  ASSERT_EQ(out.error, "");
  EXPECT_NE(out.summary_json.find("\"market\": \"replay\""), std::string::npos);
  EXPECT_NE(out.summary_json.find("\"paths\": 1,"), std::string::npos);
  // 244 SIM rows in the sample file, one grid point each.
  EXPECT_EQ(std::count(out.attribution_csv.begin(), out.attribution_csv.end(), '\n'), 3 * 244 + 1);
}

TEST(BacktestCommandTest, the_gamma_hedge_example_trades_listed_options) {
  const BacktestOutput out =
      run_backtest(small(std::string(HEDGED_SOURCE_DIR) + "/config/backtest/gamma_hedge.yaml", 2));
  ASSERT_EQ(out.error, "");
  EXPECT_NE(out.summary_json.find("\"option_spread_bps\": 100"), std::string::npos);
  // The same premium for both policies; only the option hedger trades options, and holding
  // less gamma narrows the hedging cost.
  EXPECT_NEAR(field(out.summary_json, "delta_only", "premium"), 239598.84, 0.01);
  EXPECT_NEAR(field(out.summary_json, "delta_gamma", "premium"), 239598.84, 0.01);
  EXPECT_GT(field(out.summary_json, "delta_gamma", "option_orders_mean"), 1.0);
  EXPECT_GT(field(out.summary_json, "delta_gamma", "option_contracts_mean"), 900.0);
  EXPECT_LT(field(out.summary_json, "delta_gamma", "hedge_cost_pv_std"),
            0.6 * field(out.summary_json, "delta_only", "hedge_cost_pv_std"));
  // Written only for a policy that traded options (delta_only's block comes first).
  const std::string only =
      out.summary_json.substr(out.summary_json.find("\"name\": \"delta_only\""),
                              out.summary_json.find("\"name\": \"delta_gamma\"") -
                                  out.summary_json.find("\"name\": \"delta_only\""));
  EXPECT_EQ(only.find("option_orders_mean"), std::string::npos);
  EXPECT_NE(out.table.find("option hedge:"), std::string::npos);
}

}  // namespace
}  // namespace hedged::app
