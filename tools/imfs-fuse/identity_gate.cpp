#include "identity_gate.hpp"

#include <imfs/imfs.h>

namespace imfs::fuse {

Result<IdentityGate::Pass> IdentityGate::enter(const Identity& who) {
    std::unique_lock lock(mutex_);
    if (!enabled_) {
        ++active_;
        return Pass(this);
    }
    for (;;) {
        const bool same = current_ && *current_ == who;
        if (same && !switch_wanted_) break;
        if (active_ == 0 && !(same && switch_wanted_)) {
            if (!same) {
                // Under the lock: nobody else can be inside while the
                // session changes hands.
                if (imfs_setcred(session_, who.uid, who.gid, who.groups.size(),
                                 who.groups.data()) != 0) {
                    current_.reset();
                    auto error = last_error();
                    changed_.notify_all();
                    return error;
                }
                current_ = who;
                ++switches_;
            }
            switch_wanted_ = false;
            changed_.notify_all();  // others of this identity may come in too
            break;
        }
        if (!same) switch_wanted_ = true;
        changed_.wait(lock);
    }
    ++active_;
    return Pass(this);
}

void IdentityGate::leave() {
    std::lock_guard lock(mutex_);
    if (--active_ == 0) changed_.notify_all();
}

unsigned long IdentityGate::switches() const {
    std::lock_guard lock(mutex_);
    return switches_;
}

}  // namespace imfs::fuse
