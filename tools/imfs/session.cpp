#include "session.hpp"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace imfs::cli {

std::expected<Session, int> Session::open(const std::string& endpoint, const std::string& label) {
    int id = imfs_session_open(endpoint.c_str(), label.c_str(), nullptr);
    if (id < 0) return std::unexpected(errno);
    return Session(id);
}

Session::~Session() {
    if (id_ >= 0) imfs_session_close(id_);
}

HostFd::~HostFd() {
    if (fd_ >= 0) ::close(fd_);
}

int HostFd::close() {
    int fd = std::exchange(fd_, -1);
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
}

namespace {

struct DirectoryCloser {
    void operator()(IMFS_DIR* dir) const noexcept { imfs_closedir(dir); }
};

}  // namespace

std::expected<std::vector<DirectoryEntry>, int> read_directory(int session, const std::string& path,
                                                               bool include_dots) {
    std::unique_ptr<IMFS_DIR, DirectoryCloser> dir(imfs_opendir(session, path.c_str()));
    if (!dir) return std::unexpected(errno);
    std::vector<DirectoryEntry> entries;
    errno = 0;
    while (struct dirent* entry = imfs_readdir(dir.get())) {
        std::string_view name = entry->d_name;
        if (include_dots || (name != "." && name != ".."))
            entries.push_back({std::string(name), entry->d_type});
        errno = 0;
    }
    if (errno != 0) return std::unexpected(errno);
    std::ranges::sort(entries, {}, &DirectoryEntry::name);
    return entries;
}

std::expected<std::string, int> read_link(int session, const std::string& path) {
    std::string target(PATH_MAX, '\0');
    ssize_t length = imfs_readlink(session, path.c_str(), target.data(), target.size());
    if (length < 0) return std::unexpected(errno);
    target.resize(static_cast<std::size_t>(length));
    return target;
}

mode_t session_umask(int session) {
    mode_t mask = imfs_umask(session, 022);
    imfs_umask(session, mask);
    return mask;
}

std::string join_path(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    if (dir.ends_with('/')) return dir + name;
    return dir + "/" + name;
}

std::string base_name(const std::string& path) {
    std::size_t end = path.find_last_not_of('/');
    if (end == std::string::npos) return path.empty() ? path : "/";
    std::size_t start = path.find_last_of('/', end);
    return path.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace imfs::cli
