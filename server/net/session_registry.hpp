// The server's sessions: those in use by a connection, and those a fork
// created that wait for a new connection to attach to them. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "admission.hpp"
#include "core/file_system.hpp"
#include "core/result.hpp"
#include "core/session.hpp"

namespace imfs::net {

// Lock order: SessionRegistry::mutex_ before FileSystem's tree lock (only
// stats() holds both).
class SessionRegistry {
  public:
    // Forked sessions one connection may leave waiting at once.
    static constexpr std::size_t kMaxPendingPerConnection = 16;

    explicit SessionRegistry(core::FileSystem& fs) : fs_(fs) {}
    ~SessionRegistry();
    SessionRegistry(const SessionRegistry&) = delete;
    SessionRegistry& operator=(const SessionRegistry&) = delete;

    core::FileSystem& file_system() noexcept { return fs_; }

    // A connection id, unique for the server's lifetime.
    std::uint64_t connection_opened();
    // Drops the sessions that connection forked and nobody attached.
    void connection_closed(std::uint64_t connection);

    // Counts s as live until retire(); s must outlive that.
    void add_live(const core::Session& s);
    // Forgets s and closes it in the file system.
    void retire(std::unique_ptr<core::Session> s);

    // Keeps a forked child until a connection attaches to it; the token is
    // random and nonzero. EAGAIN when owner already has too many waiting.
    // grant is the parent's: the child is judged by it on a reload.
    [[nodiscard]] core::Result<std::uint64_t> park(std::uint64_t owner,
                                                   std::unique_ptr<core::Session> child,
                                                   Grant grant);
    struct Taken {
        std::unique_ptr<core::Session> session;  // nullptr: no such token
        Grant grant;
    };
    // The parked session for token, no longer parked.
    Taken take(std::uint64_t token);

    struct Stats {
        std::uint64_t connections, sessions, descriptors;
    };
    Stats stats() const;

  private:
    struct Parked {
        std::uint64_t owner;
        std::unique_ptr<core::Session> session;
        Grant grant;
    };

    core::FileSystem& fs_;
    mutable std::mutex mutex_;
    std::uint64_t next_connection_ = 1;
    std::uint64_t connections_ = 0;
    std::unordered_set<const core::Session*> live_;
    std::unordered_map<std::uint64_t, Parked> parked_;
    std::unordered_map<std::uint64_t, std::size_t> parked_per_owner_;
};

}  // namespace imfs::net
