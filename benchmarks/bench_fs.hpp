// bench_fs.hpp: the two file systems the benchmark drives, behind one tiny interface.
//
// Every workload is a template over FileSystem, so host tmpfs and embedded IMFS run the same
// code and each call compiles to a direct call: host system call or imfs_* function, with no
// virtual dispatch on either side. Names are relative to the backend's own fresh work
// directory (reached through a directory descriptor and the *at calls on both sides), so both
// resolve exactly the same names.
#pragma once

#include <imfs/imfs.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace imfs_bench {

// Each call returns what the POSIX call of the same name returns: -1 (nullptr for opendir)
// and errno on failure. ready() is false when the work directory could not be made; error()
// then says why.
template <class Fs>
concept FileSystem = requires(Fs& fs, const char* name, int fd, void* buf, const void* data,
                              size_t count, off_t offset, struct stat* st, typename Fs::Dir dir) {
    { Fs::kName } -> std::convertible_to<std::string_view>;
    { fs.ready() } -> std::same_as<bool>;
    { fs.error() } -> std::convertible_to<std::string_view>;
    { fs.open(name, O_RDONLY, mode_t{}) } -> std::same_as<int>;
    { fs.close(fd) } -> std::same_as<int>;
    { fs.read(fd, buf, count) } -> std::same_as<ssize_t>;
    { fs.write(fd, data, count) } -> std::same_as<ssize_t>;
    { fs.pread(fd, buf, count, offset) } -> std::same_as<ssize_t>;
    { fs.pwrite(fd, data, count, offset) } -> std::same_as<ssize_t>;
    { fs.ftruncate(fd, offset) } -> std::same_as<int>;
    { fs.fstat(fd, st) } -> std::same_as<int>;
    { fs.stat(name, st) } -> std::same_as<int>;
    { fs.mkdir(name, mode_t{}) } -> std::same_as<int>;
    { fs.rmdir(name) } -> std::same_as<int>;
    { fs.unlink(name) } -> std::same_as<int>;
    { fs.rename(name, name) } -> std::same_as<int>;
    { fs.opendir(name) } -> std::same_as<typename Fs::Dir>;
    { fs.readdir(dir) } -> std::same_as<struct dirent*>;
    { fs.closedir(dir) } -> std::same_as<int>;
};

// The host kernel: real system calls in a fresh directory under $IMFS_BENCH_HOST_DIR, default
// /dev/shm (tmpfs). The directory and anything left in it are removed on destruction.
class HostFs {
  public:
    static constexpr std::string_view kName = "host";
    using Dir = DIR*;

    HostFs() : HostFs(parent_dir()) {}
    // Work directories below parent (a tmpfs, a FUSE mount...).
    explicit HostFs(const std::string& parent);
    ~HostFs();
    HostFs(const HostFs&) = delete;
    HostFs& operator=(const HostFs&) = delete;

    bool ready() const { return dirfd_ >= 0; }
    std::string_view error() const { return error_; }
    // The directory that holds the work directories, and whether it is a tmpfs.
    static std::string parent_dir();
    static bool parent_is_tmpfs();

    int open(const char* name, int flags, mode_t mode) {
        return ::openat(dirfd_, name, flags, mode);
    }
    int close(int fd) { return ::close(fd); }
    ssize_t read(int fd, void* buf, size_t count) { return ::read(fd, buf, count); }
    ssize_t write(int fd, const void* data, size_t count) { return ::write(fd, data, count); }
    ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
        return ::pread(fd, buf, count, offset);
    }
    ssize_t pwrite(int fd, const void* data, size_t count, off_t offset) {
        return ::pwrite(fd, data, count, offset);
    }
    int ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }
    int fstat(int fd, struct stat* st) { return ::fstat(fd, st); }
    int stat(const char* name, struct stat* st) { return ::fstatat(dirfd_, name, st, 0); }
    int mkdir(const char* name, mode_t mode) { return ::mkdirat(dirfd_, name, mode); }
    int rmdir(const char* name) { return ::unlinkat(dirfd_, name, AT_REMOVEDIR); }
    int unlink(const char* name) { return ::unlinkat(dirfd_, name, 0); }
    int rename(const char* from, const char* to) { return ::renameat(dirfd_, from, dirfd_, to); }
    Dir opendir(const char* name);
    struct dirent* readdir(Dir dir) {
        return ::readdir(dir);
    }
    int closedir(Dir dir) { return ::closedir(dir); }

  private:
    std::string path_;
    std::string error_;
    int dirfd_ = -1;
};

