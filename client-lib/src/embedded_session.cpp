#include "embedded_session.hpp"

namespace imfs::client {

Result<std::shared_ptr<SessionBackend>> EmbeddedSession::fork() {
    std::unique_ptr<core::Session> child = IMFS_TRY(fs_->fork_session(*session_));
    return std::make_shared<EmbeddedSession>(fs_, std::move(child));
}

Result<void> EmbeddedSession::exec() {
    fs_->exec(*session_);
    return {};
}

Result<void> EmbeddedSession::set_credentials(core::Credentials cred) {
    return fs_->set_credentials(*session_, std::move(cred));
}

Result<void> EmbeddedSession::set_fd_limit(unsigned long limit) {
    return fs_->set_fd_limit(*session_, limit);
}

Result<mode_t> EmbeddedSession::umask(mode_t mask) {
    return fs_->umask(*session_, mask);
}

Result<int> EmbeddedSession::openat(int dirfd, const char* path, int flags, mode_t mode) {
    return fs_->openat(*session_, dirfd, path, flags, mode);
}

Result<int> EmbeddedSession::reopen(int fd, int flags) {
    return fs_->reopen(*session_, fd, flags);
}

Result<void> EmbeddedSession::close(int fd) {
    return fs_->close(*session_, fd);
}

Result<std::size_t> EmbeddedSession::read(int fd, std::span<const iovec> buffers,
                                          std::optional<off_t> offset) {
    return fs_->read(*session_, fd, buffers, offset);
}

Result<std::size_t> EmbeddedSession::write(int fd, std::span<const iovec> buffers,
                                           std::optional<off_t> offset) {
    return fs_->write(*session_, fd, buffers, offset);
}

Result<off_t> EmbeddedSession::lseek(int fd, off_t offset, int whence) {
    return fs_->lseek(*session_, fd, offset, whence);
}

Result<void> EmbeddedSession::ftruncate(int fd, off_t length) {
    return fs_->ftruncate(*session_, fd, length);
}

Result<void> EmbeddedSession::truncate(const char* path, off_t length) {
    return fs_->truncate(*session_, path, length);
}

Result<void> EmbeddedSession::fsync(int fd) {
    return fs_->fsync(*session_, fd);
}

Result<void> EmbeddedSession::fallocate(int fd, int mode, off_t offset, off_t len) {
    return fs_->fallocate(*session_, fd, mode, offset, len);
}

Result<int> EmbeddedSession::dup(int fd, int min_fd, bool cloexec) {
    return fs_->dup(*session_, fd, min_fd, cloexec);
}

Result<int> EmbeddedSession::dup3(int oldfd, int newfd, int flags) {
    return fs_->dup3(*session_, oldfd, newfd, flags);
}

Result<int> EmbeddedSession::fcntl(int fd, int cmd, long arg) {
    return fs_->fcntl(*session_, fd, cmd, arg);
}

Result<void> EmbeddedSession::fstatat(int dirfd, const char* path, struct stat& st, int flags) {
    return fs_->fstatat(*session_, dirfd, path, st, flags);
}

Result<void> EmbeddedSession::faccessat(int dirfd, const char* path, int mode, int flags) {
    return fs_->faccessat(*session_, dirfd, path, mode, flags);
}

Result<void> EmbeddedSession::fchmodat(int dirfd, const char* path, mode_t mode, int flags) {
    return fs_->fchmodat(*session_, dirfd, path, mode, flags);
}

Result<void> EmbeddedSession::fchmod(int fd, mode_t mode) {
    return fs_->fchmod(*session_, fd, mode);
}

Result<void> EmbeddedSession::fchownat(int dirfd, const char* path, uid_t uid, gid_t gid,
                                       int flags) {
    return fs_->fchownat(*session_, dirfd, path, uid, gid, flags);
}

Result<void> EmbeddedSession::fchown(int fd, uid_t uid, gid_t gid) {
    return fs_->fchown(*session_, fd, uid, gid);
}

Result<void> EmbeddedSession::utimensat(int dirfd, const char* path, const timespec* times,
                                        int flags) {
    return fs_->utimensat(*session_, dirfd, path, times, flags);
}

Result<void> EmbeddedSession::statvfs(int dirfd, const char* path, struct statvfs& st, int flags) {
    return fs_->statvfs(*session_, dirfd, path, st, flags);
}

Result<void> EmbeddedSession::mkdirat(int dirfd, const char* path, mode_t mode) {
    return fs_->mkdirat(*session_, dirfd, path, mode);
}

Result<void> EmbeddedSession::mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) {
    return fs_->mknodat(*session_, dirfd, path, mode, dev);
}

Result<void> EmbeddedSession::symlinkat(const char* target, int dirfd, const char* path) {
    return fs_->symlinkat(*session_, target, dirfd, path);
}

Result<std::size_t> EmbeddedSession::readlinkat(int dirfd, const char* path,
                                                std::span<char> buffer) {
    return fs_->readlinkat(*session_, dirfd, path, buffer);
}

Result<void> EmbeddedSession::unlinkat(int dirfd, const char* path, int flags) {
    return fs_->unlinkat(*session_, dirfd, path, flags);
}

Result<void> EmbeddedSession::linkat(int olddirfd, const char* oldpath, int newdirfd,
                                     const char* newpath, int flags) {
    return fs_->linkat(*session_, olddirfd, oldpath, newdirfd, newpath, flags);
}

Result<void> EmbeddedSession::renameat2(int olddirfd, const char* oldpath, int newdirfd,
                                        const char* newpath, unsigned flags) {
    return fs_->renameat2(*session_, olddirfd, oldpath, newdirfd, newpath, flags);
}

Result<std::size_t> EmbeddedSession::getdents64(int fd, std::span<std::byte> buffer) {
    return fs_->getdents64(*session_, fd, buffer);
}

Result<void> EmbeddedSession::chdir(const char* path) {
    return fs_->chdir(*session_, path);
}

Result<void> EmbeddedSession::fchdir(int fd) {
    return fs_->fchdir(*session_, fd);
}

Result<std::string> EmbeddedSession::getcwd() {
    return fs_->getcwd(*session_);
}
}  // namespace imfs::client
