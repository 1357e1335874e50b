// The option book of one underlying and its aggregate Greeks in desk units.
// Owned by the engine thread; revalue() allocates nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/instrument.hpp"
#include "core/model/types.hpp"

namespace hedged::greeks {

// Aggregates in the units a desk reads (see README "Units").
struct PortfolioGreeks {
  double value = 0.0;                   // mark-to-model value of the options, currency
  double delta_shares = 0.0;            // dV/dS, shares of underlying
  double delta_notional = 0.0;          // delta_shares * spot, currency
  double gamma_shares = 0.0;            // d(delta_shares)/dS, shares per unit of spot
  double gamma_notional_per_pct = 0.0;  // change of delta_notional for a 1% spot move, currency
  double vega_per_vol_point = 0.0;      // dV for +1 vol point (0.01), currency
  double theta_per_day = 0.0;           // dV for one calendar day passing, currency
  double rho_per_pct = 0.0;             // dV for +1% rate, currency
  // Second-order vol Greeks (pricing::Greeks vanna, volga scaled to vol points):
  double vanna_shares_per_vol_point = 0.0;  // change of delta_shares for +1 vol point, shares
  double volga_per_vol_point2 = 0.0;  // change of vega_per_vol_point for +1 vol point, currency
};

struct MarketParams {
  double spot = 0.0;
  double rate = 0.0;            // continuously compounded, per year
  double dividend_yield = 0.0;  // continuous, per year
  double vol = 0.0;             // flat pricing vol, per sqrt(year)
};

struct OptionLine {
  InstrumentId option = kNoInstrument;
  OptionRight right = OptionRight::kCall;
  double strike = 0.0;
  TimeNs expiry_ns = 0;
  double multiplier = 100.0;
  std::int64_t quantity = 0;  // contracts, signed (+ long)
};

class OptionBook {
 public:
  void add(const OptionLine& line);
  [[nodiscard]] const std::vector<OptionLine>& lines() const noexcept { return lines_; }

  // Re-prices every line at `now` and sums the Greeks. Expired lines contribute nothing.
  [[nodiscard]] PortfolioGreeks revalue(const MarketParams& market, TimeNs now) const noexcept;

 private:
  std::vector<OptionLine> lines_;
};

}  // namespace hedged::greeks
