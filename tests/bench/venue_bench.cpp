// End-to-end throughput of the venue simulator over FIX on 127.0.0.1, both ends in this process
// (QuickFIX acceptor and initiator, validation on, MemoryStore):
//   1. orders: a client keeps a window of NewOrderSingles outstanding (non-marketable limit
//      orders, so each rests in the book) and counts the acks; orders/s and ack latency;
//   2. the same client against a bare QuickFIX echo acceptor that acks without any matching:
//      what QuickFIX itself costs on this machine;
//   3. market data: many streaming subscriptions to symbols whose quote moves every
//      match_interval; incremental refreshes published per second.
// Run in Release: build/<preset>/tests/bench/venue_bench [orders] [window]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/ThreadedSocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include "adapters/venue/venue_simulator.hpp"

namespace {

namespace venue = hedged::venue;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::string kDictionary = std::string(HEDGED_SOURCE_DIR) + "/config/fix/FIX44.xml";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string session_settings(const char* type, int port, const std::string& sender,
                             const std::string& target) {
  std::ostringstream s;
  s << "[DEFAULT]\nConnectionType=" << type
    << "\nNonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
    << "ReconnectInterval=1\nHeartBtInt=30\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" << port
    << "\nSocketAcceptPort=" << port << "\nSocketReuseAddress=Y\nSocketNodelay=Y\n"
    << "UseDataDictionary=Y\nDataDictionary=" << kDictionary << "\n"
    << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n"
    << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << sender << "\nTargetCompID=" << target
    << "\n";
  return s.str();
}

// A bare acceptor: one ExecutionReport (ExecType New) per NewOrderSingle, no book, no state.
class EchoAcceptor final : public FIX::Application {
 public:
  explicit EchoAcceptor(int port) {
    std::istringstream in(session_settings("acceptor", port, "VENUE", "BENCH"));
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    acceptor_ = std::make_unique<FIX::ThreadedSocketAcceptor>(*this, store_, *settings_);
    acceptor_->start();
  }
  ~EchoAcceptor() override { acceptor_->stop(true); }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& session) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_NewOrderSingle) return;
    const std::string id = std::to_string(++next_id_);
    const double qty = std::stod(message.getField(FIX::FIELD::OrderQty));
    FIX44::ExecutionReport report(
        FIX::OrderID("V" + id), FIX::ExecID("E" + id), FIX::ExecType(FIX::ExecType_NEW),
        FIX::OrdStatus(FIX::OrdStatus_NEW), FIX::Side(message.getField(FIX::FIELD::Side)[0]),
        FIX::LeavesQty(qty), FIX::CumQty(0), FIX::AvgPx(0));
    report.set(FIX::ClOrdID(message.getField(FIX::FIELD::ClOrdID)));
    report.set(FIX::Symbol(message.getField(FIX::FIELD::Symbol)));
    report.set(FIX::OrderQty(qty));
    report.set(FIX::Price(std::stod(message.getField(FIX::FIELD::Price))));
    report.set(FIX::TransactTime());
    FIX::Session::sendToTarget(report, session);
  }

  std::uint64_t next_id_ = 0;
  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

// The order client: `window` NewOrderSingles outstanding; each ack (ExecType New) releases the
// next from QuickFIX's receiving thread. Limit orders at prices that never cross (buys below
// 99.50, sells above 100.60 around a 100.00 x 100.10 market), spread over 50 price levels.
class OrderClient final : public FIX::Application {
 public:
  OrderClient(int port, int total, int window)
      : total_(total), window_(window), sent_at_(static_cast<std::size_t>(total)) {
    std::istringstream in(session_settings("initiator", port, "BENCH", "VENUE"));
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    initiator_ = std::make_unique<FIX::ThreadedSocketInitiator>(*this, store_, *settings_);
    initiator_->start();
  }
  ~OrderClient() override { initiator_->stop(true); }

