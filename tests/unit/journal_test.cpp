// Unit tests for the journal (adapters/journal): CRC32C vectors on both code paths, round trips of
// every record type, group commit, segment rotation, torn tails, corruption, sequence gaps and
// write failures. Real files in a temporary directory, real fsync.
#include "adapters/journal/journal.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace hedged::journal {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hedged-journal-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct OwnedRecord {
  RecordType type = RecordType::kSegmentHeader;
  std::uint64_t sequence = 0;
  TimeNs time_ns = 0;
  std::vector<std::byte> payload;
};

struct ReadBack {
  ReadResult result;
  std::vector<OwnedRecord> records;
};

ReadBack read_back(const fs::path& dir) {
  ReadBack out;
  out.result = read_journal(dir, [&out](const RecordView& r) {
    out.records.push_back({r.type, r.sequence, r.time_ns, {r.payload.begin(), r.payload.end()}});
  });
  return out;
}

template <class T>
std::vector<std::byte> bytes_of(const T& value) {
  const auto bytes = std::as_bytes(std::span(&value, 1));
  return {bytes.begin(), bytes.end()};
}

// Field-wise: a POD's padding bytes are not part of its value.
void expect_exec(const OwnedRecord& record, const ExecReportEvent& want) {
  ASSERT_EQ(record.type, RecordType::kExecReport);
  ASSERT_EQ(record.payload.size(), sizeof(ExecReportEvent));
  ExecReportEvent got;
  std::memcpy(&got, record.payload.data(), sizeof got);
  EXPECT_EQ(got.cl_ord_id, want.cl_ord_id);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.last_qty, want.last_qty);
  EXPECT_EQ(got.last_px, want.last_px);
  EXPECT_EQ(got.cum_qty, want.cum_qty);
  EXPECT_EQ(got.leaves_qty, want.leaves_qty);
  EXPECT_EQ(got.received_ns, want.received_ns);
  EXPECT_STREQ(got.exec_id.c_str(), want.exec_id.c_str());
  EXPECT_STREQ(got.text.c_str(), want.text.c_str());
}

std::vector<std::byte> file_bytes(const fs::path& path) {
  return read_file_bytes(path);
}

void write_file(const fs::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good());
}

