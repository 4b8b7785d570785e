// Directories: reading entries, the working directory.
#include <dirent.h>
#include <fcntl.h>

#include <cstring>
#include <mutex>

#include "core/file_system.hpp"

namespace imfs::core {

namespace {

// Linux's struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name.
constexpr std::size_t kDirentHeader = 8 + 8 + 2 + 1;

std::size_t record_length(std::size_t name_length) {
    return (kDirentHeader + name_length + 1 + 7) & ~std::size_t{7};
}

// Appends one record if it fits; false when the buffer is full.
bool emit(std::span<std::byte> buffer, std::size_t& used, std::uint64_t ino,
          std::uint64_t next_cookie, unsigned char type, std::string_view name) {
    std::size_t length = record_length(name.size());
    if (used + length > buffer.size()) return false;
    std::byte* record = buffer.data() + used;
    std::memset(record, 0, length);
    auto offset = static_cast<std::int64_t>(next_cookie);
    auto reclen = static_cast<unsigned short>(length);
    std::memcpy(record, &ino, 8);
    std::memcpy(record + 8, &offset, 8);
    std::memcpy(record + 16, &reclen, 2);
    std::memcpy(record + 18, &type, 1);
    std::memcpy(record + kDirentHeader, name.data(), name.size());
    used += length;
    return true;
}

}  // namespace

Result<std::size_t> FileSystem::getdents64(Session& s, int fd, std::span<std::byte> buffer) {
    std::size_t used = 0;
    {
        std::shared_lock lock(mutex_);
        OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
        if (description->is_path_only()) return fail(EBADF);
        Inode& dir = *description->inode;
        if (!dir.is_dir()) return fail(ENOTDIR);
        if (dir.nlink == 0) return fail(ENOENT);  // removed: IS_DEADDIR
        std::lock_guard position(description->position_mutex);
        std::uint64_t& cookie = description->offset;
        // A reading of the directory from its start sees what is there now,
        // and stops where the entries were when it started (as tmpfs).
        if (cookie == 0) description->dir_end = dir.entries->end_cookie();
        // Positions 0 and 1 are "." and ".."; entries follow at their own
        // cookies, which stay valid while the directory changes.
        if (cookie == 0) {
            if (!emit(buffer, used, dir.id.index, 1, DT_DIR, ".")) return fail(EINVAL);
            cookie = 1;
        }
        if (cookie == 1) {
            const Inode& up = dir.id == s.root.id() ? dir : inodes_.at(dir.parent);
            if (!emit(buffer, used, up.id.index, Directory::kFirstCookie, DT_DIR, "..")) {
                if (used == 0) return fail(EINVAL);
                return used;
            }
            cookie = Directory::kFirstCookie;
        }
        for (auto next = dir.entries->next(cookie); next && next->cookie < description->dir_end;
             next = dir.entries->next(cookie)) {
            const Directory::Entry& entry = *next->entry;
            if (!emit(buffer, used, entry.inode.index, next->cookie + 1, entry.type,
                      entry.name())) {
                if (used == 0) return fail(EINVAL);
                return used;
            }
            cookie = next->cookie + 1;
        }
        if (s.writeable) dir.note_access(atime_locks_);
    }
    return used;
}

Result<void> FileSystem::chdir(Session& s, const char* path_text) {
    Path path = IMFS_TRY(Path::parse(path_text));
    std::unique_lock lock(mutex_);
    Lookup found = IMFS_TRY(lookup_locked(s, AT_FDCWD, path, Follow::last));
    if (!found.node) return fail(ENOENT);
    if (!found.node->is_dir()) return fail(ENOTDIR);
    if (!may_access(*found.node, s.cred, kMayExec)) return fail(EACCES);
    s.cwd = InodeRef(inodes_, found.node->id);
    return {};
}

Result<void> FileSystem::fchdir(Session& s, int fd) {
    std::unique_lock lock(mutex_);
    OpenFileDescription* description = IMFS_TRY(description_locked(s, fd));
    Inode& dir = *description->inode;
    if (!dir.is_dir()) return fail(ENOTDIR);
    if (!may_access(dir, s.cred, kMayExec)) return fail(EACCES);
    s.cwd = description->inode;
    return {};
}

Result<std::string> FileSystem::getcwd(Session& s) {
    std::shared_lock lock(mutex_);
    const Inode* current = &*s.cwd;
    if (current->nlink == 0) return fail(ENOENT);
    std::vector<std::string_view> names;
    while (current->id != s.root.id()) {
        // The top of the tree without meeting the root: the working
        // directory was moved out of this session's view.
        if (current->parent == current->id) return fail(ENOENT);
        const Inode& parent = inodes_.at(current->parent);
        std::string_view name;
        for (std::uint64_t cookie = Directory::kFirstCookie;;) {
            auto next = parent.entries->next(cookie);
            if (!next) return fail(ENOENT);
            if (next->entry->inode == current->id) {
                name = next->entry->name();
                break;
            }
            cookie = next->cookie + 1;
        }
        names.push_back(name);
        current = &parent;
    }
    std::string path;
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
        path += '/';
        path += *it;
    }
    if (path.empty()) path = "/";
    if (path.size() >= PATH_MAX) return fail(ENAMETOOLONG);
    return path;
}

}  // namespace imfs::core
