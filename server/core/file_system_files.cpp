// Open files: open, read, write, seek, truncate, allocate, descriptors.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/types.h>

#include <limits>
#include <mutex>

#include "core/file_system.hpp"

namespace imfs::core {

namespace {

// The kernel's O_LARGEFILE: set on every file a 64-bit process opens, and
// shown by F_GETFL (glibc defines O_LARGEFILE as 0 on 64-bit targets).
constexpr int kKernelLargeFile = 0100000;
constexpr int kPathFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr int kSetflFlags = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC;
// Linux's VALID_OPEN_FLAGS: open() drops any other bit.
constexpr int kValidOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                O_NONBLOCK | O_DSYNC | O_SYNC | O_ASYNC | O_DIRECT |
                                kKernelLargeFile | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
                                O_CLOEXEC | O_PATH | __O_TMPFILE;

bool wants_write(int flags) {
    int mode = flags & O_ACCMODE;
    return mode != O_RDONLY || (flags & O_TRUNC);
}

bool wants_read(int flags) {
    int mode = flags & O_ACCMODE;
    return mode == O_RDONLY || mode == O_RDWR || mode == O_ACCMODE;
}

// The total length of buffers, or EINVAL when it exceeds SSIZE_MAX.
Result<std::uint64_t> total_length(std::span<const iovec> buffers) {
    std::uint64_t total = 0;
    for (const iovec& buffer : buffers) {
        total += buffer.iov_len;
        if (buffer.iov_len > static_cast<std::uint64_t>(SSIZE_MAX) ||
            total > static_cast<std::uint64_t>(SSIZE_MAX)) {
            return fail(EINVAL);
        }
    }
    return total;
}

}  // namespace

Result<int> FileSystem::openat(Session& s, int dirfd, const char* path_text, int flags,
                               mode_t mode) {
    Path path = IMFS_TRY(Path::parse(path_text));
    flags &= kValidOpenFlags;
    if ((flags & __O_TMPFILE) == __O_TMPFILE) return fail(EOPNOTSUPP);
    if (flags & O_PATH) flags &= kPathFlags;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) return fail(EINVAL);
    std::unique_lock lock(mutex_);
    if (s.fds.full()) return fail(EMFILE);
    if (path.is_empty()) return fail(ENOENT);

    if (!(flags & O_CREAT)) {
        Follow follow = (flags & O_NOFOLLOW) ? Follow::none : Follow::last;
        Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, follow, true));
        if (!found.node) return fail(ENOENT);
        return open_node_locked(s, *found.node, flags, false);
    }
    bool exclusive = (flags & O_EXCL) || (flags & O_NOFOLLOW);
    // open_last_lookups(): "." and ".." are judged first, then a trailing
    // slash (EISDIR: O_CREAT makes no directories), then the name itself.
    Follow follow = path.has_trailing_slash() ? Follow::name_only
                    : exclusive               ? Follow::none
                                              : Follow::last;
    Lookup found = IMFS_TRY(lookup_locked(s, dirfd, path, follow, true));
    // "dir/." and the like name an existing directory: O_EXCL's EEXIST is
    // judged first (do_open since Linux 5.7).
    if (found.kind != LastKind::name) return fail((flags & O_EXCL) ? EEXIST : EISDIR);
    if (path.has_trailing_slash()) return fail(EISDIR);
    if (!found.node && found.trailing_slash) return fail(EISDIR);  // via a symlink "x/"
    if (found.node) {
        if (flags & O_EXCL) return fail(EEXIST);
        if (found.node->is_dir()) return fail(EISDIR);
        return open_node_locked(s, *found.node, flags, false);
    }
    mode_t masked = mode & 07777 & ~s.umask;
    Inode* node =
        IMFS_TRY(create_node_locked(s, *found.parent, found.name, NodeType::regular, masked));
    return open_node_locked(s, *node, flags, true);
}

Result<int> FileSystem::reopen(Session& s, int fd, int flags) {
    flags &= kValidOpenFlags;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) return fail(EINVAL);
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if ((flags & O_CREAT) && (flags & O_EXCL)) return fail(EEXIST);
    if (s.fds.full()) return fail(EMFILE);
    if (flags & O_PATH) flags &= kPathFlags;
    return open_node_locked(s, *description->inode, flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW),
                            false);
}

