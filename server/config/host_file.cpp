#include "config/host_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace imfs::config {

HostFd::~HostFd() {
    if (fd_ >= 0) ::close(fd_);
}

HostFd& HostFd::operator=(HostFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

std::expected<void, int> read_to_end(int fd, std::string& data) {
    data.clear();
    struct stat st;
    // The size is a hint: a file may grow or shrink while we read it.
    std::size_t want = ::fstat(fd, &st) == 0 && st.st_size > 0
                           ? static_cast<std::size_t>(st.st_size) + 1
                           : std::size_t{4096};
    for (;;) {
        std::size_t used = data.size();
        if (data.capacity() - used < 1) data.reserve(std::max(want, 2 * data.capacity()));
        data.resize(data.capacity());
        ssize_t got = ::read(fd, data.data() + used, data.size() - used);
        if (got < 0) {
            if (errno == EINTR) {
                data.resize(used);
                continue;
            }
            int saved = errno;
            data.clear();
            return std::unexpected(saved);
        }
        data.resize(used + static_cast<std::size_t>(got));
        if (got == 0) return {};
    }
}

std::expected<std::string, int> read_host_file(const std::string& path) {
    HostFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::unexpected(errno);
    std::string data;
    if (auto read = read_to_end(fd.get(), data); !read) return std::unexpected(read.error());
    return data;
}

}  // namespace imfs::config
