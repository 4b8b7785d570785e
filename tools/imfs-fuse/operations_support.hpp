// Helpers the handlers share: who is calling, which node an inode number
// names, lookups that count in the inode table, and replies. Every handler
// computes one Result and then replies exactly once with it.
#pragma once

#include <sys/stat.h>

#include <memory>

#include "imfs_mount.hpp"

namespace imfs::fuse {

inline ImfsMount& mount_of(fuse_req_t req) {
    return *static_cast<ImfsMount*>(fuse_req_userdata(req));
}

// The caller's uid, gid and supplementary groups (fuse_req_ctx and
// fuse_req_getgroups). Root's groups are left empty: no permission check
// of root's looks at them, and reading them costs a /proc read.
[[nodiscard]] Identity caller_of(fuse_req_t req);

// Makes the session act as the caller until the Pass goes.
[[nodiscard]] Result<IdentityGate::Pass> enter_as_caller(fuse_req_t req);

// Makes the session act as root until the Pass goes: only for the steps
// the kernel has already authorised and IMFS would refuse by descriptor
// (see operations_metadata.cpp and operations_names.cpp).
[[nodiscard]] Result<IdentityGate::Pass> enter_as_root(fuse_req_t req);

// The node for an inode number the kernel sent. ESTALE for one the table
// no longer has.
[[nodiscard]] Result<std::shared_ptr<const Node>> node_of(ImfsMount& mount, fuse_ino_t ino);

// The attributes of the node fd names (O_PATH or open).
[[nodiscard]] Result<struct stat> stat_of(ImfsMount& mount, int fd);

// What the kernel learns about a node it looked up.
[[nodiscard]] fuse_entry_param entry_of(const ImfsMount& mount, const Node& node,
                                        const struct stat& st);

// Looks name up in dir (without following a last symlink) and counts one
// kernel lookup of the node it names: the answer to lookup, and to every
// call that makes a name (mknod, mkdir, symlink, link).
[[nodiscard]] Result<fuse_entry_param> lookup_child(ImfsMount& mount, const Node& dir,
                                                    const char* name);

// Counts one more kernel lookup of node, which the caller holds (link and
// create answer with an entry of a node already in hand).
[[nodiscard]] Result<fuse_entry_param> count_lookup_of(ImfsMount& mount, ImfsFd path_fd);

// The one reply of a handler whose answer is an entry, attributes, nothing
// but success, or an error.
void reply_entry(fuse_req_t req, const Result<fuse_entry_param>& entry);
void reply_attr(fuse_req_t req, const Result<struct stat>& attr);
void reply_status(fuse_req_t req, const Result<void>& status);

}  // namespace imfs::fuse
