// FIX market data end to end over 127.0.0.1: a real VenueSimulator (QuickFIX acceptor) whose
// touch the test sets, and a real FixMdFeed (QuickFIX initiator) subscribed to it. Snapshots,
// incremental refreshes, rejects, unsubscribe, reconnect after a venue restart, trade entries
// from venue fills, and the venue's logon password check.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/MarketDataIncrementalRefresh.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>

#include <sstream>

#include "adapters/fix/fix_gateway.hpp"
#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "tests/support/reference_market.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using marketdata::FixMdConfig;
using marketdata::FixMdFeed;
using marketdata::MdInstrument;
using marketdata::MdTrade;
using testing::wait_for;

// The venue's reference market, set by the test.
using Market = testing::ReferenceMarket;

class Recorder final : public marketdata::QuoteSink, public marketdata::TradeSink {
 public:
  void on_quote(const Quote& quote) noexcept override {
    std::lock_guard lock(mutex_);
    quotes_.push_back(quote);
  }
  void on_trade(const MdTrade& trade) noexcept override {
    std::lock_guard lock(mutex_);
    trades_.push_back(trade);
  }
  std::vector<Quote> quotes(InstrumentId id) const {
    std::lock_guard lock(mutex_);
    std::vector<Quote> out;
    for (const Quote& q : quotes_) {
      if (q.instrument == id) out.push_back(q);
    }
    return out;
  }
  std::vector<MdTrade> trades() const {
    std::lock_guard lock(mutex_);
    return trades_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Quote> quotes_;
  std::vector<MdTrade> trades_;
};

class NullInbound final : public fix::InboundSink {
 public:
  void on_exec_report(const ExecReportEvent&) noexcept override {}
  void on_session(bool, const std::string&) noexcept override {}
};

constexpr InstrumentId kAaa = 0;
constexpr InstrumentId kBbb = 1;

class FixMarketDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = testing::free_port();
    market_.set("AAA", 100.00, 100.05, 300, 400);
    market_.set("BBB", 50.10, 50.20, 100, 200);
  }
  void TearDown() override {
    if (feed_) feed_->stop(200);
    if (venue_) venue_->stop();
  }

  venue::VenueConfig venue_config() const {
    venue::VenueConfig c;
    c.comp_id = "VENUE";
    c.client_comp_ids = {"HEDGED", "HEDGED-MD"};
    c.port = port_;
    c.data_dictionary = testing::dictionary_path();
    c.match_interval_ms = 5;
    return c;
  }

  void start_venue(venue::VenueConfig config) {
    venue_ = std::make_unique<venue::VenueSimulator>(
        std::move(config), [this](const std::string& symbol, venue::VenueQuote& out) {
          return market_.get(symbol, out);
        });
    venue_->start();
  }
  void start_venue() { start_venue(venue_config()); }

  FixMdConfig feed_config() const {
    FixMdConfig c;
    c.sender_comp_id = "HEDGED-MD";
    c.target_comp_id = "VENUE";
    c.port = port_;
    c.heartbeat_interval_s = 30;
    c.reconnect_interval_s = 1;
    c.data_dictionary = testing::dictionary_path();
    return c;
  }

  void start_feed(std::vector<MdInstrument> instruments, FixMdConfig config) {
    feed_ = std::make_unique<FixMdFeed>(
        std::move(config), std::move(instruments),
        [this] { return clock_ns_.fetch_add(1000, std::memory_order_relaxed) + 1000; }, recorder_,
        &recorder_);
    feed_->start();
  }
  void start_feed(std::vector<MdInstrument> instruments = {{"AAA", kAaa}, {"BBB", kBbb}}) {
    start_feed(std::move(instruments), feed_config());
  }

  bool wait_quotes(InstrumentId id, std::size_t n) const {
    return wait_for([&] { return recorder_.quotes(id).size() >= n; }, 10s);
  }

  int port_ = 0;
  Market market_;
  Recorder recorder_;
  std::atomic<TimeNs> clock_ns_{1'000'000};
  std::unique_ptr<venue::VenueSimulator> venue_;
  std::unique_ptr<FixMdFeed> feed_;
};

void expect_quote(const Quote& q, double bid, double ask, std::int64_t bid_size,
                  std::int64_t ask_size, std::uint64_t seq) {
  EXPECT_DOUBLE_EQ(q.bid, bid);
  EXPECT_DOUBLE_EQ(q.ask, ask);
  EXPECT_EQ(q.bid_size, bid_size);
  EXPECT_EQ(q.ask_size, ask_size);
  EXPECT_EQ(q.seq, seq);
  EXPECT_GT(q.source_ns, 1'000'000);
}

