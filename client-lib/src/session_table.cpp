#include "session_table.hpp"

namespace imfs::client {

SessionTable& SessionTable::instance() {
    static SessionTable table;
    return table;
}

int SessionTable::add(std::shared_ptr<SessionBackend> session) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
        if (!sessions_[i]) {
            sessions_[i] = std::move(session);
            return static_cast<int>(i);
        }
    }
    sessions_.push_back(std::move(session));
    return static_cast<int>(sessions_.size() - 1);
}

std::shared_ptr<SessionBackend> SessionTable::find(int handle) {
    std::lock_guard lock(mutex_);
    if (handle < 0 || static_cast<std::size_t>(handle) >= sessions_.size()) return nullptr;
    return sessions_[static_cast<std::size_t>(handle)];
}

std::shared_ptr<SessionBackend> SessionTable::remove(int handle) {
    std::lock_guard lock(mutex_);
    if (handle < 0 || static_cast<std::size_t>(handle) >= sessions_.size()) return nullptr;
    return std::move(sessions_[static_cast<std::size_t>(handle)]);
}

}  // namespace imfs::client
