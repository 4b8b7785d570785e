#include "host_backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace conformance {
namespace {

// The calls that take a path or a buffer go to the kernel by syscall(2),
// not through libc: the kernel is the oracle, and the suite passes bad
// pointers on purpose, which a sanitizer's libc interceptors would read.
template <typename R, typename... Args>
R sys(long number, Args... args) {
    return static_cast<R>(::syscall(number, args...));
}

DIR* host_dir(DirStream* dir) {
    return reinterpret_cast<DIR*>(dir);
}
DirStream* stream(DIR* dir) {
    return reinterpret_cast<DirStream*>(dir);
}

std::set<int> open_descriptors() {
    std::set<int> fds;
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return fds;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') fds.insert(std::atoi(entry->d_name));
    }
    ::closedir(dir);
    return fds;
}

int remove_node(const char* path, const struct stat*, int, struct FTW*) {
    return ::remove(path);
}

class HostBackend final : public Backend {
  public:
    HostBackend(std::string root, std::string saved_cwd, mode_t saved_umask)
        : root_(std::move(root)), saved_cwd_(std::move(saved_cwd)), saved_umask_(saved_umask) {}

    ~HostBackend() override {
        // Close what a test left open in its directory (not what was open
        // before: a descriptor number may have been reused meanwhile), so
        // nothing keeps a mount busy or a removed file alive.
        for (int fd : open_descriptors()) {
            char target[PATH_MAX];
            std::string link = "/proc/self/fd/" + std::to_string(fd);
            ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
            if (n <= 0) continue;
            std::string_view name(target, static_cast<size_t>(n));
            if (name == root_ || name.starts_with(root_ + "/")) ::close(fd);
        }
        if (::chdir(saved_cwd_.c_str()) != 0) std::perror("conformance: chdir back");
        ::umask(saved_umask_);
        ::nftw(root_.c_str(), remove_node, 16, FTW_DEPTH | FTW_PHYS);
    }

    int open(const char* p, int f, mode_t m) override {
        return sys<int>(SYS_openat, AT_FDCWD, p, f, m);
    }
    int openat(int d, const char* p, int f, mode_t m) override {
        return sys<int>(SYS_openat, d, p, f, m);
    }
    int creat(const char* p, mode_t m) override { return sys<int>(SYS_creat, p, m); }
    int reopen(int fd, int flags) override {
        const std::string proc = "/proc/self/fd/" + std::to_string(fd);
        return ::open(proc.c_str(), flags);
    }
    int close(int fd) override { return ::close(fd); }
    ssize_t read(int fd, void* b, size_t n) override { return sys<ssize_t>(SYS_read, fd, b, n); }
    ssize_t write(int fd, const void* b, size_t n) override {
        return sys<ssize_t>(SYS_write, fd, b, n);
    }
    ssize_t pread(int fd, void* b, size_t n, off_t o) override {
        return sys<ssize_t>(SYS_pread64, fd, b, n, o);
    }
    ssize_t pwrite(int fd, const void* b, size_t n, off_t o) override {
        return sys<ssize_t>(SYS_pwrite64, fd, b, n, o);
    }
    ssize_t readv(int fd, const iovec* v, int n) override {
        return sys<ssize_t>(SYS_readv, fd, v, n);
    }
    ssize_t writev(int fd, const iovec* v, int n) override {
        return sys<ssize_t>(SYS_writev, fd, v, n);
    }
    off_t lseek(int fd, off_t o, int w) override { return ::lseek(fd, o, w); }
    int ftruncate(int fd, off_t l) override { return ::ftruncate(fd, l); }
    int truncate(const char* p, off_t l) override { return sys<int>(SYS_truncate, p, l); }
    int fsync(int fd) override { return ::fsync(fd); }
    int fdatasync(int fd) override { return ::fdatasync(fd); }
    int fallocate(int fd, int m, off_t o, off_t l) override { return ::fallocate(fd, m, o, l); }
    int dup(int fd) override { return ::dup(fd); }
    int dup2(int o, int n) override { return ::dup2(o, n); }
    int dup3(int o, int n, int f) override { return ::dup3(o, n, f); }
    int fcntl(int fd, int cmd, int arg) override { return ::fcntl(fd, cmd, arg); }

    int stat(const char* p, struct stat* b) override {
        return sys<int>(SYS_newfstatat, AT_FDCWD, p, b, 0);
    }
    int lstat(const char* p, struct stat* b) override {
        return sys<int>(SYS_newfstatat, AT_FDCWD, p, b, AT_SYMLINK_NOFOLLOW);
    }
    int fstat(int fd, struct stat* b) override { return sys<int>(SYS_fstat, fd, b); }
    int fstatat(int d, const char* p, struct stat* b, int f) override {
        return sys<int>(SYS_newfstatat, d, p, b, f);
    }
    int access(const char* p, int m) override { return sys<int>(SYS_access, p, m); }
    int faccessat(int d, const char* p, int m, int f) override {
        return sys<int>(SYS_faccessat2, d, p, m, f);
    }
    int chmod(const char* p, mode_t m) override { return sys<int>(SYS_chmod, p, m); }
    int fchmod(int fd, mode_t m) override { return ::fchmod(fd, m); }
    int fchmodat(int d, const char* p, mode_t m, int f) override { return ::fchmodat(d, p, m, f); }
    int chown(const char* p, uid_t u, gid_t g) override { return sys<int>(SYS_chown, p, u, g); }
    int lchown(const char* p, uid_t u, gid_t g) override { return sys<int>(SYS_lchown, p, u, g); }
    int fchown(int fd, uid_t u, gid_t g) override { return ::fchown(fd, u, g); }
    int fchownat(int d, const char* p, uid_t u, gid_t g, int f) override {
        return sys<int>(SYS_fchownat, d, p, u, g, f);
    }
    int utimensat(int d, const char* p, const timespec t[2], int f) override {
        return sys<int>(SYS_utimensat, d, p, t, f);
    }
    int futimens(int fd, const timespec t[2]) override { return ::futimens(fd, t); }
    int statvfs(const char* p, struct statvfs* b) override { return ::statvfs(p, b); }
    int fstatvfs(int fd, struct statvfs* b) override { return ::fstatvfs(fd, b); }
    mode_t umask(mode_t m) override { return ::umask(m); }

