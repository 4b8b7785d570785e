// The sessions this process has open, by the small ints the C API hands
// out. Each entry is an embedded session on a core::FileSystem; the remote
// transport adds its own kind.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "core/file_system.hpp"

namespace imfs::client {

// One open session. Closing it (the last shared_ptr going away) closes its
// descriptors in the file system, so a call in flight on another thread
// finishes on a live session.
class EmbeddedSession {
  public:
    EmbeddedSession(std::shared_ptr<core::FileSystem> fs, std::unique_ptr<core::Session> session)
        : fs_(std::move(fs)), session_(std::move(session)) {}
    ~EmbeddedSession() { fs_->close_session(std::move(session_)); }
    EmbeddedSession(const EmbeddedSession&) = delete;
    EmbeddedSession& operator=(const EmbeddedSession&) = delete;

    core::FileSystem& fs() { return *fs_; }
    const std::shared_ptr<core::FileSystem>& shared_fs() { return fs_; }
    core::Session& session() { return *session_; }

  private:
    // Shared: the file system outlives every session on it, whatever order
    // static destruction takes at exit.
    std::shared_ptr<core::FileSystem> fs_;
    std::unique_ptr<core::Session> session_;
};

// Thread-safe. Handles are the lowest free non-negative ints.
class SessionTable {
  public:
    static SessionTable& instance();

    int add(std::shared_ptr<EmbeddedSession> session);
    // nullptr for a handle that is not open.
    std::shared_ptr<EmbeddedSession> find(int handle);
    // The session, removed from the table; nullptr if it was not open.
    std::shared_ptr<EmbeddedSession> remove(int handle);

  private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<EmbeddedSession>> sessions_;
};

}  // namespace imfs::client
