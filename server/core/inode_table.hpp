// The inode arena: fixed-size chunks of slots (so an Inode& stays valid
// while others are made), a free list, and a generation per slot so that an
// InodeId of a freed inode never reaches the inode that reuses its slot.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/inode.hpp"
#include "core/prefetch.hpp"
#include "core/result.hpp"

namespace imfs::core {

class InodeTable {
  public:
    explicit InodeTable(std::uint64_t max_inodes);

    // A new inode with nlink 0 and open_count 0, charged to quota (may be
    // null); the caller links or holds it. ENOSPC past the inode limit,
    // then EDQUOT past quota's (tmpfs's order).
    [[nodiscard]] Result<Inode*> allocate(NodeType type,
                                          std::shared_ptr<QuotaAccount> quota = nullptr);

    // The live inode id names, or nullptr if it was freed.
    Inode* find(InodeId id) noexcept;
    // Precondition: id names a live inode.
    Inode& at(InodeId id) noexcept { return *find(id); }

    // Starts loading the slot of inode index into the cache, so that a
    // lookup about to reach it overlaps that load with others: its first
    // cache line (all that stat reads of a file or symlink), or for_open
    // its second too (open_count, a small file's buffer, a short symlink's
    // target). Only a hint: any index is allowed.
    void prefetch(std::uint32_t index, bool for_open) const noexcept {
        if (index >= next_index_ || index / kChunkSize >= chunks_.size()) return;
        const auto* bytes = reinterpret_cast<const char*>(&slot(index));
        prefetch_line(bytes);
        if (for_open) prefetch_line(bytes + 64);
    }

    // A second or further name of a non-directory costs one inode of the
    // limit, as tmpfs counts a hard link against nr_inodes (shmem_link):
    // names cost memory, so they must not be free. ENOSPC past the limit.
    // refund_link() gives one back when a name goes while others remain
    // (the last one goes with the inode), so an inode always holds
    // max(nlink, 1) units. No quota account is charged, as tmpfs's quotas
    // do not count links either: charging the file's account would let
    // anyone who may link a file use up its owner's quota, and charging the
    // linker's would need each name to remember who paid.
    [[nodiscard]] Result<void> charge_link();
    void refund_link() noexcept;

    // Counts a holder other than a name (see Inode::open_count).
    void hold(InodeId id) noexcept;
    // Drops a holder; frees the inode if nothing holds or names it now.
    void release(InodeId id) noexcept;
    // Frees the inode if nothing holds or names it (after nlink drops).
    void free_if_unused(InodeId id) noexcept;

    std::uint64_t used() const noexcept { return used_; }
    // Bytes of data (512-byte blocks, as st_blocks counts them: file pages
    // and long symlinks' pages) held by live inodes. Whoever changes a file's data reports the
    // change here, which charges the inode's quota account too; freeing an inode gives its blocks
    // and itself back to both.
    std::uint64_t data_bytes() const noexcept { return data_bytes_; }
    void account_data(const Inode& inode, std::uint64_t before_blocks) noexcept;
    std::uint64_t max_inodes() const noexcept { return max_inodes_; }

  private:
    static constexpr std::uint32_t kChunkSize = 4096;
    // Three cache lines exactly, aligned to them, so no slot shares a line
    // with the next one's. Inode orders its fields so that stat of a regular
    // file or symlink reads only the first (see Inode; the constructor
    // asserts it): over 100,000 random files that is 6.4 MB of lines to keep
    // in cache rather than 19.2 (12.8 when stat read two). The slot is the inode alone: a free slot
    // has id.index 0 and keeps in id.generation the generation its next
    // inode gets.
    struct alignas(64) Slot {
        Inode inode;
    };
    static_assert(sizeof(Slot) == 3 * 64);
    using Chunk = std::array<Slot, kChunkSize>;

    Slot& slot(std::uint32_t index) noexcept {
        return (*chunks_[index / kChunkSize])[index % kChunkSize];
    }
    const Slot& slot(std::uint32_t index) const noexcept {
        return (*chunks_[index / kChunkSize])[index % kChunkSize];
    }

    std::vector<std::unique_ptr<Chunk>> chunks_;
    std::vector<std::uint32_t> free_slots_;
    std::uint32_t next_index_ = 1;  // index 0 is never used: no inode number 0
    std::uint64_t used_ = 0;
    std::uint64_t data_bytes_ = 0;
    std::uint64_t max_inodes_;
};

// Holds an inode for as long as it lives (an open file description, a
// working directory). Must be made and destroyed under the exclusive tree
// lock.
class InodeRef {
  public:
    InodeRef() = default;
    InodeRef(InodeTable& table, InodeId id) : table_(&table), id_(id) { table_->hold(id_); }
    InodeRef(const InodeRef& other) : table_(other.table_), id_(other.id_) {
        if (table_) table_->hold(id_);
    }
    InodeRef& operator=(InodeRef other) noexcept {
        std::swap(table_, other.table_);
        std::swap(id_, other.id_);
        return *this;
    }
    ~InodeRef() {
        if (table_) table_->release(id_);
    }

    InodeId id() const noexcept { return id_; }
    Inode& operator*() const noexcept { return table_->at(id_); }
    Inode* operator->() const noexcept { return &table_->at(id_); }

  private:
    InodeTable* table_ = nullptr;
    InodeId id_;
};

}  // namespace imfs::core
