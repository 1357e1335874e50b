// Journal benchmarks (no Google Benchmark: fsync latency is a distribution, not a mean):
//   1. append: ns per record handed to JournalWriter::append (copy + CRC32C into the buffer, no
//      system call) - the cost on the thread that owns the writer; plus CRC32C alone per path;
//   2. throughput: records/s when one thread appends as fast as it can and polls with a 5 ms
//      group commit (the 1 MiB threshold then commits first), and committing on every poll;
//      then a paced load (10k and 100k records/s) and how long records wait to be durable;
//   3. fsync: the latency distribution of flush_and_sync() over many commits of one record.
// Records are ExecReportEvents (200 bytes of payload). Files go to a directory under the build
// tree, i.e. the disk the daemon's journal would use, not a tmpfs.
// Run in Release: build/<preset>/tests/bench/journal_bench [throughput seconds] [commits]
#include <sys/vfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/journal/journal.hpp"

namespace {

namespace fs = std::filesystem;
namespace journal = hedged::journal;
using Clock = std::chrono::steady_clock;

constexpr long kTmpfsMagic = 0x01021994;
constexpr long kExt4Magic = 0xEF53;

hedged::TimeNs now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

class BenchDir {
 public:
  BenchDir() {
    const fs::path base = fs::path(HEDGED_BINARY_DIR) / "journal-bench";
    fs::create_directories(base);
    std::string pattern = (base / "run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  ~BenchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

hedged::ExecReportEvent make_exec(std::uint64_t i) {
  hedged::ExecReportEvent e;
  e.cl_ord_id = i;
  e.kind = hedged::ExecKind::kTrade;
  e.status = hedged::OrdStatus::kPartiallyFilled;
  e.last_qty = 100;
  e.last_px = 100.25;
  e.cum_qty = 100;
  e.leaves_qty = 900;
  e.received_ns = static_cast<hedged::TimeNs>(i);
  e.exec_id.assign(("EX-" + std::to_string(i)).c_str());
  e.text.assign("partial fill");
  return e;
}

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0.0;
  std::sort(sorted.begin(), sorted.end());
  const auto index =
      static_cast<std::size_t>(std::lround(p * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(index, sorted.size() - 1)];
}

void print_filesystem(const fs::path& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) return;
  const long type = static_cast<long>(info.f_type);
  const char* name = type == kTmpfsMagic  ? "tmpfs (fsync is free: figures mean nothing)"
                     : type == kExt4Magic ? "ext2/3/4"
                                          : "other";
  std::printf("journal directory: %s (filesystem 0x%lx, %s)\n", dir.c_str(),
              static_cast<unsigned long>(type), name);
}

// 1. Append cost: batches of appends timed alone, flushed (untimed) between batches.
void bench_append(const fs::path& dir) {
  journal::WriterOptions options;
  options.buffer_reserve_bytes = std::size_t{8} << 20;
  journal::JournalWriter writer(dir / "append", options, 1);
  const hedged::ExecReportEvent exec = make_exec(1);
  constexpr int kBatch = 20'000;  // 4.6 MB: stays inside the reserved buffer
  constexpr int kBatches = 25;
  std::vector<double> ns_per_record;
  for (int b = 0; b < kBatches; ++b) {
    const auto start = Clock::now();
    for (int i = 0; i < kBatch; ++i) writer.append(static_cast<hedged::TimeNs>(i), exec);
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    ns_per_record.push_back(ns / kBatch);
    writer.flush_and_sync();
  }
  writer.close();

  // CRC32C alone over one record's bytes, per code path.
  std::vector<unsigned char> record(journal::record_size(sizeof exec) - 4);
  for (std::size_t i = 0; i < record.size(); ++i) record[i] = static_cast<unsigned char>(i * 13);
  const auto time_crc = [&](auto&& crc) {
    constexpr int kRounds = 2'000'000;
    std::uint32_t sink = 0;
    const auto start = Clock::now();
    for (int i = 0; i < kRounds; ++i) sink ^= crc(sink, record.data(), record.size());
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    if (sink == 0x12345678u) std::printf(" ");  // keep the loop
    return ns / kRounds;
  };
  const double crc_table = time_crc(journal::crc32c_portable_extend);
  const double crc_hw =
      journal::crc32c_hardware_supported() ? time_crc(journal::crc32c_hardware_extend) : 0.0;

  std::printf("\n1. append (copy + CRC32C into the buffer, no syscall), %zu-byte records\n",
              journal::record_size(sizeof exec));
  std::printf("   %-34s %10s\n", "", "ns/record");
  std::printf("   %-34s %10.1f\n", "append, median of batches", percentile(ns_per_record, 0.5));
  std::printf("   %-34s %10.1f\n", "append, best batch", percentile(ns_per_record, 0.0));
  std::printf("   %-34s %10.1f\n", "append, worst batch", percentile(ns_per_record, 1.0));
  std::printf("   %-34s %10.1f\n", "CRC32C alone, table (slice-by-8)", crc_table);
  if (journal::crc32c_hardware_supported()) {
    std::printf("   %-34s %10.1f\n", "CRC32C alone, SSE4.2", crc_hw);
  }
}

// 2. Throughput: append as fast as possible, poll every 16 records.
struct Throughput {
  double records_per_s = 0;
  double mb_per_s = 0;
  std::uint64_t commits = 0;
  double records_per_commit = 0;
  double fsync_mean_ms = 0;
};

Throughput bench_throughput(const fs::path& dir, std::chrono::nanoseconds interval,
                            double seconds) {
  journal::WriterOptions options;
  options.commit_interval = interval;
  journal::JournalWriter writer(dir, options, 1);
  const hedged::ExecReportEvent exec = make_exec(7);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::uint64_t i = 0;
  hedged::TimeNs now = now_ns();
  while (true) {
    writer.append(now, exec);
    if (++i % 16 == 0) {
      now = now_ns();
      writer.poll(now);
      if (Clock::now() >= end) break;
    }
  }
  writer.flush_and_sync();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const journal::WriterStats& stats = writer.stats();
  Throughput out;
  out.records_per_s = static_cast<double>(stats.durable_sequence) / elapsed;
  out.mb_per_s = static_cast<double>(stats.bytes_written) / elapsed / 1e6;
  out.commits = stats.commits;
  out.records_per_commit =
      static_cast<double>(stats.durable_sequence) / static_cast<double>(stats.commits);
  out.fsync_mean_ms = 1e3 * stats.fsync.sum_seconds / static_cast<double>(stats.fsync.count);
  writer.close();
  return out;
}

// 2b. Paced: `rate` records/s for `seconds`, polled continuously; for each commit, how long its
// oldest record waited to become durable (append -> fdatasync returned).
struct Paced {
  double records_per_commit = 0;
  double lag_p50_ms = 0;
  double lag_p99_ms = 0;
  double lag_max_ms = 0;
};

Paced bench_paced(const fs::path& dir, double rate, double seconds) {
  journal::JournalWriter writer(dir, {}, 1);
  const hedged::ExecReportEvent exec = make_exec(9);
  const auto start = Clock::now();
  const auto total = static_cast<std::uint64_t>(rate * seconds);
  std::uint64_t appended = 0;
  Clock::time_point oldest{};
  std::vector<double> lag_ms;
  while (appended < total || writer.pending_records() > 0) {
    const auto now = Clock::now();
    const double due = std::chrono::duration<double>(now - start).count() * rate;
    while (appended < total && static_cast<double>(appended) < due) {
      if (writer.pending_records() == 0) oldest = now;
      writer.append(now_ns(), exec);
      ++appended;
    }
    if (writer.poll(now_ns())) {
      lag_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - oldest).count());
    }
  }
  Paced out;
  out.records_per_commit =
      static_cast<double>(appended) / static_cast<double>(writer.stats().commits);
  out.lag_p50_ms = percentile(lag_ms, 0.5);
  out.lag_p99_ms = percentile(lag_ms, 0.99);
  out.lag_max_ms = percentile(lag_ms, 1.0);
  writer.close();
  return out;
}

// 3. fsync latency: one record per commit.
void bench_fsync(const fs::path& dir, int commits) {
  journal::JournalWriter writer(dir, {}, 1);
  const hedged::ExecReportEvent exec = make_exec(3);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(commits));
  for (int i = 0; i < commits; ++i) {
    writer.append(now_ns(), exec);
    us.push_back(std::chrono::duration<double, std::micro>(writer.flush_and_sync()).count());
  }
  writer.close();
  std::printf(
      "\n3. fsync latency: flush_and_sync() of one record, %d commits (write + fdatasync)\n",
      commits);
  std::printf("   %10s %10s %10s %10s %10s %10s\n", "min us", "p50 us", "p99 us", "p99.9 us",
              "max us", "mean us");
  double sum = 0;
  for (const double v : us) sum += v;
  std::printf("   %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f\n", percentile(us, 0.0),
              percentile(us, 0.5), percentile(us, 0.99), percentile(us, 0.999), percentile(us, 1.0),
              sum / static_cast<double>(us.size()));
  std::printf("   histogram (le seconds: count):");
  const journal::FsyncHistogram& h = writer.stats().fsync;
  for (std::size_t b = 0; b < h.counts.size(); ++b) {
    if (h.counts[b] == 0) continue;
    if (b < h.bounds.size()) {
      std::printf(" %g:%llu", h.bounds[b], static_cast<unsigned long long>(h.counts[b]));
    } else {
      std::printf(" +Inf:%llu", static_cast<unsigned long long>(h.counts[b]));
    }
  }
  std::printf("\n");
}

