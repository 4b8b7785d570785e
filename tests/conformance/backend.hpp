// The POSIX calls the conformance suite makes, behind one interface, so the
// same test runs on the host kernel (the oracle) and on every IMFS transport.
//
// Every method follows libc's convention: it returns what the call returns,
// and -1 (nullptr for pointers) with errno set on failure. Paths are relative
// to the test's root, which is the working directory when a test starts.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// A factory's error starting with this means: this machine cannot have the
// back-end (no /dev/fuse); its tests skip, loudly.
inline constexpr std::string_view kSkipBackend = "SKIP: ";

// A directory stream of some back-end (a DIR* or an IMFS_DIR*); opaque.
struct DirStream;

class Backend {
  public:
    virtual ~Backend() = default;

    // ---- Files
    virtual int open(const char* path, int flags, mode_t mode = 0) = 0;
    virtual int openat(int dirfd, const char* path, int flags, mode_t mode = 0) = 0;
    virtual int creat(const char* path, mode_t mode) = 0;
    // Opens the node fd names with new flags (open("/proc/self/fd/N") on Linux).
    virtual int reopen(int fd, int flags) = 0;
    virtual int close(int fd) = 0;
    virtual ssize_t read(int fd, void* buf, size_t count) = 0;
    virtual ssize_t write(int fd, const void* buf, size_t count) = 0;
    virtual ssize_t pread(int fd, void* buf, size_t count, off_t offset) = 0;
    virtual ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) = 0;
    virtual ssize_t readv(int fd, const struct iovec* iov, int iovcnt) = 0;
    virtual ssize_t writev(int fd, const struct iovec* iov, int iovcnt) = 0;
    virtual off_t lseek(int fd, off_t offset, int whence) = 0;
    virtual int ftruncate(int fd, off_t length) = 0;
    virtual int truncate(const char* path, off_t length) = 0;
    virtual int fsync(int fd) = 0;
    virtual int fdatasync(int fd) = 0;
    virtual int fallocate(int fd, int mode, off_t offset, off_t len) = 0;
    virtual int dup(int fd) = 0;
    virtual int dup2(int oldfd, int newfd) = 0;
    virtual int dup3(int oldfd, int newfd, int flags) = 0;
    virtual int fcntl(int fd, int cmd, int arg = 0) = 0;

    // ---- Metadata
    virtual int stat(const char* path, struct stat* buf) = 0;
    virtual int lstat(const char* path, struct stat* buf) = 0;
    virtual int fstat(int fd, struct stat* buf) = 0;
    virtual int fstatat(int dirfd, const char* path, struct stat* buf, int flags) = 0;
    virtual int access(const char* path, int mode) = 0;
    virtual int faccessat(int dirfd, const char* path, int mode, int flags) = 0;
    virtual int chmod(const char* path, mode_t mode) = 0;
    virtual int fchmod(int fd, mode_t mode) = 0;
    virtual int fchmodat(int dirfd, const char* path, mode_t mode, int flags) = 0;
    virtual int chown(const char* path, uid_t owner, gid_t group) = 0;
    virtual int lchown(const char* path, uid_t owner, gid_t group) = 0;
    virtual int fchown(int fd, uid_t owner, gid_t group) = 0;
    virtual int fchownat(int dirfd, const char* path, uid_t owner, gid_t group, int flags) = 0;
    virtual int utimensat(int dirfd, const char* path, const struct timespec times[2],
                          int flags) = 0;
    virtual int futimens(int fd, const struct timespec times[2]) = 0;
    virtual int statvfs(const char* path, struct statvfs* buf) = 0;
    virtual int fstatvfs(int fd, struct statvfs* buf) = 0;
    virtual mode_t umask(mode_t mask) = 0;

    // ---- Names
    virtual int mkdir(const char* path, mode_t mode) = 0;
    virtual int mkdirat(int dirfd, const char* path, mode_t mode) = 0;
    virtual int rmdir(const char* path) = 0;
    virtual int unlink(const char* path) = 0;
    virtual int unlinkat(int dirfd, const char* path, int flags) = 0;
    virtual int link(const char* oldpath, const char* newpath) = 0;
    virtual int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                       int flags) = 0;
    virtual int symlink(const char* target, const char* linkpath) = 0;
    virtual int symlinkat(const char* target, int newdirfd, const char* linkpath) = 0;
    virtual ssize_t readlink(const char* path, char* buf, size_t bufsiz) = 0;
    virtual ssize_t readlinkat(int dirfd, const char* path, char* buf, size_t bufsiz) = 0;
    virtual int rename(const char* oldpath, const char* newpath) = 0;
    virtual int renameat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath) = 0;
    virtual int renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                          unsigned int flags) = 0;
    virtual int mknod(const char* path, mode_t mode, dev_t dev) = 0;
    virtual int mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) = 0;
    virtual int mkfifo(const char* path, mode_t mode) = 0;

    // ---- Directories
    virtual ssize_t getdents64(int fd, void* dirp, size_t count) = 0;
    virtual DirStream* opendir(const char* path) = 0;
    virtual DirStream* fdopendir(int fd) = 0;
    virtual struct dirent* readdir(DirStream* dir) = 0;
    virtual void rewinddir(DirStream* dir) = 0;
    virtual int closedir(DirStream* dir) = 0;
    virtual int dirfd(DirStream* dir) = 0;
    virtual int chdir(const char* path) = 0;
    virtual int fchdir(int fd) = 0;
    // The working directory as the test sees it: "/" is the test's root.
    virtual char* getcwd(char* buf, size_t size) = 0;

    // ---- Process state
    // Acts as uid/gid/groups from now on, for good. Called in a forked child
    // only (see run_in_child): the parent keeps its identity.
    virtual int become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) = 0;
    // Descriptors must stay below limit from now on (RLIMIT_NOFILE). Called in
    // a forked child only.
    virtual int set_fd_limit(unsigned long limit) = 0;
};

// One entry of the registration list: a name (the test-name suffix) and a
// way to make a fresh back-end with an empty root for one test. make returns
// nullptr and fills error when the back-end cannot be set up.
struct BackendFactory {
    std::string name;
    std::function<std::unique_ptr<Backend>(std::string& error)> make;
};

// The registration list (backend.cpp). Adding a back-end is one line there.
const std::vector<BackendFactory>& backend_factories();
std::vector<std::string> backend_names();

}  // namespace conformance
