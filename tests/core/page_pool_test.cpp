#include "core/page_pool.hpp"

#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/sanitizers.hpp"

namespace imfs::core {
namespace {

constexpr std::size_t kPage = PagePool::kPageSize;
constexpr std::size_t kChunk = PagePool::kChunkSize;
constexpr std::size_t kPerChunk = PagePool::kPagesPerChunk;

std::uintptr_t address(const PagePtr& page) {
    return reinterpret_cast<std::uintptr_t>(page.get());
}

std::uintptr_t chunk_of(const PagePtr& page) {
    return address(page) & ~(kChunk - 1);
}

// Whether the kernel has anything mapped at address (mincore fails with
// ENOMEM on an unmapped range).
bool is_mapped(std::uintptr_t address) {
    unsigned char resident;
    return mincore(reinterpret_cast<void*>(address), kPage, &resident) == 0;
}

// A clock the test moves: PagePool takes a function, so the time is global.
std::atomic<std::int64_t> fake_now_ms{0};
std::int64_t fake_clock() noexcept {
    return fake_now_ms.load();
}

// Moves the fake clock past the time a freed chunk is kept.
void let_retained_chunks_expire() {
    fake_now_ms += PagePool::kRetainMs;
}

std::vector<PagePtr> allocate(PagePool& pool, std::size_t count) {
    std::vector<PagePtr> pages;
    for (std::size_t i = 0; i < count; ++i) {
        auto page = pool.allocate();
        if (!page) {
            ADD_FAILURE() << "allocation " << i << " failed: errno " << page.error().value;
            break;
        }
        pages.push_back(std::move(*page));
    }
    return pages;
}

// Fills a page with bytes that name its owner and generation.
void stamp(PagePtr& page, unsigned owner, unsigned generation) {
    for (std::size_t i = 0; i < kPage; ++i)
        page[i] = static_cast<std::byte>(owner * 31 + generation * 7 + i % 253);
}

bool has_stamp(const PagePtr& page, unsigned owner, unsigned generation) {
    for (std::size_t i = 0; i < kPage; ++i) {
        if (page[i] != static_cast<std::byte>(owner * 31 + generation * 7 + i % 253)) return false;
    }
    return true;
}

TEST(PagePool, PagesAreAlignedDistinctAndWritable) {
    PagePool pool;
    std::vector<PagePtr> pages = allocate(pool, 1000);
    std::set<std::uintptr_t> seen;
    for (unsigned i = 0; i < pages.size(); ++i) {
        EXPECT_EQ(address(pages[i]) % kPage, 0u);
        EXPECT_NE(address(pages[i]), chunk_of(pages[i])) << "the first page holds the header";
        EXPECT_TRUE(seen.insert(address(pages[i])).second);
        stamp(pages[i], i, 0);
    }
    for (unsigned i = 0; i < pages.size(); ++i)
        EXPECT_TRUE(has_stamp(pages[i], i, 0)) << "page " << i;
    EXPECT_EQ(pool.stats().pages_in_use, 1000u);
    EXPECT_EQ(pool.stats().chunks_mapped, (1000 + kPerChunk - 1) / kPerChunk);
}

TEST(PagePool, FillsOneChunkBeforeMappingAnother) {
    PagePool pool;
    std::vector<PagePtr> pages = allocate(pool, kPerChunk + 1);
    std::set<std::uintptr_t> chunks;
    for (const PagePtr& page : pages)
        chunks.insert(chunk_of(page));
    EXPECT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunk_of(pages[0]), chunk_of(pages[kPerChunk - 1]));
    EXPECT_NE(chunk_of(pages[0]), chunk_of(pages[kPerChunk]));
}

TEST(PagePool, ReusesAFreedPageBeforeMappingMore) {
    PagePool pool;
    std::vector<PagePtr> pages = allocate(pool, kPerChunk);  // one full chunk
    const std::uintptr_t freed = address(pages[kPerChunk / 2]);
    pages[kPerChunk / 2].reset();
    EXPECT_EQ(pool.stats().pages_in_use, kPerChunk - 1);
    auto again = pool.allocate();
    ASSERT_TRUE(again);
    EXPECT_EQ(address(*again), freed);
    EXPECT_EQ(pool.stats().chunks_mapped, 1u);
}

TEST(PagePool, KeepsFreedChunksForASecondThenUnmapsAllButTheNewest) {
    std::vector<std::uintptr_t> chunks;
    {
        PagePool pool(&fake_clock);
        std::vector<PagePtr> pages = allocate(pool, 3 * kPerChunk);
        for (std::size_t i = 0; i < pages.size(); i += kPerChunk)
            chunks.push_back(chunk_of(pages[i]));
        ASSERT_EQ(std::set(chunks.begin(), chunks.end()).size(), 3u);
        EXPECT_EQ(pool.stats().chunks_mapped, 3u);

        // Freed, but kept: within the second nothing is unmapped.
        pages.clear();
        EXPECT_EQ(pool.stats().pages_in_use, 0u);
        EXPECT_EQ(pool.stats().chunks_retained, 3u);
        fake_now_ms += PagePool::kRetainMs - 1;
        pool.release_expired();
        EXPECT_EQ(pool.stats().chunks_mapped, 3u);
        EXPECT_EQ(std::ranges::count_if(chunks, is_mapped), 3);

        // A second after: all go but the newest (the last freed).
        fake_now_ms += 1;
        pool.release_expired();
        EXPECT_EQ(pool.stats().chunks_mapped, 1u);
        EXPECT_EQ(pool.stats().chunks_retained, 1u);
        EXPECT_EQ(std::ranges::count_if(chunks, is_mapped), 1);
        EXPECT_TRUE(is_mapped(chunks.back()));
        let_retained_chunks_expire();
        pool.release_expired();
        EXPECT_EQ(pool.stats().chunks_mapped, 1u);

        // The kept chunk serves the next allocation; nothing new is mapped.
        auto page = pool.allocate();
        ASSERT_TRUE(page);
        EXPECT_TRUE(is_mapped(chunk_of(*page)));
        EXPECT_EQ(pool.stats().chunks_mapped, 1u);
        EXPECT_EQ(pool.stats().chunks_retained, 0u);
    }
    EXPECT_EQ(std::ranges::count_if(chunks, is_mapped), 0);
}

TEST(PagePool, RetainedChunksServeTheNextAllocationsNewestFirst) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> older = allocate(pool, kPerChunk);
    std::vector<PagePtr> newer = allocate(pool, kPerChunk);
    const std::uintptr_t older_chunk = chunk_of(older[0]);
    const std::uintptr_t newer_chunk = chunk_of(newer[0]);
    older.clear();
    newer.clear();
    EXPECT_EQ(pool.stats().chunks_retained, 2u);

