#ifndef CONFORMANCE_HOST_ONLY

#include "imfs_backend.hpp"

#include <imfs/imfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace conformance {
namespace {

IMFS_DIR* imfs_dir(DirStream* dir) {
    return reinterpret_cast<IMFS_DIR*>(dir);
}
DirStream* stream(IMFS_DIR* dir) {
    return reinterpret_cast<DirStream*>(dir);
}

class ImfsBackend final : public Backend {
  public:
    explicit ImfsBackend(int session) : s_(session) {}
    ~ImfsBackend() override { imfs_session_close(s_); }

    int open(const char* p, int f, mode_t m) override { return imfs_open(s_, p, f, m); }
    int openat(int d, const char* p, int f, mode_t m) override {
        return imfs_openat(s_, d, p, f, m);
    }
    int creat(const char* p, mode_t m) override { return imfs_creat(s_, p, m); }
    int reopen(int fd, int flags) override { return imfs_reopen(s_, fd, flags); }
    int close(int fd) override { return imfs_close(s_, fd); }
    ssize_t read(int fd, void* b, size_t n) override { return imfs_read(s_, fd, b, n); }
    ssize_t write(int fd, const void* b, size_t n) override { return imfs_write(s_, fd, b, n); }
    ssize_t pread(int fd, void* b, size_t n, off_t o) override {
        return imfs_pread(s_, fd, b, n, o);
    }
    ssize_t pwrite(int fd, const void* b, size_t n, off_t o) override {
        return imfs_pwrite(s_, fd, b, n, o);
    }
    ssize_t readv(int fd, const iovec* v, int n) override { return imfs_readv(s_, fd, v, n); }
    ssize_t writev(int fd, const iovec* v, int n) override { return imfs_writev(s_, fd, v, n); }
    off_t lseek(int fd, off_t o, int w) override { return imfs_lseek(s_, fd, o, w); }
    int ftruncate(int fd, off_t l) override { return imfs_ftruncate(s_, fd, l); }
    int truncate(const char* p, off_t l) override { return imfs_truncate(s_, p, l); }
    int fsync(int fd) override { return imfs_fsync(s_, fd); }
    int fdatasync(int fd) override { return imfs_fdatasync(s_, fd); }
    int fallocate(int fd, int m, off_t o, off_t l) override {
        return imfs_fallocate(s_, fd, m, o, l);
    }
    int dup(int fd) override { return imfs_dup(s_, fd); }
    int dup2(int o, int n) override { return imfs_dup2(s_, o, n); }
    int dup3(int o, int n, int f) override { return imfs_dup3(s_, o, n, f); }
    int fcntl(int fd, int cmd, int arg) override { return imfs_fcntl(s_, fd, cmd, arg); }

    int stat(const char* p, struct stat* b) override { return imfs_stat(s_, p, b); }
    int lstat(const char* p, struct stat* b) override { return imfs_lstat(s_, p, b); }
    int fstat(int fd, struct stat* b) override { return imfs_fstat(s_, fd, b); }
    int fstatat(int d, const char* p, struct stat* b, int f) override {
        return imfs_fstatat(s_, d, p, b, f);
    }
    int access(const char* p, int m) override { return imfs_access(s_, p, m); }
    int faccessat(int d, const char* p, int m, int f) override {
        return imfs_faccessat(s_, d, p, m, f);
    }
    int chmod(const char* p, mode_t m) override { return imfs_chmod(s_, p, m); }
    int fchmod(int fd, mode_t m) override { return imfs_fchmod(s_, fd, m); }
    int fchmodat(int d, const char* p, mode_t m, int f) override {
        return imfs_fchmodat(s_, d, p, m, f);
    }
    int chown(const char* p, uid_t u, gid_t g) override { return imfs_chown(s_, p, u, g); }
    int lchown(const char* p, uid_t u, gid_t g) override { return imfs_lchown(s_, p, u, g); }
    int fchown(int fd, uid_t u, gid_t g) override { return imfs_fchown(s_, fd, u, g); }
    int fchownat(int d, const char* p, uid_t u, gid_t g, int f) override {
        return imfs_fchownat(s_, d, p, u, g, f);
    }
    int utimensat(int d, const char* p, const timespec t[2], int f) override {
        return imfs_utimensat(s_, d, p, t, f);
    }
    int futimens(int fd, const timespec t[2]) override { return imfs_futimens(s_, fd, t); }
    int statvfs(const char* p, struct statvfs* b) override { return imfs_statvfs(s_, p, b); }
    int fstatvfs(int fd, struct statvfs* b) override { return imfs_fstatvfs(s_, fd, b); }
    mode_t umask(mode_t m) override { return imfs_umask(s_, m); }

