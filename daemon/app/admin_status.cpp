#include "daemon/app/admin_status.hpp"

#include <cmath>
#include <cstdio>

#include "core/risk/limits.hpp"
#include "daemon/admin/admin_server.hpp"

namespace hedged::app {
namespace {

std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string fixed(double x, int decimals) {
  if (!std::isfinite(x)) return "-";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string pad(const std::string& text, std::size_t width, bool right = false) {
  if (text.size() >= width) return text;
  const std::string fill(width - text.size(), ' ');
  return right ? fill + text : text + fill;
}

std::string breakers(std::uint32_t bits) {
  std::string out;
  for (std::size_t b = 0; b < risk::kBreakerCount; ++b) {
    if (((bits >> b) & 1u) == 0) continue;
    if (!out.empty()) out += ",";
    out += risk::key(static_cast<risk::Breaker>(b));
  }
  return out;
}

std::string risk_json(const RiskScopeSnapshot& r) {
  std::string out = "{\"state\":" + admin::json_string(to_string(r.state)) +
                    ",\"cause\":" + admin::json_string(r.cause.c_str()) + ",\"breakers\":[";
  bool first = true;
  for (std::size_t b = 0; b < risk::kBreakerCount; ++b) {
    if (((r.breakers_tripped >> b) & 1u) == 0) continue;
    out += (first ? "" : ",") + admin::json_string(risk::key(static_cast<risk::Breaker>(b)));
    first = false;
  }
  out += "],\"limits\":{";
  first = true;
  for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
    const risk::Limit& l = r.limits[m];
    out += (first ? "" : ",") + admin::json_string(risk::key(static_cast<risk::Measure>(m))) +
           ":{\"exposure\":" + number(r.exposure[m]) + ",\"soft\":" + number(l.soft) +
           ",\"hard\":" + number(l.hard) + ",\"utilization\":" + number(r.utilization[m]) + "}";
    first = false;
  }
  return out + "}}";
}

}  // namespace

std::string status_json(const EngineSnapshot& s, const StatusContext& c) {
  std::string out =
      "{\"version\":" + admin::json_string(c.version) +
      ",\"uptime_seconds\":" + number(c.uptime_seconds) +
      ",\"as_of_ns\":" + std::to_string(s.as_of_ns) +
      ",\"fix_session_up\":" + (c.fix_logged_on ? "true" : "false") +
      ",\"limits_version\":" + std::to_string(s.limits_version) +
      ",\"book\":" + risk_json(s.book_risk) + ",\"live_orders\":" + std::to_string(s.live_orders) +
      ",\"fills\":" + std::to_string(s.fills) +
      ",\"reconciliation\":{\"orders_restored\":" + std::to_string(s.orders_restored) +
      ",\"checks\":" + std::to_string(s.reconcile_checks) +
      ",\"differences\":" + std::to_string(s.reconcile_differences) +
      ",\"difference_units\":" + std::to_string(s.reconcile_difference_qty) + "}" +
      ",\"underlyings\":[";
  for (std::uint32_t u = 0; u < s.underlying_count && u < c.underlyings.size(); ++u) {
    const UnderlyingSnapshot& x = s.underlyings[u];
    const greeks::PortfolioGreeks& g = x.greeks;
    out += std::string(u == 0 ? "" : ",") + "{\"name\":" + admin::json_string(c.underlyings[u]) +
           ",\"hedge_instrument\":" + admin::json_string(c.hedge_instruments[u]) +
           ",\"spot\":" + number(x.spot) +
           ",\"greeks\":{\"delta_shares\":" + number(g.delta_shares) +
           ",\"delta_notional\":" + number(g.delta_notional) +
           ",\"gamma_notional_per_pct\":" + number(g.gamma_notional_per_pct) +
           ",\"vega_per_vol_point\":" + number(g.vega_per_vol_point) +
           ",\"theta_per_day\":" + number(g.theta_per_day) + ",\"value\":" + number(g.value) +
           "},\"net_delta_shares\":" + number(x.net_delta_shares) +
           ",\"band_delta_shares\":" + number(x.band_delta_shares) +
           ",\"hedge_position\":" + std::to_string(x.hedge_position) +
           ",\"working_quantity\":" + std::to_string(x.working_qty) +
           ",\"parent\":{\"active\":" + (x.parent_active ? "true" : "false") +
           ",\"side\":" + admin::json_string(to_string(x.parent_side)) +
           ",\"total\":" + std::to_string(x.parent_total_qty) +
           ",\"filled\":" + std::to_string(x.parent_filled_qty) +
           ",\"working\":" + std::to_string(x.parent_working_qty) +
           ",\"unsent\":" + std::to_string(x.parent_unsent_qty) +
           "},\"pnl_day\":" + number(x.pnl_day) + ",\"risk\":" + risk_json(x.risk) + "}";
  }
  return out + "]}";
}

std::string status_text(const EngineSnapshot& s, const StatusContext& c) {
  std::string out;
  out += "hedged " + c.version + ", up " + fixed(c.uptime_seconds, 0) + " s, FIX session " +
         (c.fix_logged_on ? "up" : "DOWN") + ", limits v" + std::to_string(s.limits_version) +
         ", " + std::to_string(s.live_orders) + " live orders\n";
  out += "book: " + std::string(to_string(s.book_risk.state));
  // The cause of the last change stays in the snapshot; once the book is active again (a kill
  // switch released and resumed) it is history, not status.
  if (s.book_risk.state != TradingState::kActive && !s.book_risk.cause.empty()) {
    out += " (" + std::string(s.book_risk.cause.c_str()) + ")";
  }
  const std::string tripped = breakers(s.book_risk.breakers_tripped);
  if (!tripped.empty()) out += ", breakers tripped: " + tripped;
  double pnl_day = 0.0;
  for (std::uint32_t u = 0; u < s.underlying_count; ++u) pnl_day += s.underlyings[u].pnl_day;
  out += "\nP&L day: " + fixed(pnl_day, 2);
  out += "\n\n";
  out += pad("UNDERLYING", 11) + pad("STATE", 9) + pad("SPOT", 12, true) +
         pad("OPT DELTA", 12, true) + pad("NET DELTA", 11, true) + pad("BAND", 8, true) +
         pad("GAMMA/1%", 13, true) + pad("VEGA/PT", 11, true) + pad("HEDGE", 13, true) +
         pad("POSITION", 10, true) + pad("WORKING", 9, true) + pad("P&L DAY", 14, true) + "\n";
  for (std::uint32_t u = 0; u < s.underlying_count && u < c.underlyings.size(); ++u) {
    const UnderlyingSnapshot& x = s.underlyings[u];
    out += pad(c.underlyings[u], 11) + pad(to_string(x.risk.state), 9) +
           pad(fixed(x.spot, 4), 12, true) + pad(fixed(x.greeks.delta_shares, 1), 12, true) +
           pad(fixed(x.net_delta_shares, 1), 11, true) +
           pad(fixed(x.band_delta_shares, 0), 8, true) +
           pad(fixed(x.greeks.gamma_notional_per_pct, 0), 13, true) +
           pad(fixed(x.greeks.vega_per_vol_point, 0), 11, true) +
           pad(c.hedge_instruments[u], 13, true) + pad(std::to_string(x.hedge_position), 10, true) +
           pad(std::to_string(x.working_qty), 9, true) + pad(fixed(x.pnl_day, 2), 14, true) + "\n";
    if (x.risk.state != TradingState::kActive && !x.risk.cause.empty()) {
      out += "  cause: " + std::string(x.risk.cause.c_str()) + "\n";
    }
  }
  out += "\n" + pad("LIMIT", 34) + pad("EXPOSURE", 14, true) + pad("SOFT", 12, true) +
         pad("HARD", 12, true) + pad("USED", 8, true) + "\n";
  auto limit_rows = [&](const std::string& scope, const RiskScopeSnapshot& r) {
    for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
      const risk::Limit& l = r.limits[m];
      if (l.soft <= 0.0 && l.hard <= 0.0) continue;
      out += pad(scope + " " + risk::key(static_cast<risk::Measure>(m)), 34) +
             pad(fixed(r.exposure[m], 1), 14, true) +
             pad(l.soft > 0.0 ? fixed(l.soft, 0) : "-", 12, true) +
             pad(l.hard > 0.0 ? fixed(l.hard, 0) : "-", 12, true) +
             pad(fixed(100.0 * r.utilization[m], 0) + "%", 8, true) + "\n";
    }
  };
  limit_rows("book", s.book_risk);
  for (std::uint32_t u = 0; u < s.underlying_count && u < c.underlyings.size(); ++u) {
    limit_rows(c.underlyings[u], s.underlyings[u].risk);
  }
  return out;
}

}  // namespace hedged::app
