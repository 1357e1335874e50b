// The admin HTTP API of a running daemon over real HTTP on loopback, and hedgectl against it:
// every endpoint, the 401 path, a halt-then-resume round trip that shows in /metrics, a reload,
// and a flatten that hedges a delta the band would have left alone.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::http_request;
using testing::wait_for;

constexpr const char* kToken = "s3cret-token-for-tests";

class AdminApiTest : public ::testing::Test {
 protected:
  virtual double band() const { return 30.0; }

  void SetUp() override {
    ports_ = {testing::free_port(), testing::free_port()};
    testing::TestMarket market;
    market.band_delta_shares = band();
    market.limits_file = dir_.write("limits.yaml", testing::test_limits(market)).string();
    const auto token_file = dir_.write("admin.token", std::string(kToken) + "\n");
    std::string text = testing::test_config(ports_, testing::dictionary_path(), market);
    const std::string admin = "admin:\n  listen: 127.0.0.1:0\n";
    const auto at = text.find(admin);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, admin.size(),
                 admin + "  token_file: " + token_file.string() + "\n  ready_max_quote_age: 2s\n");
    auto loaded =
        config::load_text(text, "admin-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                          runtime::wall_clock_ns());
    ASSERT_TRUE(loaded.config) << loaded.error;
    daemon_ = std::make_unique<app::Daemon>(*loaded.config, [this](const Action& a) {
      if (const auto* d = std::get_if<HedgeDecision>(&a)) {
        std::lock_guard lock(mutex_);
        decisions_.push_back(*d);
      }
    });
    daemon_->start();
    port_ = daemon_->admin_port();
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (daemon_) daemon_->stop("test finished");
  }

  testing::HttpResponse call(const std::string& method, const std::string& path,
                             const std::string& headers = "") {
    const auto r = http_request(port_, method, path, headers);
    EXPECT_TRUE(r.has_value()) << method << " " << path;
    return r.value_or(testing::HttpResponse{});
  }
  static std::string bearer(const std::string& token) {
    return "Authorization: Bearer " + token + "\r\n";
  }
  double metric(const std::string& series) {
    const auto text = testing::http_get(ports_.metrics, "/metrics");
    if (!text) return NAN;
    return testing::metric_value(*text, series).value_or(NAN);
  }
  TradingState book_state() { return daemon_->status().engine.state; }

  testing::TempDir dir_{"hedged-admin"};
  testing::TestPorts ports_;
  std::unique_ptr<app::Daemon> daemon_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<HedgeDecision> decisions_;
};

TEST_F(AdminApiTest, health_ready_and_status_describe_the_running_daemon) {
  const testing::HttpResponse health = call("GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}");
  // Ready once the FIX session is up and quotes are fresh.
  ASSERT_TRUE(wait_for([&] { return call("GET", "/ready").status == 200; }, 10s))
      << call("GET", "/ready").body;
  EXPECT_EQ(call("GET", "/ready").body, "{\"ready\":true,\"reasons\":[]}");
  ASSERT_TRUE(
      wait_for([&] { return daemon_->status().engine.underlyings[0].hedge_position != 0; }, 10s));

  const testing::HttpResponse status = call("GET", "/status");
  EXPECT_EQ(status.status, 200);
  EXPECT_NE(status.head.find("Content-Type: application/json"), std::string::npos);
  const EngineSnapshot s = daemon_->status().engine;
  EXPECT_NE(status.body.find("\"name\":\"TST\""), std::string::npos) << status.body;
  EXPECT_NE(status.body.find("\"fix_session_up\":true"), std::string::npos);
  EXPECT_NE(status.body.find("\"book\":{\"state\":\"active\""), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(status.body, m, std::regex(R"re("hedge_position":(-?\d+))re")));
  EXPECT_NEAR(std::stod(m[1]), static_cast<double>(s.underlyings[0].hedge_position),
              std::fabs(static_cast<double>(s.underlyings[0].hedge_position)) * 0.5 + 1);
  ASSERT_TRUE(
      std::regex_search(status.body, m, std::regex(R"re("delta_shares":(-?[0-9.e+-]+))re")));
  EXPECT_LT(std::stod(m[1]), 0.0);  // the test book is short delta
  // The table hedgectl prints.
  const testing::HttpResponse table = call("GET", "/status", "Accept: text/plain\r\n");
  EXPECT_EQ(table.status, 200);
  EXPECT_NE(table.body.find("UNDERLYING"), std::string::npos);
  EXPECT_NE(table.body.find("TST"), std::string::npos);
  EXPECT_NE(table.body.find("book: active"), std::string::npos);
  // Unknown paths and wrong methods.
  EXPECT_EQ(call("GET", "/nope").status, 404);
  EXPECT_EQ(call("GET", "/halt").status, 405);
}

