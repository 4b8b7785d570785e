#include "session_table.hpp"

#include <cerrno>

namespace imfs::client {

SessionTable& SessionTable::instance() {
    static SessionTable table;
    return table;
}

SessionTable::Slot* SessionTable::slot(std::size_t handle) const {
    if (handle >= kMaxSessions) return nullptr;
    Chunk* chunk = chunks_[handle / kChunkSize].load(std::memory_order_acquire);
    return chunk ? &chunk->slots[handle % kChunkSize] : nullptr;
}

core::Result<int> SessionTable::add(std::shared_ptr<SessionBackend> session) {
    std::lock_guard lock(mutex_);
    std::size_t handle = 0;
    // The lowest free handle: the table is only as long as the most
    // sessions ever open at once, and opening one is rare next to a call.
    for (; handle < owned_.size() * kChunkSize; ++handle) {
        Slot* at = slot(handle);
        std::lock_guard slot_lock(at->mutex);
        if (!at->session) break;
    }
    if (handle == kMaxSessions) return core::fail(EMFILE);
    if (handle == owned_.size() * kChunkSize) {
        owned_.push_back(std::make_unique<Chunk>());
        chunks_[owned_.size() - 1].store(owned_.back().get(), std::memory_order_release);
    }
    Slot* at = slot(handle);
    std::lock_guard slot_lock(at->mutex);
    at->session = std::move(session);
    return static_cast<int>(handle);
}

std::shared_ptr<SessionBackend> SessionTable::find(int handle) const {
    if (handle < 0) return nullptr;
    Slot* at = slot(static_cast<std::size_t>(handle));
    if (!at) return nullptr;
    std::lock_guard slot_lock(at->mutex);
    return at->session;
}

std::shared_ptr<SessionBackend> SessionTable::remove(int handle) {
    std::lock_guard lock(mutex_);
    if (handle < 0) return nullptr;
    Slot* at = slot(static_cast<std::size_t>(handle));
    if (!at) return nullptr;
    std::lock_guard slot_lock(at->mutex);
    return std::move(at->session);
}

}  // namespace imfs::client
