// Persisted FIX sequence numbers over real QuickFIX on loopback: the order gateway keeps its
// session in a FileStore, the venue simulator keeps its sequence numbers while it runs. The
// gateway stops while its resting order is filled by another client; a new gateway on the same
// store folder resumes the session, the venue resends the fill it missed, and when the venue asks
// for the gateway's own old messages the stale NewOrderSingle is gap-filled, never sent again.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <quickfix/Session.h>
#include <quickfix/SessionID.h>

#include "adapters/fix/fix_gateway.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::wait_for;

constexpr OrderId kRestingOrder = 7'000'001;
constexpr OrderId kTakerOrder = 9'000'001;

class RecordingSink final : public fix::InboundSink {
 public:
  void on_exec_report(const ExecReportEvent& report) noexcept override {
    std::lock_guard lock(mutex_);
    reports_.push_back(report);
  }
  void on_session(bool, const std::string&) noexcept override {}

  std::vector<ExecReportEvent> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  // The first report of `id` of this kind with at least `cum_qty` filled, if one came.
  bool has(OrderId id, ExecKind kind, std::int64_t cum_qty = 0) const {
    std::lock_guard lock(mutex_);
    for (const ExecReportEvent& r : reports_) {
      if (r.cl_ord_id == id && r.kind == kind && r.cum_qty >= cum_qty) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ExecReportEvent> reports_;
};

// "next sender : next target" as QuickFIX's FileStore keeps them.
struct SeqNums {
  int sender = 0;
  int target = 0;
};

SeqNums read_seqnums(const std::filesystem::path& store_dir) {
  const std::string text = testing::read_file(store_dir / "FIX.4.4-HEDGED-VENUE.seqnums");
  SeqNums out;
  if (std::sscanf(text.c_str(), "%d : %d", &out.sender, &out.target) != 2) return {};
  return out;
}

fix::GatewayConfig gateway_config(const std::string& sender, int port, const std::string& store) {
  fix::GatewayConfig c;
  c.sender_comp_id = sender;
  c.target_comp_id = "VENUE";
  c.port = port;
  c.heartbeat_interval_s = 30;
  c.data_dictionary = testing::dictionary_path();
  c.store_dir = store;
  return c;
}

NewChildOrder limit_order(OrderId id, Side side, std::int64_t qty, double price) {
  NewChildOrder o;
  o.cl_ord_id = id;
  o.instrument = 0;
  o.side = side;
  o.qty = qty;
  o.price = price;
  o.price_ticks = static_cast<std::int64_t>(price * 100.0 + 0.5);
  return o;
}

// A venue on `port` for the given clients, quoting only TST at `touch` (bid, ask, sizes).
struct TestVenue {
  TestVenue(int port, std::vector<std::string> clients, bool persist_sequences,
            venue::VenueQuote touch, bool cancel_on_disconnect = true)
      : venue(
            [&] {
              venue::VenueConfig vc;
              vc.client_comp_ids = std::move(clients);
              vc.port = port;
              vc.data_dictionary = testing::dictionary_path();
              vc.persist_sequences = persist_sequences;
              vc.cancel_on_disconnect = cancel_on_disconnect;
              return vc;
            }(),
            [touch](const std::string& symbol, venue::VenueQuote& out) {
              if (symbol != "TST") return false;
              out = touch;
              return true;
            }) {
    venue.start();
  }
  venue::VenueSimulator venue;
};

TEST(FixResend, restarted_gateway_gets_the_fill_it_missed_and_never_resends_its_old_order) {
  testing::TempDir dir("hedged-fix-resend");
  const std::filesystem::path store = dir.path() / "fix";
  const int port = testing::free_port();

  // A known symbol with no provider liquidity: only the two clients trade. The order rests
  // while its owner is away (no cancel on disconnect).
  TestVenue test_venue(port, {"HEDGED", "TAKER"}, true, venue::VenueQuote{0.0, 0.0, 0, 0, 1},
                       false);
  venue::VenueSimulator& venue = test_venue.venue;
  const std::vector<std::string> symbols{"TST"};

  // 1. The gateway rests a buy, then stops (Logout) with it still working.
  SeqNums before;
  {
    RecordingSink sink;
    fix::FixGateway gateway(gateway_config("HEDGED", port, store.string()), symbols, sink);
    gateway.start();
    ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
    ASSERT_EQ(gateway.send(limit_order(kRestingOrder, Side::kBuy, 100, 100.00)),
              fix::SendResult::kSent);
    ASSERT_TRUE(wait_for([&] { return sink.has(kRestingOrder, ExecKind::kNew); }, 10s));
    gateway.stop(2000);
    before = read_seqnums(store);
  }
  // Logon, NewOrderSingle and Logout went out; Logon and the ack came in, and the venue's
  // Logout unless the stop's wait ran out first (then QuickFIX sends a second Logout on its way
  // out: the exact counts depend on the machine's speed, the continuity below does not).
  EXPECT_GE(before.sender, 4);
  EXPECT_GE(before.target, 3);
  ASSERT_TRUE(wait_for([&] { return !venue.any_session_logged_on(); }, 10s));

  // 2. Meanwhile another client sells into it: the fill report is stored by the venue's session.
  RecordingSink taker_sink;
  fix::FixGateway taker(gateway_config("TAKER", port, ""), symbols, taker_sink);
  taker.start();
  ASSERT_TRUE(wait_for([&] { return taker.logged_on(); }, 10s));
  ASSERT_EQ(taker.send(limit_order(kTakerOrder, Side::kSell, 100, 100.00)), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return taker_sink.has(kTakerOrder, ExecKind::kTrade, 100); }, 10s));
  const venue::VenueStats filled = venue.stats();
  EXPECT_EQ(filled.orders, 2u);
  EXPECT_EQ(filled.fills, 2u);  // one report to each side
  EXPECT_EQ(filled.client_matches, 1u);
  taker.stop(2000);

