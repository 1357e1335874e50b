#include "adapters/marketdata/fix_md_feed.hpp"

#include "adapters/quickfix/initiator_session.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketInitiator.h>
#include <quickfix/fix44/MarketDataIncrementalRefresh.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/MarketDataRequestReject.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>
#include <quickfix/fix44/MessageCracker.h>

namespace hedged::marketdata {
namespace {

// Parses a whole FIX PRICE or QTY field; false on anything else. Never allocates.
bool parse_number(const std::string& text, double& out) noexcept {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && !text.empty();
}

bool read_number(const FIX::FieldMap& map, int tag, double& out) {
  if (!map.isSetField(tag)) return false;
  return parse_number(map.getField(tag), out);
}

char read_char(const FIX::FieldMap& map, int tag) {
  if (!map.isSetField(tag)) return '\0';
  const std::string& text = map.getField(tag);
  return text.size() == 1 ? text[0] : '\0';
}

// One MDEntry, read and checked.
struct Entry {
  char action = FIX::MDUpdateAction_NEW;
  char type = '\0';
  double price = 0.0;
  double size = 0.0;
};

// Reads an entry; false if it is unusable. Bid, offer and trade need a price and a size unless
// deleted; other entry types are ignored (type set to '\0').
bool read_entry(const FIX::FieldMap& group, bool incremental, Entry& out) {
  if (incremental) {
    out.action = read_char(group, FIX::FIELD::MDUpdateAction);
    if (out.action != FIX::MDUpdateAction_NEW && out.action != FIX::MDUpdateAction_CHANGE &&
        out.action != FIX::MDUpdateAction_DELETE) {
      return false;
    }
  }
  out.type = read_char(group, FIX::FIELD::MDEntryType);
  if (out.type != FIX::MDEntryType_BID && out.type != FIX::MDEntryType_OFFER &&
      out.type != FIX::MDEntryType_TRADE) {
    out.type = '\0';
    return group.isSetField(FIX::FIELD::MDEntryType) || incremental;  // unknown type: skip
  }
  if (out.action == FIX::MDUpdateAction_DELETE) return true;
  // A size is a whole number of units: 0.5 is refused, not truncated to 0. A non-finite price
  // is refused here; the engine refuses absurd finite ones.
  constexpr double kMaxSize = 1e15;  // well inside std::int64_t
  return read_number(group, FIX::FIELD::MDEntryPx, out.price) &&
         read_number(group, FIX::FIELD::MDEntrySize, out.size) && std::isfinite(out.price) &&
         out.price >= 0.0 && out.size >= 0.0 && out.size <= kMaxSize &&
         out.size == std::floor(out.size);
}

}  // namespace

class FixMdFeed::Application final : public FIX::Application, private FIX44::MessageCracker {
 public:
  Application(const FixMdConfig& config, std::vector<MdInstrument> instruments, ClockFn clock,
              QuoteSink& sink, TradeSink* trades)
      : config_(config),
        instruments_(std::move(instruments)),
        clock_(std::move(clock)),
        sink_(sink),
        trades_(trades),
        books_(instruments_.size()) {
    for (std::size_t i = 0; i < instruments_.size(); ++i) index_.emplace(instruments_[i].symbol, i);
    dirty_.reserve(instruments_.size());
  }

  void start() { session_.start(*this, quickfix::initiator_settings(config_), "FIX market data"); }

  void stop(int logout_timeout_ms) {
    session_.stop(logout_timeout_ms);
    logged_on_.store(false, std::memory_order_release);
  }

  // Any thread. The request is built under request_mutex_ and sent after it is released:
  // QuickFIX may hold its session lock while calling onLogon, which takes request_mutex_.
  bool set_subscribed(bool on) {
    FIX44::MarketDataRequest request;
    bool send = false;
    {
      std::lock_guard lock(request_mutex_);
      const bool was = want_subscription_;
      want_subscription_ = on;
      if (logged_on()) {
        if (on && !was) {
          request = make_request(FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES);
          send = true;
        } else if (!on && was && !md_req_id_.empty()) {
          request = make_request(
              FIX::SubscriptionRequestType_DISABLE_PREVIOUS_SNAPSHOT_PLUS_UPDATE_REQUEST);
          send = true;
        }
      }
    }
    if (!send) return logged_on();
    return send_request(request, on);
  }