    // Written pages: what the kernel did with the lazily freed memory does
    // not matter, as a written page is the pool's again.
    std::vector<PagePtr> again = allocate(pool, 2 * kPerChunk);
    EXPECT_EQ(chunk_of(again[0]), newer_chunk);
    EXPECT_EQ(chunk_of(again[kPerChunk]), older_chunk);
    for (unsigned i = 0; i < again.size(); ++i)
        stamp(again[i], i, 1);
    for (unsigned i = 0; i < again.size(); ++i)
        EXPECT_TRUE(has_stamp(again[i], i, 1)) << "page " << i;
    EXPECT_EQ(pool.stats().chunks_mapped, 2u);
    EXPECT_EQ(pool.stats().chunks_retained, 0u);
}

TEST(PagePool, RetainingAChunkUnmapsTheExpiredOnes) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> first = allocate(pool, 2 * kPerChunk);
    std::vector<PagePtr> second = allocate(pool, kPerChunk);
    first.clear();  // two chunks retained
    let_retained_chunks_expire();
    const std::uintptr_t third = chunk_of(second[0]);
    second.clear();  // a third, which unmaps the two expired ones
    EXPECT_EQ(pool.stats().chunks_mapped, 1u);
    EXPECT_EQ(pool.stats().chunks_retained, 1u);
    EXPECT_TRUE(is_mapped(third));
}

