// Keeps the venue simulator's listening socket on the address it was configured with.
// Debian's QuickFIX 1.15.1 has no SocketAcceptHost setting: its acceptor always binds to every
// interface (0.0.0.0). A simulated exchange must not be reachable from the network, so this
// module interposes bind(): a bind of 0.0.0.0:<port> for a port registered here is redirected to
// the registered IPv4 address. Any other bind() passes through untouched. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace hedged::venue {

// Registers `host` (dotted IPv4, e.g. "127.0.0.1") as the address for listening sockets bound to
// 0.0.0.0:`port`. Returns false if `host` is not an IPv4 address.
bool restrict_listen_address(int port, const std::string& host);

// Forgets the registration for `port`.
void release_listen_address(int port);

}  // namespace hedged::venue
