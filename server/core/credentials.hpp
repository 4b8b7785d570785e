// Who a session acts as, and the kernel's permission rules for it.
#pragma once

#include <sys/types.h>

#include <vector>

#include "core/inode.hpp"

namespace imfs::core {

struct Credentials {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups

    bool is_root() const noexcept { return uid == 0; }
    bool in_group(gid_t group) const noexcept;
};

// Access bits as access(2) takes them.
inline constexpr int kMayRead = 4;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayExec = 1;

// generic_permission(): owner, then group, then other bits; root may read
// and write anything and execute anything with some execute bit set (or
// any directory).
bool may_access(const Inode& inode, const Credentials& cred, int mask);

// Owner of the inode or root: who may chmod, utimes to arbitrary values and
// set flags.
bool owns(const Inode& inode, const Credentials& cred);

}  // namespace imfs::core