TEST(PagePool, OnlyChunksRetainedBeforeTheNewestAreLazilyFree) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> pages = allocate(pool, 3 * kPerChunk);
    pages.resize(2 * kPerChunk);
    EXPECT_EQ(pool.stats().chunks_retained, 1u);
    EXPECT_EQ(pool.stats().chunks_lazily_free, 0u);  // the newest: no system call
    pages.clear();
    EXPECT_EQ(pool.stats().chunks_retained, 3u);
    EXPECT_EQ(pool.stats().chunks_lazily_free, 2u);

    // Taken for reuse, newest first: the one not advised, then the others.
    pages = allocate(pool, kPerChunk);
    EXPECT_EQ(pool.stats().chunks_lazily_free, 2u);
    // Then the two advised ones; the first chunk, freed after, is retained
    // alone, so nothing is lazily free.
    pages = allocate(pool, 2 * kPerChunk);
    EXPECT_EQ(pool.stats().chunks_retained, 1u);
    EXPECT_EQ(pool.stats().chunks_lazily_free, 0u);
    let_retained_chunks_expire();
    pool.release_expired();
    EXPECT_EQ(pool.stats().chunks_retained, 1u);  // the newest stays
    // Retaining the other two unmaps the expired one; the older of them is
    // lazily free.
    pages.clear();
    EXPECT_EQ(pool.stats().chunks_retained, 2u);
    EXPECT_EQ(pool.stats().chunks_lazily_free, 1u);
    pool.release_retained();
    EXPECT_EQ(pool.stats().chunks_lazily_free, 0u);
    EXPECT_EQ(pool.stats().chunks_mapped, 0u);
}

#ifdef MADV_PAGEOUT
TEST(PagePool, PagesTheKernelTookFromARetainedChunkServeAsAnyOther) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> pages = allocate(pool, 2 * kPerChunk);
    for (unsigned i = 0; i < pages.size(); ++i)
        stamp(pages[i], i, 0);
    const std::uintptr_t older = chunk_of(pages[0]);
    pages.clear();  // the first chunk, then the second: the first is lazily free
    ASSERT_EQ(pool.stats().chunks_lazily_free, 1u);
    // The kernel takes lazily free pages when it reclaims: make it reclaim
    // (Linux 5.4). Taken, they read as zeros.
    ASSERT_EQ(madvise(reinterpret_cast<void*>(older + kPage), kChunk - kPage, MADV_PAGEOUT), 0);
    std::vector<PagePtr> again = allocate(pool, 2 * kPerChunk);
    ASSERT_EQ(chunk_of(again[kPerChunk]), older);
    for (std::size_t p = kPerChunk; p < again.size(); ++p) {
        EXPECT_TRUE(std::all_of(again[p].get(), again[p].get() + kPage,
                                [](std::byte b) { return b == std::byte{0}; }))
            << "page " << p << " kept what its old owner wrote";
    }
    for (unsigned i = 0; i < again.size(); ++i)
        stamp(again[i], i, 1);
    for (unsigned i = 0; i < again.size(); ++i)
        EXPECT_TRUE(has_stamp(again[i], i, 1)) << "page " << i;
}
#endif

TEST(PagePool, AllocationReusesExpiredChunksRatherThanMapping) {
    PagePool pool(&fake_clock);
    const auto chunks = [](const std::vector<PagePtr>& pages) {
        std::set<std::uintptr_t> set;
        for (const PagePtr& page : pages)
            set.insert(chunk_of(page));
        return set;
    };
    std::vector<PagePtr> pages = allocate(pool, 3 * kPerChunk);
    const std::set<std::uintptr_t> before = chunks(pages);
    pages.clear();
    let_retained_chunks_expire();
    pages = allocate(pool, 3 * kPerChunk);
    EXPECT_EQ(chunks(pages), before);
    EXPECT_EQ(pool.stats().chunks_mapped, 3u);
    EXPECT_EQ(pool.stats().chunks_retained, 0u);
}

