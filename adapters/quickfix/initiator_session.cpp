#include "adapters/quickfix/initiator_session.hpp"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <quickfix/Exceptions.h>
#include <quickfix/Session.h>

namespace hedged::quickfix {
namespace {

// In memory: both ends start again at 1 on every logon (the Logon carries ResetSeqNumFlag=Y).
// Persisted: numbers continue across logouts, disconnects and restarts; a gap is filled by a
// ResendRequest, answered by the counterparty with PossDupFlag=Y copies or a gap fill.
std::string reset_settings(const std::string& store_dir) {
  if (store_dir.empty()) return "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n";
  return "ResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\nPersistMessages=Y\n"
         "FileStorePath=" +
         store_dir + "\n";
}

}  // namespace

void InitiatorSession::start(FIX::Application& application, const InitiatorSettings& s,
                             const char* what) {
  std::ostringstream settings;
  settings << "[DEFAULT]\n"
           << "ConnectionType=initiator\n"
           << "NonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
           << "ReconnectInterval=" << s.reconnect_interval_s << "\n"
           << "HeartBtInt=" << s.heartbeat_interval_s << "\n"
           << "SocketConnectHost=" << s.host << "\n"
           << "SocketConnectPort=" << s.port << "\n"
           << "SocketNodelay=Y\n"
           << "UseDataDictionary=Y\n"
           << "DataDictionary=" << s.data_dictionary << "\n"
           << reset_settings(s.store_dir) << "[SESSION]\n"
           << "BeginString=FIX.4.4\n"
           << "SenderCompID=" << s.sender_comp_id << "\n"
           << "TargetCompID=" << s.target_comp_id << "\n";
  id_ = FIX::SessionID("FIX.4.4", s.sender_comp_id, s.target_comp_id);
  try {
    std::istringstream in(settings.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    FIX::MessageStoreFactory* store = &memory_store_factory_;
    if (!s.store_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(s.store_dir, ec);
      if (ec) {
        throw std::runtime_error(std::string(what) + ": cannot create the FIX store folder " +
                                 s.store_dir + ": " + ec.message());
      }
      file_store_factory_ = std::make_unique<FIX::FileStoreFactory>(s.store_dir);
      store = file_store_factory_.get();
    }
    initiator_ = std::make_unique<FIX::ThreadedSocketInitiator>(application, *store, *settings_);
    initiator_->start();
  } catch (const FIX::Exception& e) {
    initiator_.reset();
    throw std::runtime_error(std::string(what) + ": " + e.what());
  }
}

void InitiatorSession::stop(int logout_timeout_ms) {
  if (!initiator_) return;
  if (FIX::Session* session = FIX::Session::lookupSession(id_)) {
    if (session->isLoggedOn()) {
      session->logout("hedged shutting down");
      // QuickFIX sends the Logout from its next timer tick (up to a second away); run it now.
      session->next();
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(logout_timeout_ms);
      while (session->isLoggedOn() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  initiator_->stop(true);
  initiator_.reset();
}

}  // namespace hedged::quickfix
