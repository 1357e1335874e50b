// Helpers shared by the integration tests: free loopback ports, a plain HTTP GET, temporary
// folders, a test configuration for the embedded simulator, and Prometheus text parsing.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hedged::testing {

// A port that was free on 127.0.0.1 a moment ago (bound to 0, read back, released).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a probe socket");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// GET http://127.0.0.1:port/path; returns the body, or nullopt on any failure.
// Polls `predicate` every 20 ms until it holds or `timeout` passes; returns its last value.
template <typename Predicate>
bool wait_for(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

struct HttpResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// One HTTP/1.0 request to 127.0.0.1:port; nullopt when the connection fails.
inline std::optional<HttpResponse> http_request(int port, const std::string& method,
                                                const std::string& path,
                                                const std::string& headers = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string request =
      method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string response;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos || response.size() < 12) {
    return std::nullopt;
  }
  HttpResponse out;
  out.status = std::atoi(response.c_str() + 9);
  out.head = response.substr(0, body);
  out.body = response.substr(body + 4);
  return out;
}

// The body of a GET that answered 200; nullopt otherwise.
inline std::optional<std::string> http_get(int port, const std::string& path) {
  const auto r = http_request(port, "GET", path);
  if (!r || r->status != 200) return std::nullopt;
  return r->body;
}

// Value of the sample whose name-and-labels text is exactly `series` (as exposed), e.g.
// `hedged_orders_total{outcome="filled",side="buy"}`.
inline std::optional<double> metric_value(const std::string& exposition,
                                          const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Local IPv4 addresses (dotted) of the sockets listening on `port`, from /proc/net/tcp.
inline std::vector<std::string> listening_addresses(int port) {
  std::vector<std::string> out;
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = local.find(':');
    if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
    if (std::stoi(local.substr(colon + 1), nullptr, 16) != port) continue;
    // The address is the kernel's 32-bit value printed in hex, byte-reversed on little endian.
    const auto raw = static_cast<std::uint32_t>(std::stoul(local.substr(0, colon), nullptr, 16));
    in_addr addr{};
    addr.s_addr = raw;
    char text[INET_ADDRSTRLEN];
    out.emplace_back(::inet_ntop(AF_INET, &addr, text, sizeof text));
  }
  return out;
}

class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    path_ = std::filesystem::temp_directory_path() /
            (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `name` (which may name subfolders) below the folder; returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

struct TestPorts {
  int fix = 0;
  int metrics = 0;
};

// Market and policy knobs of the test configuration.
struct TestMarket {
  double vol = 2.0;  // realised vol of the simulated path: high, so hedges come in seconds
  double band_delta_shares = 30;
  std::int64_t min_size = 3000;  // displayed size at the touch
  std::int64_t max_size = 8000;
  std::int64_t max_order_qty = 3000;
  std::string limits_file;  // absolute path of a limits file (see test_limits); empty: none
};

// A limits file for the test market: the pre-trade limits the pipeline tests rely on, no
// exposure limits unless `extra` adds them (appended under `underlyings.TST`).
inline std::string test_limits(const TestMarket& market = {}, const std::string& extra = "") {
  std::ostringstream s;
  s << "underlyings:\n"
       "  TST:\n"
       "    pre_trade: {max_order_qty_units: "
    << market.max_order_qty << ", max_order_notional: 500000, price_band_pct: 5}\n"
    << extra;
  return s.str();
}

// The embedded simulator tuned for tests: fast ticks and a volatile path so hedges happen
// within seconds. The default market is deep (every hedge fills at once); a thin one
// (small displayed sizes) makes partial fills and resting orders.
inline std::string test_config(const TestPorts& ports, const std::string& dictionary,
                               const TestMarket& market = {}) {
  std::ostringstream s;
  s << "engine:\n"
       "  idle_strategy: backoff\n"
       "  timer_interval: 20ms\n"
       "market_data:\n"
       "  source: simulator\n"
       "  seed: 99\n"
       "  tick_interval: 20ms\n"
       "underlyings:\n"
       "  - symbol: TST\n"
       "    tick_size: 0.01\n"
       "    lot_size: 1\n"
       "    rate: 0.02\n"
       "    vol: 0.30\n"
       "    simulator: {initial_spot: 50.0, vol: "
    << market.vol << ", spread_bps: 4, min_size: " << market.min_size
    << ", max_size: " << market.max_size
    << "}\n"
       "    hedge: {band_delta_shares: "
    << market.band_delta_shares
    << ", order_timeout: 500ms, min_order_interval: 40ms}\n"
       "book:\n"
       "  - {underlying: TST, right: call, strike: 45, expiry: 20d, quantity: -30, multiplier: "
       "100}\n"
       "  - {underlying: TST, right: call, strike: 50, expiry: 20d, quantity: -60, multiplier: "
       "100}\n"
       "  - {underlying: TST, right: put,  strike: 50, expiry: 20d, quantity: -40, multiplier: "
       "100}\n"
       "  - {underlying: TST, right: put,  strike: 55, expiry: 60d, quantity: 25,  multiplier: "
       "100}\n"
       "  - {underlying: TST, right: call, strike: 55, expiry: 60d, quantity: 35,  multiplier: "
       "100}\n"
       "fix:\n"
       "  port: "
    << ports.fix
    << "\n"
       "  data_dictionary: "
    << dictionary
    << "\n"
       "venue:\n"
       "  embedded: true\n"
       "  match_interval: 5ms\n"
       "metrics:\n"
       "  listen: 127.0.0.1:"
    << ports.metrics
    << "\n"
       "admin:\n"
       "  listen: 127.0.0.1:0\n"
       "logging:\n"
       "  level: info\n";
  if (!market.limits_file.empty()) {
    s << "risk:\n  limits_file: " << market.limits_file << "\n  watch_interval: 50ms\n";
  }
  return s.str();
}

inline std::string dictionary_path() {
  return std::string(HEDGED_SOURCE_DIR) + "/config/fix/FIX44.xml";
}

}  // namespace hedged::testing
