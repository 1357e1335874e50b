// A small asynchronous HTTP/1.1 server (Boost.Beast) for the admin API and the metrics endpoint.
// One thread runs every connection; a connection that sends slowly or not at all costs nothing
// but its socket until its deadline drops it. Per connection: the header section must arrive
// within `header_timeout`, the whole request within `request_timeout`. Beyond `max_connections`
// a new connection is closed at once. A malformed request is answered 400, a header section or
// chunked trailer section over `header_limit` 431, a body over `body_limit` 413;
// `Expect: 100-continue` is answered before the body is read. One request per connection.
// Nothing a client sends can throw out of the server: handler exceptions become 500, anything
// else is caught on the server thread, logged and counted.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace hedged::http {

// How a connection ended; counted per server.
enum class Outcome : std::uint8_t {
  kOk,              // answered with a status below 400
  kUnauthorized,    // 401 (missing, wrong or duplicated credentials)
  kForbidden,       // 403
  kClientError,     // another 4xx from the handler (404, 405, ...)
  kMalformed,       // 400: the request could not be parsed
  kHeaderTooLarge,  // 431: header or trailer section over the limit
  kBodyTooLarge,    // 413
  kTimeout,         // dropped: the header or request deadline passed
  kOverCapacity,    // refused: too many connections open
  kServerError,     // 5xx, a handler that threw, or an internal error
  kAbandoned,       // the client closed before sending a whole request
};
inline constexpr std::size_t kOutcomes = 11;

[[nodiscard]] const char* to_string(Outcome outcome) noexcept;

struct Stats {
  std::array<std::uint64_t, kOutcomes> outcomes{};
  std::uint64_t open = 0;  // connections open now
};

enum class Method : std::uint8_t { kGet, kHead, kPost, kOther };

struct Request {
  Method method = Method::kOther;
  std::string path;   // without the query
  std::string query;  // after '?', not decoded
  std::string accept;
  int authorization_count = 0;  // Authorization header fields present
  std::string authorization;    // the first one
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Called once with the answer, from any thread, at most once; a Respond that is dropped
// without being called closes the connection.
using Respond = std::function<void(Response)>;
// Called on the server thread for each complete request; must not block.
using Handler = std::function<void(const Request&, Respond)>;

struct Options {
  std::string name;  // "admin", "metrics": in log lines and errors
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  std::size_t max_connections = 64;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 64 * 1024;
};

class Server {
 public:
  // `listen` is host:port (port 0 picks a free one). Throws std::runtime_error when the address
  // cannot be bound. The server thread starts at once.
  Server(const std::string& listen, Options options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] Stats stats() const noexcept;
  [[nodiscard]] std::uint64_t count(Outcome outcome) const noexcept;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace hedged::http
