#include "sides.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "imfs/imfs.h"

namespace differential {

namespace {

int remove_node(const char* path, const struct stat*, int, struct FTW*) {
    return ::remove(path);
}

// Real system calls relative to a directory descriptor: the process's cwd
// is left alone. Descriptors it opened are closed on destruction.
class HostSide final : public Side {
  public:
    HostSide(std::string root, int dirfd) : root_(std::move(root)), dirfd_(dirfd) {}
    ~HostSide() override {
        for (int fd : opened_)
            ::close(fd);
        ::close(dirfd_);
        ::nftw(root_.c_str(), remove_node, 16, FTW_DEPTH | FTW_PHYS);
    }

    int open(const char* p, int f, mode_t m) override { return note(::openat(dirfd_, p, f, m)); }
    int close(int fd) override {
        opened_.erase(fd);
        return ::close(fd);
    }
    ssize_t read(int fd, void* b, size_t n) override { return ::read(fd, b, n); }
    ssize_t write(int fd, const void* b, size_t n) override { return ::write(fd, b, n); }
    ssize_t pread(int fd, void* b, size_t n, off_t o) override { return ::pread(fd, b, n, o); }
    ssize_t pwrite(int fd, const void* b, size_t n, off_t o) override {
        return ::pwrite(fd, b, n, o);
    }
    off_t lseek(int fd, off_t o, int w) override { return ::lseek(fd, o, w); }
    int ftruncate(int fd, off_t l) override { return ::ftruncate(fd, l); }
    int truncate(const char* p, off_t l) override {
        // truncate(2) has no *at form: through /proc's view of the dirfd.
        return ::truncate(proc_path(p).c_str(), l);
    }
    int fallocate(int fd, int m, off_t o, off_t l) override { return ::fallocate(fd, m, o, l); }
    int dup(int fd) override { return note(::dup(fd)); }
    int renameat2(const char* a, const char* b, unsigned f) override {
        return ::renameat2(dirfd_, a, dirfd_, b, f);
    }
    int link(const char* a, const char* b) override { return ::linkat(dirfd_, a, dirfd_, b, 0); }
    int unlink(const char* p) override { return ::unlinkat(dirfd_, p, 0); }
    int mkdir(const char* p, mode_t m) override { return ::mkdirat(dirfd_, p, m); }
    int rmdir(const char* p) override { return ::unlinkat(dirfd_, p, AT_REMOVEDIR); }
    int symlink(const char* t, const char* p) override { return ::symlinkat(t, dirfd_, p); }
    ssize_t readlink(const char* p, char* b, size_t n) override {
        char unused;  // readlinkat(2) takes no NULL buffer, even for size 0
        return ::readlinkat(dirfd_, p, b != nullptr ? b : &unused, n);
    }
    int chmod(const char* p, mode_t m) override { return ::fchmodat(dirfd_, p, m, 0); }
    int fchmod(int fd, mode_t m) override { return ::fchmod(fd, m); }
    int stat(const char* p, struct stat* st) override { return ::fstatat(dirfd_, p, st, 0); }
    int lstat(const char* p, struct stat* st) override {
        return ::fstatat(dirfd_, p, st, AT_SYMLINK_NOFOLLOW);
    }
    int fstat(int fd, struct stat* st) override { return ::fstat(fd, st); }
    ssize_t getdents64(int fd, void* b, size_t n) override {
        return ::syscall(SYS_getdents64, fd, b, n);
    }

  private:
    int note(int fd) {
        if (fd >= 0) opened_.insert(fd);
        return fd;
    }
    std::string proc_path(const char* p) const {
        // An empty path stays empty (ENOENT), as truncate("") gives.
        if (*p == '\0') return "";
        return "/proc/self/fd/" + std::to_string(dirfd_) + "/" + p;
    }

    std::string root_;
    int dirfd_;
    std::set<int> opened_;
};

// Embedded IMFS through the public C API, in a session narrowed to a
// fresh directory (relative paths start at the session root, its cwd).
class ImfsSide final : public Side {
  public:
    ImfsSide(int setup, int session, std::string dir)
        : setup_(setup), session_(session), dir_(std::move(dir)) {}
    ~ImfsSide() override {
        imfs_session_close(session_);
        remove_tree(dir_);
        imfs_session_close(setup_);
    }

