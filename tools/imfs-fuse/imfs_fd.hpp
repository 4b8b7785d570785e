// An IMFS descriptor owned by one object: closed exactly once, when its
// owner goes. Move-only.
#pragma once

#include <imfs/imfs.h>

#include <utility>

namespace imfs::fuse {

class ImfsFd {
  public:
    ImfsFd() = default;
    // Takes ownership of fd (a descriptor of session, or -1 for none).
    ImfsFd(int session, int fd) noexcept : session_(session), fd_(fd) {}
    ~ImfsFd() { reset(); }
    ImfsFd(ImfsFd&& other) noexcept : session_(other.session_), fd_(std::exchange(other.fd_, -1)) {}
    ImfsFd& operator=(ImfsFd&& other) noexcept {
        if (this != &other) {
            reset();
            session_ = other.session_;
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ImfsFd(const ImfsFd&) = delete;
    ImfsFd& operator=(const ImfsFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    // Gives up ownership: the caller closes the descriptor.
    int release() noexcept { return std::exchange(fd_, -1); }
    // Closes the descriptor now. A close that fails (a lost connection)
    // leaves nothing to retry, so its error is dropped.
    void reset() noexcept {
        if (fd_ >= 0) (void)imfs_close(session_, std::exchange(fd_, -1));
    }

  private:
    int session_ = -1;
    int fd_ = -1;
};

}  // namespace imfs::fuse
