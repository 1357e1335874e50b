// FIX 4.4 order gateway over QuickFIX (ThreadedSocketInitiator). It translates engine orders
// into NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest / OrderStatusRequest and
// venue messages into POD events; it decides
// nothing. send() is called by the gateway agent's thread; InboundSink callbacks arrive on
// QuickFIX's session threads (assume any thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/actions.hpp"
#include "core/model/events.hpp"

namespace hedged::fix {

struct GatewayConfig {
  std::string sender_comp_id = "HEDGED";
  std::string target_comp_id = "VENUE";
  std::string host = "127.0.0.1";
  int port = 9878;
  int heartbeat_interval_s = 10;
  int reconnect_interval_s = 1;
  std::string data_dictionary;  // path of the FIX 4.4 dictionary (config/fix/FIX44.xml)
  std::string password;         // sent in Logon (554) when not empty
  std::string account;          // Account (1) on every order when not empty
  // Non-empty: sequence numbers and sent messages persisted in this folder (QuickFIX FileStore),
  // never reset, so after a restart the session resumes and the venue resends what was missed.
  // Empty: in memory, reset at every logon.
  std::string store_dir;
};

// Why a number in a venue's report is refused (kOk: taken).
enum class FieldProblem : std::uint8_t {
  kOk,
  kMalformed,         // not a number
  kNotFinite,         // inf, nan
  kNegative,          // a quantity below zero
  kFractional,        // a quantity that is not a whole number (0.5): refused, never truncated
  kOutOfRange,        // a quantity beyond 2^53
  kNonPositivePrice,  // the price of a fill (LastPx) at or below zero
};
[[nodiscard]] const char* to_string(FieldProblem problem) noexcept;

// A quantity field (LastQty, CumQty, LeavesQty, OrderQty): a whole number >= 0, as "100" or
// "100.0".
[[nodiscard]] FieldProblem parse_quantity(std::string_view text, std::int64_t& out) noexcept;
// A price field: a finite number; `positive` (LastPx of a fill) also requires it above zero.
[[nodiscard]] FieldProblem parse_price(std::string_view text, bool positive, double& out) noexcept;

// A venue report refused at session level (answered with a Reject, 35=3, reason 5 "value is
// incorrect" naming the tag): for the log.
struct ReportRefusal {
  int tag = 0;
  FieldProblem problem = FieldProblem::kOk;
  FixedText<40> exec_id;
  FixedText<40> value;  // the field's text, cut
};

// Receives what the venue said, already translated. Implementations must be thread-safe.
class InboundSink {
 public:
  virtual ~InboundSink() = default;
  virtual void on_exec_report(const ExecReportEvent& report) noexcept = 0;
  virtual void on_session(bool logged_on, const std::string& detail) noexcept = 0;
  // A report refused for a number no one may trust (see ReportRefusal); once per report.
  virtual void on_report_refused(const ReportRefusal& /*refusal*/) noexcept {}
};

struct GatewayStats {
  std::uint64_t orders_sent = 0;
  std::uint64_t cancels_sent = 0;
  std::uint64_t replaces_sent = 0;         // OrderCancelReplaceRequest (35=G)
  std::uint64_t status_requests_sent = 0;  // OrderStatusRequest (35=H)
  std::uint64_t send_failures = 0;
  std::uint64_t exec_reports = 0;
  std::uint64_t messages_rejected = 0;  // app messages we could not translate (counted, dropped)
  std::uint64_t session_rejects = 0;    // Reject (35=3) and BusinessMessageReject (35=j) received
  // ExecutionReports refused at session level (a Reject sent): a fill without a positive finite
  // LastPx, a fractional or negative quantity.
  std::uint64_t reports_refused = 0;
  std::uint64_t logons = 0;
  // Application messages the venue asked us to resend (ResendRequest) that were gap-filled
  // instead: a stale order, cancel or replace is never sent twice.
  std::uint64_t resends_suppressed = 0;
};

enum class SendResult : std::uint8_t { kSent, kSessionDown, kUnknownInstrument };

class FixGateway {
 public:
  // symbols[i] is the venue symbol of InstrumentId i.
  FixGateway(GatewayConfig config, std::vector<std::string> symbols, InboundSink& sink);
  ~FixGateway();
  FixGateway(const FixGateway&) = delete;
  FixGateway& operator=(const FixGateway&) = delete;

  // Starts the initiator; throws std::runtime_error with QuickFIX's message on bad settings.
  void start();
  // Logs out (waiting at most `logout_timeout_ms` for the venue's Logout) and stops.
  void stop(int logout_timeout_ms = 1000);

  [[nodiscard]] SendResult send(const NewChildOrder& order);
  [[nodiscard]] SendResult send(const CancelOrder& cancel);
  [[nodiscard]] SendResult send(const ReplaceOrder& replace);
  [[nodiscard]] SendResult send(const StatusRequest& request);

  [[nodiscard]] bool logged_on() const noexcept;
  [[nodiscard]] GatewayStats stats() const noexcept;
  [[nodiscard]] const GatewayConfig& config() const noexcept { return config_; }

 private:
  class Application;
  GatewayConfig config_;
  std::vector<std::string> symbols_;
  std::unique_ptr<Application> app_;
};

// Translation helpers, exposed for tests.
[[nodiscard]] ExecKind exec_kind_from_fix(char exec_type) noexcept;
[[nodiscard]] OrdStatus ord_status_from_fix(char ord_status) noexcept;
[[nodiscard]] bool parse_order_id(const std::string& text, OrderId& out) noexcept;

}  // namespace hedged::fix
