// The daemon's journal with real files and fsync: what a run writes (every order intent, report
// and hedge decision), a restart that continues the sequence, a torn tail truncated at start,
// and a corrupt record that stops the start with its segment and offset.
#include <signal.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>

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

class JournalDaemonTest : public ::testing::Test {
 protected:
  config::DaemonConfig config() {
    const testing::TestPorts ports{testing::free_port(), testing::free_port()};
    std::string text = testing::test_config(ports, testing::dictionary_path());
    text += "journal:\n  enabled: true\n  dir: " + dir_.path().string() +
            "/journal\n  commit_interval: 2ms\n";
    auto loaded =
        config::load_text(text, "journal-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                          runtime::wall_clock_ns());
    EXPECT_TRUE(loaded.config) << loaded.error;
    return *loaded.config;
  }

  // Runs a daemon until it has filled `fills` hedges, then stops it; returns its last snapshot.
  EngineSnapshot run(std::uint64_t fills) {
    app::Daemon daemon(config());
    daemon.start();
    EXPECT_TRUE(wait_for([&] { return daemon.status().engine.fills >= fills; }, 20s));
    daemon.stop("test finished");
    return daemon.status().engine;
  }

  journal::JournalSummary summary() { return journal::verify(dir_.path() / "journal"); }
  std::uint64_t count(const journal::JournalSummary& s, journal::RecordType type) {
    return s.records_by_type[static_cast<std::size_t>(type)];
  }

  testing::TempDir dir_{"hedged-journal"};
};

TEST_F(JournalDaemonTest, a_run_journals_every_order_intent_report_and_decision) {
  const EngineSnapshot s = run(2);
  const journal::JournalSummary j = summary();
  ASSERT_EQ(j.result.status, journal::ReadStatus::kClean) << j.result.error;
  const std::uint64_t submitted = s.orders[0][static_cast<std::size_t>(OrderOutcome::kSubmitted)] +
                                  s.orders[1][static_cast<std::size_t>(OrderOutcome::kSubmitted)];
  EXPECT_EQ(count(j, journal::RecordType::kNewOrder), submitted);
  EXPECT_EQ(count(j, journal::RecordType::kHedgeDecision), s.underlyings[0].hedge_decisions);
  EXPECT_GE(count(j, journal::RecordType::kExecReport), s.fills);
  // The shutdown halt is a journaled state change.
  EXPECT_GE(count(j, journal::RecordType::kStateChange), 1u);
  // The fills in the journal add up to the position the daemon ended with.
  std::int64_t position = 0;
  std::map<OrderId, std::int64_t> cum;
  std::map<OrderId, Side> side;
  const journal::ReadResult read =
      journal::read_journal(dir_.path() / "journal", [&](const journal::RecordView& r) {
        if (const auto o = journal::decode<NewChildOrder>(r)) side[o->cl_ord_id] = o->side;
        if (const auto e = journal::decode<ExecReportEvent>(r)) {
          auto it = side.find(e->cl_ord_id);
          if (it == side.end() || e->cum_qty <= cum[e->cl_ord_id]) return;
          position += signed_qty(it->second, e->cum_qty - cum[e->cl_ord_id]);
          cum[e->cl_ord_id] = e->cum_qty;
        }
      });
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_EQ(position, s.underlyings[0].hedge_position);
}

TEST_F(JournalDaemonTest, a_restart_continues_the_sequence_after_a_torn_tail_is_cut) {
  run(1);
  const journal::JournalSummary first = summary();
  ASSERT_EQ(first.result.status, journal::ReadStatus::kClean);
  // A crash in the middle of a write: half a record at the end of the last segment.
  const auto segments = journal::list_segments(dir_.path() / "journal");
  ASSERT_FALSE(segments.empty());
  const std::filesystem::path last = segments.back().path;
  const auto good_size = std::filesystem::file_size(last);
  {
    std::ofstream out(last, std::ios::binary | std::ios::app);
    out << "HJRN\x40\x00\x00\x00 half a record";
  }
  ASSERT_EQ(summary().result.status, journal::ReadStatus::kTornTail);
  run(1);  // starts: truncates the tail, appends after it
  const journal::JournalSummary second = summary();
  ASSERT_EQ(second.result.status, journal::ReadStatus::kClean) << second.result.error;
  EXPECT_GT(second.result.records, first.result.records);
  EXPECT_EQ(second.result.first_sequence, first.result.first_sequence);
  EXPECT_GE(std::filesystem::file_size(last), good_size);
}

TEST_F(JournalDaemonTest, a_corrupt_record_stops_the_start_naming_segment_and_offset) {
  run(1);
  const auto segments = journal::list_segments(dir_.path() / "journal");
  ASSERT_FALSE(segments.empty());
  const std::filesystem::path path = segments.front().path;
  {
    // Flip a byte a third of the way in (inside some record's payload, not the last record: a
    // bad last record is a torn tail).
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    const auto size = static_cast<std::streamoff>(std::filesystem::file_size(path));
    f.seekg(size / 3);
    char c = 0;
    f.get(c);
    f.seekp(size / 3);
    f.put(static_cast<char>(c ^ 0x5A));
  }
  app::Daemon daemon(config());
  try {
    daemon.start();
    FAIL() << "a corrupt journal must stop the start";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("is corrupt"), std::string::npos) << what;
    EXPECT_NE(what.find(path.filename().string()), std::string::npos) << what;
  }
}

