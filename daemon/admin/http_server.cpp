#include "daemon/admin/http_server.hpp"

#include <utility>  // before Boost.Asio (TOOLCHAIN.md)

#include <mutex>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hedged::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

const char* to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kUnauthorized: return "unauthorized";
    case Outcome::kForbidden: return "forbidden";
    case Outcome::kClientError: return "client_error";
    case Outcome::kMalformed: return "malformed";
    case Outcome::kHeaderTooLarge: return "header_too_large";
    case Outcome::kBodyTooLarge: return "body_too_large";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kOverCapacity: return "over_capacity";
    case Outcome::kServerError: return "server_error";
    case Outcome::kAbandoned: return "abandoned";
  }
  return "unknown";
}

// Declaration order matters: the io_context is destroyed before the counters (its pending
// handlers own sessions, which count themselves out) and after the acceptor.
struct Server::Core {
  Options options;
  Handler handler;
  std::array<std::atomic<std::uint64_t>, kOutcomes> counts{};
  std::atomic<std::uint64_t> open{0};
  std::mutex post_mutex;
  bool stopped = false;  // guarded by post_mutex
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::weak_ptr<Core> self;

  void count(Outcome outcome) noexcept {
    counts[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  void accept();
};

namespace {

Outcome outcome_of_status(int status) noexcept {
  if (status < 400) return Outcome::kOk;
  if (status == 400) return Outcome::kMalformed;
  if (status == 401) return Outcome::kUnauthorized;
  if (status == 403) return Outcome::kForbidden;
  if (status == 413) return Outcome::kBodyTooLarge;
  if (status == 431) return Outcome::kHeaderTooLarge;
  if (status < 500) return Outcome::kClientError;
  return Outcome::kServerError;
}

std::string error_body(const std::string& message) {
  std::string out = "{\"error\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Core& core, tcp::socket socket)
      : core_(core), stream_(std::move(socket)), buffer_(core.options.header_limit + 4096) {
    core_.open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { core_.open.fetch_sub(1, std::memory_order_relaxed); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    started_ = Clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_.options.header_limit));
    parser_->body_limit(core_.options.body_limit);
    stream_.expires_after(core_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // Called on the server thread with the handler's answer.
  void answer(Response response) {
    if (answered_) return;
    answered_ = true;
    const bool head =
        parser_ && parser_->is_header_done() && parser_->get().method() == bhttp::verb::head;
    const Outcome outcome = outcome_of_status(response.status);
    write(std::move(response), outcome, head);
  }

 private:
  void on_header(beast::error_code ec) {
    if (ec) return fail(ec);
    stream_.expires_at(started_ + core_.options.request_timeout);
    const auto& req = parser_->get();
    const auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                           if (e) return self->fail(e);
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec) return fail(ec);
    stream_.expires_never();  // the handler may answer later; the Respond owns us meanwhile
    const auto& req = parser_->get();
    Request request;
    switch (req.method()) {
      case bhttp::verb::get: request.method = Method::kGet; break;
      case bhttp::verb::head: request.method = Method::kHead; break;
      case bhttp::verb::post: request.method = Method::kPost; break;
      default: request.method = Method::kOther; break;
    }
    const std::string target(req.target());
    const std::size_t question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string::npos ? "" : target.substr(question + 1);
    if (const auto accept = req.find(bhttp::field::accept); accept != req.end()) {
      request.accept = std::string(accept->value());
    }
    const auto [first, last] = req.equal_range(bhttp::field::authorization);
    for (auto it = first; it != last; ++it) {
      if (request.authorization_count++ == 0) request.authorization = std::string(it->value());
    }
    request.body = req.body();
    try {
      core_.handler(request, make_respond());
    } catch (const std::exception& e) {
      spdlog::error("{} HTTP: handler for {} failed: {}", core_.options.name, request.path,
                    e.what());
      answer({500, error_body("internal error"), "application/json"});
    } catch (...) {
      spdlog::error("{} HTTP: handler for {} failed", core_.options.name, request.path);
      answer({500, error_body("internal error"), "application/json"});
    }
  }

  Respond make_respond();

  void fail(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      core_.count(Outcome::kTimeout);
      return close();
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return write({431, error_body("header section too large"), "application/json"},
                   Outcome::kHeaderTooLarge, false);
    }
    if (ec == bhttp::error::body_limit) {
      return write({413, error_body("body too large"), "application/json"}, Outcome::kBodyTooLarge,
                   false);
    }
    if (ec.category() == beast::error_code(bhttp::error::end_of_stream).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
        ec != bhttp::error::need_more && ec != bhttp::error::need_buffer) {
      return write({400, error_body("malformed request"), "application/json"}, Outcome::kMalformed,
                   false);
    }
    core_.count(Outcome::kAbandoned);
    close();
  }

  void write(Response reply, Outcome outcome, bool head) {
    answered_ = true;
    auto response = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(reply.status), 11);
    response->set(bhttp::field::server, "hedged");
    response->set(bhttp::field::content_type, reply.content_type);
    response->set(bhttp::field::cache_control, "no-store");
    if (reply.status == 401) response->set(bhttp::field::www_authenticate, "Bearer");
    response->keep_alive(false);
    if (!head) response->body() = std::move(reply.body);
    response->prepare_payload();
    stream_.expires_after(core_.options.write_timeout);
    bhttp::async_write(
        stream_, *response,
        [self = shared_from_this(), response, outcome](beast::error_code ec, std::size_t) {
          self->core_.count(ec ? Outcome::kAbandoned : outcome);
          if (ec) return self->close();
          self->linger();
        });
  }

  // After the answer: stop sending, read what the client still sends (a body we refused) for a
  // short while, then close, so the client reads the answer instead of a reset.
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }
  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 1024 * 1024) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  Server::Core& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;  // bounded: an oversized trailer section fails instead of growing
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Clock::time_point started_;
  bool answered_ = false;
  std::size_t drained_ = 0;
  std::array<char, 4096> scratch_{};

  friend struct Responder;
};

