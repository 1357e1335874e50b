// Reloads during ticks: the real daemon hedges on a fast simulator feed (quotes every
// millisecond) while this thread rewrites the limits file over and over, alternating valid and
// broken versions, and asks for reloads in between (the SIGHUP path) while scraping /metrics.
// Every valid version must reach the engine in order, every broken one must be rejected, and
// the run must be clean under ThreadSanitizer (the suite's tsan preset runs this test).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;

constexpr int kRounds = testing::kThreadSanitizer ? 31 : 61;  // not a multiple of 3: ends valid

TEST(LimitsReloadStress, reloads_between_ticks_apply_in_order_and_broken_files_change_nothing) {
  testing::TempDir dir("hedged-reload");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  testing::TestMarket market;
  const std::string path = dir.write("limits.yaml", testing::test_limits(market)).string();
  market.limits_file = path;
  std::string text = testing::test_config(ports, testing::dictionary_path(), market);
  const std::string tick = "  tick_interval: 20ms\n";
  text.replace(text.find(tick), tick.size(), "  tick_interval: 1ms\n");
  auto loaded =
      config::load_text(text, "reload-stress.yaml", dir.path().string(), runtime::wall_clock_ns());
  ASSERT_TRUE(loaded.config) << loaded.error;
  app::Daemon daemon(*loaded.config);
  daemon.start();

  const auto deadline = [](std::chrono::seconds s) { return std::chrono::steady_clock::now() + s; };
  const auto write = [&](const std::string& body) {
    dir.write("limits.yaml.tmp", body);
    std::filesystem::rename(path + ".tmp", path);
  };
  const std::uint64_t quotes_before = daemon.status().engine.quotes;
  int valid = 0;
  for (int round = 1; round <= kRounds; ++round) {
    if (round % 3 == 0) {
      write(testing::test_limits(market) + "breakers: {stale_market_data: {timeout: -1s}}\n");
    } else {
      // Each valid version differs in the delta limit, so each one is a real change.
      ++valid;
      write(testing::test_limits(
          market, "    delta_shares: {hard: " + std::to_string(1'000'000 + round) + "}\n"));
    }
    daemon.request_reload("stress");
    (void)testing::http_get(ports.metrics, "/metrics");
    std::this_thread::sleep_for(5ms);
  }
  // The last round is valid (kRounds is not a multiple of 3): its version must be in force.
  ASSERT_NE(kRounds % 3, 0);
  const double last_hard = 1'000'000 + kRounds;
  const auto until = deadline(20s);
  EngineSnapshot s;
  while (std::chrono::steady_clock::now() < until) {
    s = daemon.status().engine;
    if (s.underlyings[0].risk.limits[0].hard == last_hard) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(s.underlyings[0].risk.limits[0].hard, last_hard);
  // Versions only go up by applied reloads; broken files never became a version.
  const auto body = testing::http_get(ports.metrics, "/metrics");
  ASSERT_TRUE(body);
  const double applied =
      testing::metric_value(*body, "hedged_config_reloads_total{result=\"applied\"}").value_or(-1);
  const double rejected =
      testing::metric_value(*body, "hedged_config_reloads_total{result=\"rejected\"}").value_or(-1);
  EXPECT_EQ(testing::metric_value(*body, "hedged_limits_version"), applied + 1.0);
  EXPECT_GE(applied, 1.0);
  EXPECT_LE(applied, static_cast<double>(valid));  // an unchanged file is never re-applied
  EXPECT_GE(rejected, 1.0);
  // Ticks kept flowing while the limits changed under them (1 ms ticks over 150+ ms of rounds).
  EXPECT_GT(s.quotes, quotes_before + 50);
  daemon.stop("test finished");
}

}  // namespace
}  // namespace hedged
