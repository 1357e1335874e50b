// `flatten` on a futures-hedged underlying, through the whole daemon (simulated market, FIX
// venue): with the book inside a wide band and a TWAP execution, the flatten's parent of a few
// contracts is worked to the end and leaves |net delta| under half a contract's delta.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::wait_for;

TEST(FlattenFuture, flatten_leaves_under_half_a_contract_of_delta) {
  testing::TestMarket market;
  market.vol = 0.05;  // a quiet market: the book's delta barely moves while the flatten works
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  std::string text = testing::test_config(ports, testing::dictionary_path(), market);
  const std::string hedge =
      "    hedge: {band_delta_shares: 30, order_timeout: 500ms, "
      "min_order_interval: 40ms}\n";
  ASSERT_NE(text.find(hedge), std::string::npos);
  // Hedged in a future of 50 shares a contract, a band of 100,000 shares (the policy never
  // trades), each hedge sliced over 2 s.
  text.replace(
      text.find(hedge), hedge.size(),
      "    hedge: {instrument: future, future: {symbol: TST-F, multiplier: 50, expiry: 90d,"
      " tick_size: 0.01, lot_size: 1}, band_delta_shares: 100000, order_timeout: 2s,"
      " min_order_interval: 40ms}\n"
      "    execution: {algorithm: twap, horizon: 2s, slice_interval: 500ms, price_rule: "
      "cross}\n");
  auto loaded =
      config::load_text(text, "flatten-test.yaml", std::string(HEDGED_SOURCE_DIR) + "/config",
                        runtime::wall_clock_ns());
  ASSERT_TRUE(loaded.config) << loaded.error;
  app::Daemon daemon(*loaded.config);
  daemon.start();
  ASSERT_TRUE(wait_for(
      [&] {
        const app::DaemonStatus s = daemon.status();
        return s.fix_logged_on && s.engine.underlyings[0].spot > 0.0 &&
               s.engine.underlyings[0].hedge_unit_delta_shares > 1.0;
      },
      20s));
  const UnderlyingSnapshot before = daemon.status().engine.underlyings[0];
  const double unit = before.hedge_unit_delta_shares;
  EXPECT_NEAR(unit, 50.0 * std::exp(0.02 * 90.0 / 365.0), 0.5);  // multiplier x e^{rT}
  EXPECT_EQ(before.hedge_position, 0);
  ASSERT_GT(std::fabs(before.net_delta_shares), 2.0 * unit);  // several contracts to flatten

  daemon.command(Command::kFlatten, "test");
  ASSERT_TRUE(wait_for(
      [&] {
        const UnderlyingSnapshot u = daemon.status().engine.underlyings[0];
        return u.hedge_position != 0 && !u.parent_active && u.working_qty == 0;
      },
      20s));
  const UnderlyingSnapshot after = daemon.status().engine.underlyings[0];
  daemon.stop("test finished");
  EXPECT_LT(std::fabs(after.net_delta_shares), 0.5 * unit)
      << "net delta " << after.net_delta_shares << " shares, position " << after.hedge_position
      << " contracts, option delta " << after.greeks.delta_shares;
  // What the book's delta asked for when the flatten came (one contract either way for the
  // drift since).
  EXPECT_LE(std::llabs(after.hedge_position + std::llround(before.greeks.delta_shares / unit)), 1);
}

}  // namespace
}  // namespace hedged