TEST_F(AdminApiTest, commands_need_the_bearer_token_and_halt_then_resume_shows_in_metrics) {
  ASSERT_TRUE(wait_for([&] { return call("GET", "/ready").status == 200; }, 10s));
  // Without a token, or with a wrong one: 401, and nothing happens.
  const testing::HttpResponse anonymous = call("POST", "/halt");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.head.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(call("POST", "/halt", bearer("wrong")).status, 401);
  EXPECT_EQ(call("POST", "/halt", bearer(std::string(kToken) + "x")).status, 401);
  EXPECT_EQ(call("POST", "/halt", "Authorization: Basic abc\r\n").status, 401);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(book_state(), TradingState::kActive);
  EXPECT_EQ(metric("hedged_trading_state{underlying=\"book\"}"), 0.0);

  const testing::HttpResponse halt = call("POST", "/halt?reason=desk%20review", bearer(kToken));
  EXPECT_EQ(halt.status, 202);
  EXPECT_EQ(halt.body, "{\"accepted\":\"halt\",\"reason\":\"desk review\"}");
  ASSERT_TRUE(wait_for([&] { return book_state() == TradingState::kHalted; }, 5s));
  EXPECT_STREQ(daemon_->status().engine.state_cause.c_str(), "desk review");
  ASSERT_TRUE(
      wait_for([&] { return metric("hedged_trading_state{underlying=\"book\"}") == 2.0; }, 5s));
  EXPECT_NE(call("GET", "/status")
                .body.find("\"book\":{\"state\":\"halted\",\"cause\":\"desk "
                           "review\""),
            std::string::npos);

  EXPECT_EQ(call("POST", "/resume", bearer(kToken)).status, 202);
  ASSERT_TRUE(wait_for([&] { return book_state() == TradingState::kActive; }, 5s));
  ASSERT_TRUE(
      wait_for([&] { return metric("hedged_trading_state{underlying=\"book\"}") == 0.0; }, 5s));
  // Active again: the table shows no stale cause, and the day's P&L.
  const testing::HttpResponse table = call("GET", "/status", "Accept: text/plain\r\n");
  EXPECT_TRUE(
      std::regex_search(table.body, std::regex(R"(\nbook: active\nP&L day: -?\d+\.\d\d\n)")))
      << table.body;
  EXPECT_EQ(table.body.find("desk review"), std::string::npos) << table.body;

  // Reload: the file is unchanged, and the reload is counted as such.
  const double unchanged = metric("hedged_config_reloads_total{result=\"unchanged\"}");
  const testing::HttpResponse reload = call("POST", "/reload", bearer(kToken));
  EXPECT_EQ(reload.status, 200);
  EXPECT_EQ(reload.body, "{\"reload\":\"unchanged\",\"limits_version\":1}");
  ASSERT_TRUE(wait_for(
      [&] { return metric("hedged_config_reloads_total{result=\"unchanged\"}") == unchanged + 1; },
      5s));
}

