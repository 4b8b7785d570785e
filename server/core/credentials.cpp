#include "core/credentials.hpp"

#include <algorithm>

namespace imfs::core {

bool Credentials::in_group(gid_t group) const noexcept {
    return group == gid || std::ranges::find(groups, group) != groups.end();
}

bool may_access(const Inode& inode, const Credentials& cred, int mask) {
    if (cred.is_root()) {
        if (!(mask & kMayExec) || inode.is_dir()) return true;
        return (inode.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
    }
    mode_t bits;
    if (cred.uid == inode.uid) {
        bits = (inode.mode >> 6) & 7;
    } else if (cred.in_group(inode.gid)) {
        bits = (inode.mode >> 3) & 7;
    } else {
        bits = inode.mode & 7;
    }
    return (bits & static_cast<mode_t>(mask)) == static_cast<mode_t>(mask);
}

bool owns(const Inode& inode, const Credentials& cred) {
    return cred.is_root() || cred.uid == inode.uid;
}

}  // namespace imfs::core
