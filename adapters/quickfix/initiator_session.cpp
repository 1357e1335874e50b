#include "adapters/quickfix/initiator_session.hpp"

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <quickfix/Exceptions.h>
#include <quickfix/Session.h>

namespace hedged::quickfix {

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
           << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
           << "[SESSION]\n"
           << "BeginString=FIX.4.4\n"
           << "SenderCompID=" << s.sender_comp_id << "\n"
           << "TargetCompID=" << s.target_comp_id << "\n";
  id_ = FIX::SessionID("FIX.4.4", s.sender_comp_id, s.target_comp_id);
  try {
    std::istringstream in(settings.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    initiator_ =
        std::make_unique<FIX::ThreadedSocketInitiator>(application, store_factory_, *settings_);
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
