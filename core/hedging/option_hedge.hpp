// Gamma and vega hedging with listed options: when the book's gamma or vega is beyond its
// trigger (a fraction of the risk limit), choose quantities of the configured hedge options that
// bring it back to the target (a smaller fraction of the limit, same sign); the delta those
// trades add is then hedged in the underlying by the delta policy as usual. With two or more
// candidate options the pair that best separates gamma from vega is used and both measures are
// solved for at once (the one not breached is held where it is); with one, the breached measure
// is solved for (gamma first). Pure functions of their inputs; nothing here allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/model/types.hpp"

namespace hedged::hedging {

// One underlying's option hedging (config `underlyings[].hedge.options`). Off by default.
struct OptionHedgeParams {
  bool enabled = false;
  double trigger_fraction = 1.0;    // act when |gamma| or |vega| exceeds this x its soft limit
  double target_fraction = 0.5;     // bring the breached measure to this x its limit (same sign)
  std::int64_t max_contracts = 50;  // per order, each option
};

// Per contract of a candidate option, in the book's units (PortfolioGreeks).
struct OptionHedgeCandidate {
  InstrumentId instrument = kNoInstrument;
  double gamma_notional_per_pct = 0.0;  // currency delta change for a 1% spot move
  double vega_per_vol_point = 0.0;      // currency
};

struct OptionHedgeInput {
  double gamma_notional_per_pct = 0.0;  // the book's, signed
  double vega_per_vol_point = 0.0;
  double gamma_limit = 0.0;  // soft limits (absolute values); 0: that measure is not managed
  double vega_limit = 0.0;
};

struct OptionHedgeOrder {
  InstrumentId instrument = kNoInstrument;
  std::int64_t contracts = 0;  // signed: + buy
};

struct OptionHedgePlan {
  std::array<OptionHedgeOrder, 2> orders{};
  std::size_t count = 0;
  bool gamma_breached = false;
  bool vega_breached = false;
  // The book's gamma and vega once the planned orders fill (after rounding and capping).
  double gamma_after = 0.0;
  double vega_after = 0.0;
};

[[nodiscard]] OptionHedgePlan plan_option_hedge(
    const OptionHedgeParams& params, const OptionHedgeInput& input,
    std::span<const OptionHedgeCandidate> candidates) noexcept;

// Checks the parameters; nullptr when they are valid, else what is wrong.
[[nodiscard]] const char* validate(const OptionHedgeParams& params) noexcept;

}  // namespace hedged::hedging
