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

// Receives what the venue said, already translated. Implementations must be thread-safe.
class InboundSink {
 public:
  virtual ~InboundSink() = default;
  virtual void on_exec_report(const ExecReportEvent& report) noexcept = 0;
  virtual void on_session(bool logged_on, const std::string& detail) noexcept = 0;
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
