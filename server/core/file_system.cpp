// The shared helpers of FileSystem: descriptors, lookups, node creation and
// removal, and space accounting. The calls themselves live in the
// file_system_*.cpp files by area.
#include "core/file_system.hpp"

#include <fcntl.h>

#include <mutex>

namespace imfs::core {

FileSystem::FileSystem(Limits limits)
    : limits_(limits), inodes_(std::max<std::uint64_t>(limits.max_inodes, 1)) {
    Inode* root = inodes_.allocate(NodeType::directory).value();  // the table is empty
    root->mode = 0755;
    root->nlink = 2;
    root->entries = std::make_unique<Directory>();
    const timespec now = current_time();
    root->set_times(now, now, now);
    root_ = root->id;
}

FileSystem::~FileSystem() = default;

std::uint64_t FileSystem::inodes_used() const {
    std::shared_lock lock(mutex_);
    return inodes_.used();
}

std::uint64_t FileSystem::bytes_used() const {
    std::shared_lock lock(mutex_);
    return inodes_.data_bytes();
}

std::uint64_t FileSystem::descriptors_open(const Session& s) const {
    std::shared_lock lock(mutex_);
    return s.fds.open_count();
}

Result<OpenFileDescription*> FileSystem::description_locked(Session& s, int fd) {
    FdTable::Entry* entry = s.fds.find(fd);
    if (!entry) return fail(EBADF);
    return entry->description.get();
}

Result<Inode*> FileSystem::start_dir_locked(Session& s, int dirfd, const Path& path) {
    if (path.is_absolute()) return &*s.root;
    if (dirfd == AT_FDCWD) return &*s.cwd;
    OpenFileDescription* description = IMFS_TRY(description_locked(s, dirfd));
    Inode& dir = *description->inode;
    if (!dir.is_dir() && !path.is_empty()) return fail(ENOTDIR);
    return &dir;
}

Result<Lookup> FileSystem::lookup_locked(Session& s, int dirfd, const Path& path, Follow follow,
                                         bool opens) {
    if (path.is_empty()) return fail(ENOENT);
    Inode* start = IMFS_TRY(start_dir_locked(s, dirfd, path));
    WalkContext context = walk_context_locked(s);
    context.opens = opens;
    return resolve(context, start->id, path, follow);
}

Result<Inode*> FileSystem::node_at_locked(Session& s, int dirfd, const char* path_text, int flags,
                                          int allowed_flags) {
    if (flags & ~allowed_flags) return fail(EINVAL);
    Path path = IMFS_TRY(Path::parse(path_text));
    if (path.is_empty() && (flags & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) return &*s.cwd;
        OpenFileDescription* description = IMFS_TRY(description_locked(s, dirfd));
        return &*description->inode;
    }
    Follow follow = (flags & AT_SYMLINK_NOFOLLOW) ? Follow::none : Follow::last;
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, follow));
    if (!found.node) return fail(ENOENT);
    return found.node;
}

Result<void> FileSystem::require_writeable_locked(const Session& s) const {
    if (!s.writeable) return fail(EROFS);
    return {};
}

Result<void> FileSystem::may_change_entries_locked(const Session& s, const Inode& dir) const {
    if (!may_access(dir, s.cred, kMayWrite | kMayExec)) return fail(EACCES);
    return {};
}

Result<void> FileSystem::may_delete_locked(const Session& s, const Inode& dir,
                                           const Inode& victim) const {
    IMFS_TRY(may_change_entries_locked(s, dir));
    bool sticky = (dir.mode & S_ISVTX) != 0;
    if (sticky && !s.cred.is_root() && s.cred.uid != victim.uid && s.cred.uid != dir.uid) {
        return fail(EPERM);
    }
    return {};
}

Result<Inode*> FileSystem::create_node_locked(Session& s, Inode& parent, std::string_view name,
                                              NodeType type, mode_t mode,
                                              std::uint64_t content_bytes) {
    IMFS_TRY(require_writeable_locked(s));
    IMFS_TRY(may_change_entries_locked(s, parent));
    if (parent.nlink == 0) return fail(ENOENT);  // the directory was removed
    if (type == NodeType::directory && parent.nlink == kMaxLinks) return fail(EMLINK);
    Inode* node = IMFS_TRY(inodes_.allocate(type, s.quota));
    if (content_bytes > 0) {
        Result<void> room = check_bytes_locked(*node, content_bytes);
        if (!room) {
            inodes_.free_if_unused(node->id);  // not linked yet: nothing else changed
            return std::unexpected(room.error());
        }
    }
    node->uid = s.cred.uid;
    // A set-group-ID directory hands its group down, and its bit to subdirs.
    bool inherit_group = (parent.mode & S_ISGID) != 0;
    node->gid = inherit_group ? parent.gid : s.cred.gid;
    if (inherit_group && type == NodeType::directory) mode |= S_ISGID;
    if (type != NodeType::directory && (mode & S_ISGID) && !s.cred.is_root() &&
        !s.cred.in_group(node->gid)) {
        mode &= ~S_ISGID;
    }
    node->mode = mode & 07777;
    const timespec now = current_time();
    node->set_times(now, now, now);
    if (type == NodeType::directory) {
        node->entries = std::make_unique<Directory>();
        node->nlink = 1;  // "." ; the name below adds one
    }
    link_node_locked(parent, name, *node);
    return node;
}