  // 3. The venue forgets what it received from us after the Logon: it will ask for messages 2..
  //    again, which include the NewOrderSingle.
  {
    FIX::Session* session =
        FIX::Session::lookupSession(FIX::SessionID("FIX.4.4", "VENUE", "HEDGED"));
    ASSERT_NE(session, nullptr);
    session->setNextTargetMsgSeqNum(2);
  }

  // 4. A new gateway on the same store resumes the session.
  RecordingSink sink;
  fix::FixGateway gateway(gateway_config("HEDGED", port, store.string()), symbols, sink);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  ASSERT_TRUE(wait_for([&] { return sink.has(kRestingOrder, ExecKind::kTrade, 100); }, 10s))
      << "the fill made while the gateway was down was not resent";
  ASSERT_TRUE(wait_for([&] { return gateway.stats().resends_suppressed >= 1; }, 10s));

  const std::vector<ExecReportEvent> reports = sink.reports();
  ASSERT_EQ(reports.size(), 1u);  // the fill, and only once
  EXPECT_EQ(reports[0].cl_ord_id, kRestingOrder);
  EXPECT_EQ(reports[0].last_qty, 100);
  EXPECT_EQ(reports[0].cum_qty, 100);
  EXPECT_EQ(reports[0].leaves_qty, 0);
  EXPECT_DOUBLE_EQ(reports[0].last_px, 100.00);
  EXPECT_EQ(reports[0].status, OrdStatus::kFilled);

  const fix::GatewayStats stats = gateway.stats();
  EXPECT_EQ(stats.resends_suppressed, 1u);  // the NewOrderSingle; the Logon and Logout are admin
  EXPECT_EQ(stats.orders_sent, 0u);
  EXPECT_EQ(stats.logons, 1u);

  // The old order reached the venue once: the resend was a gap fill.
  const venue::VenueStats after = venue.stats();
  EXPECT_EQ(after.orders, 2u);
  EXPECT_EQ(after.duplicate_cl_ord_ids, 0u);
  EXPECT_EQ(after.rejects, 0u);
  ASSERT_EQ(after.sessions.size(), 2u);
  EXPECT_EQ(after.sessions[0].comp_id, "HEDGED");
  EXPECT_EQ(after.sessions[0].orders, 1u);
  EXPECT_EQ(after.sessions[0].fills, 1u);
  EXPECT_EQ(after.sessions[0].logons, 2u);
  ASSERT_EQ(after.by_symbol.count("TST"), 1u);
  EXPECT_EQ(after.by_symbol.at("TST").buy_qty, 100);
  EXPECT_EQ(after.by_symbol.at("TST").sell_qty, 100);

  // Sequence numbers continued from the first run instead of starting again at 1: our Logon was
  // number 4, and the venue's Logon (5) came after the fill it stored while we were away (4).
  const SeqNums resumed = read_seqnums(store);
  EXPECT_GE(resumed.sender, before.sender + 2);  // Logon, then the gap fill at least
  EXPECT_GE(resumed.target, before.target + 2);  // the resent fill and the venue's Logon

  gateway.stop(2000);
  venue.stop();
}

