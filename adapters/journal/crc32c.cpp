#include "adapters/journal/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define HEDGED_CRC32C_X86 1
#else
#define HEDGED_CRC32C_X86 0
#endif

namespace hedged::journal {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F6'3B78u;  // 0x1EDC6F41 bit-reflected

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC of byte b followed by
// k zero bytes, so eight table look-ups fold eight input bytes at once (slice-by-8).
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? kPolynomial : 0u);
    t[0][b] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr auto kTables = make_tables();

std::uint32_t load_u32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // little-endian host (the journal format asserts it)
}

#if HEDGED_CRC32C_X86
__attribute__((target("sse4.2"))) std::uint32_t hardware_state(std::uint32_t state,
                                                               const unsigned char* p,
                                                               std::size_t size) noexcept {
  std::uint64_t s = state;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    s = _mm_crc32_u64(s, word);
    p += 8;
    size -= 8;
  }
  auto s32 = static_cast<std::uint32_t>(s);
  while (size > 0) {
    s32 = _mm_crc32_u8(s32, *p++);
    --size;
  }
  return s32;
}
#endif

bool detect_hardware() noexcept {
#if HEDGED_CRC32C_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

}  // namespace

std::uint32_t crc32c_portable_extend(std::uint32_t crc, const void* data,
                                     std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t s = ~crc;
  while (size >= 8) {
    const std::uint32_t lo = load_u32(p) ^ s;
    const std::uint32_t hi = load_u32(p + 4);
    s = kTables[7][lo & 0xFFu] ^ kTables[6][(lo >> 8) & 0xFFu] ^ kTables[5][(lo >> 16) & 0xFFu] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFFu] ^ kTables[2][(hi >> 8) & 0xFFu] ^
        kTables[1][(hi >> 16) & 0xFFu] ^ kTables[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  while (size > 0) {
    s = (s >> 8) ^ kTables[0][(s ^ *p++) & 0xFFu];
    --size;
  }
  return ~s;
}

std::uint32_t crc32c_hardware_extend(std::uint32_t crc, const void* data,
                                     std::size_t size) noexcept {
#if HEDGED_CRC32C_X86
  return ~hardware_state(~crc, static_cast<const unsigned char*>(data), size);
#else
  return crc32c_portable_extend(crc, data, size);
#endif
}

bool crc32c_hardware_supported() noexcept {
  static const bool supported = detect_hardware();
  return supported;
}

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size) noexcept {
  return crc32c_hardware_supported() ? crc32c_hardware_extend(crc, data, size)
                                     : crc32c_portable_extend(crc, data, size);
}

std::uint32_t crc32c(const void* data, std::size_t size) noexcept {
  return crc32c_extend(0, data, size);
}

}  // namespace hedged::journal
