// The hedged binary as an operator runs it: help and version, a malformed configuration, and a
// real run on the embedded simulator stopped by real signals.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/sanitizers.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;

using testing::Process;
using testing::read_file;

bool wait_for_text(const Process& p, const std::vector<std::string>& needles,
                   std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = p.err();
    bool all = true;
    for (const auto& n : needles) all &= log.find(n) != std::string::npos;
    if (all) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(Cli, help_lists_commands_and_exits_zero) {
  testing::TempDir dir("hedged-cli");
  Process p({"--help"}, dir);
  ASSERT_EQ(p.wait(10s), 0);
  for (const char* word : {"run", "check-config", "version", "SIGTERM"}) {
    EXPECT_NE(p.out().find(word), std::string::npos) << word;
  }
}

TEST(Cli, version_prints_project_version) {
  testing::TempDir dir("hedged-cli");
  Process p({"version"}, dir);
  ASSERT_EQ(p.wait(10s), 0);
  EXPECT_EQ(p.out(), std::string("hedged ") + HEDGED_VERSION + "\n");
}

TEST(Cli, unknown_command_is_a_usage_error) {
  testing::TempDir dir("hedged-cli");
  Process p({"frobnicate"}, dir);
  EXPECT_EQ(p.wait(10s), 64);
  EXPECT_NE(p.err().find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(Cli, malformed_config_exits_nonzero_naming_file_line_and_column) {
  testing::TempDir dir("hedged-cli");
  std::string text = testing::test_config({testing::free_port(), testing::free_port()},
                                          testing::dictionary_path());
  // Line 4 becomes a typo'd key, indented two spaces: column 3.
  const auto at = text.find("market_data:\n") + std::string("market_data:\n").size();
  text.insert(at, "  tick_intervall: 5ms\n");
  const auto file = dir.write("bad.yaml", text);
  Process p({"run", "-c", file.string()}, dir);
  ASSERT_EQ(p.wait(10s), 2);
  const std::string expected =
      file.string() + ":5:3: key 'market_data.tick_intervall': unknown key";
  EXPECT_NE(p.err().find(expected), std::string::npos) << p.err();
}

TEST(Cli, yaml_syntax_error_exits_nonzero_naming_line) {
  testing::TempDir dir("hedged-cli");
  const auto file = dir.write("broken.yaml", "engine:\n  idle_strategy: [spin\nmarket_data: {}\n");
  Process p({"run", "-c", file.string()}, dir);
  ASSERT_EQ(p.wait(10s), 2);
  EXPECT_NE(p.err().find(file.string() + ":3:"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("YAML syntax error"), std::string::npos) << p.err();
}

TEST(Cli, missing_config_file_is_reported) {
  testing::TempDir dir("hedged-cli");
  Process p({"run", "-c", (dir.path() / "nope.yaml").string()}, dir);
  ASSERT_EQ(p.wait(10s), 2);
  EXPECT_NE(p.err().find("nope.yaml: cannot open the file"), std::string::npos) << p.err();
}

void run_until_hedged_then_signal(int sig, const char* name) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const auto file = dir.write("run.yaml", testing::test_config(ports, testing::dictionary_path()));
  Process p({"run", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(p, {"FIX logon", "hedge TST: ", "fill TST: "}, 60s)) << p.err();
  const auto metrics = testing::http_get(ports.metrics, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_GT(testing::metric_value(*metrics, "hedged_quotes_total").value_or(0), 0.0);

  p.signal(sig);
  // The stop deadline is part of the contract: halt, cancel, log out and exit 0 within 3 s.
  const std::optional<int> status = p.wait(3s);
  ASSERT_TRUE(status.has_value()) << "still running 3 s after " << name;
  EXPECT_EQ(*status, 0) << p.err();
  const std::string log = p.err();
  EXPECT_NE(log.find(std::string("stopping: ") + name), std::string::npos);
  EXPECT_NE(log.find("trading state of book: active -> halted"), std::string::npos) << log;
  EXPECT_NE(log.find("FIX logout"), std::string::npos);
  EXPECT_NE(log.find("exit 0"), std::string::npos);
  EXPECT_EQ(log.find("orders still working at shutdown"), std::string::npos) << log;
  // A clean stop logs no error, and its own halt and session ends are information.
  EXPECT_EQ(log.find("Z error "), std::string::npos) << log;
  EXPECT_NE(log.find("Z info  trading state of book: active -> halted: shutdown: "),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("Z warning FIX logout"), std::string::npos) << log;
}

TEST(Cli, sigterm_stops_hedging_logs_out_and_exits_zero_within_three_seconds) {
  run_until_hedged_then_signal(SIGTERM, "SIGTERM");
}

TEST(Cli, sigint_stops_the_same_way) {
  run_until_hedged_then_signal(SIGINT, "SIGINT");
}

TEST(Cli, sigusr1_halts_sigusr2_resumes_and_sighup_reloads_the_limits_file) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  testing::TestMarket market;
  market.limits_file = dir.write("limits.yaml", testing::test_limits(market)).string();
  const auto file =
      dir.write("run.yaml", testing::test_config(ports, testing::dictionary_path(), market));
  Process p({"run", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(p, {"FIX logon", "fill TST: "}, 60s)) << p.err();
  const auto state = [&] {
    const auto body = testing::http_get(ports.metrics, "/metrics");
    return body ? testing::metric_value(*body, "hedged_trading_state{underlying=\"book\"}")
                : std::nullopt;
  };

  p.signal(SIGUSR1);
  ASSERT_TRUE(wait_for_text(
      p,
      {"SIGUSR1 received: kill switch", "breaker kill_switch tripped (book): kill switch: SIGUSR1",
       "trading state of book: active -> halted: kill switch: SIGUSR1"},
      10s))
      << p.err();
  EXPECT_EQ(state(), 2.0);
  p.signal(SIGUSR2);
  ASSERT_TRUE(wait_for_text(p, {"trading state of book: halted -> active"}, 10s)) << p.err();
  EXPECT_EQ(state(), 0.0);

  // SIGHUP re-reads the file (the watcher would too, but the signal must do it on its own).
  dir.write("limits.yaml",
            testing::test_limits(market, "    delta_shares: {soft: 90000, hard: 99000}\n"));
  p.signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(
      p, {"underlyings.TST.delta_shares.hard: 0 -> 99000", "limits v2 in force"}, 10s))
      << p.err();
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(5s), 0) << p.err();
}

TEST(Cli, check_config_tells_files_apart_and_fails_on_any_error) {
  testing::TempDir dir("hedged-cli");
  const std::string config = std::string(HEDGED_SOURCE_DIR) + "/config/";
  Process good({"check-config", config + "default.yaml", config + "limits.yaml"}, dir);
  ASSERT_EQ(good.wait(10s), 0) << good.err();
  EXPECT_NE(good.out().find("limits.yaml: valid limits file: underlying sections: SIM"),
            std::string::npos)
      << good.out();
  const auto bad =
      dir.write("limits.yaml", "underlyings:\n  default:\n    delta_share: {hard: 5}\n");
  Process p({"check-config", config + "default.yaml", bad.string()}, dir);
  EXPECT_EQ(p.wait(10s), 2);
  EXPECT_NE(p.err().find(bad.string() +
                         ":3:5: key 'underlyings.default.delta_share': unknown key; did you mean "
                         "'delta_shares'?"),
            std::string::npos)
      << p.err();
}

TEST(Cli, standalone_venue_serves_a_daemon_started_without_its_embedded_venue) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  std::string text = testing::test_config(ports, testing::dictionary_path());
  const std::string embedded = "  embedded: true\n";
  ASSERT_NE(text.find(embedded), std::string::npos);
  text.replace(text.find(embedded), embedded.size(), "  embedded: false\n");
  const auto file = dir.write("run.yaml", text);

  Process venue({"venue", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(
      venue, {"venue simulator VENUE at 127.0.0.1:" + std::to_string(ports.fix)}, 20s))
      << venue.err();
  Process daemon({"run", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(daemon, {"FIX logon", "hedge TST: ", "fill TST: "}, 60s))
      << daemon.err();
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(5s), 0) << daemon.err();
  venue.signal(SIGTERM);
  ASSERT_EQ(venue.wait(5s), 0) << venue.err();
  // The venue saw the daemon's orders and filled them.
  const std::string log = venue.err();
  const auto at = log.find("venue stopped: ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_EQ(log.find("venue stopped: 0 orders"), std::string::npos) << log;
  EXPECT_EQ(log.find(" 0 fills", at), std::string::npos) << log;
}

// The production shape: the daemon takes its quotes from the venue's FIX market data (one
// session) and sends its orders over another, to a venue running as its own process.
TEST(Cli, daemon_hedges_on_the_venues_fix_market_data) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  std::string text = testing::test_config(ports, testing::dictionary_path());
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"  embedded: true\n", "  embedded: false\n"},
        {"  source: simulator\n", "  source: fix\n"}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const auto file = dir.write("run.yaml", text);
  Process venue({"venue", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(venue, {"venue simulator VENUE at"}, 20s)) << venue.err();
  Process daemon({"run", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(
      daemon, {"FIX market data HEDGED-MD->VENUE", "FIX logon", "hedge TST: ", "fill TST: "}, 60s))
      << daemon.err();
  const auto metrics = testing::http_get(ports.metrics, "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_md_session_up"), 1.0);
  // One snapshot per instrument (the spot and five options), then updates as the market moves.
  EXPECT_GE(
      testing::metric_value(*metrics, "hedged_md_messages_total{kind=\"snapshot\"}").value_or(0),
      6.0);
  EXPECT_EQ(testing::metric_value(*metrics, "hedged_md_messages_total{kind=\"reject\"}"), 0.0);
  // Incremental updates keep coming as the venue's market moves (a tick every 20 ms).
  EXPECT_TRUE(testing::wait_for(
      [&] {
        const auto now = testing::http_get(ports.metrics, "/metrics");
        return now &&
               testing::metric_value(*now, "hedged_md_messages_total{kind=\"update\"}")
                       .value_or(0) > 10.0 &&
               testing::metric_value(*now, "hedged_quotes_total").value_or(0) > 10.0;
      },
      10s));
  daemon.signal(SIGTERM);
  ASSERT_EQ(daemon.wait(5s), 0) << daemon.err();
  venue.signal(SIGTERM);
  ASSERT_EQ(venue.wait(5s), 0) << venue.err();
}

// Value of "key": number in a one-line JSON object, or NaN.
double json_number(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return std::nan("");
  return std::stod(json.substr(at + key.size() + 4));
}

TEST(Cli, price_prints_hull_example_greeks_as_json) {
  testing::TempDir dir("hedged-cli");
  Process p({"price", "--right", "call", "--spot", "42", "--strike", "40", "--rate", "0.1", "--vol",
             "0.2", "--expiry-years", "0.5"},
            dir);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  const std::string out = p.out();
  EXPECT_NEAR(json_number(out, "price"), 4.76, 0.005) << out;  // Hull's call example
  EXPECT_NEAR(json_number(out, "delta"), 0.7791, 0.0001) << out;
  for (const char* key : {"gamma", "vega", "theta", "rho", "vanna", "volga"}) {
    EXPECT_FALSE(std::isnan(json_number(out, key))) << key << " missing from " << out;
  }
}

TEST(Cli, american_put_is_worth_more_than_european) {
  testing::TempDir dir("hedged-cli");
  const std::vector<std::string> common{"--right",  "put",  "--spot",         "100",
                                        "--strike", "110",  "--rate",         "0.08",
                                        "--vol",    "0.25", "--expiry-years", "1"};
  std::vector<std::string> european{"price"};
  european.insert(european.end(), common.begin(), common.end());
  std::vector<std::string> american = european;
  american.insert(american.end(), {"--style", "american"});
  Process e(european, dir);
  ASSERT_EQ(e.wait(10s), 0) << e.err();
  const double european_price = json_number(e.out(), "price");
  testing::TempDir dir2("hedged-cli");
  Process a(american, dir2);
  ASSERT_EQ(a.wait(10s), 0) << a.err();
  const double american_price = json_number(a.out(), "price");
  EXPECT_GT(american_price, european_price + 0.1);
  EXPECT_GE(american_price, 10.0);  // never below immediate exercise
}

TEST(Cli, iv_recovers_the_vol_a_price_was_made_with) {
  testing::TempDir dir("hedged-cli");
  Process price({"price", "--right", "put", "--spot", "100", "--strike", "95", "--rate", "0.03",
                 "--dividend-yield", "0.01", "--vol", "0.3137", "--expiry-years", "0.75"},
                dir);
  ASSERT_EQ(price.wait(10s), 0) << price.err();
  const double premium = json_number(price.out(), "price");
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", premium);
  testing::TempDir dir2("hedged-cli");
  Process iv({"iv", "--right", "put", "--price", text, "--spot", "100", "--strike", "95", "--rate",
              "0.03", "--dividend-yield", "0.01", "--expiry-years", "0.75"},
             dir2);
  ASSERT_EQ(iv.wait(10s), 0) << iv.err();
  EXPECT_NEAR(json_number(iv.out(), "iv"), 0.3137, 1e-12) << iv.out();
}

TEST(Cli, iv_of_a_price_below_intrinsic_is_an_error_not_nan) {
  testing::TempDir dir("hedged-cli");
  Process p({"iv", "--right", "call", "--price", "1.0", "--spot", "120", "--strike", "100",
             "--rate", "0.0", "--expiry-years", "0.5"},
            dir);
  ASSERT_EQ(p.wait(10s), 1);
  EXPECT_NE(p.out().find("\"iv\": null, \"error\": "), std::string::npos) << p.out();
  EXPECT_EQ(p.out().find("nan"), std::string::npos);
}

TEST(Cli, price_with_bad_arguments_is_a_usage_error) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"price", "--right", "straddle", "--spot", "1", "--strike", "1",
                                 "--rate", "0", "--vol", "0.2", "--expiry-years", "1"},
        std::vector<std::string>{"price", "--right", "call", "--spot", "abc", "--strike", "1",
                                 "--rate", "0", "--vol", "0.2", "--expiry-years", "1"},
        std::vector<std::string>{"price", "--right", "call", "--strike", "1", "--rate", "0",
                                 "--vol", "0.2", "--expiry-years", "1"},
        std::vector<std::string>{"iv", "--right", "call", "--spot", "1", "--strike", "1", "--rate",
                                 "0", "--expiry-years", "1", "--bogus", "1"}}) {
    testing::TempDir dir("hedged-cli");
    Process p(args, dir);
    EXPECT_EQ(p.wait(10s), 64) << args[2] << " " << p.err();
    EXPECT_NE(p.err().find("usage: hedged"), std::string::npos);
  }
}

