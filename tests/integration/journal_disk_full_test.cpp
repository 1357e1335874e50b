// The daemon's journal on a file system that fills up: a small tmpfs the test mounts (needs
// root, as on CI; skipped with the reason where mounting is refused) and fills with a file
// while the daemon trades with its embedded venue. No order reaches the venue without its intent
// in the journal, the daemon stays up halted with /health, /ready and /status naming the
// journal, its working orders are canceled, and a restart after space is freed recovers the
// position the venue filled. A start on a full file system sends no order.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/journal/journal.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::wait_for;

// A tmpfs of `size_bytes` mounted on `dir` for the test's life.
class Tmpfs {
 public:
  Tmpfs(const std::filesystem::path& dir, std::size_t size_bytes) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::string options = "size=" + std::to_string(size_bytes) + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  // Writes a file until the file system refuses (ENOSPC); returns the bytes it took.
  [[nodiscard]] std::uint64_t fill(const std::string& name) const {
    const std::filesystem::path path = dir_ / name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return 0;
    std::vector<char> block(64 * 1024, 'x');
    std::uint64_t total = 0;
    for (const std::size_t chunk : {block.size(), std::size_t{512}}) {
      for (;;) {
        const ssize_t n = ::write(fd, block.data(), chunk);
        if (n <= 0) break;
        total += static_cast<std::uint64_t>(n);
      }
    }
    ::close(fd);
    return total;
  }

 private:
  std::filesystem::path dir_;
  bool mounted_ = false;
  std::string error_;
};

// What the journal holds: the orders whose intent it has and that the daemon did not itself
// refuse afterwards, and the hedge position its fills add up to.
struct JournalView {
  journal::ReadResult read;
  std::set<OrderId> orders_sent;
  std::int64_t position = 0;
};

JournalView read_view(const std::filesystem::path& dir) {
  JournalView v;
  std::map<OrderId, OrderId> root;  // ClOrdID (a replace's too) -> the order's first ClOrdID
  std::map<OrderId, Side> side;     // by first ClOrdID
  std::map<OrderId, std::int64_t> cum;
  std::set<OrderId> refused;
  v.read = journal::read_journal(dir, [&](const journal::RecordView& r) {
    if (const auto o = journal::decode<NewChildOrder>(r)) {
      root[o->cl_ord_id] = o->cl_ord_id;
      side[o->cl_ord_id] = o->side;
    }
    if (const auto p = journal::decode<ReplaceOrder>(r)) {
      const auto it = root.find(p->orig_cl_ord_id);
      if (it != root.end()) root[p->cl_ord_id] = it->second;
    }
    if (const auto e = journal::decode<ExecReportEvent>(r)) {
      if (e->internal && e->kind == ExecKind::kRejected) refused.insert(e->cl_ord_id);
      const auto it = root.find(e->cl_ord_id);
      if (it == root.end()) return;
      std::int64_t& done = cum[it->second];
      if (e->cum_qty <= done) return;
      v.position += signed_qty(side[it->second], e->cum_qty - done);
      done = e->cum_qty;
    }
  });
  for (const auto& [id, s] : side) {
    if (refused.count(id) == 0) v.orders_sent.insert(id);
  }
  return v;
}

class JournalDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_unique<Tmpfs>(dir_.path() / "fs", std::size_t{8} << 20);
    if (!fs_->mounted()) {
      GTEST_SKIP() << "cannot mount a tmpfs for the full file system (" << fs_->error()
                   << "); this test needs root";
    }
  }

  std::filesystem::path journal_dir() const { return dir_.path() / "fs" / "journal"; }

  // By default a thin, volatile market: hedges come within seconds and orders rest, so one is
  // working when the journal is lost.
  config::DaemonConfig config(const testing::TestMarket& market = {2.0, 30, 10, 50, 3000, {}}) {
    const testing::TestPorts ports{testing::free_port(), testing::free_port()};
    std::string text = testing::test_config(ports, testing::dictionary_path(), market);
    text += "journal:\n  enabled: true\n  dir: " + journal_dir().string() +
            "\n  commit_interval: 2ms\n";
    auto loaded =
        config::load_text(text, "disk-full-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                          runtime::wall_clock_ns());
    EXPECT_TRUE(loaded.config) << loaded.error;
    return *loaded.config;
  }

  static std::int64_t venue_net(const app::DaemonStatus& s) {
    return s.venue ? s.venue->filled_buy_qty - s.venue->filled_sell_qty : 0;
  }

  testing::TempDir dir_{"hedged-disk-full"};
  std::unique_ptr<Tmpfs> fs_;
};

