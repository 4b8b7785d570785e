// Who the one IMFS session acts as while a request runs.
//
// All FUSE inodes are O_PATH descriptors of one IMFS session, so every
// request runs on that session, and the session's credentials must be the
// caller's while IMFS checks permissions. The gate lets any number of
// requests of one identity run at once; a request of another identity
// waits until they have left, switches the session (imfs_setcred) and goes
// in. Requests of the current identity stop entering while another one
// waits, so a steady stream of one user cannot starve another. With a
// single user (the common case) the gate costs one uncontended mutex and
// no IMFS call.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "result.hpp"

namespace imfs::fuse {

// A caller's credentials as IMFS checks them. groups is sorted.
struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    friend bool operator==(const Identity&, const Identity&) = default;
};

class IdentityGate {
  public:
    // session: the IMFS session the gate switches. enabled false (the
    // session's policy does not trust the client with imfs_setcred): every
    // request runs as the session's own identity and the gate only counts.
    IdentityGate(int session, bool enabled) : session_(session), enabled_(enabled) {}

    // Held while a request runs as one identity.
    class Pass {
      public:
        Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
        Pass& operator=(Pass&&) = delete;
        ~Pass() {
            if (gate_) gate_->leave();
        }

      private:
        friend class IdentityGate;
        explicit Pass(IdentityGate* gate) : gate_(gate) {}
        IdentityGate* gate_;
    };

    // Waits until the session acts as who, and holds it so until the Pass
    // goes. Fails with imfs_setcred's errno (EIO when the server is gone).
    [[nodiscard]] Result<Pass> enter(const Identity& who);

    // How many times the session's credentials were switched.
    [[nodiscard]] unsigned long switches() const;

  private:
    void leave();

    const int session_;
    const bool enabled_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<Identity> current_;  // guarded by mutex_; unknown at first
    unsigned active_ = 0;              // guarded by mutex_
    bool switch_wanted_ = false;       // guarded by mutex_
    unsigned long switches_ = 0;       // guarded by mutex_
};

}  // namespace imfs::fuse
