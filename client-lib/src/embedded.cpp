#include "embedded.hpp"

#include <unistd.h>

#include <iostream>
#include <mutex>

#include "config/config.hpp"
#include "core/immortal.hpp"
#include "policies/admission.hpp"
#include "policies/policy_set.hpp"
#include "policies/quota_accounts.hpp"

namespace imfs::client {

namespace {

// "mem:": the file system of this process and what admits its sessions.
struct Embedded {
    std::mutex mutex;
    std::shared_ptr<core::FileSystem> fs;
    // Set when a config was loaded; without one every label gets "/".
    std::shared_ptr<const policies::PolicySet> policies;
    // The quota accounts of those policies (thread-safe itself).
    policies::QuotaAccounts accounts;
};

// Never destroyed: a program may still call imfs_* while it exits, and its
// sessions' quota charges refer to the accounts.
Embedded& embedded() {
    static core::Immortal<Embedded> state;
    return state.get();
}

}  // namespace

core::Result<void> embedded_init(const char* config_path) {
    Embedded& e = embedded();
    std::lock_guard lock(e.mutex);
    if (e.fs) return core::fail(EBUSY);
    if (config_path == nullptr) {
        e.fs = std::make_shared<core::FileSystem>(config::machine_default_limits());
        return {};
    }
    auto loaded = config::load_file_system(config_path, config::machine_default_limits());
    if (!loaded) {
        config::print(std::cerr, loaded.error());
        return core::fail(EINVAL);
    }
    e.policies = std::make_shared<const policies::PolicySet>(loaded->config.policies);
    e.accounts.apply(*e.policies);
    e.fs = std::move(loaded->fs);
    return {};
}

std::shared_ptr<core::FileSystem> embedded_fs() {
    Embedded& e = embedded();
    std::lock_guard lock(e.mutex);
    if (!e.fs) e.fs = std::make_shared<core::FileSystem>(config::machine_default_limits());
    return e.fs;
}

core::Result<policies::Admission> embedded_admit(std::string_view label,
                                                 const policies::SessionWishes& wishes) {
    Embedded& e = embedded();
    std::shared_ptr<const policies::PolicySet> policies;
    {
        std::lock_guard lock(e.mutex);
        policies = e.policies;
    }
    if (!policies) {
        // Without a config: root "/", writeable, trusted, uid 0.
        policies::Policy open;
        open.writeable = true;
        open.trusted = true;
        return policies::admit(open, wishes);
    }
    // No listener in between: the client's label is the whole label.
    return policies::admit(*policies, label, wishes, &e.accounts);
}

}  // namespace imfs::client
