// Implied-volatility surface: raw-SVI smiles per expiry, their calibration and arbitrage checks,
// and a fixed-size, trivially copyable VolSurface. Pure functions and immutable values;
// thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace hedged::pricing {

// Conventions: k = ln(K / F) is log-moneyness against the forward of the slice's expiry; total
// implied variance is w(k) = sigma_imp(k)^2 * t with t in ACT/365 years (as in BsInputs); vols are
// per sqrt(year) in units (0.01 is one vol point).

inline constexpr std::size_t kMaxSmilePoints = 64;  // quotes a fallback smile keeps per slice
inline constexpr std::size_t kMaxSlices = 16;       // expiries one VolSurface holds
// Every lookup answers at least this vol, so a degenerate smile (w = 0 at its minimum) still
// prices and hedges with finite Greeks.
inline constexpr double kMinVol = 1e-4;

// Raw SVI: w(k) = a + b * (rho * (k - m) + sqrt((k - m)^2 + sigma^2)).
struct SviParams {
  double a;
  double b;
  double rho;
  double m;
  double sigma;

  [[nodiscard]] double total_variance(double k) const noexcept;
  // sqrt(w(k) / t); 0 where w(k) <= 0 or t <= 0 (callers that need a floor apply kMinVol).
  [[nodiscard]] double implied_vol(double k, double t_years) const noexcept;
  [[nodiscard]] double dw_dk(double k) const noexcept;
  [[nodiscard]] double d2w_dk2(double k) const noexcept;
  // All finite, b >= 0, |rho| < 1, sigma > 0 and a + b sigma sqrt(1 - rho^2) >= 0 (the minimum
  // of w over k, so w >= 0 everywhere).
  [[nodiscard]] bool satisfies_constraints() const noexcept;
};

// Gatheral's density factor
//   g(k) = (1 - k w'/(2w))^2 - (w'^2 / 4) (1/w + 1/4) + w''/2,
// which is proportional to the risk-neutral density of ln(S_T/F); a smile is free of butterfly
// arbitrage iff g >= 0 (and w > 0) for all k. Returns -inf where w(k) <= 0.
[[nodiscard]] double svi_density_factor(const SviParams& p, double k) noexcept;

struct ButterflyCheck {
  bool arbitrage_free;
  double min_g;    // smallest g on the grid
  double worst_k;  // where it occurred
};

// Samples g on `points` evenly spaced k in [k_min, k_max] (points >= 2).
[[nodiscard]] ButterflyCheck check_butterfly(const SviParams& p, double k_min, double k_max,
                                             int points) noexcept;

struct SmilePoint {
  double log_moneyness;  // k = ln(K / F)
  double implied_vol;
  double weight;  // relative confidence, e.g. vega or 1/spread; <= 0 drops the point
};

struct SviFitOptions {
  // Search box for sigma; m is searched over the quoted k range widened by its own width.
  double min_sigma = 1e-3;
  double max_sigma = 2.0;
  int max_iterations = 600;  // Nelder-Mead iterations per start
  // A fit whose weighted rmse exceeds this (vol units) is reported as kDidNotConverge.
  double max_rmse_vol = 0.05;
  // Butterfly check grid, widened to cover the quoted k range.
  double butterfly_k_min = -2.0;
  double butterfly_k_max = 2.0;
  int butterfly_points = 801;
  // Vol a slice answers when it has no usable quote at all.
  double default_vol = 0.20;
};

enum class SviFitStatus : std::uint8_t {
  kOk,
  kTooFewPoints,    // fewer than 5 usable quotes with distinct k
  kDidNotConverge,  // the search hit its iteration cap or the residual is above max_rmse_vol
  kArbitrage,       // the best fit violates g >= 0 on the butterfly grid
  kInvalidInput,    // t_years not positive and finite
};

[[nodiscard]] const char* to_string(SviFitStatus status) noexcept;

struct SviFitResult {
  SviParams params;  // best parameters found (meaningful for kOk, kDidNotConverge, kArbitrage)
  double rmse_vol;   // weighted rms of model minus quoted vol over usable quotes, vol units
  SviFitStatus status;
  int evaluations;      // inner least-squares solves performed
  const char* message;  // static string, never null
};

// Calibrates raw SVI to one expiry's quotes. Quotes with non-finite fields, vol <= 0 or
// weight <= 0 are ignored. Allocates nothing and is deterministic.
//
// Method (quasi-explicit): with y = (k - m)/sigma the model is w = a + d y + c sqrt(y^2 + 1),
// c = b sigma, d = rho b sigma, which is linear in (a, d, c). For fixed (m, sigma) the best
// (a, d, c) is a 3-variable constrained least-squares problem solved exactly; an outer search
// over (m, ln sigma) (coarse grid, then Nelder-Mead from the best grid points) minimises its
// residual. Residuals in w are weighted by weight / (2 vol t)^2, so the objective approximates
// squared vol errors.
[[nodiscard]] SviFitResult fit_svi(std::span<const SmilePoint> points, double t_years,
                                   const SviFitOptions& options = {}) noexcept;

