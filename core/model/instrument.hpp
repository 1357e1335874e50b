// Static description of tradable instruments: the underlying (also the spot hedge instrument),
// futures and options. Built once at start-up; read-only afterwards, so any thread may read it.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "core/model/types.hpp"

namespace hedged {

enum class InstrumentKind : std::uint8_t { kSpot, kFuture, kOption };

struct InstrumentSpec {
  InstrumentId id = kNoInstrument;
  InstrumentKind kind = InstrumentKind::kSpot;
  std::string symbol;  // venue symbol, as sent in FIX tag 55
  InstrumentId underlying =
      kNoInstrument;          // spot instrument this one derives from (itself for spot)
  double tick_size = 0.01;    // price increment, currency
  std::int64_t lot_size = 1;  // quantity increment, units
  double multiplier = 1.0;    // units of underlying per contract
  // Options only.
  OptionRight right = OptionRight::kCall;
  ExerciseStyle exercise = ExerciseStyle::kEuropean;
  double strike = 0.0;
  TimeNs expiry_ns = 0;
};

// Price <-> integer ticks at the order boundary. Prices are rounded to the nearest tick;
// callers that must not cross (a passive buy) round themselves before calling.
[[nodiscard]] inline std::int64_t to_ticks(double price, double tick_size) noexcept {
  return std::llround(price / tick_size);
}
[[nodiscard]] inline double from_ticks(std::int64_t ticks, double tick_size) noexcept {
  return static_cast<double>(ticks) * tick_size;
}

}  // namespace hedged
