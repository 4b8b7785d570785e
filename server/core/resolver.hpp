// Path resolution: the one place where "..", symlinks and the session root
// are interpreted. Every walk is confined to the root: ".." at the root
// stays there and an absolute symlink starts again at the root, so no path
// can name anything outside it.
#pragma once

#include <string_view>

#include "core/credentials.hpp"
#include "core/inode_table.hpp"
#include "core/path.hpp"
#include "core/result.hpp"

namespace imfs::core {

// Linux's MAXSYMLINKS: more links than this in one walk is ELOOP.
inline constexpr int kMaxSymlinks = 40;

// What to do with a symlink in the last component.
enum class Follow {
    // Follow it (stat, open, chmod...).
    last,
    // Do not (lstat, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), unless a trailing
    // slash asks for a directory.
    none,
    // Never, even under a trailing slash (reported in Lookup for the call
    // to judge): the call works on the name itself (unlink, rmdir, mkdir,
    // rename, link's new name, symlink).
    name_only,
};

enum class LastKind { name, dot, dotdot, root };

struct Lookup {
    // The directory that holds the last component.
    Inode* parent = nullptr;
    // The last component, when kind is name: a view into the path or into
    // a symlink's target, valid while the tree lock that was held for the
    // walk is (and the symlink is not removed meanwhile).
    std::string_view name;
    LastKind kind = LastKind::name;
    // What the path names, or nullptr if the last name does not exist.
    Inode* node = nullptr;
    bool trailing_slash = false;
};

struct WalkContext {
    InodeTable& inodes;
    const Credentials& cred;
    InodeId root;
    // Following a symlink reads it (its atime moves, see
    // Inode::note_access), except for a read-only session, as on a
    // read-only mount.
    const AtimeLocks& atime_locks;
    bool records_access = true;
    // The call opens the node it reaches: each lookup starts loading the
    // inode's second cache line too (open_count, a small file's buffer),
    // not only the line stat reads (see InodeTable::prefetch). For every
    // component: which is the last is not known when the prefetch starts.
    bool opens = false;
};

// Resolves path from start (a directory; ignored for an absolute path).
// Errors as Linux's path walk gives them: EACCES without search permission
// on a directory walked through, ENOTDIR, ENAMETOOLONG for a component over
// NAME_MAX, ENOENT for a missing intermediate component (a missing last
// component is not an error: node is nullptr), ELOOP. An empty path is
// ENOENT. With Follow::last or a trailing slash, a final non-directory
// under a trailing slash is ENOTDIR.
[[nodiscard]] Result<Lookup> resolve(const WalkContext& ctx, InodeId start, const Path& path,
                                     Follow follow);

}  // namespace imfs::core