TEST(PagePool, ReleaseRetainedUnmapsEveryFreeChunkNow) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> freed = allocate(pool, 2 * kPerChunk);
    std::vector<PagePtr> kept = allocate(pool, 1);
    const std::uintptr_t first = chunk_of(freed[0]);
    const std::uintptr_t second = chunk_of(freed[kPerChunk]);
    freed.clear();
    pool.release_retained();
    EXPECT_FALSE(is_mapped(first));
    EXPECT_FALSE(is_mapped(second));
    EXPECT_EQ(pool.stats().chunks_mapped, 1u);
    EXPECT_EQ(pool.stats().chunks_retained, 0u);
    EXPECT_TRUE(is_mapped(chunk_of(kept[0])));
}

TEST(PagePool, GrowingAndShrinkingAcrossAChunkBoundaryDoesNotRemap) {
    PagePool pool;
    std::vector<PagePtr> pages = allocate(pool, kPerChunk);
    auto first = pool.allocate();
    ASSERT_TRUE(first);
    const std::uintptr_t boundary_page = address(*first);
    first->reset();
    for (int i = 0; i < 100; ++i) {
        auto page = pool.allocate();
        ASSERT_TRUE(page);
        EXPECT_EQ(address(*page), boundary_page);
    }
    EXPECT_EQ(pool.stats().chunks_mapped, 2u);
}

TEST(PagePool, ManyThreadsAllocateAndFreeConcurrently) {
    PagePool pool(&fake_clock);
    constexpr unsigned kThreads = 4;
    constexpr unsigned kSteps = 20000;
    std::vector<char> intact(kThreads, false);  // not vector<bool>: one byte per thread
    std::vector<std::thread> threads;
    // Time passes while they work: expired chunks are unmapped beside them.
    std::atomic<bool> done{false};
    std::thread clock([&pool, &done] {
        while (!done.load()) {
            fake_now_ms += PagePool::kRetainMs / 4;
            pool.release_expired();
            std::this_thread::yield();
        }
    });
    for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&pool, &intact, t] {
            std::mt19937 random(t);
            std::vector<std::pair<PagePtr, unsigned>> held;  // page, generation
            bool ok = true;
            for (unsigned step = 0; step < kSteps; ++step) {
                // Mostly allocate while few are held, mostly free when many.
                if (held.empty() || random() % 1500 >= held.size()) {
                    auto page = pool.allocate();
                    if (!page) {
                        ok = false;
                        break;
                    }
                    stamp(*page, t, step);
                    held.emplace_back(std::move(*page), step);
                } else {
                    std::swap(held[random() % held.size()], held.back());
                    ok = ok && has_stamp(held.back().first, t, held.back().second);
                    held.pop_back();
                }
            }
            for (auto& [page, generation] : held)
                ok = ok && has_stamp(page, t, generation);
            intact[t] = ok;
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    done = true;
    clock.join();
    for (unsigned t = 0; t < kThreads; ++t)
        EXPECT_TRUE(intact[t]) << "thread " << t;
    EXPECT_EQ(pool.stats().pages_in_use, 0u);
    EXPECT_EQ(pool.stats().chunks_retained, pool.stats().chunks_mapped);
    let_retained_chunks_expire();
    pool.release_expired();
    EXPECT_EQ(pool.stats().chunks_mapped, 1u);
}

TEST(PagePool, APageCanBeFreedOnAnotherThread) {
    PagePool pool(&fake_clock);
    std::vector<PagePtr> pages = allocate(pool, 2 * kPerChunk);
    std::thread([&pages] { pages.clear(); }).join();
    EXPECT_EQ(pool.stats().pages_in_use, 0u);
    EXPECT_EQ(pool.stats().chunks_retained, 2u);
}

// --- Blocks ---------------------------------------------------------------

std::vector<PagePool::BlockPtr> allocate_blocks(PagePool& pool, std::size_t size,
                                                std::size_t count) {
    std::vector<PagePool::BlockPtr> blocks;
    for (std::size_t i = 0; i < count; ++i) {
        auto block = pool.allocate_block(size);
        if (!block) {
            ADD_FAILURE() << "block " << i << " of " << size << " failed: errno "
                          << block.error().value;
            break;
        }
        blocks.push_back(std::move(*block));
    }
    return blocks;
}

