// The file system: the tree, its limits, and the POSIX calls made on it by
// sessions. Plain C++: no sockets, no threads of its own, no exceptions.
//
// Locking. One reader-writer lock guards the tree, every inode, and every
// session's descriptor table and working directory:
//   1. FileSystem::mutex_ (shared for calls that change nothing in the tree
//      or a descriptor table, exclusive for the rest);
//   2. OpenFileDescription::position_mutex (the offset of one description,
//      which read() and write() move under the shared lock);
//   3. a mutex of FileSystem::atime_locks_ (the atime of the inodes of its
//      stripe, which reads move under the shared lock: see
//      Inode::note_access); one at a time.
// Locks are taken in this order only. Helpers that expect the tree lock to
// be held end in _locked.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <memory>
#include <shared_mutex>
#include <span>
#include <string>

#include "core/file_system_walk.hpp"
#include "core/inode_table.hpp"
#include "core/open_file.hpp"
#include "core/path.hpp"
#include "core/resolver.hpp"
#include "core/result.hpp"
#include "core/session.hpp"

namespace imfs::core {

struct Limits {
    std::uint64_t max_bytes = std::uint64_t{1} << 40;
    std::uint64_t max_inodes = 1 << 24;
};

class FileSystem {
  public:
    explicit FileSystem(Limits limits = {});
    ~FileSystem();
    FileSystem(const FileSystem&) = delete;
    FileSystem& operator=(const FileSystem&) = delete;

    // ---- Sessions (file_system_sessions.cpp) ----
    // ENOENT/ENOTDIR unless spec.root names a directory.
    [[nodiscard]] Result<std::unique_ptr<Session>> open_session(const SessionSpec& spec);
    // A session whose descriptors share parent's open file descriptions.
    [[nodiscard]] Result<std::unique_ptr<Session>> fork_session(Session& parent);
    // Closes every descriptor; the session must not be used after.
    void close_session(std::unique_ptr<Session> session);
    void exec(Session& s);
    // Moves the session's root to subroot (resolved inside its root).
    [[nodiscard]] Result<void> narrow_root(Session& s, const char* subroot);
    [[nodiscard]] Result<void> set_credentials(Session& s, Credentials cred);
    [[nodiscard]] Result<void> set_fd_limit(Session& s, unsigned long limit);
    mode_t umask(Session& s, mode_t mask);

    // ---- Files (file_system_files.cpp) ----
    [[nodiscard]] Result<int> openat(Session& s, int dirfd, const char* path, int flags,
                                     mode_t mode);
    [[nodiscard]] Result<int> reopen(Session& s, int fd, int flags);
    [[nodiscard]] Result<void> close(Session& s, int fd);
    // Reads at offset, or at the description's offset (moving it) when
    // offset is nullopt: one routine for read/pread/readv.
    [[nodiscard]] Result<std::size_t> read(Session& s, int fd, std::span<const iovec> buffers,
                                           std::optional<off_t> offset);
    [[nodiscard]] Result<std::size_t> write(Session& s, int fd, std::span<const iovec> buffers,
                                            std::optional<off_t> offset);
    [[nodiscard]] Result<off_t> lseek(Session& s, int fd, off_t offset, int whence);
    [[nodiscard]] Result<void> ftruncate(Session& s, int fd, off_t length);
    [[nodiscard]] Result<void> truncate(Session& s, const char* path, off_t length);
    [[nodiscard]] Result<void> fsync(Session& s, int fd);
    [[nodiscard]] Result<void> fallocate(Session& s, int fd, int mode, off_t offset, off_t len);
    // dup and F_DUPFD: the lowest free descriptor >= min_fd.
    [[nodiscard]] Result<int> dup(Session& s, int fd, int min_fd, bool cloexec);
    // dup2 (flags -1: newfd == oldfd allowed) and dup3.
    [[nodiscard]] Result<int> dup3(Session& s, int oldfd, int newfd, int flags);
    [[nodiscard]] Result<int> fcntl(Session& s, int fd, int cmd, long arg);

    // ---- Metadata (file_system_metadata.cpp) ----
    // stat, lstat, fstat (AT_EMPTY_PATH) and fstatat.
    [[nodiscard]] Result<void> fstatat(Session& s, int dirfd, const char* path, struct stat& st,
                                       int flags);
    [[nodiscard]] Result<void> faccessat(Session& s, int dirfd, const char* path, int mode,
                                         int flags);
    [[nodiscard]] Result<void> fchmodat(Session& s, int dirfd, const char* path, mode_t mode,
                                        int flags);
    [[nodiscard]] Result<void> fchmod(Session& s, int fd, mode_t mode);
    [[nodiscard]] Result<void> fchownat(Session& s, int dirfd, const char* path, uid_t uid,
                                        gid_t gid, int flags);
    [[nodiscard]] Result<void> fchown(Session& s, int fd, uid_t uid, gid_t gid);
    // path nullptr: the node dirfd names (futimens).
    [[nodiscard]] Result<void> utimensat(Session& s, int dirfd, const char* path,
                                         const timespec* times, int flags);
    [[nodiscard]] Result<void> statvfs(Session& s, int dirfd, const char* path, struct statvfs& st,
                                       int flags);

