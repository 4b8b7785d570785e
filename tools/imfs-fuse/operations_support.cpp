#include "operations_support.hpp"

#include <imfs/imfs.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace imfs::fuse {

namespace {

// A lost server makes every call fail with EIO; say so once, not per call.
void note_error(fuse_req_t req, Errno error) {
    if (error != EIO) return;
    ImfsMount& mount = mount_of(req);
    if (!mount.connection_lost.exchange(true)) {
        std::fprintf(stderr,
                     "imfs-fuse: IMFS answers EIO (server gone?); calls fail until unmounted\n");
    }
}

}  // namespace

Identity caller_of(fuse_req_t req) {
    const fuse_ctx* context = fuse_req_ctx(req);
    Identity who{context->uid, context->gid, {}};
    if (who.uid == 0) return who;
    std::vector<gid_t> groups(32);
    for (;;) {
        const int count = fuse_req_getgroups(req, static_cast<int>(groups.size()), groups.data());
        // The caller is gone or the kernel does not say: no extra groups.
        if (count <= 0) return who;
        const auto wanted = static_cast<std::size_t>(count);
        if (wanted <= groups.size()) {
            groups.resize(wanted);
            break;
        }
        groups.resize(wanted);
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    who.groups = std::move(groups);
    return who;
}

Result<IdentityGate::Pass> enter_as_caller(fuse_req_t req) {
    return mount_of(req).gate.enter(caller_of(req));
}

Result<IdentityGate::Pass> enter_as_root(fuse_req_t req) {
    return mount_of(req).gate.enter(Identity{});
}

Result<std::shared_ptr<const Node>> node_of(ImfsMount& mount, fuse_ino_t ino) {
    auto node = mount.nodes.find(ino);
    if (!node) return std::unexpected(ESTALE);
    return node;
}

Result<struct stat> stat_of(ImfsMount& mount, int fd) {
    struct stat st;
    IMFS_FUSE_CHECK(imfs_fstat(mount.session, fd, &st));
    return st;
}

fuse_entry_param entry_of(const ImfsMount& mount, const Node& node, const struct stat& st) {
    fuse_entry_param entry{};
    entry.ino = node.id;
    entry.generation = node.generation;
    entry.attr = st;
    entry.attr_timeout = mount.attr_timeout;
    entry.entry_timeout = mount.entry_timeout;
    return entry;
}

Result<fuse_entry_param> lookup_child(ImfsMount& mount, const Node& dir, const char* name) {
    // One call when the kernel asks again for a node it knows (the common
    // case with short timeouts): its st_ino finds it in the table, and the
    // table's descriptor keeps that st_ino from naming anything else.
    struct stat st;
    IMFS_FUSE_CHECK(imfs_fstatat(mount.session, dir.path_fd.get(), name, &st, AT_SYMLINK_NOFOLLOW));
    if (auto node = mount.nodes.count_known_lookup(st.st_ino)) return entry_of(mount, *node, st);
    ImfsFd fd(mount.session,
              imfs_openat(mount.session, dir.path_fd.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return last_error();
    return count_lookup_of(mount, std::move(fd));
}

Result<fuse_entry_param> count_lookup_of(ImfsMount& mount, ImfsFd path_fd) {
    // The name may have changed hands since it was first looked at: the
    // descriptor says which node this is.
    struct stat st = IMFS_FUSE_TRY(stat_of(mount, path_fd.get()));
    auto node = mount.nodes.count_lookup(std::move(path_fd), st.st_ino);
    return entry_of(mount, *node, st);
}

void reply_entry(fuse_req_t req, const Result<fuse_entry_param>& entry) {
    if (!entry) {
        note_error(req, entry.error());
        fuse_reply_err(req, entry.error());
        return;
    }
    // ENOENT: the request was interrupted and the kernel dropped it, so it
    // never counted this lookup and will never forget it.
    if (fuse_reply_entry(req, &*entry) == -ENOENT) {
        mount_of(req).nodes.forget(entry->ino, 1);
    }
}

void reply_attr(fuse_req_t req, const Result<struct stat>& attr) {
    if (!attr) {
        note_error(req, attr.error());
        fuse_reply_err(req, attr.error());
        return;
    }
    fuse_reply_attr(req, &*attr, mount_of(req).attr_timeout);
}

void reply_status(fuse_req_t req, const Result<void>& status) {
    const Errno error = status ? 0 : status.error();
    note_error(req, error);
    fuse_reply_err(req, error);
}

}  // namespace imfs::fuse
