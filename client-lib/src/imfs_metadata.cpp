// The C API: metadata and names.
#include <fcntl.h>

#include "api_support.hpp"
#include "imfs/imfs.h"

using imfs::client::finish;
using imfs::client::on_session;
namespace core = imfs::core;
using imfs::client::SessionBackend;

namespace {

int fault() {
    errno = EFAULT;
    return -1;
}

int bad_descriptor() {
    errno = EBADF;
    return -1;
}

}  // namespace

extern "C" {

int imfs_fstatat(int session, int dirfd, const char* path, struct stat* buf, int flags) {
    if (buf == nullptr) return fault();
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.fstatat(dirfd, path, *buf, flags);
    }));
}

int imfs_stat(int session, const char* path, struct stat* buf) {
    return imfs_fstatat(session, AT_FDCWD, path, buf, 0);
}

int imfs_lstat(int session, const char* path, struct stat* buf) {
    return imfs_fstatat(session, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int imfs_fstat(int session, int fd, struct stat* buf) {
    if (fd < 0) return bad_descriptor();
    return imfs_fstatat(session, fd, "", buf, AT_EMPTY_PATH);
}

int imfs_faccessat(int session, int dirfd, const char* path, int mode, int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.faccessat(dirfd, path, mode, flags);
    }));
}

int imfs_access(int session, const char* path, int mode) {
    return imfs_faccessat(session, AT_FDCWD, path, mode, 0);
}

int imfs_fchmodat(int session, int dirfd, const char* path, mode_t mode, int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.fchmodat(dirfd, path, mode, flags);
    }));
}

int imfs_chmod(int session, const char* path, mode_t mode) {
    return imfs_fchmodat(session, AT_FDCWD, path, mode, 0);
}

int imfs_fchmod(int session, int fd, mode_t mode) {
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.fchmod(fd, mode); }));
}

int imfs_fchownat(int session, int dirfd, const char* path, uid_t owner, gid_t group, int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.fchownat(dirfd, path, owner, group, flags);
    }));
}

int imfs_chown(int session, const char* path, uid_t owner, gid_t group) {
    return imfs_fchownat(session, AT_FDCWD, path, owner, group, 0);
}

int imfs_lchown(int session, const char* path, uid_t owner, gid_t group) {
    return imfs_fchownat(session, AT_FDCWD, path, owner, group, AT_SYMLINK_NOFOLLOW);
}

int imfs_fchown(int session, int fd, uid_t owner, gid_t group) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.fchown(fd, owner, group); }));
}

int imfs_utimensat(int session, int dirfd, const char* path, const struct timespec times[2],
                   int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.utimensat(dirfd, path, times, flags);
    }));
}

int imfs_futimens(int session, int fd, const struct timespec times[2]) {
    if (fd < 0) return bad_descriptor();
    return imfs_utimensat(session, fd, nullptr, times, 0);
}

int imfs_statvfs(int session, const char* path, struct statvfs* buf) {
    if (buf == nullptr) return fault();
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.statvfs(AT_FDCWD, path, *buf, 0);
    }));
}

int imfs_fstatvfs(int session, int fd, struct statvfs* buf) {
    if (buf == nullptr) return fault();
    if (fd < 0) return bad_descriptor();
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.statvfs(fd, "", *buf, AT_EMPTY_PATH);
    }));
}

mode_t imfs_umask(int session, mode_t mask) {
    auto previous =
        on_session(session, [&](SessionBackend& backend) { return backend.umask(mask); });
    if (!previous) {
        errno = EBADF;
        return static_cast<mode_t>(-1);
    }
    return *previous;
}

int imfs_mkdirat(int session, int dirfd, const char* path, mode_t mode) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.mkdirat(dirfd, path, mode); }));
}

int imfs_mkdir(int session, const char* path, mode_t mode) {
    return imfs_mkdirat(session, AT_FDCWD, path, mode);
}

int imfs_unlinkat(int session, int dirfd, const char* path, int flags) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.unlinkat(dirfd, path, flags); }));
}

int imfs_rmdir(int session, const char* path) {
    return imfs_unlinkat(session, AT_FDCWD, path, AT_REMOVEDIR);
}

int imfs_unlink(int session, const char* path) {
    return imfs_unlinkat(session, AT_FDCWD, path, 0);
}

int imfs_linkat(int session, int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    }));
}

int imfs_link(int session, const char* oldpath, const char* newpath) {
    return imfs_linkat(session, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

int imfs_symlinkat(int session, const char* target, int newdirfd, const char* linkpath) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.symlinkat(target, newdirfd, linkpath);
    }));
}

int imfs_symlink(int session, const char* target, const char* linkpath) {
    return imfs_symlinkat(session, target, AT_FDCWD, linkpath);
}

ssize_t imfs_readlinkat(int session, int dirfd, const char* path, char* buf, size_t bufsiz) {
    if (buf == nullptr && bufsiz > 0) return fault();
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.readlinkat(dirfd, path, std::span<char>(buf, bufsiz));
    }));
}

ssize_t imfs_readlink(int session, const char* path, char* buf, size_t bufsiz) {
    return imfs_readlinkat(session, AT_FDCWD, path, buf, bufsiz);
}

int imfs_renameat2(int session, int olddirfd, const char* oldpath, int newdirfd,
                   const char* newpath, unsigned int flags) {
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
    }));
}

int imfs_renameat(int session, int olddirfd, const char* oldpath, int newdirfd,
                  const char* newpath) {
    return imfs_renameat2(session, olddirfd, oldpath, newdirfd, newpath, 0);
}

int imfs_rename(int session, const char* oldpath, const char* newpath) {
    return imfs_renameat2(session, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

int imfs_mknodat(int session, int dirfd, const char* path, mode_t mode, dev_t dev) {
    return finish(on_session(
        session, [&](SessionBackend& backend) { return backend.mknodat(dirfd, path, mode, dev); }));
}

int imfs_mknod(int session, const char* path, mode_t mode, dev_t dev) {
    return imfs_mknodat(session, AT_FDCWD, path, mode, dev);
}

int imfs_mkfifo(int session, const char* path, mode_t mode) {
    return imfs_mknodat(session, AT_FDCWD, path, S_IFIFO | (mode & 07777), 0);
}

}  // extern "C"
