#include "embedded.hpp"

#include <unistd.h>

#include <iostream>
#include <mutex>

#include "config/config.hpp"
#include "policies/admission.hpp"
#include "policies/policy_set.hpp"
#include "policies/quota_accounts.hpp"

namespace imfs::client {

namespace {

std::mutex embedded_mutex;
std::shared_ptr<core::FileSystem> embedded;
// Set when a config was loaded; without one every label gets "/".
std::shared_ptr<const policies::PolicySet> embedded_policies;
// The quota accounts of those policies (thread-safe itself).
policies::QuotaAccounts embedded_accounts;

}  // namespace

core::Result<void> embedded_init(const char* config_path) {
    std::lock_guard lock(embedded_mutex);
    if (embedded) return core::fail(EBUSY);
    if (config_path == nullptr) {
        embedded = std::make_shared<core::FileSystem>(config::machine_default_limits());
        return {};
    }
    auto loaded = config::load_file_system(config_path, config::machine_default_limits());
    if (!loaded) {
        config::print(std::cerr, loaded.error());
        return core::fail(EINVAL);
    }
    embedded_policies = std::make_shared<const policies::PolicySet>(loaded->config.policies);
    embedded_accounts.apply(*embedded_policies);
    embedded = std::move(loaded->fs);
    return {};
}

std::shared_ptr<core::FileSystem> embedded_fs() {
    std::lock_guard lock(embedded_mutex);
    if (!embedded) embedded = std::make_shared<core::FileSystem>(config::machine_default_limits());
    return embedded;
}

core::Result<policies::Admission> embedded_admit(std::string_view label,
                                                 const policies::SessionWishes& wishes) {
    std::shared_ptr<const policies::PolicySet> policies;
    {
        std::lock_guard lock(embedded_mutex);
        policies = embedded_policies;
    }
    if (!policies) {
        // Without a config: root "/", writeable, trusted, uid 0.
        policies::Policy open;
        open.writeable = true;
        open.trusted = true;
        return policies::admit(open, wishes);
    }
    // No listener in between: the client's label is the whole label.
    return policies::admit(*policies, label, wishes, &embedded_accounts);
}

}  // namespace imfs::client
