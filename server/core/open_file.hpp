// An open file description: what open() makes and dup() and fork() share.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/inode_table.hpp"

namespace imfs::core {

// Shared (std::shared_ptr) by every descriptor that dup, dup2, fcntl
// F_DUPFD or fork made from the same open(). Holds its inode, so an open
// file outlives its last name. Destroyed only under the exclusive tree lock
// (its InodeRef releases the inode).
struct OpenFileDescription {
    InodeRef inode;
    // O_ACCMODE bits, O_PATH, and the status flags F_SETFL may change
    // (O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME, O_ASYNC).
    int flags = 0;

    // Guards offset: read(), lseek() and getdents64() move it while holding
    // only the shared tree lock. Lock order: tree, then this. For a
    // directory the offset is the next readdir position (a cookie).
    std::mutex position_mutex;
    std::uint64_t offset = 0;
    // For a directory: where this reading of it stops (Directory::
    // end_cookie() when a getdents64 started at offset 0).
    std::uint64_t dir_end = 0;

    bool is_path_only() const noexcept;
    bool can_read() const noexcept;
    bool can_write() const noexcept;
};

}  // namespace imfs::core
