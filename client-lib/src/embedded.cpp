#include "embedded.hpp"

#include <unistd.h>

#include <mutex>

namespace imfs::client {

namespace {

std::mutex embedded_mutex;
std::shared_ptr<core::FileSystem> embedded;

// As tmpfs sizes itself: half of the machine's memory.
core::Limits default_limits() {
    core::Limits limits;
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0) {
        limits.max_bytes =
            static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
    }
    return limits;
}

}  // namespace

core::Result<void> embedded_init(const char* config_path) {
    std::lock_guard lock(embedded_mutex);
    if (embedded) return core::fail(EBUSY);
    // Configs arrive with the config work (issue 4); refuse rather than
    // silently serve an empty tree.
    if (config_path != nullptr) return core::fail(ENOTSUP);
    embedded = std::make_shared<core::FileSystem>(default_limits());
    return {};
}

std::shared_ptr<core::FileSystem> embedded_fs() {
    std::lock_guard lock(embedded_mutex);
    if (!embedded) embedded = std::make_shared<core::FileSystem>(default_limits());
    return embedded;
}

core::Result<core::SessionSpec> embedded_policy(const char*) {
    return core::SessionSpec{};  // root "/", writeable, trusted, uid 0
}

}  // namespace imfs::client