NewChildOrder make_new_order(std::uint64_t i) {
  NewChildOrder o;
  o.cl_ord_id = 1000 + i;
  o.instrument = static_cast<InstrumentId>(i % 7);
  o.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
  o.qty = static_cast<std::int64_t>(100 + i);
  o.price_ticks = static_cast<std::int64_t>(10'000 + i);
  o.price = 100.0 + 0.01 * static_cast<double>(i);
  o.quote_source_ns = static_cast<TimeNs>(1'700'000'000'000'000'000 + i);
  o.decision_ns = o.quote_source_ns + 1500;
  return o;
}

CancelOrder make_cancel(std::uint64_t i) {
  CancelOrder c;
  c.cl_ord_id = 2000 + i;
  c.orig_cl_ord_id = 1000 + i;
  c.instrument = static_cast<InstrumentId>(i % 5);
  c.side = Side::kSell;
  c.qty = static_cast<std::int64_t>(7 * i);
  return c;
}

ReplaceOrder make_replace(std::uint64_t i) {
  ReplaceOrder r;
  r.cl_ord_id = 3000 + i;
  r.orig_cl_ord_id = 1000 + i;
  r.instrument = 3;
  r.side = Side::kBuy;
  r.qty = static_cast<std::int64_t>(50 + i);
  r.price_ticks = static_cast<std::int64_t>(9'990 + i);
  r.price = 99.9 + 0.01 * static_cast<double>(i);
  return r;
}

ExecReportEvent make_exec(std::uint64_t i) {
  ExecReportEvent e;
  e.cl_ord_id = 1000 + i;
  e.kind = i % 3 == 0 ? ExecKind::kNew : ExecKind::kTrade;
  e.status = i % 3 == 0 ? OrdStatus::kNew : OrdStatus::kPartiallyFilled;
  e.last_qty = static_cast<std::int64_t>(i % 3 == 0 ? 0 : 10 + i);
  e.last_px = 100.25 + static_cast<double>(i);
  e.cum_qty = e.last_qty;
  e.leaves_qty = 90;
  e.received_ns = static_cast<TimeNs>(1'700'000'000'000'000'000 + 3 * i);
  e.exec_id.assign(("EX-" + std::to_string(i)).c_str());
  e.text.assign("fill from the venue");
  return e;
}

OptionTradeEvent make_option_trade(std::uint64_t i) {
  OptionTradeEvent t;
  t.instrument = static_cast<InstrumentId>(10 + i % 4);
  t.qty = i % 2 == 0 ? 5 : -3;
  t.price = 2.35 + static_cast<double>(i);
  t.received_ns = static_cast<TimeNs>(1'700'000'000'000'000'000 + 5 * i);
  t.exec_id.assign(("DC-" + std::to_string(i)).c_str());
  return t;
}

StateNotice make_state(std::uint64_t i) {
  StateNotice s;
  s.underlying = i % 2 == 0 ? kBookScope : static_cast<std::uint32_t>(i % 3);
  s.from = TradingState::kActive;
  s.to = i % 2 == 0 ? TradingState::kHalted : TradingState::kReducing;
  s.cause.assign(("delta hard limit breached #" + std::to_string(i)).c_str());
  return s;
}

HedgeDecision make_decision(std::uint64_t i) {
  HedgeDecision d;
  d.underlying = static_cast<std::uint32_t>(i % 3);
  d.cl_ord_id = 1000 + i;
  d.side = Side::kSell;
  d.qty = static_cast<std::int64_t>(200 + i);
  d.price = 101.5;
  d.spot = 101.52;
  d.portfolio_delta_shares = 1234.5 + static_cast<double>(i);
  d.hedge_position = -static_cast<std::int64_t>(i);
  d.working_qty = 0;
  d.band_delta_shares = 500.0;
  return d;
}

SessionSequences make_sequences(std::uint64_t i) {
  return {100 + i, 200 + 2 * i};
}

PnlDayOpen make_day_open(std::uint64_t i) {
  return {static_cast<std::uint32_t>(i % 3), 20'000 + static_cast<std::int64_t>(i),
          1e6 + static_cast<double>(i), -2.5 * static_cast<double>(i)};
}

FillRepriced make_repriced(std::uint64_t i) {
  FillRepriced f;
  f.instrument = static_cast<InstrumentId>(i % 5);
  f.cl_ord_id = 500 + i;
  f.qty = static_cast<std::int64_t>(i) - 20;
  f.reported_px = 1e9;
  f.used_px = 100.0 + static_cast<double>(i);
  f.exec_id.assign(("X" + std::to_string(i)).c_str());
  return f;
}

std::vector<std::byte> make_blob(std::uint64_t i, std::size_t size) {
  std::vector<std::byte> blob(size);
  for (std::size_t k = 0; k < size; ++k) blob[k] = static_cast<std::byte>((i * 31 + k * 7) & 0xFF);
  return blob;
}

constexpr TimeNs kT0 = 1'700'000'000'000'000'000;

WriterOptions small_segments(std::size_t segment_size) {
  WriterOptions options;
  options.segment_size_bytes = segment_size;
  return options;
}

// Appends `count` ExecReportEvents (sizeof ~ 200 bytes) at kT0 + i ms and commits.
void write_exec_reports(const fs::path& dir, std::uint64_t count, WriterOptions options = {},
                        std::uint64_t first_sequence = 1) {
  JournalWriter writer(dir, options, first_sequence);
  for (std::uint64_t i = 0; i < count; ++i) {
    writer.append(kT0 + static_cast<TimeNs>(i) * kNanosPerMilli, make_exec(first_sequence + i));
  }
  writer.close();
}

// A crash, unlike the close() that wrote the records above, leaves no high-water mark at the
// end: the tests that cut written records into a torn tail model a crash, so they drop it.
void forget_close_mark(const fs::path& dir) {
  fs::remove(dir / kHighWaterMarkFile);
}

// Offset of each data record in a segment (after its header).
std::vector<std::size_t> record_offsets(std::span<const std::byte> segment) {
  std::vector<std::size_t> offsets;
  std::size_t pos = 0;
  bool header = true;
  while (pos < segment.size()) {
    const ParsedRecord parsed = parse_record(segment.subspan(pos));
    if (parsed.status != ParseStatus::kOk) break;
    if (!header) offsets.push_back(pos);
    header = false;
    pos += parsed.size;
  }
  return offsets;
}

// --- CRC32C ------------------------------------------------------------------------------------

struct CrcPath {
  const char* name;
  std::uint32_t (*extend)(std::uint32_t, const void*, std::size_t);
};

std::vector<CrcPath> crc_paths() {
  std::vector<CrcPath> paths = {{"table", &crc32c_portable_extend}};
  if (crc32c_hardware_supported()) paths.push_back({"sse4.2", &crc32c_hardware_extend});
  return paths;
}

TEST(Crc32c, matches_the_published_check_value_on_every_path) {
  const char* text = "123456789";
  for (const CrcPath& path : crc_paths()) {
    EXPECT_EQ(path.extend(0, text, 9), 0xE3069283u) << path.name;
  }
  EXPECT_EQ(crc32c(text, 9), 0xE3069283u);
}

TEST(Crc32c, matches_the_rfc3720_test_vectors_on_every_path) {
  std::array<unsigned char, 32> zeros{};
  std::array<unsigned char, 32> ones{};
  std::array<unsigned char, 32> ascending{};
  std::array<unsigned char, 32> descending{};
  ones.fill(0xFF);
  for (int i = 0; i < 32; ++i) {
    ascending[static_cast<std::size_t>(i)] = static_cast<unsigned char>(i);
    descending[static_cast<std::size_t>(i)] = static_cast<unsigned char>(31 - i);
  }
  for (const CrcPath& path : crc_paths()) {
    EXPECT_EQ(path.extend(0, zeros.data(), 32), 0x8A9136AAu) << path.name;
    EXPECT_EQ(path.extend(0, ones.data(), 32), 0x62A8AB43u) << path.name;
    EXPECT_EQ(path.extend(0, ascending.data(), 32), 0x46DD794Eu) << path.name;
    EXPECT_EQ(path.extend(0, descending.data(), 32), 0x113FDB5Cu) << path.name;
  }
}

TEST(Crc32c, hardware_path_is_selected_on_x86_64_with_sse42) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  EXPECT_EQ(crc32c_hardware_supported(), __builtin_cpu_supports("sse4.2") != 0);
#else
  EXPECT_FALSE(crc32c_hardware_supported());
#endif
}

TEST(Crc32c, paths_agree_on_every_length_alignment_and_split) {
  std::mt19937_64 rng(7);
  std::vector<unsigned char> data(1024 + 8);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length <= 300; ++length) {
      const std::uint32_t table = crc32c_portable_extend(0, data.data() + offset, length);
      if (crc32c_hardware_supported()) {
        ASSERT_EQ(crc32c_hardware_extend(0, data.data() + offset, length), table)
            << offset << " " << length;
      }
      ASSERT_EQ(crc32c(data.data() + offset, length), table);
      const std::size_t cut = length / 3;
      ASSERT_EQ(crc32c_extend(crc32c(data.data() + offset, cut), data.data() + offset + cut,
                              length - cut),
                table);
    }
  }
}

// --- Names -------------------------------------------------------------------------------------

