// A read-only walk over the whole tree, for whoever copies it out (the
// snapshot writer): every node reachable from the root, with what a backup
// needs to make it again. The core does no I/O: the visitor does.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace imfs::core {

class FileData;

// Bytes [offset, offset + length) of a regular file that hold data; what
// lies outside every extent reads as zeros (a hole). Page-granular, as
// lseek's SEEK_DATA and SEEK_HOLE find them, and never past the file's size.
struct DataExtent {
    std::uint64_t offset;
    std::uint64_t length;
};

// One node as the walk shows it. Valid during the visit only: it points
// into the tree, which the walk holds locked (shared) for its whole length.
struct WalkNode {
    // The names from the root, joined by '/', without a leading one: "" is
    // the root itself, "etc/motd" a file two levels down.
    std::string_view path;
    // As lstat(2) gives it: type and permission bits, owner, size, nlink,
    // rdev, the three times in nanoseconds. st_ino is the same for every
    // name of one inode, so a second name is told from a first by it.
    struct stat st {};
    // A symlink's target; empty for other nodes.
    std::string_view link_target;
    // A regular file's data extents in ascending order; empty for others.
    std::vector<DataExtent> extents;

    // Copies a regular file's bytes at offset into out (holes as zeros) and
    // returns how many: fewer only at the end of the file, 0 past it.
    std::size_t read(std::uint64_t offset, std::span<std::byte> out) const;

    // Set by the walk; null for anything but a regular file.
    const FileData* data = nullptr;
};

// Called once per node, parents before their children, each directory's
// entries in its own (insertion) order. An error ends the walk and is what
// the walk returns.
using WalkVisitor = std::function<Result<void>(const WalkNode&)>;

}  // namespace imfs::core
