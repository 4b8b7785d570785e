// A remote session: the calls travel to imfsd over one connection.
#pragma once

#include <memory>

#include "remote_connection.hpp"
#include "session_backend.hpp"

namespace imfs::client {

// Thread-safe (the connection serialises exchanges). Reads and writes
// larger than the protocol's transfer limit are split into requests, one
// after the other, ending at the first short or failed one.
class RemoteSession final : public SessionBackend {
  public:
    explicit RemoteSession(std::unique_ptr<RemoteConnection> connection)
        : connection_(std::move(connection)) {}

    Result<std::shared_ptr<SessionBackend>> fork() override;
    Result<void> exec() override;
    Result<void> set_credentials(core::Credentials cred) override;
    Result<void> set_fd_limit(unsigned long limit) override;
    Result<mode_t> umask(mode_t mask) override;
    Result<int> openat(int dirfd, const char* path, int flags, mode_t mode) override;
    Result<int> reopen(int fd, int flags) override;
    Result<void> close(int fd) override;
    Result<std::size_t> read(int fd, std::span<const iovec> buffers,
                             std::optional<off_t> offset) override;
    Result<std::size_t> write(int fd, std::span<const iovec> buffers,
                              std::optional<off_t> offset) override;
    Result<off_t> lseek(int fd, off_t offset, int whence) override;
    Result<void> ftruncate(int fd, off_t length) override;
    Result<void> truncate(const char* path, off_t length) override;
    Result<void> fsync(int fd) override;
    Result<void> fallocate(int fd, int mode, off_t offset, off_t len) override;
    Result<int> dup(int fd, int min_fd, bool cloexec) override;
    Result<int> dup3(int oldfd, int newfd, int flags) override;
    Result<int> fcntl(int fd, int cmd, long arg) override;
    Result<void> fstatat(int dirfd, const char* path, struct stat& st, int flags) override;
    Result<void> faccessat(int dirfd, const char* path, int mode, int flags) override;
    Result<void> fchmodat(int dirfd, const char* path, mode_t mode, int flags) override;
    Result<void> fchmod(int fd, mode_t mode) override;
    Result<void> fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) override;
    Result<void> fchown(int fd, uid_t uid, gid_t gid) override;
    Result<void> utimensat(int dirfd, const char* path, const timespec* times, int flags) override;
    Result<void> statvfs(int dirfd, const char* path, struct statvfs& st, int flags) override;
    Result<void> mkdirat(int dirfd, const char* path, mode_t mode) override;
    Result<void> mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) override;
    Result<void> symlinkat(const char* target, int dirfd, const char* path) override;
    Result<std::size_t> readlinkat(int dirfd, const char* path, std::span<char> buffer) override;
    Result<void> unlinkat(int dirfd, const char* path, int flags) override;
    Result<void> linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                        int flags) override;
    Result<void> renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                           unsigned flags) override;
    Result<std::size_t> getdents64(int fd, std::span<std::byte> buffer) override;
    Result<void> chdir(const char* path) override;
    Result<void> fchdir(int fd) override;
    Result<std::string> getcwd() override;

    // Not a POSIX call, so not in SessionBackend: imfs_snapshot asks the
    // server to write its snapshot (see the schema's Request.snapshot).
    Result<void> snapshot();

  private:
    std::unique_ptr<RemoteConnection> connection_;
};

}  // namespace imfs::client
