#include "core/greeks/portfolio.hpp"

#include "core/pricing/black_scholes.hpp"

namespace hedged::greeks {

void OptionBook::add(const OptionLine& line) {
  lines_.push_back(line);
}

PortfolioGreeks OptionBook::revalue(const MarketParams& market, TimeNs now) const noexcept {
  PortfolioGreeks g;
  for (const OptionLine& line : lines_) {
    if (line.expiry_ns <= now || line.quantity == 0) continue;
    const double t_years = static_cast<double>(line.expiry_ns - now) /
                           static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
    const pricing::Greeks o =
        pricing::black_scholes({market.spot, line.strike, market.rate, market.dividend_yield,
                                market.vol, t_years, line.right});
    const double units = static_cast<double>(line.quantity) * line.multiplier;
    g.value += units * o.price;
    g.delta_shares += units * o.delta;
    g.gamma_shares += units * o.gamma;
    g.vega_per_vol_point += units * o.vega * 0.01;
    g.theta_per_day += units * o.theta / 365.0;
    g.rho_per_pct += units * o.rho * 0.01;
    g.vanna_shares_per_vol_point += units * o.vanna * 0.01;
    g.volga_per_vol_point2 += units * o.volga * 0.0001;
  }
  g.delta_notional = g.delta_shares * market.spot;
  // A 1% move changes spot by 0.01*S, so delta_notional changes by gamma*S * 0.01*S.
  g.gamma_notional_per_pct = g.gamma_shares * market.spot * market.spot * 0.01;
  return g;
}

}  // namespace hedged::greeks