TEST(Cli, check_config_accepts_the_shipped_default) {
  testing::TempDir dir("hedged-cli");
  Process p({"check-config", "-c", std::string(HEDGED_SOURCE_DIR) + "/config/default.yaml"}, dir);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.out().find("valid main config: 2 underlyings, 31 option positions"),
            std::string::npos)
      << p.out();
}

// True once the process has blocked SIGTERM (its SigBlk mask in /proc): main's first act for
// `run` and `venue`. Before that the test's fork has the test's mask, which does not block it.
bool blocks_sigterm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("SigBlk:", 0) != 0) continue;
    const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
    return (mask >> (SIGTERM - 1) & 1ULL) != 0;
  }
  return false;
}

// SIGTERM at several points of the start (as the process blocks it, then 10, 50, 200 ms later,
// while the config loads and the sessions come up) always gives a clean exit 0.
void sigterm_early_exits_zero(const std::string& command, bool embedded) {
  for (const int delay_ms : {0, 10, 50, 200}) {
    testing::TempDir dir("hedged-cli");
    const testing::TestPorts ports{testing::free_port(), testing::free_port()};
    std::string text = testing::test_config(ports, testing::dictionary_path());
    if (!embedded) {
      const std::string key = "  embedded: true\n";
      ASSERT_NE(text.find(key), std::string::npos);
      text.replace(text.find(key), key.size(), "  embedded: false\n");
    }
    const auto file = dir.write("run.yaml", text);
    Process p({command, "-c", file.string()}, dir);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!blocks_sigterm(p.pid()) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_TRUE(blocks_sigterm(p.pid())) << command << " never blocked SIGTERM";
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    p.signal(SIGTERM);
    const std::optional<int> status = p.wait(30s);
    ASSERT_TRUE(status.has_value())
        << command << " still running 30 s after SIGTERM at +" << delay_ms << " ms";
    EXPECT_EQ(*status, 0) << command << " SIGTERM at +" << delay_ms << " ms\n" << p.err();
  }
}

