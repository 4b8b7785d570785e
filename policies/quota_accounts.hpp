// The quota accounts of a server's policies, kept across reloads.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/quota.hpp"
#include "policies/policy.hpp"
#include "policies/policy_set.hpp"

namespace imfs::policies {

// One core::QuotaAccount per policy, shared by every session the policy
// admits. A policy is known again after a reload by its selectors (label,
// label_prefix, label_suffix; a <default-policy> by having none), so the
// usage its sessions built up counts against the limits it has now. Every
// policy has an account, with or without a quota, so that a quota added by
// a reload counts what is already there.
//
// An account outlives its policy: the inodes charged to it hold it, and a
// policy that comes back with the same selectors finds it again.
// Thread-safe.
class QuotaAccounts {
  public:
    // Gives every policy of policies (and its default) an account, made if
    // new, and sets each account's limits to its policy's: none where the
    // policy has no quota_bytes or quota_inodes, none for an account whose
    // policy is gone. Of two policies with the same selectors, the first
    // (the one that matches) sets the limits.
    void apply(const PolicySet& policies);
    // The account of policy; made with the policy's limits if apply() has
    // not seen it.
    [[nodiscard]] std::shared_ptr<core::QuotaAccount> account_for(const Policy& policy);

  private:
    using Key = std::array<std::optional<std::string>, 3>;
    static Key key_of(const Policy& policy);

    std::mutex mutex_;
    std::map<Key, std::shared_ptr<core::QuotaAccount>> accounts_;
};

}  // namespace imfs::policies
