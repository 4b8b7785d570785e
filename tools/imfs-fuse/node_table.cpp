#include "node_table.hpp"

namespace imfs::fuse {

NodeTable::NodeTable(ImfsFd root_fd, ino_t root_ino) : root_ino_(root_ino) {
    auto root = std::make_shared<Node>(Node{FUSE_ROOT_ID, root_ino, 0, std::move(root_fd)});
    slots_.emplace(FUSE_ROOT_ID, Slot{std::move(root), 1});
}

fuse_ino_t NodeTable::id_of(ino_t imfs_ino) const noexcept {
    if (imfs_ino == root_ino_) return FUSE_ROOT_ID;
    if (imfs_ino == FUSE_ROOT_ID) return root_ino_;
    return imfs_ino;
}

std::shared_ptr<const Node> NodeTable::find(fuse_ino_t id) const {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(id);
    return it == slots_.end() ? nullptr : it->second.node;
}

std::shared_ptr<const Node> NodeTable::count_known_lookup(ino_t imfs_ino) {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(id_of(imfs_ino));
    if (it == slots_.end()) return nullptr;
    ++it->second.lookups;
    return it->second.node;
}

std::shared_ptr<const Node> NodeTable::count_lookup(ImfsFd path_fd, ino_t imfs_ino) {
    std::shared_ptr<const Node> node;
    {
        std::lock_guard lock(mutex_);
        const fuse_ino_t id = id_of(imfs_ino);
        auto [it, inserted] = slots_.try_emplace(id);
        Slot& slot = it->second;
        if (inserted) {
            slot.node =
                std::make_shared<Node>(Node{id, imfs_ino, next_generation_++, std::move(path_fd)});
        }
        ++slot.lookups;
        node = slot.node;
    }
    // A known node keeps the descriptor it has; this one closes here,
    // outside the lock.
    return node;
}

void NodeTable::forget(fuse_ino_t id, std::uint64_t n) {
    std::shared_ptr<Node> gone;  // closed after the lock is released
    std::lock_guard lock(mutex_);
    if (id == FUSE_ROOT_ID) return;
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    Slot& slot = it->second;
    slot.lookups = n >= slot.lookups ? 0 : slot.lookups - n;
    if (slot.lookups == 0) {
        gone = std::move(slot.node);
        slots_.erase(it);
    }
}

std::size_t NodeTable::size() const {
    std::lock_guard lock(mutex_);
    return slots_.size();
}

}  // namespace imfs::fuse