TEST_F(JournalDaemonTest, a_journal_missing_its_last_segment_stops_the_start) {
  const EngineSnapshot first = run(2);
  ASSERT_NE(first.underlyings[0].hedge_position, 0);
  const auto segments = journal::list_segments(dir_.path() / "journal");
  ASSERT_FALSE(segments.empty());
  // Deleted: what is left is a clean run of sequences (here none at all), and only the
  // high-water mark knows that the position was elsewhere.
  std::filesystem::remove(segments.back().path);
  const journal::JournalSummary j = summary();
  EXPECT_EQ(j.result.status, journal::ReadStatus::kCorrupt) << j.result.error;
  app::Daemon daemon(config());
  try {
    daemon.start();
    FAIL() << "a journal without its last segment must stop the start";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("missing"), std::string::npos) << what;
    EXPECT_NE(what.find(segments.back().path.filename().string()), std::string::npos) << what;
  }
}

TEST_F(JournalDaemonTest, a_failed_write_halts_sends_nothing_unjournaled_and_stays_up) {
  // A file size limit makes the journal's next write() fail with EFBIG (the reserve does not
  // help here: a real write error, as EIO would be).
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  std::uint64_t venue_orders = 0;
  std::int64_t position = 0;
  {
    app::Daemon daemon(config());
    daemon.start();
    ASSERT_TRUE(wait_for([&] { return daemon.status().engine.fills >= 2; }, 30s));
    const auto segments = journal::list_segments(dir_.path() / "journal");
    ASSERT_FALSE(segments.empty());
    rlimit limit = saved;
    limit.rlim_cur = std::filesystem::file_size(segments.back().path) + 64;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
    const bool lost = wait_for([&] { return !daemon.status().journal_failure.empty(); }, 60s);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
    ASSERT_TRUE(lost);
    const std::string cause = daemon.status().journal_failure;
    EXPECT_NE(cause.find("write failed on"), std::string::npos) << cause;
    ASSERT_TRUE(wait_for(
        [&] {
          const app::DaemonStatus s = daemon.status();
          return s.engine.state == TradingState::kHalted && s.engine.live_orders == 0;
        },
        30s));
    const auto health = testing::http_request(daemon.admin_port(), "GET", "/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 503);
    EXPECT_NE(health->body.find("journal lost"), std::string::npos) << health->body;
    // Still up, and nothing more leaves, even after a resume.
    const std::uint64_t orders_at_loss = daemon.status().venue->orders;
    daemon.command(Command::kResume, "operator: try anyway");
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(daemon.status().venue->orders, orders_at_loss);
    EXPECT_TRUE(daemon.status().failure.empty()) << daemon.status().failure;
    daemon.stop("test finished");
    venue_orders = daemon.status().venue->orders;
  }
  ASSERT_EQ(::sigaction(SIGXFSZ, &previous, nullptr), 0);

  // Every order the venue received has its intent in what the journal kept (a torn last record
  // is cut at the next start), and the restart recovers what the journal holds.
  std::set<OrderId> intents;
  std::map<OrderId, OrderId> root;
  std::map<OrderId, Side> side;
  std::map<OrderId, std::int64_t> cum;
  (void)journal::read_journal(dir_.path() / "journal", [&](const journal::RecordView& r) {
    if (const auto o = journal::decode<NewChildOrder>(r)) {
      intents.insert(o->cl_ord_id);
      root[o->cl_ord_id] = o->cl_ord_id;
      side[o->cl_ord_id] = o->side;
    }
    if (const auto p = journal::decode<ReplaceOrder>(r)) {
      if (root.count(p->orig_cl_ord_id) != 0) root[p->cl_ord_id] = root[p->orig_cl_ord_id];
    }
    if (const auto e = journal::decode<ExecReportEvent>(r)) {
      const auto it = root.find(e->cl_ord_id);
      if (it == root.end() || e->cum_qty <= cum[it->second]) return;
      position += signed_qty(side[it->second], e->cum_qty - cum[it->second]);
      cum[it->second] = e->cum_qty;
    }
  });
  EXPECT_GE(venue_orders, 1u);
  EXPECT_LE(venue_orders, intents.size());
  app::Daemon daemon(config());
  daemon.start();
  EXPECT_TRUE(daemon.status().journal_failure.empty()) << daemon.status().journal_failure;
  EXPECT_EQ(daemon.status().engine.underlyings[0].hedge_position, position);
  daemon.stop("test finished");
}

TEST_F(JournalDaemonTest, a_restart_resumes_the_position_and_an_operator_halt) {
  const EngineSnapshot first = run(2);
  std::int64_t position = first.underlyings[0].hedge_position;
  ASSERT_NE(position, 0);
  {
    // Restarted: the position is back before any quote or fill, and trading is active again
    // (the stop's own halt is not carried over). Then an operator halts it.
    app::Daemon daemon(config());
    daemon.start();
    const EngineSnapshot s = daemon.status().engine;
    EXPECT_EQ(s.underlyings[0].hedge_position, position);
    EXPECT_EQ(s.state, TradingState::kActive);
    ASSERT_TRUE(wait_for([&] { return daemon.status().fix_logged_on; }, 10s));
    daemon.command(Command::kHalt, "operator: check the venue");
    ASSERT_TRUE(
        wait_for([&] { return daemon.status().engine.state == TradingState::kHalted; }, 5s));
    daemon.stop("test finished");
    position = daemon.status().engine.underlyings[0].hedge_position;  // it may have traded
  }
  const journal::JournalSummary j = summary();
  ASSERT_EQ(j.result.status, journal::ReadStatus::kClean) << j.result.error;
  EXPECT_GE(count(j, journal::RecordType::kSnapshot), 2u);  // one per clean stop
  app::Daemon daemon(config());
  daemon.start();
  const EngineSnapshot s = daemon.status().engine;
  EXPECT_EQ(s.state, TradingState::kHalted);
  EXPECT_NE(std::string(s.state_cause.c_str()).find("operator: check the venue"), std::string::npos)
      << s.state_cause.c_str();
  EXPECT_EQ(s.underlyings[0].hedge_position, position);
  daemon.stop("test finished");
}

// The day's P&L survives a restart. P&L = options at model value + hedge at mark + all cash -
// the day's opening value, so the opening value implied by the figures of the stopped daemon
// and by those of the restarted one at its first valuation (new marks: the simulator starts
// again) must be the same; and the hedge cash is what the journal's own fills add up to.
TEST_F(JournalDaemonTest, the_days_pnl_continues_across_a_restart) {
  const EngineSnapshot before = run(3);
  const UnderlyingSnapshot& b = before.underlyings[0];
  ASSERT_NE(b.hedge_position, 0);
  ASSERT_GT(b.spot, 0.0);
  const auto implied_open = [](const UnderlyingSnapshot& u) {
    return u.greeks.value + u.hedge_cash + u.option_cash +
           static_cast<double>(u.hedge_position) * u.spot - u.pnl_day;
  };
  // Independently, from the journal: -qty x LastPx of every fill of the daemon's orders.
  double journal_cash = 0.0;
  std::map<OrderId, std::int64_t> cum;
  std::map<OrderId, Side> side;
  const journal::ReadResult read =
      journal::read_journal(dir_.path() / "journal", [&](const journal::RecordView& r) {
        if (const auto o = journal::decode<NewChildOrder>(r)) side[o->cl_ord_id] = o->side;
        if (const auto e = journal::decode<ExecReportEvent>(r)) {
          auto it = side.find(e->cl_ord_id);
          if (it == side.end() || e->cum_qty <= cum[e->cl_ord_id]) return;
          ASSERT_EQ(e->last_qty, e->cum_qty - cum[e->cl_ord_id]);  // one fill per report here
          journal_cash -= static_cast<double>(signed_qty(it->second, e->last_qty)) * e->last_px;
          cum[e->cl_ord_id] = e->cum_qty;
        }
      });
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_NEAR(b.hedge_cash, journal_cash, 1e-9 * std::fabs(journal_cash) + 1e-6);
  EXPECT_GE(count(summary(), journal::RecordType::kPnlDayOpen), 1u);
  EXPECT_EQ(count(summary(), journal::RecordType::kStartBook), 1u);

  app::Daemon daemon(config());
  daemon.start();
  ASSERT_TRUE(
      wait_for([&] { return daemon.status().engine.underlyings[0].last_quote_ns != 0; }, 20s));
  const EngineSnapshot after = daemon.status().engine;
  daemon.stop("test finished");
  const UnderlyingSnapshot& a = after.underlyings[0];
  const double open = implied_open(b);
  const double scale = std::fabs(b.greeks.value) + std::fabs(b.hedge_cash);
  EXPECT_NEAR(implied_open(a), open, 1e-9 * scale + 1e-3)
      << "before: pnl " << b.pnl_day << " spot " << b.spot << "; after: pnl " << a.pnl_day
      << " spot " << a.spot;
  // Not a new day's zero: the figure carried over (a new UTC day between the reads excepted).
  if (b.pnl_day != 0.0 &&
      before.as_of_ns / (86'400 * kNanosPerSecond) == after.as_of_ns / (86'400 * kNanosPerSecond)) {
    EXPECT_NE(a.pnl_day, 0.0);
  }
  // The journal's second run began with nothing new to note about the book.
  EXPECT_EQ(count(summary(), journal::RecordType::kStartBook), 1u);
}

// The first number after `"key":` in a /status body (the book's, then the first underlying's).
std::optional<double> json_number(const std::string& body, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("\"" + key + "\":(-?[0-9.eE+-]+)"))) {
    return std::nullopt;
  }
  return std::stod(m[1]);
}

