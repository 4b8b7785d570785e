// What a session is to the C API: the POSIX calls on one session, whatever
// carries them. EmbeddedSession runs them on a core::FileSystem in this
// process; the remote transport sends them to imfsd. Each call's contract is
// core::FileSystem's call of the same name (file_system.hpp).
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/credentials.hpp"
#include "core/result.hpp"

namespace imfs::client {

using core::Result;

class SessionBackend {
  public:
    virtual ~SessionBackend() = default;

    // A new session sharing this one's open file descriptions (imfs_fork).
    virtual Result<std::shared_ptr<SessionBackend>> fork() = 0;
    virtual Result<void> exec() = 0;
    virtual Result<void> set_credentials(core::Credentials cred) = 0;
    virtual Result<void> set_fd_limit(unsigned long limit) = 0;
    virtual Result<mode_t> umask(mode_t mask) = 0;

    virtual Result<int> openat(int dirfd, const char* path, int flags, mode_t mode) = 0;
    virtual Result<int> reopen(int fd, int flags) = 0;
    virtual Result<void> close(int fd) = 0;
    virtual Result<std::size_t> read(int fd, std::span<const iovec> buffers,
                                     std::optional<off_t> offset) = 0;
    virtual Result<std::size_t> write(int fd, std::span<const iovec> buffers,
                                      std::optional<off_t> offset) = 0;
    virtual Result<off_t> lseek(int fd, off_t offset, int whence) = 0;
    virtual Result<void> ftruncate(int fd, off_t length) = 0;
    virtual Result<void> truncate(const char* path, off_t length) = 0;
    virtual Result<void> fsync(int fd) = 0;
    virtual Result<void> fallocate(int fd, int mode, off_t offset, off_t len) = 0;
    virtual Result<int> dup(int fd, int min_fd, bool cloexec) = 0;
    virtual Result<int> dup3(int oldfd, int newfd, int flags) = 0;
    virtual Result<int> fcntl(int fd, int cmd, long arg) = 0;

    virtual Result<void> fstatat(int dirfd, const char* path, struct stat& st, int flags) = 0;
    virtual Result<void> faccessat(int dirfd, const char* path, int mode, int flags) = 0;
    virtual Result<void> fchmodat(int dirfd, const char* path, mode_t mode, int flags) = 0;
    virtual Result<void> fchmod(int fd, mode_t mode) = 0;
    virtual Result<void> fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) = 0;
    virtual Result<void> fchown(int fd, uid_t uid, gid_t gid) = 0;
    virtual Result<void> utimensat(int dirfd, const char* path, const timespec* times,
                                   int flags) = 0;
    virtual Result<void> statvfs(int dirfd, const char* path, struct statvfs& st, int flags) = 0;

    virtual Result<void> mkdirat(int dirfd, const char* path, mode_t mode) = 0;
    virtual Result<void> mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) = 0;
    virtual Result<void> symlinkat(const char* target, int dirfd, const char* path) = 0;
    virtual Result<std::size_t> readlinkat(int dirfd, const char* path, std::span<char> buffer) = 0;
    virtual Result<void> unlinkat(int dirfd, const char* path, int flags) = 0;
    virtual Result<void> linkat(int olddirfd, const char* oldpath, int newdirfd,
                                const char* newpath, int flags) = 0;
    virtual Result<void> renameat2(int olddirfd, const char* oldpath, int newdirfd,
                                   const char* newpath, unsigned flags) = 0;

    virtual Result<std::size_t> getdents64(int fd, std::span<std::byte> buffer) = 0;
    virtual Result<void> chdir(const char* path) = 0;
    virtual Result<void> fchdir(int fd) = 0;
    virtual Result<std::string> getcwd() = 0;
};

}  // namespace imfs::client
