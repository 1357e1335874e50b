#include "daemon/admin/admin_server.hpp"

#include <utility>  // before Boost.Asio (TOOLCHAIN.md)

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace hedged::admin {

namespace {

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
    : token_(std::move(token)), handler_(handler) {
  http::Options options;
  options.name = "admin";
  http_ = std::make_unique<http::Server>(
      listen, std::move(options),
      [this](const http::Request& request, http::Respond respond) { serve(request, respond); });
  port_ = http_->port();
}

Server::~Server() = default;

void Server::serve(const http::Request& request, const http::Respond& respond) {
  auto send = [&respond](Reply reply) {
    respond({reply.status, std::move(reply.body), std::move(reply.content_type)});
  };
  const std::string& path = request.path;
  if (request.method == http::Method::kGet || request.method == http::Method::kHead) {
    if (path == "/health") {
      send(handler_.health());
    } else if (path == "/ready") {
      send(handler_.ready());
    } else if (path == "/status") {
      const bool text = request.accept.find("text/plain") != std::string::npos ||
                        query_value(request.query, "format") == "text";
      send(handler_.status(text));
    } else if (path == "/halt" || path == "/resume" || path == "/flatten" || path == "/reload") {
      send(error(405, "use POST for " + path));
    } else {
      send(error(404, "no such endpoint: " + path));
    }
    return;
  }
  if (request.method != http::Method::kPost) {
    send(error(405, "method not allowed"));
    return;
  }
  Action action = Action::kHalt;
  if (path == "/halt") {
    action = Action::kHalt;
  } else if (path == "/resume") {
    action = Action::kResume;
  } else if (path == "/flatten") {
    action = Action::kFlatten;
  } else if (path == "/reload") {
    action = Action::kReload;
  } else {
    send(error(404, "no such endpoint: " + path));
    return;
  }
  const std::string prefix = "Bearer ";
  const std::string& presented = request.authorization;
  if (token_.empty()) {
    send(error(403,
               "no admin token is configured (admin.token_file or HEDGED_ADMIN_TOKEN); "
               "commands are disabled"));
  } else if (request.authorization_count != 1 || presented.rfind(prefix, 0) != 0 ||
             !constant_time_equal(presented.substr(prefix.size()), token_)) {
    send(error(401, request.authorization_count > 1 ? "exactly one Authorization header is accepted"
                                                    : "a valid bearer token is required"));
  } else {
    std::string reason = query_value(request.query, "reason");
    if (reason.empty()) reason = std::string("admin API ") + to_string(action);
    if (action == Action::kReload) {
      handler_.reload(reason, [respond](Reply reply) {
        respond({reply.status, std::move(reply.body), std::move(reply.content_type)});
      });
    } else {
      send(handler_.act(action, reason));
    }
  }
}

}  // namespace hedged::admin
