// BookKernel: the European option book of one underlying as structure-of-arrays, re-priced 2, 4
// or 8 options per instruction (SSE2, AVX2, AVX-512) on every spot tick. One owner thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/greeks/portfolio.hpp"
#include "core/model/types.hpp"

namespace hedged::greeks {

// Distinct expiries one kernel can hold; the per-expiry aggregates live in a fixed array.
inline constexpr std::size_t kMaxExpiryBuckets = 64;

// Instruction sets the kernel is compiled for. kPortable is baseline x86-64 (SSE2) or whatever
// the build targets elsewhere; the others exist only on x86-64 and run only where the CPU and
// the OS support them.
enum class KernelPath : std::uint8_t { kPortable, kAvx2, kAvx512 };

[[nodiscard]] const char* to_string(KernelPath path) noexcept;
[[nodiscard]] bool kernel_path_supported(KernelPath path) noexcept;
// The fastest supported path; what a new BookKernel uses.
[[nodiscard]] KernelPath best_kernel_path() noexcept;

// Aggregates of one revalue(), in the desk units of PortfolioGreeks. Buckets are the book's
// distinct expiries in increasing order; expired buckets stay in place and read zero.
struct BookRisk {
  PortfolioGreeks total;
  std::size_t bucket_count = 0;
  std::array<TimeNs, kMaxExpiryBuckets> bucket_expiry_ns{};
  std::array<PortfolioGreeks, kMaxExpiryBuckets> by_expiry{};
};

// Per-option results of the last revalue(), natural units of one long option (as
// pricing::Greeks), in kernel order: position k holds line line_index()[k] of the lines the
// kernel was built from. Expired options read zero.
struct OptionResults {
  std::span<const double> price;
  std::span<const double> delta;
  std::span<const double> gamma;
  std::span<const double> vega;
  std::span<const double> theta;
  std::span<const double> rho;
  std::span<const double> vanna;  // d2V/dS dsigma, per 1.00 of vol
  std::span<const double> volga;  // d2V/dsigma2, per 1.00 of vol squared
};

// Design. Options are sorted by expiry at construction, so each expiry bucket is a contiguous
// run, and stored as aligned arrays padded to a multiple of eight lanes. Everything that does
// not depend on spot (sqrt(T), e^{-rT}, e^{-qT}, vol sqrt(T), ln K, the drift of d1) is
// computed by the setters, off the tick path. A tick then costs, per option, d1 and d2, one
// exponential and two rational Mills-ratio evaluations (pricing/vector_math.hpp), the Greeks
// (vanna and volga reuse n(d1), d1, d2 and vega: a few multiplies), and the weighted sums; no
// allocation, no branch per lane. ln(S/K) is formed from ln S and ln K carried in extended
// precision, so tiny vol * sqrt(T) does not magnify their rounding.
//
// Results match pricing::black_scholes to ~1e-13 relative or better (cancelling thetas)
// and ~1e-13 absolute for values near zero. Lanes that price degenerately (vol
// * sqrt(T) == 0, T > 0) take the scalar pricer; expired lines (expiry <= now) contribute
// nothing, as in OptionBook::revalue.
class BookKernel {
 public:
  // Builds the arrays and prices at `now` with `market` (its spot is not used). Throws
  // std::invalid_argument for a non-positive or non-finite strike or multiplier, and
  // std::length_error for more than kMaxExpiryBuckets distinct expiries.
  BookKernel(std::span<const OptionLine> lines, const MarketParams& market, TimeNs now);
  ~BookKernel();
  BookKernel(const BookKernel&) = delete;
  BookKernel& operator=(const BookKernel&) = delete;
  BookKernel(BookKernel&&) noexcept;
  BookKernel& operator=(BookKernel&&) noexcept;

  // Setters recompute the spot-independent terms of every option: O(n), not for the tick path.
  void set_time(TimeNs now) noexcept;
  void set_rates(double rate, double dividend_yield) noexcept;
  void set_flat_vol(double vol) noexcept;
  // One vol per line, in the order of the lines given to the constructor (e.g. sticky-strike
  // vols from a surface). Requires vols.size() == size().
  void set_vols(std::span<const double> vols) noexcept;

  // A new position for one line (its index among the lines given to the constructor): units =
  // quantity x multiplier, signed. O(n) like the setters above: for an option trade, not a tick.
  void set_units(std::size_t line, double units) noexcept;

  // Re-prices every option at `spot` (> 0, finite) and writes the aggregates to `out`.
  // Allocates nothing.
  void revalue(double spot, BookRisk& out) noexcept;

  // Runs revalue() on a given instruction set, e.g. kPortable to check it on an AVX-512
  // machine. Returns false (and leaves the path unchanged) if the CPU lacks it.
  bool force_path(KernelPath path) noexcept;
  [[nodiscard]] KernelPath path() const noexcept { return path_; }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::span<const std::uint32_t> line_index() const noexcept;
  [[nodiscard]] OptionResults results() const noexcept;

 private:
  struct Arrays;  // the aligned lanes; defined in book_kernel.cpp
  void refresh() noexcept;

  std::size_t size_ = 0;
  std::size_t padded_ = 0;
  TimeNs now_ = 0;
  double rate_ = 0.0;
  double dividend_yield_ = 0.0;
  KernelPath path_ = KernelPath::kPortable;
  std::unique_ptr<Arrays> arrays_;
};

}  // namespace hedged::greeks
