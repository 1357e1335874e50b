// Vocabulary types shared by every core module: ids, sides, option rights, time.
// Plain values; safe to copy between threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hedged {

// Nanoseconds since the Unix epoch. Core never reads a clock: every event carries its time.
using TimeNs = std::int64_t;

inline constexpr TimeNs kNanosPerSecond = 1'000'000'000;
inline constexpr TimeNs kNanosPerMilli = 1'000'000;
inline constexpr double kSecondsPerYear = 365.0 * 86400.0;  // ACT/365 calendar time

// Dense index into the engine's instrument table (0 .. instrument_count-1).
using InstrumentId = std::uint32_t;
inline constexpr InstrumentId kNoInstrument = 0xFFFF'FFFFu;

// Most underlyings one engine hedges; fixed so snapshots and limit sets are flat PODs.
inline constexpr std::size_t kMaxUnderlyings = 8;

// Client order id. The engine issues them in increasing order; never reused within a run.
using OrderId = std::uint64_t;

enum class Side : std::uint8_t { kBuy, kSell };

enum class OptionRight : std::uint8_t { kCall, kPut };

enum class ExerciseStyle : std::uint8_t { kEuropean, kAmerican };

[[nodiscard]] constexpr const char* to_string(Side side) noexcept {
  return side == Side::kBuy ? "buy" : "sell";
}

[[nodiscard]] constexpr const char* to_string(OptionRight right) noexcept {
  return right == OptionRight::kCall ? "call" : "put";
}

// Signed quantity of a buy (+) or sell (-).
[[nodiscard]] constexpr std::int64_t signed_qty(Side side, std::int64_t qty) noexcept {
  return side == Side::kBuy ? qty : -qty;
}

}  // namespace hedged
