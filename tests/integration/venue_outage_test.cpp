// Venue outages over 127.0.0.1: a real VenueSimulator (QuickFIX acceptor) and a real FixGateway
// (QuickFIX initiator, reconnecting every second). During an outage the client is logged out
// and cannot log on again; after it, it does. Driven directly through set_outage, and by a
// scenario's venue_outage phase through the standalone venue (`hedged venue --scenario`).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/fix/fix_gateway.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "daemon/app/venue_command.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/scenario.hpp"
#include "daemon/runtime/agent.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::wait_for;

class SessionLog final : public fix::InboundSink {
 public:
  void on_exec_report(const ExecReportEvent&) noexcept override {
    std::lock_guard lock(mutex_);
    ++reports_;
  }
  void on_session(bool logged_on, const std::string& detail) noexcept override {
    std::lock_guard lock(mutex_);
    (logged_on ? ups_ : downs_) += 1;
    last_detail_ = detail;
  }
  int downs() const {
    std::lock_guard lock(mutex_);
    return downs_;
  }
  int reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }

 private:
  mutable std::mutex mutex_;
  int ups_ = 0;
  int downs_ = 0;
  int reports_ = 0;
  std::string last_detail_;
};

fix::GatewayConfig client_config(int port) {
  fix::GatewayConfig c;
  c.sender_comp_id = "HEDGED";
  c.target_comp_id = "VENUE";
  c.port = port;
  c.heartbeat_interval_s = 30;
  c.reconnect_interval_s = 1;
  c.data_dictionary = testing::dictionary_path();
  return c;
}

// Stays logged out for `span`, polling every 20 ms.
bool stays_logged_out(const fix::FixGateway& gateway, std::chrono::milliseconds span) {
  return !wait_for([&] { return gateway.logged_on(); }, span);
}

TEST(VenueOutage, drops_the_session_refuses_logons_and_accepts_them_again_after) {
  const int port = testing::free_port();
  venue::VenueConfig config;
  config.port = port;
  config.data_dictionary = testing::dictionary_path();
  venue::VenueSimulator venue(config, [](const std::string& symbol, venue::VenueQuote& out) {
    if (symbol != "AAA") return false;
    out = {100.00, 100.05, 500, 500, 1};
    return true;
  });
  venue.set_outage(true);  // before start: ignored
  EXPECT_FALSE(venue.in_outage());
  venue.start();

  SessionLog log;
  fix::FixGateway gateway(client_config(port), {"AAA"}, log);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  ASSERT_TRUE(wait_for([&] { return venue.any_session_logged_on(); }, 5s));
  EXPECT_EQ(gateway.stats().logons, 1u);

  venue.set_outage(true);
  EXPECT_TRUE(venue.in_outage());
  ASSERT_TRUE(wait_for([&] { return !gateway.logged_on(); }, 5s));
  EXPECT_GE(log.downs(), 1);
  // The gateway retries every second; three seconds of outage see none of its logons succeed.
  EXPECT_TRUE(stays_logged_out(gateway, 3s));
  EXPECT_FALSE(venue.any_session_logged_on());
  EXPECT_EQ(gateway.stats().logons, 1u);
  NewChildOrder order;
  order.cl_ord_id = 1;
  order.instrument = 0;
  order.side = Side::kBuy;
  order.qty = 100;
  order.price_ticks = 10005;
  order.price = 100.05;
  EXPECT_EQ(gateway.send(order), fix::SendResult::kSessionDown);

  venue.set_outage(true);  // already down: nothing more happens
  venue.set_outage(false);
  EXPECT_FALSE(venue.in_outage());
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  EXPECT_EQ(gateway.stats().logons, 2u);
  // Trading works again after the outage.
  order.cl_ord_id = 2;
  ASSERT_EQ(gateway.send(order), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return venue.stats().fills >= 1; }, 5s));

  const venue::VenueStats stats = venue.stats();
  EXPECT_EQ(stats.outages, 1u);
  EXPECT_EQ(stats.outage_sessions_dropped, 1u);
  EXPECT_GE(stats.outage_logons_refused, 2u);  // the retries of three seconds
  gateway.stop(500);
  venue.stop();
}

TEST(VenueOutage, a_scenario_outage_phase_runs_through_the_standalone_venue) {
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const auto loaded = config::load_text(testing::test_config(ports, testing::dictionary_path()),
                                        "test.yaml", ".", runtime::wall_clock_ns());
  ASSERT_TRUE(loaded.config) << loaded.error;
  const auto scenario = config::load_scenario_text(R"(scenario: outage_test
description: "a 3 s outage 3 s in, with a crash meanwhile"
phases:
  - {at: 3s, duration: 3s, kind: venue_outage}
  - {at: 2s, duration: 2s, kind: flash_crash, move_pct: -5, recover: 2s, spread_multiple: 4}
)",
                                                   "outage_test.yaml");
  ASSERT_TRUE(scenario.scenario) << scenario.error;

  app::StandaloneVenue venue(*loaded.config, &*scenario.scenario);
  const auto started = std::chrono::steady_clock::now();
  venue.start();
  SessionLog log;
  fix::GatewayConfig client = client_config(ports.fix);
  client.sender_comp_id = loaded.config->fix.sender_comp_id;
  client.target_comp_id = loaded.config->fix.target_comp_id;
  fix::FixGateway gateway(client, {"TST"}, log);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 2500ms));
  // Dropped at about 3 s, kept out until about 6 s, then back.
  ASSERT_TRUE(wait_for([&] { return !gateway.logged_on(); }, 5s));
  const auto dropped = std::chrono::steady_clock::now() - started;
  EXPECT_GE(dropped, 2900ms);
  EXPECT_TRUE(stays_logged_out(gateway, 2s));
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  const auto back = std::chrono::steady_clock::now() - started;
  EXPECT_GE(back, 5900ms);
  EXPECT_EQ(gateway.stats().logons, 2u);
  const venue::VenueStats stats = venue.stats();
  EXPECT_EQ(stats.outages, 1u);
  EXPECT_EQ(stats.outage_sessions_dropped, 1u);
  EXPECT_GE(stats.outage_logons_refused, 1u);
  gateway.stop(500);
  venue.stop();
}

TEST(VenueOutage, a_scenario_naming_an_unknown_symbol_stops_the_venue_from_starting) {
  const testing::TestPorts ports{testing::free_port(), testing::free_port()};
  const auto loaded = config::load_text(testing::test_config(ports, testing::dictionary_path()),
                                        "test.yaml", ".", runtime::wall_clock_ns());
  ASSERT_TRUE(loaded.config) << loaded.error;
  sim::Scenario scenario;
  scenario.name = "bad";
  sim::ScenarioPhase phase;
  phase.kind = sim::PhaseKind::kPriceJump;
  phase.symbol = "NOPE";
  phase.jump_pct = 1.0;
  scenario.phases.push_back(phase);
  app::StandaloneVenue venue(*loaded.config, &scenario);
  try {
    venue.start();
    FAIL() << "started with an unknown symbol";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "scenario bad: phase 1 names 'NOPE', which is not a simulated underlying");
  }
}

}  // namespace
}  // namespace hedged