TEST_F(FixMarketDataTest, snapshot_arrives_for_every_symbol_with_prices_and_sizes) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_TRUE(wait_quotes(kBbb, 1));
  expect_quote(recorder_.quotes(kAaa).at(0), 100.00, 100.05, 300, 400, 1);
  expect_quote(recorder_.quotes(kBbb).at(0), 50.10, 50.20, 100, 200, 1);
  const auto stats = feed_->stats();
  EXPECT_TRUE(stats.logged_on);
  EXPECT_EQ(stats.logons, 1u);
  EXPECT_EQ(stats.subscribed_symbols, 2u);
  EXPECT_EQ(stats.books, 2u);
  EXPECT_EQ(stats.snapshots, 2u);
  EXPECT_EQ(stats.requests_sent, 1u);
  EXPECT_EQ(stats.rejects, 0u);
  EXPECT_EQ(stats.malformed, 0u);
  // Nothing changed, so nothing more is sent.
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(recorder_.quotes(kAaa).size(), 1u);
  const auto venue_stats = venue_->stats();
  EXPECT_EQ(venue_stats.md_requests, 1u);
  EXPECT_EQ(venue_stats.md_snapshots, 2u);
  EXPECT_EQ(venue_stats.md_incrementals, 0u);
  EXPECT_EQ(venue_stats.md_subscriptions, 2u);
  EXPECT_EQ(venue_stats.md_rejects, 0u);
}

TEST_F(FixMarketDataTest, changed_quote_arrives_as_incremental_and_keeps_the_other_side) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_TRUE(wait_quotes(kBbb, 1));

  market_.set("AAA", 100.01, 100.05, 500, 400);  // bid only
  ASSERT_TRUE(wait_quotes(kAaa, 2));
  expect_quote(recorder_.quotes(kAaa).at(1), 100.01, 100.05, 500, 400, 2);
  EXPECT_EQ(feed_->stats().updates, 1u);  // one entry: the bid

  market_.set("AAA", 100.01, 100.04, 500, 250);  // offer only
  ASSERT_TRUE(wait_quotes(kAaa, 3));
  expect_quote(recorder_.quotes(kAaa).at(2), 100.01, 100.04, 500, 250, 3);
  EXPECT_EQ(feed_->stats().updates, 2u);

  market_.set("AAA", 99.98, 100.02, 700, 800);  // both sides in one message
  ASSERT_TRUE(wait_quotes(kAaa, 4));
  expect_quote(recorder_.quotes(kAaa).at(3), 99.98, 100.02, 700, 800, 4);
  EXPECT_EQ(feed_->stats().updates, 4u);

  // A new quote sequence with the same touch is not a change.
  market_.set("AAA", 99.98, 100.02, 700, 800);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(recorder_.quotes(kAaa).size(), 4u);
  EXPECT_EQ(recorder_.quotes(kBbb).size(), 1u);  // BBB never changed
  EXPECT_EQ(venue_->stats().md_incrementals, 3u);
  EXPECT_EQ(feed_->stats().malformed, 0u);
}

TEST_F(FixMarketDataTest, unknown_symbol_is_rejected_and_counted_while_known_ones_flow) {
  start_venue();
  start_feed({{"AAA", kAaa}, {"NOPE", 7}});
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_TRUE(wait_for([&] { return feed_->stats().rejects == 1; }, 5s));
  expect_quote(recorder_.quotes(kAaa).at(0), 100.00, 100.05, 300, 400, 1);
  EXPECT_TRUE(recorder_.quotes(7).empty());
  const auto venue_stats = venue_->stats();
  EXPECT_EQ(venue_stats.md_requests, 1u);
  EXPECT_EQ(venue_stats.md_rejects, 1u);
  EXPECT_EQ(venue_stats.md_subscriptions, 1u);
  EXPECT_EQ(feed_->stats().books, 1u);
}

TEST_F(FixMarketDataTest, unsubscribe_stops_updates_and_subscribe_takes_a_fresh_snapshot) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_TRUE(wait_quotes(kBbb, 1));
  ASSERT_TRUE(feed_->unsubscribe());
  ASSERT_TRUE(wait_for([&] { return venue_->stats().md_subscriptions == 0; }, 5s));
  EXPECT_EQ(feed_->stats().subscribed_symbols, 0u);

  market_.set("AAA", 101.00, 101.10, 10, 20);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(recorder_.quotes(kAaa).size(), 1u);

  ASSERT_TRUE(feed_->subscribe());
  ASSERT_TRUE(wait_quotes(kAaa, 2));
  expect_quote(recorder_.quotes(kAaa).at(1), 101.00, 101.10, 10, 20, 2);
  const auto stats = feed_->stats();
  EXPECT_EQ(stats.requests_sent, 3u);  // subscribe, unsubscribe, subscribe
  EXPECT_EQ(stats.subscribed_symbols, 2u);
  EXPECT_EQ(stats.snapshots, 4u);
  EXPECT_EQ(venue_->stats().md_requests, 3u);
  EXPECT_EQ(venue_->stats().md_rejects, 0u);
}

