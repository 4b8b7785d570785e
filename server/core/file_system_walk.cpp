// The read-only walk over the whole tree (for snapshots).
#include <mutex>
#include <string>

#include "core/file_system.hpp"

namespace imfs::core {

namespace {

// The st_dev every node reports (as fstatat does).
constexpr dev_t kDeviceNumber = 0x494d;  // "IM"

// The ranges of data that SEEK_DATA and SEEK_HOLE would find, one after the
// other: each costs a walk of the radix table down to the next page that
// holds (or lacks) data, so a 1 TiB file with one page is two lookups.
std::vector<DataExtent> data_extents(const FileData& data) {
    std::vector<DataExtent> extents;
    std::uint64_t offset = 0;
    while (offset < data.size()) {
        Result<std::uint64_t> start = data.seek_data(offset);
        if (!start) break;  // ENXIO: only holes from here on
        std::uint64_t end = data.seek_hole(*start).value_or(data.size());
        extents.push_back({*start, end - *start});
        offset = end;
    }
    return extents;
}

// One directory being walked: where its next entry is, and how long the
// path is up to it.
struct Frame {
    InodeId dir;
    std::uint64_t cookie;
    std::size_t path_length;
};

}  // namespace

std::size_t WalkNode::read(std::uint64_t offset, std::span<std::byte> out) const {
    return data ? data->read(offset, out) : 0;
}

Result<void> FileSystem::walk(const WalkVisitor& visit) {
    std::shared_lock lock(mutex_);
    std::string path;
    WalkNode node;
    auto show = [&](const Inode& inode) {
        node.path = path;
        inode.fill_stat(node.st, atime_locks_);
        node.st.st_dev = kDeviceNumber;
        node.link_target = inode.is_symlink() ? std::string_view(inode.link_target()) : "";
        node.data = inode.data();
        node.extents = node.data ? data_extents(*node.data) : std::vector<DataExtent>{};
        return visit(node);
    };

    IMFS_TRY(show(inodes_.at(root_)));
    // Depth first with a stack of its own, not recursion: a tree made one
    // relative mkdirat at a time can be deeper than any thread's stack.
    std::vector<Frame> stack{{root_, Directory::kFirstCookie, 0}};
    while (!stack.empty()) {
        Frame& top = stack.back();
        const Directory& entries = *inodes_.at(top.dir).entries;
        std::optional<Directory::Position> next = entries.next(top.cookie);
        if (!next) {
            stack.pop_back();
            continue;
        }
        top.cookie = next->cookie + 1;
        path.resize(top.path_length);
        if (!path.empty()) path += '/';
        path += next->entry->name();
        const Inode& child = inodes_.at(next->entry->inode);
        IMFS_TRY(show(child));
        if (child.is_dir()) stack.push_back({child.id, Directory::kFirstCookie, path.size()});
    }
    return {};
}

}  // namespace imfs::core