Result<int> FileSystem::open_node_locked(Session& s, Inode& node, int flags, bool created) {
    if (flags & O_PATH) {
        if ((flags & O_DIRECTORY) && !node.is_dir()) return fail(ENOTDIR);
    } else {
        if ((flags & O_DIRECTORY) && !node.is_dir()) return fail(ENOTDIR);
        if (node.is_symlink()) return fail(ELOOP);
        bool write = wants_write(flags);
        if (node.is_dir() && write) return fail(EISDIR);
        bool on_this_fs = node.is_regular() || node.is_dir();
        if (write && on_this_fs) IMFS_TRY(require_writeable_locked(s));
        if (!created) {
            int mask = (wants_read(flags) ? kMayRead : 0) | (write ? kMayWrite : 0);
            if (!may_access(node, s.cred, mask)) return fail(EACCES);
        }
        if ((flags & O_NOATIME) && !owns(node, s.cred)) return fail(EPERM);
        // Sockets, fifos and devices have no driver here, as a device
        // number without one answers on Linux.
        if (!on_this_fs) return fail(ENXIO);
        if ((flags & O_TRUNC) && node.is_regular() && !created) {
            IMFS_TRY(truncate_locked(s, node, 0));
        }
        // Most opens for reading read next: start loading the bytes now.
        if (node.is_regular() && wants_read(flags)) node.data()->prefetch_head();
    }
    auto description = std::make_shared<OpenFileDescription>();
    description->inode = InodeRef(inodes_, node.id);
    description->flags =
        (flags & O_PATH)
            ? (flags & ~O_CLOEXEC)
            : (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | kKernelLargeFile;
    return s.fds.install(std::move(description), (flags & O_CLOEXEC) != 0);
}

Result<void> FileSystem::close(Session& s, int fd) {
    std::unique_lock lock(mutex_);
    (void)IMFS_TRY(s.fds.remove(fd));
    return {};
}

Result<std::size_t> FileSystem::read_locked(Inode& inode, std::span<const iovec> buffers,
                                            std::uint64_t offset) {
    const FileData* data = inode.data();
    if (!data) return 0;
    std::size_t done = 0;
    for (const iovec& buffer : buffers) {
        auto* bytes = static_cast<std::byte*>(buffer.iov_base);
        std::size_t got = data->read(offset + done, {bytes, buffer.iov_len});
        done += got;
        if (got < buffer.iov_len) break;
    }
    return done;
}

Result<std::size_t> FileSystem::read(Session& s, int fd, std::span<const iovec> buffers,
                                     std::optional<off_t> offset) {
    std::uint64_t wanted = IMFS_TRY(total_length(buffers));
    if (offset && *offset < 0) return fail(EINVAL);  // before the descriptor, as pread64
    std::size_t done;
    {
        std::shared_lock lock(mutex_);
        OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
        if (!description->can_read()) return fail(EBADF);
        Inode& inode = *description->inode;
        if (inode.is_dir()) return fail(EISDIR);
        if (offset) {
            if (*offset < 0) return fail(EINVAL);
            done = IMFS_TRY(read_locked(inode, buffers, static_cast<std::uint64_t>(*offset)));
        } else {
            std::lock_guard position(description->position_mutex);
            done = IMFS_TRY(read_locked(inode, buffers, description->offset));
            description->offset += done;
        }
        if (wanted > 0 && s.writeable && !(description->flags & O_NOATIME)) {
            inode.note_access(atime_locks_);
        }
    }
    return done;
}

Result<std::size_t> FileSystem::write_locked(Session& s, Inode& inode,
                                             std::span<const iovec> buffers, std::uint64_t offset) {
    std::uint64_t total = IMFS_TRY(total_length(buffers));
    if (total == 0) return 0;
    if (offset >= FileData::kMaxSize) return fail(EFBIG);
    total = std::min(total, FileData::kMaxSize - offset);
    FileData& data = inode.file_data();
    if (!check_space_locked(inode, offset, total)) {
        // As on Linux (tmpfs at its size limit or a quota), a write that
        // runs out of room writes the pages that fit and returns that
        // much; only one with no room for its first page fails.
        total = IMFS_TRY(fitting_length_locked(inode, offset, total));
    }
    std::uint64_t before = data.blocks();
    std::uint64_t done = 0;
    for (const iovec& buffer : buffers) {
        std::uint64_t length = std::min<std::uint64_t>(buffer.iov_len, total - done);
        auto* bytes = static_cast<const std::byte*>(buffer.iov_base);
        auto written = data.write(offset + done, {bytes, length});
        // A failure after some bytes is a short write, as on Linux; and a
        // short piece ends the write, so no later buffer lands where the
        // rest of this one belonged. Either way what was written is counted.
        if (!written) {
            if (done == 0) {
                account_blocks_locked(before, inode);
                return std::unexpected(written.error());
            }
            break;
        }
        done += *written;
        if (*written < length || done == total) break;
    }
    account_blocks_locked(before, inode);
    timespec now = current_time();
    inode.touch_mtime_ctime(now);
    kill_privileges_locked(s, inode, now);
    return done;
}

Result<std::size_t> FileSystem::write(Session& s, int fd, std::span<const iovec> buffers,
                                      std::optional<off_t> offset) {
    if (offset && *offset < 0) return fail(EINVAL);  // before the descriptor, as pwrite64
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (!description->can_write()) return fail(EBADF);
    Inode& inode = *description->inode;
    // An empty write changes nothing, not even an O_APPEND offset.
    if (IMFS_TRY(total_length(buffers)) == 0) return 0;
    std::lock_guard position(description->position_mutex);
    bool append = (description->flags & O_APPEND) != 0;
    // As on Linux, O_APPEND wins even over pwrite's offset.
    std::uint64_t at = append   ? inode.size()
                       : offset ? static_cast<std::uint64_t>(*offset)
                                : description->offset;
    std::size_t done = IMFS_TRY(write_locked(s, inode, buffers, at));
    if (!offset) description->offset = at + done;
    return done;
}

Result<off_t> FileSystem::lseek(Session& s, int fd, off_t offset, int whence) {
    std::shared_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);
    Inode& inode = *description->inode;
    std::lock_guard position(description->position_mutex);
    auto current = static_cast<off_t>(description->offset);
    off_t target;
    switch (whence) {
        case SEEK_SET:
            target = offset;
            break;
        case SEEK_CUR:
            if (__builtin_add_overflow(current, offset, &target)) return fail(EOVERFLOW);
            break;
        case SEEK_END:
            if (inode.is_dir()) return fail(EINVAL);
            if (__builtin_add_overflow(static_cast<off_t>(inode.size()), offset, &target)) {
                return fail(EOVERFLOW);
            }
            break;
        case SEEK_DATA:
        case SEEK_HOLE: {
            if (inode.is_dir()) return fail(EINVAL);
            if (offset < 0 || static_cast<std::uint64_t>(offset) >= inode.size()) {
                return fail(ENXIO);
            }
            auto at = static_cast<std::uint64_t>(offset);
            std::uint64_t found = whence == SEEK_DATA ? IMFS_TRY(inode.data()->seek_data(at))
                                                      : IMFS_TRY(inode.data()->seek_hole(at));
            target = static_cast<off_t>(found);
            break;
        }
        default:
            return fail(EINVAL);
    }
    if (target < 0) return fail(EINVAL);
    description->offset = static_cast<std::uint64_t>(target);
    return target;
}

