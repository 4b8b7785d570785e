#include "session_table.hpp"

#include <algorithm>
#include <cerrno>

#include "core/immortal.hpp"

namespace imfs::client {

SessionTable& SessionTable::instance() {
    // Never destroyed: a program may still call imfs_* while it exits.
    static core::Immortal<SessionTable> table;
    return table.get();
}

SessionTable::Slot* SessionTable::slot(std::size_t handle) const {
    if (handle >= kMaxSessions) return nullptr;
    Chunk* chunk = chunks_[handle / kChunkSize].load(std::memory_order_acquire);
    return chunk ? &chunk->slots[handle % kChunkSize] : nullptr;
}

SessionTable::Slot* SessionTable::slot(int handle) const {
    return handle < 0 ? nullptr : slot(static_cast<std::size_t>(handle));
}

core::Result<int> SessionTable::add(std::shared_ptr<SessionBackend> session) {
    std::lock_guard lock(mutex_);
    // The lowest free handle. Every handle below the hint is taken, so a
    // process that keeps many sessions open does not rescan them; slots
    // are read without their mutex, as only add() and remove() change
    // them and both hold mutex_.
    std::size_t handle = lowest_free_;
    while (handle < owned_.size() * kChunkSize && slot(handle)->session)
        ++handle;
    if (handle == kMaxSessions) return core::fail(EMFILE);
    if (handle == owned_.size() * kChunkSize) {
        owned_.push_back(std::make_unique<Chunk>());
        chunks_[owned_.size() - 1].store(owned_.back().get(), std::memory_order_release);
    }
    Slot* at = slot(handle);
    std::lock_guard slot_lock(at->mutex);
    at->session = std::move(session);
    lowest_free_ = handle + 1;
    return static_cast<int>(handle);
}

std::shared_ptr<SessionBackend> SessionTable::find(int handle) const {
    Slot* at = slot(handle);
    if (!at) return nullptr;
    std::lock_guard slot_lock(at->mutex);
    return at->session;
}

std::shared_ptr<SessionBackend> SessionTable::remove(int handle) {
    std::lock_guard lock(mutex_);
    Slot* at = slot(handle);
    if (!at) return nullptr;
    std::lock_guard slot_lock(at->mutex);
    if (at->session) lowest_free_ = std::min(lowest_free_, static_cast<std::size_t>(handle));
    return std::move(at->session);
}

}  // namespace imfs::client
