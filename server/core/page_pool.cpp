#include "core/page_pool.hpp"

#include <sys/mman.h>
#include <time.h>

#include <array>
#include <bit>
#include <cassert>
#include <memory>
#include <new>
#include <utility>

#include "core/immortal.hpp"
#include "core/sanitizers.hpp"
#if IMFS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace imfs::core {

// A page cut into blocks of one size. Bit i of free_blocks: block i is free.
struct PagePool::Slab {
    Slab* prev = nullptr;  // links in pool->partial_slabs_[size_index]
    Slab* next = nullptr;
    std::uint64_t free_blocks = 0;
    std::size_t size_index = 0;  // the block size is kMinBlock << size_index
};

// A chunk's header, in its first page. Bit i of free_mask: page i is free
// (page 0, the header, never is).
struct PagePool::Chunk {
    explicit Chunk(PagePool& owner) : pool(&owner) {
        static_assert(sizeof(Chunk) <= kPageSize);
        free_mask.fill(~std::uint64_t{0});
        free_mask[0] &= ~std::uint64_t{1};
    }

    PagePool* pool;
    Chunk* prev = nullptr;  // links in pool->partial_ or pool->retained_
    Chunk* next = nullptr;
    std::size_t free_pages = kPagesPerChunk;
    std::int64_t freed_at_ms = 0;  // when it was last retained
    bool lazily_freed = false;     // its pages were given to the kernel as lazily free
    std::array<std::uint64_t, kChunkSize / kPageSize / 64> free_mask;
    // slabs[i] describes page i while it is cut into blocks.
    std::array<Slab, kChunkSize / kPageSize> slabs{};
};

namespace {

static_assert(PagePool::kChunkSize / PagePool::kPageSize % 64 == 0);
static_assert(PagePool::kPageSize / PagePool::kMinBlock <= 64, "a slab's blocks fit one mask");

std::uintptr_t chunk_base(const void* inside) {
    return reinterpret_cast<std::uintptr_t>(inside) & ~(PagePool::kChunkSize - 1);
}

std::uint64_t all_blocks(std::size_t size_index) {
    const std::size_t blocks = PagePool::kPageSize / (PagePool::kMinBlock << size_index);
    return blocks == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << blocks) - 1;
}

std::byte* map_anonymous(void* address, std::size_t size, int flags) {
    void* mapped =
        mmap(address, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    return mapped == MAP_FAILED ? nullptr : static_cast<std::byte*>(mapped);
}

// kChunkSize bytes aligned to kChunkSize, at wanted if that range is free;
// null when the kernel maps no more.
std::byte* map_chunk(std::uintptr_t wanted) {
    if (wanted) {
        std::byte* chunk = map_anonymous(reinterpret_cast<void*>(wanted), PagePool::kChunkSize,
                                         MAP_FIXED_NOREPLACE);
        if (reinterpret_cast<std::uintptr_t>(chunk) == wanted) return chunk;
        // Elsewhere only if the kernel (before 4.17) took the flag as a hint.
        if (chunk) munmap(chunk, PagePool::kChunkSize);
    }
    // Twice the size holds an aligned chunk wherever it lands; the ends go back.
    std::byte* region = map_anonymous(nullptr, 2 * PagePool::kChunkSize, 0);
    if (!region) return nullptr;
    const auto start = reinterpret_cast<std::uintptr_t>(region);
    const std::size_t head =
        (PagePool::kChunkSize - start % PagePool::kChunkSize) % PagePool::kChunkSize;
    std::byte* chunk = region + head;
    if (head > 0) munmap(region, head);
    munmap(chunk + PagePool::kChunkSize, PagePool::kChunkSize - head);
    return chunk;
}

// Under AddressSanitizer a free page is poisoned, so a use after free is
// reported as it would be with malloc.
void poison(void* memory, std::size_t size) {
#if IMFS_ASAN
    ASAN_POISON_MEMORY_REGION(memory, size);
#else
    (void)memory, (void)size;
#endif
}

void unpoison(void* memory, std::size_t size) {
#if IMFS_ASAN
    ASAN_UNPOISON_MEMORY_REGION(memory, size);
#else
    (void)memory, (void)size;
#endif
}

void unmap_chunk(void* chunk) {
    unpoison(chunk, PagePool::kChunkSize);  // the address may be mapped again
    munmap(chunk, PagePool::kChunkSize);
}

void populate(void* chunk) {
    // Every page of the chunk backed now, in one call: a fault per page
    // costs a trap each (dear in a VM). Advice only (Linux 5.14).
    (void)madvise(chunk, PagePool::kChunkSize, MADV_POPULATE_WRITE);
}

// The kernel may take the pages after the header whenever it needs memory;
// until it does, they stay mapped and a write keeps them. A page it took
// reads as zeros and is backed again on its next write. Advice only (4.5).
void lazily_free(std::byte* chunk) {
    (void)madvise(chunk + PagePool::kPageSize, PagePool::kChunkSize - PagePool::kPageSize,
                  MADV_FREE);
}

}  // namespace

