// Hostile and slow HTTP against a running daemon's admin API and metrics endpoint, over real
// sockets on loopback: a chunked trailer field over 64 KiB, huge header sections and bodies,
// malformed requests, abandoned partial requests, duplicate Authorization, Expect:
// 100-continue, idle and slow connections, more connections than the cap. Each gets its
// documented answer, /health and /metrics keep answering within a second, and the daemon goes
// on quoting and hedging. Also: a reload's outcome through POST /reload and hedgectl, and
// hedgectl against a listener that never answers.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::wait_for;

constexpr const char* kToken = "hostile-test-token";

// A raw client connection: sends whatever it is given, reads whatever comes back.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool connected() const { return connected_; }
  // False once the peer has closed or reset.
  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until the peer closes, `until` appears, or `timeout` passes.
  std::string read(std::chrono::milliseconds timeout, const std::string& until = "") {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!until.empty() && got_.find(until) != std::string::npos) break;
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got_.append(buf, static_cast<std::size_t>(n));
    }
    return got_;
  }
  // True when the peer closed the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    read(timeout);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string got_;
};

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.c_str() + 9);
}

// One request on a fresh connection; the status, or 0 when there is no answer in `timeout`.
int ask(int port, const std::string& request, std::chrono::milliseconds timeout = 5000ms) {
  Conn c(port);
  if (!c.connected()) return 0;
  c.send(request);
  return status_of(c.read(timeout, "\r\n\r\n"));
}

// GET `path` with a 1 s budget for the whole exchange; the status, or 0 when it took longer.
int get_within_a_second(int port, const std::string& path) {
  Conn c(port);
  if (!c.connected()) return 0;
  c.send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string r = c.read(1000ms);  // the server closes after the answer
  return status_of(r);
}

class HttpHostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports_ = {testing::free_port(), testing::free_port()};
    testing::TestMarket market;
    market.band_delta_shares = 30.0;
    limits_path_ = dir_.write("limits.yaml", testing::test_limits(market)).string();
    market.limits_file = limits_path_;
    const auto token_file = dir_.write("admin.token", std::string(kToken) + "\n");
    std::string text = testing::test_config(ports_, testing::dictionary_path(), market);
    const std::string admin = "admin:\n  listen: 127.0.0.1:0\n";
    const auto at = text.find(admin);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, admin.size(), admin + "  token_file: " + token_file.string() + "\n");
    // Reloads come from POST /reload only, not from the file watcher.
    const std::string watch = "watch_interval: 50ms";
    const auto w = text.find(watch);
    ASSERT_NE(w, std::string::npos);
    text.replace(w, watch.size(), "watch_interval: 1h");
    auto loaded =
        config::load_text(text, "hostile-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                          runtime::wall_clock_ns());
    ASSERT_TRUE(loaded.config) << loaded.error;
    daemon_ = std::make_unique<app::Daemon>(*loaded.config, [](const Action&) {});
    daemon_->start();
    admin_ = daemon_->admin_port();
    metrics_ = daemon_->metrics_port();
    ASSERT_GT(admin_, 0);
    ASSERT_GT(metrics_, 0);
  }
  void TearDown() override {
    if (daemon_) daemon_->stop("test finished");
  }

  double metric(const std::string& series) {
    const auto text = testing::http_get(metrics_, "/metrics");
    if (!text) return NAN;
    return testing::metric_value(*text, series).value_or(NAN);
  }
  std::uint64_t quotes() { return daemon_->status().engine.quotes; }
  std::uint64_t decisions() { return daemon_->status().engine.underlyings[0].hedge_decisions; }

  // The daemon still quotes and hedges: both counters move on from where they are now.
  void expect_still_hedging() {
    const std::uint64_t q = quotes();
    const std::uint64_t d = decisions();
    EXPECT_TRUE(wait_for([&] { return quotes() > q + 10; }, 20s)) << "quotes stuck at " << q;
    EXPECT_TRUE(wait_for([&] { return decisions() > d; }, 60s)) << "decisions stuck at " << d;
  }

  testing::TempDir dir_{"hedged-hostile"};
  testing::TestPorts ports_;
  std::string limits_path_;
  std::unique_ptr<app::Daemon> daemon_;
  int admin_ = 0;
  int metrics_ = 0;
};

