// Live limits on the real pipeline (simulator feed, FIX over loopback, venue simulator, HTTP
// metrics): the limits file is rewritten while the daemon hedges, and /metrics shows the new
// limits and the trading state they cause; a broken file is rejected and changes nothing; the
// kill-switch file halts and cancels.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;

using testing::wait_for;

class RiskLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports_ = {testing::free_port(), testing::free_port()};
    testing::TestMarket market;
    limits_path_ = dir_.write("limits.yaml", generous()).string();
    market.limits_file = limits_path_;
    auto loaded =
        config::load_text(testing::test_config(ports_, testing::dictionary_path(), market),
                          "risk-limits-test.yaml", dir_.path().string(), runtime::wall_clock_ns());
    ASSERT_TRUE(loaded.config) << loaded.error;
    daemon_ = std::make_unique<app::Daemon>(*loaded.config);
    daemon_->start();
  }
  void TearDown() override {
    if (daemon_) daemon_->stop("test finished");
  }

  static std::string generous() {
    return testing::test_limits({}, "    delta_shares: {soft: 50000, hard: 100000}\n");
  }

  // Replaces the file the way an editor does: write a new file, rename it over the old one.
  void rewrite(const std::string& text) const {
    const std::string tmp = limits_path_ + ".tmp";
    dir_.write("limits.yaml.tmp", text);
    std::filesystem::rename(tmp, limits_path_);
  }

  std::optional<double> metric(const std::string& series) const {
    const auto body = testing::http_get(ports_.metrics, "/metrics");
    if (!body) return std::nullopt;
    return testing::metric_value(*body, series);
  }
  bool metric_is(const std::string& series, double value) const {
    const auto v = metric(series);
    return v && *v == value;
  }

  testing::TempDir dir_{"hedged-risk"};
  testing::TestPorts ports_;
  std::string limits_path_;
  std::unique_ptr<app::Daemon> daemon_;
};

const std::string kTstState = "hedged_trading_state{underlying=\"TST\"}";
const std::string kHardDelta =
    "hedged_limit{greek=\"delta_shares\",level=\"hard\",underlying=\"TST\"}";

TEST_F(RiskLimitsTest, rewritten_limits_change_the_state_and_a_broken_file_changes_nothing) {
  // Hedging normally under generous limits.
  ASSERT_TRUE(wait_for([&] { return daemon_->status().engine.fills > 0; }, 30s));
  EXPECT_EQ(metric(kTstState), 0.0);
  EXPECT_EQ(metric("hedged_limits_version"), 1.0);
  EXPECT_EQ(metric(kHardDelta), 100000.0);

  // A tiny delta limit: the hedged book's few shares of delta are beyond it at once, and the
  // hard_limit breaker halts the underlying (policy from the file).
  rewrite(testing::test_limits({}, "    delta_shares: {soft: 0.5, hard: 1}\n") +
          "breakers:\n  hard_limit: {action: halt, reset: manual}\n");
  ASSERT_TRUE(wait_for([&] { return metric_is("hedged_limits_version", 2.0); }, 10s));
  EXPECT_EQ(metric("hedged_config_reloads_total{result=\"applied\"}"), 1.0);
  EXPECT_EQ(metric(kHardDelta), 1.0);
  ASSERT_TRUE(wait_for([&] { return metric_is(kTstState, 2.0); }, 10s));
  EXPECT_GE(metric("hedged_breaker_trips_total{breaker=\"hard_limit\"}").value_or(0), 1.0);
  EXPECT_EQ(metric("hedged_breaker_tripped{breaker=\"hard_limit\",underlying=\"TST\"}"), 1.0);
  const EngineSnapshot halted = daemon_->status().engine;
  EXPECT_EQ(halted.underlyings[0].risk.state, TradingState::kHalted);
  EXPECT_NE(std::string(halted.underlyings[0].risk.cause.c_str()).find("hard limit: delta_shares"),
            std::string::npos)
      << halted.underlyings[0].risk.cause.c_str();
  ASSERT_TRUE(wait_for([&] { return daemon_->status().engine.live_orders == 0; }, 5s));
  const std::uint64_t decisions = daemon_->status().engine.underlyings[0].hedge_decisions;

  // A broken file (a typo'd key) is rejected whole: version, limit and state stay.
  rewrite(testing::test_limits({}, "    delta_shares: {soft: 50000, hard: 100000}\n") +
          "breakers:\n  hard_limit: {acton: halt}\n");
  ASSERT_TRUE(wait_for(
      [&] { return metric_is("hedged_config_reloads_total{result=\"rejected\"}", 1.0); }, 10s));
  EXPECT_EQ(metric("hedged_limits_version"), 2.0);
  EXPECT_EQ(metric(kHardDelta), 1.0);
  EXPECT_EQ(metric(kTstState), 2.0);
  // SIGHUP's path re-reads the same broken file: rejected again, nothing else moves.
  daemon_->request_reload("test");
  ASSERT_TRUE(wait_for(
      [&] { return metric_is("hedged_config_reloads_total{result=\"rejected\"}", 2.0); }, 10s));
  EXPECT_EQ(metric("hedged_limits_version"), 2.0);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(daemon_->status().engine.underlyings[0].hedge_decisions, decisions);  // still halted

  // Fixed file and a manual resume: active again.
  rewrite(generous());
  ASSERT_TRUE(wait_for([&] { return metric_is("hedged_limits_version", 3.0); }, 10s));
  daemon_->command(Command::kResume, "test: resume");
  ASSERT_TRUE(wait_for([&] { return metric_is(kTstState, 0.0); }, 10s));
}

TEST_F(RiskLimitsTest, kill_switch_file_halts_and_cancels_until_removed_and_resumed) {
  ASSERT_TRUE(wait_for([&] { return daemon_->status().engine.fills > 0; }, 30s));
  // The file is named in the limits; relative paths are relative to the limits file.
  rewrite(generous() + "breakers:\n  kill_switch: {file: halt.flag}\n");
  ASSERT_TRUE(wait_for([&] { return metric_is("hedged_limits_version", 2.0); }, 10s));
  dir_.write("halt.flag", "");
  ASSERT_TRUE(
      wait_for([&] { return metric_is("hedged_trading_state{underlying=\"book\"}", 2.0); }, 10s));
  ASSERT_TRUE(wait_for([&] { return daemon_->status().engine.live_orders == 0; }, 5s));
  EXPECT_NE(std::string(daemon_->status().engine.state_cause.c_str()).find("halt.flag present"),
            std::string::npos);
  // Resume is refused while the flag is there.
  daemon_->command(Command::kResume, "test: resume");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(metric("hedged_trading_state{underlying=\"book\"}"), 2.0);
  std::filesystem::remove(dir_.path() / "halt.flag");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(metric("hedged_trading_state{underlying=\"book\"}"), 2.0);  // manual reset policy
  daemon_->command(Command::kResume, "test: resume");
  ASSERT_TRUE(
      wait_for([&] { return metric_is("hedged_trading_state{underlying=\"book\"}", 0.0); }, 10s));
}

}  // namespace
}  // namespace hedged