// The real binary, killed with SIGKILL: the day's P&L read from /status before the kill and after
// the restart moves exactly by what the marks moved (options at model value, hedge at mid): the
// cash and the day's opening value come back from the journal. The kill switch (SIGUSR1) freezes
// trading first and, being an operator's halt, holds across the restart, so no fill falls
// between the two reads.
TEST(JournalDaemonProcess, the_days_pnl_survives_kill_9) {
  testing::TempDir dir("hedged-pnl-kill");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const int admin = testing::free_port();
  std::string text = testing::test_config(ports, testing::dictionary_path());
  const std::string any_port = "admin:\n  listen: 127.0.0.1:0\n";
  ASSERT_NE(text.find(any_port), std::string::npos);
  text.replace(text.find(any_port), any_port.size(),
               "admin:\n  listen: 127.0.0.1:" + std::to_string(admin) + "\n");
  text += "journal:\n  enabled: true\n  dir: " + (dir.path() / "journal").string() +
          "\n  commit_interval: 2ms\n";
  const auto config_file = dir.write("hedged.yaml", text);
  const auto status = [&] { return testing::http_get(admin, "/status").value_or(""); };

  struct Read {
    double pnl, value, spot, position;
  };
  const auto read = [&](const std::string& body) {
    return Read{json_number(body, "pnl_day").value_or(0.0),
                json_number(body, "value").value_or(0.0), json_number(body, "spot").value_or(0.0),
                json_number(body, "hedge_position").value_or(0.0)};
  };
  Read before{};
  {
    testing::Process daemon({"run", "-c", config_file.string()}, dir, "first-");
    ASSERT_TRUE(wait_for(
        [&] {
          const std::string body = status();
          return json_number(body, "fills").value_or(0) >= 3 &&
                 json_number(body, "pnl_day").value_or(0) != 0.0;
        },
        30s))
        << status() << daemon.err();
    daemon.signal(SIGUSR1);
    ASSERT_TRUE(wait_for(
        [&] {
          const std::string body = status();
          return body.find("\"book\":{\"state\":\"halted\"") != std::string::npos &&
                 json_number(body, "live_orders").value_or(1) == 0;
        },
        10s))
        << status();
    // Two equal reads 200 ms apart: nothing moves but the market.
    std::string body = status();
    ASSERT_TRUE(wait_for(
        [&] {
          std::this_thread::sleep_for(200ms);
          const std::string again = status();
          const bool same = json_number(again, "fills") == json_number(body, "fills");
          body = again;
          return same;
        },
        10s));
    before = read(body);
    daemon.signal(SIGKILL);
    ASSERT_EQ(daemon.wait(10s), 128 + SIGKILL);
  }
  ASSERT_NE(before.position, 0.0);
  ASSERT_NE(before.pnl, 0.0);

  testing::Process daemon({"run", "-c", config_file.string()}, dir, "second-");
  std::string body;
  ASSERT_TRUE(wait_for(
      [&] {
        body = status();
        return json_number(body, "spot").value_or(0.0) > 0.0;
      },
      30s))
      << daemon.err();
  const Read after = read(body);
  EXPECT_NE(body.find("\"book\":{\"state\":\"halted\""), std::string::npos) << body;
  EXPECT_EQ(json_number(body, "fills").value_or(-1), 0);
  EXPECT_EQ(after.position, before.position);
  // P&L = options + hedge x mark + cash - opening value; the cash and the opening value are
  // the journal's on both sides, so the day's P&L moved by the marks' move alone.
  const double expected =
      before.pnl + (after.value - before.value) + before.position * (after.spot - before.spot);
  EXPECT_NEAR(after.pnl, expected, 1e-8 * std::fabs(before.value) + 1e-3)
      << "before: pnl " << before.pnl << " value " << before.value << " spot " << before.spot
      << "; after: pnl " << after.pnl << " value " << after.value << " spot " << after.spot;
  EXPECT_NE(daemon.err().find("recovered the day's P&L baseline"), std::string::npos)
      << daemon.err();
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s), 0);
}

}  // namespace
}  // namespace hedged