// Shared by the copies of one Respond: sends the answer (or releases the session) on the
// server thread, once.
struct Responder {
  std::shared_ptr<Server::Core> core;
  std::shared_ptr<Session> session;
  std::atomic<bool> done{false};

  void deliver(std::optional<Response> response) {
    if (done.exchange(true, std::memory_order_acq_rel)) return;
    std::lock_guard lock(core->post_mutex);
    if (core->stopped) return;
    asio::post(core->io, [s = std::move(session), r = std::move(response)]() mutable {
      if (r) s->answer(std::move(*r));
    });
  }
  ~Responder() {
    try {
      deliver(std::nullopt);
    } catch (...) {
    }
  }
};

Respond Session::make_respond() {
  auto responder = std::make_shared<Responder>();
  responder->core = core_.self.lock();
  responder->session = shared_from_this();
  return [responder](Response response) { responder->deliver(std::move(response)); };
}

}  // namespace

void Server::Core::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, for example: try again shortly instead of spinning.
      count(Outcome::kServerError);
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    try {
      if (open.load(std::memory_order_relaxed) >= options.max_connections) {
        count(Outcome::kOverCapacity);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(*this, std::move(socket))->start();
      }
    } catch (const std::exception& e) {
      count(Outcome::kServerError);
      spdlog::error("{} HTTP: cannot serve a connection: {}", options.name, e.what());
    }
    accept();
  });
}

Server::Server(const std::string& listen, Options options, Handler handler)
    : core_(std::make_shared<Core>()) {
  core_->self = core_;
  core_->options = std::move(options);
  core_->handler = std::move(handler);
  const std::string& name = core_->options.name;
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error(name + ": expected host:port, got '" + listen + "'");
  }
  try {
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    const int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port out of range");
    const tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<unsigned short>(port));
    core_->acceptor.open(endpoint.protocol());
    core_->acceptor.set_option(asio::socket_base::reuse_address(true));
    core_->acceptor.bind(endpoint);
    core_->acceptor.listen();
    port_ = core_->acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    throw std::runtime_error(name + ": cannot listen on " + listen + ": " + e.what());
  }
  core_->accept();
  thread_ = std::thread([core = core_.get()] {
    for (;;) {
      try {
        core->io.run();
        return;
      } catch (const std::exception& e) {
        core->count(Outcome::kServerError);
        spdlog::error("{} HTTP: {}", core->options.name, e.what());
      } catch (...) {
        core->count(Outcome::kServerError);
        spdlog::error("{} HTTP: unknown exception", core->options.name);
      }
    }
  });
}

Server::~Server() {
  {
    std::lock_guard lock(core_->post_mutex);
    core_->stopped = true;
  }
  core_->io.stop();
  if (thread_.joinable()) thread_.join();
  beast::error_code ec;
  core_->acceptor.close(ec);
}

Stats Server::stats() const noexcept {
  Stats out;
  for (std::size_t i = 0; i < kOutcomes; ++i) {
    out.outcomes[i] = core_->counts[i].load(std::memory_order_relaxed);
  }
  out.open = core_->open.load(std::memory_order_relaxed);
  return out;
}

std::uint64_t Server::count(Outcome outcome) const noexcept {
  return core_->counts[static_cast<std::size_t>(outcome)].load(std::memory_order_relaxed);
}

}  // namespace hedged::http