std::uintptr_t address(const PagePool::BlockPtr& block) {
    return reinterpret_cast<std::uintptr_t>(block.get());
}

void stamp(PagePool::BlockPtr& block, std::size_t size, unsigned owner) {
    for (std::size_t i = 0; i < size; ++i)
        block[i] = static_cast<std::byte>(owner * 31 + i % 251);
}

bool has_stamp(const PagePool::BlockPtr& block, std::size_t size, unsigned owner) {
    for (std::size_t i = 0; i < size; ++i) {
        if (block[i] != static_cast<std::byte>(owner * 31 + i % 251)) return false;
    }
    return true;
}

TEST(PagePool, BlocksOfEachSizeAreAlignedDistinctWritableAndPacked) {
    PagePool pool(&fake_clock);
    std::vector<PagePool::BlockPtr> all;
    std::set<std::uintptr_t> pages;
    std::uint64_t expected_pages = 0;
    for (std::size_t size = PagePool::kMinBlock; size <= kPage; size *= 2) {
        const std::size_t per_page = kPage / size;
        std::vector<PagePool::BlockPtr> blocks = allocate_blocks(pool, size, 2 * per_page + 1);
        std::set<std::uintptr_t> pages_of_size;
        for (unsigned i = 0; i < blocks.size(); ++i) {
            EXPECT_EQ(address(blocks[i]) % size, 0u) << size;
            pages_of_size.insert(address(blocks[i]) & ~(kPage - 1));
            stamp(blocks[i], size, i);
        }
        for (unsigned i = 0; i < blocks.size(); ++i)
            EXPECT_TRUE(has_stamp(blocks[i], size, i)) << "block " << i << " of " << size;
        // Packed: as few pages as the blocks need, none shared with another size.
        EXPECT_EQ(pages_of_size.size(), 3u) << size;
        for (std::uintptr_t page : pages_of_size)
            EXPECT_TRUE(pages.insert(page).second) << "a page holds blocks of two sizes";
        expected_pages += 3;
        std::ranges::move(blocks, std::back_inserter(all));
    }
    EXPECT_EQ(pool.stats().pages_in_use, expected_pages);
    EXPECT_EQ(pool.stats().blocks_in_use, all.size());
    all.clear();
    EXPECT_EQ(pool.stats().pages_in_use, 0u);
    EXPECT_EQ(pool.stats().blocks_in_use, 0u);
}

TEST(PagePool, APageOfBlocksGoesBackWithItsLastBlockAndAFreedBlockIsReusedFirst) {
    PagePool pool(&fake_clock);
    constexpr std::size_t kSize = 1024;
    std::vector<PagePool::BlockPtr> blocks = allocate_blocks(pool, kSize, 2 * kPage / kSize);
    EXPECT_EQ(pool.stats().pages_in_use, 2u);
    // A block freed from a full page serves the next allocation.
    const std::uintptr_t freed = address(blocks[1]);
    blocks[1].reset();
    auto again = pool.allocate_block(kSize);
    ASSERT_TRUE(again);
    EXPECT_EQ(address(*again), freed);
    EXPECT_EQ(pool.stats().pages_in_use, 2u);
    blocks[1] = std::move(*again);

    // The second page goes back with its last block, not before.
    const std::size_t per_page = kPage / kSize;
    for (std::size_t i = per_page; i + 1 < blocks.size(); ++i)
        blocks[i].reset();
    EXPECT_EQ(pool.stats().pages_in_use, 2u);
    const std::uintptr_t second_page = address(blocks.back()) & ~(kPage - 1);
    blocks.back().reset();
    EXPECT_EQ(pool.stats().pages_in_use, 1u);
    EXPECT_EQ(pool.stats().blocks_in_use, per_page);

    // That page is the pool's again: it serves as a whole page, and blocks
    // of its old size then come from another page.
    auto page = pool.allocate();
    ASSERT_TRUE(page);
    EXPECT_EQ(address(*page), second_page);
    std::vector<PagePool::BlockPtr> more = allocate_blocks(pool, kSize, per_page);
    for (const PagePool::BlockPtr& block : more)
        EXPECT_NE(address(block) & ~(kPage - 1), second_page);
    EXPECT_EQ(pool.stats().pages_in_use, 3u);
}