Result<void> FileSystem::truncate_locked(Session& s, Inode& inode, off_t length) {
    if (static_cast<std::uint64_t>(length) > FileData::kMaxSize) return fail(EFBIG);
    FileData& data = inode.file_data();
    std::uint64_t before = data.blocks();
    IMFS_TRY(data.truncate(static_cast<std::uint64_t>(length)));
    account_blocks_locked(before, inode);
    timespec now = current_time();
    inode.touch_mtime_ctime(now);
    kill_privileges_locked(s, inode, now);
    return {};
}

Result<void> FileSystem::ftruncate(Session& s, int fd, off_t length) {
    if (length < 0) return fail(EINVAL);
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);
    if (!description->inode->is_regular() || !description->can_write()) return fail(EINVAL);
    return truncate_locked(s, *description->inode, length);
}

Result<void> FileSystem::truncate(Session& s, const char* path_text, off_t length) {
    if (length < 0) return fail(EINVAL);
    Path path = IMFS_TRY(Path::parse(path_text));
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, AT_FDCWD, path, Follow::last));
    if (!found.node) return fail(ENOENT);
    Inode& inode = *found.node;
    if (inode.is_dir()) return fail(EISDIR);
    if (!inode.is_regular()) return fail(EINVAL);
    IMFS_TRY(require_writeable_locked(s));
    if (!may_access(inode, s.cred, kMayWrite)) return fail(EACCES);
    return truncate_locked(s, inode, length);
}

Result<void> FileSystem::fsync(Session& s, int fd) {
    std::shared_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);
    return {};  // memory is the storage: nothing is pending
}

