// RAII owners for what the C API hands out: a session, a descriptor inside
// a session, an open directory stream. Each closes what it owns exactly once.
#pragma once

#include <imfs/imfs.h>

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace imfs::cli {

// An open IMFS session; closed when the object goes.
class Session {
  public:
    // errno of imfs_session_open on failure.
    [[nodiscard]] static std::expected<Session, int> open(const std::string& endpoint,
                                                          const std::string& label);
    Session(Session&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
    Session& operator=(Session&&) = delete;
    Session(const Session&) = delete;
    ~Session();

    int id() const noexcept { return id_; }

  private:
    explicit Session(int id) : id_(id) {}
    int id_;
};

// A descriptor of a session; the session must outlive it.
class SessionFd {
  public:
    SessionFd(int session, int fd) : session_(session), fd_(fd) {}
    SessionFd(SessionFd&& other) noexcept
        : session_(other.session_), fd_(std::exchange(other.fd_, -1)) {}
    SessionFd& operator=(SessionFd&&) = delete;
    SessionFd(const SessionFd&) = delete;
    ~SessionFd() {
        if (fd_ >= 0) imfs_close(session_, fd_);
    }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }

  private:
    int session_;
    int fd_;
};

// A descriptor of this process (a host file).
class HostFd {
  public:
    explicit HostFd(int fd) : fd_(fd) {}
    HostFd(HostFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    HostFd& operator=(HostFd&&) = delete;
    HostFd(const HostFd&) = delete;
    ~HostFd();

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    // Closes now, for callers that must see close's error; errno on failure.
    [[nodiscard]] int close();

  private:
    int fd_;
};

// One name in a directory, as readdir gave it.
struct DirectoryEntry {
    std::string name;
    unsigned char type;  // DT_*
};

// The entries of the directory at path, sorted by name (byte order, as in
// the C locale); "." and ".." only when include_dots. errno on failure.
[[nodiscard]] std::expected<std::vector<DirectoryEntry>, int> read_directory(
    int session, const std::string& path, bool include_dots);

// The target of the symlink at path; errno on failure.
[[nodiscard]] std::expected<std::string, int> read_link(int session, const std::string& path);

// The session's umask (read by setting it and putting it back).
mode_t session_umask(int session);

// dir + "/" + name, without doubling a slash.
std::string join_path(const std::string& dir, const std::string& name);
// The last component of path ("/a/b/" gives "b", "/" gives "/").
std::string base_name(const std::string& path);

}  // namespace imfs::cli