TEST(Cli, venue_exits_zero_on_sigterm_at_any_point_of_its_start) {
  if (testing::kThreadSanitizer) {
    // ThreadSanitizer's runtime runs a thread of its own from before main, which never blocks
    // SIGTERM, so the kernel may hand it the signal and its default action ends the process.
    // The hedged binary itself has no such thread (checked in the release and ASan builds).
    GTEST_SKIP() << "a ThreadSanitizer build has a runtime thread that does not block SIGTERM";
  }
  sigterm_early_exits_zero("venue", false);
}

TEST(Cli, run_exits_zero_on_sigterm_at_any_point_of_its_start) {
  if (testing::kThreadSanitizer) {
    // ThreadSanitizer's runtime runs a thread of its own from before main, which never blocks
    // SIGTERM, so the kernel may hand it the signal and its default action ends the process.
    // The hedged binary itself has no such thread (checked in the release and ASan builds).
    GTEST_SKIP() << "a ThreadSanitizer build has a runtime thread that does not block SIGTERM";
  }
  sigterm_early_exits_zero("run", true);
}

// A reason from the admin API with a forged line (%0a) and a terminal escape (%1b) reaches the
// daemon's log as one line, escaped: no line of the log starts with the forged time stamp and no
// ESC byte is written.
TEST(Cli, a_forged_newline_in_an_admin_reason_stays_one_escaped_log_line) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const int admin_port = testing::free_port();
  std::string text = testing::test_config(ports, testing::dictionary_path());
  const std::string admin = "admin:\n  listen: 127.0.0.1:0\n";
  ASSERT_NE(text.find(admin), std::string::npos);
  const auto token = dir.write("admin.token", "s3cret\n");
  text.replace(text.find(admin), admin.size(),
               "admin:\n  listen: 127.0.0.1:" + std::to_string(admin_port) +
                   "\n  token_file: " + token.string() + "\n");
  const auto file = dir.write("run.yaml", text);
  Process p({"run", "-c", file.string()}, dir);
  ASSERT_TRUE(wait_for_text(p, {"admin API on", "FIX logon"}, 60s)) << p.err();
  const auto reply = testing::http_request(
      admin_port, "POST",
      "/halt?reason=desk%0a2099-01-01T00:00:00.000000Z%20info%20%20FAKE%20injected%1b%5b31m",
      "Authorization: Bearer s3cret\r\n");
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 202) << reply->body;
  const std::string escaped = "desk\\n2099-01-01T00:00:00.000000Z info  FAKE injected\\x1b[31m";
  ASSERT_TRUE(wait_for_text(p, {"admin API: halt (" + escaped + ")"}, 20s)) << p.err();
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  const std::string log = p.err();
  EXPECT_EQ(log.find("\n2099-01-01"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos);
  // The halt the reason caused carries it too, on one line.
  EXPECT_NE(log.find("-> halted: " + escaped), std::string::npos) << log;
}