TEST(SegmentFiles, names_carry_the_first_sequence_in_twenty_digits) {
  EXPECT_EQ(segment_file_name(42), "journal-00000000000000000042.log");
  EXPECT_EQ(parse_segment_file_name("journal-00000000000000000042.log"), 42u);
  EXPECT_EQ(parse_segment_file_name("journal-18446744073709551615.log"), 18446744073709551615u);
  EXPECT_FALSE(parse_segment_file_name("journal-0000000000000000042.log"));
  EXPECT_FALSE(parse_segment_file_name("journal-0000000000000000004x.log"));
  EXPECT_FALSE(parse_segment_file_name("journal-00000000000000000042.tmp"));
  EXPECT_FALSE(parse_segment_file_name("journal-99999999999999999999.log"));  // > 2^64 - 1
}

// --- Round trip --------------------------------------------------------------------------------

TEST(Journal, reads_back_every_record_type_identical) {
  TempDir dir;
  constexpr std::uint64_t kPerType = 40;
  constexpr std::uint64_t kPerRound = 13;  // records written per round below, one of each type
  std::vector<OwnedRecord> expected;
  {
    JournalWriter writer(dir.path(), {}, 1);
    TimeNs t = kT0;
    // Each value is appended and its bytes remembered from the same object (padding included).
    const auto put = [&](const auto& value) {
      using T = std::decay_t<decltype(value)>;
      const std::uint64_t sequence = writer.append(t, value);
      EXPECT_EQ(sequence, expected.size() + 1);  // numbered 1, 2, 3, ...
      expected.push_back({*kRecordTypeOf<T>, sequence, t, bytes_of(value)});
      t += 1000;
    };
    const auto add = [&](RecordType type, std::uint64_t sequence, std::vector<std::byte> bytes) {
      EXPECT_EQ(sequence, expected.size() + 1);
      expected.push_back({type, sequence, t, std::move(bytes)});
      t += 1000;
    };
    for (std::uint64_t i = 0; i < kPerType; ++i) {
      put(make_new_order(i));
      put(make_cancel(i));
      put(make_replace(i));
      put(make_exec(i));
      put(make_option_trade(i));
      put(make_state(i));
      put(make_decision(i));
      put(make_sequences(i));
      put(make_day_open(i));
      put(make_repriced(i));

      const std::uint64_t version = 7 + i;
      const std::vector<std::byte> limits = make_blob(i, 16 * i);  // 0 bytes for i == 0
      std::vector<std::byte> limit_payload = bytes_of(version);
      limit_payload.insert(limit_payload.end(), limits.begin(), limits.end());
      add(RecordType::kLimitChange, writer.append_limit_change(t, version, limits), limit_payload);

      const std::vector<std::byte> snapshot = make_blob(i + 1000, 1 + 97 * i);
      add(RecordType::kSnapshot, writer.append_snapshot(t, snapshot), snapshot);
      const std::vector<std::byte> book = make_blob(i + 2000, 12 + 16 * i);
      add(RecordType::kStartBook, writer.append(RecordType::kStartBook, t, book), book);
      if (i % 10 == 9) writer.flush_and_sync();
    }
    writer.close();
    EXPECT_EQ(writer.durable_sequence(), expected.size());
    EXPECT_EQ(writer.stats().records, expected.size());
    EXPECT_EQ(writer.stats().commits, 4u);
    EXPECT_EQ(writer.stats().segments_created, 1u);
  }

  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kClean) << back.result.error;
  EXPECT_TRUE(back.result.error.empty());
  EXPECT_EQ(back.result.segments, 1u);
  EXPECT_EQ(back.result.records, expected.size());
  EXPECT_EQ(back.result.first_sequence, 1u);
  EXPECT_EQ(back.result.last_sequence, expected.size());
  EXPECT_EQ(back.result.next_sequence, expected.size() + 1);
  ASSERT_EQ(back.records.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(back.records[k].type, expected[k].type) << k;
    EXPECT_EQ(back.records[k].sequence, expected[k].sequence) << k;
    EXPECT_EQ(back.records[k].time_ns, expected[k].time_ns) << k;
    EXPECT_EQ(back.records[k].payload, expected[k].payload) << k;
  }

  // Typed decoding gives the fields back, and refuses the wrong type.
  std::uint64_t checked = 0;
  (void)read_journal(dir.path(), [&checked](const RecordView& r) {
    if (const auto order = decode<NewChildOrder>(r)) {
      const NewChildOrder want = make_new_order((r.sequence - 1) / kPerRound);
      EXPECT_EQ(order->cl_ord_id, want.cl_ord_id);
      EXPECT_EQ(order->qty, want.qty);
      EXPECT_EQ(order->price, want.price);
      EXPECT_EQ(order->decision_ns, want.decision_ns);
      EXPECT_FALSE(decode<CancelOrder>(r));
      ++checked;
    } else if (const auto exec = decode<ExecReportEvent>(r)) {
      const ExecReportEvent want = make_exec((r.sequence - 1) / kPerRound);
      EXPECT_STREQ(exec->exec_id.c_str(), want.exec_id.c_str());
      EXPECT_EQ(exec->last_qty, want.last_qty);
      EXPECT_EQ(exec->kind, want.kind);
      ++checked;
    } else if (const auto state = decode<StateNotice>(r)) {
      EXPECT_STREQ(state->cause.c_str(), make_state((r.sequence - 1) / kPerRound).cause.c_str());
      ++checked;
    } else if (const auto limits = decode_limit_change(r)) {
      const std::uint64_t i = (r.sequence - 1) / kPerRound;
      EXPECT_EQ(limits->version, 7 + i);
      EXPECT_EQ(limits->bytes.size(), 16 * i);
      ++checked;
    } else if (const auto seqs = decode<SessionSequences>(r)) {
      EXPECT_EQ(seqs->next_target_seq, 200 + 2 * ((r.sequence - 1) / kPerRound));
      ++checked;
    } else if (const auto open = decode<PnlDayOpen>(r)) {
      const PnlDayOpen want = make_day_open((r.sequence - 1) / kPerRound);
      EXPECT_EQ(open->day, want.day);
      EXPECT_EQ(open->open_value, want.open_value);
      ++checked;
    } else if (const auto repriced = decode<FillRepriced>(r)) {
      const FillRepriced want = make_repriced((r.sequence - 1) / kPerRound);
      EXPECT_EQ(repriced->qty, want.qty);
      EXPECT_EQ(repriced->used_px, want.used_px);
      EXPECT_STREQ(repriced->exec_id.c_str(), want.exec_id.c_str());
      ++checked;
    }
  });
  EXPECT_EQ(checked, 7 * kPerType);

  const JournalSummary summary = verify(dir.path());
  EXPECT_EQ(summary.result.status, ReadStatus::kClean);
  for (std::size_t t = 2; t < kRecordTypeCount; ++t) {
    EXPECT_EQ(summary.records_by_type[t], kPerType) << to_string(static_cast<RecordType>(t));
  }
  EXPECT_EQ(summary.records_by_type[1], 0u);  // segment headers are not data records
  EXPECT_EQ(summary.result.bytes, fs::file_size(dir.path() / segment_file_name(1)));
  EXPECT_NE(describe(summary).find("status: clean"), std::string::npos);
}