TEST_F(HttpHostileTest, oversized_and_malformed_requests_get_their_status_and_hedging_goes_on) {
  ASSERT_TRUE(wait_for([&] { return decisions() > 0; }, 30s));
  const std::string big(70 * 1024, 'a');
  for (const int port : {admin_, metrics_}) {
    SCOPED_TRACE(port == admin_ ? "admin" : "metrics");
    // The request that used to abort the process: a chunked trailer field over 64 KiB.
    EXPECT_EQ(ask(port,
                  "POST /reload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\nX-Trailer: " +
                      big + "\r\n\r\n"),
              431);
    // Many small trailer fields, together over the limit.
    std::string trailers;
    for (int i = 0; i < 2000; ++i) trailers += "X-T" + std::to_string(i) + ": 0123456789\r\n";
    EXPECT_EQ(ask(port,
                  "POST /reload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "0\r\n" +
                      trailers + "\r\n"),
              431);
    // A header field, and a header section, over the limit.
    EXPECT_EQ(ask(port, "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + big + "\r\n\r\n"), 431);
    EXPECT_EQ(ask(port, "GET /health HTTP/1.1\r\n" + trailers + "\r\n"), 431);
    // Bodies over the limit: announced, and chunked.
    EXPECT_EQ(
        ask(port, "POST /halt HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n" + big),
        413);
    std::string chunks;
    for (int i = 0; i < 20; ++i) chunks += "1000\r\n" + std::string(4096, 'b') + "\r\n";
    EXPECT_EQ(ask(port, "POST /halt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            chunks + "0\r\n\r\n"),
              413);
    // Malformed.
    EXPECT_EQ(ask(port, "GARBAGE\r\n\r\n"), 400);
    EXPECT_EQ(ask(port, "GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n"), 400);
    EXPECT_EQ(ask(port,
                  "POST /halt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "zz\r\n"),
              400);
    EXPECT_EQ(ask(port, "GET /health HTTP/1.1\r\nBad Header\r\n\r\n"), 400);
    // Abandoned partial requests: the header cut short, the body cut short.
    {
      Conn c(port);
      c.send("GET /health HTTP/1.1\r\nHost:");
    }
    {
      Conn c(port);
      c.send("POST /halt HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc");
    }
    // Expect: 100-continue: the interim answer comes before the body is sent.
    {
      Conn c(port);
      c.send("POST /halt HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      const std::string interim = c.read(2000ms, "\r\n\r\n");
      EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;
      c.send("hello");
      const std::string final_answer = c.read(2000ms);
      EXPECT_NE(final_answer.find(port == admin_ ? "HTTP/1.1 401" : "HTTP/1.1 404"),
                std::string::npos)
          << final_answer;
    }
    EXPECT_EQ(get_within_a_second(port, port == admin_ ? "/health" : "/metrics"), 200);
  }

  // Duplicate Authorization: refused even when both carry the right token; nothing happens.
  const std::string auth = std::string("Authorization: Bearer ") + kToken + "\r\n";
  EXPECT_EQ(ask(admin_, "POST /halt HTTP/1.1\r\nHost: t\r\n" + auth + auth + "\r\n"), 401);
  EXPECT_EQ(ask(admin_, "POST /halt HTTP/1.1\r\nHost: t\r\n" + auth +
                            "Authorization: Bearer wrong\r\n\r\n"),
            401);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(daemon_->status().engine.book_risk.state, TradingState::kActive);

  // The outcomes are counted per listener.
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="admin",outcome="header_too_large"})"),
            4.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="admin",outcome="body_too_large"})"),
            2.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="admin",outcome="malformed"})"), 4.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="admin",outcome="unauthorized"})"), 3.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="metrics",outcome="header_too_large"})"),
            4.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="metrics",outcome="malformed"})"), 4.0);

  expect_still_hedging();
  EXPECT_EQ(
      testing::http_request(admin_, "GET", "/health").value_or(testing::HttpResponse{}).status,
      200);
}

