#include "adapters/fix/drop_copy.hpp"

#include "adapters/quickfix/initiator_session.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include <quickfix/Application.h>
#include <quickfix/Session.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MessageCracker.h>

namespace hedged::fix {
namespace {

TimeNs wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class DropCopySession::Application final : public FIX::Application, private FIX44::MessageCracker {
 public:
  Application(const DropCopyConfig& config, std::vector<DropCopyInstrument> options,
              OptionTradeSink& sink)
      : config_(config), sink_(sink) {
    for (DropCopyInstrument& o : options) by_symbol_.emplace(std::move(o.symbol), o.instrument);
  }

  void start() { session_.start(*this, quickfix::initiator_settings(config_), "drop copy"); }
  void stop(int logout_timeout_ms) { session_.stop(logout_timeout_ms); }

  DropCopyStats stats() const noexcept {
    DropCopyStats s;
    s.logged_on = logged_on_.load(std::memory_order_acquire);
    s.logons = logons_.load(std::memory_order_relaxed);
    s.trades = trades_.load(std::memory_order_relaxed);
    s.other_reports = other_reports_.load(std::memory_order_relaxed);
    s.unknown_symbols = unknown_symbols_.load(std::memory_order_relaxed);
    s.malformed = malformed_.load(std::memory_order_relaxed);
    s.refused = refused_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    logged_on_.store(true, std::memory_order_release);
    logons_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_drop_copy_session(true, id.toString());
  }
  void onLogout(const FIX::SessionID& id) override {
    if (logged_on_.exchange(false, std::memory_order_acq_rel)) {
      sink_.on_drop_copy_session(false, id.toString());
    }
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID&) override {
    if (!config_.password.empty() && message.getHeader().getField(FIX::FIELD::MsgType) == "A") {
      message.setField(FIX::FIELD::Password, config_.password);
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) override {
    quickfix::crack_or_count([&] { crack(message, id); }, malformed_);
  }

  void onMessage(const FIX44::ExecutionReport& message, const FIX::SessionID&) override {
    const std::string& exec_type = message.getField(FIX::FIELD::ExecType);
    // A fill: F in FIX 4.4, 1 and 2 in older dialects that drop copies still speak.
    if (exec_type != "F" && exec_type != "1" && exec_type != "2") {
      other_reports_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const auto it = by_symbol_.find(message.getField(FIX::FIELD::Symbol));
    if (it == by_symbol_.end()) {
      unknown_symbols_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const std::string& side = message.getField(FIX::FIELD::Side);
    if (side != "1" && side != "2") refuse(message, FIX::FIELD::Side, FieldProblem::kMalformed);
    // A whole, positive quantity and a positive finite price, or a Reject naming the field.
    std::int64_t qty = 0;
    FieldProblem problem = parse_quantity(message.getField(FIX::FIELD::LastQty), qty);
    if (problem == FieldProblem::kOk && qty == 0) problem = FieldProblem::kNegative;
    if (problem != FieldProblem::kOk) refuse(message, FIX::FIELD::LastQty, problem);
    double price = 0.0;
    problem = parse_price(message.getField(FIX::FIELD::LastPx), true, price);
    if (problem != FieldProblem::kOk) refuse(message, FIX::FIELD::LastPx, problem);
    OptionTradeEvent trade;
    trade.instrument = it->second;
    trade.qty = qty * (side == "1" ? 1 : -1);
    trade.price = price;
    trade.received_ns = wall_now_ns();
    trade.exec_id.assign(message.getField(FIX::FIELD::ExecID).c_str());
    trades_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_option_trade(trade);
  }

  [[noreturn]] void refuse(const FIX::FieldMap& msg, int tag, FieldProblem problem) {
    ReportRefusal r;
    r.tag = tag;
    r.problem = problem;
    if (msg.isSetField(FIX::FIELD::ExecID)) {
      r.exec_id.assign(msg.getField(FIX::FIELD::ExecID).c_str());
    }
    const std::string& text = msg.getField(tag);
    r.value.assign(text.c_str(), std::min(text.size(), sizeof r.value.data - 1));
    refused_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_drop_copy_refused(r);
    throw FIX::IncorrectTagValue(tag);
  }

  const DropCopyConfig& config_;
  OptionTradeSink& sink_;
  std::unordered_map<std::string, InstrumentId> by_symbol_;
  quickfix::InitiatorSession session_;
  std::atomic<bool> logged_on_{false};
  std::atomic<std::uint64_t> logons_{0};
  std::atomic<std::uint64_t> trades_{0};
  std::atomic<std::uint64_t> other_reports_{0};
  std::atomic<std::uint64_t> unknown_symbols_{0};
  std::atomic<std::uint64_t> malformed_{0};
  std::atomic<std::uint64_t> refused_{0};
};

DropCopySession::DropCopySession(DropCopyConfig config, std::vector<DropCopyInstrument> options,
                                 OptionTradeSink& sink)
    : config_(std::move(config)),
      app_(std::make_unique<Application>(config_, std::move(options), sink)) {}

DropCopySession::~DropCopySession() {
  stop(0);
}

void DropCopySession::start() {
  app_->start();
}

void DropCopySession::stop(int logout_timeout_ms) {
  app_->stop(logout_timeout_ms);
}

DropCopyStats DropCopySession::stats() const noexcept {
  return app_->stats();
}

}  // namespace hedged::fix
