// The C API: open files and descriptors.
#include <fcntl.h>
#include <limits.h>

#include <cstdarg>

#include "api_support.hpp"
#include "imfs/imfs.h"

using imfs::client::finish;
using imfs::client::finish_offset;
using imfs::client::on_session;
namespace core = imfs::core;
using imfs::client::SessionBackend;

namespace {

// read() and write() with a NULL buffer fault as the kernel's copy would.
core::Result<std::span<const iovec>> vectors(const struct iovec* iov, int iovcnt) {
    if (iovcnt < 0 || iovcnt > IOV_MAX) return core::fail(EINVAL);
    if (iovcnt > 0 && iov == nullptr) return core::fail(EFAULT);
    for (int i = 0; i < iovcnt; ++i) {
        if (iov[i].iov_len > 0 && iov[i].iov_base == nullptr) return core::fail(EFAULT);
    }
    return std::span<const iovec>(iov, static_cast<std::size_t>(iovcnt));
}

core::Result<std::size_t> read_at(int session, int fd, const struct iovec* iov, int iovcnt,
                                  std::optional<off_t> offset) {
    std::span<const iovec> buffers = IMFS_TRY(vectors(iov, iovcnt));
    return on_session(session,
                      [&](SessionBackend& backend) { return backend.read(fd, buffers, offset); });
}

core::Result<std::size_t> write_at(int session, int fd, const struct iovec* iov, int iovcnt,
                                   std::optional<off_t> offset) {
    std::span<const iovec> buffers = IMFS_TRY(vectors(iov, iovcnt));
    return on_session(session,
                      [&](SessionBackend& backend) { return backend.write(fd, buffers, offset); });
}

iovec single(const void* buf, size_t count) {
    return iovec{const_cast<void*>(buf), count};
}

mode_t mode_argument(int flags, va_list args) {
    bool creates = (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
    return creates ? static_cast<mode_t>(va_arg(args, unsigned int)) : 0;
}

}  // namespace

extern "C" {

int imfs_open(int session, const char* path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = mode_argument(flags, args);
    va_end(args);
    return imfs_openat(session, AT_FDCWD, path, flags, mode);
}

int imfs_openat(int session, int dirfd, const char* path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = mode_argument(flags, args);
    va_end(args);
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.openat(dirfd, path, flags, mode);
    }));
}

int imfs_creat(int session, const char* path, mode_t mode) {
    return imfs_openat(session, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int imfs_reopen(int session, int fd, int flags) {
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.reopen(fd, flags); }));
}

int imfs_close(int session, int fd) {
    return finish(on_session(session, [&](SessionBackend& backend) { return backend.close(fd); }));
}

ssize_t imfs_read(int session, int fd, void* buf, size_t count) {
    iovec one = single(buf, count);
    return finish(read_at(session, fd, &one, 1, std::nullopt));
}

ssize_t imfs_write(int session, int fd, const void* buf, size_t count) {
    iovec one = single(buf, count);
    return finish(write_at(session, fd, &one, 1, std::nullopt));
}

ssize_t imfs_pread(int session, int fd, void* buf, size_t count, off_t offset) {
    iovec one = single(buf, count);
    return finish(read_at(session, fd, &one, 1, offset));
}

ssize_t imfs_pwrite(int session, int fd, const void* buf, size_t count, off_t offset) {
    iovec one = single(buf, count);
    return finish(write_at(session, fd, &one, 1, offset));
}

ssize_t imfs_readv(int session, int fd, const struct iovec* iov, int iovcnt) {
    return finish(read_at(session, fd, iov, iovcnt, std::nullopt));
}

ssize_t imfs_writev(int session, int fd, const struct iovec* iov, int iovcnt) {
    return finish(write_at(session, fd, iov, iovcnt, std::nullopt));
}

off_t imfs_lseek(int session, int fd, off_t offset, int whence) {
    return finish_offset(on_session(
        session, [&](SessionBackend& backend) { return backend.lseek(fd, offset, whence); }));
}

int imfs_ftruncate(int session, int fd, off_t length) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.ftruncate(fd, length); }));
}

int imfs_truncate(int session, const char* path, off_t length) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.truncate(path, length); }));
}

int imfs_fsync(int session, int fd) {
    return finish(on_session(session, [&](SessionBackend& backend) { return backend.fsync(fd); }));
}

int imfs_fdatasync(int session, int fd) {
    return imfs_fsync(session, fd);
}

int imfs_fallocate(int session, int fd, int mode, off_t offset, off_t len) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.fallocate(fd, mode, offset, len);
    }));
}

int imfs_dup(int session, int oldfd) {
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.dup(oldfd, 0, false); }));
}

int imfs_dup2(int session, int oldfd, int newfd) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.dup3(oldfd, newfd, -1); }));
}

int imfs_dup3(int session, int oldfd, int newfd, int flags) {
    if (flags == -1) {  // reserved inside for dup2
        errno = EINVAL;
        return -1;
    }
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.dup3(oldfd, newfd, flags); }));
}

int imfs_fcntl(int session, int fd, int cmd, ...) {
    long arg = 0;
    switch (cmd) {
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
        case F_SETFD:
        case F_SETFL: {
            va_list args;
            va_start(args, cmd);
            arg = va_arg(args, int);
            va_end(args);
            break;
        }
        default:
            break;
    }
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.fcntl(fd, cmd, arg); }));
}

}  // extern "C"
