// The venue simulator's books over real FIX on 127.0.0.1: raw QuickFIX initiators (two client
// sessions) trade against the simulated liquidity and against each other. Price-time priority,
// IOC, FOK, market orders, replace and queue priority, self-trade prevention, cancel on
// disconnect, ack and fill latency, time-in-force and tick checks, and square-root impact on the
// published touch (read back through the FIX market data feed).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketInitiator.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderStatusRequest.h>

#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "tests/support/reference_market.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::wait_for;

constexpr char kNoTif = '\0';

// The reference market the venue's liquidity provider quotes around, set by the test.
using Market = testing::ReferenceMarket;

struct Received {
  FIX::Message message;
  Clock::time_point at;
};

std::string text_of(const FIX::Message& m, int tag) {
  return m.isSetField(tag) ? m.getField(tag) : std::string();
}
double number_of(const FIX::Message& m, int tag) {
  return m.isSetField(tag) ? std::stod(m.getField(tag)) : 0.0;
}
char char_of(const FIX::Message& m, int tag) {
  const std::string text = text_of(m, tag);
  return text.empty() ? '\0' : text[0];
}
std::string msg_type(const FIX::Message& m) {
  return m.getHeader().getField(FIX::FIELD::MsgType);
}

// One FIX 4.4 client session, spoken to directly: what it sends is built by the test, what it
// receives is kept in order with its arrival time.
class RawClient final : public FIX::Application {
 public:
  RawClient(const std::string& sender, int port) : id_(FIX::BeginString_FIX44, sender, "VENUE") {
    std::ostringstream text;
    text << "[DEFAULT]\nConnectionType=initiator\nNonStopSession=Y\nStartTime=00:00:00\n"
         << "EndTime=00:00:00\nReconnectInterval=1\nHeartBtInt=30\n"
         << "SocketConnectHost=127.0.0.1\nSocketConnectPort=" << port << "\nSocketNodelay=Y\n"
         << "UseDataDictionary=Y\nDataDictionary=" << testing::dictionary_path() << "\n"
         << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
         << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << sender << "\nTargetCompID=VENUE\n";
    std::istringstream in(text.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    initiator_ = std::make_unique<FIX::ThreadedSocketInitiator>(*this, store_, *settings_);
    initiator_->start();
  }
  ~RawClient() override { stop(); }

  // Logs out first and waits for the venue's answer (as the project's gateway does): stopping
  // QuickFIX's initiator under a live connection closes the socket under its reading thread.
  void stop() {
    if (!initiator_) return;
    if (FIX::Session* session = FIX::Session::lookupSession(id_);
        session != nullptr && session->isLoggedOn()) {
      session->logout("test client done");
      session->next();  // sends the Logout now rather than on the next timer tick
      wait_for([&] { return !logged_on_.load(); }, 2s);
    }
    initiator_->stop(true);
    initiator_.reset();
  }

  bool logged_on(std::chrono::milliseconds timeout = 10s) const {
    return wait_for([&] { return logged_on_.load(); }, timeout);
  }

  void send(FIX::Message message) { FIX::Session::sendToTarget(message, id_); }

  void new_order(const std::string& cl_ord_id, char side, double qty, double price,
                 char tif = kNoTif, const std::string& symbol = "AAA") {
    FIX44::NewOrderSingle m{FIX::ClOrdID(cl_ord_id), FIX::Side(side), FIX::TransactTime(),
                            FIX::OrdType(price > 0.0 ? FIX::OrdType_LIMIT : FIX::OrdType_MARKET)};
    m.set(FIX::Symbol(symbol));
    m.set(FIX::OrderQty(qty));
    if (price > 0.0) m.set(FIX::Price(price));
    if (tif != kNoTif) m.set(FIX::TimeInForce(tif));
    send(m);
  }
  void cancel(const std::string& cl_ord_id, const std::string& orig, char side) {
    FIX44::OrderCancelRequest m{FIX::OrigClOrdID(orig), FIX::ClOrdID(cl_ord_id), FIX::Side(side),
                                FIX::TransactTime()};
    m.set(FIX::Symbol("AAA"));
    m.set(FIX::OrderQty(1));
    send(m);
  }
  void replace(const std::string& cl_ord_id, const std::string& orig, char side, double qty,
               double price) {
    FIX44::OrderCancelReplaceRequest m{FIX::OrigClOrdID(orig), FIX::ClOrdID(cl_ord_id),
                                       FIX::Side(side), FIX::TransactTime(),
                                       FIX::OrdType(FIX::OrdType_LIMIT)};
    m.set(FIX::Symbol("AAA"));
    m.set(FIX::OrderQty(qty));
    m.set(FIX::Price(price));
    m.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
    send(m);
  }
  void status(const std::string& cl_ord_id, char side) {
    FIX44::OrderStatusRequest m{FIX::ClOrdID(cl_ord_id), FIX::Side(side)};
    m.set(FIX::Symbol("AAA"));
    send(m);
  }

  // Application messages received so far (execution reports, cancel rejects), in order.
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Execution reports about `cl_ord_id` (ClOrdID 11), in order.
  std::vector<FIX::Message> reports(const std::string& cl_ord_id) const {
    std::vector<FIX::Message> out;
    for (const Received& r : received()) {
      if (msg_type(r.message) == FIX::MsgType_ExecutionReport &&
          text_of(r.message, FIX::FIELD::ClOrdID) == cl_ord_id) {
        out.push_back(r.message);
      }
    }
    return out;
  }
  // Waits until `cl_ord_id` has a report of `exec_type`; returns it.
  std::optional<FIX::Message> wait_report(const std::string& cl_ord_id, char exec_type,
                                          std::chrono::milliseconds timeout = 5s) const {
    std::optional<FIX::Message> found;
    wait_for(
        [&] {
          for (const FIX::Message& m : reports(cl_ord_id)) {
            if (char_of(m, FIX::FIELD::ExecType) == exec_type) {
              found = m;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  std::vector<FIX::Message> fills(const std::string& cl_ord_id) const {
    std::vector<FIX::Message> out;
    for (const FIX::Message& m : reports(cl_ord_id)) {
      if (char_of(m, FIX::FIELD::ExecType) == FIX::ExecType_TRADE) out.push_back(m);
    }
    return out;
  }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { logged_on_ = true; }
  void onLogout(const FIX::SessionID&) override { logged_on_ = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    std::lock_guard lock(mutex_);
    received_.push_back({message, Clock::now()});
  }

  FIX::SessionID id_;
  std::atomic<bool> logged_on_{false};
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketInitiator> initiator_;
};

// Quotes the venue publishes, as the project's FIX market data feed reads them.
class QuoteLog final : public marketdata::QuoteSink, public marketdata::TradeSink {
 public:
  void on_quote(const Quote& quote) noexcept override {
    std::lock_guard lock(mutex_);
    quotes_.push_back(quote);
  }
  void on_trade(const marketdata::MdTrade& trade) noexcept override {
    std::lock_guard lock(mutex_);
    trades_.push_back(trade);
  }
  std::vector<Quote> quotes() const {
    std::lock_guard lock(mutex_);
    return quotes_;
  }
  std::size_t trades() const {
    std::lock_guard lock(mutex_);
    return trades_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Quote> quotes_;
  std::vector<marketdata::MdTrade> trades_;
};

class VenueBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = testing::free_port();
    // Provider: 100.00 x 100.10, 300 a side at the touch, then 450 and 675 one tick further out.
    market_.set("AAA", 100.00, 100.10, 300, 300);
  }
  void TearDown() override {
    if (feed_) feed_->stop(200);
    clients_.clear();
    if (venue_) venue_->stop();
  }

  venue::VenueConfig config() const {
    venue::VenueConfig c;
    c.comp_id = "VENUE";
    c.client_comp_ids = {"CLIENT-A", "CLIENT-B", "CLIENT-MD"};
    c.port = port_;
    c.data_dictionary = testing::dictionary_path();
    c.match_interval_ms = 5;
    c.book.levels = 3;
    c.book.size_growth = 1.5;
    return c;
  }

  void start(venue::VenueConfig c) {
    venue_ = std::make_unique<venue::VenueSimulator>(
        std::move(c), [this](const std::string& symbol, venue::VenueQuote& out) {
          return market_.get(symbol, out);
        });
    venue_->start();
  }
  void start() { start(config()); }

  RawClient& client(const std::string& sender) {
    clients_.push_back(std::make_unique<RawClient>(sender, port_));
    EXPECT_TRUE(clients_.back()->logged_on()) << sender;
    return *clients_.back();
  }

  void start_feed() {
    marketdata::FixMdConfig c;
    c.sender_comp_id = "CLIENT-MD";
    c.target_comp_id = "VENUE";
    c.port = port_;
    c.heartbeat_interval_s = 30;
    c.reconnect_interval_s = 1;
    c.data_dictionary = testing::dictionary_path();
    feed_ = std::make_unique<marketdata::FixMdFeed>(
        c, std::vector<marketdata::MdInstrument>{{"AAA", 0}},
        [this] { return clock_ns_.fetch_add(1000, std::memory_order_relaxed) + 1000; }, quotes_,
        &quotes_);
    feed_->start();
  }
  // Waits for a published quote that satisfies `pred`; returns the latest one.
  std::optional<Quote> wait_quote(const std::function<bool(const Quote&)>& pred,
                                  std::chrono::milliseconds timeout = 5s) const {
    std::optional<Quote> found;
    wait_for(
        [&] {
          const auto all = quotes_.quotes();
          if (all.empty() || !pred(all.back())) return false;
          found = all.back();
          return true;
        },
        timeout);
    return found;
  }

  int port_ = 0;
  Market market_;
  QuoteLog quotes_;
  std::atomic<TimeNs> clock_ns_{1'000'000};
  std::unique_ptr<venue::VenueSimulator> venue_;
  std::vector<std::unique_ptr<RawClient>> clients_;
  std::unique_ptr<marketdata::FixMdFeed> feed_;
};

void expect_fill(const FIX::Message& m, double last_qty, double last_px, char status, double leaves,
                 double cum) {
  EXPECT_EQ(char_of(m, FIX::FIELD::ExecType), FIX::ExecType_TRADE);
  EXPECT_DOUBLE_EQ(number_of(m, FIX::FIELD::LastQty), last_qty);
  EXPECT_NEAR(number_of(m, FIX::FIELD::LastPx), last_px, 1e-9);
  EXPECT_EQ(char_of(m, FIX::FIELD::OrdStatus), status);
  EXPECT_DOUBLE_EQ(number_of(m, FIX::FIELD::LeavesQty), leaves);
  EXPECT_DOUBLE_EQ(number_of(m, FIX::FIELD::CumQty), cum);
}

TEST_F(VenueBookTest, crossing_client_fills_resting_clients_at_their_prices_in_price_time_order) {
  start();
  RawClient& a = client("CLIENT-A");
  RawClient& b = client("CLIENT-B");
  // Inside the provider's spread: only client orders at these prices.
  a.new_order("A1", FIX::Side_BUY, 100, 100.05);
  ASSERT_TRUE(a.wait_report("A1", FIX::ExecType_NEW));
  a.new_order("A2", FIX::Side_BUY, 100, 100.05);  // same price, later: behind A1
  ASSERT_TRUE(a.wait_report("A2", FIX::ExecType_NEW));
  a.new_order("A3", FIX::Side_BUY, 100, 100.06);  // better price, latest: first
  ASSERT_TRUE(a.wait_report("A3", FIX::ExecType_NEW));

  b.new_order("B1", FIX::Side_SELL, 250, 100.05);
  ASSERT_TRUE(wait_for([&] { return b.fills("B1").size() == 3; }, 5s));
  ASSERT_TRUE(a.wait_report("A2", FIX::ExecType_TRADE));
  const auto b_fills = b.fills("B1");
  expect_fill(b_fills[0], 100, 100.06, FIX::OrdStatus_PARTIALLY_FILLED, 150, 100);
  expect_fill(b_fills[1], 100, 100.05, FIX::OrdStatus_PARTIALLY_FILLED, 50, 200);
  expect_fill(b_fills[2], 50, 100.05, FIX::OrdStatus_FILLED, 0, 250);
  EXPECT_NEAR(number_of(b_fills[2], FIX::FIELD::AvgPx), (100 * 100.06 + 150 * 100.05) / 250, 1e-9);

  ASSERT_EQ(a.fills("A3").size(), 1u);
  expect_fill(a.fills("A3")[0], 100, 100.06, FIX::OrdStatus_FILLED, 0, 100);
  ASSERT_EQ(a.fills("A1").size(), 1u);
  expect_fill(a.fills("A1")[0], 100, 100.05, FIX::OrdStatus_FILLED, 0, 100);
  ASSERT_EQ(a.fills("A2").size(), 1u);
  expect_fill(a.fills("A2")[0], 50, 100.05, FIX::OrdStatus_PARTIALLY_FILLED, 50, 50);

  // Every ExecID is unique across both sessions.
  std::set<std::string> exec_ids;
  std::size_t reports = 0;
  for (RawClient* c : {&a, &b}) {
    for (const Received& r : c->received()) {
      if (msg_type(r.message) != FIX::MsgType_ExecutionReport) continue;
      exec_ids.insert(text_of(r.message, FIX::FIELD::ExecID));
      ++reports;
    }
  }
  EXPECT_EQ(exec_ids.size(), reports);
  const venue::VenueStats stats = venue_->stats();
  EXPECT_EQ(stats.client_matches, 3u);
  EXPECT_EQ(stats.fills, 6u);  // three trades, each reported to both sides
  EXPECT_EQ(stats.filled_buy_qty, 250);
  EXPECT_EQ(stats.filled_sell_qty, 250);
  EXPECT_EQ(stats.resting, 1u);  // A2's remaining 50
}

TEST_F(VenueBookTest, ioc_trades_what_it_can_and_cancels_the_remainder) {
  start();
  RawClient& b = client("CLIENT-B");
  b.new_order("I1", FIX::Side_BUY, 500, 100.10, FIX::TimeInForce_IMMEDIATE_OR_CANCEL);
  const auto canceled = b.wait_report("I1", FIX::ExecType_CANCELED);
  ASSERT_TRUE(canceled);
  const auto reports = b.reports("I1");
  ASSERT_EQ(reports.size(), 3u);  // ack, fill of the 300 offered at 100.10, cancel of the rest
  EXPECT_EQ(char_of(reports[0], FIX::FIELD::ExecType), FIX::ExecType_NEW);
  expect_fill(reports[1], 300, 100.10, FIX::OrdStatus_PARTIALLY_FILLED, 200, 300);
  EXPECT_EQ(char_of(*canceled, FIX::FIELD::OrdStatus), FIX::OrdStatus_CANCELED);
  EXPECT_DOUBLE_EQ(number_of(*canceled, FIX::FIELD::LeavesQty), 0);
  EXPECT_DOUBLE_EQ(number_of(*canceled, FIX::FIELD::CumQty), 300);
  EXPECT_EQ(char_of(*canceled, FIX::FIELD::TimeInForce), FIX::TimeInForce_IMMEDIATE_OR_CANCEL);
  EXPECT_NE(text_of(*canceled, FIX::FIELD::Text).find("immediate or cancel"), std::string::npos);
  EXPECT_EQ(venue_->stats().ioc_fok_cancels, 1u);
  EXPECT_EQ(venue_->stats().resting, 0u);
}

TEST_F(VenueBookTest, fok_is_killed_when_the_book_is_short_and_fills_in_full_when_it_is_not) {
  start();
  RawClient& b = client("CLIENT-B");
  b.new_order("F1", FIX::Side_BUY, 500, 100.10, FIX::TimeInForce_FILL_OR_KILL);
  const auto killed = b.wait_report("F1", FIX::ExecType_CANCELED);
  ASSERT_TRUE(killed);
  EXPECT_TRUE(b.fills("F1").empty());
  EXPECT_DOUBLE_EQ(number_of(*killed, FIX::FIELD::CumQty), 0);
  EXPECT_NE(text_of(*killed, FIX::FIELD::Text).find("fill or kill"), std::string::npos);

  // Two levels (300 at 100.10 and 450 at 100.11) cover 600.
  b.new_order("F2", FIX::Side_BUY, 600, 100.11, FIX::TimeInForce_FILL_OR_KILL);
  ASSERT_TRUE(wait_for([&] { return b.fills("F2").size() == 2; }, 5s));
  const auto fills = b.fills("F2");
  expect_fill(fills[0], 300, 100.10, FIX::OrdStatus_PARTIALLY_FILLED, 300, 300);
  expect_fill(fills[1], 300, 100.11, FIX::OrdStatus_FILLED, 0, 600);
  EXPECT_NEAR(number_of(fills[1], FIX::FIELD::AvgPx), 100.105, 1e-9);
  EXPECT_EQ(venue_->stats().ioc_fok_cancels, 1u);
}

TEST_F(VenueBookTest, market_order_walks_the_book_and_cancels_what_no_level_could_fill) {
  start();
  RawClient& b = client("CLIENT-B");
  b.new_order("M1", FIX::Side_BUY, 1000, 0.0);  // asks: 300 @ .10, 450 @ .11, 675 @ .12
  ASSERT_TRUE(wait_for([&] { return b.fills("M1").size() == 3; }, 5s));
  auto fills = b.fills("M1");
  expect_fill(fills[0], 300, 100.10, FIX::OrdStatus_PARTIALLY_FILLED, 700, 300);
  expect_fill(fills[1], 450, 100.11, FIX::OrdStatus_PARTIALLY_FILLED, 250, 750);
  expect_fill(fills[2], 250, 100.12, FIX::OrdStatus_FILLED, 0, 1000);
  EXPECT_NEAR(number_of(fills[2], FIX::FIELD::AvgPx),
              (300 * 100.10 + 450 * 100.11 + 250 * 100.12) / 1000, 1e-9);
  EXPECT_FALSE(b.wait_report("M1", FIX::ExecType_CANCELED, 100ms));

  // Until the reference quote moves, 425 is left at 100.12 and nothing beyond.
  b.new_order("M2", FIX::Side_BUY, 1000, 0.0);
  const auto canceled = b.wait_report("M2", FIX::ExecType_CANCELED);
  ASSERT_TRUE(canceled);
  ASSERT_EQ(b.fills("M2").size(), 1u);
  expect_fill(b.fills("M2")[0], 425, 100.12, FIX::OrdStatus_PARTIALLY_FILLED, 575, 425);
  EXPECT_DOUBLE_EQ(number_of(*canceled, FIX::FIELD::CumQty), 425);
  EXPECT_NE(text_of(*canceled, FIX::FIELD::Text).find("market order"), std::string::npos);

  // A new quote brings fresh liquidity.
  market_.requote("AAA");
  b.new_order("M3", FIX::Side_BUY, 100, 0.0);
  ASSERT_TRUE(b.wait_report("M3", FIX::ExecType_TRADE));
  expect_fill(b.fills("M3")[0], 100, 100.10, FIX::OrdStatus_FILLED, 0, 100);
}

TEST_F(VenueBookTest, replace_keeps_queue_priority_when_smaller_and_loses_it_when_larger) {
  start();
  RawClient& a = client("CLIENT-A");
  RawClient& b = client("CLIENT-B");
  a.new_order("A1", FIX::Side_BUY, 100, 100.05);
  a.new_order("A2", FIX::Side_BUY, 100, 100.05);
  ASSERT_TRUE(a.wait_report("A2", FIX::ExecType_NEW));

  // Smaller at the same price: A1 stays ahead of A2.
  a.replace("A1r", "A1", FIX::Side_BUY, 80, 100.05);
  const auto replaced = a.wait_report("A1r", FIX::ExecType_REPLACED);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(text_of(*replaced, FIX::FIELD::OrigClOrdID), "A1");
  EXPECT_DOUBLE_EQ(number_of(*replaced, FIX::FIELD::OrderQty), 80);
  EXPECT_DOUBLE_EQ(number_of(*replaced, FIX::FIELD::LeavesQty), 80);
  b.new_order("B1", FIX::Side_SELL, 50, 100.05);
  ASSERT_TRUE(a.wait_report("A1r", FIX::ExecType_TRADE));
  expect_fill(a.fills("A1r")[0], 50, 100.05, FIX::OrdStatus_PARTIALLY_FILLED, 30, 50);
  EXPECT_TRUE(a.fills("A2").empty());

  // Larger: to the back of the level, behind A2 (the total counts what has filled).
  a.replace("A1rr", "A1r", FIX::Side_BUY, 200, 100.05);
  ASSERT_TRUE(a.wait_report("A1rr", FIX::ExecType_REPLACED));
  b.new_order("B2", FIX::Side_SELL, 110, 100.05);
  ASSERT_TRUE(a.wait_report("A1rr", FIX::ExecType_TRADE));
  ASSERT_EQ(a.fills("A2").size(), 1u);
  expect_fill(a.fills("A2")[0], 100, 100.05, FIX::OrdStatus_FILLED, 0, 100);
  expect_fill(a.fills("A1rr")[0], 10, 100.05, FIX::OrdStatus_PARTIALLY_FILLED, 140, 60);

  // Refused: unknown order, and a total not above what has filled.
  a.replace("X2", "nope", FIX::Side_BUY, 10, 100.05);
  a.replace("A1x", "A1rr", FIX::Side_BUY, 60, 100.05);
  ASSERT_TRUE(wait_for(
      [&] {
        std::size_t rejects = 0;
        for (const Received& r : a.received())
          rejects += msg_type(r.message) == FIX::MsgType_OrderCancelReject;
        return rejects == 2;
      },
      5s));
  for (const Received& r : a.received()) {
    if (msg_type(r.message) != FIX::MsgType_OrderCancelReject) continue;
    EXPECT_EQ(char_of(r.message, FIX::FIELD::CxlRejResponseTo),
              FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST);
  }
  EXPECT_EQ(venue_->stats().replaces, 2u);
  EXPECT_EQ(venue_->stats().replace_rejects, 2u);
}

TEST_F(VenueBookTest, self_trade_prevention_cancels_the_resting_order_of_the_same_session) {
  start();
  RawClient& a = client("CLIENT-A");
  a.new_order("A1", FIX::Side_BUY, 100, 100.05);
  ASSERT_TRUE(a.wait_report("A1", FIX::ExecType_NEW));
  a.new_order("A2", FIX::Side_SELL, 100, 100.05);
  const auto canceled = a.wait_report("A1", FIX::ExecType_CANCELED);
  ASSERT_TRUE(canceled);
  EXPECT_NE(text_of(*canceled, FIX::FIELD::Text).find("self-trade"), std::string::npos);
  // A2 kept going, found no other bid at 100.05 and rests.
  ASSERT_TRUE(a.wait_report("A2", FIX::ExecType_NEW));
  a.status("A2", FIX::Side_SELL);
  const auto status = a.wait_report("A2", FIX::ExecType_ORDER_STATUS);
  ASSERT_TRUE(status);
  EXPECT_EQ(char_of(*status, FIX::FIELD::OrdStatus), FIX::OrdStatus_NEW);
  EXPECT_TRUE(a.fills("A1").empty());
  EXPECT_TRUE(a.fills("A2").empty());
  const venue::VenueStats stats = venue_->stats();
  EXPECT_EQ(stats.stp_cancels, 1u);
  EXPECT_EQ(stats.client_matches, 0u);
  EXPECT_EQ(stats.resting, 1u);
}

TEST_F(VenueBookTest, self_trade_prevention_can_cancel_the_incoming_order_instead) {
  venue::VenueConfig c = config();
  c.self_trade = sim::StpPolicy::kCancelIncoming;
  start(c);
  RawClient& a = client("CLIENT-A");
  a.new_order("A1", FIX::Side_BUY, 100, 100.05);
  ASSERT_TRUE(a.wait_report("A1", FIX::ExecType_NEW));
  a.new_order("A2", FIX::Side_SELL, 100, 100.05);
  const auto canceled = a.wait_report("A2", FIX::ExecType_CANCELED);
  ASSERT_TRUE(canceled);
  EXPECT_NE(text_of(*canceled, FIX::FIELD::Text).find("incoming"), std::string::npos);
  a.status("A1", FIX::Side_BUY);
  const auto status = a.wait_report("A1", FIX::ExecType_ORDER_STATUS);
  ASSERT_TRUE(status);
  EXPECT_EQ(char_of(*status, FIX::FIELD::OrdStatus), FIX::OrdStatus_NEW);
  EXPECT_EQ(venue_->stats().stp_cancels, 1u);
}

TEST_F(VenueBookTest, logout_cancels_resting_orders_which_are_remembered_as_canceled) {
  start();
  auto a = std::make_unique<RawClient>("CLIENT-A", port_);
  ASSERT_TRUE(a->logged_on());
  a->new_order("A1", FIX::Side_BUY, 100, 100.05);
  ASSERT_TRUE(a->wait_report("A1", FIX::ExecType_NEW));
  EXPECT_EQ(venue_->stats().resting, 1u);
  a->stop();
  ASSERT_TRUE(wait_for([&] { return venue_->stats().resting == 0; }, 5s));
  EXPECT_EQ(venue_->stats().disconnect_cancels, 1u);

  // Nothing of A's is left to trade with.
  RawClient& b = client("CLIENT-B");
  b.new_order("B1", FIX::Side_SELL, 100, 100.05);
  ASSERT_TRUE(b.wait_report("B1", FIX::ExecType_NEW));
  EXPECT_FALSE(b.wait_report("B1", FIX::ExecType_TRADE, 200ms));

  // Back on, A learns its order's fate by asking; an order never sent is unknown.
  RawClient& again = client("CLIENT-A");
  again.status("A1", FIX::Side_BUY);
  const auto status = again.wait_report("A1", FIX::ExecType_ORDER_STATUS);
  ASSERT_TRUE(status);
  EXPECT_EQ(char_of(*status, FIX::FIELD::OrdStatus), FIX::OrdStatus_CANCELED);
  again.status("never", FIX::Side_BUY);
  const auto unknown = again.wait_report("never", FIX::ExecType_ORDER_STATUS);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(char_of(*unknown, FIX::FIELD::OrdStatus), FIX::OrdStatus_REJECTED);
  EXPECT_EQ(text_of(*unknown, FIX::FIELD::Text), "unknown order");
}

TEST_F(VenueBookTest, ack_and_fill_wait_for_their_latencies_and_keep_the_session_order) {
  venue::VenueConfig c = config();
  c.ack_latency_ns = 150 * kNanosPerMilli;
  c.fill_latency_ns = 100 * kNanosPerMilli;
  start(c);
  RawClient& b = client("CLIENT-B");
  const auto sent = Clock::now();
  b.new_order("L1", FIX::Side_BUY, 100, 100.10);  // marketable
  b.status("L1", FIX::Side_BUY);                  // answered after the ack, before the fill
  ASSERT_TRUE(b.wait_report("L1", FIX::ExecType_TRADE));
  const auto received = b.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(char_of(received[0].message, FIX::FIELD::ExecType), FIX::ExecType_NEW);
  EXPECT_EQ(char_of(received[1].message, FIX::FIELD::ExecType), FIX::ExecType_ORDER_STATUS);
  EXPECT_EQ(char_of(received[1].message, FIX::FIELD::OrdStatus), FIX::OrdStatus_NEW);
  EXPECT_EQ(char_of(received[2].message, FIX::FIELD::ExecType), FIX::ExecType_TRADE);
  EXPECT_GE(received[0].at - sent, 150ms);
  EXPECT_GE(received[2].at - sent, 250ms);
  EXPECT_LT(received[2].at - sent, 2s);

  // A cancel right behind an order reaches the venue while the order is still on its way to
  // the book, and stops it there.
  b.new_order("L2", FIX::Side_BUY, 100, 100.10);
  b.cancel("L2c", "L2", FIX::Side_BUY);
  ASSERT_TRUE(b.wait_report("L2c", FIX::ExecType_CANCELED));
  ASSERT_TRUE(b.wait_report("L2", FIX::ExecType_NEW, 0ms));
  EXPECT_FALSE(b.wait_report("L2", FIX::ExecType_TRADE, 300ms));
  EXPECT_EQ(venue_->stats().cancels, 1u);
}

TEST_F(VenueBookTest, rejects_other_times_in_force_and_prices_off_the_tick_grid) {
  start();
  RawClient& b = client("CLIENT-B");
  b.new_order("T1", FIX::Side_BUY, 100, 100.05, FIX::TimeInForce_GOOD_TILL_CANCEL);
  const auto gtc = b.wait_report("T1", FIX::ExecType_REJECTED);
  ASSERT_TRUE(gtc);
  EXPECT_EQ(text_of(*gtc, FIX::FIELD::Text),
            "TimeInForce must be 0 (day), 3 (immediate or cancel) or 4 (fill or kill)");
  b.new_order("T2", FIX::Side_BUY, 100, 100.055);
  const auto off_tick = b.wait_report("T2", FIX::ExecType_REJECTED);
  ASSERT_TRUE(off_tick);
  EXPECT_EQ(text_of(*off_tick, FIX::FIELD::Text),
            "limit price 100.055 is not a multiple of the tick size 0.01");
  EXPECT_EQ(venue_->stats().rejects, 2u);
}

TEST_F(VenueBookTest, published_touch_is_the_book_a_trade_shrinks_it_until_the_next_quote) {
  market_.set("AAA", 100.00, 100.10, 300, 400);  // the larger offer shows through the top-up
  start();
  start_feed();
  ASSERT_TRUE(wait_quote([](const Quote& q) { return q.ask_size == 400; }));
  RawClient& b = client("CLIENT-B");
  b.new_order("B1", FIX::Side_BUY, 150, 100.10);
  ASSERT_TRUE(b.wait_report("B1", FIX::ExecType_TRADE));
  const auto after = wait_quote([](const Quote& q) { return q.ask_size == 250; });
  ASSERT_TRUE(after);
  EXPECT_DOUBLE_EQ(after->bid, 100.00);
  EXPECT_DOUBLE_EQ(after->ask, 100.10);
  EXPECT_EQ(after->bid_size, 300);
  ASSERT_TRUE(wait_for([&] { return quotes_.trades() == 1; }, 5s));
  // A client order inside the spread is the new best bid.
  b.new_order("B2", FIX::Side_BUY, 70, 100.05);
  ASSERT_TRUE(wait_quote([](const Quote& q) { return q.bid == 100.05 && q.bid_size == 70; }));
  market_.requote("AAA");
  ASSERT_TRUE(wait_quote([](const Quote& q) { return q.ask_size == 400; }));
}

TEST_F(VenueBookTest, large_market_order_moves_the_published_touch_by_square_root_impact) {
  venue::VenueConfig c = config();
  c.book.levels = 5;
  c.impact.permanent_impact = 0.5;
  c.impact.temporary_impact = 0.3;
  c.impact.daily_volume = 1'000'000;
  c.impact.temporary_half_life_s = 3600;           // decays by < 0.02% within the test
  market_.set("AAA", 100.00, 100.10, 1000, 1000);  // 1000 + 1500 + 2250 + 3375 + 5063 offered
  start(c);
  start_feed();
  ASSERT_TRUE(wait_quote([](const Quote& q) { return q.ask == 100.10; }));

  const double qty = 10'000;
  RawClient& b = client("CLIENT-B");
  b.new_order("BIG", FIX::Side_BUY, qty, 0.0);
  ASSERT_TRUE(wait_for([&] { return b.fills("BIG").size() == 5; }, 5s));
  EXPECT_EQ(char_of(b.fills("BIG").back(), FIX::FIELD::OrdStatus), FIX::OrdStatus_FILLED);

  // Fair moves by (permanent + temporary) x sqrt(qty / daily volume) x the fair it traded at;
  // the provider quotes the same half spread around it, rounded outward to ticks.
  const double fair = 100.05;
  const double half_spread = 0.05;
  const double tick = 0.01;
  const double moved = fair + (0.5 + 0.3) * std::sqrt(qty / 1'000'000) * fair;  // 108.054
  const double expected_bid = std::floor((moved - half_spread) / tick + 1e-9) * tick;
  const double expected_ask = std::ceil((moved + half_spread) / tick - 1e-9) * tick;
  market_.requote("AAA");  // the provider re-quotes on the next reference quote
  const auto quote = wait_quote([](const Quote& q) { return q.bid > 105.0; });
  ASSERT_TRUE(quote);
  EXPECT_NEAR(quote->bid, expected_bid, 1e-9);
  EXPECT_NEAR(quote->ask, expected_ask, 1e-9);
  EXPECT_NEAR(0.5 * (quote->bid + quote->ask), moved, tick);
  EXPECT_EQ(quote->bid_size, 1000);
}

}  // namespace
}  // namespace hedged