    int open(const char* p, int f, mode_t m) override { return imfs_open(session_, p, f, m); }
    int close(int fd) override { return imfs_close(session_, fd); }
    ssize_t read(int fd, void* b, size_t n) override { return imfs_read(session_, fd, b, n); }
    ssize_t write(int fd, const void* b, size_t n) override {
        return imfs_write(session_, fd, b, n);
    }
    ssize_t pread(int fd, void* b, size_t n, off_t o) override {
        return imfs_pread(session_, fd, b, n, o);
    }
    ssize_t pwrite(int fd, const void* b, size_t n, off_t o) override {
        return imfs_pwrite(session_, fd, b, n, o);
    }
    off_t lseek(int fd, off_t o, int w) override { return imfs_lseek(session_, fd, o, w); }
    int ftruncate(int fd, off_t l) override { return imfs_ftruncate(session_, fd, l); }
    int truncate(const char* p, off_t l) override { return imfs_truncate(session_, p, l); }
    int fallocate(int fd, int m, off_t o, off_t l) override {
        return imfs_fallocate(session_, fd, m, o, l);
    }
    int dup(int fd) override { return imfs_dup(session_, fd); }
    int renameat2(const char* a, const char* b, unsigned f) override {
        return imfs_renameat2(session_, AT_FDCWD, a, AT_FDCWD, b, f);
    }
    int link(const char* a, const char* b) override { return imfs_link(session_, a, b); }
    int unlink(const char* p) override { return imfs_unlink(session_, p); }
    int mkdir(const char* p, mode_t m) override { return imfs_mkdir(session_, p, m); }
    int rmdir(const char* p) override { return imfs_rmdir(session_, p); }
    int symlink(const char* t, const char* p) override { return imfs_symlink(session_, t, p); }
    ssize_t readlink(const char* p, char* b, size_t n) override {
        return imfs_readlink(session_, p, b, n);
    }
    int chmod(const char* p, mode_t m) override { return imfs_chmod(session_, p, m); }
    int fchmod(int fd, mode_t m) override { return imfs_fchmod(session_, fd, m); }
    int stat(const char* p, struct stat* st) override { return imfs_stat(session_, p, st); }
    int lstat(const char* p, struct stat* st) override { return imfs_lstat(session_, p, st); }
    int fstat(int fd, struct stat* st) override { return imfs_fstat(session_, fd, st); }
    ssize_t getdents64(int fd, void* b, size_t n) override {
        return imfs_getdents64(session_, fd, b, n);
    }

  private:
    // Empties the directory from the setup session, so a long run does not
    // keep every sequence's files.
    void remove_tree(const std::string& path) {
        struct stat st {};
        if (imfs_lstat(setup_, path.c_str(), &st) != 0) return;
        if (!S_ISDIR(st.st_mode)) {
            imfs_unlink(setup_, path.c_str());
            return;
        }
        imfs_chmod(setup_, path.c_str(), 0755);
        if (IMFS_DIR* dir = imfs_opendir(setup_, path.c_str())) {
            std::set<std::string> names;
            while (const dirent* entry = imfs_readdir(dir)) {
                std::string name = entry->d_name;
                if (name != "." && name != "..") names.insert(name);
            }
            imfs_closedir(dir);
            for (const auto& name : names)
                remove_tree(path + "/" + name);
        }
        imfs_rmdir(setup_, path.c_str());
    }

    int setup_;
    int session_;
    std::string dir_;
};

}  // namespace

std::unique_ptr<Side> make_host_side(std::string& error) {
    char root[] = "/dev/shm/imfs-differential-XXXXXX";
    if (::mkdtemp(root) == nullptr) {
        error = std::string("mkdtemp: ") + std::strerror(errno);
        return nullptr;
    }
    ::chmod(root, 0755);
    int dirfd = ::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        error = std::string("open ") + root + ": " + std::strerror(errno);
        return nullptr;
    }
    return std::make_unique<HostSide>(root, dirfd);
}

std::unique_ptr<Side> make_imfs_side(std::string& error) {
    static std::atomic<unsigned> counter{0};
    if (imfs_embedded_init(nullptr) != 0 && errno != EBUSY) {
        error = std::string("imfs_embedded_init: ") + std::strerror(errno);
        return nullptr;
    }
    int setup = imfs_session_open("mem:", "differential-setup", nullptr);
    if (setup < 0) {
        error = std::string("imfs_session_open: ") + std::strerror(errno);
        return nullptr;
    }
    imfs_umask(setup, 022);
    std::string dir = "/differential-" + std::to_string(counter++);
    if (imfs_mkdir(setup, dir.c_str(), 0755) != 0) {
        error = "imfs_mkdir " + dir + ": " + std::strerror(errno);
        imfs_session_close(setup);
        return nullptr;
    }
    imfs_session_options options{};
    options.subroot = dir.c_str();
    int session = imfs_session_open("mem:", "differential", &options);
    if (session < 0) {
        error = "imfs_session_open(subroot " + dir + "): " + std::strerror(errno);
        imfs_session_close(setup);
        return nullptr;
    }
    imfs_umask(session, 022);
    return std::make_unique<ImfsSide>(setup, session, dir);
}

}  // namespace differential