TEST_F(HttpHostileTest, health_and_metrics_answer_within_a_second_beside_idle_and_slow_clients) {
  ASSERT_TRUE(wait_for([&] { return quotes() > 0; }, 30s));
  std::vector<std::unique_ptr<Conn>> idle;
  std::vector<std::unique_ptr<Conn>> slow;
  for (const int port : {admin_, metrics_}) {
    for (int i = 0; i < 10; ++i) {
      idle.push_back(std::make_unique<Conn>(port));
      slow.push_back(std::make_unique<Conn>(port));
      ASSERT_TRUE(idle.back()->connected());
      ASSERT_TRUE(slow.back()->connected());
    }
  }
  // The slow clients send a header one byte every 300 ms.
  std::atomic<bool> stop{false};
  std::thread dribbler([&] {
    const std::string header = "GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    for (std::size_t i = 0; !stop.load(std::memory_order_acquire); ++i) {
      for (auto& c : slow) c->send(std::string(1, i < header.size() ? header[i] : 'x'));
      std::this_thread::sleep_for(300ms);
    }
  });
  const auto started = Clock::now();
  for (int round = 0; round < 5; ++round) {
    const auto t0 = Clock::now();
    EXPECT_EQ(get_within_a_second(admin_, "/health"), 200) << "round " << round;
    EXPECT_EQ(get_within_a_second(metrics_, "/metrics"), 200) << "round " << round;
    EXPECT_LT(Clock::now() - t0, 2100ms);
    std::this_thread::sleep_for(200ms);
  }
  // The slow senders are dropped at the header deadline (5 s), the idle ones too: each sees
  // the server close its connection, well before a client-side timeout of 20 s.
  for (auto& c : slow) EXPECT_TRUE(c->closed_within(20s));
  for (auto& c : idle) EXPECT_TRUE(c->closed_within(20s));
  const auto dropped_after = Clock::now() - started;
  EXPECT_GE(dropped_after, 4s);  // not before their deadline
  stop.store(true, std::memory_order_release);
  dribbler.join();
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="admin",outcome="timeout"})"), 20.0);
  EXPECT_GE(metric(R"(hedged_http_requests_total{listener="metrics",outcome="timeout"})"), 20.0);

  // More connections than the cap (64): the extra ones are closed at once, and once the crowd
  // leaves /health answers again.
  std::vector<std::unique_ptr<Conn>> crowd;
  for (int i = 0; i < 100; ++i) crowd.push_back(std::make_unique<Conn>(admin_));
  ASSERT_TRUE(wait_for(
      [&] {
        return metric(R"(hedged_http_requests_total{listener="admin",outcome="over_capacity"})") >=
               30.0;
      },
      10s));
  crowd.clear();
  EXPECT_TRUE(wait_for([&] { return get_within_a_second(admin_, "/health") == 200; }, 10s));
  expect_still_hedging();
}

TEST_F(HttpHostileTest,
       reload_answers_with_its_outcome_and_hedgectl_exits_non_zero_on_a_rejection) {
  const std::string url = "http://127.0.0.1:" + std::to_string(admin_);
  const auto token_file = dir_.write("ctl.token", std::string(kToken) + "\n");
  auto reload = [&](const std::string& name) {
    return std::make_unique<testing::Process>(
        std::vector<std::string>{"reload", "--url", url, "--token-file", token_file.string()}, dir_,
        name, HEDGECTL_BINARY);
  };
  // Unchanged.
  auto same = reload("same-");
  ASSERT_EQ(same->wait(20s), 0) << same->err();
  EXPECT_NE(same->out().find("\"reload\":\"unchanged\""), std::string::npos) << same->out();

  // Applied: a new limit, version 2, one change.
  testing::TestMarket market;
  market.max_order_qty = 777;
  dir_.write("limits.yaml", testing::test_limits(market));
  auto applied = reload("applied-");
  ASSERT_EQ(applied->wait(20s), 0) << applied->err();
  EXPECT_NE(applied->out().find("{\"reload\":\"applied\",\"limits_version\":2,\"changes\":1}"),
            std::string::npos)
      << applied->out();

  // Rejected: a broken line 3; hedgectl exits 1 and prints file:line:column: message.
  dir_.write("limits.yaml", "underlyings:\n  TST:\n    pre_trade: {max_order_qty_units: lots}\n");
  auto rejected = reload("rejected-");
  EXPECT_EQ(rejected->wait(20s), 1);
  EXPECT_NE(rejected->err().find("HTTP 422"), std::string::npos) << rejected->err();
  EXPECT_TRUE(std::regex_search(rejected->err(), std::regex(R"(limits\.yaml:3:\d+: )")))
      << rejected->err();
  EXPECT_NE(rejected->err().find("\"limits_version\":2"), std::string::npos) << rejected->err();
  EXPECT_EQ(daemon_->status().engine.limits_version, 2u);
}

TEST(HedgectlTimeout, status_against_a_listener_that_never_answers_exits_2) {
  // A listening socket nobody accepts on: the connection completes (the backlog), no answer.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  testing::TempDir dir("hedgectl-timeout");
  const auto t0 = Clock::now();
  testing::Process status({"status", "--url", url, "--timeout", "1"}, dir, "status-",
                          HEDGECTL_BINARY);
  EXPECT_EQ(status.wait(30s), 2);
  EXPECT_LT(Clock::now() - t0, 20s);
  EXPECT_NE(status.err().find("no answer within"), std::string::npos) << status.err();
  // The default timeout (5 s) too.
  testing::Process plain({"status", "--url", url}, dir, "plain-", HEDGECTL_BINARY);
  EXPECT_EQ(plain.wait(30s), 2);
  ::close(fd);

  testing::Process help({"help"}, dir, "help-", HEDGECTL_BINARY);
  EXPECT_EQ(help.wait(10s), 0);
  EXPECT_NE(help.out().find("usage: hedgectl"), std::string::npos);
  EXPECT_NE(help.out().find("exit status"), std::string::npos);
}

}  // namespace
}  // namespace hedged
