#include "core/file_data.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/page_pool.hpp"
#include "core/sanitizers.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <span>
#include <vector>

namespace imfs::core {
namespace {

// Expectations marked "tmpfs:" were printed by the same operations on a file
// in /dev/shm (Linux 6.18): lseek results and st_blocks.

constexpr std::uint64_t P = FileData::kPageSize;
constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;
constexpr std::uint64_t kTiB = 1024 * kGiB;
constexpr std::int64_t kEnxio = -ENXIO;

// Non-zero bytes whose period is not a page, so a lost or misplaced page shows.
std::vector<std::byte> pattern(std::size_t n, unsigned seed = 1) {
    std::vector<std::byte> bytes(n);
    for (std::size_t i = 0; i < n; ++i) {
        bytes[i] = static_cast<std::byte>(1 + (i * 7 + i / 4099 + seed * 13) % 251);
    }
    return bytes;
}

std::vector<std::byte> zeros(std::size_t n) {
    return std::vector<std::byte>(n);
}

void write(FileData& file, std::uint64_t offset, std::span<const std::byte> in) {
    const auto written = file.write(offset, in);
    ASSERT_TRUE(written.has_value()) << "errno " << written.error().value;
    ASSERT_EQ(*written, in.size());
}

void write(FileData& file, std::uint64_t offset, std::size_t len, unsigned seed = 1) {
    write(file, offset, pattern(len, seed));
}

std::vector<std::byte> read(const FileData& file, std::uint64_t offset, std::size_t len) {
    std::vector<std::byte> out(len, std::byte{0xEE});
    out.resize(file.read(offset, out));
    return out;
}

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// lseek's answer as the kernel gives it: the offset, or -errno.
std::int64_t result_of(const Result<std::uint64_t>& r) {
    return r ? static_cast<std::int64_t>(*r) : -r.error().value;
}
std::int64_t data_at(const FileData& file, std::uint64_t offset) {
    return result_of(file.seek_data(offset));
}
std::int64_t hole_at(const FileData& file, std::uint64_t offset) {
    return result_of(file.seek_hole(offset));
}

// Leaves freed pages dirty (the page pool hands them out again, lowest
// first), so a page handed out without zeroing shows.
void dirty_the_heap() {
    FileData scratch;
    for (unsigned i = 0; i < 64; ++i) {
        write(scratch, i * P, std::vector<std::byte>(P, std::byte{0xAB}));
    }
}

// --- Bytes -----------------------------------------------------------------

TEST(FileData, EmptyFileHasNothing) {
    FileData file;
    EXPECT_EQ(file.size(), 0u);
    EXPECT_EQ(file.blocks(), 0u);  // tmpfs: 0
    EXPECT_EQ(file.memory_bytes(), 0u);
    EXPECT_EQ(file.table_depth(), 0u);
    EXPECT_TRUE(read(file, 0, 10).empty());
}

TEST(FileData, UnalignedWriteAcrossPagesReadsBack) {
    dirty_the_heap();
    FileData file;
    write(file, 4000, 3 * P + 123);
    EXPECT_EQ(file.size(), 4000 + 3 * P + 123);
    EXPECT_EQ(read(file, 0, 4000), zeros(4000));
    EXPECT_EQ(read(file, 4000, 3 * P + 123), pattern(3 * P + 123));
    // Reads that start and end mid-page, and one clipped at EOF.
    const auto written = pattern(3 * P + 123);
    EXPECT_EQ(read(file, 4000 + 5000, 3000),
              std::vector(written.begin() + 5000, written.begin() + 8000));
    EXPECT_EQ(read(file, file.size() - 10, 100).size(), 10u);
    EXPECT_TRUE(read(file, file.size(), 100).empty());
    EXPECT_TRUE(read(file, file.size() + P, 100).empty());
}

TEST(FileData, OverwriteInsideExistingPagesKeepsNeighbours) {
    FileData file;
    write(file, 0, 3 * P, 1);
    write(file, P - 3, 6, 2);
    auto expected = pattern(3 * P, 1);
    std::ranges::copy(pattern(6, 2), expected.begin() + P - 3);
    EXPECT_EQ(read(file, 0, 3 * P), expected);
    EXPECT_EQ(file.size(), 3 * P);
}

TEST(FileData, GapBeforeWriteReadsZerosAndStaysAHole) {
    dirty_the_heap();
    FileData file;
    write(file, 0, 10);
    write(file, 3 * P + 5, 5);  // tmpfs: size 12298, blocks 16
    EXPECT_EQ(file.blocks(), 16u);
    EXPECT_EQ(read(file, 0, 3 * P + 10),
              concat(concat(pattern(10), zeros(3 * P + 5 - 10)), pattern(5)));
    EXPECT_EQ(hole_at(file, 0), 4096);
    EXPECT_EQ(data_at(file, P), 12288);
}

TEST(FileData, NewPagePartlyWrittenIsZeroElsewhere) {
    dirty_the_heap();
    FileData file;
    write(file, P + 100, 1);
    EXPECT_EQ(read(file, P, P), concat(zeros(100), pattern(1)));  // clipped at EOF
    ASSERT_EQ(file.truncate(2 * P).has_value(), true);
    EXPECT_EQ(read(file, P, P), concat(concat(zeros(100), pattern(1)), zeros(P - 101)));
}

TEST(FileData, SmallFileGrowsIntoPages) {
    dirty_the_heap();
    FileData small_then_far;
    write(small_then_far, 0, 100, 1);
    EXPECT_LT(small_then_far.memory_bytes(), P);
    EXPECT_EQ(small_then_far.table_depth(), 0u);
    write(small_then_far, 5000, 100, 2);
    EXPECT_EQ(read(small_then_far, 0, 5100),
              concat(concat(pattern(100, 1), zeros(4900)), pattern(100, 2)));
    EXPECT_EQ(small_then_far.blocks(), 16u);

    FileData full_page_then_one_more;  // the buffer is a whole page: adopted
    write(full_page_then_one_more, 0, P, 1);
    write(full_page_then_one_more, P, 1, 2);
    EXPECT_EQ(read(full_page_then_one_more, 0, P + 1), concat(pattern(P, 1), pattern(1, 2)));

    FileData crossing;
    write(crossing, 0, 3000, 1);
    write(crossing, 4000, 200, 2);
    EXPECT_EQ(read(crossing, 0, 4200),
              concat(concat(pattern(3000, 1), zeros(1000)), pattern(200, 2)));
    EXPECT_EQ(crossing.blocks(), 16u);
}

TEST(FileData, SmallBufferGapReadsZeros) {
    dirty_the_heap();
    FileData file;
    write(file, 0, 10, 1);
    write(file, 1000, 10, 2);
    EXPECT_EQ(read(file, 0, 1010), concat(concat(pattern(10, 1), zeros(990)), pattern(10, 2)));
}

TEST(FileData, AppendingSmallWritesGrowsGeometrically) {
    FileData file;
    std::set<std::uint64_t> footprints;
    for (std::uint64_t i = 0; i < P; ++i) {
        write(file, i, std::vector<std::byte>{std::byte(i % 200 + 1)});
        footprints.insert(file.memory_bytes());
    }
    EXPECT_LE(footprints.size(), 7u);  // 64, 128, ..., 4096: a copy per doubling only
    write(file, P, 1);
    for (std::uint64_t i = 0; i < P; i += 997) {
        EXPECT_EQ(read(file, i, 1), std::vector{std::byte(i % 200 + 1)});
    }
}

TEST(FileData, EmptyWriteChangesNothing) {
    FileData file;
    EXPECT_EQ(file.write(5 * P, {}), 0u);
    EXPECT_EQ(file.write(FileData::kMaxSize, {}), 0u);
    EXPECT_EQ(file.size(), 0u);
}

TEST(FileData, WritePastMaxSizeIsEfbigAndWritesNothing) {
    FileData file;
    write(file, 0, 10);
    const auto bytes = pattern(10);
    EXPECT_EQ(file.write(FileData::kMaxSize - 5, bytes), fail(EFBIG));
    EXPECT_EQ(file.write(FileData::kMaxSize, std::span(bytes).first(1)), fail(EFBIG));
    EXPECT_EQ(file.size(), 10u);
    EXPECT_EQ(file.blocks(), 8u);
    write(file, FileData::kMaxSize - 5, 5);
    EXPECT_EQ(file.size(), FileData::kMaxSize);
    EXPECT_EQ(read(file, FileData::kMaxSize - 5, 10), pattern(5));
}

// --- Truncate and punch_hole ------------------------------------------------

TEST(FileData, TruncateShrinkThenGrowReadsZeros) {
    FileData file;
    write(file, 0, 3 * P);
    EXPECT_EQ(file.blocks(), 24u);  // tmpfs: 24
    ASSERT_TRUE(file.truncate(100));
    EXPECT_EQ(file.blocks(), 8u);  // tmpfs: 8
    ASSERT_TRUE(file.truncate(3 * P));
    EXPECT_EQ(file.blocks(), 8u);  // tmpfs: 8
    EXPECT_EQ(read(file, 0, 3 * P), concat(pattern(100), zeros(3 * P - 100)));
    EXPECT_EQ(data_at(file, 0), 0);     // tmpfs: 0
    EXPECT_EQ(hole_at(file, 0), 4096);  // tmpfs: 4096
}

TEST(FileData, TruncateFreesWholePagesPastTheEnd) {
    FileData file;
    write(file, 0, 3 * P);
    ASSERT_TRUE(file.truncate(4097));
    EXPECT_EQ(file.blocks(), 16u);  // tmpfs: 16
    ASSERT_TRUE(file.truncate(4096));
    EXPECT_EQ(file.blocks(), 8u);  // tmpfs: 8
    ASSERT_TRUE(file.truncate(0));
    EXPECT_EQ(file.blocks(), 0u);  // tmpfs: 0
    EXPECT_EQ(file.memory_bytes(), 0u);
    EXPECT_EQ(file.table_depth(), 0u);
}

TEST(FileData, TruncateOfSmallFileShrinksThenGrowsZeros) {
    FileData file;
    write(file, 0, 100);
    ASSERT_TRUE(file.truncate(50));
    ASSERT_TRUE(file.truncate(100));
    EXPECT_EQ(read(file, 0, 100), concat(pattern(50), zeros(50)));
    EXPECT_EQ(file.blocks(), 8u);
    ASSERT_TRUE(file.truncate(0));
    EXPECT_EQ(file.blocks(), 0u);
    EXPECT_EQ(file.memory_bytes(), 0u);
}

TEST(FileData, TruncatePastMaxSizeIsEfbig) {
    FileData file;
    EXPECT_EQ(file.truncate(FileData::kMaxSize + 1), fail(EFBIG));
    EXPECT_EQ(file.size(), 0u);
    ASSERT_TRUE(file.truncate(FileData::kMaxSize));  // tmpfs: blocks 0
    EXPECT_EQ(file.blocks(), 0u);
    EXPECT_EQ(data_at(file, 0), kEnxio);  // tmpfs: ENXIO
    EXPECT_EQ(hole_at(file, 0), 0);       // tmpfs: 0
}

TEST(FileData, PunchWholeMiddlePageFreesIt) {
    FileData file;
    write(file, 0, 3 * P);
    const std::uint64_t before = file.memory_bytes();
    file.punch_hole(P, P);
    EXPECT_EQ(file.blocks(), 16u);  // tmpfs: 16
    EXPECT_EQ(file.memory_bytes(), before - P);
    EXPECT_EQ(file.size(), 3 * P);
    auto expected = pattern(3 * P);
    std::fill_n(expected.begin() + P, P, std::byte{0});
    EXPECT_EQ(read(file, 0, 3 * P), expected);
    EXPECT_EQ(hole_at(file, 0), 4096);  // tmpfs: 4096
    EXPECT_EQ(data_at(file, P), 8192);  // tmpfs: 8192
}

TEST(FileData, PunchPartialPagesZeroesButKeepsThem) {
    FileData file;
    write(file, 0, 3 * P);
    file.punch_hole(100, 200);
    EXPECT_EQ(file.blocks(), 24u);  // tmpfs: 24
    auto expected = pattern(3 * P);
    std::fill_n(expected.begin() + 100, 200, std::byte{0});
    EXPECT_EQ(read(file, 0, 3 * P), expected);
    EXPECT_EQ(hole_at(file, 0), 12288);  // tmpfs: 12288
}

TEST(FileData, PunchSpanningPartialAndWholePages) {
    FileData file;
    write(file, 0, 3 * P);
    file.punch_hole(100, 2 * P - 50);
    EXPECT_EQ(file.blocks(), 16u);       // tmpfs: 16
    EXPECT_EQ(hole_at(file, 0), 4096);   // tmpfs: 4096
    EXPECT_EQ(data_at(file, 100), 100);  // tmpfs: 100
    EXPECT_EQ(data_at(file, P), 8192);   // tmpfs: 8192
    auto expected = pattern(3 * P);
    std::fill_n(expected.begin() + 100, 2 * P - 50, std::byte{0});
    EXPECT_EQ(read(file, 0, 3 * P), expected);
}

TEST(FileData, PunchInSmallFile) {
    FileData partial;
    write(partial, 0, 100);
    partial.punch_hole(0, 100);
    EXPECT_EQ(partial.blocks(), 8u);    // tmpfs: 8 (the page is not wholly inside)
    EXPECT_EQ(data_at(partial, 0), 0);  // tmpfs: 0
    EXPECT_EQ(read(partial, 0, 100), zeros(100));

    FileData whole;
    write(whole, 0, 100);
    whole.punch_hole(0, P);
    EXPECT_EQ(whole.blocks(), 0u);         // tmpfs: 0
    EXPECT_EQ(data_at(whole, 0), kEnxio);  // tmpfs: ENXIO
    EXPECT_EQ(whole.memory_bytes(), 0u);
    EXPECT_EQ(read(whole, 0, 100), zeros(100));
}

TEST(FileData, PunchingEverythingFreesTheTable) {
    FileData file;
    write(file, 4 * kGiB, P);
    file.punch_hole(4 * kGiB, P);
    EXPECT_EQ(file.memory_bytes(), 0u);
    EXPECT_EQ(file.table_depth(), 0u);
    EXPECT_EQ(read(file, 4 * kGiB, P), zeros(P));
}

// --- allocate and zero_range -------------------------------------------------

TEST(FileData, AllocatedPagesCountAsBlocksButSeekAsHoles) {
    FileData file;
    ASSERT_TRUE(file.allocate(0, 3 * P, false));
    EXPECT_EQ(file.size(), 3 * P);
    EXPECT_EQ(file.blocks(), 24u);        // tmpfs: 24
    EXPECT_EQ(data_at(file, 0), kEnxio);  // tmpfs: ENXIO
    EXPECT_EQ(hole_at(file, 0), 0);       // tmpfs: 0
    EXPECT_EQ(read(file, 0, 3 * P), zeros(3 * P));
    EXPECT_EQ(data_at(file, 0), kEnxio);  // tmpfs: reading does not make data

    dirty_the_heap();
    write(file, P + 5, 1);
    EXPECT_EQ(file.blocks(), 24u);      // tmpfs: 24
    EXPECT_EQ(data_at(file, 0), 4096);  // tmpfs: 4096
    EXPECT_EQ(hole_at(file, 0), 0);     // tmpfs: 0
    EXPECT_EQ(hole_at(file, P), 8192);  // tmpfs: 8192
    EXPECT_EQ(read(file, P, P), concat(concat(zeros(5), pattern(1)), zeros(P - 6)));
}

TEST(FileData, AllocateUnalignedRangeReservesEveryPageItTouches) {
    FileData file;
    ASSERT_TRUE(file.allocate(100, 4900, false));
    EXPECT_EQ(file.size(), 5000u);
    EXPECT_EQ(file.blocks(), 16u);        // tmpfs: 16
    EXPECT_EQ(data_at(file, 0), kEnxio);  // tmpfs: ENXIO
}

TEST(FileData, AllocateKeepsExistingBytes) {
    FileData file;
    write(file, 0, 100);
    ASSERT_TRUE(file.allocate(0, 2 * P, false));
    EXPECT_EQ(file.blocks(), 16u);  // tmpfs: 16
    EXPECT_EQ(read(file, 0, 2 * P), concat(pattern(100), zeros(2 * P - 100)));
    EXPECT_EQ(data_at(file, 0), 0);     // tmpfs: 0
    EXPECT_EQ(hole_at(file, 0), 4096);  // tmpfs: 4096
}

TEST(FileData, AllocateKeepSizeReservesPastEofUntilTruncate) {
    FileData file;
    write(file, 0, 10);
    ASSERT_TRUE(file.allocate(0, 3 * P, true));
    EXPECT_EQ(file.size(), 10u);
    EXPECT_EQ(file.blocks(), 24u);    // tmpfs: 24
    EXPECT_EQ(hole_at(file, 0), 10);  // tmpfs: 10
    ASSERT_TRUE(file.truncate(3 * P));
    EXPECT_EQ(file.blocks(), 24u);      // tmpfs: 24
    EXPECT_EQ(data_at(file, 10), 10);   // tmpfs: 10
    EXPECT_EQ(hole_at(file, 0), 4096);  // tmpfs: 4096
    ASSERT_TRUE(file.truncate(5));
    EXPECT_EQ(file.blocks(), 8u);  // tmpfs: 8
    ASSERT_TRUE(file.truncate(0));
    EXPECT_EQ(file.blocks(), 0u);  // tmpfs: 0
    EXPECT_EQ(file.memory_bytes(), 0u);
}

TEST(FileData, TruncateToSameSizeDropsReservationsPastEof) {
    FileData same;
    write(same, 0, 10);
    ASSERT_TRUE(same.allocate(0, 3 * P, true));
    ASSERT_TRUE(same.truncate(10));
    EXPECT_EQ(same.blocks(), 8u);  // tmpfs: 8

    FileData grown;
    write(grown, 0, 10);
    ASSERT_TRUE(grown.allocate(0, 3 * P, true));
    ASSERT_TRUE(grown.truncate(20));
    EXPECT_EQ(grown.blocks(), 24u);  // tmpfs: 24
}

TEST(FileData, WriteIntoReservedPagePastEof) {
    FileData file;
    write(file, 0, 10, 1);
    ASSERT_TRUE(file.allocate(0, 3 * P, true));
    write(file, 2 * P + 5, 1, 2);
    EXPECT_EQ(file.size(), 8198u);  // tmpfs: 8198
    EXPECT_EQ(file.blocks(), 24u);  // tmpfs: 24
    EXPECT_EQ(read(file, 0, 3 * P),
              concat(concat(pattern(10, 1), zeros(2 * P + 5 - 10)), pattern(1, 2)));
    EXPECT_EQ(data_at(file, 10), 10);   // tmpfs: 10
    EXPECT_EQ(hole_at(file, 0), 4096);  // tmpfs: 4096
}

TEST(FileData, PunchFreesReservedPagesToo) {
    FileData inside;
    ASSERT_TRUE(inside.allocate(0, 3 * P, false));
    inside.punch_hole(P, P);
    EXPECT_EQ(inside.blocks(), 16u);  // tmpfs: 16

    FileData past_eof;
    write(past_eof, 0, 10);
    ASSERT_TRUE(past_eof.allocate(0, 3 * P, true));
    past_eof.punch_hole(P, 5 * P);
    EXPECT_EQ(past_eof.blocks(), 8u);  // tmpfs: 8
}

TEST(FileData, AllocateLimits) {
    FileData file;
    ASSERT_TRUE(file.allocate(FileData::kMaxSize - 10, 10, false));
    EXPECT_EQ(file.size(), FileData::kMaxSize);  // tmpfs: INT64_MAX
    EXPECT_EQ(file.blocks(), 8u);                // tmpfs: 8
    EXPECT_EQ(file.table_depth(), FileData::kMaxDepth);
    EXPECT_EQ(file.allocate(FileData::kMaxSize - 10, 11, false), fail(EFBIG));  // tmpfs: EFBIG
    EXPECT_EQ(file.allocate(FileData::kMaxSize - 10, 11, true), fail(EFBIG));   // tmpfs: EFBIG
    EXPECT_EQ(file.zero_range(FileData::kMaxSize, 1, true), fail(EFBIG));
    EXPECT_EQ(file.blocks(), 8u);
}

TEST(FileData, ZeroRangeReadsZerosAndStaysAllocated) {
    FileData file;
    write(file, 0, 3 * P);
    ASSERT_TRUE(file.zero_range(100, 2 * P, true));
    auto expected = pattern(3 * P);
    std::fill_n(expected.begin() + 100, 2 * P, std::byte{0});
    EXPECT_EQ(read(file, 0, 3 * P), expected);
    EXPECT_EQ(file.blocks(), 24u);
    EXPECT_EQ(file.size(), 3 * P);

    ASSERT_TRUE(file.zero_range(3 * P, 2 * P, true));
    EXPECT_EQ(file.size(), 3 * P);
    EXPECT_EQ(file.blocks(), 40u);
    ASSERT_TRUE(file.zero_range(5 * P, P + 1, false));
    EXPECT_EQ(file.size(), 6 * P + 1);
    EXPECT_EQ(file.blocks(), 56u);
    EXPECT_EQ(read(file, 3 * P, 3 * P + 1), zeros(3 * P + 1));
}

TEST(FileData, ZeroRangeInSmallFile) {
    FileData file;
    write(file, 0, 100);
    ASSERT_TRUE(file.zero_range(10, 20, true));
    EXPECT_EQ(read(file, 0, 100), [] {
        auto expected = pattern(100);
        std::fill_n(expected.begin() + 10, 20, std::byte{0});
        return expected;
    }());
    EXPECT_EQ(file.blocks(), 8u);
}

// --- SEEK_DATA / SEEK_HOLE (all tmpfs-checked) --------------------------------

TEST(FileDataSeek, EmptyFile) {
    FileData file;
    EXPECT_EQ(data_at(file, 0), kEnxio);
    EXPECT_EQ(hole_at(file, 0), kEnxio);
}

TEST(FileDataSeek, OneByteFile) {
    FileData file;
    write(file, 0, 1);
    EXPECT_EQ(file.blocks(), 8u);
    EXPECT_EQ(data_at(file, 0), 0);
    EXPECT_EQ(hole_at(file, 0), 1);
    EXPECT_EQ(data_at(file, 1), kEnxio);
    EXPECT_EQ(hole_at(file, 1), kEnxio);

    FileData later;
    write(later, 100, 1);
    EXPECT_EQ(later.blocks(), 8u);
    EXPECT_EQ(data_at(later, 0), 0);  // page granularity: the hole before is data
    EXPECT_EQ(data_at(later, 50), 50);
    EXPECT_EQ(hole_at(later, 0), 101);
}

TEST(FileDataSeek, FullyWrittenFile) {
    FileData file;
    write(file, 0, 3 * P + 100);
    EXPECT_EQ(file.blocks(), 32u);
    EXPECT_EQ(data_at(file, 0), 0);
    EXPECT_EQ(data_at(file, 5000), 5000);
    EXPECT_EQ(hole_at(file, 0), 12388);
    EXPECT_EQ(hole_at(file, 5000), 12388);
    EXPECT_EQ(data_at(file, 12387), 12387);
    EXPECT_EQ(hole_at(file, 12387), 12388);
    EXPECT_EQ(data_at(file, 12388), kEnxio);
    EXPECT_EQ(hole_at(file, 12388), kEnxio);
}

TEST(FileDataSeek, HoleAtStart) {
    FileData file;
    ASSERT_TRUE(file.truncate(3 * P));
    write(file, 2 * P, P);
    EXPECT_EQ(file.blocks(), 8u);
    EXPECT_EQ(data_at(file, 0), 8192);
    EXPECT_EQ(hole_at(file, 0), 0);
    EXPECT_EQ(hole_at(file, 2 * P), 12288);
    EXPECT_EQ(data_at(file, 2 * P + 10), 8202);
    EXPECT_EQ(hole_at(file, 2 * P + 10), 12288);
}

TEST(FileDataSeek, HoleInMiddle) {
    FileData file;
    write(file, 0, P);
    write(file, 2 * P + 10, 20);
    EXPECT_EQ(file.blocks(), 16u);
    EXPECT_EQ(data_at(file, 0), 0);
    EXPECT_EQ(hole_at(file, 0), 4096);
    EXPECT_EQ(data_at(file, P), 8192);
    EXPECT_EQ(data_at(file, P + 123), 8192);
    EXPECT_EQ(hole_at(file, P + 123), 4219);
    EXPECT_EQ(hole_at(file, 2 * P), 8222);
    EXPECT_EQ(hole_at(file, 2 * P + 29), 8222);
}

TEST(FileDataSeek, DataAtEndOfSparseFile) {
    FileData file;
    ASSERT_TRUE(file.truncate(kMiB));
    write(file, kMiB - 10, 10);
    EXPECT_EQ(file.blocks(), 8u);
    EXPECT_EQ(data_at(file, 0), 1044480);
    EXPECT_EQ(hole_at(file, 0), 0);
    EXPECT_EQ(hole_at(file, kMiB - P), 1048576);
    EXPECT_EQ(data_at(file, kMiB - 1), 1048575);
}

TEST(FileDataSeek, OffsetAtOrPastEofIsEnxio) {
    FileData file;
    ASSERT_TRUE(file.truncate(kMiB));
    write(file, kMiB - 10, 10);
    EXPECT_EQ(data_at(file, kMiB), kEnxio);
    EXPECT_EQ(hole_at(file, kMiB), kEnxio);
    EXPECT_EQ(data_at(file, 5 * kMiB), kEnxio);
    EXPECT_EQ(hole_at(file, 5 * kMiB), kEnxio);
}

TEST(FileDataSeek, SparseFileWithoutData) {
    FileData file;
    ASSERT_TRUE(file.truncate(10 * P));
    EXPECT_EQ(file.blocks(), 0u);
    EXPECT_EQ(data_at(file, 0), kEnxio);
    EXPECT_EQ(hole_at(file, 0), 0);
    EXPECT_EQ(hole_at(file, 5 * P + 7), 20487);
}

TEST(FileDataSeek, LastPartialPage) {
    FileData file;
    write(file, 0, 1);
    ASSERT_TRUE(file.truncate(3 * P + 1));
    write(file, 3 * P, 1);
    EXPECT_EQ(file.blocks(), 16u);
    EXPECT_EQ(data_at(file, 1), 1);
    EXPECT_EQ(hole_at(file, 3 * P), 12289);
    EXPECT_EQ(data_at(file, 3 * P), 12288);
}

// --- Scale: bounded depth and memory ------------------------------------------

TEST(FileDataScale, OneTebibyteSparseFileCostsAlmostNothing) {
    FileData file;
    ASSERT_TRUE(file.truncate(kTiB));
    write(file, kTiB - P, P);
    EXPECT_EQ(file.blocks(), 8u);  // tmpfs: 8
    EXPECT_LT(file.memory_bytes(), 64 * kKiB);
    EXPECT_EQ(file.table_depth(), 5u);
    EXPECT_EQ(data_at(file, 0), static_cast<std::int64_t>(kTiB - P));  // tmpfs: same
    EXPECT_EQ(hole_at(file, 0), 0);                                    // tmpfs: 0
    EXPECT_EQ(hole_at(file, kTiB - P), static_cast<std::int64_t>(kTiB));
    EXPECT_EQ(read(file, kTiB - P, P), pattern(P));
    EXPECT_EQ(read(file, kTiB / 2, P), zeros(P));
}

TEST(FileDataScale, DepthFollowsTheHighestPageOnly) {
    FileData file;
    ASSERT_TRUE(file.truncate(8 * kGiB));
    write(file, 4 * kGiB - 2048, P);    // straddles two leaves far apart from page 0
    EXPECT_EQ(file.table_depth(), 4u);  // 2^20 pages: 64^3 < 2^20 <= 64^4
    EXPECT_EQ(read(file, 4 * kGiB - 4096, 2 * P),
              concat(concat(zeros(2048), pattern(P)), zeros(2048)));
    EXPECT_LT(file.memory_bytes(), 2 * P + 8 * kKiB);

    write(file, 0, 1);
    ASSERT_TRUE(file.truncate(10));  // only page 0 left: the table shrinks back
    EXPECT_EQ(file.table_depth(), 1u);
    EXPECT_LT(file.memory_bytes(), P + kKiB);
}

TEST(FileDataScale, MaxSizeNeedsOnlyMaxDepth) {
    FileData file;
    ASSERT_TRUE(file.truncate(FileData::kMaxSize));
    write(file, FileData::kMaxSize - 1, 1);
    EXPECT_EQ(file.table_depth(), FileData::kMaxDepth);
    EXPECT_LT(file.memory_bytes(), 16 * kKiB);
    // Each of these would take forever if any walk grew with the offset.
    EXPECT_EQ(read(file, FileData::kMaxSize - 1, 10), pattern(1));
    EXPECT_EQ(read(file, FileData::kMaxSize / 3, P), zeros(P));
    EXPECT_EQ(data_at(file, 0), static_cast<std::int64_t>(FileData::kMaxSize - 1) / 4096 * 4096);
    EXPECT_EQ(hole_at(file, 0), 0);
    ASSERT_TRUE(file.truncate(0));
    EXPECT_EQ(file.memory_bytes(), 0u);
    EXPECT_EQ(file.table_depth(), 0u);
}

// --- Quota estimate --------------------------------------------------------------

TEST(FileDataQuota, BlocksToAddIsWhatBlocksGrowsBy) {
    FileData file;
    EXPECT_EQ(file.blocks_to_add(0, 0), 0u);
    EXPECT_EQ(file.blocks_to_add(0, 1), 8u);
    EXPECT_EQ(file.blocks_to_add(P - 1, 2), 16u) << "two pages touched";
    write(file, 0, 10);  // a small buffer: page 0
    EXPECT_EQ(file.blocks(), 8u);
    EXPECT_EQ(file.blocks_to_add(0, P), 0u);
    EXPECT_EQ(file.blocks_to_add(0, 3 * P), 16u) << "page 0 moves into the table as it is";
    write(file, 0, 3 * P);
    EXPECT_EQ(file.blocks(), 24u);
    ASSERT_TRUE(file.allocate(10 * P, 2 * P, true));
    EXPECT_EQ(file.blocks(), 40u);
    EXPECT_EQ(file.blocks_to_add(0, 12 * P), 7 * 8u) << "pages 3 to 9 only";
    EXPECT_EQ(file.blocks_to_add(kTiB, P), 8u);
    EXPECT_EQ(file.blocks_to_add(FileData::kMaxSize, 1), 0u);
    EXPECT_EQ(file.blocks_to_add(0, FileData::kMaxSize), (FileData::kMaxSize / P + 1 - 5) * 8)
        << "counted without a walk of every page";
}

// --- Ownership ------------------------------------------------------------------

TEST(FileData, MoveTransfersEverything) {
    FileData from;
    write(from, 0, 3 * P);
    const std::uint64_t memory = from.memory_bytes();
    FileData to(std::move(from));
    EXPECT_EQ(to.size(), 3 * P);
    EXPECT_EQ(to.memory_bytes(), memory);
    EXPECT_EQ(read(to, 0, 3 * P), pattern(3 * P));
    EXPECT_EQ(from.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(from.memory_bytes(), 0u);

    FileData other;
    write(other, 0, 10);
    other = std::move(to);
    EXPECT_EQ(read(other, 0, 3 * P), pattern(3 * P));
    EXPECT_EQ(other.blocks(), 24u);
}

// --- Against a model ------------------------------------------------------------

// A byte vector for the contents and a state per page for blocks and seeks,
// driven by random operations near page and leaf boundaries; the model
// encodes tmpfs's rules as the explicit tests above check them.
class Model {
  public:
    enum class Page { kHole, kReserved, kData };
    static constexpr std::uint64_t kPages = 256;  // four leaves

    std::vector<std::byte> bytes;
    std::vector<Page> pages = std::vector<Page>(kPages, Page::kHole);

    void write(std::uint64_t offset, const std::vector<std::byte>& in) {
        if (in.empty()) return;
        if (bytes.size() < offset + in.size()) bytes.resize(offset + in.size());
        std::ranges::copy(in, bytes.begin() + offset);
        for (auto p = offset / P; p <= (offset + in.size() - 1) / P; ++p)
            pages[p] = Page::kData;
    }
    void truncate(std::uint64_t n) {
        if (n <= bytes.size()) std::fill(pages.begin() + (n + P - 1) / P, pages.end(), Page::kHole);
        bytes.resize(n);
    }
    void punch(std::uint64_t offset, std::uint64_t len) {
        const std::uint64_t end = offset + len;
        zero(offset, end);
        for (auto p = (offset + P - 1) / P; p < end / P; ++p)
            pages[p] = Page::kHole;
    }
    void allocate(std::uint64_t offset, std::uint64_t len, bool keep_size) {
        // tmpfs: a page reserved by an earlier fallocate becomes data when
        // another covers it (checked on /dev/shm, Linux 6.18).
        for (auto p = offset / P; p <= (offset + len - 1) / P; ++p) {
            pages[p] = pages[p] == Page::kHole ? Page::kReserved : Page::kData;
        }
        if (!keep_size && bytes.size() < offset + len) bytes.resize(offset + len);
    }
    void zero(std::uint64_t from, std::uint64_t to) {
        for (auto i = from; i < std::min<std::uint64_t>(to, bytes.size()); ++i)
            bytes[i] = {};
    }
    std::uint64_t blocks() const {
        return 8 * static_cast<std::uint64_t>(
                       std::ranges::count_if(pages, [](Page p) { return p != Page::kHole; }));
    }
    std::int64_t seek(std::uint64_t offset, bool data) const {
        if (offset >= bytes.size()) return kEnxio;
        for (auto p = offset / P; p * P < bytes.size(); ++p) {
            if ((pages[p] == Page::kData) == data)
                return static_cast<std::int64_t>(std::max(offset, p * P));
        }
        return data ? kEnxio : static_cast<std::int64_t>(bytes.size());
    }
};

TEST(FileDataModel, RandomOperationsMatchTheModel) {
    std::mt19937_64 rng(20240601);
    auto offset_near_boundary = [&] {
        const std::uint64_t boundaries[] = {0, P, 2 * P, 63 * P, 64 * P, 65 * P, 128 * P};
        const std::uint64_t base = boundaries[rng() % std::size(boundaries)];
        const std::uint64_t jitter = rng() % (2 * P);
        return base + jitter >= P ? base + jitter - P : base + jitter;
    };
    auto length = [&] {
        const std::uint64_t lengths[] = {1, 7, P - 1, P, P + 1, 3 * P + 17, 70 * P};
        return lengths[rng() % std::size(lengths)];
    };
    for (int run = 0; run < 12; ++run) {
        FileData file;
        Model model;
        for (int step = 0; step < 200; ++step) {
            const std::uint64_t offset = offset_near_boundary();
            const std::uint64_t len = length();
            const std::uint64_t blocks_before = file.blocks();
            const std::uint64_t exact = file.blocks_to_add(offset, len);
            switch (rng() % 8) {
                case 0:
                case 1:
                case 2: {
                    const auto in = pattern(len, static_cast<unsigned>(step));
                    write(file, offset, in);
                    model.write(offset, in);
                    ASSERT_EQ(file.blocks() - blocks_before, exact) << "step " << step;
                    break;
                }
                case 3:
                    ASSERT_TRUE(file.truncate(offset));
                    model.truncate(offset);
                    break;
                case 4:
                    file.punch_hole(offset, len);
                    model.punch(offset, len);
                    break;
                case 5:
                case 6: {
                    const bool keep_size = rng() % 2;
                    ASSERT_TRUE(file.allocate(offset, len, keep_size));
                    model.allocate(offset, len, keep_size);
                    ASSERT_EQ(file.blocks() - blocks_before, exact) << "step " << step;
                    break;
                }
                case 7: {
                    const bool keep_size = rng() % 2;
                    ASSERT_TRUE(file.zero_range(offset, len, keep_size));
                    model.allocate(offset, len, keep_size);
                    model.zero(offset, offset + len);
                    break;
                }
            }
            ASSERT_EQ(file.size(), model.bytes.size()) << "run " << run << " step " << step;
            ASSERT_EQ(file.blocks(), model.blocks()) << "run " << run << " step " << step;
            if (file.blocks() == 0) {
                ASSERT_EQ(file.memory_bytes(), 0u);
            }
            const std::uint64_t probe = offset_near_boundary();
            ASSERT_EQ(data_at(file, probe), model.seek(probe, true)) << "at " << probe;
            ASSERT_EQ(hole_at(file, probe), model.seek(probe, false)) << "at " << probe;
            ASSERT_EQ(read(file, 0, file.size() + 10), model.bytes)
                << "run " << run << " step " << step;
        }
    }
}

}  // namespace
}  // namespace imfs::core

namespace imfs::core {
namespace {

// Checked on /dev/shm (tmpfs, Linux 6.18) with fallocate(2) and lseek(2):
// pages one fallocate allocates are holes to SEEK_DATA, but a page an
// earlier fallocate reserved turns into data when another one covers it.
TEST(FileDataTmpfs, ASecondFallocateTurnsReservedPagesIntoData) {
    FileData file;
    ASSERT_TRUE(file.allocate(0, 4096, false).has_value());
    EXPECT_EQ(file.seek_data(0).error(), Errno{ENXIO});
    ASSERT_TRUE(file.allocate(0, 8192, false).has_value());
    EXPECT_EQ(file.seek_data(0).value(), 0u);
    EXPECT_EQ(file.seek_data(3090).value(), 3090u);
    EXPECT_EQ(file.seek_data(5000).error(), Errno{ENXIO});  // page 1: new, so a hole
    EXPECT_EQ(file.seek_hole(0).value(), 4096u);
    EXPECT_EQ(file.blocks(), 16u);
    std::byte byte{1};
    EXPECT_EQ(file.read(100, {&byte, 1}), 1u);
    EXPECT_EQ(byte, std::byte{0});
}

#if !IMFS_SANITIZED  // the sanitizers' runtimes need address space of their own
// Out of memory, a write stops short at the last page it could get, and a
// call that gets none changes nothing. Run in a death test's child, whose
// address space is capped at what it maps plus 1 MiB (less than the page
// pool's next chunk).
int run_out_of_memory() {
    const auto fail = [](const char* what) { return std::fprintf(stderr, "%s\n", what), 1; };
    const auto is_enomem = [](const auto& result) {
        return !result && result.error() == Errno{ENOMEM};
    };
    constexpr std::uint64_t kStart = 2 * P;  // more than one page: the file has a table
    FileData file;
    FileData small;
    const std::vector<std::byte> data = pattern(16 * kMiB);  // more than a pool holds free
    std::vector<std::byte> back(data.size());
    if (!small.write(0, std::span(data).first(100)) ||
        !file.write(0, std::span(data).first(kStart)))
        return fail("writes before the limit failed");

    // Chunks that earlier tests freed would serve the write past the limit.
    PagePool::process_pool().release_retained();
    std::ifstream statm("/proc/self/statm");
    std::uint64_t mapped_pages = 0;
    statm >> mapped_pages;
    const rlim_t limit = mapped_pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + kMiB;
    const rlimit cap{limit, limit};
    if (setrlimit(RLIMIT_AS, &cap) != 0) return fail("setrlimit");

    const auto written = file.write(kStart, data);
    if (!written || *written == 0 || *written >= data.size() || *written % P != 0)
        return fail("not a short write of whole pages");
    if (file.size() != kStart + *written || file.blocks() != (kStart + *written) / 512)
        return fail("size or blocks do not match the short write");
    if (file.read(kStart, back) != *written ||
        !std::equal(back.begin(), back.begin() + *written, data.begin()))
        return fail("the bytes written do not read back");

    const auto none = file.write(kStart + *written, std::span(data).first(P));
    if (!is_enomem(none)) return fail("a write with no page is not ENOMEM");
    if (file.size() != kStart + *written || file.blocks() != (kStart + *written) / 512)
        return fail("a failed write changed the file");

    // A small file cannot move into a page, nor get a bigger block: there is
    // no page to cut one from (no test before this one in the process leaves
    // a 2 KiB block free). It stays as it was.
    if (!is_enomem(small.write(100, std::span(data).first(1900))) ||
        !is_enomem(small.write(5000, std::span(data).first(10))) ||
        !is_enomem(small.allocate(0, 2 * P, false)))
        return fail("a small file grew without memory");
    if (small.size() != 100 || small.blocks() != 8 || small.read(0, back) != 100 ||
        !std::equal(back.begin(), back.begin() + 100, data.begin()))
        return fail("a failed write changed the small file");

    // Pages given back make room again.
    if (!file.truncate(kStart) || !file.write(kStart, std::span(data).first(P)))
        return fail("no write after freeing pages");
    return 0;
}

TEST(FileDataDeathTest, OutOfMemoryWritesStopShortAndFailedCallsChangeNothing) {
    EXPECT_EXIT(std::_Exit(run_out_of_memory()), testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
}  // namespace imfs::core
