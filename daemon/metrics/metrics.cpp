#include "daemon/metrics/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace hedged::metrics {
namespace {

// A histogram sample from a BucketHistogram (cumulative buckets, +Inf last).
template <typename H>
prometheus::ClientMetric histogram(const H& h) {
  prometheus::ClientMetric m;
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < h.counts.size(); ++b) {
    cumulative += h.counts[b];
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound =
        b < H::bounds.size() ? H::bounds[b] : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(bucket);
  }
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum_seconds;
  return m;
}

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void add(MetricFamily& f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
}

// "2026-12-21T20:00Z": minute precision keeps two expiries on one day apart.
std::string expiry_label(TimeNs expiry_ns) {
  using namespace std::chrono;
  const sys_time<nanoseconds> t{nanoseconds(expiry_ns)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<minutes>(t - day)};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return text;
}

constexpr const char* kBookLabel = "book";

// Trading state, breakers, limits and their utilisation, pre-trade rejects, reloads, P&L.
void collect_risk(const ScrapeInputs& in, std::vector<MetricFamily>& out) {
  const EngineSnapshot& e = in.engine;
  const std::uint32_t n = std::min<std::uint32_t>(
      e.underlying_count, static_cast<std::uint32_t>(in.underlyings.size()));
  // Scopes: every underlying, then the book.
  const auto for_scopes = [&](auto&& fn) {
    for (std::uint32_t u = 0; u < n; ++u) fn(in.underlyings[u], e.underlyings[u].risk);
    fn(std::string(kBookLabel), e.book_risk);
  };

  auto state = family("hedged_trading_state",
                      "Trading state: 0 active, 1 reducing (only risk-reducing orders), 2 halted. "
                      "An underlying's value is its effective state (its own or the book's, "
                      "whichever is stronger); underlying=\"book\" is the book's own.",
                      MetricType::Gauge);
  for_scopes([&](const std::string& name, const RiskScopeSnapshot& r) {
    add(state, static_cast<double>(static_cast<std::uint8_t>(r.state)), {{"underlying", name}});
  });
  out.push_back(std::move(state));

  auto trips = family("hedged_breaker_trips_total", "Circuit-breaker trips, by breaker.",
                      MetricType::Counter);
  auto tripped =
      family("hedged_breaker_tripped",
             "1 while a circuit breaker is tripped, by breaker and scope.", MetricType::Gauge);
  for (std::size_t b = 0; b < risk::kBreakerCount; ++b) {
    const auto breaker = static_cast<risk::Breaker>(b);
    add(trips, static_cast<double>(e.breaker_trips[b]), {{"breaker", risk::key(breaker)}});
    for_scopes([&](const std::string& name, const RiskScopeSnapshot& r) {
      const bool book_scope = name == kBookLabel;
      if (breaker != risk::Breaker::kHardLimit && risk::is_book_level(breaker) != book_scope)
        return;
      add(tripped, (r.breakers_tripped >> b) & 1u ? 1.0 : 0.0,
          {{"breaker", risk::key(breaker)}, {"underlying", name}});
    });
  }
  out.push_back(std::move(trips));
  out.push_back(std::move(tripped));

  auto exposure = family("hedged_risk_exposure",
                         "Exposure measured against the limits, in the unit its greek label names "
                         "(shares, currency, units).",
                         MetricType::Gauge);
  auto utilization = family("hedged_limit_utilization_ratio",
                            "|exposure| / hard limit (or / soft limit when only that is set); "
                            "1 is at the limit. Only limited exposures are reported.",
                            MetricType::Gauge);
  auto limit = family("hedged_limit",
                      "Configured exposure limit by level (soft, hard), in the greek label's unit.",
                      MetricType::Gauge);
  for_scopes([&](const std::string& name, const RiskScopeSnapshot& r) {
    for (std::size_t m = 0; m < risk::kMeasureCount; ++m) {
      const char* greek = risk::key(static_cast<risk::Measure>(m));
      add(exposure, r.exposure[m], {{"greek", greek}, {"underlying", name}});
      if (r.limits[m].soft > 0.0 || r.limits[m].hard > 0.0) {
        add(utilization, r.utilization[m], {{"greek", greek}, {"underlying", name}});
      }
      if (r.limits[m].soft > 0.0) {
        add(limit, r.limits[m].soft, {{"greek", greek}, {"level", "soft"}, {"underlying", name}});
      }
      if (r.limits[m].hard > 0.0) {
        add(limit, r.limits[m].hard, {{"greek", greek}, {"level", "hard"}, {"underlying", name}});
      }
    }
  });
  out.push_back(std::move(exposure));
  out.push_back(std::move(utilization));
  out.push_back(std::move(limit));

  auto soft =
      family("hedged_limit_soft_breaches_total",
             "Exposures crossing a soft limit (each crossing counts once).", MetricType::Counter);
  add(soft, static_cast<double>(e.soft_breaches));
  out.push_back(std::move(soft));

  auto rejects =
      family("hedged_pretrade_rejects_total",
             "Child orders stopped by a pre-trade check, by check.", MetricType::Counter);
  for (std::size_t c = 1; c < risk::kCheckResultCount; ++c) {
    add(rejects, static_cast<double>(e.pretrade_rejects[c]),
        {{"check", risk::check_label(static_cast<risk::CheckResult>(c))}});
  }
  out.push_back(std::move(rejects));

  auto reloads = family("hedged_config_reloads_total",
                        "Limits-file reloads by result: applied, rejected (the file had an error; "
                        "the running limits stayed), unchanged.",
                        MetricType::Counter);
  add(reloads, static_cast<double>(in.reloads_applied), {{"result", "applied"}});
  add(reloads, static_cast<double>(in.reloads_rejected), {{"result", "rejected"}});
  add(reloads, static_cast<double>(in.reloads_unchanged), {{"result", "unchanged"}});
  out.push_back(std::move(reloads));

  if (in.admin_http) add_http(out, "admin", *in.admin_http);

  auto version = family("hedged_limits_version",
                        "Version of the limit set in force (1 at start, +1 per applied reload).",
                        MetricType::Gauge);
  add(version, static_cast<double>(e.limits_version));
  out.push_back(std::move(version));

  auto unrealised =
      family("hedged_pnl_unrealised_day",
             "P&L since 00:00 UTC not yet realised: hedged_pnl_day less "
             "hedged_pnl_realised_day (options at model, open hedge at mid), currency.",
             MetricType::Gauge);
  auto age = family("hedged_quote_age_seconds",
                    "Time since the engine last took a quote of the underlying's spot, seconds, "
                    "at scrape time (feed staleness).",
                    MetricType::Gauge);
  for (std::uint32_t u = 0; u < n; ++u) {
    add(unrealised, e.underlyings[u].pnl_day - e.underlyings[u].pnl_realised_day,
        {{"underlying", in.underlyings[u]}});
    const TimeNs last = e.underlyings[u].last_quote_ns;
    if (last > 0 && in.now_ns >= last) {
      add(age, static_cast<double>(in.now_ns - last) * 1e-9, {{"underlying", in.underlyings[u]}});
    }
  }
  out.push_back(std::move(unrealised));
  out.push_back(std::move(age));

  auto pnl = family("hedged_pnl_day",
                    "P&L since 00:00 UTC (options marked to model plus hedge "
                    "marked to mid), currency.",
                    MetricType::Gauge);
  auto realised = family("hedged_pnl_realised_day",
                         "Realised P&L of hedge trades since 00:00 UTC (average cost), currency.",
                         MetricType::Gauge);
  for (std::uint32_t u = 0; u < n; ++u) {
    add(pnl, e.underlyings[u].pnl_day, {{"underlying", in.underlyings[u]}});
    add(realised, e.underlyings[u].pnl_realised_day, {{"underlying", in.underlyings[u]}});
  }
  out.push_back(std::move(pnl));
  out.push_back(std::move(realised));
}

}  // namespace

