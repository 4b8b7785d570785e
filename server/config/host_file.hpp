// Reading files of the host, for the config and its content.
#pragma once

#include <expected>
#include <string>

namespace imfs::config {

// The whole file, or the errno that stopped reading it.
[[nodiscard]] std::expected<std::string, int> read_host_file(const std::string& path);

// Closes a host descriptor when it goes out of scope.
class HostFd {
  public:
    explicit HostFd(int fd = -1) noexcept : fd_(fd) {}
    ~HostFd();
    HostFd(HostFd&& other) noexcept : fd_(other.release()) {}
    HostFd& operator=(HostFd&& other) noexcept;
    HostFd(const HostFd&) = delete;
    HostFd& operator=(const HostFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

  private:
    int fd_;
};

// Reads fd from its offset to its end into data (replacing it), or the errno.
[[nodiscard]] std::expected<void, int> read_to_end(int fd, std::string& data);

}  // namespace imfs::config
