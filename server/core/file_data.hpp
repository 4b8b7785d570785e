#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/page_pool.hpp"
#include "core/result.hpp"

namespace imfs::core {

// The bytes of one regular file. Sparse: fixed-size pages in a radix table of
// bounded depth, where a missing page is a hole, so reaching any offset is
// O(1) and a 1 TiB sparse file costs almost nothing. A small file (all data
// within the first page) keeps its bytes in a compact buffer instead of a
// whole page.
//
// A page is in one of three states, as on tmpfs: a hole (no memory), data
// (a buffer; written at least once), or reserved (by allocate() or
// zero_range(): counted in blocks() and memory_bytes(), reads as zeros, and
// a hole for seek_data() like a fallocated page that tmpfs never wrote).
//
// Owns all its memory: pages and the small buffer from
// PagePool::process_pool(), the table's nodes from the heap. Not thread-safe: the caller holds the
// inode's lock around every call, const ones included.
class FileData {
  public:
    static constexpr std::uint64_t kPageSize = 4096;
    static constexpr std::uint64_t kMaxSize = INT64_MAX;  // Linux MAX_LFS_FILESIZE
    // How many leading bytes of a FileData size() and blocks() read.
    static constexpr std::size_t kStatBytes = 16;

    FileData() noexcept;
    FileData(FileData&& other) noexcept;
    FileData& operator=(FileData&& other) noexcept;
    ~FileData();

    std::uint64_t size() const noexcept { return size_; }

    // st_blocks as Linux tmpfs reports it: 8 (512-byte units) per 4 KiB page
    // that holds data or is reserved; a non-empty small buffer counts as one.
    std::uint64_t blocks() const noexcept { return pages_ * (kPageSize / 512); }

    // Bytes held for data (pages, tables, small buffer), for memory
    // limits. A reserved page counts as a whole page though it holds no buffer
    // yet: allocate() promises that writing it later needs no more memory.
    std::uint64_t memory_bytes() const noexcept {
        return (pages_ - (small_.bytes ? 1 : 0)) * kPageSize + table_bytes_ + small_.cap;
    }

    // Exactly how much blocks() grows by a write or allocate of
    // [offset, offset+len): the pages in the range that neither hold data
    // nor are reserved, so a caller can check a quota before changing
    // anything.
    std::uint64_t blocks_to_add(std::uint64_t offset, std::uint64_t len) const noexcept;

    // Levels of the radix table in use (0 when there are no pages), at most
    // kMaxDepth whatever the offsets: what every lookup walks.
    unsigned table_depth() const noexcept { return height_; }

    // Starts loading the file's first bytes into the cache (a small file's
    // buffer, up to 1 KiB of it; for a larger file only the table's root
    // node, a leaf below 256 KiB): open()
    // calls it so that a read right after overlaps that load with the rest
    // of the open. Only a hint.
    void prefetch_head() const noexcept;

    // Copies min(out.size(), size()-offset) bytes from offset into out; holes
    // read as zeros. Returns bytes copied (0 at or past EOF).
    std::size_t read(std::uint64_t offset, std::span<std::byte> out) const;

    // Writes in at offset, growing size() to offset+in.size() if larger; a gap
    // before offset becomes a hole. EFBIG if offset+len > kMaxSize (nothing
    // written; the Linux VFS answers that range with EINVAL before a file
    // system sees it, so callers mimicking it check first). An empty write
    // changes nothing. Returns in.size(), or fewer bytes (a short write, size
    // grown only over them) when memory for pages runs out part way; ENOMEM
    // if it runs out before the first byte, and then size(), blocks() and
    // the bytes are unchanged.
    [[nodiscard]] Result<std::size_t> write(std::uint64_t offset, std::span<const std::byte> in);

    // Sets size(). Unless growing, frees every page wholly past the new end
    // (reserved ones too, as tmpfs does even for the same size) and zeroes the
    // tail of the last partial page, so growing again reads zeros. EFBIG past
    // kMaxSize.
    [[nodiscard]] Result<void> truncate(std::uint64_t new_size);

    // FALLOC_FL_PUNCH_HOLE: [offset, offset+len) reads as zeros afterwards,
    // whole pages inside it are freed (reserved ones too), partial pages
    // zeroed; size() unchanged. The caller rejects offset+len > kMaxSize.
    void punch_hole(std::uint64_t offset, std::uint64_t len);

    // FALLOC_FL_ZERO_RANGE semantics (tmpfs itself answers EOPNOTSUPP): the
    // range reads zeros and its pages stay or become allocated; size grows to
    // offset+len unless keep_size. EFBIG past kMaxSize, ENOMEM as allocate().
    [[nodiscard]] Result<void> zero_range(std::uint64_t offset, std::uint64_t len, bool keep_size);

