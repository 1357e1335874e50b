// The admin HTTP API (Boost.Beast), bound to 127.0.0.1 by default:
//   GET  /health   liveness: 200 while every agent runs, 503 once one has failed
//   GET  /ready    readiness: 200 when the FIX order session is up and market data is fresh
//   GET  /status   trading state and cause, Greeks, limits and utilisation, positions, working
//                  orders: JSON, or a readable table with `Accept: text/plain` (hedgectl)
//   POST /halt, /resume, /flatten, /reload   operator commands; `?reason=...` is logged
// Every POST needs `Authorization: Bearer <token>`: 401 without it, with a wrong one (compared
// in constant time) or with more than one Authorization header, 403 when no token is configured.
// The token is never logged. Served by http::Server (http_server.hpp): one thread, many
// connections, each with its own deadlines.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "daemon/admin/http_server.hpp"

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
  // POST /reload: `done` is called once with the outcome, from any thread, when the reload has
  // run (the server thread goes on serving meanwhile). By default, act(kReload) at once.
  virtual void reload(const std::string& reason, std::function<void(Reply)> done) {
    done(act(Action::kReload, reason));
  }
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
  [[nodiscard]] std::uint64_t unauthorized() const noexcept {
    return http_->count(http::Outcome::kUnauthorized);
  }
  [[nodiscard]] http::Stats stats() const noexcept { return http_->stats(); }

 private:
  void serve(const http::Request& request, const http::Respond& respond);
  std::string token_;
  Handler& handler_;
  std::unique_ptr<http::Server> http_;
  int port_ = 0;
};

// The token from `file` (first line, surrounding blanks removed) or, when `file` is empty, from
// the environment variable HEDGED_ADMIN_TOKEN; empty when neither gives one. Throws
// std::runtime_error naming the file when it cannot be read.
[[nodiscard]] std::string load_token(const std::string& file);

// "a\"b" for a"b: a JSON string literal with the quotes.
[[nodiscard]] std::string json_string(const std::string& text);

}  // namespace hedged::admin