// A client that resets at every logon (ResetSeqNumFlag=Y, as the embedded default runs) still
// works against a venue that keeps its sequence numbers: each logon starts both sides at 1.
TEST(FixResend, venue_keeping_sequence_numbers_accepts_a_client_that_resets) {
  const int port = testing::free_port();
  TestVenue test_venue(port, {"HEDGED"}, true, venue::VenueQuote{99.99, 100.01, 500, 500, 1});
  venue::VenueSimulator& venue = test_venue.venue;
  const std::vector<std::string> symbols{"TST"};
  for (int run = 0; run < 2; ++run) {
    RecordingSink sink;
    fix::FixGateway gateway(gateway_config("HEDGED", port, ""), symbols, sink);
    gateway.start();
    ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s)) << "run " << run;
    const OrderId id = kRestingOrder + static_cast<OrderId>(run);
    ASSERT_EQ(gateway.send(limit_order(id, Side::kBuy, 100, 100.01)), fix::SendResult::kSent);
    ASSERT_TRUE(wait_for([&] { return sink.has(id, ExecKind::kTrade, 100); }, 10s))
        << "run " << run;
    gateway.stop(2000);
    ASSERT_TRUE(wait_for([&] { return !venue.any_session_logged_on(); }, 10s));
  }
  const venue::VenueStats st = venue.stats();
  EXPECT_EQ(st.orders, 2u);
  EXPECT_EQ(st.filled_buy_qty, 200);
  EXPECT_EQ(st.duplicate_cl_ord_ids, 0u);
  ASSERT_EQ(st.sessions.size(), 1u);
  EXPECT_EQ(st.sessions[0].logons, 2u);
  venue.stop();
}

// The venue counts a ClOrdID a session uses twice, and answers a status request about an order
// that has ended with its final state and filled quantity, under any ClOrdID the order has had.
TEST(FixResend, venue_counts_reused_cl_ord_ids_and_reports_ended_orders) {
  const int port = testing::free_port();
  TestVenue test_venue(port, {"HEDGED"}, false, venue::VenueQuote{99.99, 100.01, 500, 500, 1});
  venue::VenueSimulator& venue = test_venue.venue;
  const std::vector<std::string> symbols{"TST"};
  RecordingSink sink;
  fix::FixGateway gateway(gateway_config("HEDGED", port, ""), symbols, sink);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  ASSERT_EQ(gateway.send(limit_order(kRestingOrder, Side::kBuy, 100, 100.01)),
            fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.has(kRestingOrder, ExecKind::kTrade, 100); }, 10s));
  // The same ClOrdID again, after the first order has filled.
  ASSERT_EQ(gateway.send(limit_order(kRestingOrder, Side::kBuy, 50, 100.01)),
            fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return venue.stats().duplicate_cl_ord_ids == 1; }, 10s));

  StatusRequest status;
  status.cl_ord_id = kRestingOrder + 1;  // never sent
  status.instrument = 0;
  ASSERT_EQ(gateway.send(status), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.has(kRestingOrder + 1, ExecKind::kOrderStatus); }, 10s));
  status.cl_ord_id = kRestingOrder;
  const std::size_t seen = sink.reports().size();
  ASSERT_EQ(gateway.send(status), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.reports().size() > seen; }, 10s));
  const ExecReportEvent answer = sink.reports().back();
  EXPECT_EQ(answer.kind, ExecKind::kOrderStatus);
  EXPECT_EQ(answer.cl_ord_id, kRestingOrder);
  // The latest order under that ClOrdID: the second, filled in full.
  EXPECT_EQ(answer.status, OrdStatus::kFilled);
  EXPECT_EQ(answer.cum_qty, 50);
  EXPECT_EQ(answer.leaves_qty, 0);

  // A replaced order, filled under its new ClOrdID, asked about by the one it had before.
  constexpr OrderId kBefore = 8'000'001;
  constexpr OrderId kAfter = 8'000'002;
  ASSERT_EQ(gateway.send(limit_order(kBefore, Side::kBuy, 40, 99.00)), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.has(kBefore, ExecKind::kNew); }, 10s));
  ReplaceOrder replace;
  replace.cl_ord_id = kAfter;
  replace.orig_cl_ord_id = kBefore;
  replace.instrument = 0;
  replace.side = Side::kBuy;
  replace.qty = 40;
  replace.price = 100.01;  // crosses the offer: fills at once
  replace.price_ticks = 10001;
  ASSERT_EQ(gateway.send(replace), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.has(kAfter, ExecKind::kTrade, 40); }, 10s));
  status.cl_ord_id = kBefore;
  status.side = Side::kBuy;
  const std::size_t before_status = sink.reports().size();
  ASSERT_EQ(gateway.send(status), fix::SendResult::kSent);
  ASSERT_TRUE(wait_for([&] { return sink.reports().size() > before_status; }, 10s));
  const ExecReportEvent replaced = sink.reports().back();
  EXPECT_EQ(replaced.kind, ExecKind::kOrderStatus);
  EXPECT_EQ(replaced.cl_ord_id, kBefore);
  EXPECT_EQ(replaced.status, OrdStatus::kFilled);
  EXPECT_EQ(replaced.cum_qty, 40);

  const venue::VenueStats st = venue.stats();
  EXPECT_EQ(st.duplicate_cl_ord_ids, 1u);
  EXPECT_EQ(st.sessions[0].duplicate_cl_ord_ids, 1u);
  EXPECT_EQ(st.orders, 3u);
  EXPECT_EQ(st.replaces, 1u);
  gateway.stop(2000);
  venue.stop();
}

}  // namespace
}  // namespace hedged