TEST(Journal, segment_begins_with_a_header_carrying_version_layout_and_first_record_time) {
  TempDir dir;
  write_exec_reports(dir.path(), 3);
  const std::vector<std::byte> bytes = file_bytes(dir.path() / segment_file_name(1));
  const ParsedRecord head = parse_record(bytes);
  ASSERT_EQ(head.status, ParseStatus::kOk);
  EXPECT_EQ(head.record.type, RecordType::kSegmentHeader);
  EXPECT_EQ(head.record.sequence, 1u);
  SegmentHeader header;
  ASSERT_EQ(head.record.payload.size(), sizeof header);
  std::memcpy(&header, head.record.payload.data(), sizeof header);
  EXPECT_EQ(header.format_version, kFormatVersion);
  EXPECT_EQ(header.layout_fingerprint, kLayoutFingerprint);
  EXPECT_EQ(header.first_sequence, 1u);
  EXPECT_EQ(header.created_ns, kT0);
  EXPECT_EQ(std::memcmp(bytes.data(), "HJRN", 4), 0);
  EXPECT_EQ(bytes.size(),
            record_size(sizeof(SegmentHeader)) + 3 * record_size(sizeof(ExecReportEvent)));
}

TEST(Journal, empty_or_missing_directory_reads_clean_with_no_records) {
  TempDir dir;
  const ReadBack empty = read_back(dir.path());
  EXPECT_EQ(empty.result.status, ReadStatus::kClean);
  EXPECT_EQ(empty.result.records, 0u);
  EXPECT_EQ(empty.result.segments, 0u);
  EXPECT_EQ(empty.result.next_sequence, 1u);
  EXPECT_TRUE(empty.records.empty());
  const ReadBack missing = read_back(dir.path() / "not-there");
  EXPECT_EQ(missing.result.status, ReadStatus::kClean);
  EXPECT_EQ(missing.result.records, 0u);

  // A writer that commits nothing leaves no segment behind.
  {
    JournalWriter writer(dir.path() / "new" / "journal", {}, 1);
    EXPECT_EQ(writer.flush_and_sync().count(), 0);
    writer.close();
    EXPECT_EQ(writer.stats().commits, 0u);
  }
  EXPECT_TRUE(fs::is_directory(dir.path() / "new" / "journal"));
  EXPECT_TRUE(list_segments(dir.path() / "new" / "journal").empty());
}

// --- Group commit ------------------------------------------------------------------------------

TEST(Journal, poll_commits_once_the_interval_has_passed_since_it_saw_a_record) {
  TempDir dir;
  WriterOptions options;
  options.commit_interval = milliseconds(5);
  JournalWriter writer(dir.path(), options, 1);
  const TimeNs now = kT0;
  EXPECT_FALSE(writer.poll(now));  // nothing pending
  writer.append(now, make_exec(1));
  writer.append(now, make_exec(2));
  EXPECT_EQ(writer.pending_records(), 2u);
  EXPECT_FALSE(writer.poll(now));  // starts the interval
  EXPECT_FALSE(writer.poll(now + 4'999'999));
  EXPECT_EQ(writer.durable_sequence(), 0u);
  EXPECT_EQ(read_back(dir.path()).result.records, 0u);  // nothing on disk yet

  EXPECT_TRUE(writer.poll(now + 5'000'000));
  EXPECT_EQ(writer.durable_sequence(), 2u);
  EXPECT_EQ(writer.pending_records(), 0u);
  EXPECT_EQ(writer.pending_bytes(), 0u);
  EXPECT_EQ(writer.stats().commits, 1u);
  EXPECT_EQ(writer.stats().fsync.count, 1u);
  const ReadBack on_disk = read_back(dir.path());  // visible while the writer is open
  EXPECT_EQ(on_disk.result.status, ReadStatus::kClean);
  EXPECT_EQ(on_disk.result.records, 2u);

  // The next interval starts at the poll that first sees the next record.
  EXPECT_FALSE(writer.poll(now + 20'000'000));
  writer.append(now + 20'000'000, make_exec(3));
  EXPECT_FALSE(writer.poll(now + 21'000'000));
  EXPECT_FALSE(writer.poll(now + 25'999'999));
  EXPECT_TRUE(writer.poll(now + 26'000'000));
  EXPECT_EQ(writer.durable_sequence(), 3u);
  EXPECT_EQ(writer.stats().commits, 2u);
}

