// The journal adapter: append-only, checksummed, fsync'd records of orders, fills, limits,
// state changes and snapshots, and their recovery on start. Include this header for all of it:
//   record.hpp         the on-disk format and the payload types,
//   writer.hpp         JournalWriter (one owning thread: the journal agent),
//   reader.hpp         read_journal / JournalReader / verify (start-up, `hedged journal`),
//   segment_files.hpp  segment file names and the POSIX helpers both sides use,
//   crc32c.hpp         the checksum.
#pragma once

#include "adapters/journal/crc32c.hpp"
#include "adapters/journal/reader.hpp"
#include "adapters/journal/record.hpp"
#include "adapters/journal/segment_files.hpp"
#include "adapters/journal/writer.hpp"
