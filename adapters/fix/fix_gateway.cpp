#include "adapters/fix/fix_gateway.hpp"

#include "adapters/quickfix/initiator_session.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketInitiator.h>
#include <quickfix/fix44/BusinessMessageReject.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MessageCracker.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderStatusRequest.h>

namespace hedged::fix {
namespace {

TimeNs wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The field's value as the refusal reports it; throws FIX::IncorrectTagValue, which QuickFIX
// answers with a session-level Reject (35=3, SessionRejectReason 5) naming the tag.
[[noreturn]] void refuse(const FIX::FieldMap& msg, int tag, FieldProblem problem, InboundSink& sink,
                         std::atomic<std::uint64_t>& refused) {
  ReportRefusal r;
  r.tag = tag;
  r.problem = problem;
  if (msg.isSetField(FIX::FIELD::ExecID))
    r.exec_id.assign(msg.getField(FIX::FIELD::ExecID).c_str());
  if (msg.isSetField(tag)) {
    const std::string& text = msg.getField(tag);
    r.value.assign(text.c_str(), std::min(text.size(), sizeof r.value.data - 1));
  }
  refused.fetch_add(1, std::memory_order_relaxed);
  sink.on_report_refused(r);
  throw FIX::IncorrectTagValue(tag);
}

char char_field(const FIX::FieldMap& msg, int tag) {
  if (!msg.isSetField(tag)) return '\0';
  const std::string& text = msg.getField(tag);
  return text.size() == 1 ? text[0] : '\0';
}

}  // namespace

const char* to_string(FieldProblem problem) noexcept {
  switch (problem) {
    case FieldProblem::kOk: return "ok";
    case FieldProblem::kMalformed: return "not a number";
    case FieldProblem::kNotFinite: return "not a finite number";
    case FieldProblem::kNegative: return "a negative quantity";
    case FieldProblem::kFractional: return "a fractional quantity";
    case FieldProblem::kOutOfRange: return "a quantity out of range";
    case FieldProblem::kNonPositivePrice: return "a fill price at or below zero";
  }
  return "unknown";
}

FieldProblem parse_quantity(std::string_view text, std::int64_t& out) noexcept {
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return FieldProblem::kOutOfRange;
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) {
    return FieldProblem::kMalformed;
  }
  if (!std::isfinite(value)) return FieldProblem::kNotFinite;
  if (value < 0.0) return FieldProblem::kNegative;
  if (value > 9007199254740992.0) return FieldProblem::kOutOfRange;  // 2^53: exact above none
  if (value != std::floor(value)) return FieldProblem::kFractional;
  out = static_cast<std::int64_t>(value);
  return FieldProblem::kOk;
}

FieldProblem parse_price(std::string_view text, bool positive, double& out) noexcept {
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return FieldProblem::kNotFinite;
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) {
    return FieldProblem::kMalformed;
  }
  if (!std::isfinite(value)) return FieldProblem::kNotFinite;
  if (positive && !(value > 0.0)) return FieldProblem::kNonPositivePrice;
  out = value;
  return FieldProblem::kOk;
}

ExecKind exec_kind_from_fix(char exec_type) noexcept {
  switch (exec_type) {
    case '0': return ExecKind::kNew;
    case '1':  // partial fill (FIX 4.2 dialects)
    case '2':  // fill (FIX 4.2 dialects)
    case 'F': return ExecKind::kTrade;
    case '4': return ExecKind::kCanceled;
    case '6': return ExecKind::kPendingCancel;
    case '8': return ExecKind::kRejected;
    case 'C': return ExecKind::kExpired;
    case '3': return ExecKind::kDoneForDay;
    case '5': return ExecKind::kReplaced;
    case 'E': return ExecKind::kPendingReplace;
    case 'D': return ExecKind::kRestated;
    default: return ExecKind::kOrderStatus;  // 'I' and anything else: status only
  }
}

OrdStatus ord_status_from_fix(char ord_status) noexcept {
  switch (ord_status) {
    case '0': return OrdStatus::kNew;
    case '1': return OrdStatus::kPartiallyFilled;
    case '2': return OrdStatus::kFilled;
    case '4': return OrdStatus::kCanceled;
    case '6': return OrdStatus::kPendingCancel;
    case '8': return OrdStatus::kRejected;
    case 'C': return OrdStatus::kExpired;
    case 'A': return OrdStatus::kPendingNew;
    case '3': return OrdStatus::kDoneForDay;
    case 'E': return OrdStatus::kPendingReplace;
    default: return OrdStatus::kNew;
  }
}

