// Names: mkdir, mknod, symlink, readlink, unlink, rmdir, link, rename.
// Each call checks everything before it changes anything.
#include <fcntl.h>
#include <linux/fs.h>

#include <mutex>

#include "core/file_system.hpp"

namespace imfs::core {

namespace {

// Is node the directory ancestor, or below it? Walks ".." up to the top.
bool is_within(InodeTable& inodes, const Inode& node, InodeId ancestor) {
    const Inode* current = &node;
    while (true) {
        if (current->id == ancestor) return true;
        if (current->parent == current->id) return false;
        current = &inodes.at(current->parent);
    }
}

}  // namespace

Result<void> FileSystem::mkdirat(Session& s, int dirfd, const char* path_text, mode_t mode) {
    Path path = IMFS_TRY(Path::parse(path_text));
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, Follow::name_only));
    if (found.kind != LastKind::name || found.node) return fail(EEXIST);
    mode_t masked = mode & (0777 | S_ISVTX) & ~s.umask;
    (void)IMFS_TRY(create_node_locked(s, *found.parent, found.name, NodeType::directory, masked));
    return {};
}

Result<void> FileSystem::mknodat(Session& s, int dirfd, const char* path_text, mode_t mode,
                                 dev_t dev) {
    // may_mknod(): the type is judged before the path is looked at.
    switch (mode & S_IFMT) {
        case 0:
        case S_IFREG:
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK:
            break;
        case S_IFDIR:
            return fail(EPERM);
        default:
            return fail(EINVAL);
    }
    Path path = IMFS_TRY(Path::parse(path_text));
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, Follow::name_only));
    if (found.kind != LastKind::name || found.node) return fail(EEXIST);
    if (found.trailing_slash) return fail(ENOENT);
    NodeType type = node_type_from_mode(mode);
    IMFS_TRY(require_writeable_locked(s));
    IMFS_TRY(may_change_entries_locked(s, *found.parent));
    bool device = type == NodeType::char_device || type == NodeType::block_device;
    if (device && !s.cred.is_root()) return fail(EPERM);
    Inode* node =
        IMFS_TRY(create_node_locked(s, *found.parent, found.name, type, mode & 07777 & ~s.umask));
    if (device) node->rdev = dev;
    return {};
}

Result<void> FileSystem::symlinkat(Session& s, const char* target, int dirfd,
                                   const char* path_text) {
    Path target_path = IMFS_TRY(Path::parse(target));
    Path path = IMFS_TRY(Path::parse(path_text));
    if (target_path.is_empty()) return fail(ENOENT);
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, Follow::name_only));
    if (found.kind != LastKind::name || found.node) return fail(EEXIST);
    if (found.trailing_slash) return fail(ENOENT);
    std::string_view text = target_path.text();
    Inode* node = IMFS_TRY(create_node_locked(s, *found.parent, found.name, NodeType::symlink, 0777,
                                              Inode::symlink_blocks(text.size()) * 512));
    node->link_target() = std::string(text);
    inodes_.account_data(*node, 0);
    return {};
}

Result<std::size_t> FileSystem::readlinkat(Session& s, int dirfd, const char* path_text,
                                           std::span<char> buffer) {
    if (buffer.empty()) return fail(EINVAL);  // before the path, as readlinkat(2)
    std::size_t length;
    {
        std::shared_lock lock(mutex_);
        Path path = IMFS_TRY(Path::parse(path_text));
        Inode* node;
        if (path.is_empty()) {
            // An empty path names dirfd itself (an O_PATH symlink).
            if (dirfd == AT_FDCWD) return fail(ENOENT);
            node = &*IMFS_TRY(description_locked(s, dirfd))->inode;
        } else {
            Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, Follow::none));
            if (!found.node) return fail(ENOENT);
            node = found.node;
        }
        // An empty path names dirfd, which must then be a symlink itself.
        if (!node->is_symlink()) return fail(path.is_empty() ? ENOENT : EINVAL);
        if (buffer.empty()) return fail(EINVAL);
        length = std::min(buffer.size(), node->link_target().size());
        node->link_target().copy(buffer.data(), length);
        if (s.writeable) node->note_access(atime_locks_);
    }
    return length;
}