  bool wait_logon() const {
    const auto deadline = Clock::now() + 10s;
    while (!logged_on_.load() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return logged_on_.load();
  }

  struct Result {
    double seconds = 0.0;
    int acked = 0;
    double p50_us = 0.0;
    double p99_us = 0.0;
  };

  Result run() {
    const auto start = Clock::now();
    for (int i = 0; i < std::min(window_, total_); ++i) send_next();
    const auto deadline = start + 120s;
    while (acked_.load(std::memory_order_acquire) < total_ && Clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    Result r;
    r.seconds = std::chrono::duration<double>(last_ack_at_.load() - start).count();
    r.acked = acked_.load();
    std::lock_guard lock(mutex_);
    std::sort(latencies_us_.begin(), latencies_us_.end());
    if (!latencies_us_.empty()) {
      r.p50_us = latencies_us_[latencies_us_.size() / 2];
      r.p99_us = latencies_us_[latencies_us_.size() * 99 / 100];
    }
    return r;
  }

 private:
  void send_next() {
    const int n = next_.fetch_add(1, std::memory_order_relaxed);
    if (n >= total_) return;
    const bool buy = (n & 1) == 0;
    const double price = buy ? 99.50 - 0.01 * (n % 50) : 100.60 + 0.01 * (n % 50);
    FIX44::NewOrderSingle order{FIX::ClOrdID(std::to_string(n)),
                                FIX::Side(buy ? FIX::Side_BUY : FIX::Side_SELL),
                                FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT)};
    order.set(FIX::Symbol("BENCH"));
    order.set(FIX::OrderQty(100));
    order.set(FIX::Price(std::round(price * 100) / 100));
    order.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
    sent_at_[static_cast<std::size_t>(n)] = Clock::now();
    FIX::Session::sendToTarget(order, session_);
  }

  void onCreate(const FIX::SessionID& id) override { session_ = id; }
  void onLogon(const FIX::SessionID&) override { logged_on_ = true; }
  void onLogout(const FIX::SessionID&) override { logged_on_ = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_ExecutionReport ||
        message.getField(FIX::FIELD::ExecType)[0] != FIX::ExecType_NEW) {
      return;
    }
    const auto now = Clock::now();
    const auto n = static_cast<std::size_t>(std::stol(message.getField(FIX::FIELD::ClOrdID)));
    {
      std::lock_guard lock(mutex_);
      latencies_us_.push_back(std::chrono::duration<double, std::micro>(now - sent_at_[n]).count());
    }
    last_ack_at_.store(now);
    acked_.fetch_add(1, std::memory_order_acq_rel);
    send_next();
  }

  const int total_;
  const int window_;
  std::vector<Clock::time_point> sent_at_;
  std::atomic<int> next_{0};
  std::atomic<int> acked_{0};
  std::atomic<Clock::time_point> last_ack_at_{Clock::now()};
  std::atomic<bool> logged_on_{false};
  FIX::SessionID session_;
  std::mutex mutex_;
  std::vector<double> latencies_us_;
  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketInitiator> initiator_;
};

// A market-data client: subscribes to every symbol in one request and counts what arrives.
class MdClient final : public FIX::Application {
 public:
  MdClient(int port, const std::string& sender, std::vector<std::string> symbols)
      : symbols_(std::move(symbols)) {
    std::istringstream in(session_settings("initiator", port, sender, "VENUE"));
    settings_ = std::make_unique<FIX::SessionSettings>(in);
    initiator_ = std::make_unique<FIX::ThreadedSocketInitiator>(*this, store_, *settings_);
    initiator_->start();
  }
  ~MdClient() override { initiator_->stop(true); }
  std::uint64_t snapshots() const { return snapshots_.load(); }
  std::uint64_t incrementals() const { return incrementals_.load(); }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& session) override {
    FIX44::MarketDataRequest request{
        FIX::MDReqID("bench"),
        FIX::SubscriptionRequestType(FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES),
        FIX::MarketDepth(1)};
    for (const char type : {FIX::MDEntryType_BID, FIX::MDEntryType_OFFER}) {
      FIX44::MarketDataRequest::NoMDEntryTypes entry;
      entry.set(FIX::MDEntryType(type));
      request.addGroup(entry);
    }
    for (const std::string& symbol : symbols_) {
      FIX44::MarketDataRequest::NoRelatedSym related;
      related.set(FIX::Symbol(symbol));
      request.addGroup(related);
    }
    FIX::Session::sendToTarget(request, session);
  }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID&) override {
    const std::string& type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == FIX::MsgType_MarketDataSnapshotFullRefresh) snapshots_.fetch_add(1);
    if (type == FIX::MsgType_MarketDataIncrementalRefresh) incrementals_.fetch_add(1);
  }

  std::vector<std::string> symbols_;
  std::atomic<std::uint64_t> snapshots_{0};
  std::atomic<std::uint64_t> incrementals_{0};
  FIX::MemoryStoreFactory store_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketInitiator> initiator_;
};

venue::VenueConfig venue_config(int port, std::vector<std::string> clients) {
  venue::VenueConfig c;
  c.comp_id = "VENUE";
  c.client_comp_ids = std::move(clients);
  c.port = port;
  c.data_dictionary = kDictionary;
  return c;
}

struct OrderFigures {
  std::string name;
  OrderClient::Result result;
};

OrderFigures bench_venue_orders(int total, int window, const std::string& name) {
  const int port = free_port();
  venue::VenueSimulator venue(venue_config(port, {"BENCH"}),
                              [](const std::string& symbol, venue::VenueQuote& out) {
                                if (symbol != "BENCH") return false;
                                out = {100.00, 100.10, 500, 500, 1};
                                return true;
                              });
  venue.start();
  OrderClient client(port, total, window);
  if (!client.wait_logon()) {
    std::fprintf(stderr, "venue: no logon\n");
    std::exit(1);
  }
  OrderFigures f{name, client.run()};
  const venue::VenueStats stats = venue.stats();
  if (stats.resting != static_cast<std::uint64_t>(total)) {
    std::fprintf(stderr, "venue: %llu orders resting, expected %d\n",
                 static_cast<unsigned long long>(stats.resting), total);
  }
  venue.stop();
  return f;
}

