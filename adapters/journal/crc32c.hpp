// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and LevelDB.
// Pure functions; any thread may call them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hedged::journal {

// The CRC32C of `size` bytes. Picks the SSE4.2 crc32 instruction when the CPU has it (checked
// once), otherwise the table-driven slice-by-8 code; both give the same value.
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t size) noexcept;

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a followed by b).
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, const void* data,
                                          std::size_t size) noexcept;

// The two implementations, for tests and benchmarks. crc32c_hardware_extend must be called only
// when crc32c_hardware_supported() is true.
[[nodiscard]] std::uint32_t crc32c_portable_extend(std::uint32_t crc, const void* data,
                                                   std::size_t size) noexcept;
[[nodiscard]] std::uint32_t crc32c_hardware_extend(std::uint32_t crc, const void* data,
                                                   std::size_t size) noexcept;
[[nodiscard]] bool crc32c_hardware_supported() noexcept;

}  // namespace hedged::journal