    int mkdir(const char* p, mode_t m) override { return imfs_mkdir(s_, p, m); }
    int mkdirat(int d, const char* p, mode_t m) override { return imfs_mkdirat(s_, d, p, m); }
    int rmdir(const char* p) override { return imfs_rmdir(s_, p); }
    int unlink(const char* p) override { return imfs_unlink(s_, p); }
    int unlinkat(int d, const char* p, int f) override { return imfs_unlinkat(s_, d, p, f); }
    int link(const char* o, const char* n) override { return imfs_link(s_, o, n); }
    int linkat(int od, const char* o, int nd, const char* n, int f) override {
        return imfs_linkat(s_, od, o, nd, n, f);
    }
    int symlink(const char* t, const char* l) override { return imfs_symlink(s_, t, l); }
    int symlinkat(const char* t, int d, const char* l) override {
        return imfs_symlinkat(s_, t, d, l);
    }
    ssize_t readlink(const char* p, char* b, size_t n) override {
        return imfs_readlink(s_, p, b, n);
    }
    ssize_t readlinkat(int d, const char* p, char* b, size_t n) override {
        return imfs_readlinkat(s_, d, p, b, n);
    }
    int rename(const char* o, const char* n) override { return imfs_rename(s_, o, n); }
    int renameat(int od, const char* o, int nd, const char* n) override {
        return imfs_renameat(s_, od, o, nd, n);
    }
    int renameat2(int od, const char* o, int nd, const char* n, unsigned f) override {
        return imfs_renameat2(s_, od, o, nd, n, f);
    }
    int mknod(const char* p, mode_t m, dev_t d) override { return imfs_mknod(s_, p, m, d); }
    int mknodat(int fd, const char* p, mode_t m, dev_t d) override {
        return imfs_mknodat(s_, fd, p, m, d);
    }
    int mkfifo(const char* p, mode_t m) override { return imfs_mkfifo(s_, p, m); }

    ssize_t getdents64(int fd, void* b, size_t n) override { return imfs_getdents64(s_, fd, b, n); }
    DirStream* opendir(const char* p) override { return stream(imfs_opendir(s_, p)); }
    DirStream* fdopendir(int fd) override { return stream(imfs_fdopendir(s_, fd)); }
    dirent* readdir(DirStream* d) override { return imfs_readdir(imfs_dir(d)); }
    void rewinddir(DirStream* d) override { imfs_rewinddir(imfs_dir(d)); }
    int closedir(DirStream* d) override { return imfs_closedir(imfs_dir(d)); }
    int dirfd(DirStream* d) override { return imfs_dirfd(imfs_dir(d)); }
    int chdir(const char* p) override { return imfs_chdir(s_, p); }
    int fchdir(int fd) override { return imfs_fchdir(s_, fd); }
    char* getcwd(char* buf, size_t size) override { return imfs_getcwd(s_, buf, size); }

    // A child of this session, as fork() would make, takes the new identity:
    // the session the parent process uses keeps its own (it matters for
    // remote back-ends, where the parent's session lives on in the server).
    int become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) override {
        const int child = imfs_fork(s_);
        if (child < 0) return -1;
        if (imfs_setcred(child, uid, gid, groups.size(), groups.data()) != 0) return -1;
        s_ = child;
        return 0;
    }

    int set_fd_limit(unsigned long limit) override { return imfs_set_fd_limit(s_, limit); }

  private:
    int s_;
};

// One setup session per endpoint and process, with the endpoint's root as
// its root: it creates each test's directory.
int setup_session(const std::string& endpoint) {
    static std::map<std::string, int> sessions;
    auto it = sessions.find(endpoint);
    if (it == sessions.end()) {
        const int s = imfs_session_open(endpoint.c_str(), "conformance-setup", nullptr);
        if (s < 0) return -1;
        it = sessions.emplace(endpoint, s).first;
    }
    return it->second;
}

}  // namespace

std::unique_ptr<Backend> make_imfs_backend(const std::string& endpoint, std::string& error) {
    static unsigned counter = 0;
    const int setup = setup_session(endpoint);
    if (setup < 0) {
        error = "imfs_session_open(" + endpoint + ") for setup: " + std::strerror(errno);
        return nullptr;
    }
    const std::string root =
        "/conf-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    if (imfs_mkdir(setup, root.c_str(), 0755) != 0 || imfs_chmod(setup, root.c_str(), 0755) != 0) {
        error = "imfs_mkdir/chmod(" + root + "): " + std::strerror(errno);
        return nullptr;
    }
    const imfs_session_options options{.readonly = 0, .subroot = root.c_str()};
    const int session = imfs_session_open(endpoint.c_str(), "conformance", &options);
    if (session < 0) {
        error =
            "imfs_session_open(" + endpoint + ", subroot " + root + "): " + std::strerror(errno);
        return nullptr;
    }
    imfs_umask(session, 022);
    return std::make_unique<ImfsBackend>(session);
}

}  // namespace conformance

#endif  // CONFORMANCE_HOST_ONLY
