// A reference market a test sets by hand, read by the venue simulator as its QuoteSource: the
// touch of each symbol, with a sequence number that changes with every quote.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "adapters/venue/venue_simulator.hpp"

namespace hedged::testing {

class ReferenceMarket {
 public:
  void set(const std::string& symbol, double bid, double ask, std::int64_t bid_size,
           std::int64_t ask_size) {
    std::lock_guard lock(mutex_);
    venue::VenueQuote& q = quotes_[symbol];
    q = {bid, ask, bid_size, ask_size, q.seq + 1};
  }
  // A new quote sequence with the same touch: the venue quotes afresh.
  void requote(const std::string& symbol) {
    std::lock_guard lock(mutex_);
    ++quotes_[symbol].seq;
  }
  bool get(const std::string& symbol, venue::VenueQuote& out) const {
    std::lock_guard lock(mutex_);
    const auto it = quotes_.find(symbol);
    if (it == quotes_.end()) return false;
    out = it->second;
    return true;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, venue::VenueQuote> quotes_;
};

}  // namespace hedged::testing