TEST(PagePool, ThreadsAllocateAndFreeBlocksOfEverySizeConcurrently) {
    PagePool pool(&fake_clock);
    constexpr unsigned kThreads = 4;
    constexpr unsigned kSteps = 20000;
    std::vector<char> intact(kThreads, false);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&pool, &intact, t] {
            std::mt19937 random(t);
            struct Held {
                PagePool::BlockPtr block;
                std::size_t size;
                unsigned owner;
            };
            std::vector<Held> held;
            bool ok = true;
            for (unsigned step = 0; step < kSteps; ++step) {
                if (held.empty() || random() % 600 >= held.size()) {
                    const std::size_t size = PagePool::kMinBlock
                                             << (random() % PagePool::kBlockSizes);
                    auto block = pool.allocate_block(size);
                    if (!block) {
                        ok = false;
                        break;
                    }
                    stamp(*block, size, t * kSteps + step);
                    held.push_back({std::move(*block), size, t * kSteps + step});
                } else {
                    std::swap(held[random() % held.size()], held.back());
                    ok = ok && has_stamp(held.back().block, held.back().size, held.back().owner);
                    held.pop_back();
                }
            }
            for (const Held& h : held)
                ok = ok && has_stamp(h.block, h.size, h.owner);
            intact[t] = ok;
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    for (unsigned t = 0; t < kThreads; ++t)
        EXPECT_TRUE(intact[t]) << "thread " << t;
    EXPECT_EQ(pool.stats().blocks_in_use, 0u);
    EXPECT_EQ(pool.stats().pages_in_use, 0u);
}

TEST(PagePool, ProcessPoolIsOne) {
    EXPECT_EQ(&PagePool::process_pool(), &PagePool::process_pool());
    auto page = PagePool::process_pool().allocate();
    ASSERT_TRUE(page);
    EXPECT_EQ(address(*page) % kPage, 0u);
}

#if !IMFS_SANITIZED  // the sanitizers' runtimes need address space of their own
// Caps this process's address space at what it maps now plus half a chunk, so the pool's next mmap
// fails as it does when the kernel is out of memory. Only in a death test's child process.
void limit_address_space() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0;
    statm >> pages;
    const rlim_t limit = pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) + kChunk / 2;
    rlimit cap{limit, limit};
    if (setrlimit(RLIMIT_AS, &cap) != 0) std::_Exit(2);
}

// Runs in the child: ENOMEM exactly when the first chunk is used up, and a
// page given back is served again without mapping.
int run_out_of_memory() {
    PagePool pool;
    std::vector<PagePtr> pages;
    pages.reserve(kPerChunk + 1);
    pages.push_back(std::move(pool.allocate().value()));  // maps the first chunk
    limit_address_space();
    for (std::size_t i = 1; i < kPerChunk; ++i) {
        auto page = pool.allocate();
        if (!page) return std::fprintf(stderr, "page %zu of the mapped chunk failed\n", i), 1;
        pages.push_back(std::move(*page));
    }
    auto failed = pool.allocate();
    if (failed) return std::fprintf(stderr, "allocated past the address-space limit\n"), 1;
    if (failed.error().value != ENOMEM) {
        return std::fprintf(stderr, "errno %d, not ENOMEM\n", failed.error().value), 1;
    }
    pages.pop_back();
    if (!pool.allocate()) return std::fprintf(stderr, "a freed page was not reused\n"), 1;
    return 0;
}

TEST(PagePoolDeathTest, FailsWithEnomemWhenNoChunkCanBeMapped) {
    EXPECT_EXIT(std::_Exit(run_out_of_memory()), testing::ExitedWithCode(0), "");
}
#endif

}  // namespace
}  // namespace imfs::core
