// The sessions this process has open, by the small ints the C API hands
// out.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "session_backend.hpp"

namespace imfs::client {

// Thread-safe. Handles are the lowest free non-negative ints. A session is
// closed when it is removed and the last call using it has returned.
class SessionTable {
  public:
    static SessionTable& instance();

    int add(std::shared_ptr<SessionBackend> session);
    // nullptr for a handle that is not open.
    std::shared_ptr<SessionBackend> find(int handle);
    // The session, removed from the table; nullptr if it was not open.
    std::shared_ptr<SessionBackend> remove(int handle);

  private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<SessionBackend>> sessions_;
};

}  // namespace imfs::client
