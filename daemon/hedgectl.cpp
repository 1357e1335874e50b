// hedgectl: the operator's client for the daemon's admin API.
//   hedgectl [--url URL] [--token-file FILE] [--json] status
//   hedgectl [--url URL] [--token-file FILE] [--reason TEXT] halt|resume|flatten|reload
//   hedgectl help
// URL defaults to $HEDGED_ADMIN_URL or http://127.0.0.1:8080; the token to the first line of
// --token-file, else $HEDGED_ADMIN_TOKEN. Exit status: 0 done, 1 the daemon refused or failed
// (its answer is printed; a rejected reload), 2 the daemon could not be reached or did not
// answer within --timeout, 64 usage error (a command that needs the token without one).
#include <utility>  // before Boost.Asio (TOOLCHAIN.md)

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "daemon/admin/admin_server.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

void usage(std::FILE* out) {
  std::fputs(
      "usage: hedgectl [--url URL] [--token-file FILE] [--json] status\n"
      "       hedgectl [--url URL] [--token-file FILE] [--reason TEXT] "
      "halt|resume|flatten|reload\n"
      "       hedgectl help\n"
      "  status    trading state and cause, Greeks, limits and utilisation, positions\n"
      "  halt      halt the book and cancel every working order\n"
      "  resume    reset every tripped breaker whose condition has cleared\n"
      "  flatten   hedge every underlying's net delta to zero now, whatever its band\n"
      "  reload    re-read the limits file now; prints the outcome (applied, unchanged, or\n"
      "            rejected with file:line:column: message)\n"
      "  help      print this text\n"
      "URL: $HEDGED_ADMIN_URL or http://127.0.0.1:8080; token: --token-file or "
      "$HEDGED_ADMIN_TOKEN\n"
      "--timeout SECONDS: give up when the daemon has not answered (default 5)\n"
      "exit status: 0 done, 1 the daemon refused or failed (a rejected reload too),\n"
      "  2 the daemon could not be reached or did not answer in time, 64 usage error\n",
      out);
}

std::string encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* env_url = std::getenv("HEDGED_ADMIN_URL");
  std::string url = env_url != nullptr ? env_url : "http://127.0.0.1:8080";
  std::string token_file;
  std::string reason;
  bool json = false;
  double timeout_seconds = 5.0;
  std::string command;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "hedgectl: %s needs a value\n", a.c_str());
        std::exit(64);
      }
      return args[++i];
    };
    if (a == "--url") {
      url = value();
    } else if (a == "--token-file") {
      token_file = value();
    } else if (a == "--reason") {
      reason = value();
    } else if (a == "--timeout") {
      const std::string v = value();
      char* end = nullptr;
      timeout_seconds = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(timeout_seconds > 0.0) ||
          timeout_seconds > 3600.0) {
        std::fprintf(stderr, "hedgectl: --timeout needs seconds in (0, 3600], got '%s'\n",
                     v.c_str());
        return 64;
      }
    } else if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (command.empty() && a.rfind("--", 0) != 0) {
      command = a;
    } else {
      std::fprintf(stderr, "hedgectl: unexpected argument '%s'\n", a.c_str());
      usage(stderr);
      return 64;
    }
  }
  if (command == "help") {
    usage(stdout);
    return 0;
  }
  const bool get = command == "status";
  if (!get && command != "halt" && command != "resume" && command != "flatten" &&
      command != "reload") {
    if (!command.empty()) std::fprintf(stderr, "hedgectl: unknown command '%s'\n", command.c_str());
    usage(stderr);
    return 64;
  }
  if (url.rfind("http://", 0) != 0) {
    std::fprintf(stderr, "hedgectl: only http:// URLs are supported: %s\n", url.c_str());
    return 64;
  }
  std::string host_port = url.substr(7);
  if (const auto slash = host_port.find('/'); slash != std::string::npos) {
    host_port.resize(slash);
  }
  const auto colon = host_port.rfind(':');
  const std::string host = colon == std::string::npos ? host_port : host_port.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : host_port.substr(colon + 1);

  std::string token;
  try {
    token = hedged::admin::load_token(token_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hedgectl: %s\n", e.what());
    return 64;
  }
  if (!get && token.empty()) {
    std::fprintf(stderr,
                 "hedgectl: %s needs the admin token: --token-file FILE or HEDGED_ADMIN_TOKEN\n",
                 command.c_str());
    return 64;
  }

  http::response<http::string_body> response;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    // One deadline for the whole exchange: a daemon that accepts and never answers (or a
    // listener that never accepts) ends in exit 2, not a hang.
    stream.expires_after(std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000)));
    const auto endpoints = resolver.resolve(host, port);
    beast::error_code ec;
    stream.async_connect(endpoints, [&ec](beast::error_code e, const auto&) { ec = e; });
    io.run();
    io.restart();
    if (ec) throw beast::system_error(ec);
    std::string target = "/" + command;
    if (!reason.empty()) target += "?reason=" + encode(reason);
    http::request<http::string_body> request{get ? http::verb::get : http::verb::post, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "hedgectl");
    request.set(http::field::accept, json || !get ? "application/json" : "text/plain");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    request.prepare_payload();
    beast::flat_buffer buffer;
    http::async_write(stream, request, [&](beast::error_code e, std::size_t) {
      if (e) {
        ec = e;
        return;
      }
      http::async_read(stream, buffer, response,
                       [&ec](beast::error_code r, std::size_t) { ec = r; });
    });
    io.run();
    if (ec == beast::error::timeout) {
      throw std::runtime_error("no answer within " + std::to_string(timeout_seconds) + " s");
    }
    if (ec) throw beast::system_error(ec);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hedgectl: cannot reach the daemon at %s: %s\n", url.c_str(), e.what());
    return 2;
  }
  const std::string& body = response.body();
  const unsigned status = response.result_int();
  std::FILE* out = status < 300 ? stdout : stderr;
  if (status >= 300) std::fprintf(stderr, "hedgectl: %s: HTTP %u\n", command.c_str(), status);
  std::fputs(body.c_str(), out);
  if (!body.empty() && body.back() != '\n') std::fputc('\n', out);
  return status < 300 ? 0 : 1;
}
