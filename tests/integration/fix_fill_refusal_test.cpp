// The order gateway against a scripted FIX 4.4 venue over loopback (real QuickFIX on both ends):
// a fill whose LastPx is at or below zero, or whose LastQty is fractional, is answered with a
// session-level Reject (35=3, SessionRejectReason 5, RefTagID naming the field), counted, reported
// once with its ExecID, and never reaches the engine; a good fill after them does.
#include <gtest/gtest.h>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/fix/fix_gateway.hpp"
#include "tests/support/test_support.hpp"

namespace hedged {
namespace {

using namespace std::chrono_literals;
using testing::wait_for;

// Answers the first NewOrderSingle with fills given as (ExecID, LastQty text, LastPx text), and
// records the session-level Rejects it receives as (RefTagID, SessionRejectReason).
class ScriptedVenue final : public FIX::Application {
 public:
  ScriptedVenue(int port, std::vector<std::tuple<std::string, std::string, std::string>> fills)
      : fills_(std::move(fills)) {
    std::ostringstream text;
    text << "[DEFAULT]\nConnectionType=acceptor\nNonStopSession=Y\nStartTime=00:00:00\n"
         << "EndTime=00:00:00\nSocketAcceptPort=" << port << "\nSocketReuseAddress=Y\n"
         << "UseDataDictionary=Y\nDataDictionary=" << testing::dictionary_path() << "\n"
         << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
         << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=VENUE\nTargetCompID=HEDGED\n";
    std::istringstream in(text.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    acceptor_ = std::make_unique<FIX::ThreadedSocketAcceptor>(*this, store_, *settings_);
    acceptor_->start();
  }
  ~ScriptedVenue() override { acceptor_->stop(true); }

  std::vector<std::pair<int, int>> rejects() const {
    std::lock_guard lock(mutex_);
    return rejects_;
  }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& message, const FIX::SessionID&) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != "3") return;
    std::lock_guard lock(mutex_);
    rejects_.emplace_back(std::stoi(message.getField(FIX::FIELD::RefTagID)),
                          std::stoi(message.getField(FIX::FIELD::SessionRejectReason)));
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID& session) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != "D") return;
    const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
    double cum = 0.0;
    for (const auto& [exec_id, last_qty, last_px] : fills_) {
      FIX44::ExecutionReport report;
      report.set(FIX::OrderID("V1"));
      report.set(FIX::ExecID(exec_id));
      report.set(FIX::ExecType(FIX::ExecType_TRADE));
      report.set(FIX::OrdStatus(FIX::OrdStatus_PARTIALLY_FILLED));
      report.set(FIX::Side(FIX::Side_BUY));
      report.set(FIX::Symbol("TST"));
      report.set(FIX::ClOrdID(cl_ord_id));
      report.setField(FIX::FIELD::LastQty, last_qty);
      report.setField(FIX::FIELD::LastPx, last_px);
      cum += std::floor(std::stod(last_qty));  // CumQty stays whole: only LastQty is bad
      report.set(FIX::CumQty(cum));
      report.set(FIX::LeavesQty(10.0 - cum));
      report.set(FIX::AvgPx(100.0));
      FIX::Session::sendToTarget(report, session);
    }
  }

  std::vector<std::tuple<std::string, std::string, std::string>> fills_;
  mutable std::mutex mutex_;
  std::vector<std::pair<int, int>> rejects_;
  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

class Recorder final : public fix::InboundSink {
 public:
  void on_exec_report(const ExecReportEvent& report) noexcept override {
    std::lock_guard lock(mutex_);
    reports_.push_back(report);
  }
  void on_session(bool, const std::string&) noexcept override {}
  void on_report_refused(const fix::ReportRefusal& refusal) noexcept override {
    std::lock_guard lock(mutex_);
    refused_.push_back(refusal);
  }
  std::vector<ExecReportEvent> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  std::vector<fix::ReportRefusal> refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ExecReportEvent> reports_;
  std::vector<fix::ReportRefusal> refused_;
};

TEST(FixFillRefusal, non_positive_prices_and_fractional_quantities_get_a_reject) {
  const int port = testing::free_port();
  ScriptedVenue venue(port, {{"E-NEG", "1", "-5"},
                             {"E-ZERO", "1", "0"},
                             {"E-HALF", "0.5", "100"},
                             {"E-GOOD", "2", "1000000000"}});  // absurd but positive: passes
  Recorder sink;
  fix::GatewayConfig config;
  config.port = port;
  config.reconnect_interval_s = 1;
  config.data_dictionary = testing::dictionary_path();
  fix::FixGateway gateway(config, {"TST"}, sink);
  gateway.start();
  ASSERT_TRUE(wait_for([&] { return gateway.logged_on(); }, 10s));
  NewChildOrder order;
  order.cl_ord_id = 42;
  order.instrument = 0;
  order.side = Side::kBuy;
  order.qty = 10;
  order.price = 100.0;
  order.price_ticks = 10'000;
  ASSERT_EQ(gateway.send(order), fix::SendResult::kSent);

  ASSERT_TRUE(wait_for([&] { return venue.rejects().size() >= 3 && !sink.reports().empty(); }, 10s))
      << venue.rejects().size() << " rejects, " << sink.reports().size() << " reports";
  const auto rejects = venue.rejects();
  ASSERT_EQ(rejects.size(), 3u);
  // SessionRejectReason 5: value is incorrect for this tag; 31 LastPx, 32 LastQty.
  EXPECT_EQ(rejects[0], std::make_pair(31, 5));
  EXPECT_EQ(rejects[1], std::make_pair(31, 5));
  EXPECT_EQ(rejects[2], std::make_pair(32, 5));
  const auto refused = sink.refused();
  ASSERT_EQ(refused.size(), 3u);
  EXPECT_STREQ(refused[0].exec_id.c_str(), "E-NEG");
  EXPECT_STREQ(refused[0].value.c_str(), "-5");
  EXPECT_EQ(refused[0].problem, fix::FieldProblem::kNonPositivePrice);
  EXPECT_STREQ(refused[1].exec_id.c_str(), "E-ZERO");
  EXPECT_STREQ(refused[2].exec_id.c_str(), "E-HALF");
  EXPECT_EQ(refused[2].problem, fix::FieldProblem::kFractional);
  // Only the good fill reached the engine, with its numbers as sent.
  const auto reports = sink.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_STREQ(reports[0].exec_id.c_str(), "E-GOOD");
  EXPECT_EQ(reports[0].last_qty, 2);
  EXPECT_EQ(reports[0].last_px, 1e9);
  EXPECT_EQ(reports[0].cl_ord_id, 42u);
  const fix::GatewayStats stats = gateway.stats();
  EXPECT_EQ(stats.reports_refused, 3u);
  EXPECT_EQ(stats.exec_reports, 1u);
  EXPECT_TRUE(gateway.logged_on());  // the session stays up
  gateway.stop(500);
}

}  // namespace
}  // namespace hedged