Result<void> FileSystem::fallocate(Session& s, int fd, int mode, off_t offset, off_t len) {
    // The checks and their order are ksys_fallocate()'s (the descriptor)
    // then vfs_fallocate()'s, and the modes are those tmpfs supports.
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);  // fdget() refuses O_PATH files
    if (offset < 0 || len <= 0) return fail(EINVAL);
    constexpr int kKnown = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_NO_HIDE_STALE |
                           FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
                           FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE;
    if (mode & ~kKnown) return fail(EOPNOTSUPP);
    if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE)) return fail(EOPNOTSUPP);
    if (!description->can_write()) return fail(EBADF);
    Inode& inode = *description->inode;
    if (inode.type == NodeType::fifo) return fail(ESPIPE);
    if (inode.is_dir()) return fail(EISDIR);
    if (!inode.is_regular()) return fail(ENODEV);
    off_t end;
    if (__builtin_add_overflow(offset, len, &end)) return fail(EFBIG);
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return fail(EOPNOTSUPP);
    FileData& data = inode.file_data();
    auto start = static_cast<std::uint64_t>(offset);
    auto length = static_cast<std::uint64_t>(len);
    std::uint64_t before = data.blocks();
    if (mode & FALLOC_FL_PUNCH_HOLE) {
        data.punch_hole(start, length);
    } else {
        IMFS_TRY(check_space_locked(inode, start, length));
        IMFS_TRY(data.allocate(start, length, (mode & FALLOC_FL_KEEP_SIZE) != 0));
    }
    account_blocks_locked(before, inode);
    timespec now = current_time();
    inode.touch_mtime_ctime(now);
    kill_privileges_locked(s, inode, now);
    return {};
}

Result<int> FileSystem::dup(Session& s, int fd, int min_fd, bool cloexec) {
    std::unique_lock lock(mutex_);
    FdTable::Entry* entry = s.fds.find(fd);
    if (!entry) return fail(EBADF);
    return s.fds.install(entry->description, cloexec, min_fd);
}

Result<int> FileSystem::dup3(Session& s, int oldfd, int newfd, int flags) {
    bool is_dup2 = flags == -1;
    if (!is_dup2 && (flags & ~O_CLOEXEC)) return fail(EINVAL);
    if (!is_dup2 && oldfd == newfd) return fail(EINVAL);
    std::unique_lock lock(mutex_);
    // Declared after the lock: what newfd held is closed when this goes out
    // of scope, while the lock is still held (its inode may be freed).
    std::shared_ptr<OpenFileDescription> replaced;
    FdTable::Entry* entry = s.fds.find(oldfd);
    if (!entry) return fail(EBADF);
    if (oldfd == newfd) return newfd;
    bool cloexec = !is_dup2 && (flags & O_CLOEXEC);
    // replaced is closed when it goes out of scope, still under the lock.
    replaced = IMFS_TRY(s.fds.install_at(newfd, entry->description, cloexec));
    return newfd;
}

Result<int> FileSystem::fcntl(Session& s, int fd, int cmd, long arg) {
    switch (cmd) {
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
            if (arg < 0 || arg > std::numeric_limits<int>::max()) return fail(EINVAL);
            return dup(s, fd, static_cast<int>(arg), cmd == F_DUPFD_CLOEXEC);
        default:
            break;
    }
    std::unique_lock lock(mutex_);
    FdTable::Entry* entry = s.fds.find(fd);
    if (!entry) return fail(EBADF);
    OpenFileDescription& description = *entry->description;
    switch (cmd) {
        case F_GETFD:
            return entry->cloexec ? FD_CLOEXEC : 0;
        case F_SETFD:
            entry->cloexec = (arg & FD_CLOEXEC) != 0;
            return 0;
        case F_GETFL:
            return description.flags;
        case F_SETFL: {
            if (description.is_path_only()) return fail(EBADF);
            int flags = static_cast<int>(arg);
            // O_APPEND may not be cleared on an append-only inode; none
            // here. O_NOATIME needs ownership.
            if ((flags & O_NOATIME) && !(description.flags & O_NOATIME) &&
                !owns(*description.inode, s.cred)) {
                return fail(EPERM);
            }
            description.flags = (description.flags & ~kSetflFlags) | (flags & kSetflFlags);
            return 0;
        }
        default:
            return fail(EINVAL);
    }
}

}  // namespace imfs::core