    // fallocate mode 0 / FALLOC_FL_KEEP_SIZE: every hole page backing the
    // range becomes reserved, existing bytes unchanged; size grows to
    // offset+len unless keep_size. EFBIG past kMaxSize. len 0 does nothing
    // (the caller answers EINVAL as Linux does). ENOMEM (nothing changed)
    // only if a small buffer must move into a page and none can be had;
    // reserving pages takes no memory until they are written.
    [[nodiscard]] Result<void> allocate(std::uint64_t offset, std::uint64_t len, bool keep_size);

    // lseek SEEK_DATA as on tmpfs: the first offset >= offset inside a data
    // page (page granularity: a page's start, or offset itself if it lies in
    // one). Reserved pages are holes. ENXIO if offset >= size() or no data
    // follows.
    [[nodiscard]] Result<std::uint64_t> seek_data(std::uint64_t offset) const;

    // lseek SEEK_HOLE as on tmpfs: the first offset >= offset in a hole or
    // reserved page, where EOF counts as a hole (returns size() if none
    // before). ENXIO if offset >= size().
    [[nodiscard]] Result<std::uint64_t> seek_hole(std::uint64_t offset) const;

    // Fan-out 64 (6 bits of page index per level): a node is 64 pointers
    // (512 bytes, small enough that a file of a few pages wastes little) and
    // a leaf's reserved pages fit one 64-bit mask. The table grows in height
    // only as far as the highest page needs, so a file under 256 KiB has one
    // level, 1 GiB three, 1 TiB five; kMaxSize (2^51 pages) needs 9.
    static constexpr unsigned kFanoutBits = 6;
    static constexpr unsigned kFanout = 1u << kFanoutBits;
    static constexpr unsigned kMaxDepth = 9;

  private:
    // Defined in file_data.cpp: a Branch's children are Branches, or Leaves
    // at level 2; a Leaf holds kFanout pages and a mask of reserved ones.
    struct Node;
    struct Branch;
    struct Leaf;

    void swap(FileData& other) noexcept;

    // ENOMEM when the buffer must grow and no block can be had; then the
    // file is unchanged.
    [[nodiscard]] Result<void> write_small(std::uint64_t offset, std::span<const std::byte> in);
    // Returns the bytes written: fewer than in.size() only out of memory.
    std::size_t write_pages(std::uint64_t offset, std::span<const std::byte> in);
    // ENOMEM when no page can be had; then the leaf is unchanged.
    [[nodiscard]] Result<std::byte*> page_for_write(Leaf& leaf, unsigned slot, std::size_t from,
                                                    std::size_t to);
    [[nodiscard]] Result<void> move_small_into_table();

    const Leaf* find_leaf(std::uint64_t page) const noexcept;
    std::byte* find_page(std::uint64_t page) noexcept;
    Leaf& leaf_for(std::uint64_t page);
    void reserve_pages(std::uint64_t first, std::uint64_t last);
    void zero_bytes(std::uint64_t from, std::uint64_t to) noexcept;
    void free_pages(std::uint64_t first, std::uint64_t last) noexcept;
    void free_pages(std::unique_ptr<Node>& node, unsigned level, std::uint64_t base,
                    std::uint64_t first, std::uint64_t last) noexcept;
    void lower_root() noexcept;
    // Frees the small buffer and the page pages_ counts for it. Precondition:
    // there is one.
    void free_small() noexcept;

    // Walks of the subtree under node (level levels, first page base) over
    // its pages from first (to last); first (and last) lie within it.
    // next_page: the first page >= first that holds data if `data`, else the
    // first that does not.
    static std::optional<std::uint64_t> next_page(const Node* node, unsigned level,
                                                  std::uint64_t base, std::uint64_t first,
                                                  bool data);
    // held_pages: pages of the range that hold data or are reserved.
    static std::uint64_t held_pages(const Node* node, unsigned level, std::uint64_t base,
                                    std::uint64_t first, std::uint64_t last);

    // size_ and pages_ come first: size() and blocks() read only these
    // kStatBytes, which then lie on the inode slot's first cache line (see
    // Inode::content; file_data.cpp and inode_table.cpp assert it).
    std::uint64_t size_ = 0;
    // Kept in step with the table so blocks() and memory_bytes() are O(1):
    // pages holding data or reserved, the small buffer counting as one (so
    // that blocks() reads no more than these two fields).
    std::uint64_t pages_ = 0;

    // Small mode (bytes not null): bytes[0, len) are the file's first len
    // bytes, the rest read as zeros, and there is no table; len is 0 only
    // when bytes is null.
    struct SmallBuffer {
        PagePool::BlockPtr bytes;  // cap bytes
        std::uint32_t len = 0;
        std::uint32_t cap = 0;
    } small_;

    // The table: height_ levels (0 iff root_ is null), leaves at level 1.
    // Invariant: bytes of a data page at or past size_ are zero.
    std::unique_ptr<Node> root_;
    unsigned height_ = 0;

    // Heap bytes of Branches and Leaves, kept in step as pages_ is.
    std::uint64_t table_bytes_ = 0;
};

}  // namespace imfs::core
