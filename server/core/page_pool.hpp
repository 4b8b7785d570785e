// Where file data lives: 4 KiB pages carved from 256 KiB-aligned chunks of
// anonymous memory mapped straight from the kernel, instead of malloc.
//
// Why not malloc: a 4 KiB malloc block sits 16 bytes past a page boundary,
// so every file page straddles two OS pages (two TLB misses per random
// read, and a TLB miss is dear under nested paging); file pages and the
// tree's small objects share heap pages, so a heap that held a gigabyte of
// files stays fragmented after they are removed; and freed file memory
// waits for malloc_trim. Here a page is page-aligned, a chunk's pages are
// all backed in one call when it is mapped, and a chunk whose pages are all
// free goes back to the kernel once it has been free for a second and the
// pool looks (see below).
//
// Why not at once: backing a page costs the kernel an allocation, a clear
// and a page-table entry (1.1-1.5 us per 4 KiB on the VM this was measured
// on, about what tmpfs pays to write the page), so a file system that
// rewrites or replaces its files would pay for their memory again each
// time. A chunk freed entirely is retained, newest first, and serves the
// next chunk asked for. Once another is retained after it, its pages are
// given to the kernel as lazily free (MADV_FREE): the kernel may take them
// whenever it needs memory, and until it does, reusing them costs nothing.
// A retained chunk kRetainMs old is unmapped when the pool next retains a
// chunk, or by release_expired(), which imfsd calls once a second (so
// within two seconds there; an embedded process that frees nothing more
// keeps them, lazily free, until it does). The newest is kept however old,
// so a file that grows and shrinks around a chunk boundary does not map and
// unmap, nor advise, on every page. Allocation never unmaps: it takes the
// newest retained chunk, however old.
//
// Small files take blocks of 64 B to 4 KiB (powers of two) cut from pool
// pages, not malloc's: a fresh heap page costs a fault on first touch
// (2-3 us on the VM of the session notes, where the pool backs 64 pages in
// one call), malloc can throw where the core must return ENOMEM, and the
// memory of removed small files then goes back as file pages do. A page
// cut into blocks is a slab of one size, described in its chunk's header;
// it returns to the pool when its last block does. (Blocks have no redzones
// and a freed one is reused first, so AddressSanitizer reports a block
// overrun or a use after reuse less often than it would with malloc; a use
// after free of a block not yet reused it reports.)
//
// Not huge pages: on a VM whose balloon hands freed 2 MiB blocks back to
// the host, the first touch of a huge page cost 2.5-3.3 ms/MiB, which made
// sequential writes three times slower (see the session notes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/result.hpp"

namespace imfs::core {

class PagePool {
  public:
    static constexpr std::size_t kPageSize = 4096;
    // Small enough that a tree with a few pages of data costs little more
    // (a 1 TiB sparse file with 4 KiB written: one chunk).
    static constexpr std::size_t kChunkSize = std::size_t{256} << 10;
    // The first page of a chunk holds its header, so the header of any page
    // is found by masking its address, with no lookup.
    static constexpr std::size_t kPagesPerChunk = kChunkSize / kPageSize - 1;

    // Returns a page to the pool that gave it out (found from the page's
    // address), so a PagePtr is one pointer wide.
    struct ReturnPage {
        void operator()(std::byte* page) const noexcept;
    };
    // Owns one page of kPageSize bytes.
    using PagePtr = std::unique_ptr<std::byte[], ReturnPage>;

    // Block sizes: the powers of two from kMinBlock to kPageSize.
    static constexpr std::size_t kMinBlock = 64;
    static constexpr std::size_t kBlockSizes = 7;
    static_assert(kMinBlock << (kBlockSizes - 1) == kPageSize);
    struct ReturnBlock {
        void operator()(std::byte* block) const noexcept;
    };
    // Owns one block; its size is known to the pool.
    using BlockPtr = std::unique_ptr<std::byte[], ReturnBlock>;