// `hedged journal` on paths that hold no journal: an error naming the path, never a clean summary.
TEST(Cli, journal_on_a_wrong_path_is_an_error_and_help_is_usage) {
  testing::TempDir dir("hedged-cli");
  const auto file = dir.write("not-a-dir.txt", "x\n");
  const auto empty = dir.path() / "empty";
  std::filesystem::create_directories(empty);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {(dir.path() / "no-such-dir").string(), "no such directory"},
      {file.string(), "not a directory"},
      {empty.string(), "no journal segments"}};
  for (const char* what : {"verify", "inspect", "tail"}) {
    for (const auto& [path, message] : cases) {
      Process p({"journal", what, path}, dir, std::string(what) + "-");
      EXPECT_EQ(p.wait(10s), 2) << what << " " << path;
      EXPECT_NE(p.err().find(path + ": " + message), std::string::npos) << p.err();
      EXPECT_EQ(p.out().find("clean"), std::string::npos) << p.out();
    }
  }
  Process help({"journal", "verify", "--help"}, dir, "help-");
  EXPECT_EQ(help.wait(10s), 0);
  EXPECT_NE(help.out().find("usage: hedged journal verify DIR"), std::string::npos) << help.out();
  Process bad_count({"journal", "tail", empty.string(), "-n", "lots"}, dir, "n-");
  EXPECT_EQ(bad_count.wait(10s), 64);
}