  bool logged_on() const noexcept { return logged_on_.load(std::memory_order_acquire); }

  FixMdStats stats() const noexcept {
    FixMdStats s;
    s.logged_on = logged_on();
    s.logons = logons_.load(std::memory_order_relaxed);
    s.subscribed_symbols = subscribed_symbols_.load(std::memory_order_relaxed);
    s.books = books_live_.load(std::memory_order_relaxed);
    s.requests_sent = requests_sent_.load(std::memory_order_relaxed);
    s.snapshots = snapshots_.load(std::memory_order_relaxed);
    s.updates = updates_.load(std::memory_order_relaxed);
    s.quotes = quotes_.load(std::memory_order_relaxed);
    s.trades = trades_seen_.load(std::memory_order_relaxed);
    s.rejects = rejects_.load(std::memory_order_relaxed);
    s.malformed = malformed_.load(std::memory_order_relaxed);
    s.unknown_symbols = unknown_symbols_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // Top of book of one instrument. Touched only by QuickFIX's session thread (one session, one
  // connection thread at a time; the session's own lock orders one connection after the next).
  struct Book {
    double bid = 0.0;
    double ask = 0.0;
    std::int64_t bid_size = 0;
    std::int64_t ask_size = 0;
    std::uint64_t seq = 0;
    std::int64_t volume = 0;  // traded since the feed started (new trade entries), units
    bool live = false;        // a snapshot arrived since the last logon
    bool dirty = false;
  };

  // Caller holds request_mutex_.
  FIX44::MarketDataRequest make_request(char type) {
    if (type == FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES) {
      md_req_id_ = config_.sender_comp_id + "-" + std::to_string(++request_counter_);
    }
    FIX44::MarketDataRequest request(FIX::MDReqID(md_req_id_), FIX::SubscriptionRequestType(type),
                                     FIX::MarketDepth(1));
    request.set(FIX::MDUpdateType(FIX::MDUpdateType_INCREMENTAL_REFRESH));
    for (const char entry_type :
         {FIX::MDEntryType_BID, FIX::MDEntryType_OFFER, FIX::MDEntryType_TRADE}) {
      FIX44::MarketDataRequest::NoMDEntryTypes group;
      group.set(FIX::MDEntryType(entry_type));
      request.addGroup(group);
    }
    for (const MdInstrument& instrument : instruments_) {
      FIX44::MarketDataRequest::NoRelatedSym group;
      group.set(FIX::Symbol(instrument.symbol));
      request.addGroup(group);
    }
    return request;
  }

  bool send_request(FIX44::MarketDataRequest& request, bool subscribing) {
    if (!FIX::Session::sendToTarget(request, session_.id())) return false;
    requests_sent_.fetch_add(1, std::memory_order_relaxed);
    subscribed_symbols_.store(subscribing ? instruments_.size() : 0, std::memory_order_relaxed);
    return true;
  }

  // --- FIX::Application: called on QuickFIX's session thread --------------------------------
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    // A new connection starts from nothing: every book waits for its snapshot.
    for (Book& book : books_) book.live = false;
    books_live_.store(0, std::memory_order_relaxed);
    logons_.fetch_add(1, std::memory_order_relaxed);
    FIX44::MarketDataRequest request;
    bool send = false;
    {
      std::lock_guard lock(request_mutex_);
      logged_on_.store(true, std::memory_order_release);
      if (want_subscription_ && !instruments_.empty()) {
        request = make_request(FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES);
        send = true;
      }
    }
    if (send) send_request(request, true);
  }
  void onLogout(const FIX::SessionID&) override {
    logged_on_.store(false, std::memory_order_release);
    subscribed_symbols_.store(0, std::memory_order_relaxed);
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID&) override {
    const std::string& type = message.getHeader().getField(FIX::FIELD::MsgType);
    if (type == FIX::MsgType_Logon && !config_.password.empty()) {
      message.setField(FIX::FIELD::Password, config_.password);
    } else if (type == FIX::MsgType_Reject) {
      // QuickFIX rejects what the dictionary refuses before we see it; count it as malformed.
      malformed_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) override {
    quickfix::crack_or_count([&] { crack(message, id); }, malformed_);
  }

  // --- FIX44::MessageCracker ----------------------------------------------------------------
  void onMessage(const FIX44::MarketDataSnapshotFullRefresh& message,
                 const FIX::SessionID&) override {
    const TimeNs now = clock_();
    const std::size_t index = lookup(message);
    if (index == kNone) return;
    const std::size_t count = message.groupCount(FIX::FIELD::NoMDEntries);
    Entry entry;
    for (std::size_t i = 1; i <= count; ++i) {
      if (!read_entry(group(message, i), false, entry)) {
        malformed_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    Book& book = books_[index];
    // A full refresh replaces the book: a side it does not carry is empty.
    book.bid = book.ask = 0.0;
    book.bid_size = book.ask_size = 0;
    for (std::size_t i = 1; i <= count; ++i) {
      read_entry(group(message, i), false, entry);
      apply(index, entry, now, true);  // published below, whatever it holds
    }
    if (!book.live) books_live_.fetch_add(1, std::memory_order_relaxed);
    book.live = true;
    snapshots_.fetch_add(1, std::memory_order_relaxed);
    publish(index, now);
  }

  void onMessage(const FIX44::MarketDataIncrementalRefresh& message,
                 const FIX::SessionID&) override {
    const TimeNs now = clock_();
    const std::size_t count = message.groupCount(FIX::FIELD::NoMDEntries);
    // First pass: every entry must be readable, or none is applied.
    Entry entry;
    bool has_symbol = false;
    for (std::size_t i = 1; i <= count; ++i) {
      const FIX::FieldMap& g = group(message, i);
      has_symbol = has_symbol || g.isSetField(FIX::FIELD::Symbol);
      if (!read_entry(g, true, entry) || !has_symbol) {
        malformed_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    // Second pass: an entry without Symbol continues the previous entry's instrument.
    std::size_t index = kNone;
    for (std::size_t i = 1; i <= count; ++i) {
      const FIX::FieldMap& g = group(message, i);
      if (g.isSetField(FIX::FIELD::Symbol)) index = lookup(g);
      if (index == kNone) continue;
      read_entry(g, true, entry);
      if (entry.type == '\0') continue;
      if (entry.type != FIX::MDEntryType_TRADE && !books_[index].live) continue;  // no base yet
      if (!apply(index, entry, now, false)) continue;
      updates_.fetch_add(1, std::memory_order_relaxed);
      if (!books_[index].dirty) {
        books_[index].dirty = true;
        dirty_.push_back(index);  // capacity reserved for every instrument: never allocates
      }
    }
    for (const std::size_t dirty : dirty_) publish(dirty, now);
    dirty_.clear();
  }

  void onMessage(const FIX44::MarketDataRequestReject&, const FIX::SessionID&) override {
    rejects_.fetch_add(1, std::memory_order_relaxed);
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  static const FIX::FieldMap& group(const FIX::FieldMap& message, std::size_t i) {
    return message.getGroupRef(static_cast<int>(i), FIX::FIELD::NoMDEntries);
  }

  std::size_t lookup(const FIX::FieldMap& map) {
    if (!map.isSetField(FIX::FIELD::Symbol)) {
      malformed_.fetch_add(1, std::memory_order_relaxed);
      return kNone;
    }
    const auto it = index_.find(map.getField(FIX::FIELD::Symbol));
    if (it == index_.end()) {
      unknown_symbols_.fetch_add(1, std::memory_order_relaxed);
      return kNone;
    }
    return it->second;
  }

  // Applies one entry; true if it changed the book (a bid or offer entry).
  bool apply(std::size_t index, const Entry& entry, TimeNs now, bool snapshot) {
    Book& book = books_[index];
    const bool remove = entry.action == FIX::MDUpdateAction_DELETE;
    const auto size = static_cast<std::int64_t>(entry.size);
    switch (entry.type) {
      case FIX::MDEntryType_BID:
        book.bid = remove ? 0.0 : entry.price;
        book.bid_size = remove ? 0 : size;
        break;
      case FIX::MDEntryType_OFFER:
        book.ask = remove ? 0.0 : entry.price;
        book.ask_size = remove ? 0 : size;
        break;
      case FIX::MDEntryType_TRADE:
        if (remove) return false;
        trades_seen_.fetch_add(1, std::memory_order_relaxed);
        if (trades_ != nullptr) {
          trades_->on_trade({instruments_[index].instrument, entry.price, size, now, snapshot});
        }
        // A new trade adds to the instrument's traded volume, which the next quote of the book
        // carries (a trade alone publishes nothing); the last trade repeated in a snapshot does
        // not count.
        if (!snapshot && size > 0) book.volume += size;
        return false;
      default: return false;
    }
    return true;
  }

  void publish(std::size_t index, TimeNs now) {
    Book& book = books_[index];
    book.dirty = false;
    Quote quote;
    quote.instrument = instruments_[index].instrument;
    quote.bid = book.bid;
    quote.ask = book.ask;
    quote.bid_size = book.bid_size;
    quote.ask_size = book.ask_size;
    quote.source_ns = now;
    quote.seq = ++book.seq;
    quote.volume = book.volume;
    quotes_.fetch_add(1, std::memory_order_relaxed);
    sink_.on_quote(quote);
  }

  const FixMdConfig& config_;
  const std::vector<MdInstrument> instruments_;
  ClockFn clock_;
  QuoteSink& sink_;
  TradeSink* trades_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<Book> books_;
  std::vector<std::size_t> dirty_;

  std::mutex request_mutex_;
  bool want_subscription_ = true;  // guarded by request_mutex_
  std::string md_req_id_;          // guarded by request_mutex_
  std::uint64_t request_counter_ = 0;

  quickfix::InitiatorSession session_;

  std::atomic<bool> logged_on_{false};
  std::atomic<std::uint64_t> logons_{0};
  std::atomic<std::uint64_t> subscribed_symbols_{0};
  std::atomic<std::uint64_t> books_live_{0};
  std::atomic<std::uint64_t> requests_sent_{0};
  std::atomic<std::uint64_t> snapshots_{0};
  std::atomic<std::uint64_t> updates_{0};
  std::atomic<std::uint64_t> quotes_{0};
  std::atomic<std::uint64_t> trades_seen_{0};
  std::atomic<std::uint64_t> rejects_{0};
  std::atomic<std::uint64_t> malformed_{0};
  std::atomic<std::uint64_t> unknown_symbols_{0};
};

FixMdFeed::FixMdFeed(FixMdConfig config, std::vector<MdInstrument> instruments, ClockFn clock,
                     QuoteSink& sink, TradeSink* trades)
    : config_(std::move(config)),
      app_(std::make_unique<Application>(config_, std::move(instruments), std::move(clock), sink,
                                         trades)) {}

FixMdFeed::~FixMdFeed() {
  stop(0);
}

void FixMdFeed::start() {
  app_->start();
}

void FixMdFeed::stop(int logout_timeout_ms) {
  app_->stop(logout_timeout_ms);
}

bool FixMdFeed::subscribe() {
  return app_->set_subscribed(true);
}

bool FixMdFeed::unsubscribe() {
  return app_->set_subscribed(false);
}

bool FixMdFeed::logged_on() const noexcept {
  return app_->logged_on();
}

FixMdStats FixMdFeed::stats() const noexcept {
  return app_->stats();
}

}  // namespace hedged::marketdata