TEST_F(FixMarketDataTest, feed_logout_drops_its_subscriptions_at_the_venue) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_EQ(venue_->stats().md_subscriptions, 2u);
  feed_->stop(1000);
  ASSERT_TRUE(wait_for([&] { return venue_->stats().md_subscriptions == 0; }, 5s));
  EXPECT_FALSE(feed_->stats().logged_on);
}

TEST_F(FixMarketDataTest, reconnects_after_venue_restart_and_resubscribes) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  ASSERT_TRUE(wait_quotes(kBbb, 1));

  venue_->stop();
  venue_.reset();
  ASSERT_TRUE(wait_for([&] { return !feed_->logged_on(); }, 5s));
  market_.set("AAA", 100.50, 100.60, 900, 1000);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(recorder_.quotes(kAaa).size(), 1u);

  start_venue();  // same port
  ASSERT_TRUE(wait_quotes(kAaa, 2));
  ASSERT_TRUE(wait_quotes(kBbb, 2));
  expect_quote(recorder_.quotes(kAaa).at(1), 100.50, 100.60, 900, 1000, 2);
  expect_quote(recorder_.quotes(kBbb).at(1), 50.10, 50.20, 100, 200, 2);
  auto stats = feed_->stats();
  EXPECT_TRUE(stats.logged_on);
  EXPECT_EQ(stats.logons, 2u);
  EXPECT_EQ(stats.requests_sent, 2u);
  EXPECT_EQ(stats.books, 2u);
  EXPECT_EQ(venue_->stats().md_subscriptions, 2u);

  // Updates flow on the new subscription.
  market_.set("BBB", 50.15, 50.20, 100, 200);
  ASSERT_TRUE(wait_quotes(kBbb, 3));
  expect_quote(recorder_.quotes(kBbb).at(2), 50.15, 50.20, 100, 200, 3);
}

TEST_F(FixMarketDataTest, venue_fill_is_published_as_a_trade_entry) {
  start_venue();
  start_feed();
  ASSERT_TRUE(wait_quotes(kAaa, 1));

  NullInbound inbound;
  fix::GatewayConfig gateway_config;
  gateway_config.sender_comp_id = "HEDGED";
  gateway_config.target_comp_id = "VENUE";
  gateway_config.port = port_;
  gateway_config.data_dictionary = testing::dictionary_path();
  fix::FixGateway gateway(gateway_config, {"AAA", "BBB"}, inbound);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  NewChildOrder order;
  order.cl_ord_id = 1;
  order.instrument = kAaa;
  order.side = Side::kBuy;
  order.qty = 150;
  order.price = 100.05;
  ASSERT_EQ(gateway.send(order), fix::SendResult::kSent);

  ASSERT_TRUE(wait_for([&] { return !recorder_.trades().empty(); }, 5s));
  const MdTrade trade = recorder_.trades().at(0);
  EXPECT_EQ(trade.instrument, kAaa);
  EXPECT_DOUBLE_EQ(trade.price, 100.05);
  EXPECT_EQ(trade.size, 150);
  EXPECT_FALSE(trade.from_snapshot);
  EXPECT_GT(trade.source_ns, 1'000'000);
  EXPECT_EQ(feed_->stats().trades, 1u);
  EXPECT_EQ(venue_->stats().fills, 1u);
  // The trade took 150 of the 400 offered: subscribers see the offer shrink, prices unchanged.
  ASSERT_TRUE(wait_quotes(kAaa, 2));
  expect_quote(recorder_.quotes(kAaa).at(1), 100.00, 100.05, 300, 250, 2);
  gateway.stop(500);

  // A later subscriber sees the last trade in its snapshot.
  feed_->stop(500);
  feed_.reset();
  start_feed();
  ASSERT_TRUE(wait_for([&] { return recorder_.trades().size() == 2; }, 10s));
  const MdTrade last = recorder_.trades().at(1);
  EXPECT_TRUE(last.from_snapshot);
  EXPECT_DOUBLE_EQ(last.price, 100.05);
  EXPECT_EQ(last.size, 150);
}

TEST_F(FixMarketDataTest, venue_refuses_a_logon_without_the_configured_password) {
  venue::VenueConfig config = venue_config();
  config.logon_passwords = {{"HEDGED-MD", "s3cret"}};
  start_venue(config);
  start_feed();
  ASSERT_TRUE(wait_for([&] { return venue_->stats().logons_rejected >= 1; }, 10s));
  EXPECT_FALSE(feed_->logged_on());
  EXPECT_TRUE(recorder_.quotes(kAaa).empty());
  feed_->stop(200);
  feed_.reset();

  FixMdConfig with_password = feed_config();
  with_password.password = "s3cret";
  start_feed({{"AAA", kAaa}}, with_password);
  ASSERT_TRUE(wait_quotes(kAaa, 1));
  expect_quote(recorder_.quotes(kAaa).at(0), 100.00, 100.05, 300, 400, 1);
}

