#include "adapters/venue/acceptor.hpp"

#include "adapters/venue/loopback_bind.hpp"

#include <sstream>
#include <stdexcept>

namespace hedged::venue {

void Acceptor::start(FIX::Application& application, const AcceptorSettings& s, const char* what) {
  std::ostringstream text;
  text << "[DEFAULT]\n"
       << "ConnectionType=acceptor\n"
       << "NonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
       << "SocketAcceptPort=" << s.port << "\n"
       << "SocketAcceptHost=" << s.host << "\n"
       << "SocketReuseAddress=Y\nSocketNodelay=Y\n"
       << "UseDataDictionary=Y\n"
       << "DataDictionary=" << s.data_dictionary << "\n"
       << (s.persist_sequences ? "ResetOnLogon=N\nResetOnLogout=N\nResetOnDisconnect=N\n"
                               : "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n");
  for (const std::string& client : s.client_comp_ids) {
    text << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << s.comp_id
         << "\nTargetCompID=" << client << "\n";
  }
  // QuickFIX 1.15 ignores SocketAcceptHost; keep the listener on the configured address.
  if (!restrict_listen_address(s.port, s.host)) {
    throw std::runtime_error(std::string(what) + ": host '" + s.host + "' is not an IPv4 address");
  }
  try {
    std::istringstream in(text.str());
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    acceptor_ =
        std::make_unique<FIX::ThreadedSocketAcceptor>(application, store_factory_, *settings_);
    acceptor_->start();
  } catch (const FIX::Exception& e) {
    acceptor_.reset();
    release_listen_address(s.port);
    throw std::runtime_error(std::string(what) + ": " + e.what());
  }
  port_ = s.port;
}

void Acceptor::stop() {
  if (acceptor_) {
    acceptor_->stop(true);
    acceptor_.reset();
  }
  if (port_ != 0) {
    release_listen_address(port_);
    port_ = 0;
  }
}

}  // namespace hedged::venue