TEST(Journal, poll_commits_at_once_when_the_buffer_passes_the_threshold) {
  TempDir dir;
  WriterOptions options;
  options.commit_interval = std::chrono::seconds(10);
  options.commit_threshold_bytes = 1000;
  JournalWriter writer(dir.path(), options, 1);
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  std::uint64_t appended = 0;
  while (writer.pending_bytes() + record < 1000) {
    writer.append(kT0, make_exec(appended++));
    EXPECT_FALSE(writer.poll(kT0));
  }
  writer.append(kT0, make_exec(appended++));
  EXPECT_GE(writer.pending_bytes(), 1000u);
  EXPECT_TRUE(writer.poll(kT0));
  EXPECT_EQ(writer.durable_sequence(), appended);
  EXPECT_EQ(writer.stats().commits, 1u);
}

TEST(Journal, zero_interval_commits_on_every_poll_and_reports_the_sync_time) {
  TempDir dir;
  WriterOptions options;
  options.commit_interval = std::chrono::nanoseconds(0);
  JournalWriter writer(dir.path(), options, 1);
  for (std::uint64_t i = 0; i < 3; ++i) {
    writer.append(kT0, make_exec(i));
    EXPECT_TRUE(writer.poll(kT0));
    EXPECT_EQ(writer.durable_sequence(), i + 1);
  }
  writer.append(kT0, make_exec(9));
  EXPECT_GT(writer.flush_and_sync().count(), 0);
  const WriterStats& stats = writer.stats();
  EXPECT_EQ(stats.commits, 4u);
  EXPECT_EQ(stats.fsync.count, 4u);
  EXPECT_GT(stats.fsync.sum_seconds, 0.0);
  std::uint64_t bucketed = 0;
  for (const std::uint64_t c : stats.fsync.counts) bucketed += c;
  EXPECT_EQ(bucketed, 4u);
  EXPECT_EQ(stats.bytes_written, stats.bytes);
  EXPECT_EQ(stats.errors, 0u);
}

// --- Rotation ----------------------------------------------------------------------------------

TEST(Journal, rotates_segments_and_a_new_writer_continues_the_sequence) {
  TempDir dir;
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  const std::size_t header = record_size(sizeof(SegmentHeader));
  const WriterOptions options = small_segments(header + 4 * record);  // four records a segment
  {
    JournalWriter writer(dir.path(), options, 1);
    for (std::uint64_t i = 1; i <= 30; ++i) {
      writer.append(kT0 + static_cast<TimeNs>(i), make_exec(i));
      if (i % 7 == 0) writer.flush_and_sync();  // commits that span several segments
    }
    writer.close();
    EXPECT_EQ(writer.stats().segments_created, 8u);
  }
  std::vector<SegmentFile> segments = list_segments(dir.path());
  ASSERT_EQ(segments.size(), 8u);  // 30 records, four a segment
  for (std::size_t s = 0; s < segments.size(); ++s) {
    EXPECT_EQ(segments[s].first_sequence, 1 + 4 * s);
    EXPECT_EQ(segments[s].path.filename(), segment_file_name(1 + 4 * s));
    EXPECT_LE(fs::file_size(segments[s].path), options.segment_size_bytes);
  }

  ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kClean) << back.result.error;
  EXPECT_EQ(back.result.segments, 8u);
  ASSERT_EQ(back.records.size(), 30u);
  for (std::size_t k = 0; k < back.records.size(); ++k) {
    EXPECT_EQ(back.records[k].sequence, k + 1);
    expect_exec(back.records[k], make_exec(k + 1));
  }

  // A new writer fills the last segment (two records in it) and rotates after it.
  {
    JournalWriter writer(dir.path(), options, back.result.next_sequence);
    EXPECT_EQ(writer.current_segment().filename(), segment_file_name(29));
    for (std::uint64_t i = 31; i <= 40; ++i) writer.append(kT0, make_exec(i));
    writer.close();
    EXPECT_EQ(writer.durable_sequence(), 40u);
    EXPECT_EQ(writer.stats().segments_created, 2u);
  }
  back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kClean) << back.result.error;
  EXPECT_EQ(back.result.segments, 10u);
  ASSERT_EQ(back.records.size(), 40u);
  for (std::size_t k = 0; k < back.records.size(); ++k) {
    EXPECT_EQ(back.records[k].sequence, k + 1);
  }
  EXPECT_EQ(list_segments(dir.path()).back().first_sequence, 37u);
}

TEST(Journal, a_record_larger_than_the_segment_size_gets_a_segment_of_its_own) {
  TempDir dir;
  const WriterOptions options = small_segments(1024);
  const std::vector<std::byte> big = make_blob(5, 10'000);
  {
    JournalWriter writer(dir.path(), options, 1);
    writer.append(kT0, make_exec(1));
    writer.append_snapshot(kT0, big);
    writer.append(kT0, make_exec(3));
    writer.close();
  }
  const std::vector<SegmentFile> segments = list_segments(dir.path());
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[1].first_sequence, 2u);
  EXPECT_EQ(fs::file_size(segments[1].path),
            record_size(sizeof(SegmentHeader)) + record_size(big.size()));
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kClean) << back.result.error;
  ASSERT_EQ(back.records.size(), 3u);
  EXPECT_EQ(back.records[1].type, RecordType::kSnapshot);
  EXPECT_EQ(back.records[1].payload, big);

  // Even as the very first record of a journal.
  TempDir other;
  {
    JournalWriter writer(other.path(), options, 1);
    writer.append_snapshot(kT0, big);
    writer.close();
  }
  EXPECT_EQ(read_back(other.path()).records.at(0).payload, big);
}

TEST(Journal, a_journal_may_start_at_any_sequence) {
  TempDir dir;
  write_exec_reports(dir.path(), 5, {}, 1'000'000);
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kClean);
  EXPECT_EQ(back.result.first_sequence, 1'000'000u);
  EXPECT_EQ(back.result.last_sequence, 1'000'004u);
  EXPECT_EQ(list_segments(dir.path()).at(0).path.filename(), "journal-00000000000001000000.log");
}

// --- Torn tails --------------------------------------------------------------------------------