// hedgectl, the real binary, against the same API.
TEST_F(AdminApiTest, hedgectl_prints_status_and_sends_commands_with_the_token) {
  ASSERT_TRUE(wait_for([&] { return call("GET", "/ready").status == 200; }, 10s));
  const std::string url = "http://127.0.0.1:" + std::to_string(port_);
  testing::Process status({"status", "--url", url}, dir_, "status-", HEDGECTL_BINARY);
  ASSERT_EQ(status.wait(10s), 0) << status.err();
  EXPECT_NE(status.out().find("UNDERLYING"), std::string::npos) << status.out();
  testing::Process json({"status", "--json", "--url", url}, dir_, "json-", HEDGECTL_BINARY);
  ASSERT_EQ(json.wait(10s), 0);
  EXPECT_EQ(json.out().rfind("{\"version\":", 0), 0u) << json.out();

  // No token: refused before asking; a wrong token file: the daemon's 401.
  ::unsetenv("HEDGED_ADMIN_TOKEN");
  testing::Process no_token({"halt", "--url", url}, dir_, "none-", HEDGECTL_BINARY);
  EXPECT_EQ(no_token.wait(10s), 64);
  const auto wrong = dir_.write("wrong.token", "nope\n");
  testing::Process refused({"halt", "--url", url, "--token-file", wrong.string()}, dir_, "wrong-",
                           HEDGECTL_BINARY);
  EXPECT_EQ(refused.wait(10s), 1);
  EXPECT_NE(refused.err().find("HTTP 401"), std::string::npos) << refused.err();
  EXPECT_EQ(book_state(), TradingState::kActive);

  const auto right = dir_.write("right.token", std::string(kToken) + "\n");
  testing::Process halt(
      {"halt", "--url", url, "--token-file", right.string(), "--reason", "hedgectl test"}, dir_,
      "halt-", HEDGECTL_BINARY);
  ASSERT_EQ(halt.wait(10s), 0) << halt.err();
  ASSERT_TRUE(wait_for([&] { return book_state() == TradingState::kHalted; }, 5s));
  EXPECT_STREQ(daemon_->status().engine.state_cause.c_str(), "hedgectl test");

  // A daemon that is not there: exit 2.
  testing::Process away({"status", "--url", "http://127.0.0.1:1"}, dir_, "away-", HEDGECTL_BINARY);
  EXPECT_EQ(away.wait(10s), 2);
}

// A wide band leaves hundreds of shares of delta unhedged; flatten trades them to zero.
class FlattenTest : public AdminApiTest {
 protected:
  double band() const override { return 1500.0; }
};

TEST_F(FlattenTest, flatten_hedges_the_net_delta_the_band_left_alone) {
  ASSERT_TRUE(wait_for([&] { return call("GET", "/ready").status == 200; }, 10s));
  // Wait until the band has something to leave alone: settled, nothing working, |net| > 50.
  ASSERT_TRUE(wait_for(
      [&] {
        const EngineSnapshot s = daemon_->status().engine;
        const UnderlyingSnapshot& u = s.underlyings[0];
        return s.live_orders == 0 && !u.parent_active && std::fabs(u.net_delta_shares) > 50.0 &&
               std::fabs(u.net_delta_shares) < band();
      },
      20s));
  std::size_t before = 0;
  {
    std::lock_guard lock(mutex_);
    before = decisions_.size();
  }
  EXPECT_EQ(call("POST", "/flatten", bearer(kToken)).status, 202);
  // The next decision trades the whole net delta: net + qty is zero to the lot.
  ASSERT_TRUE(wait_for(
      [&] {
        std::lock_guard lock(mutex_);
        return decisions_.size() > before;
      },
      5s));
  HedgeDecision d;
  {
    std::lock_guard lock(mutex_);
    d = decisions_[before];
  }
  const double net = d.portfolio_delta_shares +
                     static_cast<double>(d.hedge_position + d.working_qty) * d.unit_delta_shares;
  EXPECT_GT(std::fabs(net), 0.5);
  EXPECT_LT(std::fabs(net), band());  // inside the band: only the flatten could trade it
  EXPECT_LE(std::fabs(net + static_cast<double>(signed_qty(d.side, d.qty))), 0.5)
      << "net " << net << " qty " << d.qty;
}

}  // namespace
}  // namespace hedged
