#include "core/inode_table.hpp"

#include <cstddef>

namespace imfs::core {

InodeTable::InodeTable(std::uint64_t max_inodes) : max_inodes_(max_inodes) {
    // Everything stat reads of a regular file or symlink lies on a slot's
    // first cache line (see Inode). (libstdc++'s variant holds its
    // alternative at its start.) offsetof on a class with private members:
    // GCC computes it right for any class without virtual bases, but warns.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
    constexpr std::size_t kLine = 64;
    static_assert(offsetof(Slot, inode) == 0);
    static_assert(offsetof(Inode, times_ns_) + sizeof(Inode::times_ns_) <= kLine);
    static_assert(offsetof(Inode, content) + FileData::kStatBytes <= kLine);
    // A symlink's target: its pointer and length.
    static_assert(offsetof(Inode, content) + 2 * sizeof(void*) <= kLine);
#pragma GCC diagnostic pop
}

Result<Inode*> InodeTable::allocate(NodeType type, std::shared_ptr<QuotaAccount> quota) {
    if (used_ >= max_inodes_) return fail(ENOSPC);
    if (quota) IMFS_TRY(quota->may_add_inode());
    std::uint32_t index;
    if (!free_slots_.empty()) {
        index = free_slots_.back();
        free_slots_.pop_back();
    } else {
        if (next_index_ == UINT32_MAX) return fail(ENOSPC);
        index = next_index_++;
        if (index / kChunkSize >= chunks_.size()) chunks_.push_back(std::make_unique<Chunk>());
    }
    Slot& s = slot(index);
    const std::uint32_t generation = s.inode.id.generation;
    s.inode = Inode{};
    s.inode.id = InodeId{index, generation};
    s.inode.type = type;
    s.inode.reset_content();
    s.inode.parent = s.inode.id;
    if (quota) quota->charge_inode();
    s.inode.quota = std::move(quota);
    ++used_;
    return &s.inode;
}

Inode* InodeTable::find(InodeId id) noexcept {
    if (id.index == 0 || id.index >= next_index_) return nullptr;
    Slot& s = slot(id.index);
    // A free slot's id.index is 0.
    if (s.inode.id != id) return nullptr;
    return &s.inode;
}

void InodeTable::account_data(const Inode& inode, std::uint64_t before_blocks) noexcept {
    std::uint64_t after_blocks = inode.blocks();
    data_bytes_ = data_bytes_ + after_blocks * 512 - before_blocks * 512;
    if (inode.quota) inode.quota->account_data(before_blocks, after_blocks);
}

Result<void> InodeTable::charge_link() {
    if (used_ >= max_inodes_) return fail(ENOSPC);
    ++used_;
    return {};
}

void InodeTable::refund_link() noexcept {
    --used_;
}

void InodeTable::hold(InodeId id) noexcept {
    ++at(id).open_count;
}

void InodeTable::release(InodeId id) noexcept {
    --at(id).open_count;
    free_if_unused(id);
}

void InodeTable::free_if_unused(InodeId id) noexcept {
    Inode* inode = find(id);
    if (!inode || inode->nlink != 0 || inode->open_count != 0) return;
    Slot& s = slot(id.index);
    std::uint64_t blocks = inode->blocks();
    data_bytes_ -= blocks * 512;
    if (inode->quota) inode->quota->refund_inode(blocks);
    const std::uint32_t next_generation = id.generation + 1;
    s.inode = Inode{};  // drops data, entries and target now
    s.inode.id = InodeId{0, next_generation};
    free_slots_.push_back(id.index);
    --used_;
}

}  // namespace imfs::core
