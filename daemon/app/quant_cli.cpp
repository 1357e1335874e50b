#include "daemon/app/quant_cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/pricing/american.hpp"
#include "core/pricing/black_scholes.hpp"
#include "core/pricing/implied_vol.hpp"

namespace hedged::app {
namespace {

constexpr const char* kPriceUsage =
    "usage: hedged price --right call|put --spot S --strike K --rate r --vol v --expiry-years T\n"
    "                    [--dividend-yield q] [--style european|american] [--model bsm|black76]\n"
    "  rates and yields: continuously compounded, per year; vol: per sqrt(year); T: years "
    "(ACT/365)\n"
    "  --model black76 prices an option on a futures price (--spot is the futures price)\n"
    "  prints {\"price\",\"delta\",\"gamma\",\"vega\",\"theta\",\"rho\",\"vanna\",\"volga\"}: vega "
    "per 1.00 vol,\n"
    "  theta per year, rho per 1.00 rate, vanna d(delta)/d(vol), volga d(vega)/d(vol)\n";

constexpr const char* kIvUsage =
    "usage: hedged iv --right call|put --price P --spot S --strike K --rate r --expiry-years T\n"
    "                 [--dividend-yield q] [--style european|american] [--model bsm|black76]\n"
    "  prints {\"iv\": sigma} (per sqrt(year)); a price outside the no-arbitrage bounds prints\n"
    "  {\"iv\": null, \"error\": \"...\"} and exits 1. --style american inverts the American\n"
    "  pricer of `hedged price --style american` (bounds: the exercise value, S for a call, K\n"
    "  for a put); --model black76 takes no --dividend-yield\n";

struct Parsed {
  std::map<std::string, std::string> values;
  std::string error;
};

Parsed parse(const std::vector<std::string>& args, const std::set<std::string>& allowed) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string key = args[i];
    std::string value;
    if (key.rfind("--", 0) != 0) {
      p.error = "unexpected argument '" + key + "'";
      return p;
    }
    if (const auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      p.error = "option " + key + " needs a value";
      return p;
    }
    key = key.substr(2);
    if (allowed.count(key) == 0) {
      p.error = "unknown option --" + key;
      return p;
    }
    if (!p.values.emplace(key, value).second) {
      p.error = "option --" + key + " given twice";
      return p;
    }
  }
  return p;
}

std::optional<double> number(const Parsed& p, const std::string& key, std::string& error) {
  const auto it = p.values.find(key);
  if (it == p.values.end()) return std::nullopt;
  double value = 0.0;
  const std::string& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value)) {
    error = "--" + key + " needs a number, got '" + text + "'";
    return std::nullopt;
  }
  return value;
}

int usage_error(const char* usage, const std::string& message) {
  std::fprintf(stderr, "hedged: %s\n%s", message.c_str(), usage);
  return 64;
}

// Reads the inputs common to both commands; returns an error message or "".
std::string read_inputs(const Parsed& p, bool need_vol, pricing::BsInputs& in, bool& black76) {
  std::string error;
  const auto right = p.values.find("right");
  if (right == p.values.end()) return "--right is required";
  if (right->second != "call" && right->second != "put") return "--right must be call or put";
  in.right = right->second == "call" ? OptionRight::kCall : OptionRight::kPut;

  struct Required {
    const char* key;
    double* target;
    bool positive;
  };
  const Required required[] = {{"spot", &in.spot, true},
                               {"strike", &in.strike, true},
                               {"rate", &in.rate, false},
                               {"expiry-years", &in.time_years, false}};
  for (const Required& r : required) {
    const auto v = number(p, r.key, error);
    if (!error.empty()) return error;
    if (!v) return std::string("--") + r.key + " is required";
    if (r.positive && !(*v > 0.0)) return std::string("--") + r.key + " must be positive";
    *r.target = *v;
  }
  if (in.time_years < 0.0) return "--expiry-years must not be negative";
  in.dividend_yield = number(p, "dividend-yield", error).value_or(0.0);
  if (!error.empty()) return error;
  if (need_vol) {
    const auto vol = number(p, "vol", error);
    if (!error.empty()) return error;
    if (!vol) return "--vol is required";
    if (*vol < 0.0) return "--vol must not be negative";
    in.vol = *vol;
  }
  const auto model = p.values.find("model");
  black76 = model != p.values.end() && model->second == "black76";
  if (model != p.values.end() && model->second != "bsm" && model->second != "black76") {
    return "--model must be bsm or black76";
  }
  if (black76 && p.values.count("dividend-yield") != 0) {
    return "--dividend-yield does not apply to --model black76 (the futures price carries it)";
  }
  return {};
}

