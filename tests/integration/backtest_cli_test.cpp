// `hedged backtest` as an operator runs it: the shipped configs with few paths, the files it
// writes, the table it prints, and numbers that make sense.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::read_file;

std::string config(const char* name) {
  return std::string(HEDGED_SOURCE_DIR) + "/config/backtest/" + name;
}

double number_after(const std::string& text, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("\"" + key + "\": (-?[0-9.e+-]+)"))) return NAN;
  return std::stod(m[1]);
}

TEST(BacktestCli, short_call_writes_results_and_prints_the_comparison) {
  testing::TempDir dir("hedged-backtest-cli");
  const auto out_dir = dir.path() / "out";
  Process p({"backtest", "-c", config("short_call_gbm.yaml"), "--paths", "200", "--seed", "3",
             "--out", out_dir.string()},
            dir);
  ASSERT_EQ(p.wait(120s), 0) << p.err();
  for (const char* file : {"summary.json", "paths.csv", "attribution.csv", "report.html"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(out_dir / file)) << file;
  }
  // The table: a header and one row per policy.
  const std::string table = p.out();
  EXPECT_NE(table.find("policy"), std::string::npos);
  for (const char* policy : {"weekly", "every_3.5d", "every_1.75d", "band_2000", "band_5000"}) {
    EXPECT_NE(table.find(policy), std::string::npos) << policy;
  }
  const std::string summary = read_file(out_dir / "summary.json");
  // Hull's example: premium ~240,000; the mean hedging cost within a few standard errors of it
  // (weekly: std ~0.2 premium, 200 paths: standard error ~3,400).
  const double premium = number_after(summary, "premium");
  EXPECT_NEAR(premium, 239598.84, 1.0);
  const double cost = number_after(summary, "hedge_cost_pv_mean");
  EXPECT_NEAR(cost, premium, 15000.0);
  const double performance = number_after(summary, "hedge_performance");
  EXPECT_GT(performance, 0.15);
  EXPECT_LT(performance, 0.26);
  // paths.csv: 5 policies x 200 paths + header; every row has 20 fields.
  const std::string csv = read_file(out_dir / "paths.csv");
  std::istringstream lines(csv);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 19) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 1 + 5 * 200);
  const std::string html = read_file(out_dir / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_GE(std::count(html.begin(), html.end(), '<'), 100);
}

TEST(BacktestCli, json_flag_prints_the_summary_and_the_book_config_runs) {
  testing::TempDir dir("hedged-backtest-cli");
  Process p({"backtest", "-c", config("book_heston_jumps.yaml"), "--paths", "16", "--json", "--out",
             (dir.path() / "out").string()},
            dir);
  ASSERT_EQ(p.wait(120s), 0) << p.err();
  const std::string json = p.out();
  EXPECT_EQ(json.rfind("{", 0), 0u);
  EXPECT_NE(json.find("\"market\": \"heston+jumps\""), std::string::npos);
  EXPECT_NE(json.find("\"name\": \"whalley_wilmott\""), std::string::npos);
  // A costly venue: every policy pays something.
  EXPECT_GT(number_after(json, "total_mean"), 0.0);
}

TEST(BacktestCli, a_missing_config_is_a_usage_error_and_a_bad_one_exits_2) {
  testing::TempDir dir("hedged-backtest-cli");
  Process usage({"backtest"}, dir, "usage");
  EXPECT_EQ(usage.wait(10s), 64);
  Process bad({"backtest", "-c", (dir.path() / "missing.yaml").string()}, dir, "bad");
  EXPECT_EQ(bad.wait(10s), 2);
  EXPECT_NE(bad.err().find("missing.yaml"), std::string::npos);
}

}  // namespace
}  // namespace hedged