void add_http(std::vector<prometheus::MetricFamily>& out, const char* listener,
              const http::Stats& stats) {
  auto it = std::find_if(out.begin(), out.end(), [](const MetricFamily& f) {
    return f.name == "hedged_http_requests_total";
  });
  if (it == out.end()) {
    out.push_back(family("hedged_http_requests_total",
                         "Connections to the admin API and the metrics endpoint by listener and "
                         "outcome: ok, unauthorized, forbidden, client_error, malformed (400), "
                         "header_too_large (431), body_too_large (413), timeout (dropped at its "
                         "deadline), over_capacity (refused), server_error, abandoned.",
                         MetricType::Counter));
    it = std::prev(out.end());
  }
  for (std::size_t o = 0; o < http::kOutcomes; ++o) {
    add(*it, static_cast<double>(stats.outcomes[o]),
        {{"listener", listener}, {"outcome", http::to_string(static_cast<http::Outcome>(o))}});
  }
}

std::vector<MetricFamily> EngineCollector::Collect() const {
  // On the heap: the scrape runs on a web-server thread with a small stack, and the inputs hold
  // the whole engine snapshot.
  const auto inputs = std::make_unique<ScrapeInputs>();
  ScrapeInputs& in = *inputs;
  source_.read(in);
  const EngineSnapshot& e = in.engine;
  std::vector<MetricFamily> out;

  auto info =
      family("hedged_build_info", "Build information; the value is always 1.", MetricType::Gauge);
  add(info, 1.0, {{"version", version_}});
  out.push_back(std::move(info));

  auto start = family("hedged_start_time_seconds",
                      "Start time of the daemon, seconds since the Unix epoch.", MetricType::Gauge);
  add(start, in.start_time_seconds);
  out.push_back(std::move(start));

  auto quotes =
      family("hedged_quotes_total", "Quotes processed by the engine.", MetricType::Counter);
  add(quotes, static_cast<double>(e.quotes));
  out.push_back(std::move(quotes));

  auto quotes_refused = family("hedged_quotes_refused_total",
                               "Quotes the engine refused: a non-finite, non-positive, crossed or "
                               "implausibly far price (trips bad_market_data for a spot or hedge).",
                               MetricType::Counter);
  add(quotes_refused, static_cast<double>(e.quotes_refused));
  out.push_back(std::move(quotes_refused));

  auto published = family("hedged_quotes_published_total",
                          "Quotes published by the market-data feed.", MetricType::Counter);
  add(published, static_cast<double>(in.quotes_published));
  out.push_back(std::move(published));

  auto conflated =
      family("hedged_quotes_conflated_total",
             "Quotes replaced by a newer quote of the same instrument before the engine read them.",
             MetricType::Counter);
  add(conflated, static_cast<double>(in.quotes_conflated));
  out.push_back(std::move(conflated));

  struct PerUnderlying {
    const char* name;
    const char* help;
    double (*value)(const UnderlyingSnapshot&);
  };
  static const PerUnderlying kGauges[] = {
      {"hedged_portfolio_delta_shares", "Option book delta, shares of the underlying.",
       [](const UnderlyingSnapshot& u) { return u.greeks.delta_shares; }},
      {"hedged_portfolio_delta_notional", "Option book delta times spot, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.delta_notional; }},
      {"hedged_portfolio_gamma_notional_per_pct",
       "Change of delta notional for a 1% spot move, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.gamma_notional_per_pct; }},
      {"hedged_portfolio_vega_per_vol_point",
       "Option book value change for +1 vol point, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.vega_per_vol_point; }},
      {"hedged_portfolio_theta_per_day",
       "Option book value change over one calendar day, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.theta_per_day; }},
      {"hedged_portfolio_vanna_shares_per_vol_point",
       "Change of option book delta for +1 vol point, shares of the underlying.",
       [](const UnderlyingSnapshot& u) { return u.greeks.vanna_shares_per_vol_point; }},
      {"hedged_portfolio_volga_per_vol_point2",
       "Change of option book vega per vol point for +1 vol point, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.volga_per_vol_point2; }},
      {"hedged_portfolio_value", "Option book mark-to-model value, currency.",
       [](const UnderlyingSnapshot& u) { return u.greeks.value; }},
      {"hedged_net_delta_shares",
       "Option delta plus hedge position plus working hedge orders, shares.",
       [](const UnderlyingSnapshot& u) { return u.net_delta_shares; }},
      {"hedged_delta_band_shares", "Half-width of the no-trade delta band, shares.",
       [](const UnderlyingSnapshot& u) { return u.band_delta_shares; }},
      {"hedged_spot_price", "Mid price of the underlying used for the Greeks, currency.",
       [](const UnderlyingSnapshot& u) { return u.spot; }},
  };
  for (const PerUnderlying& g : kGauges) {
    auto f = family(g.name, g.help, MetricType::Gauge);
    for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
      add(f, g.value(e.underlyings[u]), {{"underlying", in.underlyings[u]}});
    }
    out.push_back(std::move(f));
  }

  // Per expiry bucket (the nearest kSnapshotBuckets live expiries of each underlying).
  struct PerBucket {
    const char* name;
    const char* help;
    double (*value)(const greeks::PortfolioGreeks&);
  };
  static const PerBucket kBucketGauges[] = {
      {"hedged_expiry_delta_shares", "Option delta of one expiry, shares of the underlying.",
       [](const greeks::PortfolioGreeks& g) { return g.delta_shares; }},
      {"hedged_expiry_gamma_notional_per_pct",
       "Change of one expiry's delta notional for a 1% spot move, currency.",
       [](const greeks::PortfolioGreeks& g) { return g.gamma_notional_per_pct; }},
      {"hedged_expiry_vega_per_vol_point", "Value change of one expiry for +1 vol point, currency.",
       [](const greeks::PortfolioGreeks& g) { return g.vega_per_vol_point; }},
      {"hedged_expiry_theta_per_day", "Value change of one expiry over one calendar day, currency.",
       [](const greeks::PortfolioGreeks& g) { return g.theta_per_day; }},
  };
  for (const PerBucket& g : kBucketGauges) {
    auto f = family(g.name, g.help, MetricType::Gauge);
    for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
      const UnderlyingSnapshot& us = e.underlyings[u];
      for (std::uint32_t b = 0; b < us.bucket_count; ++b) {
        add(f, g.value(us.buckets[b]),
            {{"expiry", expiry_label(us.bucket_expiry_ns[b])}, {"underlying", in.underlyings[u]}});
      }
    }
    out.push_back(std::move(f));
  }

  auto pending = family("hedged_american_revaluations_pending",
                        "American options priced by their expansion past its thresholds, waiting "
                        "for an exact revaluation.",
                        MetricType::Gauge);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    add(pending, static_cast<double>(e.underlyings[u].american_pending),
        {{"underlying", in.underlyings[u]}});
  }
  out.push_back(std::move(pending));

  auto iv_failures = family("hedged_quote_iv_failures_total",
                            "Option quotes whose mid has no implied vol (outside the no-arbitrage "
                            "bounds); their pricing vol is left unchanged.",
                            MetricType::Counter);
  add(iv_failures, static_cast<double>(e.quote_iv_failures));
  out.push_back(std::move(iv_failures));

  auto decisions = family("hedged_hedge_decisions_total", "Hedge orders decided by the engine.",
                          MetricType::Counter);
  auto position = family("hedged_hedge_position", "Filled position in the hedge instrument, units.",
                         MetricType::Gauge);
  auto working = family("hedged_working_quantity", "Signed quantity of live hedge orders, units.",
                        MetricType::Gauge);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    add(decisions, static_cast<double>(e.underlyings[u].hedge_decisions),
        {{"underlying", in.underlyings[u]}});
    add(position, static_cast<double>(e.underlyings[u].hedge_position),
        {{"instrument", in.hedge_instruments[u]}});
    add(working, static_cast<double>(e.underlyings[u].working_qty),
        {{"instrument", in.hedge_instruments[u]}});
  }
  out.push_back(std::move(decisions));
  out.push_back(std::move(position));
  out.push_back(std::move(working));

  auto orders =
      family("hedged_orders_total",
             "Child orders by side and outcome: submitted counts every order sent; filled, "
             "rejected and canceled count final states; blocked counts orders stopped by pre-trade "
             "checks.",
             MetricType::Counter);
  for (int side = 0; side < 2; ++side) {
    for (std::size_t k = 0; k < kOrderOutcomeCount; ++k) {
      add(orders, static_cast<double>(e.orders[side][k]),
          {{"outcome", to_string(static_cast<OrderOutcome>(k))},
           {"side", side == 0 ? "buy" : "sell"}});
    }
  }
  out.push_back(std::move(orders));

  // Parent orders (one per hedge, sliced by the underlying's execution algorithm): children per
  // parent is hedged_parent_child_orders_total / hedged_parent_orders_total.
  auto parents =
      family("hedged_parent_orders_total",
             "Parent orders started, by underlying and execution algorithm.", MetricType::Counter);
  auto parent_children =
      family("hedged_parent_child_orders_total", "Child orders sent on behalf of parent orders.",
             MetricType::Counter);
  auto amends = family("hedged_parent_amends_total",
                       "New hedge targets applied to a working parent order.", MetricType::Counter);
  auto replaces =
      family("hedged_parent_replaces_total",
             "Opposite-side hedge targets: the parent canceled and replaced.", MetricType::Counter);
  auto reprices =
      family("hedged_child_reprices_total",
             "Working children moved to a new price: replaced in place (35=G), or canceled "
             "and resent where fix.use_cancel_replace is false.",
             MetricType::Counter);
  auto active = family("hedged_parent_active", "1 while the underlying has a working parent order.",
                       MetricType::Gauge);
  auto unsent = family("hedged_parent_unsent_quantity",
                       "Signed quantity of the working parent not yet sent as children, units.",
                       MetricType::Gauge);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    const UnderlyingSnapshot& us = e.underlyings[u];
    const std::string& name = in.underlyings[u];
    add(parents, static_cast<double>(us.parents_started),
        {{"algorithm", execution::to_string(static_cast<execution::Algorithm>(us.algorithm))},
         {"underlying", name}});
    add(parent_children, static_cast<double>(us.parent_children_sent), {{"underlying", name}});
    add(amends, static_cast<double>(us.parent_amends), {{"underlying", name}});
    add(replaces, static_cast<double>(us.parent_replaces), {{"underlying", name}});
    add(reprices, static_cast<double>(us.child_reprices), {{"underlying", name}});
    add(active, us.parent_active ? 1.0 : 0.0, {{"underlying", name}});
    add(unsent, static_cast<double>(signed_qty(us.parent_side, us.parent_unsent_qty)),
        {{"instrument", in.hedge_instruments[u]}});
  }
  out.push_back(std::move(parents));
  out.push_back(std::move(parent_children));
  out.push_back(std::move(amends));
  out.push_back(std::move(replaces));
  out.push_back(std::move(reprices));
  out.push_back(std::move(active));
  out.push_back(std::move(unsent));

  auto filled = family("hedged_filled_quantity_total", "Quantity filled by side, units.",
                       MetricType::Counter);
  add(filled, static_cast<double>(e.filled_qty[0]), {{"side", "buy"}});
  add(filled, static_cast<double>(e.filled_qty[1]), {{"side", "sell"}});
  out.push_back(std::move(filled));

  auto fills = family("hedged_fills_total", "Fills (execution reports with a trade) applied.",
                      MetricType::Counter);
  add(fills, static_cast<double>(e.fills));
  out.push_back(std::move(fills));

  auto live =
      family("hedged_live_orders", "Child orders working in the market.", MetricType::Gauge);
  add(live, static_cast<double>(e.live_orders));
  out.push_back(std::move(live));

  auto ignored = family("hedged_exec_reports_ignored_total",
                        "Execution reports ignored as duplicate, stale or for an unknown order.",
                        MetricType::Counter);
  add(ignored, static_cast<double>(e.exec_reports_ignored));
  out.push_back(std::move(ignored));

  auto invalid = family("hedged_exec_reports_invalid_total",
                        "Execution reports rejected as inconsistent (overfill, negative quantity).",
                        MetricType::Counter);
  add(invalid, static_cast<double>(e.exec_reports_invalid));
  out.push_back(std::move(invalid));

  auto option_trades = family("hedged_option_trades_total",
                              "Option fills from the drop copy applied to the book, by underlying.",
                              MetricType::Counter);
  auto option_contracts = family(
      "hedged_option_contracts_total",
      "Option contracts the desk bought and sold in drop-copy fills, by underlying and side.",
      MetricType::Counter);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    const UnderlyingSnapshot& us = e.underlyings[u];
    add(option_trades, static_cast<double>(us.option_trades), {{"underlying", in.underlyings[u]}});
    add(option_contracts, static_cast<double>(us.option_contracts_bought),
        {{"side", "buy"}, {"underlying", in.underlyings[u]}});
    add(option_contracts, static_cast<double>(us.option_contracts_sold),
        {{"side", "sell"}, {"underlying", in.underlyings[u]}});
  }
  out.push_back(std::move(option_trades));
  out.push_back(std::move(option_contracts));
  auto option_hedges =
      family("hedged_option_hedge_orders_total",
             "Option orders sent by the gamma/vega hedger (hedge.options).", MetricType::Counter);
  auto option_hedge_position =
      family("hedged_option_hedge_contracts",
             "Net option contracts bought (+) or sold (-) by the gamma/vega hedger since start.",
             MetricType::Gauge);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    add(option_hedges, static_cast<double>(e.underlyings[u].option_hedge_orders),
        {{"underlying", in.underlyings[u]}});
    add(option_hedge_position, static_cast<double>(e.underlyings[u].option_hedge_contracts),
        {{"underlying", in.underlyings[u]}});
  }
  out.push_back(std::move(option_hedges));
  out.push_back(std::move(option_hedge_position));
  auto option_ignored = family("hedged_option_trades_ignored_total",
                               "Drop-copy fills not applied: repeated ExecID, or not an option of "
                               "the book.",
                               MetricType::Counter);
  add(option_ignored, static_cast<double>(e.option_trades_ignored));
  out.push_back(std::move(option_ignored));
  auto implausible = family("hedged_fills_price_implausible_total",
                            "Fills (source order: the daemon's own orders; drop_copy: the desk's "
                            "option trades) whose price lay far outside the price band around "
                            "the reference: the quantity was applied, P&L and average cost use "
                            "the reference price.",
                            MetricType::Counter);
  add(implausible, static_cast<double>(e.fills_price_implausible), {{"source", "order"}});
  add(implausible, static_cast<double>(e.option_trades_price_implausible),
      {{"source", "drop_copy"}});
  out.push_back(std::move(implausible));

  auto requests = family("hedged_order_requests_total",
                         "Requests about working orders sent to the venue, by kind: cancel (35=F), "
                         "replace (35=G), status (35=H, for orders left unanswered); and replaces "
                         "the venue refused (replace_rejected).",
                         MetricType::Counter);
  add(requests, static_cast<double>(e.cancels_sent), {{"kind", "cancel"}});
  add(requests, static_cast<double>(e.replaces_sent), {{"kind", "replace"}});
  add(requests, static_cast<double>(e.replaces_rejected), {{"kind", "replace_rejected"}});
  add(requests, static_cast<double>(e.status_requests_sent), {{"kind", "status"}});
  out.push_back(std::move(requests));

  auto reconcile = family("hedged_reconcile_checks_total",
                          "Answers to status requests compared with the engine's view of the "
                          "order (after a restart or a reconnect), by outcome: match or "
                          "difference (the venue's filled quantity differed and was applied).",
                          MetricType::Counter);
  add(reconcile, static_cast<double>(e.reconcile_checks - e.reconcile_differences),
      {{"outcome", "match"}});
  add(reconcile, static_cast<double>(e.reconcile_differences), {{"outcome", "difference"}});
  out.push_back(std::move(reconcile));
  auto reconcile_qty = family("hedged_reconcile_difference_units_total",
                              "Sum of |venue filled - engine filled| over reconciled orders, units "
                              "of the instruments; past fix.reconcile_tolerance the book halts.",
                              MetricType::Counter);
  add(reconcile_qty, static_cast<double>(e.reconcile_difference_qty));
  out.push_back(std::move(reconcile_qty));
  auto restored =
      family("hedged_orders_restored", "Working orders taken back from the journal at start-up.",
             MetricType::Gauge);
  add(restored, static_cast<double>(e.orders_restored));
  out.push_back(std::move(restored));

  collect_risk(in, out);

  auto ack = family("hedged_order_ack_latency_seconds",
                    "Time from a child order's decision to the venue's first answer (ack, fill or "
                    "reject), seconds.",
                    MetricType::Histogram);
  ack.metric.push_back(histogram(e.ack_latency));
  out.push_back(std::move(ack));
  auto decision = family("hedged_tick_to_decision_seconds",
                         "Time from the source time of the quote that triggered a hedge child to "
                         "the engine's decision, seconds.",
                         MetricType::Histogram);
  decision.metric.push_back(histogram(e.tick_to_decision));
  out.push_back(std::move(decision));
  auto to_order = family("hedged_tick_to_order_seconds",
                         "Time from the source time of the quote that triggered a hedge child to "
                         "the order handed to the FIX session, seconds.",
                         MetricType::Histogram);
  to_order.metric.push_back(histogram(in.tick_to_order));
  out.push_back(std::move(to_order));

  auto done = family("hedged_parent_orders_done_total",
                     "Parent orders finished with fills (their slippage is measured).",
                     MetricType::Counter);
  auto slippage = family("hedged_execution_mean_slippage_bps",
                         "Mean over finished parents of the average fill's cost against the "
                         "arrival mid, basis points; positive is a cost.",
                         MetricType::Gauge);
  auto last_slippage = family("hedged_execution_last_slippage_bps",
                              "The last finished parent's cost against its arrival mid, basis "
                              "points; positive is a cost.",
                              MetricType::Gauge);
  auto shortfall = family("hedged_implementation_shortfall_currency",
                          "Sum over finished parents of (average fill - arrival mid) x filled x "
                          "multiplier, as a cost, currency.",
                          MetricType::Gauge);
  for (std::uint32_t u = 0; u < e.underlying_count && u < in.underlyings.size(); ++u) {
    const UnderlyingSnapshot& us = e.underlyings[u];
    add(done, static_cast<double>(us.parents_done), {{"underlying", in.underlyings[u]}});
    add(slippage,
        us.parents_done > 0 ? us.slippage_bps_sum / static_cast<double>(us.parents_done) : 0.0,
        {{"underlying", in.underlyings[u]}});
    add(last_slippage, us.last_slippage_bps, {{"underlying", in.underlyings[u]}});
    add(shortfall, us.shortfall_currency, {{"underlying", in.underlyings[u]}});
  }
  out.push_back(std::move(done));
  out.push_back(std::move(slippage));
  out.push_back(std::move(last_slippage));
  out.push_back(std::move(shortfall));

  auto session = family("hedged_fix_session_up", "1 when the FIX order session is logged on.",
                        MetricType::Gauge);
  add(session, in.fix_logged_on ? 1.0 : 0.0, {{"session", in.fix_session}});
  out.push_back(std::move(session));

  if (in.md_fix) {
    auto md_up = family("hedged_md_session_up",
                        "1 when the FIX market-data session is logged on and subscribed.",
                        MetricType::Gauge);
    add(md_up, in.md.logged_on && in.md.subscribed_symbols > 0 ? 1.0 : 0.0);
    out.push_back(std::move(md_up));
    auto md_messages = family("hedged_md_messages_total",
                              "FIX market-data messages by kind: snapshot (35=W), update (book "
                              "entries of 35=X), trade, reject (35=Y), malformed (dropped).",
                              MetricType::Counter);
    add(md_messages, static_cast<double>(in.md.snapshots), {{"kind", "snapshot"}});
    add(md_messages, static_cast<double>(in.md.updates), {{"kind", "update"}});
    add(md_messages, static_cast<double>(in.md.trades), {{"kind", "trade"}});
    add(md_messages, static_cast<double>(in.md.rejects), {{"kind", "reject"}});
    add(md_messages, static_cast<double>(in.md.malformed), {{"kind", "malformed"}});
    out.push_back(std::move(md_messages));
    auto md_logons = family("hedged_md_logons_total",
                            "Logons of the FIX market-data session (each one resubscribes).",
                            MetricType::Counter);
    add(md_logons, static_cast<double>(in.md.logons));
    out.push_back(std::move(md_logons));
  }

  if (in.journal) {
    const journal::WriterStats& js = in.journal_stats;
    auto fsync =
        family("hedged_journal_fsync_seconds",
               "Time one journal commit spent in fdatasync, seconds.", MetricType::Histogram);
    fsync.metric.push_back(histogram(js.fsync));
    out.push_back(std::move(fsync));
    auto records = family("hedged_journal_records_total",
                          "Records appended to the journal (order intents, execution reports, "
                          "option trades, state changes, hedge decisions, limit sets).",
                          MetricType::Counter);
    add(records, static_cast<double>(js.records));
    out.push_back(std::move(records));
    auto bytes = family("hedged_journal_bytes_total", "Bytes made durable in the journal.",
                        MetricType::Counter);
    add(bytes, static_cast<double>(js.bytes_written));
    out.push_back(std::move(bytes));
    auto commits = family("hedged_journal_commits_total",
                          "Group commits (one write and one fdatasync each).", MetricType::Counter);
    add(commits, static_cast<double>(js.commits));
    out.push_back(std::move(commits));
    auto durable = family("hedged_journal_durable_sequence",
                          "Sequence number of the last journal record known to be on disk.",
                          MetricType::Gauge);
    add(durable, static_cast<double>(js.durable_sequence));
    out.push_back(std::move(durable));
    auto dropped = family("hedged_journal_dropped_total",
                          "Records the engine could not hand to the journal agent (ring full); "
                          "never expected.",
                          MetricType::Counter);
    add(dropped, static_cast<double>(in.journal_dropped));
    out.push_back(std::move(dropped));
    auto snapshots =
        family("hedged_journal_snapshots_total",
               "Snapshots of the recovery state written to the journal.", MetricType::Counter);
    add(snapshots, static_cast<double>(in.journal_snapshots));
    out.push_back(std::move(snapshots));
    auto lost = family("hedged_journal_lost",
                       "1 once the journal cannot be written (a failed write or fsync, or no "
                       "space for its reserve): trading is halted and no order is sent.",
                       MetricType::Gauge);
    add(lost, in.journal_lost ? 1.0 : 0.0);
    out.push_back(std::move(lost));
    auto not_sent = family("hedged_journal_orders_not_sent_total",
                           "Orders and replaces not sent because their intent could not be "
                           "written to the journal, or the journal was lost.",
                           MetricType::Counter);
    add(not_sent, static_cast<double>(in.journal_orders_not_sent));
    out.push_back(std::move(not_sent));
    auto unwritten =
        family("hedged_journal_unwritten_records_total",
               "Records not written because the journal's writer had failed.", MetricType::Counter);
    add(unwritten, static_cast<double>(in.journal_unwritten));
    out.push_back(std::move(unwritten));
    auto free_bytes = family("hedged_journal_fs_free_bytes",
                             "Free space of the journal's file system at the last commit, bytes.",
                             MetricType::Gauge);
    add(free_bytes, static_cast<double>(js.fs_free_bytes));
    out.push_back(std::move(free_bytes));
    auto errors =
        family("hedged_journal_errors_total",
               "Failed journal writes or fsyncs; trading halts on the first.", MetricType::Counter);
    add(errors, static_cast<double>(js.errors));
    out.push_back(std::move(errors));
  }

  if (in.md_replay) {
    auto played = family("hedged_replay_quotes_total",
                         "Quote-tape rows by outcome: played (handed to the engine) or skipped "
                         "(symbol not in this config).",
                         MetricType::Counter);
    add(played, static_cast<double>(in.replay.played), {{"outcome", "played"}});
    add(played, static_cast<double>(in.replay.skipped), {{"outcome", "skipped"}});
    out.push_back(std::move(played));
    auto loops = family("hedged_replay_loops_total", "Times the quote tape started again (loop).",
                        MetricType::Counter);
    add(loops, static_cast<double>(in.replay.loops));
    out.push_back(std::move(loops));
    auto lag = family("hedged_replay_lag_seconds",
                      "How late the replay's last poll ran behind the tape's schedule, seconds.",
                      MetricType::Gauge);
    add(lag, static_cast<double>(in.replay.lag_ns) * 1e-9);
    out.push_back(std::move(lag));
    auto finished =
        family("hedged_replay_finished",
               "1 once the tape has been played to its end (without loop).", MetricType::Gauge);
    add(finished, in.replay.finished ? 1.0 : 0.0);
    out.push_back(std::move(finished));
  }

  if (in.drop_copy) {
    auto dc_up = family("hedged_drop_copy_up",
                        "1 when the FIX drop-copy session (the desk's option fills) is logged on.",
                        MetricType::Gauge);
    add(dc_up, in.dc.logged_on ? 1.0 : 0.0);
    out.push_back(std::move(dc_up));
    auto dc_messages = family("hedged_drop_copy_messages_total",
                              "Drop-copy ExecutionReports by kind: trade (an option fill handed to "
                              "the engine), other (not a fill), unknown_symbol (not a book "
                              "option), malformed (dropped), refused (a Reject sent: LastPx at or "
                              "below zero or not finite, a fractional LastQty, a bad Side).",
                              MetricType::Counter);
    add(dc_messages, static_cast<double>(in.dc.trades), {{"kind", "trade"}});
    add(dc_messages, static_cast<double>(in.dc.other_reports), {{"kind", "other"}});
    add(dc_messages, static_cast<double>(in.dc.unknown_symbols), {{"kind", "unknown_symbol"}});
    add(dc_messages, static_cast<double>(in.dc.malformed), {{"kind", "malformed"}});
    add(dc_messages, static_cast<double>(in.dc.refused), {{"kind", "refused"}});
    out.push_back(std::move(dc_messages));
  }

  auto notices_dropped =
      family("hedged_notices_dropped_total",
             "Engine notices (log lines, observer calls) dropped because the notice ring was "
             "full; trading is not affected.",
             MetricType::Counter);
  add(notices_dropped, static_cast<double>(in.notices_dropped));
  out.push_back(std::move(notices_dropped));

  auto rejected =
      family("hedged_fix_messages_rejected_total",
             "Inbound FIX application messages that could not be translated and were dropped.",
             MetricType::Counter);
  add(rejected, static_cast<double>(in.fix_messages_rejected), {{"session", in.fix_session}});
  out.push_back(std::move(rejected));

  auto suppressed =
      family("hedged_fix_resends_suppressed_total",
             "Old orders, cancels and replaces the venue asked to have resent (after a restart "
             "with fix.persist_sequences) that were gap-filled instead: a stale order is never "
             "sent twice.",
             MetricType::Counter);
  add(suppressed, static_cast<double>(in.fix_resends_suppressed), {{"session", in.fix_session}});
  out.push_back(std::move(suppressed));

  auto session_rejects =
      family("hedged_fix_rejects_received_total",
             "Reject (35=3) and BusinessMessageReject (35=j) messages received from the venue.",
             MetricType::Counter);
  add(session_rejects, static_cast<double>(in.fix_session_rejects), {{"session", in.fix_session}});
  out.push_back(std::move(session_rejects));

  auto refused = family("hedged_fix_reports_refused_total",
                        "ExecutionReports refused with a session-level Reject (35=3): a fill "
                        "whose LastPx is missing, at or below zero or not finite, or a "
                        "fractional or negative quantity.",
                        MetricType::Counter);
  add(refused, static_cast<double>(in.fix_reports_refused), {{"session", in.fix_session}});
  out.push_back(std::move(refused));
  return out;
}

MetricsServer::MetricsServer(const std::string& listen, const ScrapeSource& source,
                             std::string version)
    : collector_(std::make_shared<EngineCollector>(source, std::move(version))) {
  http::Options options;
  options.name = "metrics";
  server_ = std::make_unique<http::Server>(
      listen, std::move(options), [this](const http::Request& request, http::Respond respond) {
        if (request.path != "/metrics") {
          respond({404, "{\"error\":\"no such endpoint\"}", "application/json"});
        } else if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
          respond({405, "{\"error\":\"use GET\"}", "application/json"});
        } else {
          auto families = collector_->Collect();
          add_http(families, "metrics", server_->stats());
          respond({200, prometheus::TextSerializer().Serialize(families),
                   "text/plain; version=0.0.4; charset=utf-8"});
        }
      });
}

MetricsServer::~MetricsServer() = default;

std::vector<int> MetricsServer::ports() const {
  return {server_->port()};
}

http::Stats MetricsServer::stats() const noexcept {
  return server_->stats();
}

}  // namespace hedged::metrics