// A journal a real run wrote: verify is clean, inspect with the config names the instruments by
// symbol (the hedge of TST), not by number.
TEST(Cli, journal_inspect_names_instruments_by_symbol) {
  testing::TempDir dir("hedged-cli");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const auto journal = dir.path() / "journal";
  const auto file =
      dir.write("run.yaml", testing::test_config(ports, testing::dictionary_path()) +
                                "journal:\n  enabled: true\n  dir: " + journal.string() + "\n");
  {
    Process p({"run", "-c", file.string()}, dir, "run-");
    ASSERT_TRUE(wait_for_text(p, {"FIX logon", "fill TST: "}, 60s)) << p.err();
    p.signal(SIGTERM);
    ASSERT_EQ(p.wait(10s), 0) << p.err();
  }
  Process verify({"journal", "verify", journal.string()}, dir, "verify-");
  ASSERT_EQ(verify.wait(10s), 0) << verify.err();
  EXPECT_NE(verify.out().find("clean"), std::string::npos) << verify.out();
  Process inspect({"journal", "inspect", journal.string(), "-c", file.string()}, dir, "inspect-");
  ASSERT_EQ(inspect.wait(20s), 0) << inspect.err();
  const std::string out = inspect.out();
  EXPECT_NE(out.find("hedge TST: "), std::string::npos) << out.substr(0, 2000);
  EXPECT_NE(out.find(" TST @ "), std::string::npos) << out.substr(0, 2000);
  EXPECT_EQ(out.find("instrument "), std::string::npos) << out.substr(0, 2000);
  Process bare({"journal", "inspect", journal.string()}, dir, "bare-");
  ASSERT_EQ(bare.wait(20s), 0);
  EXPECT_NE(bare.out().find("instrument "), std::string::npos);
}

