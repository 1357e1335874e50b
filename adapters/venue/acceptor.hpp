// One QuickFIX 4.4 acceptor as the venue simulator's FIX endpoints run it: non-stop sessions,
// sequence numbers in memory (reset at every logon, or kept for the life of the process), the
// project's data dictionary, one session per client CompID, and the listening socket kept on the
// configured IPv4 address (see loopback_bind.hpp). Shared by the order/market-data endpoint and the
// drop copy.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>

namespace hedged::venue {

struct AcceptorSettings {
  std::string comp_id;                       // ours (SenderCompID of every session)
  std::vector<std::string> client_comp_ids;  // one session each
  std::string host;                          // dotted IPv4
  int port = 0;
  std::string data_dictionary;
  // false: sequence numbers reset at every logon, logout and disconnect. true: kept, with the
  // messages sent, for the life of the process, so a client that reconnects without resetting
  // (ResetSeqNumFlag=N) gets what it missed on a ResendRequest. A Logon with ResetSeqNumFlag=Y
  // still starts both sides at 1.
  bool persist_sequences = false;
};

class Acceptor {
 public:
  Acceptor() = default;
  ~Acceptor() { stop(); }
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Starts accepting for `application`; throws std::runtime_error("<what>: <reason>") for a host
  // that is not IPv4 or settings QuickFIX refuses (a port in use, say).
  void start(FIX::Application& application, const AcceptorSettings& settings, const char* what);
  // Stops every session (logging them out) and releases the address. Idempotent.
  void stop();

 private:
  int port_ = 0;
  FIX::MemoryStoreFactory store_factory_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

}  // namespace hedged::venue
