#include "bench_fs.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace imfs_bench {

namespace {

std::string describe(std::string_view what, const std::string& path, int error) {
    return std::string(what) + " " + path + ": " + std::strerror(error);
}

// 0 once the embedded file system exists (made here or by someone else), else its errno.
int embedded_init_error() {
    static const int error = [] {
        if (imfs_embedded_init(nullptr) == 0 || errno == EBUSY) return 0;
        return errno;
    }();
    return error;
}

std::atomic<unsigned> imfs_work_dirs{0};

}  // namespace

std::string HostFs::parent_dir() {
    const char* configured = std::getenv("IMFS_BENCH_HOST_DIR");
    return configured != nullptr && *configured != '\0' ? configured : "/dev/shm";
}

bool HostFs::parent_is_tmpfs() {
    struct statfs info {};
    return ::statfs(parent_dir().c_str(), &info) == 0 && info.f_type == TMPFS_MAGIC;
}

HostFs::HostFs(const std::string& parent) {
    std::string path = parent + "/imfs-bench-XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) {
        error_ = describe("mkdtemp", path, errno);
        return;
    }
    path_ = std::move(path);
    dirfd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_ < 0) error_ = describe("open", path_, errno);
}

HostFs::~HostFs() {
    if (dirfd_ >= 0) {
        remove_contents(*this, ".");
        ::close(dirfd_);
    }
    if (!path_.empty()) ::rmdir(path_.c_str());
}

HostFs::Dir HostFs::opendir(const char* name) {
    int fd = ::openat(dirfd_, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        int error = errno;
        ::close(fd);
        errno = error;
    }
    return dir;
}

ImfsFs::ImfsFs(const std::string& endpoint) {
    if (endpoint == "mem:") {
        if (int error = embedded_init_error(); error != 0) {
            error_ = describe("imfs_embedded_init", "(empty tree)", error);
            return;
        }
    }
    session_ = imfs_session_open(endpoint.c_str(), "bench", nullptr);
    if (session_ < 0) {
        error_ = describe("imfs_session_open", endpoint, errno);
        return;
    }
    std::string path = "/imfs-bench-" + std::to_string(++imfs_work_dirs);
    if (imfs_mkdir(session_, path.c_str(), 0755) != 0) {
        error_ = describe("imfs_mkdir", path, errno);
        return;
    }
    path_ = std::move(path);
    dirfd_ = imfs_open(session_, path_.c_str(), O_RDONLY | O_DIRECTORY);
    if (dirfd_ < 0) error_ = describe("imfs_open", path_, errno);
}

ImfsFs::~ImfsFs() {
    if (dirfd_ >= 0) {
        remove_contents(*this, ".");
        imfs_close(session_, dirfd_);
    }
    if (!path_.empty()) imfs_rmdir(session_, path_.c_str());
    if (session_ >= 0) imfs_session_close(session_);
}

ImfsFs::Dir ImfsFs::opendir(const char* name) {
    int fd = imfs_openat(session_, dirfd_, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return nullptr;
    IMFS_DIR* dir = imfs_fdopendir(session_, fd);
    if (dir == nullptr) {
        int error = errno;
        imfs_close(session_, fd);
        errno = error;
    }
    return dir;
}

namespace {
std::string& remote_endpoint_storage() {
    static std::string endpoint;
    return endpoint;
}
}  // namespace

const std::string& RemoteFs::remote_endpoint() {
    return remote_endpoint_storage();
}

void RemoteFs::set_remote_endpoint(std::string endpoint) {
    remote_endpoint_storage() = std::move(endpoint);
}

namespace {
std::string& fuse_dir_storage() {
    static std::string dir;
    return dir;
}
}  // namespace

const std::string& FuseFs::fuse_dir() {
    return fuse_dir_storage();
}

void FuseFs::set_fuse_dir(std::string dir) {
    fuse_dir_storage() = std::move(dir);
}

}  // namespace imfs_bench
