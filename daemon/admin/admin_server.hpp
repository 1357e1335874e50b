// The admin HTTP API (Boost.Beast), bound to 127.0.0.1 by default:
//   GET  /health   liveness: 200 while every agent runs, 503 once one has failed
//   GET  /ready    readiness: 200 when the FIX order session is up and market data is fresh
//   GET  /status   trading state and cause, Greeks, limits and utilisation, positions, working
//                  orders: JSON, or a readable table with `Accept: text/plain` (hedgectl)
//   POST /halt, /resume, /flatten, /reload   operator commands; `?reason=...` is logged
// Every POST needs `Authorization: Bearer <token>`: 401 without it or with a wrong one (compared
// in constant time), 403 when no token is configured. The token is never logged. One thread;
// one request per connection; a client that stalls is dropped after the read timeout.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace hedged::admin {

enum class Action : std::uint8_t { kHalt, kResume, kFlatten, kReload };

[[nodiscard]] constexpr const char* to_string(Action action) noexcept {
  switch (action) {
    case Action::kHalt: return "halt";
    case Action::kResume: return "resume";
    case Action::kFlatten: return "flatten";
    case Action::kReload: return "reload";
  }
  return "unknown";
}

struct Reply {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
};

// What the API reports and does; implemented by the daemon. Called on the admin thread.
class Handler {
 public:
  virtual ~Handler() = default;
  [[nodiscard]] virtual Reply health() const = 0;
  [[nodiscard]] virtual Reply ready() const = 0;
  [[nodiscard]] virtual Reply status(bool text) const = 0;
  virtual Reply act(Action action, const std::string& reason) = 0;
};

class Server {
 public:
  // `listen` is host:port (port 0 picks a free one). An empty `token` disables the POST
  // endpoints. Throws std::runtime_error when the address cannot be bound.
  Server(const std::string& listen, std::string token, Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::uint64_t requests() const noexcept {
    return requests_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t unauthorized() const noexcept {
    return unauthorized_.load(std::memory_order_relaxed);
  }

 private:
  struct Impl;
  void run();
  std::unique_ptr<Impl> impl_;
  std::string token_;
  Handler& handler_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> unauthorized_{0};
  std::thread thread_;
};

// The token from `file` (first line, surrounding blanks removed) or, when `file` is empty, from
// the environment variable HEDGED_ADMIN_TOKEN; empty when neither gives one. Throws
// std::runtime_error naming the file when it cannot be read.
[[nodiscard]] std::string load_token(const std::string& file);

// "a\"b" for a"b: a JSON string literal with the quotes.
[[nodiscard]] std::string json_string(const std::string& text);

}  // namespace hedged::admin