TEST(Journal, every_cut_of_the_last_record_is_a_torn_tail_that_recovery_truncates) {
  TempDir dir;
  constexpr std::uint64_t kRecords = 6;
  write_exec_reports(dir.path(), kRecords);
  forget_close_mark(dir.path());
  const fs::path segment = dir.path() / segment_file_name(1);
  const std::vector<std::byte> pristine = file_bytes(segment);
  const std::size_t last = record_offsets(pristine).back();
  const std::size_t length = pristine.size() - last;
  ASSERT_EQ(length, record_size(sizeof(ExecReportEvent)));

  for (std::size_t cut = 1; cut < length; ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    write_file(segment, std::span(pristine).first(pristine.size() - cut));

    ReadBack torn = read_back(dir.path());
    ASSERT_EQ(torn.result.status, ReadStatus::kTornTail) << torn.result.error;
    EXPECT_TRUE(torn.result.ok());
    EXPECT_EQ(torn.result.segment, segment);
    EXPECT_EQ(torn.result.offset, last);
    EXPECT_NE(torn.result.error.find(segment.string()), std::string::npos);
    EXPECT_NE(torn.result.error.find("offset " + std::to_string(last)), std::string::npos);
    EXPECT_EQ(torn.records.size(), kRecords - 1);
    EXPECT_EQ(torn.result.next_sequence, kRecords);

    // The writer refuses to append after a torn tail.
    EXPECT_THROW(JournalWriter(dir.path(), {}, kRecords), std::runtime_error);

    truncate_torn_tail(torn.result);
    EXPECT_EQ(fs::file_size(segment), last);
    const ReadBack clean = read_back(dir.path());
    ASSERT_EQ(clean.result.status, ReadStatus::kClean) << clean.result.error;
    ASSERT_EQ(clean.records.size(), kRecords - 1);
    EXPECT_EQ(clean.records.back().sequence, kRecords - 1);
    expect_exec(clean.records.back(), make_exec(kRecords - 1));

    {
      JournalWriter writer(dir.path(), {}, clean.result.next_sequence);
      EXPECT_EQ(writer.append(kT0, make_option_trade(cut)), kRecords);
      writer.close();
    }
    forget_close_mark(dir.path());  // the next cut models a crash again
    const ReadBack after = read_back(dir.path());
    ASSERT_EQ(after.result.status, ReadStatus::kClean) << after.result.error;
    ASSERT_EQ(after.records.size(), kRecords);
    EXPECT_EQ(after.records.back().type, RecordType::kOptionTrade);
    const auto trade = decode<OptionTradeEvent>(
        {after.records.back().type, 0, 0, 0, after.records.back().payload});
    ASSERT_TRUE(trade);
    EXPECT_STREQ(trade->exec_id.c_str(), make_option_trade(cut).exec_id.c_str());
    EXPECT_EQ(trade->qty, make_option_trade(cut).qty);
  }
}

TEST(Journal, a_bad_checksum_or_zeros_at_the_end_of_the_last_segment_is_a_torn_tail) {
  TempDir dir;
  write_exec_reports(dir.path(), 4);
  forget_close_mark(dir.path());
  const fs::path segment = dir.path() / segment_file_name(1);
  const std::vector<std::byte> pristine = file_bytes(segment);
  const std::size_t last = record_offsets(pristine).back();

  // The last record complete but one payload byte wrong: nothing valid follows.
  std::vector<std::byte> flipped = pristine;
  flipped[last + kRecordHeaderBytes + 17] ^= std::byte{0x40};
  write_file(segment, flipped);
  ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kTornTail);
  EXPECT_EQ(back.result.offset, last);
  EXPECT_NE(back.result.error.find("CRC mismatch"), std::string::npos) << back.result.error;
  EXPECT_EQ(back.records.size(), 3u);

  // A power loss can leave the file longer than what was written, filled with zeros.
  std::vector<std::byte> zeros = pristine;
  zeros.resize(pristine.size() + 4096, std::byte{0});
  write_file(segment, zeros);
  back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kTornTail);
  EXPECT_EQ(back.result.offset, pristine.size());
  EXPECT_EQ(back.records.size(), 4u);
  JournalReader reader(dir.path());
  EXPECT_EQ(reader.read({}).status, ReadStatus::kTornTail);
  {
    // A writer's lock (taken here by hand) means the tail may be a write in progress.
    const int held = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    EXPECT_THROW(reader.truncate_torn_tail(), std::system_error);
    ::close(held);
  }
  reader.truncate_torn_tail();
  EXPECT_EQ(file_bytes(segment), pristine);
}

TEST(Journal, a_torn_segment_header_recovers_to_an_empty_segment_the_writer_replaces) {
  TempDir dir;
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  const WriterOptions options = small_segments(record_size(sizeof(SegmentHeader)) + 2 * record);
  write_exec_reports(dir.path(), 4, options);  // segments 1 and 3
  forget_close_mark(dir.path());
  const fs::path second = dir.path() / segment_file_name(3);
  const std::vector<std::byte> bytes = file_bytes(second);
  write_file(second, std::span(bytes).first(10));

  const ReadBack torn = read_back(dir.path());
  ASSERT_EQ(torn.result.status, ReadStatus::kTornTail) << torn.result.error;
  EXPECT_EQ(torn.result.segment, second);
  EXPECT_EQ(torn.result.offset, 0u);
  EXPECT_EQ(torn.records.size(), 2u);
  EXPECT_EQ(torn.result.next_sequence, 3u);
  truncate_torn_tail(torn.result);
  const ReadBack clean = read_back(dir.path());
  EXPECT_EQ(clean.result.status, ReadStatus::kClean) << clean.result.error;
  EXPECT_EQ(clean.result.next_sequence, 3u);
  {
    JournalWriter writer(dir.path(), options, 3);
    writer.append(kT0, make_exec(3));
    writer.close();
  }
  const ReadBack after = read_back(dir.path());
  EXPECT_EQ(after.result.status, ReadStatus::kClean) << after.result.error;
  EXPECT_EQ(after.records.size(), 3u);
  EXPECT_EQ(after.result.segments, 2u);
}