Result<void> FileSystem::unlinkat(Session& s, int dirfd, const char* path_text, int flags) {
    if (flags & ~AT_REMOVEDIR) return fail(EINVAL);
    bool remove_dir = (flags & AT_REMOVEDIR) != 0;
    Path path = IMFS_TRY(Path::parse(path_text));
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, Follow::name_only));
    if (remove_dir) {
        if (found.kind == LastKind::dot) return fail(EINVAL);
        if (found.kind == LastKind::dotdot) return fail(ENOTEMPTY);
        if (found.kind == LastKind::root) return fail(EBUSY);
    } else if (found.kind != LastKind::name) {
        return fail(EISDIR);
    }
    IMFS_TRY(require_writeable_locked(s));
    Inode* node = found.node;
    if (!node) return fail(ENOENT);
    if (!remove_dir && found.trailing_slash) return fail(node->is_dir() ? EISDIR : ENOTDIR);
    IMFS_TRY(may_delete_locked(s, *found.parent, *node));
    if (remove_dir) {
        if (!node->is_dir()) return fail(ENOTDIR);
        if (node->id == s.root.id() || node->id == root_) return fail(EBUSY);
        if (!node->entries->empty()) return fail(ENOTEMPTY);
    } else if (node->is_dir()) {
        return fail(EISDIR);
    }
    unlink_node_locked(*found.parent, found.name, *node);
    return {};
}

Result<void> FileSystem::linkat(Session& s, int olddirfd, const char* oldpath_text, int newdirfd,
                                const char* newpath_text, int flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return fail(EINVAL);
    Path oldpath = IMFS_TRY(Path::parse(oldpath_text));
    Path newpath = IMFS_TRY(Path::parse(newpath_text));
    std::unique_lock lock(mutex_);
    Inode* node;
    if (oldpath.is_empty() && (flags & AT_EMPTY_PATH)) {
        // Linking an open file by descriptor needs CAP_DAC_READ_SEARCH.
        if (!s.cred.is_root()) return fail(ENOENT);
        if (olddirfd == AT_FDCWD) return fail(ENOENT);
        node = &*IMFS_TRY(description_locked(s, olddirfd))->inode;
    } else {
        Follow follow = (flags & AT_SYMLINK_FOLLOW) ? Follow::last : Follow::none;
        Lookup old_found = IMFS_TRY(lookup_locked(s, olddirfd, oldpath, follow));
        if (!old_found.node) return fail(ENOENT);
        node = old_found.node;
    }
    Lookup found = IMFS_TRY(lookup_locked(s, newdirfd, newpath, Follow::name_only));
    if (found.kind != LastKind::name || found.node) return fail(EEXIST);
    if (found.trailing_slash) return fail(ENOENT);
    IMFS_TRY(require_writeable_locked(s));
    // fs.protected_hardlinks: others' files may be linked only if the caller
    // could read and write them and they carry no set-ID power.
    if (!owns(*node, s.cred)) {
        bool safe = node->is_regular() && !(node->mode & S_ISUID) &&
                    (node->mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) &&
                    may_access(*node, s.cred, kMayRead | kMayWrite);
        if (!safe) return fail(EPERM);
    }
    IMFS_TRY(may_change_entries_locked(s, *found.parent));
    if (node->is_dir()) return fail(EPERM);
    if (node->nlink == 0) return fail(ENOENT);
    if (found.parent->nlink == 0) return fail(ENOENT);
    // The count is 32 bits wide, as Linux keeps it; it must never wrap.
    if (node->nlink == kMaxLinks) return fail(EMLINK);
    IMFS_TRY(inodes_.charge_link());
    link_node_locked(*found.parent, found.name, *node);
    node->touch_ctime(current_time());
    return {};
}