// The American implied vol: the vol at which pricing::american_price gives `price`, by bisection
// (the price rises with vol). Same errors as the European solver: below the exercise value (or
// the price at a vanishing vol), at or above the bound (S for a call, K for a put), invalid input.
pricing::IvResult implied_vol_american(double price, pricing::BsInputs in) {
  if (!std::isfinite(price) || !(in.spot > 0.0) || !(in.strike > 0.0) || !(in.time_years > 0.0)) {
    return {0.0, pricing::IvError::kInvalidInput};
  }
  const bool call = in.right == OptionRight::kCall;
  const double exercise = std::max(call ? in.spot - in.strike : in.strike - in.spot, 0.0);
  const double bound = call ? in.spot : in.strike;
  if (price >= bound) return {0.0, pricing::IvError::kAboveMaximum};
  const auto at = [&](double vol) {
    in.vol = vol;
    return pricing::american_price(in);
  };
  double low = 1e-4;
  double high = 4.0;
  if (price <= exercise || price <= at(low)) return {0.0, pricing::IvError::kBelowIntrinsic};
  while (at(high) < price) {
    high *= 2.0;
    if (high > 64.0) return {0.0, pricing::IvError::kAboveMaximum};
  }
  for (int i = 0; i < 200 && high - low > 1e-12 * high; ++i) {
    const double mid = 0.5 * (low + high);
    (at(mid) < price ? low : high) = mid;
  }
  if (high - low > 1e-9 * high) return {0.0, pricing::IvError::kNoConvergence};
  return {0.5 * (low + high), pricing::IvError::kNone};
}

}  // namespace

const char* price_usage() noexcept {
  return kPriceUsage;
}
const char* iv_usage() noexcept {
  return kIvUsage;
}

int run_price_command(const std::vector<std::string>& args) {
  const Parsed p = parse(args, {"right", "style", "spot", "strike", "rate", "dividend-yield", "vol",
                                "expiry-years", "model"});
  if (!p.error.empty()) return usage_error(kPriceUsage, p.error);
  pricing::BsInputs in{};
  bool black76 = false;
  if (const std::string error = read_inputs(p, true, in, black76); !error.empty()) {
    return usage_error(kPriceUsage, error);
  }
  const auto style = p.values.find("style");
  const bool american = style != p.values.end() && style->second == "american";
  if (style != p.values.end() && style->second != "european" && style->second != "american") {
    return usage_error(kPriceUsage, "--style must be european or american");
  }
  if (american && black76) {
    return usage_error(kPriceUsage, "--style american is priced for --model bsm only");
  }
  const pricing::Greeks g = american  ? pricing::american(in)
                            : black76 ? pricing::black76(in)
                                      : pricing::black_scholes(in);
  std::printf(
      "{\"price\": %.17g, \"delta\": %.17g, \"gamma\": %.17g, \"vega\": %.17g, \"theta\": %.17g, "
      "\"rho\": %.17g, \"vanna\": %.17g, \"volga\": %.17g}\n",
      g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga);
  return 0;
}

int run_iv_command(const std::vector<std::string>& args) {
  const Parsed p = parse(args, {"right", "price", "spot", "strike", "rate", "dividend-yield",
                                "expiry-years", "model", "style"});
  if (!p.error.empty()) return usage_error(kIvUsage, p.error);
  pricing::BsInputs in{};
  bool black76 = false;
  if (const std::string error = read_inputs(p, false, in, black76); !error.empty()) {
    return usage_error(kIvUsage, error);
  }
  std::string error;
  const auto price = number(p, "price", error);
  if (!error.empty()) return usage_error(kIvUsage, error);
  if (!price) return usage_error(kIvUsage, "--price is required");
  const auto style = p.values.find("style");
  const bool american = style != p.values.end() && style->second == "american";
  if (style != p.values.end() && style->second != "european" && style->second != "american") {
    return usage_error(kIvUsage, "--style must be european or american");
  }
  if (american && black76) {
    return usage_error(kIvUsage, "--style american is priced for --model bsm only");
  }
  const pricing::IvResult iv = american  ? implied_vol_american(*price, in)
                               : black76 ? pricing::implied_vol_black76(*price, in)
                                         : pricing::implied_vol(*price, in);
  if (iv.error != pricing::IvError::kNone) {
    std::printf("{\"iv\": null, \"error\": \"%s\"}\n", pricing::to_string(iv.error));
    return 1;
  }
  std::printf("{\"iv\": %.17g}\n", iv.vol);
  return 0;
}

}  // namespace hedged::app