    int mkdir(const char* p, mode_t m) override { return sys<int>(SYS_mkdir, p, m); }
    int mkdirat(int d, const char* p, mode_t m) override { return sys<int>(SYS_mkdirat, d, p, m); }
    int rmdir(const char* p) override { return sys<int>(SYS_rmdir, p); }
    int unlink(const char* p) override { return sys<int>(SYS_unlink, p); }
    int unlinkat(int d, const char* p, int f) override { return sys<int>(SYS_unlinkat, d, p, f); }
    int link(const char* o, const char* n) override { return sys<int>(SYS_link, o, n); }
    int linkat(int od, const char* o, int nd, const char* n, int f) override {
        return sys<int>(SYS_linkat, od, o, nd, n, f);
    }
    int symlink(const char* t, const char* l) override { return sys<int>(SYS_symlink, t, l); }
    int symlinkat(const char* t, int d, const char* l) override {
        return sys<int>(SYS_symlinkat, t, d, l);
    }
    ssize_t readlink(const char* p, char* b, size_t n) override {
        return sys<ssize_t>(SYS_readlink, p, b, n);
    }
    ssize_t readlinkat(int d, const char* p, char* b, size_t n) override {
        return sys<ssize_t>(SYS_readlinkat, d, p, b, n);
    }
    int rename(const char* o, const char* n) override { return sys<int>(SYS_rename, o, n); }
    int renameat(int od, const char* o, int nd, const char* n) override {
        return sys<int>(SYS_renameat, od, o, nd, n);
    }
    int renameat2(int od, const char* o, int nd, const char* n, unsigned f) override {
        return sys<int>(SYS_renameat2, od, o, nd, n, f);
    }
    int mknod(const char* p, mode_t m, dev_t d) override {
        return sys<int>(SYS_mknodat, AT_FDCWD, p, m, d);
    }
    int mknodat(int fd, const char* p, mode_t m, dev_t d) override {
        return sys<int>(SYS_mknodat, fd, p, m, d);
    }
    int mkfifo(const char* p, mode_t m) override {
        return sys<int>(SYS_mknodat, AT_FDCWD, p, S_IFIFO | m, 0);
    }

    ssize_t getdents64(int fd, void* b, size_t n) override {
        return sys<ssize_t>(SYS_getdents64, fd, b, n);
    }
    DirStream* opendir(const char* p) override { return stream(::opendir(p)); }
    DirStream* fdopendir(int fd) override { return stream(::fdopendir(fd)); }
    dirent* readdir(DirStream* d) override { return ::readdir(host_dir(d)); }
    void rewinddir(DirStream* d) override { ::rewinddir(host_dir(d)); }
    int closedir(DirStream* d) override { return ::closedir(host_dir(d)); }
    int dirfd(DirStream* d) override { return ::dirfd(host_dir(d)); }
    int chdir(const char* p) override { return sys<int>(SYS_chdir, p); }
    int fchdir(int fd) override { return ::fchdir(fd); }

    // The kernel's answer with the test root cut off, so that it reads as
    // IMFS's answer does: "/" is the root. ERANGE/EINVAL as getcwd(3).
    char* getcwd(char* buf, size_t size) override {
        char host[PATH_MAX];
        if (::getcwd(host, sizeof host) == nullptr) return nullptr;
        std::string path = host;
        if (path.compare(0, root_.size(), root_) != 0 ||
            (path.size() > root_.size() && path[root_.size()] != '/')) {
            errno = ENOENT;  // outside the test root: the suite never goes there
            return nullptr;
        }
        path.erase(0, root_.size());
        if (path.empty()) path = "/";
        if (buf == nullptr) {
            errno = EFAULT;
            return nullptr;
        }
        if (size == 0) {
            errno = EINVAL;
            return nullptr;
        }
        if (path.size() + 1 > size) {
            errno = ERANGE;
            return nullptr;
        }
        std::memcpy(buf, path.c_str(), path.size() + 1);
        return buf;
    }

    int become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) override {
        if (::setgroups(groups.size(), groups.data()) != 0) return -1;
        if (::setresgid(gid, gid, gid) != 0) return -1;
        return ::setresuid(uid, uid, uid);
    }

    int set_fd_limit(unsigned long limit) override {
        const rlimit rl{limit, limit};
        return ::setrlimit(RLIMIT_NOFILE, &rl);
    }

  private:
    std::string root_;
    std::string saved_cwd_;
    mode_t saved_umask_;
};

}  // namespace

std::unique_ptr<Backend> make_host_backend(const std::string& parent_dir, std::string& error) {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) {
        error = std::string("getcwd: ") + std::strerror(errno);
        return nullptr;
    }
    std::string templ = parent_dir + "/imfs-conformance-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
        error = "mkdtemp " + templ + ": " + std::strerror(errno);
        return nullptr;
    }
    if (::chmod(templ.c_str(), 0755) != 0 || ::chdir(templ.c_str()) != 0) {
        error = "chmod/chdir " + templ + ": " + std::strerror(errno);
        ::rmdir(templ.c_str());
        return nullptr;
    }
    const mode_t saved_umask = ::umask(022);
    return std::make_unique<HostBackend>(templ, cwd, saved_umask);
}

}  // namespace conformance
