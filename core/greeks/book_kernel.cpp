#include "core/greeks/book_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "core/pricing/black_scholes.hpp"
#include "core/pricing/vector_math.hpp"

namespace hedged::greeks {
namespace {

namespace simd = pricing::simd;

inline constexpr std::size_t kAlignment = 64;
inline constexpr std::size_t kLanes = 8;  // lanes per chunk and padding granule
inline constexpr std::size_t kSums = 8;   // price, delta, gamma, vega, theta, rho, vanna, volga
inline constexpr std::int32_t kMixedChunk = -1;

struct AlignedFree {
  void operator()(double* p) const noexcept {
    ::operator delete[](p, std::align_val_t{kAlignment});
  }
};
using Lanes = std::unique_ptr<double[], AlignedFree>;

Lanes make_lanes(std::size_t n) {
  auto* p = static_cast<double*>(
      ::operator new[](std::max<std::size_t>(n, 1) * sizeof(double), std::align_val_t{kAlignment}));
  std::fill_n(p, std::max<std::size_t>(n, 1), 0.0);
  return Lanes(p);
}

// A value and its rounding error: ln x to about 2^-64 relative where long double is the x87
// format, plain double precision (lo = 0) where long double is double.
struct SplitLog {
  double hi;
  double lo;
};

SplitLog split_log(double x) {
  const long double full = std::log(static_cast<long double>(x));
  const double hi = static_cast<double>(full);
  return {hi, static_cast<double>(full - static_cast<long double>(hi))};
}

double years_between(TimeNs now, TimeNs expiry) {
  // The same expression as OptionBook::revalue, so both price at bit-identical T.
  return static_cast<double>(expiry - now) / static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
}

}  // namespace

struct BookKernel::Arrays {
  // Set once at construction, kernel order.
  std::vector<std::uint32_t> line_index;
  std::vector<std::uint32_t> bucket;  // padded: padding lanes repeat the last bucket
  std::vector<std::int32_t> chunk_bucket;
  std::vector<double> strike;
  std::vector<double> vol;
  std::vector<double> units;
  std::vector<SplitLog> ln_k;
  std::vector<OptionRight> right;
  std::size_t bucket_count = 0;
  std::array<TimeNs, kMaxExpiryBuckets> bucket_expiry_ns{};

  // Spot-independent lane terms, rebuilt by refresh(). Lanes that the vector pass must not
  // count (expired, degenerate, padding) hold benign finite values and zero weight.
  Lanes phi, ln_k_hi, drift_lo, inv_std_dev, std_dev, df_q, pv_strike, gauss_ratio, sqrt_t, decay,
      t, weight;
  std::vector<std::uint32_t> expired;     // capacity size, filled by refresh()
  std::vector<std::uint32_t> degenerate;  // capacity size, filled by refresh()
  std::vector<double> degenerate_t;

  // Outputs of the last revalue.
  Lanes price, delta, gamma, vega, theta, rho, vanna, volga;
  std::array<std::array<double, kSums>, kMaxExpiryBuckets> sums{};