bool parse_order_id(const std::string& text, OrderId& out) noexcept {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && out != 0;
}

class FixGateway::Application final : public FIX::Application, private FIX44::MessageCracker {
 public:
  Application(const GatewayConfig& config, InboundSink& sink) : config_(config), sink_(sink) {}

  void start() {
    quickfix::InitiatorSettings settings = quickfix::initiator_settings(config_);
    settings.store_dir = config_.store_dir;
    session_.start(*this, settings, "FIX gateway");
  }

  void stop(int logout_timeout_ms) { session_.stop(logout_timeout_ms); }

  bool send(FIX::Message& message) { return FIX::Session::sendToTarget(message, session_.id()); }

  bool logged_on() const noexcept { return logged_on_.load(std::memory_order_acquire); }

  GatewayStats stats() const noexcept {
    GatewayStats s;
    s.orders_sent = orders_sent_.load(std::memory_order_relaxed);
    s.cancels_sent = cancels_sent_.load(std::memory_order_relaxed);
    s.replaces_sent = replaces_sent_.load(std::memory_order_relaxed);
    s.status_requests_sent = status_requests_sent_.load(std::memory_order_relaxed);
    s.send_failures = send_failures_.load(std::memory_order_relaxed);
    s.exec_reports = exec_reports_.load(std::memory_order_relaxed);
    s.messages_rejected = messages_rejected_.load(std::memory_order_relaxed);
    s.session_rejects = session_rejects_.load(std::memory_order_relaxed);
    s.reports_refused = reports_refused_.load(std::memory_order_relaxed);
    s.logons = logons_.load(std::memory_order_relaxed);
    s.resends_suppressed = resends_suppressed_.load(std::memory_order_relaxed);
    return s;
  }

  // Counters bumped by the sending thread, read at scrape time.
  std::atomic<std::uint64_t> orders_sent_{0};
  std::atomic<std::uint64_t> cancels_sent_{0};
  std::atomic<std::uint64_t> replaces_sent_{0};
  std::atomic<std::uint64_t> status_requests_sent_{0};
  std::atomic<std::uint64_t> send_failures_{0};

