#include "policies/quota_accounts.hpp"

#include <utility>

namespace imfs::policies {

namespace {

using Limits = std::pair<std::uint64_t, std::uint64_t>;  // bytes, inodes

Limits limits_of(const Policy& policy) {
    return {policy.quota_bytes.value_or(core::QuotaAccount::kUnlimited),
            policy.quota_inodes.value_or(core::QuotaAccount::kUnlimited)};
}

}  // namespace

QuotaAccounts::Key QuotaAccounts::key_of(const Policy& policy) {
    return {policy.label, policy.label_prefix, policy.label_suffix};
}

void QuotaAccounts::apply(const PolicySet& policies) {
    // Every limit is computed first and each account set once, so no
    // account is unlimited for a moment on the way.
    std::map<Key, Limits> wanted;
    for (const Policy& policy : policies.policies())
        wanted.emplace(key_of(policy), limits_of(policy));  // the first one stays
    if (const auto& fallback = policies.default_policy()) {
        wanted.emplace(key_of(*fallback), limits_of(*fallback));
    }
    std::lock_guard lock(mutex_);
    for (auto& [key, account] : accounts_) {
        if (!wanted.contains(key)) {
            account->set_limits(core::QuotaAccount::kUnlimited, core::QuotaAccount::kUnlimited);
        }
    }
    for (const auto& [key, limits] : wanted) {
        auto& account = accounts_[key];
        if (!account) account = std::make_shared<core::QuotaAccount>();
        account->set_limits(limits.first, limits.second);
    }
}

std::shared_ptr<core::QuotaAccount> QuotaAccounts::account_for(const Policy& policy) {
    std::lock_guard lock(mutex_);
    auto& account = accounts_[key_of(policy)];
    if (!account) {
        auto [bytes, inodes] = limits_of(policy);
        account = std::make_shared<core::QuotaAccount>(bytes, inodes);
    }
    return account;
}

}  // namespace imfs::policies
