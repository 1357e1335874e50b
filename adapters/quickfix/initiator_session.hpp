// One FIX 4.4 initiator session over QuickFIX, as every FIX adapter of the daemon runs it:
// non-stop, the project's data dictionary, and a logout that is sent at once on stop. Sequence
// numbers live in memory and are reset at every logon, unless a store folder is given: then they
// and the messages sent are kept in files there (QuickFIX FileStore) and never reset, so a
// restarted process logs on where it left off and asks for what it missed. Shared by the order
// gateway and the market-data feed (adapters/quickfix is the QuickFIX layer those adapters are
// built on, not an adapter).
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/MessageStore.h>
#include <quickfix/SessionID.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketInitiator.h>

namespace hedged::quickfix {

struct InitiatorSettings {
  std::string sender_comp_id;
  std::string target_comp_id;
  std::string host;
  int port = 0;
  int heartbeat_interval_s = 10;
  int reconnect_interval_s = 1;
  std::string data_dictionary;
  // Non-empty: persisted sequence numbers in this folder (created if missing); empty: in memory,
  // reset at every logon, logout and disconnect.
  std::string store_dir;
};

// The session settings of an adapter's config (GatewayConfig, FixMdConfig): any struct with
// these seven fields. The store folder is left empty (sequence numbers in memory).
template <typename Config>
[[nodiscard]] InitiatorSettings initiator_settings(const Config& c) {
  return {c.sender_comp_id,       c.target_comp_id,  c.host, c.port, c.heartbeat_interval_s,
          c.reconnect_interval_s, c.data_dictionary, {}};
}

// Runs `crack` on an application message. A message it cannot read is counted in `dropped` and
// dropped, so one bad message never takes the session down; an unsupported message type is
// counted and rethrown, so QuickFIX answers it with a BusinessMessageReject; a value the
// adapter refuses (FIX::IncorrectTagValue) is rethrown so QuickFIX answers it with a Reject.
template <typename Crack>
void crack_or_count(Crack&& crack, std::atomic<std::uint64_t>& dropped) {
  try {
    crack();
  } catch (const FIX::UnsupportedMessageType&) {
    dropped.fetch_add(1, std::memory_order_relaxed);
    throw;
  } catch (const FIX::IncorrectTagValue&) {
    throw;  // a value refused on purpose (counted by the thrower): QuickFIX sends a Reject
  } catch (const std::exception&) {
    dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

class InitiatorSession {
 public:
  InitiatorSession() = default;
  ~InitiatorSession() { stop(0); }
  InitiatorSession(const InitiatorSession&) = delete;
  InitiatorSession& operator=(const InitiatorSession&) = delete;

  // Starts connecting `application`'s session; throws std::runtime_error("<what>: <QuickFIX's
  // message>") on bad settings.
  void start(FIX::Application& application, const InitiatorSettings& settings, const char* what);
  // Logs out (waiting at most `logout_timeout_ms` for the counterparty's Logout) and stops.
  void stop(int logout_timeout_ms);

  [[nodiscard]] const FIX::SessionID& id() const noexcept { return id_; }

 private:
  FIX::SessionID id_;
  FIX::MemoryStoreFactory memory_store_factory_;
  std::unique_ptr<FIX::FileStoreFactory> file_store_factory_;  // with a store folder
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketInitiator> initiator_;
};

}  // namespace hedged::quickfix
