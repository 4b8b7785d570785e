// The sessions this process has open, by the small ints the C API hands
// out.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.hpp"
#include "session_backend.hpp"

namespace imfs::client {

// Thread-safe. Handles are the lowest free non-negative ints. A session is
// closed when it is removed and the last call using it has returned.
//
// find() runs on every call and takes no lock that other sessions share:
// each handle has a slot of its own, with its own mutex, on a cache line of
// its own, in chunks that never move once made. (With one mutex for the
// table, two threads on two sessions spent a sixth of their time passing
// that mutex's cache line to each other.) Not std::atomic<std::shared_ptr>:
// GCC 12's load() releases its internal lock with a relaxed store, a data
// race ThreadSanitizer reports.
class SessionTable {
  public:
    static constexpr std::size_t kChunkSize = 256;
    static constexpr std::size_t kMaxChunks = 4096;
    // 1,048,576 sessions at once.
    static constexpr std::size_t kMaxSessions = kChunkSize * kMaxChunks;

    static SessionTable& instance();

    // The new session's handle; EMFILE when kMaxSessions are open.
    [[nodiscard]] core::Result<int> add(std::shared_ptr<SessionBackend> session);
    // nullptr for a handle that is not open.
    std::shared_ptr<SessionBackend> find(int handle) const;
    // The session, removed from the table; nullptr if it was not open.
    std::shared_ptr<SessionBackend> remove(int handle);

  private:
    struct alignas(64) Slot {
        std::mutex mutex;
        std::shared_ptr<SessionBackend> session;  // null: the handle is free
    };
    struct Chunk {
        std::array<Slot, kChunkSize> slots;
    };
    // The slot of handle, or nullptr if no chunk holds it yet (or it is
    // negative).
    Slot* slot(std::size_t handle) const;
    Slot* slot(int handle) const;

    std::mutex mutex_;  // for add() and remove(); taken before a slot's
    std::array<std::atomic<Chunk*>, kMaxChunks> chunks_{};
    std::vector<std::unique_ptr<Chunk>> owned_;  // chunks_' chunks, in order
    std::size_t lowest_free_ = 0;                // every handle below is taken
};

}  // namespace imfs::client
