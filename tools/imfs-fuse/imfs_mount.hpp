// What every FUSE handler shares: the IMFS session, the inode table, the
// identity gate and the cache timeouts. One per mount, owned by main() and
// reached from a request through fuse_req_userdata().
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <atomic>
#include <memory>

#include "identity_gate.hpp"
#include "node_table.hpp"
#include "result.hpp"

namespace imfs::fuse {

struct ImfsMount {
    // session: an open IMFS session (not owned); root_fd: an O_PATH
    // descriptor of its root, whose st_ino is root_ino.
    ImfsMount(int session, ImfsFd root_fd, ino_t root_ino, bool setcred_allowed)
        : session(session), nodes(std::move(root_fd), root_ino), gate(session, setcred_allowed) {}

    const int session;
    NodeTable nodes;
    IdentityGate gate;
    // How long the kernel may trust a name (entry) and attributes (attr)
    // before asking again. Zero: every stat and path walk asks IMFS, so
    // other sessions' changes show at once.
    double entry_timeout = 0.0;
    double attr_timeout = 0.0;
    // The FUSE session, for notifications to the kernel (set once mounted).
    fuse_session* fuse = nullptr;
    // Whether setattr drops the file's cached pages (see setattr). Only with
    // several worker threads: the kernel may wait for a page that a READ of
    // this session is filling, which a single thread could never serve.
    bool invalidate_pages_on_setattr = false;
    // Requests answered with EIO since the server went away; logged once.
    std::atomic<bool> connection_lost{false};
};

// The table of handlers, one per FUSE operation (operations_*.cpp).
const fuse_lowlevel_ops& imfs_operations();

}  // namespace imfs::fuse
