// Metadata: getattr, setattr (chmod, chown, truncate, utimens), access,
// statfs.
#include <imfs/imfs.h>
#include <unistd.h>

#include <optional>

#include "operations.hpp"
#include "operations_support.hpp"

namespace imfs::fuse::handlers {

namespace {

// Whether mode is what the kernel sends to strip set-ID bits after a write
// or truncate by someone other than the owner: libfuse 3.14 does not
// negotiate FUSE_HANDLE_KILLPRIV, so the kernel does it with a chmod
// SETATTR in the writer's name (fuse_do_setattr with ATTR_KILL_SUID).
bool only_drops_set_id(mode_t current, mode_t mode) {
    const mode_t set_id = S_ISUID | S_ISGID;
    return (mode & 07777) != (current & 07777) &&
           (mode & ~set_id & 07777) == (current & ~set_id & 07777) &&
           (mode & set_id & ~current) == 0;
}

// chmod as the caller; for the kernel's set-ID stripping (see above) by a
// caller who may write the file but does not own it, as root: the kernel
// would have done it itself on any local file system.
Result<void> change_mode(fuse_req_t req, const Node& node, mode_t mode,
                         std::optional<IdentityGate::Pass>& pass) {
    ImfsMount& mount = mount_of(req);
    const int fd = node.path_fd.get();
    if (imfs_fchmodat(mount.session, fd, "", mode, AT_EMPTY_PATH) == 0) return {};
    auto refused = last_error();
    if (refused.error() != EPERM) return refused;
    struct stat st = IMFS_FUSE_TRY(stat_of(mount, fd));
    if (!S_ISREG(st.st_mode) || !only_drops_set_id(st.st_mode, mode)) return refused;
    if (imfs_faccessat(mount.session, fd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) != 0) {
        return refused;
    }
    pass.reset();
    {
        auto as_root = IMFS_FUSE_TRY(enter_as_root(req));
        IMFS_FUSE_CHECK(imfs_fchmodat(mount.session, fd, "", mode, AT_EMPTY_PATH));
    }
    pass.emplace(IMFS_FUSE_TRY(enter_as_caller(req)));
    return {};
}

// truncate: through the open file when the kernel names one (ftruncate),
// else through a descriptor opened for writing, so IMFS checks the
// caller's write permission as truncate(2) does.
Result<void> change_size(ImfsMount& mount, const Node& node, off_t size, fuse_file_info* fi) {
    if (fi != nullptr) {
        IMFS_FUSE_CHECK(imfs_ftruncate(mount.session, static_cast<int>(fi->fh), size));
        return {};
    }
    ImfsFd writable(mount.session,
                    imfs_reopen(mount.session, node.path_fd.get(), O_WRONLY | O_CLOEXEC));
    if (!writable) return last_error();
    IMFS_FUSE_CHECK(imfs_ftruncate(mount.session, writable.get(), size));
    return {};
}

Result<void> change_times(ImfsMount& mount, const Node& node, const struct stat& attr, int to_set) {
    timespec times[2];
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_nsec = UTIME_OMIT;
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
        times[0].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_ATIME) {
        times[0] = attr.st_atim;
    }
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
        times[1].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
        times[1] = attr.st_mtim;
    }
    IMFS_FUSE_CHECK(imfs_utimensat(mount.session, node.path_fd.get(), "", times, AT_EMPTY_PATH));
    return {};
}

}  // namespace

void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    reply_attr(
        req, [&]() -> Result<struct stat> {
            ImfsMount& mount = mount_of(req);
            auto node = IMFS_FUSE_TRY(node_of(mount, ino));
            return stat_of(mount, node->path_fd.get());
        }());
}

void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
    Result<struct stat> changed = [&]() -> Result<struct stat> {
        ImfsMount& mount = mount_of(req);
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        std::optional<IdentityGate::Pass> pass;
        pass.emplace(IMFS_FUSE_TRY(enter_as_caller(req)));
        // In notify_change()'s order: mode, owner, size, times.
        if (to_set & FUSE_SET_ATTR_MODE) {
            IMFS_FUSE_TRY(change_mode(req, *node, attr->st_mode, pass));
        }
        if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
            const uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
            const gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
            IMFS_FUSE_CHECK(imfs_fchownat(mount.session, node->path_fd.get(), "", uid, gid,
                                          AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
        }
        if (to_set & FUSE_SET_ATTR_SIZE) {
            IMFS_FUSE_TRY(change_size(mount, *node, attr->st_size, fi));
        }
        if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
                      FUSE_SET_ATTR_MTIME_NOW)) {
            IMFS_FUSE_TRY(change_times(mount, *node, *attr, to_set));
        }
        if ((to_set & ~FUSE_SET_ATTR_CTIME) == 0) {
            // chown(f, -1, -1) comes as a SETATTR that changes nothing;
            // Linux still sets ctime for it, and IMFS does the same.
            IMFS_FUSE_CHECK(imfs_fchownat(mount.session, node->path_fd.get(), "",
                                          static_cast<uid_t>(-1), static_cast<gid_t>(-1),
                                          AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
        }
        return stat_of(mount, node->path_fd.get());
    }
    ();
    ImfsMount& mount = mount_of(req);
    if (changed && S_ISREG(changed->st_mode) && !(to_set & FUSE_SET_ATTR_SIZE) &&
        mount.invalidate_pages_on_setattr) {
        // Every SETATTR changes ctime, and under relatime the next read must
        // then reach IMFS to move atime; the kernel would serve it from its
        // page cache. Before the reply, so the caller's next read sees it.
        // Not for a truncate: the kernel blocks page write-back until the
        // reply, and dropping a dirty mmap page would wait for one.
        (void)fuse_lowlevel_notify_inval_inode(mount.fuse, ino, 0, 0);
    }
    reply_attr(req, changed);
}

void access(fuse_req_t req, fuse_ino_t ino, int mask) {
    reply_status(req, [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        IMFS_FUSE_CHECK(
            imfs_faccessat(mount.session, node->path_fd.get(), "", mask, AT_EMPTY_PATH));
        return {};
    }());
}

void statfs(fuse_req_t req, fuse_ino_t ino) {
    struct statvfs st;
    Result<void> answered = [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        IMFS_FUSE_CHECK(imfs_fstatvfs(mount.session, node->path_fd.get(), &st));
        return {};
    }();
    if (!answered) return reply_status(req, answered);
    fuse_reply_statfs(req, &st);
}

}  // namespace imfs::fuse::handlers