 private:
  // --- FIX::Application: called on QuickFIX's session thread --------------------------------
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    logged_on_.store(true, std::memory_order_release);
    logons_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_session(true, id.toString());
  }
  void onLogout(const FIX::SessionID& id) override {
    const bool was = logged_on_.exchange(false, std::memory_order_acq_rel);
    if (was) sink_.on_session(false, id.toString());
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID&) override {
    if (!config_.password.empty() && message.getHeader().getField(FIX::FIELD::MsgType) == "A") {
      message.setField(FIX::FIELD::Password, config_.password);
    }
  }
  // QuickFIX calls this for new messages and for resends (PossDupFlag=Y, answering a
  // ResendRequest). An order, cancel or replace from before a gap is stale: the engine has moved
  // on and asks the venue for status instead, so a resend becomes a gap fill (DoNotSend).
  void toApp(FIX::Message& message, const FIX::SessionID&) override {
    const FIX::Header& header = message.getHeader();
    if (header.isSetField(FIX::FIELD::PossDupFlag) &&
        header.getField(FIX::FIELD::PossDupFlag) == "Y") {
      resends_suppressed_.fetch_add(1, std::memory_order_relaxed);
      throw FIX::DoNotSend();
    }
  }
  void fromAdmin(const FIX::Message& message, const FIX::SessionID&) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) == "3") {
      session_rejects_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) override {
    quickfix::crack_or_count([&] { crack(message, id); }, messages_rejected_);
  }

  // --- FIX44::MessageCracker ----------------------------------------------------------------
  void onMessage(const FIX44::ExecutionReport& message, const FIX::SessionID&) override {
    ExecReportEvent report;
    report.received_ns = wall_now_ns();
    const char exec_type = char_field(message, FIX::FIELD::ExecType);
    report.kind = exec_kind_from_fix(exec_type);
    report.status = ord_status_from_fix(char_field(message, FIX::FIELD::OrdStatus));
    // Reports about a cancel carry the cancel's ClOrdID; the order they concern is OrigClOrdID.
    // Replace reports (5, E) carry the replace's ClOrdID, which the engine knows as well.
    const bool about_cancel = exec_type == '4' || exec_type == '6';
    const int id_tag = about_cancel && message.isSetField(FIX::FIELD::OrigClOrdID)
                           ? FIX::FIELD::OrigClOrdID
                           : FIX::FIELD::ClOrdID;
    if (!message.isSetField(id_tag) ||
        !parse_order_id(message.getField(id_tag), report.cl_ord_id)) {
      messages_rejected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // Quantities are facts and must be whole; a fill's price must be a positive number (whether
    // it is plausible is the engine's judgement). Anything else is refused with a Reject.
    std::int64_t order_qty = 0;  // checked only
    for (const auto& [tag, field] : {std::pair{FIX::FIELD::LastQty, &report.last_qty},
                                     {FIX::FIELD::CumQty, &report.cum_qty},
                                     {FIX::FIELD::LeavesQty, &report.leaves_qty},
                                     {FIX::FIELD::OrderQty, &order_qty}}) {
      *field = 0;
      if (!message.isSetField(tag)) continue;
      const FieldProblem p = parse_quantity(message.getField(tag), *field);
      if (p != FieldProblem::kOk) refuse(message, tag, p, sink_, reports_refused_);
    }
    for (const int tag : {FIX::FIELD::LastPx, FIX::FIELD::AvgPx}) {
      double& px = tag == FIX::FIELD::LastPx ? report.last_px : report.avg_px;
      if (!message.isSetField(tag)) continue;
      const bool fill = tag == FIX::FIELD::LastPx && report.last_qty > 0;
      const FieldProblem p = parse_price(message.getField(tag), fill, px);
      if (p != FieldProblem::kOk) refuse(message, tag, p, sink_, reports_refused_);
    }
    if (report.kind == ExecKind::kTrade && report.last_qty > 0 &&
        !message.isSetField(FIX::FIELD::LastPx)) {
      refuse(message, FIX::FIELD::LastPx, FieldProblem::kNonPositivePrice, sink_, reports_refused_);
    }
    if (message.isSetField(FIX::FIELD::ExecID))
      report.exec_id.assign(message.getField(FIX::FIELD::ExecID).c_str());
    if (message.isSetField(FIX::FIELD::Text))
      report.text.assign(message.getField(FIX::FIELD::Text).c_str());
    exec_reports_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_exec_report(report);
  }

  void onMessage(const FIX44::OrderCancelReject& message, const FIX::SessionID&) override {
    ExecReportEvent report;
    report.received_ns = wall_now_ns();
    report.kind = char_field(message, FIX::FIELD::CxlRejResponseTo) ==
                          FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST
                      ? ExecKind::kReplaceReject
                      : ExecKind::kCancelReject;
    report.status = ord_status_from_fix(char_field(message, FIX::FIELD::OrdStatus));
    if (!message.isSetField(FIX::FIELD::OrigClOrdID) ||
        !parse_order_id(message.getField(FIX::FIELD::OrigClOrdID), report.cl_ord_id)) {
      messages_rejected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (message.isSetField(FIX::FIELD::Text))
      report.text.assign(message.getField(FIX::FIELD::Text).c_str());
    exec_reports_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_exec_report(report);
  }

  void onMessage(const FIX44::BusinessMessageReject&, const FIX::SessionID&) override {
    session_rejects_.fetch_add(1, std::memory_order_relaxed);
  }

  const GatewayConfig& config_;
  InboundSink& sink_;
  quickfix::InitiatorSession session_;
  std::atomic<bool> logged_on_{false};
  std::atomic<std::uint64_t> exec_reports_{0};
  std::atomic<std::uint64_t> messages_rejected_{0};
  std::atomic<std::uint64_t> session_rejects_{0};
  std::atomic<std::uint64_t> reports_refused_{0};
  std::atomic<std::uint64_t> logons_{0};
  std::atomic<std::uint64_t> resends_suppressed_{0};
};

FixGateway::FixGateway(GatewayConfig config, std::vector<std::string> symbols, InboundSink& sink)
    : config_(std::move(config)),
      symbols_(std::move(symbols)),
      app_(std::make_unique<Application>(config_, sink)) {}

FixGateway::~FixGateway() {
  stop(0);
}

void FixGateway::start() {
  app_->start();
}

void FixGateway::stop(int logout_timeout_ms) {
  app_->stop(logout_timeout_ms);
}

bool FixGateway::logged_on() const noexcept {
  return app_->logged_on();
}

GatewayStats FixGateway::stats() const noexcept {
  return app_->stats();
}

SendResult FixGateway::send(const NewChildOrder& order) {
  if (order.instrument >= symbols_.size()) return SendResult::kUnknownInstrument;
  if (!app_->logged_on()) return SendResult::kSessionDown;
  FIX44::NewOrderSingle message(
      FIX::ClOrdID(std::to_string(order.cl_ord_id)),
      FIX::Side(order.side == Side::kBuy ? FIX::Side_BUY : FIX::Side_SELL), FIX::TransactTime(),
      FIX::OrdType(FIX::OrdType_LIMIT));
  message.set(FIX::Symbol(symbols_[order.instrument]));
  message.set(FIX::OrderQty(static_cast<double>(order.qty)));
  message.set(FIX::Price(order.price));
  message.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
  if (!config_.account.empty()) message.set(FIX::Account(config_.account));
  if (!app_->send(message)) {
    app_->send_failures_.fetch_add(1, std::memory_order_relaxed);
    return SendResult::kSessionDown;
  }
  app_->orders_sent_.fetch_add(1, std::memory_order_relaxed);
  return SendResult::kSent;
}

SendResult FixGateway::send(const CancelOrder& cancel) {
  if (cancel.instrument >= symbols_.size()) return SendResult::kUnknownInstrument;
  if (!app_->logged_on()) return SendResult::kSessionDown;
  FIX44::OrderCancelRequest message(
      FIX::OrigClOrdID(std::to_string(cancel.orig_cl_ord_id)),
      FIX::ClOrdID(std::to_string(cancel.cl_ord_id)),
      FIX::Side(cancel.side == Side::kBuy ? FIX::Side_BUY : FIX::Side_SELL), FIX::TransactTime());
  message.set(FIX::Symbol(symbols_[cancel.instrument]));
  message.set(FIX::OrderQty(static_cast<double>(cancel.qty)));
  if (!app_->send(message)) {
    app_->send_failures_.fetch_add(1, std::memory_order_relaxed);
    return SendResult::kSessionDown;
  }
  app_->cancels_sent_.fetch_add(1, std::memory_order_relaxed);
  return SendResult::kSent;
}

SendResult FixGateway::send(const ReplaceOrder& replace) {
  if (replace.instrument >= symbols_.size()) return SendResult::kUnknownInstrument;
  if (!app_->logged_on()) return SendResult::kSessionDown;
  FIX44::OrderCancelReplaceRequest message(
      FIX::OrigClOrdID(std::to_string(replace.orig_cl_ord_id)),
      FIX::ClOrdID(std::to_string(replace.cl_ord_id)),
      FIX::Side(replace.side == Side::kBuy ? FIX::Side_BUY : FIX::Side_SELL), FIX::TransactTime(),
      FIX::OrdType(FIX::OrdType_LIMIT));
  message.set(FIX::Symbol(symbols_[replace.instrument]));
  message.set(FIX::OrderQty(static_cast<double>(replace.qty)));
  message.set(FIX::Price(replace.price));
  message.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
  if (!config_.account.empty()) message.set(FIX::Account(config_.account));
  if (!app_->send(message)) {
    app_->send_failures_.fetch_add(1, std::memory_order_relaxed);
    return SendResult::kSessionDown;
  }
  app_->replaces_sent_.fetch_add(1, std::memory_order_relaxed);
  return SendResult::kSent;
}

SendResult FixGateway::send(const StatusRequest& request) {
  if (request.instrument >= symbols_.size()) return SendResult::kUnknownInstrument;
  if (!app_->logged_on()) return SendResult::kSessionDown;
  FIX44::OrderStatusRequest message(
      FIX::ClOrdID(std::to_string(request.cl_ord_id)),
      FIX::Side(request.side == Side::kBuy ? FIX::Side_BUY : FIX::Side_SELL));
  message.set(FIX::Symbol(symbols_[request.instrument]));
  if (!app_->send(message)) {
    app_->send_failures_.fetch_add(1, std::memory_order_relaxed);
    return SendResult::kSessionDown;
  }
  app_->status_requests_sent_.fetch_add(1, std::memory_order_relaxed);
  return SendResult::kSent;
}

}  // namespace hedged::fix
