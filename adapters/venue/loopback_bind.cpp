#include "adapters/venue/loopback_bind.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstring>

namespace hedged::venue {
namespace {

// A few fixed slots: one per venue simulator in the process. Ports and addresses are atomics so
// bind() may read them from any thread without a lock.
struct Slot {
  std::atomic<int> port{0};
  std::atomic<std::uint32_t> address{0};  // network byte order
};
std::array<Slot, 8> g_slots;

std::uint32_t address_for(int port) {
  for (const Slot& slot : g_slots) {
    if (slot.port.load(std::memory_order_acquire) == port) {
      return slot.address.load(std::memory_order_acquire);
    }
  }
  return 0;
}

using BindFn = int (*)(int, const sockaddr*, socklen_t);

BindFn next_bind() {
  static const BindFn fn = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
  return fn;
}

}  // namespace

bool restrict_listen_address(int port, const std::string& host) {
  in_addr parsed{};
  if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) return false;
  for (Slot& slot : g_slots) {
    int expected = 0;
    if (slot.port.load(std::memory_order_acquire) == port ||
        slot.port.compare_exchange_strong(expected, port, std::memory_order_acq_rel)) {
      // The address is stored after the port is claimed; a bind that sees the port but an
      // address of 0 passes through unchanged, which only happens while registering.
      slot.address.store(parsed.s_addr, std::memory_order_release);
      return true;
    }
  }
  return false;
}

void release_listen_address(int port) {
  for (Slot& slot : g_slots) {
    if (slot.port.load(std::memory_order_acquire) == port) {
      slot.address.store(0, std::memory_order_release);
      slot.port.store(0, std::memory_order_release);
    }
  }
}

}  // namespace hedged::venue

// The interposed bind(). The executable's definition is found before libc's, so QuickFIX's
// call lands here; everything not registered above goes on to the next bind() unchanged.
extern "C" int bind(int fd, const sockaddr* address, socklen_t length) {
  if (address != nullptr && address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
      const std::uint32_t restricted = hedged::venue::address_for(ntohs(in.sin_port));
      if (restricted != 0) {
        in.sin_addr.s_addr = restricted;
        return hedged::venue::next_bind()(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
      }
    }
  }
  return hedged::venue::next_bind()(fd, address, length);
}
