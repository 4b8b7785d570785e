// A session: one client's view of the tree and its process-like state.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/credentials.hpp"
#include "core/fd_table.hpp"
#include "core/inode_table.hpp"
#include "core/quota.hpp"

namespace imfs::core {

// What a policy grants a new session.
struct SessionSpec {
    std::string root = "/";  // absolute, inside the tree
    bool writeable = true;
    // The client may act for other identities (imfs_setcred); the FUSE
    // mount passes its callers' credentials this way.
    bool trusted = true;
    // Read only by calls on this session. Whoever runs this session's calls
    // one at a time (a server connection) may swap it between calls to act
    // for a trusted client's callers; concurrent users must use
    // FileSystem::set_credentials.
    Credentials cred;
    // The account charged for every inode the session creates, and the
    // limits its statvfs shows; null: only the file system's limits.
    std::shared_ptr<QuotaAccount> quota;
};

// Owns its descriptor table; holds its root and working directory, so
// neither is freed while the session lives. Created, changed and destroyed
// only by FileSystem, under the exclusive tree lock.
struct Session {
    InodeRef root;
    InodeRef cwd;
    bool writeable = true;
    bool trusted = true;
    Credentials cred;
    std::shared_ptr<QuotaAccount> quota;  // as SessionSpec::quota
    mode_t umask = 022;
    FdTable fds;
};

}  // namespace imfs::core