// IMFS through the C API: its own session on an endpoint ("mem:", the process's embedded file
// system, unless a subclass names another) and a fresh directory there. The directory and
// anything left in it are removed, then the session is closed, on destruction.
class ImfsFs {
  public:
    static constexpr std::string_view kName = "imfs";
    using Dir = IMFS_DIR*;

    ImfsFs() : ImfsFs("mem:") {}
    explicit ImfsFs(const std::string& endpoint);
    ~ImfsFs();
    ImfsFs(const ImfsFs&) = delete;
    ImfsFs& operator=(const ImfsFs&) = delete;

    bool ready() const { return dirfd_ >= 0; }
    std::string_view error() const { return error_; }

    int open(const char* name, int flags, mode_t mode) {
        return imfs_openat(session_, dirfd_, name, flags, mode);
    }
    int close(int fd) { return imfs_close(session_, fd); }
    ssize_t read(int fd, void* buf, size_t count) { return imfs_read(session_, fd, buf, count); }
    ssize_t write(int fd, const void* data, size_t count) {
        return imfs_write(session_, fd, data, count);
    }
    ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
        return imfs_pread(session_, fd, buf, count, offset);
    }
    ssize_t pwrite(int fd, const void* data, size_t count, off_t offset) {
        return imfs_pwrite(session_, fd, data, count, offset);
    }
    int ftruncate(int fd, off_t length) { return imfs_ftruncate(session_, fd, length); }
    int fstat(int fd, struct stat* st) { return imfs_fstat(session_, fd, st); }
    int stat(const char* name, struct stat* st) {
        return imfs_fstatat(session_, dirfd_, name, st, 0);
    }
    int mkdir(const char* name, mode_t mode) { return imfs_mkdirat(session_, dirfd_, name, mode); }
    int rmdir(const char* name) { return imfs_unlinkat(session_, dirfd_, name, AT_REMOVEDIR); }
    int unlink(const char* name) { return imfs_unlinkat(session_, dirfd_, name, 0); }
    int rename(const char* from, const char* to) {
        return imfs_renameat(session_, dirfd_, from, dirfd_, to);
    }
    Dir opendir(const char* name);
    struct dirent* readdir(Dir dir) {
        return imfs_readdir(dir);
    }
    int closedir(Dir dir) { return imfs_closedir(dir); }

    int session() const { return session_; }

  private:
    std::string path_;
    std::string error_;
    int session_ = -1;
    int dirfd_ = -1;
};

static_assert(FileSystem<HostFs>);
static_assert(FileSystem<ImfsFs>);

// Removes everything below the directory `name` (relative to the work directory; "." for the
// work directory itself), depth first. The safety net that keeps one failed workload from
// leaving files behind for the next; workloads remove their own files. Returns the number of
// names that could not be removed.
template <FileSystem Fs>
int remove_contents(Fs& fs, const std::string& name) {
    struct Entry {
        std::string path;
        bool is_dir;
    };
    std::vector<Entry> entries;
    typename Fs::Dir dir = fs.opendir(name.c_str());
    if (dir == nullptr) return 1;
    while (struct dirent* entry = fs.readdir(dir)) {
        std::string_view base = entry->d_name;
        if (base == "." || base == "..") continue;
        std::string path = name == "." ? std::string(base) : name + "/" + std::string(base);
        bool is_dir = entry->d_type == DT_DIR;
        if (entry->d_type == DT_UNKNOWN) {
            struct stat st {};
            is_dir = fs.stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        }
        entries.push_back({std::move(path), is_dir});
    }
    fs.closedir(dir);
    int failures = 0;
    for (const Entry& entry : entries) {
        if (entry.is_dir) {
            failures += remove_contents(fs, entry.path);
            failures += fs.rmdir(entry.path.c_str()) == 0 ? 0 : 1;
        } else {
            failures += fs.unlink(entry.path.c_str()) == 0 ? 0 : 1;
        }
    }
    return failures;
}

// IMFS through a real imfsd: the same calls on a session of remote_endpoint().
class RemoteFs : public ImfsFs {
  public:
    static constexpr std::string_view kName = "remote";
    RemoteFs() : ImfsFs(remote_endpoint()) {}

    // The endpoint of the imfsd the run started ("unix:PATH"); set once before any RemoteFs.
    static const std::string& remote_endpoint();
    static void set_remote_endpoint(std::string endpoint);
};

// IMFS through an imfs-fuse mount: the same system calls as HostFs, in a directory of the
// mount the run made (fuse_dir()).
class FuseFs : public HostFs {
  public:
    static constexpr std::string_view kName = "fuse";
    FuseFs() : HostFs(fuse_dir()) {}

    static const std::string& fuse_dir();
    static void set_fuse_dir(std::string dir);
};

}  // namespace imfs_bench