TEST(Cli, every_command_answers_help_with_its_usage_on_stdout) {
  testing::TempDir dir("hedged-cli");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--help"}, "usage: hedged run"},
      {{"venue", "--help"}, "usage: hedged venue"},
      {{"check-config", "--help"}, "usage: hedged check-config"},
      {{"journal", "--help"}, "usage: hedged journal"},
      {{"backtest", "--help"}, "usage: hedged backtest"},
      {{"price", "--help"}, "usage: hedged price"},
      {{"iv", "--help"}, "usage: hedged iv"}};
  int n = 0;
  for (const auto& [args, usage] : cases) {
    Process p(args, dir, std::to_string(n++) + "-");
    EXPECT_EQ(p.wait(10s), 0) << args[0] << "\n" << p.err();
    EXPECT_EQ(p.out().rfind(usage, 0), 0u) << args[0] << ": " << p.out();
  }
  Process help({"--help"}, dir, "main-");
  ASSERT_EQ(help.wait(10s), 0);
  for (const char* word : {"\n  price ", "\n  iv ", "--threads N", "journal verify"}) {
    EXPECT_NE(help.out().find(word), std::string::npos) << word;
  }
}

TEST(Cli, american_iv_inverts_the_american_price_and_sits_below_the_european_iv) {
  testing::TempDir dir("hedged-cli");
  const std::vector<std::string> common = {
      "--right", "put", "--spot", "90", "--strike", "100", "--rate", "0.05", "--expiry-years", "1"};
  std::vector<std::string> price_args = {"price", "--style", "american", "--vol", "0.3"};
  price_args.insert(price_args.end(), common.begin(), common.end());
  Process price(price_args, dir, "price-");
  ASSERT_EQ(price.wait(10s), 0) << price.err();
  const std::string out = price.out();
  const double american_price = std::stod(out.substr(out.find(':') + 1));
  ASSERT_GT(american_price, 10.0);  // at least the exercise value

  std::vector<std::string> iv_args = {"iv", "--style", "american", "--price",
                                      std::to_string(american_price)};
  iv_args.insert(iv_args.end(), common.begin(), common.end());
  Process iv(iv_args, dir, "iv-");
  ASSERT_EQ(iv.wait(10s), 0) << iv.err();
  const double american_vol = std::stod(iv.out().substr(iv.out().find(':') + 1));
  EXPECT_NEAR(american_vol, 0.3, 1e-5) << iv.out();
  // The same price read as a European put needs a higher vol: the early-exercise premium.
  std::vector<std::string> eu_args = {"iv", "--price", std::to_string(american_price)};
  eu_args.insert(eu_args.end(), common.begin(), common.end());
  Process eu(eu_args, dir, "eu-");
  ASSERT_EQ(eu.wait(10s), 0) << eu.err();
  EXPECT_GT(std::stod(eu.out().substr(eu.out().find(':') + 1)), american_vol + 0.005);

  // Below the exercise value (10): an error, not a number.
  std::vector<std::string> low_args = {"iv", "--style", "american", "--price", "9.5"};
  low_args.insert(low_args.end(), common.begin(), common.end());
  Process low(low_args, dir, "low-");
  EXPECT_EQ(low.wait(10s), 1);
  EXPECT_NE(low.out().find("\"iv\": null"), std::string::npos) << low.out();
}

