// Two-, four- and eight-lane double-precision exp(-x^2/2), Mills ratio and normal CDF for batch
// pricing kernels. Pure, always-inlined functions of their arguments; safe from any thread.
#pragma once

// The functions pass GCC/Clang generic vectors by value. They are always inlined into one
// caller compiled for one instruction set, so no call ever crosses the vector ABI; a file that
// includes this header and compiles calls for several targets should pass -Wno-psabi, which
// silences only the note that such an ABI exists.

#include <cstdint>
#include <cstring>

namespace hedged::pricing::simd {

// Vec<W>::D holds W doubles, Vec<W>::I W int64 (W = 2, 4, 8: one xmm, ymm or zmm). A kernel
// picks the width its target has natively: wider generic vectors still compile, but GCC then
// lowers comparisons and selects one lane at a time. Spelled out per width because GCC drops a
// vector_size that depends on a template parameter.
template <int W>
struct Vec;
template <>
struct Vec<2> {
  using D = double __attribute__((vector_size(16)));
  using I = std::int64_t __attribute__((vector_size(16)));
};
template <>
struct Vec<4> {
  using D = double __attribute__((vector_size(32)));
  using I = std::int64_t __attribute__((vector_size(32)));
};
template <>
struct Vec<8> {
  using D = double __attribute__((vector_size(64)));
  using I = std::int64_t __attribute__((vector_size(64)));
};

template <class D>
inline constexpr int kWidthOf = static_cast<int>(sizeof(D) / sizeof(double));
template <class D>
using IntOf = typename Vec<kWidthOf<D>>::I;

// Reinterprets the bits of one vector as another of the same size. memcpy rather than
// std::bit_cast: GCC 12's UBSan reports a bogus null load for a bit_cast of a vector inside a
// function compiled for another target.
template <class To, class From>
[[gnu::always_inline]] inline To bits_as(From v) noexcept {
  static_assert(sizeof(To) == sizeof(From));
  To r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

#define HEDGED_SIMD_INLINE \
  template <class D>       \
  [[gnu::always_inline]] inline

HEDGED_SIMD_INLINE D load(const double* p) noexcept {
  D v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

HEDGED_SIMD_INLINE void store(double* p, D v) noexcept {
  std::memcpy(p, &v, sizeof v);
}

HEDGED_SIMD_INLINE D splat(double x) noexcept {
  return D{} + x;
}

HEDGED_SIMD_INLINE D abs(D x) noexcept {
  return bits_as<D>(bits_as<IntOf<D>>(x) & INT64_MAX);
}

HEDGED_SIMD_INLINE D min(D a, D b) noexcept {
  return a < b ? a : b;
}

HEDGED_SIMD_INLINE double lane_sum(D v) noexcept {
  double s = 0.0;
  for (int i = 0; i < kWidthOf<D>; ++i) s += v[i];
  return s;
}

namespace detail {

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11 (kLn2Hi has 42 significant bits).
inline constexpr double kLn2Hi = 0.6931471805598903;
inline constexpr double kLn2Lo = 5.497923018708371e-14;
inline constexpr double kLog2E = 1.4426950408889634;
// Adding 1.5 * 2^52 rounds a double below 2^51 in magnitude to an integer, left in the low
// mantissa bits, where integer arithmetic can read it without a float-to-int64 instruction
// (AVX2 and plain AVX-512F have none).
inline constexpr double kRoundMagic = 6755399441055744.0;

// 2^k for integer-valued k in [-1022, 1023], k given as (bits of k + kRoundMagic) - bits of
// kRoundMagic.
template <class D>
[[gnu::always_inline]] inline D pow2(IntOf<D> k) noexcept {
  return bits_as<D>((k + 1023) << 52);
}

// e^r on |r| <= ln2/2 + 1e-4: the Taylor series to r^13, whose truncation error is below
// 5e-18 relative there.
HEDGED_SIMD_INLINE D exp_reduced(D r) noexcept {
  D p = splat<D>(1.0 / 6227020800.0);
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  return p * r + 1.0;
}

}  // namespace detail

// e^{-x^2/2} for 0 <= x <= 40 to within 2 ulp of the exact value at x (subnormal results
// beyond x ~ 37.6 keep their absolute accuracy). x^2 is formed exactly: rounding it would
// cost x^2 * 2^-54 relative, ~40 ulp at x = 9, because exp turns absolute error into
// relative error.
HEDGED_SIMD_INLINE D exp_neg_half_square(D x) noexcept {
  using namespace detail;
  // x = hi + lo with hi holding the top 26 significant bits: hi*hi and hi*lo are then exact.
  using I = IntOf<D>;
  const D hi = bits_as<D>(bits_as<I>(x) & ~((std::int64_t{1} << 27) - 1));
  const D lo = x - hi;
  const D y_hi = -0.5 * (hi * hi);
  const D y_lo = -(hi * lo + 0.5 * (lo * lo));
  // y_hi + y_lo = -x^2/2 in [-800, 0]; reduce by k ln2 with k in [-1155, 0].
  const D shifted = y_hi * kLog2E + kRoundMagic;
  const D k = shifted - kRoundMagic;
  const D r = ((y_hi - k * kLn2Hi) - k * kLn2Lo) + y_lo;
  // 2^k may be below the smallest normal; applying it in two halves keeps both factors
  // normal, so the result degrades gradually into the subnormals instead of flushing.
  const D half_shifted = k * 0.5 + kRoundMagic;
  const I magic_bits = bits_as<I>(splat<D>(kRoundMagic));
  const I k_all = bits_as<I>(shifted) - magic_bits;
  const I k_half = bits_as<I>(half_shifted) - magic_bits;
  return exp_reduced(r) * pow2<D>(k_half) * pow2<D>(k_all - k_half);
}

// Mills ratio M(x) = (1 - N(x)) / n(x) for 0 <= x <= 40, as one rational function
// P10(x) / Q11(x) fitted for this header (weighted least squares on the relative error,
// iterated to near-minimax): 1.3e-18 relative in exact arithmetic. Every coefficient is
// positive, so Horner's rule evaluates it without cancellation; the rounding of 23 terms
// leaves up to ~10 ulp (1.2e-15 relative) in double.
HEDGED_SIMD_INLINE D mills_ratio(D x) noexcept {
  D p = splat<D>(5.854002873688889e-07);
  p = p * x + 1.8099736467156953e-05;
  p = p * x + 0.00027504543537708586;
  p = p * x + 0.002670955376055311;
  p = p * x + 0.018222866469600408;
  p = p * x + 0.09090900815539811;
  p = p * x + 0.33538617106680174;
  p = p * x + 0.9046486000916195;
  p = p * x + 1.715024073951302;
  p = p * x + 2.0826244354597376;
  p = p * x + 1.2533141373155003;
  D q = splat<D>(5.85400287368795e-07);
  q = q * x + 1.8099736467179454e-05;
  q = q * x + 0.0002756308356619972;
  q = q * x + 0.002689055112685582;
  q = q * x + 0.018496741096996297;
  q = q * x + 0.09354376430426403;
  q = q * x + 0.35306479445101224;
  q = q * x + 0.9903968184597622;
  q = q * x + 2.0166696735082836;
  q = q * x + 2.830850896408087;
  q = q * x + 2.459578443806974;
  q = q * x + 1.0;
  return p / q;
}

inline constexpr double kInvSqrt2Pi = 0.3989422804014327;
// Beyond 40 standard deviations N is exactly 0 or 1 and n exactly 0 in double.
inline constexpr double kTailClamp = 40.0;

// N(z) given g = e^{-z^2/2} (computed by the caller, who usually needs the density too):
// the tail below -|z| is n(|z|) M(|z|) with full relative accuracy; above it 1 - tail.
HEDGED_SIMD_INLINE D norm_cdf_from_gauss(D z, D g) noexcept {
  const D tail = (kInvSqrt2Pi * g) * mills_ratio(min(abs(z), splat<D>(kTailClamp)));
  return z <= 0.0 ? tail : 1.0 - tail;
}

HEDGED_SIMD_INLINE D norm_cdf(D z) noexcept {
  return norm_cdf_from_gauss(z, exp_neg_half_square(min(abs(z), splat<D>(kTailClamp))));
}

HEDGED_SIMD_INLINE D norm_pdf(D z) noexcept {
  return kInvSqrt2Pi * exp_neg_half_square(min(abs(z), splat<D>(kTailClamp)));
}

#undef HEDGED_SIMD_INLINE

}  // namespace hedged::pricing::simd
