// Recovery on start: the journal's records applied to a recovery::JournalState (a snapshot
// replaces it, later records move it on). Runs on the thread that reads the journal.
#pragma once

#include <string>

#include "adapters/journal/record.hpp"
#include "core/engine/recovery.hpp"

namespace hedged::journal {

// Applies one record; returns an error message (empty when fine). Only a snapshot that cannot
// be decoded is an error: records of types recovery does not use are skipped.
[[nodiscard]] std::string apply_record(recovery::JournalState& state, const RecordView& record);

// The bytes a limit change record carries for these limits (what apply_record reads back).
[[nodiscard]] std::span<const std::byte> limits_bytes(const risk::RiskLimits& limits) noexcept;

}  // namespace hedged::journal