  explicit Arrays(std::size_t padded)
      : phi(make_lanes(padded)),
        ln_k_hi(make_lanes(padded)),
        drift_lo(make_lanes(padded)),
        inv_std_dev(make_lanes(padded)),
        std_dev(make_lanes(padded)),
        df_q(make_lanes(padded)),
        pv_strike(make_lanes(padded)),
        gauss_ratio(make_lanes(padded)),
        sqrt_t(make_lanes(padded)),
        decay(make_lanes(padded)),
        t(make_lanes(padded)),
        weight(make_lanes(padded)),
        price(make_lanes(padded)),
        delta(make_lanes(padded)),
        gamma(make_lanes(padded)),
        vega(make_lanes(padded)),
        theta(make_lanes(padded)),
        rho(make_lanes(padded)),
        vanna(make_lanes(padded)),
        volga(make_lanes(padded)) {}
};

namespace {

// Everything one tick needs, as raw pointers so the per-ISA entry points share one body.
struct TickArgs {
  const double* phi;
  const double* ln_k_hi;
  const double* drift_lo;
  const double* inv_std_dev;
  const double* std_dev;
  const double* df_q;
  const double* pv_strike;
  const double* gauss_ratio;
  const double* sqrt_t;
  const double* decay;
  const double* t;
  const double* weight;
  const std::uint32_t* bucket;
  const std::int32_t* chunk_bucket;
  double* out[kSums];
  std::array<double, kSums>* sums;
  std::size_t size;
  std::size_t chunks;
  double spot;
  double ln_spot_hi;
  double ln_spot_lo;
  double rate;
  double dividend_yield;
};

// One tick over all chunks with W-lane vectors; a chunk (eight lanes, one bucket unless
// marked mixed) is 8 / W vectors.
template <int W>
[[gnu::always_inline]] inline void revalue_lanes(const TickArgs& a) noexcept {
  using D = typename simd::Vec<W>::D;
  const D ln_s_hi = simd::splat<D>(a.ln_spot_hi);
  const D ln_s_lo = simd::splat<D>(a.ln_spot_lo);
  const D clamp = simd::splat<D>(simd::kTailClamp);
  const double spot = a.spot;
  const double inv_spot = 1.0 / spot;
  D acc[kSums] = {};
  std::int32_t current = kMixedChunk;

  const auto flush = [&]() {
    for (std::size_t k = 0; k < kSums; ++k) {
      a.sums[current][k] += simd::lane_sum(acc[k]);
      acc[k] = D{};
    }
  };

  for (std::size_t c = 0; c < a.chunks; ++c) {
    const std::int32_t b = a.chunk_bucket[c];
    if (b != current) {
      if (current != kMixedChunk) flush();
      current = b;
    }
    for (std::size_t i = c * kLanes; i < (c + 1) * kLanes; i += W) {
      const D phi = simd::load<D>(a.phi + i);
      // ln(S/K) = (hi parts, nearly cancelling, so exact) + (low parts and the drift).
      const D x =
          (ln_s_hi - simd::load<D>(a.ln_k_hi + i)) + (ln_s_lo + simd::load<D>(a.drift_lo + i));
      const D inv_std_dev = simd::load<D>(a.inv_std_dev + i);
      const D d1 = x * inv_std_dev;
      const D d2 = d1 - simd::load<D>(a.std_dev + i);
      const D g1 = simd::exp_neg_half_square(simd::min(simd::abs(d1), clamp));
      // e^{-d2^2/2} = e^{-d1^2/2} * F / K exactly (d1^2 - d2^2 = 2 ln(F/K)), which saves a
      // second exponential and has no d^2 error amplification.
      const D g2 = g1 * (spot * simd::load<D>(a.gauss_ratio + i));
      const D nd1 = simd::norm_cdf_from_gauss(phi * d1, g1);
      const D nd2 = simd::norm_cdf_from_gauss(phi * d2, g2);

      const D df_q = simd::load<D>(a.df_q + i);
      const D fwd_spot = spot * df_q;
      const D spot_leg = fwd_spot * nd1;
      const D strike_leg = simd::load<D>(a.pv_strike + i) * nd2;
      const D pdf = simd::kInvSqrt2Pi * g1;
      const D sqrt_t = simd::load<D>(a.sqrt_t + i);
      const D df_q_pdf = df_q * pdf;
      const D vega = fwd_spot * pdf * sqrt_t;
      // 1/sigma = sqrt(T) / (sigma sqrt(T)): from lanes already loaded, not a lane of its own.
      const D inv_vol = sqrt_t * inv_std_dev;
      const D res[kSums] = {
          phi * (spot_leg - strike_leg),
          phi * df_q * nd1,
          df_q_pdf * inv_std_dev * inv_spot,
          vega,
          phi * (a.dividend_yield * spot_leg - a.rate * strike_leg) -
              fwd_spot * pdf * simd::load<D>(a.decay + i),
          phi * simd::load<D>(a.t + i) * strike_leg,
          // vanna = -e^{-qT} n(d1) d2 / sigma, volga = vega d1 d2 / sigma (as the scalar pricer).
          -(df_q_pdf * d2) * inv_vol,
          vega * d1 * d2 * inv_vol,
      };
      for (std::size_t k = 0; k < kSums; ++k) simd::store(a.out[k] + i, res[k]);

      const D w = simd::load<D>(a.weight + i);
      if (b != kMixedChunk) [[likely]] {
        for (std::size_t k = 0; k < kSums; ++k) acc[k] += w * res[k];
      } else {
        // A chunk straddling expiries: at most one per bucket boundary.
        for (std::size_t l = 0; l < static_cast<std::size_t>(W) && i + l < a.size; ++l) {
          for (std::size_t k = 0; k < kSums; ++k) {
            a.sums[a.bucket[i + l]][k] += w[l] * res[k][l];
          }
        }
      }
    }
  }
  if (current != kMixedChunk) flush();
}

using KernelFn = void (*)(const TickArgs&) noexcept;

void revalue_portable(const TickArgs& a) noexcept {
  revalue_lanes<2>(a);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HEDGED_KERNEL_X86 1
__attribute__((target("avx2,fma"))) void revalue_avx2(const TickArgs& a) noexcept {
  revalue_lanes<4>(a);
}
__attribute__((target("avx512f,avx2,fma"))) void revalue_avx512(const TickArgs& a) noexcept {
  revalue_lanes<8>(a);
}
#else
#define HEDGED_KERNEL_X86 0
#endif

KernelFn kernel_for(KernelPath path) noexcept {
#if HEDGED_KERNEL_X86
  switch (path) {
    case KernelPath::kAvx512: return revalue_avx512;
    case KernelPath::kAvx2: return revalue_avx2;
    case KernelPath::kPortable: break;
  }
#else
  (void)path;
#endif
  return revalue_portable;
}

}  // namespace

const char* to_string(KernelPath path) noexcept {
  switch (path) {
    case KernelPath::kAvx512: return "avx512";
    case KernelPath::kAvx2: return "avx2";
    case KernelPath::kPortable: break;
  }
  return "portable";
}

bool kernel_path_supported(KernelPath path) noexcept {
#if HEDGED_KERNEL_X86
  // libgcc checks XCR0 too, so a CPU whose OS does not save the wide registers reads false.
  __builtin_cpu_init();
  switch (path) {
    case KernelPath::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma");
    case KernelPath::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KernelPath::kPortable: return true;
  }
  return false;
#else
  return path == KernelPath::kPortable;
#endif
}

KernelPath best_kernel_path() noexcept {
  if (kernel_path_supported(KernelPath::kAvx512)) return KernelPath::kAvx512;
  if (kernel_path_supported(KernelPath::kAvx2)) return KernelPath::kAvx2;
  return KernelPath::kPortable;
}

BookKernel::BookKernel(std::span<const OptionLine> lines, const MarketParams& market, TimeNs now)
    : size_(lines.size()),
      padded_((lines.size() + kLanes - 1) / kLanes * kLanes),
      now_(now),
      rate_(market.rate),
      dividend_yield_(market.dividend_yield),
      path_(best_kernel_path()),
      arrays_(std::make_unique<Arrays>(padded_)) {
  for (const OptionLine& line : lines) {
    if (!(line.strike > 0.0) || !std::isfinite(line.strike)) {
      throw std::invalid_argument("book kernel: strike must be positive and finite");
    }
    if (!(line.multiplier > 0.0) || !std::isfinite(line.multiplier)) {
      throw std::invalid_argument("book kernel: multiplier must be positive and finite");
    }
  }
  Arrays& a = *arrays_;
  a.line_index.resize(size_);
  std::iota(a.line_index.begin(), a.line_index.end(), 0u);
  std::stable_sort(a.line_index.begin(), a.line_index.end(), [&](std::uint32_t l, std::uint32_t r) {
    return lines[l].expiry_ns < lines[r].expiry_ns;
  });
  a.bucket.resize(padded_);
  a.strike.resize(size_);
  a.vol.assign(size_, market.vol);
  a.units.resize(size_);
  a.ln_k.resize(size_);
  a.right.resize(size_);
  for (std::size_t k = 0; k < size_; ++k) {
    const OptionLine& line = lines[a.line_index[k]];
    if (a.bucket_count == 0 || a.bucket_expiry_ns[a.bucket_count - 1] != line.expiry_ns) {
      if (a.bucket_count == kMaxExpiryBuckets) {
        throw std::length_error("book kernel: more distinct expiries than kMaxExpiryBuckets");
      }
      a.bucket_expiry_ns[a.bucket_count++] = line.expiry_ns;
    }
    a.bucket[k] = static_cast<std::uint32_t>(a.bucket_count - 1);
    a.strike[k] = line.strike;
    a.units[k] = static_cast<double>(line.quantity) * line.multiplier;
    a.right[k] = line.right;
    a.ln_k[k] = split_log(line.strike);
  }
  for (std::size_t k = size_; k < padded_; ++k) a.bucket[k] = a.bucket[size_ - 1];
  a.chunk_bucket.resize(padded_ / kLanes);
  for (std::size_t c = 0; c < a.chunk_bucket.size(); ++c) {
    const std::size_t first = c * kLanes;
    const std::size_t last = std::min(first + kLanes, size_) - 1;
    a.chunk_bucket[c] = a.bucket[first] == a.bucket[last]
                            ? static_cast<std::int32_t>(a.bucket[first])
                            : kMixedChunk;
  }
  a.expired.reserve(size_);
  a.degenerate.reserve(size_);
  a.degenerate_t.reserve(size_);
  refresh();
}

BookKernel::~BookKernel() = default;
BookKernel::BookKernel(BookKernel&&) noexcept = default;
BookKernel& BookKernel::operator=(BookKernel&&) noexcept = default;

void BookKernel::set_time(TimeNs now) noexcept {
  now_ = now;
  refresh();
}

void BookKernel::set_rates(double rate, double dividend_yield) noexcept {
  rate_ = rate;
  dividend_yield_ = dividend_yield;
  refresh();
}

void BookKernel::set_flat_vol(double vol) noexcept {
  std::fill(arrays_->vol.begin(), arrays_->vol.end(), vol);
  refresh();
}

void BookKernel::set_vols(std::span<const double> vols) noexcept {
  Arrays& a = *arrays_;
  for (std::size_t k = 0; k < size_; ++k) a.vol[k] = vols[a.line_index[k]];
  refresh();
}

bool BookKernel::force_path(KernelPath path) noexcept {
  if (!kernel_path_supported(path)) return false;
  path_ = path;
  return true;
}

void BookKernel::set_units(std::size_t line, double units) noexcept {
  Arrays& a = *arrays_;
  for (std::size_t k = 0; k < size_; ++k) {
    if (a.line_index[k] == line) {
      a.units[k] = units;
      break;
    }
  }
  refresh();
}

std::span<const std::uint32_t> BookKernel::line_index() const noexcept {
  return {arrays_->line_index.data(), size_};
}

OptionResults BookKernel::results() const noexcept {
  const Arrays& a = *arrays_;
  return {{a.price.get(), size_}, {a.delta.get(), size_}, {a.gamma.get(), size_},
          {a.vega.get(), size_},  {a.theta.get(), size_}, {a.rho.get(), size_},
          {a.vanna.get(), size_}, {a.volga.get(), size_}};
}

void BookKernel::refresh() noexcept {
  Arrays& a = *arrays_;
  a.expired.clear();
  a.degenerate.clear();
  a.degenerate_t.clear();

  // Benign lane: d1 = d2 = 0 and every term finite, so a zero weight really adds zero.
  const auto park = [&](std::size_t k) {
    a.phi[k] = 1.0;
    a.ln_k_hi[k] = 0.0;
    a.drift_lo[k] = 0.0;
    a.inv_std_dev[k] = 0.0;
    a.std_dev[k] = 0.0;
    a.df_q[k] = 0.0;
    a.pv_strike[k] = 0.0;
    a.gauss_ratio[k] = 0.0;
    a.sqrt_t[k] = 0.0;
    a.decay[k] = 0.0;
    a.t[k] = 0.0;
    a.weight[k] = 0.0;
  };

  const double carry = rate_ - dividend_yield_;
  std::size_t k = 0;
  for (std::size_t b = 0; b < a.bucket_count; ++b) {
    const TimeNs expiry = a.bucket_expiry_ns[b];
    const double t = years_between(now_, expiry);
    const double sqrt_t = std::sqrt(t);
    const double df_q = std::exp(-dividend_yield_ * t);
    const double df_r = std::exp(-rate_ * t);
    for (; k < size_ && a.bucket[k] == b; ++k) {
      park(k);
      if (expiry <= now_) {
        a.expired.push_back(static_cast<std::uint32_t>(k));
        continue;
      }
      const double vol = a.vol[k];
      const double std_dev = vol * sqrt_t;
      if (!(std_dev > 0.0)) {
        a.degenerate.push_back(static_cast<std::uint32_t>(k));
        a.degenerate_t.push_back(t);
        continue;
      }
      const double pv_strike = a.strike[k] * df_r;
      a.phi[k] = a.right[k] == OptionRight::kCall ? 1.0 : -1.0;
      a.ln_k_hi[k] = a.ln_k[k].hi;
      // The drift as the scalar pricer forms it, less the low part of ln K.
      a.drift_lo[k] = (carry + 0.5 * vol * vol) * t - a.ln_k[k].lo;
      a.inv_std_dev[k] = 1.0 / std_dev;
      a.std_dev[k] = std_dev;
      a.df_q[k] = df_q;
      a.pv_strike[k] = pv_strike;
      a.gauss_ratio[k] = df_q / pv_strike;
      a.sqrt_t[k] = sqrt_t;
      a.decay[k] = 0.5 * vol / sqrt_t;
      a.t[k] = t;
      a.weight[k] = a.units[k];
    }
  }
  for (; k < padded_; ++k) park(k);
}

void BookKernel::revalue(double spot, BookRisk& out) noexcept {
  Arrays& a = *arrays_;
  for (std::size_t b = 0; b < a.bucket_count; ++b) a.sums[b].fill(0.0);
  const SplitLog ln_spot = split_log(spot);
  const TickArgs args{a.phi.get(),
                      a.ln_k_hi.get(),
                      a.drift_lo.get(),
                      a.inv_std_dev.get(),
                      a.std_dev.get(),
                      a.df_q.get(),
                      a.pv_strike.get(),
                      a.gauss_ratio.get(),
                      a.sqrt_t.get(),
                      a.decay.get(),
                      a.t.get(),
                      a.weight.get(),
                      a.bucket.data(),
                      a.chunk_bucket.data(),
                      {a.price.get(), a.delta.get(), a.gamma.get(), a.vega.get(), a.theta.get(),
                       a.rho.get(), a.vanna.get(), a.volga.get()},
                      a.sums.data(),
                      size_,
                      padded_ / kLanes,
                      spot,
                      ln_spot.hi,
                      ln_spot.lo,
                      rate_,
                      dividend_yield_};
  kernel_for(path_)(args);

  double* const outs[kSums] = {a.price.get(), a.delta.get(), a.gamma.get(), a.vega.get(),
                               a.theta.get(), a.rho.get(),   a.vanna.get(), a.volga.get()};
  for (const std::uint32_t k : a.expired) {
    for (double* o : outs) o[k] = 0.0;
  }
  for (std::size_t j = 0; j < a.degenerate.size(); ++j) {
    const std::uint32_t k = a.degenerate[j];
    const pricing::Greeks g = pricing::black_scholes(
        {spot, a.strike[k], rate_, dividend_yield_, a.vol[k], a.degenerate_t[j], a.right[k]});
    const double res[kSums] = {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.vanna, g.volga};
    for (std::size_t s = 0; s < kSums; ++s) {
      outs[s][k] = res[s];
      a.sums[a.bucket[k]][s] += a.units[k] * res[s];
    }
  }

  out.total = PortfolioGreeks{};
  out.bucket_count = a.bucket_count;
  for (std::size_t b = 0; b < a.bucket_count; ++b) {
    const std::array<double, kSums>& s = a.sums[b];
    PortfolioGreeks& g = out.by_expiry[b];
    g.value = s[0];
    g.delta_shares = s[1];
    g.delta_notional = s[1] * spot;
    g.gamma_shares = s[2];
    // A 1% move changes spot by 0.01*S, so delta_notional changes by gamma*S * 0.01*S.
    g.gamma_notional_per_pct = s[2] * spot * spot * 0.01;
    g.vega_per_vol_point = s[3] * 0.01;
    g.theta_per_day = s[4] / 365.0;
    g.rho_per_pct = s[5] * 0.01;
    g.vanna_shares_per_vol_point = s[6] * 0.01;
    g.volga_per_vol_point2 = s[7] * 0.0001;
    out.bucket_expiry_ns[b] = a.bucket_expiry_ns[b];
    out.total.value += g.value;
    out.total.delta_shares += g.delta_shares;
    out.total.gamma_shares += g.gamma_shares;
    out.total.vega_per_vol_point += g.vega_per_vol_point;
    out.total.theta_per_day += g.theta_per_day;
    out.total.rho_per_pct += g.rho_per_pct;
    out.total.vanna_shares_per_vol_point += g.vanna_shares_per_vol_point;
    out.total.volga_per_vol_point2 += g.volga_per_vol_point2;
  }
  out.total.delta_notional = out.total.delta_shares * spot;
  out.total.gamma_notional_per_pct = out.total.gamma_shares * spot * spot * 0.01;
}

}  // namespace hedged::greeks