    // How long an entirely free chunk is kept for reuse.
    static constexpr std::int64_t kRetainMs = 1000;
    // Milliseconds from any fixed start; the pool's only source of time.
    using Clock = std::int64_t (*)() noexcept;
    // CLOCK_MONOTONIC_COARSE: a few nanoseconds, ticks of a few milliseconds.
    static std::int64_t monotonic_ms() noexcept;

    struct Stats {
        std::uint64_t chunks_mapped = 0;  // including the retained ones
        std::uint64_t chunks_retained = 0;
        // Of those, the ones whose pages the kernel may take (MADV_FREE).
        std::uint64_t chunks_lazily_free = 0;
        std::uint64_t pages_in_use = 0;  // including the pages cut into blocks
        std::uint64_t blocks_in_use = 0;
    };

    // The pool of this process, shared by every FileData. Never destroyed:
    // pages may be freed by static destructors that run after its own would.
    static PagePool& process_pool();

    explicit PagePool(Clock clock = &monotonic_ms) : clock_(clock) {}
    // Unmaps the retained chunks. Every page must have been returned.
    ~PagePool();
    PagePool(const PagePool&) = delete;
    PagePool& operator=(const PagePool&) = delete;

    // A page of unspecified contents, which may even change (to zeros, if
    // the kernel takes a lazily free page) until the page is first written:
    // write all of it before reading any. ENOMEM if the kernel maps no more
    // memory. Thread-safe, as is returning a page (from any thread).
    [[nodiscard]] Result<PagePtr> allocate();
    // A block of size bytes (a power of two, kMinBlock to kPageSize),
    // aligned to its size, of unspecified contents as allocate()'s.
    // ENOMEM as allocate().
    [[nodiscard]] Result<BlockPtr> allocate_block(std::size_t size);

    // Unmaps the retained chunks freed kRetainMs or more ago, but the newest.
    void release_expired() noexcept;
    // Unmaps every retained chunk now (for tests that cap the address space).
    void release_retained() noexcept;

    Stats stats() const;

  private:
    struct Chunk;
    struct Slab;
    // A doubly linked list threaded through its nodes' prev and next (chunk
    // headers, or the slab entries in them).
    template <typename Node>
    struct List {
        Node* head = nullptr;
        Node* tail = nullptr;

        void push_front(Node* node) noexcept;
        void unlink(Node* node) noexcept;
    };
    using ChunkList = List<Chunk>;

    // The chunk holding address, found by masking it, and the number of the
    // page of that chunk that address is in.
    static Chunk* chunk_of(const void* address) noexcept;
    static std::size_t page_index(const void* address) noexcept;

    void release(std::byte* page) noexcept;
    void release_block(std::byte* block) noexcept;
    // A page (poisoned), or null when none can be mapped.
    std::byte* allocate_page_locked();
    // Returns page; chunks that expire as a result go to expired.
    void release_page_locked(std::byte* page, ChunkList& expired) noexcept;
    Chunk* take_chunk_locked();
    static std::byte* page_of(Slab* slab) noexcept;
    void retain_locked(Chunk* chunk, std::int64_t now) noexcept;
    // Moves the retained chunks expired at now to expired, to be unmapped
    // once the lock is released.
    void collect_expired_locked(ChunkList& expired, std::int64_t now) noexcept;
    static void unmap_all(ChunkList& chunks) noexcept;

    const Clock clock_;
    mutable std::mutex mutex_;
    // Chunks with at least one free and one used page. Allocation takes the
    // head, and a full chunk that gets a page back becomes the head, so
    // nearly full chunks fill first and the emptiest drain and are retained.
    ChunkList partial_;
    // By block size: pages cut into blocks with at least one block free.
    std::array<List<Slab>, kBlockSizes> partial_slabs_{};
    // Entirely free chunks, the most recently freed at the head.
    ChunkList retained_;
    // Where the next chunk is tried first: just below the last one, so
    // chunks lie side by side and the kernel merges them into one mapping
    // (vm.max_map_count caps mappings at 65530: 128 GiB of separate chunks).
    std::uintptr_t next_address_ = 0;
    Stats stats_;
};

using PagePtr = PagePool::PagePtr;

}  // namespace imfs::core