// --- High-water mark -------------------------------------------------------------------------

TEST(Journal, a_deleted_last_segment_is_refused_by_the_high_water_mark) {
  TempDir dir;
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  const WriterOptions options = small_segments(record_size(sizeof(SegmentHeader)) + 2 * record);
  write_exec_reports(dir.path(), 6, options);  // segments 1, 3 and 5
  const std::optional<HighWaterMark> mark = read_high_water_mark(dir.path());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->segment, 5u);
  EXPECT_EQ(mark->sequence, 6u);
  ASSERT_EQ(read_back(dir.path()).result.status, ReadStatus::kClean);

  // Without its last segment the journal is still a clean run of sequences 1..4: only the mark
  // knows that 5 and 6 were written.
  fs::remove(dir.path() / segment_file_name(5));
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_FALSE(back.result.ok());
  EXPECT_NE(back.result.error.find("ends at sequence 4"), std::string::npos) << back.result.error;
  EXPECT_NE(back.result.error.find("says sequence 6"), std::string::npos) << back.result.error;
  EXPECT_NE(back.result.error.find("missing"), std::string::npos) << back.result.error;
  EXPECT_NE(describe(verify(dir.path())).find("corrupt"), std::string::npos);
}

TEST(Journal, the_high_water_mark_moves_at_rotation_and_snapshot_not_at_every_commit) {
  TempDir dir;
  JournalWriter writer(dir.path(), {}, 1);
  writer.append(kT0, make_exec(1));
  writer.flush_and_sync();  // begins segment 1: a rotation
  std::optional<HighWaterMark> mark = read_high_water_mark(dir.path());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->segment, 1u);
  EXPECT_EQ(mark->sequence, 1u);
  writer.append(kT0, make_exec(2));
  writer.flush_and_sync();
  EXPECT_EQ(read_high_water_mark(dir.path())->sequence, 1u);  // a plain commit leaves it alone
  const std::vector<std::byte> snapshot(64, std::byte{7});
  writer.append_snapshot(kT0, snapshot);
  writer.flush_and_sync();
  mark = read_high_water_mark(dir.path());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->segment, 1u);
  EXPECT_EQ(mark->sequence, 3u);
  writer.append(kT0, make_exec(4));
  writer.close();
  mark = read_high_water_mark(dir.path());
  ASSERT_TRUE(mark);
  EXPECT_EQ(mark->sequence, 4u);

  // A segment cut back below the mark (an old copy restored) is refused too.
  const fs::path segment = dir.path() / segment_file_name(1);
  const std::vector<std::byte> bytes = file_bytes(segment);
  write_file(segment, std::span(bytes).first(record_offsets(bytes).back()));
  EXPECT_EQ(read_back(dir.path()).result.status, ReadStatus::kCorrupt);
  // An unreadable mark is an error, not a pass.
  std::ofstream(dir.path() / kHighWaterMarkFile) << "something else\n";
  EXPECT_THROW((void)read_high_water_mark(dir.path()), std::runtime_error);
}

// --- Corruption --------------------------------------------------------------------------------

TEST(Journal, a_flipped_byte_in_a_middle_record_is_corruption_naming_its_offset) {
  TempDir dir;
  write_exec_reports(dir.path(), 10);
  const fs::path segment = dir.path() / segment_file_name(1);
  std::vector<std::byte> bytes = file_bytes(segment);
  const std::vector<std::size_t> offsets = record_offsets(bytes);
  const std::size_t bad = offsets[4];  // sequence 5
  bytes[bad + kRecordHeaderBytes + 3] ^= std::byte{0x01};
  write_file(segment, bytes);

  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_FALSE(back.result.ok());
  EXPECT_EQ(back.result.segment, segment);
  EXPECT_EQ(back.result.offset, bad);
  EXPECT_NE(back.result.error.find(segment.string() + " at byte offset " + std::to_string(bad)),
            std::string::npos)
      << back.result.error;
  EXPECT_NE(back.result.error.find("CRC mismatch"), std::string::npos);
  EXPECT_NE(back.result.error.find("sequence 5"), std::string::npos);
  EXPECT_EQ(back.records.size(), 4u);  // the records before it were delivered
  EXPECT_THROW(truncate_torn_tail(back.result), std::logic_error);
  EXPECT_THROW(JournalWriter(dir.path(), {}, 11), std::runtime_error);

  const JournalSummary summary = verify(dir.path());
  EXPECT_EQ(summary.result.status, ReadStatus::kCorrupt);
  EXPECT_NE(describe(summary).find("byte offset " + std::to_string(bad)), std::string::npos);
}

TEST(Journal, a_damaged_length_in_a_middle_record_is_corruption) {
  TempDir dir;
  write_exec_reports(dir.path(), 10);
  const fs::path segment = dir.path() / segment_file_name(1);
  std::vector<std::byte> bytes = file_bytes(segment);
  const std::size_t bad = record_offsets(bytes)[2];
  bytes[bad + 6] = std::byte{0x7F};  // payload length now far past the end of the file
  write_file(segment, bytes);
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_EQ(back.result.offset, bad);
  EXPECT_NE(back.result.error.find("a valid record follows"), std::string::npos)
      << back.result.error;
}

TEST(Journal, a_cut_record_in_a_segment_that_is_not_the_last_is_corruption) {
  TempDir dir;
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  const WriterOptions options = small_segments(record_size(sizeof(SegmentHeader)) + 3 * record);
  write_exec_reports(dir.path(), 9, options);  // segments 1, 4, 7
  const fs::path first = dir.path() / segment_file_name(1);
  const std::vector<std::byte> bytes = file_bytes(first);
  write_file(first, std::span(bytes).first(bytes.size() - 1));

  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_EQ(back.result.segment, first);
  EXPECT_EQ(back.result.offset, record_offsets(bytes).back());
  EXPECT_NE(back.result.error.find("not the last"), std::string::npos) << back.result.error;
}