OrderFigures bench_echo(int total, int window, const std::string& name) {
  const int port = free_port();
  EchoAcceptor echo(port);
  OrderClient client(port, total, window);
  if (!client.wait_logon()) {
    std::fprintf(stderr, "echo: no logon\n");
    std::exit(1);
  }
  return {name, client.run()};
}

struct MdFigures {
  int symbols = 0;
  int sessions = 0;
  double seconds = 0.0;
  std::uint64_t received = 0;
  std::uint64_t published = 0;
};

// Every symbol's quote moves each millisecond; the venue publishes the changed touch every
// match_interval (1 ms) to each subscription.
MdFigures bench_market_data(int symbols, int sessions, std::chrono::milliseconds span) {
  const int port = free_port();
  std::vector<std::string> names;
  for (int i = 0; i < symbols; ++i) names.push_back("S" + std::to_string(i));
  std::vector<std::string> clients;
  for (int i = 0; i < sessions; ++i) clients.push_back("MD" + std::to_string(i));
  venue::VenueConfig config = venue_config(port, clients);
  config.match_interval_ms = 1;
  const auto origin = Clock::now();
  venue::VenueSimulator venue(config, [origin](const std::string& symbol, venue::VenueQuote& out) {
    if (symbol.empty() || symbol[0] != 'S') return false;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - origin);
    const auto step = static_cast<std::uint64_t>(ms.count());
    const double mid = 100.0 + 0.01 * static_cast<double>((step + symbol.size()) % 40);
    out = {mid - 0.05, mid + 0.05, 100 + static_cast<std::int64_t>(step % 7) * 10,
           100 + static_cast<std::int64_t>(step % 5) * 10, step + 1};
    return true;
  });
  venue.start();
  std::vector<std::unique_ptr<MdClient>> subscribers;
  for (const std::string& c : clients)
    subscribers.push_back(std::make_unique<MdClient>(port, c, names));
  // Wait for every snapshot, then count incrementals over the span.
  const auto deadline = Clock::now() + 15s;
  const auto all_snapshots = [&] {
    for (const auto& s : subscribers) {
      if (s->snapshots() < static_cast<std::uint64_t>(symbols)) return false;
    }
    return true;
  };
  while (!all_snapshots() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  const auto count = [&] {
    std::uint64_t n = 0;
    for (const auto& s : subscribers) n += s->incrementals();
    return n;
  };
  const std::uint64_t received_before = count();
  const std::uint64_t published_before = venue.stats().md_incrementals;
  const auto start = Clock::now();
  std::this_thread::sleep_for(span);
  MdFigures f;
  f.symbols = symbols;
  f.sessions = sessions;
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.received = count() - received_before;
  f.published = venue.stats().md_incrementals - published_before;
  subscribers.clear();
  venue.stop();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int total = argc > 1 ? std::atoi(argv[1]) : 200'000;
  const int window = argc > 2 ? std::atoi(argv[2]) : 64;
  std::printf(
      "venue_bench: %d NewOrderSingles, window %d, over FIX 4.4 on 127.0.0.1 "
      "(validation on, MemoryStore, both ends in this process)\n\n",
      total, window);

  const std::string w = "window " + std::to_string(window);
  std::vector<OrderFigures> rows;
  rows.push_back(bench_venue_orders(total, window, "venue simulator, " + w));
  rows.push_back(bench_echo(total, window, "QuickFIX echo (no matching), " + w));
  // One order at a time: the ack latency without queueing.
  const int unloaded = std::max(1, total / 10);
  rows.push_back(bench_venue_orders(unloaded, 1, "venue simulator, window 1"));
  rows.push_back(bench_echo(unloaded, 1, "QuickFIX echo (no matching), window 1"));
  std::printf("%-42s %8s %10s %11s %11s\n", "acceptor", "acked", "orders/s", "ack p50 us",
              "ack p99 us");
  for (const OrderFigures& f : rows) {
    std::printf("%-42s %8d %10.0f %11.1f %11.1f\n", f.name.c_str(), f.result.acked,
                f.result.acked / f.result.seconds, f.result.p50_us, f.result.p99_us);
  }
  const double venue_rate = rows[0].result.acked / rows[0].result.seconds;
  const double echo_rate = rows[1].result.acked / rows[1].result.seconds;
  std::printf("venue / echo at window %d: %.0f%% of QuickFIX's own loopback rate\n\n", window,
              100.0 * venue_rate / echo_rate);

  std::printf("%-10s %10s %16s %16s\n", "symbols", "sessions", "published/s", "received/s");
  for (const auto& [symbols, sessions] : {std::pair{100, 1}, std::pair{500, 2}}) {
    const MdFigures f = bench_market_data(symbols, sessions, 3s);
    std::printf("%-10d %10d %16.0f %16.0f\n", f.symbols, f.sessions,
                static_cast<double>(f.published) / f.seconds,
                static_cast<double>(f.received) / f.seconds);
  }
  return 0;
}