TEST(Cli, black76_refuses_a_dividend_yield_instead_of_ignoring_it) {
  testing::TempDir dir("hedged-cli");
  Process p({"iv", "--model", "black76", "--dividend-yield", "0.02", "--right", "call", "--price",
             "5", "--spot", "100", "--strike", "100", "--rate", "0.05", "--expiry-years", "0.5"},
            dir);
  EXPECT_EQ(p.wait(10s), 64);
  EXPECT_NE(p.err().find("--dividend-yield does not apply to --model black76"), std::string::npos)
      << p.err();
}

TEST(Cli, check_config_accepts_the_shipped_replay_and_standalone_venue_configs) {
  testing::TempDir dir("hedged-cli");
  const std::string config = std::string(HEDGED_SOURCE_DIR) + "/config/";
  Process replay({"check-config", config + "replay.yaml"}, dir, "replay-");
  ASSERT_EQ(replay.wait(10s), 0) << replay.err();
  EXPECT_NE(replay.out().find("valid main config: 2 underlyings, 31 option positions"),
            std::string::npos)
      << replay.out();
  EXPECT_NE(replay.out().find("(embedded venue simulator)"), std::string::npos) << replay.out();
  Process standalone({"check-config", config + "standalone_venue.yaml"}, dir, "standalone-");
  ASSERT_EQ(standalone.wait(10s), 0) << standalone.err();
  EXPECT_NE(standalone.out().find("valid main config: 2 underlyings"), std::string::npos);
  EXPECT_EQ(standalone.out().find("embedded venue simulator"), std::string::npos)
      << standalone.out();
}

}  // namespace
}  // namespace hedged