// A venue that answers any MarketDataRequest with a snapshot of AAA, then an incremental whose
// bid entry has no price (valid for the dictionary, unusable for a book), then a good one.
class ScriptedVenue final : public FIX::Application {
 public:
  explicit ScriptedVenue(int port) {
    std::ostringstream text;
    text << "[DEFAULT]\nConnectionType=acceptor\nNonStopSession=Y\nStartTime=00:00:00\n"
         << "EndTime=00:00:00\nSocketAcceptPort=" << port << "\nSocketReuseAddress=Y\n"
         << "UseDataDictionary=Y\nDataDictionary=" << testing::dictionary_path() << "\n"
         << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
         << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=VENUE\nTargetCompID=HEDGED-MD\n";
    std::istringstream in(text.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    acceptor_ = std::make_unique<FIX::ThreadedSocketAcceptor>(*this, store_, *settings_);
    acceptor_->start();
  }
  ~ScriptedVenue() override { acceptor_->stop(true); }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& session) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != "V") return;
    FIX44::MarketDataSnapshotFullRefresh snapshot;
    snapshot.set(FIX::Symbol("AAA"));
    for (const auto& [type, px, size] : {std::tuple{'0', 10.0, 5.0}, std::tuple{'1', 10.5, 6.0}}) {
      FIX44::MarketDataSnapshotFullRefresh::NoMDEntries entry;
      entry.set(FIX::MDEntryType(type));
      entry.set(FIX::MDEntryPx(px));
      entry.set(FIX::MDEntrySize(size));
      snapshot.addGroup(entry);
    }
    FIX::Session::sendToTarget(snapshot, session);
    FIX44::MarketDataIncrementalRefresh bad;
    FIX44::MarketDataIncrementalRefresh::NoMDEntries no_price;
    no_price.set(FIX::MDUpdateAction(FIX::MDUpdateAction_CHANGE));
    no_price.set(FIX::MDEntryType(FIX::MDEntryType_BID));
    no_price.set(FIX::Symbol("AAA"));
    no_price.set(FIX::MDEntrySize(7));
    bad.addGroup(no_price);
    FIX::Session::sendToTarget(bad, session);
    // A fractional size is refused, not truncated to 0 shares.
    FIX44::MarketDataIncrementalRefresh half;
    FIX44::MarketDataIncrementalRefresh::NoMDEntries half_bid;
    half_bid.set(FIX::MDUpdateAction(FIX::MDUpdateAction_CHANGE));
    half_bid.set(FIX::MDEntryType(FIX::MDEntryType_BID));
    half_bid.set(FIX::Symbol("AAA"));
    half_bid.set(FIX::MDEntryPx(10.1));
    half_bid.set(FIX::MDEntrySize(0.5));
    half.addGroup(half_bid);
    FIX::Session::sendToTarget(half, session);
    FIX44::MarketDataIncrementalRefresh good;
    FIX44::MarketDataIncrementalRefresh::NoMDEntries offer;
    offer.set(FIX::MDUpdateAction(FIX::MDUpdateAction_CHANGE));
    offer.set(FIX::MDEntryType(FIX::MDEntryType_OFFER));
    offer.set(FIX::Symbol("AAA"));
    offer.set(FIX::MDEntryPx(10.25));
    offer.set(FIX::MDEntrySize(9));
    good.addGroup(offer);
    FIX::Session::sendToTarget(good, session);
  }

  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

TEST_F(FixMarketDataTest, malformed_incremental_is_counted_and_dropped_without_harm) {
  ScriptedVenue venue(port_);
  start_feed({{"AAA", kAaa}});
  ASSERT_TRUE(wait_quotes(kAaa, 2));
  expect_quote(recorder_.quotes(kAaa).at(0), 10.0, 10.5, 5, 6, 1);
  // Neither bad bid (no price; a 0.5 size) was applied: the good offer update kept the
  // snapshot's bid.
  expect_quote(recorder_.quotes(kAaa).at(1), 10.0, 10.25, 5, 9, 2);
  const auto stats = feed_->stats();
  EXPECT_EQ(stats.malformed, 2u);
  EXPECT_EQ(stats.updates, 1u);
  EXPECT_TRUE(stats.logged_on);
  feed_->stop(200);
  feed_.reset();
}

}  // namespace
}  // namespace hedged