PagePool& PagePool::process_pool() {
    static Immortal<PagePool> pool;
    return pool.get();
}

std::int64_t PagePool::monotonic_ms() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return std::int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1'000'000;
}

PagePool::~PagePool() {
    assert(stats_.pages_in_use == 0 && stats_.blocks_in_use == 0);
    unmap_all(retained_);
}

PagePool::Chunk* PagePool::chunk_of(const void* address) noexcept {
    return std::launder(reinterpret_cast<Chunk*>(chunk_base(address)));
}

std::size_t PagePool::page_index(const void* address) noexcept {
    return (reinterpret_cast<std::uintptr_t>(address) - chunk_base(address)) / kPageSize;
}

void PagePool::ReturnPage::operator()(std::byte* page) const noexcept {
    chunk_of(page)->pool->release(page);
}

void PagePool::ReturnBlock::operator()(std::byte* block) const noexcept {
    chunk_of(block)->pool->release_block(block);
}

Result<PagePtr> PagePool::allocate() {
    std::lock_guard lock(mutex_);
    std::byte* page = allocate_page_locked();
    if (!page) return fail(ENOMEM);
    unpoison(page, kPageSize);
    return PagePtr(page);
}

std::byte* PagePool::allocate_page_locked() {
    Chunk* chunk = partial_.head ? partial_.head : take_chunk_locked();
    if (!chunk) return nullptr;
    // The lowest free page, so that the used pages of a chunk that is never
    // full stay together.
    std::size_t word = 0;
    while (chunk->free_mask[word] == 0)
        ++word;
    const auto index =
        word * 64 + static_cast<std::size_t>(std::countr_zero(chunk->free_mask[word]));
    chunk->free_mask[word] &= chunk->free_mask[word] - 1;
    if (--chunk->free_pages == 0) partial_.unlink(chunk);
    ++stats_.pages_in_use;
    return reinterpret_cast<std::byte*>(chunk) + index * kPageSize;
}

Result<PagePool::BlockPtr> PagePool::allocate_block(std::size_t size) {
    assert(std::has_single_bit(size) && size >= kMinBlock && size <= kPageSize);
    const auto size_index =
        static_cast<std::size_t>(std::countr_zero(size) - std::countr_zero(kMinBlock));
    std::lock_guard lock(mutex_);
    List<Slab>& partial = partial_slabs_[size_index];
    Slab* slab = partial.head;
    if (!slab) {
        std::byte* page = allocate_page_locked();
        if (!page) return fail(ENOMEM);
        slab = &chunk_of(page)->slabs[page_index(page)];
        slab->size_index = size_index;
        slab->free_blocks = all_blocks(size_index);
        partial.push_front(slab);
    }
    const auto index = static_cast<std::size_t>(std::countr_zero(slab->free_blocks));
    slab->free_blocks &= slab->free_blocks - 1;
    if (slab->free_blocks == 0) partial.unlink(slab);
    ++stats_.blocks_in_use;
    std::byte* block = page_of(slab) + index * size;
    unpoison(block, size);
    return BlockPtr(block);
}

void PagePool::release_block(std::byte* block) noexcept {
    ChunkList expired;
    {
        std::lock_guard lock(mutex_);
        Slab* slab = &chunk_of(block)->slabs[page_index(block)];
        List<Slab>& partial = partial_slabs_[slab->size_index];
        std::byte* page = page_of(slab);
        const std::size_t size = kMinBlock << slab->size_index;
        poison(block, size);
        --stats_.blocks_in_use;
        const bool was_full = slab->free_blocks == 0;
        slab->free_blocks |= std::uint64_t{1} << ((block - page) / size);
        if (was_full) partial.push_front(slab);
        if (slab->free_blocks == all_blocks(slab->size_index)) {
            partial.unlink(slab);
            release_page_locked(page, expired);
        }
    }
    // Outside the lock: unmapping flushes TLBs, other threads need not wait.
    unmap_all(expired);
}

std::byte* PagePool::page_of(Slab* slab) noexcept {
    Chunk* chunk = chunk_of(slab);  // the slab entry is in the chunk's header
    return reinterpret_cast<std::byte*>(chunk) +
           static_cast<std::size_t>(slab - chunk->slabs.data()) * kPageSize;
}