Result<void> FileSystem::renameat2(Session& s, int olddirfd, const char* oldpath_text, int newdirfd,
                                   const char* newpath_text, unsigned flags) {
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return fail(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return fail(EINVAL);
    if (flags & RENAME_WHITEOUT) return fail(EINVAL);  // overlayfs' business, not ours
    bool exchange = (flags & RENAME_EXCHANGE) != 0;
    Path oldpath = IMFS_TRY(Path::parse(oldpath_text));
    Path newpath = IMFS_TRY(Path::parse(newpath_text));
    std::unique_lock lock(mutex_);
    Lookup from = IMFS_TRY(lookup_locked(s, olddirfd, oldpath, Follow::name_only));
    Lookup to = IMFS_TRY(lookup_locked(s, newdirfd, newpath, Follow::name_only));
    if (from.kind != LastKind::name) return fail(EBUSY);
    if (to.kind != LastKind::name) return fail((flags & RENAME_NOREPLACE) ? EEXIST : EBUSY);
    IMFS_TRY(require_writeable_locked(s));
    Inode* source = from.node;
    Inode* target = to.node;
    if (!source) return fail(ENOENT);
    if ((flags & RENAME_NOREPLACE) && target) return fail(EEXIST);
    if (exchange && !target) return fail(ENOENT);
    // Trailing slashes ask for directories, as do_renameat2 judges them:
    // the source's unless it is one; the target's unless the source is one,
    // or, in an exchange, unless the target is one.
    if (!source->is_dir()) {
        if (from.trailing_slash) return fail(ENOTDIR);
        if (!exchange && to.trailing_slash) return fail(ENOTDIR);
    }
    if (exchange && !target->is_dir() && to.trailing_slash) return fail(ENOTDIR);
    Inode& old_dir = *from.parent;
    Inode& new_dir = *to.parent;
    // A removed directory takes no new names (and its ".." chain may be
    // gone: is_within below must not walk it).
    if (old_dir.nlink == 0 || new_dir.nlink == 0) return fail(ENOENT);
    // A directory may not move below itself; nor, in an exchange, may the
    // target.
    if (source->is_dir() && is_within(inodes_, new_dir, source->id)) return fail(EINVAL);
    if (target && target->is_dir() && is_within(inodes_, old_dir, target->id)) {
        return fail(exchange ? EINVAL : ENOTEMPTY);
    }
    if (source == target) return {};  // two names of one inode: nothing to do
    IMFS_TRY(may_delete_locked(s, old_dir, *source));
    if (target) {
        IMFS_TRY(may_delete_locked(s, new_dir, *target));
        if (!exchange) {
            if (source->is_dir() && !target->is_dir()) return fail(ENOTDIR);
            if (!source->is_dir() && target->is_dir()) return fail(EISDIR);
        }
    } else {
        IMFS_TRY(may_change_entries_locked(s, new_dir));
    }
    bool moves_dir = &old_dir != &new_dir;
    if (moves_dir && source->is_dir() && !may_access(*source, s.cred, kMayWrite)) {
        return fail(EACCES);
    }
    if (moves_dir && exchange && target->is_dir() && !may_access(*target, s.cred, kMayWrite)) {
        return fail(EACCES);
    }
    if (source->id == s.root.id() || source->id == root_) return fail(EBUSY);
    if (target && (target->id == s.root.id() || target->id == root_)) return fail(EBUSY);
    if (!exchange && target && target->is_dir() && !target->entries->empty()) {
        return fail(ENOTEMPTY);
    }

    timespec now = current_time();
    if (exchange) {
        old_dir.entries->replace(from.name, target->id, dirent_type(target->type));
        new_dir.entries->replace(to.name, source->id, dirent_type(source->type));
        if (moves_dir) {
            if (source->is_dir()) --old_dir.nlink, ++new_dir.nlink, source->parent = new_dir.id;
            if (target->is_dir()) --new_dir.nlink, ++old_dir.nlink, target->parent = old_dir.id;
        }
        target->touch_ctime(now);
    } else {
        if (target) {
            if (target->is_dir()) {
                --new_dir.nlink;
                target->nlink = 0;
            } else {
                if (target->nlink > 1) inodes_.refund_link();
                --target->nlink;
            }
            target->touch_ctime(now);
            new_dir.entries->replace(to.name, source->id, dirent_type(source->type));
        } else {
            new_dir.entries->insert(to.name, source->id, dirent_type(source->type));
        }
        old_dir.entries->erase(from.name);
        if (source->is_dir() && moves_dir) {
            --old_dir.nlink;
            ++new_dir.nlink;
            source->parent = new_dir.id;
        }
        if (target) inodes_.free_if_unused(target->id);
    }
    source->touch_ctime(now);
    old_dir.touch_mtime_ctime(now);
    new_dir.touch_mtime_ctime(now);
    return {};
}

}  // namespace imfs::core