// What a slice's smile is made of.
enum class SmileSource : std::uint8_t {
  kSvi,           // calibrated or given SVI parameters
  kInterpolated,  // fallback: linear in w between quotes, flat w outside (>= 2 quotes)
  kFlat,          // fallback: one quote's vol, or options.default_vol with no usable quote
};

// One expiry: time, forward and smile. Always answers a finite vol >= kMinVol.
class SmileSlice {
 public:
  // Used as given; check them with satisfies_constraints() / check_butterfly() first.
  [[nodiscard]] static SmileSlice from_svi(const SviParams& params, double t_years,
                                           double forward) noexcept;
  // Fits SVI; if the fit is not kOk the slice falls back to interpolating the usable quotes
  // (the nearest-the-money kMaxSmilePoints of them). fit() keeps the diagnostics either way.
  [[nodiscard]] static SmileSlice from_quotes(std::span<const SmilePoint> points, double t_years,
                                              double forward,
                                              const SviFitOptions& options = {}) noexcept;
  [[nodiscard]] static SmileSlice flat(double vol, double t_years, double forward) noexcept;

  [[nodiscard]] double total_variance(double k) const noexcept;  // >= kMinVol^2 t
  [[nodiscard]] double implied_vol(double k) const noexcept;
  [[nodiscard]] double t_years() const noexcept { return t_years_; }
  [[nodiscard]] double forward() const noexcept { return forward_; }
  [[nodiscard]] SmileSource source() const noexcept { return source_; }
  [[nodiscard]] const SviFitResult& fit() const noexcept { return fit_; }

 private:
  double t_years_ = 0.0;
  double forward_ = 0.0;
  SmileSource source_ = SmileSource::kFlat;
  SviFitResult fit_{};
  double flat_w_ = 0.0;
  std::size_t count_ = 0;  // fallback nodes, sorted by k, distinct
  std::array<double, kMaxSmilePoints> node_k_{};
  std::array<double, kMaxSmilePoints> node_w_{};
};

// Immutable set of up to kMaxSlices expiries. Between slices, w(k, t) is linear in t at fixed k;
// outside them the vol at fixed k is held (the first slice's before it, the last's after it).
// Trivially copyable so it can be published whole through a seqlock; lookups allocate nothing.
class VolSurface {
 public:
  // Slices are sorted by t. Slices with a non-positive or non-finite t and later duplicates of a
  // t are dropped; beyond kMaxSlices the longest expiries are dropped (dropped_slices() > 0).
  // With no slices the surface answers default_vol everywhere.
  [[nodiscard]] static VolSurface from_slices(std::span<const SmileSlice> slices,
                                              double default_vol = 0.20) noexcept;

  // Sticky-strike lookup: k = ln(strike / forward_at_t). Finite and >= kMinVol for any finite
  // positive inputs; t_years <= 0 answers the first slice's vol.
  [[nodiscard]] double vol(double strike, double t_years, double forward_at_t) const noexcept;
  [[nodiscard]] double vol_at(double k, double t_years) const noexcept;
  [[nodiscard]] double total_variance(double k, double t_years) const noexcept;

  [[nodiscard]] std::size_t slice_count() const noexcept { return count_; }
  [[nodiscard]] const SmileSlice& slice(std::size_t i) const noexcept { return slices_[i]; }
  [[nodiscard]] std::size_t dropped_slices() const noexcept { return dropped_; }
  // Set when some adjacent pair has w(k, t_later) < w(k, t_earlier) on the k grid
  // [kCalendarKMin, kCalendarKMax]; calendar_violation_index() is the earlier slice of the first
  // such pair. A warning: the surface still answers.
  [[nodiscard]] bool calendar_arbitrage() const noexcept { return calendar_arbitrage_; }
  [[nodiscard]] std::size_t calendar_violation_index() const noexcept { return calendar_index_; }

  static constexpr double kCalendarKMin = -2.0;
  static constexpr double kCalendarKMax = 2.0;
  static constexpr int kCalendarPoints = 201;

 private:
  std::array<SmileSlice, kMaxSlices> slices_{};
  std::size_t count_ = 0;
  std::size_t dropped_ = 0;
  double default_vol_ = 0.20;
  bool calendar_arbitrage_ = false;
  std::size_t calendar_index_ = 0;
};

static_assert(std::is_trivially_copyable_v<SmileSlice>);
static_assert(std::is_trivially_copyable_v<VolSurface>);

}  // namespace hedged::pricing
