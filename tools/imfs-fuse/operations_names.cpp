// Names: lookup and forget, making and removing names, rename, readlink.
#include <imfs/imfs.h>
#include <linux/limits.h>
#include <unistd.h>

#include "operations.hpp"
#include "operations_support.hpp"

namespace imfs::fuse::handlers {

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    reply_entry(req, [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        return lookup_child(mount, *dir, name);
    }());
}

void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    mount_of(req).nodes.forget(ino, nlookup);
    fuse_reply_none(req);
}

void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
    ImfsMount& mount = mount_of(req);
    for (size_t i = 0; i < count; ++i)
        mount.nodes.forget(forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
    reply_entry(req, [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        IMFS_FUSE_CHECK(imfs_mknodat(mount.session, dir->path_fd.get(), name, mode, rdev));
        return lookup_child(mount, *dir, name);
    }());
}

void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
    reply_entry(req, [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        IMFS_FUSE_CHECK(imfs_mkdirat(mount.session, dir->path_fd.get(), name, mode));
        return lookup_child(mount, *dir, name);
    }());
}

void symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
    reply_entry(req, [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        IMFS_FUSE_CHECK(imfs_symlinkat(mount.session, target, dir->path_fd.get(), name));
        return lookup_child(mount, *dir, name);
    }());
}

void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
    reply_entry(req, [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        auto dir = IMFS_FUSE_TRY(node_of(mount, newparent));
        {
            // The kernel has checked fs.protected_hardlinks (may_linkat) on
            // the caller's behalf; what is left is the caller's right to add
            // a name to the directory. IMFS links by descriptor
            // (AT_EMPTY_PATH) only for root, as Linux does without
            // CAP_DAC_READ_SEARCH, so the link itself is made as root.
            auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
            IMFS_FUSE_CHECK(imfs_faccessat(mount.session, dir->path_fd.get(), "", W_OK | X_OK,
                                           AT_EMPTY_PATH | AT_EACCESS));
        }
        auto pass = IMFS_FUSE_TRY(enter_as_root(req));
        IMFS_FUSE_CHECK(imfs_linkat(mount.session, node->path_fd.get(), "", dir->path_fd.get(),
                                    newname, AT_EMPTY_PATH));
        struct stat st = IMFS_FUSE_TRY(stat_of(mount, node->path_fd.get()));
        auto counted = mount.nodes.count_known_lookup(st.st_ino);
        if (!counted) return std::unexpected(ESTALE);
        return entry_of(mount, *counted, st);
    }());
}

void unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
    reply_status(req, [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        IMFS_FUSE_CHECK(imfs_unlinkat(mount.session, dir->path_fd.get(), name, 0));
        return {};
    }());
}

void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
    reply_status(req, [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        IMFS_FUSE_CHECK(imfs_unlinkat(mount.session, dir->path_fd.get(), name, AT_REMOVEDIR));
        return {};
    }());
}

void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags) {
    reply_status(req, [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto from = IMFS_FUSE_TRY(node_of(mount, parent));
        auto to = IMFS_FUSE_TRY(node_of(mount, newparent));
        IMFS_FUSE_CHECK(imfs_renameat2(mount.session, from->path_fd.get(), name, to->path_fd.get(),
                                       newname, flags));
        return {};
    }());
}

void readlink(fuse_req_t req, fuse_ino_t ino) {
    char target[PATH_MAX + 1];
    Result<void> found = [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        const ssize_t length =
            imfs_readlinkat(mount.session, node->path_fd.get(), "", target, PATH_MAX);
        if (length < 0) return last_error();
        target[length] = '\0';
        return {};
    }();
    if (!found) return reply_status(req, found);
    fuse_reply_readlink(req, target);
}

}  // namespace imfs::fuse::handlers
