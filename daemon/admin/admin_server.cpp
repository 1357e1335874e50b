#include "daemon/admin/admin_server.hpp"

#include <utility>  // before Boost.Asio (TOOLCHAIN.md)

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hedged::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
};

namespace {

constexpr int kReadTimeoutSeconds = 5;

bool constant_time_equal(const std::string& a, const std::string& b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

int hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded value of `key` in a query string (`a=1&reason=x%20y`); empty when absent.
std::string query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key || eq == std::string_view::npos) continue;
    std::string out;
    const std::string_view v = pair.substr(eq + 1);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '+') {
        out += ' ';
      } else if (v[i] == '%' && i + 2 < v.size() && hex(v[i + 1]) >= 0 && hex(v[i + 2]) >= 0) {
        out += static_cast<char>(hex(v[i + 1]) * 16 + hex(v[i + 2]));
        i += 2;
      } else {
        out += v[i];
      }
    }
    return out;
  }
  return {};
}

Reply error(int status, const std::string& message) {
  return {status, "{\"error\":" + json_string(message) + "}", "application/json"};
}

}  // namespace

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string load_token(const std::string& file) {
  std::string token;
  if (file.empty()) {
    const char* env = std::getenv("HEDGED_ADMIN_TOKEN");
    token = env != nullptr ? env : "";
  } else {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("admin: cannot read the token file " + file);
    std::getline(in, token);
  }
  const auto first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = token.find_last_not_of(" \t\r\n");
  return token.substr(first, last - first + 1);
}

Server::Server(const std::string& listen, std::string token, Handler& handler)
    : impl_(std::make_unique<Impl>()), token_(std::move(token)), handler_(handler) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("admin: expected host:port, got '" + listen + "'");
  }
  try {
    const auto address = asio::ip::make_address(listen.substr(0, colon));
    const auto port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));
    const tcp::endpoint endpoint(address, port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    throw std::runtime_error("admin: cannot listen on " + listen + ": " + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

Server::~Server() {
  stopping_.store(true, std::memory_order_release);
  // Wake the blocking accept with a connection of our own.
  try {
    asio::io_context io;
    tcp::socket wake(io);
    boost::system::error_code ec;
    wake.connect(tcp::endpoint(impl_->acceptor.local_endpoint().address(),
                               static_cast<unsigned short>(port_)),
                 ec);
  } catch (...) {
  }
  if (thread_.joinable()) thread_.join();
}

void Server::run() {
  while (!stopping_.load(std::memory_order_acquire)) {
    tcp::socket socket(impl_->io);
    boost::system::error_code ec;
    impl_->acceptor.accept(socket, ec);
    if (stopping_.load(std::memory_order_acquire)) break;
    if (ec) continue;
    // A client that sends nothing must not hold the one admin thread.
    timeval timeout{kReadTimeoutSeconds, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    http::read(socket, buffer, parser, ec);
    if (ec) continue;
    request = parser.release();
    requests_.fetch_add(1, std::memory_order_relaxed);

    const std::string target(request.target());
    const std::size_t question = target.find('?');
    const std::string path = target.substr(0, question);
    const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
    Reply reply;
    try {
      if (request.method() == http::verb::get || request.method() == http::verb::head) {
        if (path == "/health") {
          reply = handler_.health();
        } else if (path == "/ready") {
          reply = handler_.ready();
        } else if (path == "/status") {
          const auto accept = request.find(http::field::accept);
          const bool text = (accept != request.end() &&
                             accept->value().find("text/plain") != beast::string_view::npos) ||
                            query_value(query, "format") == "text";
          reply = handler_.status(text);
        } else if (path == "/halt" || path == "/resume" || path == "/flatten" ||
                   path == "/reload") {
          reply = error(405, "use POST for " + path);
        } else {
          reply = error(404, "no such endpoint: " + path);
        }
      } else if (request.method() == http::verb::post) {
        Action action = Action::kHalt;
        bool known = true;
        if (path == "/halt") {
          action = Action::kHalt;
        } else if (path == "/resume") {
          action = Action::kResume;
        } else if (path == "/flatten") {
          action = Action::kFlatten;
        } else if (path == "/reload") {
          action = Action::kReload;
        } else {
          known = false;
        }
        const auto auth = request.find(http::field::authorization);
        const std::string presented = auth == request.end() ? "" : std::string(auth->value());
        const std::string prefix = "Bearer ";
        if (!known) {
          reply = error(404, "no such endpoint: " + path);
        } else if (token_.empty()) {
          reply = error(403,
                        "no admin token is configured (admin.token_file or "
                        "HEDGED_ADMIN_TOKEN); commands are disabled");
        } else if (presented.rfind(prefix, 0) != 0 ||
                   !constant_time_equal(presented.substr(prefix.size()), token_)) {
          unauthorized_.fetch_add(1, std::memory_order_relaxed);
          reply = error(401, "a valid bearer token is required");
        } else {
          std::string reason = query_value(query, "reason");
          if (reason.empty()) reason = std::string("admin API ") + to_string(action);
          reply = handler_.act(action, reason);
        }
      } else {
        reply = error(405, "method not allowed");
      }
    } catch (const std::exception& e) {
      reply = error(500, e.what());
    }

    http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                               request.version()};
    response.set(http::field::server, "hedged");
    response.set(http::field::content_type, reply.content_type);
    response.set(http::field::cache_control, "no-store");
    if (reply.status == 401) response.set(http::field::www_authenticate, "Bearer");
    response.keep_alive(false);
    if (request.method() != http::verb::head) response.body() = std::move(reply.body);
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace hedged::admin