void PagePool::release_expired() noexcept {
    ChunkList expired;
    {
        std::lock_guard lock(mutex_);
        collect_expired_locked(expired, clock_());
    }
    unmap_all(expired);
}

void PagePool::release_retained() noexcept {
    ChunkList retained;
    {
        std::lock_guard lock(mutex_);
        stats_.chunks_mapped -= stats_.chunks_retained;
        stats_.chunks_retained = 0;
        stats_.chunks_lazily_free = 0;
        retained = std::exchange(retained_, {});
    }
    unmap_all(retained);
}

PagePool::Stats PagePool::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

// An entirely free chunk, put at the head of partial_: the most recently
// retained one, however long ago (a mapped chunk is the cheapest there is;
// expiry is for chunks nobody asks for), else a new one; null if none can
// be mapped.
PagePool::Chunk* PagePool::take_chunk_locked() {
    Chunk* chunk = retained_.head;
    if (chunk) {
        retained_.unlink(chunk);
        --stats_.chunks_retained;
        if (chunk->lazily_freed) --stats_.chunks_lazily_free;
    } else {
        std::byte* memory = map_chunk(next_address_);
        if (!memory) return nullptr;
        // Top-down layout: the kernel would place the next mapping below.
        next_address_ = reinterpret_cast<std::uintptr_t>(memory) - kChunkSize;
        populate(memory);
        chunk = std::construct_at(reinterpret_cast<Chunk*>(memory), *this);
        poison(memory + kPageSize, kChunkSize - kPageSize);
        ++stats_.chunks_mapped;
    }
    partial_.push_front(chunk);
    return chunk;
}

void PagePool::release(std::byte* page) noexcept {
    ChunkList expired;
    {
        std::lock_guard lock(mutex_);
        poison(page, kPageSize);
        release_page_locked(page, expired);
    }
    // Outside the lock: unmapping flushes TLBs, other threads need not wait.
    unmap_all(expired);
}

void PagePool::release_page_locked(std::byte* page, ChunkList& expired) noexcept {
    Chunk* chunk = chunk_of(page);
    const std::size_t index = page_index(page);
    chunk->free_mask[index / 64] |= std::uint64_t{1} << (index % 64);
    --stats_.pages_in_use;
    if (++chunk->free_pages == 1) partial_.push_front(chunk);
    if (chunk->free_pages == kPagesPerChunk) {
        partial_.unlink(chunk);
        const std::int64_t now = clock_();
        retain_locked(chunk, now);
        collect_expired_locked(expired, now);
    }
}

void PagePool::retain_locked(Chunk* chunk, std::int64_t now) noexcept {
    // The newest retained chunk keeps its pages, so that a file growing and
    // shrinking across a chunk boundary makes no system call per page. The
    // one it displaces is advised now, under the lock: once the lock is let
    // go another thread may take it and write to it, and advice given after
    // that write would let the kernel drop the data.
    if (Chunk* previous = retained_.head; previous && !previous->lazily_freed) {
        lazily_free(reinterpret_cast<std::byte*>(previous));
        previous->lazily_freed = true;
        ++stats_.chunks_lazily_free;
    }
    chunk->freed_at_ms = now;
    chunk->lazily_freed = false;
    retained_.push_front(chunk);
    ++stats_.chunks_retained;
}

void PagePool::collect_expired_locked(ChunkList& expired, std::int64_t now) noexcept {
    // The oldest are at the tail; the newest is kept however old.
    while (retained_.tail != retained_.head && now - retained_.tail->freed_at_ms >= kRetainMs) {
        Chunk* chunk = retained_.tail;
        retained_.unlink(chunk);
        expired.push_front(chunk);
        --stats_.chunks_retained;
        --stats_.chunks_mapped;
        if (chunk->lazily_freed) --stats_.chunks_lazily_free;
    }
}

void PagePool::unmap_all(ChunkList& chunks) noexcept {
    while (Chunk* chunk = chunks.head) {
        chunks.unlink(chunk);
        unmap_chunk(chunk);
    }
}

template <typename Node>
void PagePool::List<Node>::push_front(Node* node) noexcept {
    node->prev = nullptr;
    node->next = head;
    if (head) {
        head->prev = node;
    } else {
        tail = node;
    }
    head = node;
}

template <typename Node>
void PagePool::List<Node>::unlink(Node* node) noexcept {
    if (node->prev) {
        node->prev->next = node->next;
    } else {
        head = node->next;
    }
    if (node->next) {
        node->next->prev = node->prev;
    } else {
        tail = node->prev;
    }
    node->prev = node->next = nullptr;
}

}  // namespace imfs::core
