#include "core/sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hedged::sim {
namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string signed_pct(double value) {
  return (value > 0.0 ? "+" : "") + number(value) + "%";
}

// Seconds up to five minutes ("60s", "120s"), else the largest unit that divides `ns` exactly
// ("5m", "2h"); below a second, "250ms".
std::string duration(TimeNs ns) {
  if (ns % kNanosPerSecond == 0 && ns < 300 * kNanosPerSecond && ns > 0) {
    return std::to_string(ns / kNanosPerSecond) + "s";
  }
  struct Unit {
    TimeNs ns;
    const char* name;
  };
  constexpr Unit kUnits[] = {{86'400 * kNanosPerSecond, "d"}, {3'600 * kNanosPerSecond, "h"},
                             {60 * kNanosPerSecond, "m"},     {kNanosPerSecond, "s"},
                             {kNanosPerMilli, "ms"},          {1'000, "us"}};
  if (ns == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
  }
  return std::to_string(ns) + "ns";
}

}  // namespace

std::string_view to_string(PhaseKind kind) noexcept {
  switch (kind) {
    case PhaseKind::kCalm: return "calm";
    case PhaseKind::kVolatile: return "volatile";
    case PhaseKind::kTrending: return "trending";
    case PhaseKind::kFlashCrash: return "flash_crash";
    case PhaseKind::kLiquidityDrought: return "liquidity_drought";
    case PhaseKind::kPriceJump: return "price_jump";
    case PhaseKind::kVenueOutage: return "venue_outage";
    case PhaseKind::kOptionFlow: return "option_flow";
  }
  return "unknown";
}

double ScenarioPhase::weight(TimeNs offset_ns) const noexcept {
  if (!active(offset_ns)) return 0.0;
  if (ramp_ns <= 0) return 1.0;
  const auto ramp = static_cast<double>(ramp_ns);
  const double in = static_cast<double>(offset_ns - at_ns) / ramp;
  const double out = static_cast<double>(end_ns() - offset_ns) / ramp;
  return std::clamp(std::min(in, out), 0.0, 1.0);
}

double ScenarioPhase::crash_factor(TimeNs offset_ns) const noexcept {
  if (kind != PhaseKind::kFlashCrash || !active(offset_ns)) return 1.0;
  const double bottom = std::log1p(move_pct * 0.01);
  const TimeNs into = offset_ns - at_ns;
  double depth = 1.0;  // share of the full move
  if (into < duration_ns) {
    depth = static_cast<double>(into) / static_cast<double>(duration_ns);
  } else if (recover_ns > 0) {
    depth = 1.0 - static_cast<double>(into - duration_ns) / static_cast<double>(recover_ns);
  }
  return std::exp(bottom * std::clamp(depth, 0.0, 1.0));
}

std::string ScenarioPhase::details() const {
  std::vector<std::string> parts;
  if (!symbol.empty()) parts.push_back(symbol);
  switch (kind) {
    case PhaseKind::kFlashCrash:
      parts.push_back(signed_pct(move_pct) + " over " + duration(duration_ns));
      if (recover_ns > 0) parts.push_back("back over " + duration(recover_ns));
      break;
    case PhaseKind::kPriceJump: parts.push_back(signed_pct(jump_pct) + " once"); break;
    case PhaseKind::kVenueOutage:
      parts.push_back("sessions down for " + duration(duration_ns));
      break;
    case PhaseKind::kOptionFlow:
      parts.push_back("for " + duration(duration_ns));
      if (desk_buy_share >= 0.0) {
        parts.push_back("desk buys " + number(desk_buy_share * 100.0) + "% of option trades");
      }
      if (flow_rate_multiple != 1.0) parts.push_back("flow rate x" + number(flow_rate_multiple));
      break;
    default: parts.push_back("for " + duration(duration_ns)); break;
  }
  if (vol_multiple != 1.0) parts.push_back("vol x" + number(vol_multiple));
  if (drift_per_year != 0.0) parts.push_back("drift " + signed_pct(drift_per_year * 100.0) + "/y");
  if (spread_multiple != 1.0) parts.push_back("spreads x" + number(spread_multiple));
  if (depth_divisor != 1.0) parts.push_back("depth /" + number(depth_divisor));
  if (ramp_ns > 0) parts.push_back("ramp " + duration(ramp_ns));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : ", ") + parts[i];
  return out;
}

TimeNs Scenario::outage_end(TimeNs offset_ns) const noexcept {
  TimeNs end = -1;
  // Overlapping or back-to-back outages extend one another.
  bool extended = true;
  TimeNs probe = offset_ns;
  while (extended) {
    extended = false;
    for (const ScenarioPhase& p : phases) {
      if (p.kind == PhaseKind::kVenueOutage && p.active(probe) && p.end_ns() > end) {
        end = p.end_ns();
        probe = end;
        extended = true;
      }
    }
  }
  return end;
}

}  // namespace hedged::sim