TEST_F(JournalDiskFullTest, a_full_disk_halts_sends_nothing_unjournaled_and_restart_recovers) {
  std::int64_t true_position = 0;
  std::uint64_t venue_orders = 0;
  {
    app::Daemon daemon(config());
    daemon.start();
    ASSERT_TRUE(daemon.status().journal_failure.empty()) << daemon.status().journal_failure;
    // Fills in, and an order working at the venue (the first hedge rests and fills in pieces
    // in this thin market) when the disk fills.
    ASSERT_TRUE(wait_for(
        [&] {
          const app::DaemonStatus s = daemon.status();
          return s.engine.fills >= 3 && s.engine.live_orders > 0 && s.venue && s.venue->resting > 0;
        },
        60s));

    const std::uint64_t filler = fs_->fill("filler");
    EXPECT_GT(filler, 0u);
    ASSERT_TRUE(wait_for([&] { return !daemon.status().journal_failure.empty(); }, 30s));
    const std::string cause = daemon.status().journal_failure;
    // Halted, with the cause, and nothing left working at the venue.
    ASSERT_TRUE(wait_for(
        [&] {
          const app::DaemonStatus s = daemon.status();
          return s.engine.state == TradingState::kHalted && s.engine.live_orders == 0 && s.venue &&
                 s.venue->resting == 0;
        },
        30s))
        << "state " << to_string(daemon.status().engine.state) << ", live orders "
        << daemon.status().engine.live_orders;
    EXPECT_NE(std::string(daemon.status().engine.state_cause.c_str()).find("journal lost"),
              std::string::npos)
        << daemon.status().engine.state_cause.c_str();
    EXPECT_TRUE(daemon.status().failure.empty()) << daemon.status().failure;

    // The admin API answers with the cause.
    const int port = daemon.admin_port();
    const auto health = testing::http_request(port, "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 503);
    EXPECT_NE(health->body.find("journal lost"), std::string::npos) << health->body;
    const auto ready = testing::http_request(port, "GET", "/ready");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 503);
    EXPECT_NE(ready->body.find("\"ready\":false"), std::string::npos) << ready->body;
    EXPECT_NE(ready->body.find("journal lost"), std::string::npos) << ready->body;
    const auto status = testing::http_get(port, "/status");
    ASSERT_TRUE(status);
    EXPECT_NE(status->find("\"journal_failure\""), std::string::npos) << *status;
    const auto metrics = testing::http_get(daemon.metrics_port(), "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(testing::metric_value(*metrics, "hedged_journal_lost"), 1.0);

    // Stays so: still halted, still lost, nothing more sent, a few seconds on.
    const std::uint64_t orders_at_halt = daemon.status().venue->orders;
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(daemon.status().venue->orders, orders_at_halt);
    EXPECT_EQ(daemon.status().engine.state, TradingState::kHalted);
    EXPECT_FALSE(daemon.status().journal_failure.empty());

    const app::DaemonStatus last = daemon.status();
    EXPECT_EQ(last.engine.underlyings[0].hedge_position, venue_net(last));
    daemon.stop("test finished");
    const app::DaemonStatus after = daemon.status();
    true_position = venue_net(after);
    venue_orders = after.venue->orders;
    std::cout << "journal lost: " << cause << "\nvenue: " << venue_orders << " orders, position "
              << true_position << "; filler " << filler << " bytes\n";
  }
  ASSERT_NE(true_position, 0);

  // Every order the venue received has its intent in the journal (and the journal holds none
  // that was sent without the venue seeing it); its fills add up to the venue's.
  const JournalView j = read_view(journal_dir());
  ASSERT_TRUE(j.read.ok()) << j.read.error;
  EXPECT_EQ(j.orders_sent.size(), venue_orders);
  EXPECT_EQ(j.position, true_position);

  // Space freed, restarted: the position the venue filled is back before any trading, and the
  // book is still halted for the journal loss until an operator resumes it.
  std::filesystem::remove(dir_.path() / "fs" / "filler");
  app::Daemon daemon(config());
  daemon.start();
  const app::DaemonStatus s = daemon.status();
  EXPECT_TRUE(s.journal_failure.empty()) << s.journal_failure;
  EXPECT_EQ(s.engine.underlyings[0].hedge_position, true_position);
  EXPECT_EQ(s.engine.state, TradingState::kHalted);
  EXPECT_NE(std::string(s.engine.state_cause.c_str()).find("journal lost"), std::string::npos)
      << s.engine.state_cause.c_str();
  daemon.stop("test finished");
}

TEST_F(JournalDiskFullTest, many_orders_then_a_full_disk_every_order_sent_is_in_the_journal) {
  // A deep market with a narrow band: many small hedges, each filled at once.
  const testing::TestMarket deep{2.0, 10, 3000, 8000, 3000, {}};
  std::int64_t true_position = 0;
  std::uint64_t venue_orders = 0;
  {
    app::Daemon daemon(config(deep));
    daemon.start();
    ASSERT_TRUE(wait_for([&] { return daemon.status().venue->orders >= 6; }, 90s));
    (void)fs_->fill("filler");
    ASSERT_TRUE(wait_for([&] { return !daemon.status().journal_failure.empty(); }, 30s));
    ASSERT_TRUE(wait_for(
        [&] {
          const app::DaemonStatus s = daemon.status();
          return s.engine.state == TradingState::kHalted && s.engine.live_orders == 0;
        },
        30s));
    daemon.stop("test finished");
    const app::DaemonStatus after = daemon.status();
    true_position = venue_net(after);
    venue_orders = after.venue->orders;
  }
  const JournalView j = read_view(journal_dir());
  ASSERT_TRUE(j.read.ok()) << j.read.error;
  EXPECT_GE(venue_orders, 6u);
  EXPECT_EQ(j.orders_sent.size(), venue_orders);
  EXPECT_EQ(j.position, true_position);
  std::filesystem::remove(dir_.path() / "fs" / "filler");
  app::Daemon daemon(config(deep));
  daemon.start();
  EXPECT_EQ(daemon.status().engine.underlyings[0].hedge_position, true_position);
  daemon.stop("test finished");
}

TEST_F(JournalDiskFullTest, a_start_on_a_full_disk_sends_no_order_and_says_why) {
  std::filesystem::create_directories(journal_dir());
  (void)fs_->fill("filler");
  app::Daemon daemon(config());
  daemon.start();  // does not throw: it comes up halted
  const std::string cause = daemon.status().journal_failure;
  EXPECT_NE(cause.find("at start"), std::string::npos) << cause;
  // Logged on with quotes flowing for some seconds: the same market hedges within them on a
  // writable journal (the test above), but no order reaches the venue here.
  ASSERT_TRUE(wait_for([&] { return daemon.status().fix_logged_on; }, 30s));
  ASSERT_TRUE(wait_for([&] { return daemon.status().engine.quotes >= 100; }, 30s));
  std::this_thread::sleep_for(2s);
  const app::DaemonStatus s = daemon.status();
  ASSERT_TRUE(s.venue);
  EXPECT_EQ(s.venue->orders, 0u);
  EXPECT_EQ(s.engine.state, TradingState::kHalted);
  EXPECT_TRUE(s.failure.empty()) << s.failure;
  const auto health = testing::http_request(daemon.admin_port(), "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_NE(health->body.find("at start"), std::string::npos) << health->body;

  // An operator's resume does not make orders leave: the journal stays lost until a restart.
  daemon.command(Command::kResume, "operator: try anyway");
  ASSERT_TRUE(wait_for([&] { return daemon.status().engine.state == TradingState::kActive; }, 10s));
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(daemon.status().venue->orders, 0u);
  const auto metrics = testing::http_get(daemon.metrics_port(), "/metrics");
  ASSERT_TRUE(metrics);
  // The engine decided hedges (its book is far from hedged); none left.
  EXPECT_GT(testing::metric_value(*metrics, "hedged_journal_orders_not_sent_total").value_or(0),
            0.0);
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_journal_lost"), 1.0);
  daemon.stop("test finished");
}

TEST_F(JournalDiskFullTest, the_binary_on_a_full_disk_stays_up_halted_and_stops_cleanly) {
  std::filesystem::create_directories(journal_dir());
  (void)fs_->fill("filler");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const int admin_port = testing::free_port();
  std::string text = testing::test_config(ports, testing::dictionary_path());
  const std::string any_port = "admin:\n  listen: 127.0.0.1:0\n";
  ASSERT_NE(text.find(any_port), std::string::npos);
  text.replace(text.find(any_port), any_port.size(),
               "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) + "\n");
  text += "journal:\n  enabled: true\n  dir: " + journal_dir().string() + "\n";
  const auto file = dir_.write("run.yaml", text);
  testing::Process p({"run", "-c", file.string()}, dir_);
  // Up and answering, with the cause; it does not exit (a supervisor would only restart it
  // into the same full disk).
  std::optional<testing::HttpResponse> health;
  ASSERT_TRUE(wait_for(
      [&] {
        health = testing::http_request(admin_port, "GET", "/health");
        return health.has_value();
      },
      30s))
      << p.err();
  EXPECT_EQ(health->status, 503);
  EXPECT_NE(health->body.find("journal lost: cannot be written at start"), std::string::npos)
      << health->body;
  ASSERT_TRUE(wait_for(
      [&] {
        const auto m = testing::http_get(ports.metrics, "/metrics");
        return m && testing::metric_value(*m, "hedged_quotes_total").value_or(0) >= 100;
      },
      30s));
  EXPECT_FALSE(p.wait(2s)) << p.err();
  const auto metrics = testing::http_get(ports.metrics, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_journal_lost"), 1.0);
  EXPECT_EQ(
      testing::metric_value(*metrics, "hedged_orders_total{outcome=\"submitted\",side=\"buy\"}"),
      0.0);
  EXPECT_EQ(
      testing::metric_value(*metrics, "hedged_orders_total{outcome=\"submitted\",side=\"sell\"}"),
      0.0);
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.err().find("journal lost"), std::string::npos);
}

}  // namespace
}  // namespace hedged
