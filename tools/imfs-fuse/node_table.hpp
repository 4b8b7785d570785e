// The one table between FUSE inode numbers and IMFS nodes.
//
// Each FUSE inode the kernel knows stands for one IMFS node and owns an
// O_PATH descriptor that names it: every operation on the inode is an *at
// call relative to that descriptor, as libfuse's passthrough_ll does with
// the kernel. The descriptor also keeps the node alive, so its st_ino (an
// IMFS slot index) cannot be reused while the kernel may still name it.
//
// FUSE inode numbers are IMFS st_ino values, with the session root and
// st_ino 1 swapped so that the root is FUSE_ROOT_ID. The generation is a
// counter bumped for every new entry, so a slot reused after a forget never
// looks like the node that held it before.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "imfs_fd.hpp"

namespace imfs::fuse {

// One FUSE inode. Immutable once made; shared by the handlers that use it,
// so a forget racing with them closes the descriptor after the last one.
struct Node {
    fuse_ino_t id;
    ino_t imfs_ino;
    std::uint64_t generation;
    ImfsFd path_fd;  // O_PATH, never a directory stream or data descriptor
};

// Thread-safe: every member takes the table's mutex.
class NodeTable {
  public:
    // root_fd: an O_PATH descriptor of the session root, whose st_ino is
    // root_ino (nonzero). The root is never forgotten.
    NodeTable(ImfsFd root_fd, ino_t root_ino);

    // The node the kernel calls id, or nullptr for an id it should not
    // have (already forgotten).
    [[nodiscard]] std::shared_ptr<const Node> find(fuse_ino_t id) const;

    // Counts one kernel lookup of the live node whose st_ino is imfs_ino, if
    // the table has it; nullptr if not (then count_lookup must be used).
    [[nodiscard]] std::shared_ptr<const Node> count_known_lookup(ino_t imfs_ino);

    // Counts one kernel lookup of the node path_fd names (an O_PATH
    // descriptor whose st_ino is imfs_ino). A new node adopts path_fd; for
    // a known one path_fd is closed.
    [[nodiscard]] std::shared_ptr<const Node> count_lookup(ImfsFd path_fd, ino_t imfs_ino);

    // Takes back n lookups of id (FUSE's forget); the node leaves the table
    // at zero and its descriptor closes when its last user lets go.
    void forget(fuse_ino_t id, std::uint64_t n);

    // Nodes in the table, the root included.
    [[nodiscard]] std::size_t size() const;

  private:
    struct Slot {
        std::shared_ptr<Node> node;
        std::uint64_t lookups = 0;
    };

    fuse_ino_t id_of(ino_t imfs_ino) const noexcept;

    const ino_t root_ino_;
    mutable std::mutex mutex_;
    std::unordered_map<fuse_ino_t, Slot> slots_;  // guarded by mutex_
    std::uint64_t next_generation_ = 1;           // guarded by mutex_
};

}  // namespace imfs::fuse
