// The daemon against the standalone venue in a separate process, as a desk would first run it:
// `hedged venue --scenario` simulates the market (with a compressed flash crash), publishes it
// as FIX market data, fills the daemon's hedge orders and generates option flow on a FIX drop
// copy; the daemon (market_data.source: fix, venue.embedded: false, drop_copy enabled) hedges
// the book through it. At the end, the venue's own records are read from its summary line and
// must agree with the daemon's: filled quantity = hedge position, and the option flow the
// venue reported = the option trades the daemon applied, symbol by symbol.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
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
using testing::Process;
using testing::wait_for;

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

// The option trades the daemon applied, by symbol.
class FlowRecorder {
 public:
  explicit FlowRecorder(std::vector<std::string> symbols) : symbols_(std::move(symbols)) {}
  void on_notice(const Action& action) {
    const auto* t = std::get_if<OptionTradeNotice>(&action);
    if (t == nullptr || !t->applied) return;
    std::lock_guard lock(mutex_);
    net_[symbols_.at(t->instrument)] += t->qty;
    ++trades_;
  }
  std::map<std::string, std::int64_t> net() const {
    std::lock_guard lock(mutex_);
    return net_;
  }
  std::uint64_t trades() const {
    std::lock_guard lock(mutex_);
    return trades_;
  }

 private:
  std::vector<std::string> symbols_;
  mutable std::mutex mutex_;
  std::map<std::string, std::int64_t> net_;
  std::uint64_t trades_ = 0;
};

TEST(VenueProcess, daemon_hedges_through_a_flash_crash_with_option_flow_and_agrees_with_the_venue) {
  testing::TempDir dir("hedged-venue-process");
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const int drop_copy_port = testing::free_port();
  testing::TestMarket market;
  market.limits_file = dir.write("limits.yaml", testing::test_limits(market)).string();
  std::string text = testing::test_config(ports, testing::dictionary_path(), market);
  replace_once(text, "  source: simulator\n", "  source: fix\n");
  replace_once(text, "  embedded: true\n", "  embedded: false\n");
  text += "drop_copy: {enabled: true, port: " + std::to_string(drop_copy_port) +
          "}\n"
          "option_flow: {enabled: true, trades_per_second: 6, min_qty: 1, max_qty: 8}\n";
  const auto config_file = dir.write("hedged.yaml", text);
  // The flash crash of config/scenarios/flash_crash.yaml, compressed: -9% in 3 s with spreads
  // x20 and depth /10, back on the path 3 s later; and a one-sided option flow.
  const auto scenario =
      dir.write("crash.yaml",
                "scenario: quick_crash\n"
                "phases:\n"
                "  - {at: 2s, duration: 3s, kind: flash_crash, move_pct: -9, recover: 3s,"
                " spread_multiple: 20, depth_divisor: 10}\n"
                // And the desk's clients only sell it options throughout (a skewed flow).
                "  - {at: 0s, duration: 10m, kind: option_flow, desk_buy_share: 1.0}\n");

  Process venue({"venue", "-c", config_file.string(), "--scenario", scenario.string()}, dir,
                "venue-");
  ASSERT_TRUE(
      wait_for([&] { return venue.err().find("venue simulator ") != std::string::npos; }, 10s))
      << venue.err();

  auto loaded = config::load_file(config_file.string(), runtime::wall_clock_ns());
  ASSERT_TRUE(loaded.config) << loaded.error;
  std::vector<std::string> symbols;
  for (const InstrumentSpec& spec : loaded.config->engine.instruments) {
    symbols.push_back(spec.symbol);
  }
  FlowRecorder flow(symbols);
  app::Daemon daemon(*loaded.config, [&](const Action& a) { flow.on_notice(a); });
  daemon.start();

  // Through the crash and its recovery (8 s after the venue started), with option flow coming in
  // and the hedger answering it.
  ASSERT_TRUE(wait_for(
      [&] {
        const app::DaemonStatus s = daemon.status();
        return s.fix_logged_on && s.drop_copy && s.drop_copy->logged_on;
      },
      10s));
  ASSERT_TRUE(wait_for(
      [&] { return venue.err().find("phase 1 flash_crash ended") != std::string::npos; }, 30s))
      << venue.err();
  ASSERT_TRUE(wait_for([&] { return flow.trades() >= 10; }, 20s)) << flow.trades();
  const EngineSnapshot during = daemon.status().engine;
  EXPECT_GT(during.underlyings[0].hedge_decisions, 3u);
  EXPECT_GT(during.quotes, 100u);

  // Freeze, let everything working end, stop: the daemon logs out, the venue stops trading.
  daemon.command(Command::kHalt, "test: compare with the venue");
  ASSERT_TRUE(wait_for(
      [&] {
        const EngineSnapshot s = daemon.status().engine;
        return s.state == TradingState::kHalted && s.live_orders == 0;
      },
      10s));
  daemon.stop("test finished");
  const app::DaemonStatus end = daemon.status();
  EXPECT_TRUE(end.failure.empty()) << end.failure;
  venue.signal(SIGTERM);
  ASSERT_EQ(venue.wait(10s), 0) << venue.err();

  const std::string log = venue.err();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m,
                                std::regex(R"re(venue summary: \{"filled_buy_qty":(\d+),)re"
                                           R"re("filled_sell_qty":(\d+),"option_trades":(\d+),)re"
                                           R"re("desk_position_change":\{([^}]*)\}\})re")))
      << log;
  const std::int64_t venue_net = std::stoll(m[1]) - std::stoll(m[2]);
  const UnderlyingSnapshot& u = end.engine.underlyings[0];
  EXPECT_NE(u.hedge_position, 0);
  EXPECT_EQ(venue_net, u.hedge_position) << "the venue's fills and the daemon's position differ";

  std::map<std::string, std::int64_t> venue_flow;
  const std::string entries = m[4];
  const std::regex entry(R"re("([^"]+)":(-?\d+))re");
  for (auto it = std::sregex_iterator(entries.begin(), entries.end(), entry);
       it != std::sregex_iterator(); ++it) {
    if (std::stoll((*it)[2]) != 0) venue_flow[(*it)[1]] = std::stoll((*it)[2]);
  }
  std::map<std::string, std::int64_t> daemon_flow;
  for (const auto& [symbol, qty] : flow.net()) {
    if (qty != 0) daemon_flow[symbol] = qty;
  }
  EXPECT_EQ(std::stoull(m[3]), flow.trades());
  EXPECT_EQ(venue_flow, daemon_flow) << "option positions differ from the flow the venue made";
  // The scenario's skew: the desk bought in every trade.
  EXPECT_EQ(u.option_contracts_sold, 0);
  EXPECT_GT(u.option_contracts_bought, 0);
  EXPECT_EQ(u.option_trades, flow.trades());
  EXPECT_EQ(u.option_contracts_bought - u.option_contracts_sold, [&] {
    std::int64_t net = 0;
    for (const auto& [symbol, qty] : daemon_flow) net += qty;
    return net;
  }());
}

}  // namespace
}  // namespace hedged