    // ---- Names (file_system_names.cpp) ----
    [[nodiscard]] Result<void> mkdirat(Session& s, int dirfd, const char* path, mode_t mode);
    [[nodiscard]] Result<void> mknodat(Session& s, int dirfd, const char* path, mode_t mode,
                                       dev_t dev);
    [[nodiscard]] Result<void> symlinkat(Session& s, const char* target, int dirfd,
                                         const char* path);
    [[nodiscard]] Result<std::size_t> readlinkat(Session& s, int dirfd, const char* path,
                                                 std::span<char> buffer);
    [[nodiscard]] Result<void> unlinkat(Session& s, int dirfd, const char* path, int flags);
    [[nodiscard]] Result<void> linkat(Session& s, int olddirfd, const char* oldpath, int newdirfd,
                                      const char* newpath, int flags);
    [[nodiscard]] Result<void> renameat2(Session& s, int olddirfd, const char* oldpath,
                                         int newdirfd, const char* newpath, unsigned flags);

    // ---- Directories (file_system_directories.cpp) ----
    // Fills buffer with struct linux_dirent64 records; 0 at the end.
    [[nodiscard]] Result<std::size_t> getdents64(Session& s, int fd, std::span<std::byte> buffer);
    [[nodiscard]] Result<void> chdir(Session& s, const char* path);
    [[nodiscard]] Result<void> fchdir(Session& s, int fd);
    [[nodiscard]] Result<std::string> getcwd(Session& s);

    // ---- Statistics ----
    std::uint64_t inodes_used() const;
    std::uint64_t bytes_used() const;
    std::uint64_t descriptors_open(const Session& s) const;

    // ---- Walk (file_system_walk.cpp) ----
    // Visits every node reachable from the root, as WalkVisitor says, under
    // the shared tree lock: the nodes seen are one point in time, and calls
    // that change the tree wait until the walk ends. Changes nothing, atimes
    // included. Returns the visitor's first error.
    [[nodiscard]] Result<void> walk(const WalkVisitor& visit);

  private:
    struct ReadAccess;

    WalkContext walk_context_locked(const Session& s) {
        return WalkContext{inodes_, s.cred, s.root.id(), atime_locks_, s.writeable};
    }
    Result<OpenFileDescription*> description_locked(Session& s, int fd);
    // The directory a relative path starts from: the cwd for AT_FDCWD, else
    // dirfd's node (EBADF, ENOTDIR).
    Result<Inode*> start_dir_locked(Session& s, int dirfd, const Path& path);
    // opens: as WalkContext's.
    Result<Lookup> lookup_locked(Session& s, int dirfd, const Path& path, Follow follow,
                                 bool opens = false);
    // The node that (dirfd, path, AT_* flags) name; AT_EMPTY_PATH with an
    // empty path names dirfd's own node.
    Result<Inode*> node_at_locked(Session& s, int dirfd, const char* path, int flags,
                                  int allowed_flags);
    Result<void> require_writeable_locked(const Session& s) const;
    // May s add or remove names in dir? (write and search permission).
    Result<void> may_change_entries_locked(const Session& s, const Inode& dir) const;
    // The sticky-directory rule for removing or replacing victim in dir.
    Result<void> may_delete_locked(const Session& s, const Inode& dir, const Inode& victim) const;
    // A new node named name in parent, with mode already masked.
    // content_bytes: memory the new node's content will take at once (a
    // long symlink's page), checked as a write of that many bytes would be,
    // after the inode itself (tmpfs's order).
    Result<Inode*> create_node_locked(Session& s, Inode& parent, std::string_view name,
                                      NodeType type, mode_t mode, std::uint64_t content_bytes = 0);
    void link_node_locked(Inode& parent, std::string_view name, Inode& node);
    void unlink_node_locked(Inode& parent, std::string_view name, Inode& node);
    Result<void> truncate_locked(Session& s, Inode& inode, off_t length);
    // Would writing or allocating [offset, offset+length) of inode's data
    // fit? ENOSPC past the file system's limit, then EDQUOT past its quota
    // account (tmpfs's order); changes nothing.
    Result<void> check_space_locked(const Inode& inode, std::uint64_t offset,
                                    std::uint64_t length) const;
    // The longest prefix of that range check_space_locked() lets through:
    // a page-aligned end, or length itself; if not even the first page (the
    // part up to the first page boundary) fits, that page's error.
    Result<std::uint64_t> fitting_length_locked(const Inode& inode, std::uint64_t offset,
                                                std::uint64_t length) const;
    // The same check for bytes more data (512-byte blocks) charged to
    // inode's quota account.
    Result<void> check_bytes_locked(const Inode& inode, std::uint64_t bytes) const;
    void account_blocks_locked(std::uint64_t before_blocks, const Inode& inode);
    Result<void> setattr_mode_locked(Session& s, Inode& inode, mode_t mode);
    Result<void> setattr_owner_locked(Session& s, Inode& inode, uid_t uid, gid_t gid);
    Result<void> setattr_times_locked(Session& s, Inode& inode, const timespec* times);
    void kill_privileges_locked(const Session& s, Inode& inode, const timespec& now);
    Result<std::size_t> read_locked(Inode& inode, std::span<const iovec> buffers,
                                    std::uint64_t offset);
    Result<std::size_t> write_locked(Session& s, Inode& inode, std::span<const iovec> buffers,
                                     std::uint64_t offset);
    // The common end of open and reopen: checks and installs a descriptor.
    Result<int> open_node_locked(Session& s, Inode& node, int flags, bool created);

    mutable std::shared_mutex mutex_;
    AtimeLocks atime_locks_;
    Limits limits_;
    InodeTable inodes_;
    InodeId root_;
};

}  // namespace imfs::core