void FileSystem::link_node_locked(Inode& parent, std::string_view name, Inode& node) {
    parent.entries->insert(name, node.id, dirent_type(node.type));
    ++node.nlink;
    if (node.is_dir()) {
        ++parent.nlink;  // the child's ".."
        node.parent = parent.id;
    }
    parent.touch_mtime_ctime(current_time());
}

void FileSystem::unlink_node_locked(Inode& parent, std::string_view name, Inode& node) {
    timespec now = current_time();
    parent.entries->erase(name);
    if (node.is_dir()) {
        --parent.nlink;
        node.nlink = 0;
    } else {
        if (node.nlink > 1) inodes_.refund_link();
        --node.nlink;
    }
    node.touch_ctime(now);
    parent.touch_mtime_ctime(now);
    inodes_.free_if_unused(node.id);
}

Result<void> FileSystem::check_space_locked(const Inode& inode, std::uint64_t offset,
                                            std::uint64_t length) const {
    // Both count what st_blocks will show, as tmpfs's size= and its quotas
    // do: the pages the range adds. The radix table that addresses them is
    // not counted (nor are tmpfs's xarray nodes): under 1% of a dense
    // file, but up to about as much again as the data for single pages
    // scattered far apart.
    return check_bytes_locked(inode, inode.data()->blocks_to_add(offset, length) * 512);
}

Result<std::uint64_t> FileSystem::fitting_length_locked(const Inode& inode, std::uint64_t offset,
                                                        std::uint64_t length) const {
    // Whether a length fits changes only where a write would take one more
    // page, and a longer write never fits where a shorter one does not: a
    // binary search over page ends, O(log pages) checks.
    constexpr std::uint64_t kPage = FileData::kPageSize;
    const std::uint64_t first = std::min(length, kPage - offset % kPage);
    auto length_of = [&](std::uint64_t pages) { return std::min(length, first + pages * kPage); };
    auto fits = [&](std::uint64_t pages) {
        return check_space_locked(inode, offset, length_of(pages)).has_value();
    };
    // Not even the first page: its own error, which may differ from the
    // whole range's (EDQUOT for a page, ENOSPC for many).
    IMFS_TRY(check_space_locked(inode, offset, first));
    std::uint64_t fitting = 0;                                      // fits
    std::uint64_t too_many = (length - first + kPage - 1) / kPage;  // does not
    // too_many's length is the whole range, which the caller found too long.
    while (too_many - fitting > 1) {
        std::uint64_t middle = fitting + (too_many - fitting) / 2;
        (fits(middle) ? fitting : too_many) = middle;
    }
    return length_of(fitting);
}

Result<void> FileSystem::check_bytes_locked(const Inode& inode, std::uint64_t bytes) const {
    std::uint64_t used = inodes_.data_bytes();
    if (bytes > limits_.max_bytes || used > limits_.max_bytes - bytes) {
        return fail(ENOSPC);
    }
    if (inode.quota) IMFS_TRY(inode.quota->may_add_bytes(bytes));
    return {};
}

void FileSystem::account_blocks_locked(std::uint64_t before_blocks, const Inode& inode) {
    inodes_.account_data(inode, before_blocks);
}

void FileSystem::kill_privileges_locked(const Session& s, Inode& inode, const timespec& now) {
    // file_remove_privs(): a write or truncate by anyone without CAP_FSETID
    // drops set-user-ID, and set-group-ID where group execution is on or
    // the writer is not in the file's group.
    if (s.cred.is_root() || !inode.is_regular()) return;
    mode_t kill = S_ISUID;
    if ((inode.mode & S_IXGRP) || !s.cred.in_group(inode.gid)) kill |= S_ISGID;
    if (inode.mode & kill) {
        inode.mode &= ~kill;
        inode.touch_ctime(now);
    }
}

}  // namespace imfs::core