void run(double seconds, int commits) {
  const BenchDir dir;
  print_filesystem(dir.path());
  std::printf("CRC32C path: %s\n",
              journal::crc32c_hardware_supported() ? "SSE4.2 crc32" : "table (slice-by-8)");

  bench_append(dir.path());

  std::printf(
      "\n2. throughput: one thread appends %zu-byte records flat out, polls every 16, "
      "%.1f s each\n",
      journal::record_size(sizeof(hedged::ExecReportEvent)), seconds);
  std::printf("   %-24s %12s %9s %9s %14s %14s\n", "commit", "records/s", "MB/s", "commits",
              "records/commit", "mean fsync ms");
  const Throughput grouped =
      bench_throughput(dir.path() / "grouped", std::chrono::milliseconds(5), seconds);
  std::printf("   %-24s %12.0f %9.1f %9llu %14.1f %14.3f\n", "group, every 5 ms",
              grouped.records_per_s, grouped.mb_per_s,
              static_cast<unsigned long long>(grouped.commits), grouped.records_per_commit,
              grouped.fsync_mean_ms);
  const Throughput each =
      bench_throughput(dir.path() / "each", std::chrono::nanoseconds(0), seconds);
  std::printf("   %-24s %12.0f %9.1f %9llu %14.1f %14.3f\n", "every poll (16 records)",
              each.records_per_s, each.mb_per_s, static_cast<unsigned long long>(each.commits),
              each.records_per_commit, each.fsync_mean_ms);

  std::printf(
      "\n2b. paced load, group commit every 5 ms: time from append to durable of the "
      "oldest record of each commit\n");
  std::printf("   %-24s %14s %10s %10s %10s\n", "offered records/s", "records/commit", "p50 ms",
              "p99 ms", "max ms");
  for (const double rate : {10'000.0, 100'000.0}) {
    const Paced paced = bench_paced(
        dir.path() / ("paced-" + std::to_string(static_cast<int>(rate))), rate, seconds);
    std::printf("   %-24.0f %14.1f %10.2f %10.2f %10.2f\n", rate, paced.records_per_commit,
                paced.lag_p50_ms, paced.lag_p99_ms, paced.lag_max_ms);
  }

  bench_fsync(dir.path() / "fsync", commits);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int commits = argc > 2 ? std::atoi(argv[2]) : 2000;
  try {
    run(seconds, commits);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "journal_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