TEST(Journal, a_sequence_gap_inside_a_segment_is_corruption) {
  TempDir dir;
  // Hand-made segment: header, then sequences 1, 2, 4.
  std::vector<std::byte> bytes;
  const auto put = [&bytes](RecordType type, std::uint64_t sequence,
                            std::span<const std::byte> payload) {
    const std::size_t at = bytes.size();
    bytes.resize(at + record_size(payload.size()));
    encode_record(bytes.data() + at, type, 0, sequence, kT0, payload);
    return at;
  };
  const SegmentHeader header{kFormatVersion, kLayoutFingerprint, 1, kT0};
  put(RecordType::kSegmentHeader, 1, std::as_bytes(std::span(&header, 1)));
  const ExecReportEvent exec = make_exec(1);
  const auto payload = std::as_bytes(std::span(&exec, 1));
  put(RecordType::kExecReport, 1, payload);
  put(RecordType::kExecReport, 2, payload);
  const std::size_t gap = put(RecordType::kExecReport, 4, payload);
  put(RecordType::kExecReport, 5, payload);
  write_file(dir.path() / segment_file_name(1), bytes);

  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_EQ(back.result.offset, gap);
  EXPECT_NE(back.result.error.find("sequence gap: expected 3, found 4"), std::string::npos)
      << back.result.error;
  EXPECT_EQ(back.records.size(), 2u);
}

TEST(Journal, a_missing_middle_segment_is_a_sequence_gap) {
  TempDir dir;
  const std::size_t record = record_size(sizeof(ExecReportEvent));
  const WriterOptions options = small_segments(record_size(sizeof(SegmentHeader)) + 3 * record);
  write_exec_reports(dir.path(), 9, options);  // segments 1, 4, 7
  fs::remove(dir.path() / segment_file_name(4));
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_EQ(back.result.segment, dir.path() / segment_file_name(7));
  EXPECT_EQ(back.result.offset, 0u);
  EXPECT_NE(back.result.error.find("sequence gap"), std::string::npos) << back.result.error;
  EXPECT_EQ(back.records.size(), 3u);
}

TEST(Journal, a_segment_from_another_format_version_is_refused) {
  TempDir dir;
  write_exec_reports(dir.path(), 2);
  const fs::path segment = dir.path() / segment_file_name(1);
  std::vector<std::byte> bytes = file_bytes(segment);
  // Rewrite the header with version 99 and a valid CRC: a newer build wrote it.
  const SegmentHeader header{99, kLayoutFingerprint, 1, kT0};
  encode_record(bytes.data(), RecordType::kSegmentHeader, 0, 1, kT0,
                std::as_bytes(std::span(&header, 1)));
  write_file(segment, bytes);
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(back.result.status, ReadStatus::kCorrupt);
  EXPECT_NE(back.result.error.find("format version 99"), std::string::npos) << back.result.error;
}

// --- Writer safety -----------------------------------------------------------------------------

TEST(Journal, a_second_writer_on_the_same_directory_is_refused) {
  TempDir dir;
  JournalWriter first(dir.path(), {}, 1);
  EXPECT_THROW(JournalWriter(dir.path(), {}, 1), std::system_error);
  first.close();
  JournalWriter again(dir.path(), {}, 1);  // the lock went with close()
  EXPECT_EQ(again.next_sequence(), 1u);
}

TEST(Journal, the_writer_refuses_a_next_sequence_that_does_not_follow_the_last_segment) {
  TempDir dir;
  write_exec_reports(dir.path(), 5);
  EXPECT_THROW(JournalWriter(dir.path(), {}, 5), std::runtime_error);
  EXPECT_THROW(JournalWriter(dir.path(), {}, 7), std::runtime_error);
  EXPECT_THROW(JournalWriter(dir.path(), {}, 0), std::invalid_argument);
  JournalWriter writer(dir.path(), {}, 6);
  EXPECT_THROW(writer.append(RecordType::kSegmentHeader, kT0, {}), std::invalid_argument);
}

TEST(Journal, a_failed_write_throws_with_the_path_and_fails_the_writer) {
  TempDir dir;
  // A file size limit makes write() fail with EFBIG, as a full disk would with ENOSPC.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &previous), 0);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);

  JournalWriter writer(dir.path(), {}, 1);
  writer.append(kT0, make_exec(1));
  writer.flush_and_sync();
  for (std::uint64_t i = 2; i <= 40; ++i) writer.append(kT0, make_exec(i));  // ~9 KB

  rlimit limit = saved;
  limit.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  std::string message;
  try {
    writer.flush_and_sync();
  } catch (const std::system_error& e) {
    message = e.what();
  }
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  ASSERT_EQ(::sigaction(SIGXFSZ, &previous, nullptr), 0);

  const fs::path segment = dir.path() / segment_file_name(1);
  EXPECT_NE(message.find("write failed on " + segment.string()), std::string::npos) << message;
  EXPECT_TRUE(writer.failed());
  EXPECT_EQ(writer.stats().errors, 1u);
  EXPECT_NE(std::string(writer.stats().last_error.c_str()).find(segment.string()),
            std::string::npos);
  EXPECT_EQ(writer.durable_sequence(), 1u);
  EXPECT_THROW(writer.append(kT0, make_exec(41)), std::system_error);
  EXPECT_THROW(writer.flush_and_sync(), std::system_error);
  EXPECT_THROW(writer.poll(kT0 + kNanosPerSecond), std::system_error);

  // What reached the file before the failure is a torn tail after the last whole record.
  const ReadBack back = read_back(dir.path());
  EXPECT_EQ(fs::file_size(segment), 4096u);
  ASSERT_EQ(back.result.status, ReadStatus::kTornTail) << back.result.error;
  EXPECT_GE(back.records.size(), 1u);
}

}  // namespace
}  // namespace hedged::journal
