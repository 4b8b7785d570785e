// Metadata: stat, access, chmod, chown, utimens, statvfs.
#include <fcntl.h>
#include <unistd.h>

#include <mutex>

#include "core/file_system.hpp"

namespace imfs::core {

namespace {

// The st_dev every node reports: one file system.
constexpr dev_t kDeviceNumber = 0x494d;  // "IM"

bool valid_time(const timespec& t) {
    return t.tv_nsec == UTIME_NOW || t.tv_nsec == UTIME_OMIT ||
           (t.tv_nsec >= 0 && t.tv_nsec < 1'000'000'000);
}

// A capacity and what is left of it, in statvfs units.
struct Room {
    std::uint64_t total = 0;
    std::uint64_t free = 0;
};

Room room(std::uint64_t total, std::uint64_t used) {
    return {total, total > used ? total - used : 0};
}

// A session under a quota sees the smaller of its quota and the file
// system: the quota's total, and no more free than either has left.
Room within(Room global, std::uint64_t quota_total, std::uint64_t quota_used) {
    if (quota_total == QuotaAccount::kUnlimited) return global;
    Room quota = room(quota_total, quota_used);
    return {std::min(global.total, quota.total), std::min(global.free, quota.free)};
}

}  // namespace

Result<void> FileSystem::fstatat(Session& s, int dirfd, const char* path, struct stat& st,
                                 int flags) {
    std::shared_lock lock(mutex_);
    Inode* node = IMFS_TRY(node_at_locked(s, dirfd, path, flags,
                                          AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT));
    node->fill_stat(st, atime_locks_);
    st.st_dev = kDeviceNumber;
    return {};
}

Result<void> FileSystem::faccessat(Session& s, int dirfd, const char* path, int mode, int flags) {
    if (mode & ~(R_OK | W_OK | X_OK)) return fail(EINVAL);
    std::shared_lock lock(mutex_);
    Inode* node = IMFS_TRY(
        node_at_locked(s, dirfd, path, flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    // As do_faccessat() on a read-only mount: permission first, then the
    // read-only check ("SuS v2 requires we report a read only fs too").
    if (mode != F_OK && !may_access(*node, s.cred, mode)) return fail(EACCES);
    if ((mode & W_OK) && !s.writeable &&
        (node->is_regular() || node->is_dir() || node->is_symlink())) {
        return fail(EROFS);
    }
    return {};
}

Result<void> FileSystem::setattr_mode_locked(Session& s, Inode& inode, mode_t mode) {
    IMFS_TRY(require_writeable_locked(s));
    if (!owns(inode, s.cred)) return fail(EPERM);
    mode &= 07777;
    if (!s.cred.is_root() && !s.cred.in_group(inode.gid)) mode &= ~S_ISGID;
    inode.mode = mode;
    inode.touch_ctime(current_time());
    return {};
}

Result<void> FileSystem::fchmodat(Session& s, int dirfd, const char* path, mode_t mode, int flags) {
    std::unique_lock lock(mutex_);
    Inode* node =
        IMFS_TRY(node_at_locked(s, dirfd, path, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    // A symlink's mode means nothing on Linux, and changing it is refused.
    if (node->is_symlink()) return fail(EOPNOTSUPP);
    return setattr_mode_locked(s, *node, mode);
}

Result<void> FileSystem::fchmod(Session& s, int fd, mode_t mode) {
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);
    return setattr_mode_locked(s, *description->inode, mode);
}

Result<void> FileSystem::setattr_owner_locked(Session& s, Inode& inode, uid_t uid, gid_t gid) {
    IMFS_TRY(require_writeable_locked(s));
    const Credentials& cred = s.cred;
    bool change_uid = uid != static_cast<uid_t>(-1);
    bool change_gid = gid != static_cast<gid_t>(-1);
    // chown_ok() and chgrp_ok(): only root gives a file away; its owner may
    // "change" the owner to itself and the group to one it belongs to.
    if (change_uid && !cred.is_root() && !(cred.uid == inode.uid && uid == inode.uid)) {
        return fail(EPERM);
    }
    if (change_gid && !cred.is_root() &&
        !(cred.uid == inode.uid && (cred.in_group(gid) || gid == inode.gid))) {
        return fail(EPERM);
    }
    if (!inode.is_dir()) {
        // chown_common(): set-user-ID always goes; set-group-ID goes when it
        // marks a group-executable file or the caller lacks the group.
        inode.mode &= ~S_ISUID;
        if ((inode.mode & S_ISGID) &&
            ((inode.mode & S_IXGRP) || (!cred.is_root() && !cred.in_group(inode.gid)))) {
            inode.mode &= ~S_ISGID;
        }
    }
    if (change_uid) inode.uid = uid;
    if (change_gid) inode.gid = gid;
    inode.touch_ctime(current_time());
    return {};
}

Result<void> FileSystem::fchownat(Session& s, int dirfd, const char* path, uid_t uid, gid_t gid,
                                  int flags) {
    std::unique_lock lock(mutex_);
    Inode* node =
        IMFS_TRY(node_at_locked(s, dirfd, path, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    return setattr_owner_locked(s, *node, uid, gid);
}

Result<void> FileSystem::fchown(Session& s, int fd, uid_t uid, gid_t gid) {
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    if (description->is_path_only()) return fail(EBADF);
    return setattr_owner_locked(s, *description->inode, uid, gid);
}

Result<void> FileSystem::setattr_times_locked(Session& s, Inode& inode, const timespec* times) {
    IMFS_TRY(require_writeable_locked(s));
    bool explicit_time =
        times && ((times[0].tv_nsec != UTIME_NOW && times[0].tv_nsec != UTIME_OMIT) ||
                  (times[1].tv_nsec != UTIME_NOW && times[1].tv_nsec != UTIME_OMIT));
    if (explicit_time) {
        if (!owns(inode, s.cred)) return fail(EPERM);
    } else if (!owns(inode, s.cred) && !may_access(inode, s.cred, kMayWrite)) {
        return fail(EACCES);
    }
    timespec now = current_time();
    auto pick = [&](const timespec* t, const timespec& old) {
        if (!t || t->tv_nsec == UTIME_NOW) return now;
        return t->tv_nsec == UTIME_OMIT ? old : *t;
    };
    inode.set_times(pick(times ? &times[0] : nullptr, inode.atime()),
                    pick(times ? &times[1] : nullptr, inode.mtime()), now);
    return {};
}

Result<void> FileSystem::utimensat(Session& s, int dirfd, const char* path, const timespec* times,
                                   int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return fail(EINVAL);
    if (times && (!valid_time(times[0]) || !valid_time(times[1]))) return fail(EINVAL);
    if (times && times[0].tv_nsec == UTIME_OMIT && times[1].tv_nsec == UTIME_OMIT) return {};
    std::unique_lock lock(mutex_);
    Inode* node;
    if (path == nullptr) {
        // futimens(), and utimensat() with a NULL path, work on dirfd.
        if (flags & AT_SYMLINK_NOFOLLOW) return fail(EINVAL);
        if (dirfd == AT_FDCWD) return fail(EFAULT);
        OpenFileDescription* description = IMFS_TRY(description_locked(s, dirfd));
        if (description->is_path_only()) return fail(EBADF);
        node = &*description->inode;
    } else {
        node = IMFS_TRY(node_at_locked(s, dirfd, path, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    }
    return setattr_times_locked(s, *node, times);
}

Result<void> FileSystem::statvfs(Session& s, int dirfd, const char* path, struct statvfs& st,
                                 int flags) {
    std::shared_lock lock(mutex_);
    (void)IMFS_TRY(node_at_locked(s, dirfd, path, flags, AT_EMPTY_PATH));
    constexpr std::uint64_t kBlock = 4096;
    auto blocks = [](std::uint64_t bytes) { return bytes / kBlock + (bytes % kBlock != 0); };
    Room data = room(limits_.max_bytes / kBlock, blocks(inodes_.data_bytes()));
    Room nodes = room(inodes_.max_inodes(), inodes_.used());
    if (const QuotaAccount* quota = s.quota.get()) {
        std::uint64_t max_bytes = quota->max_bytes();
        data = within(data, max_bytes == QuotaAccount::kUnlimited ? max_bytes : max_bytes / kBlock,
                      blocks(quota->bytes_used()));
        nodes = within(nodes, quota->max_inodes(), quota->inodes_used());
    }
    st = {};
    st.f_bsize = kBlock;
    st.f_frsize = kBlock;
    st.f_blocks = data.total;
    st.f_bfree = st.f_bavail = data.free;
    st.f_files = nodes.total;
    st.f_ffree = st.f_favail = nodes.free;
    st.f_fsid = kDeviceNumber;
    st.f_flag = ST_NOSUID | ST_NODEV | (s.writeable ? 0 : ST_RDONLY);
    st.f_namemax = NAME_MAX;
    return {};
}

}  // namespace imfs::core
