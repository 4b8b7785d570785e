// Admission: which sessions a label may open. The single place where a
// label and a client's wishes become what its session is granted.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "policies/admission.hpp"
#include "policies/policy_set.hpp"
#include "policies/quota_accounts.hpp"

namespace imfs::net {

// What a session was granted, and on what request, so that a reload of the
// policies can judge it again.
struct Grant {
    std::string label;  // the composed label ("listener -> client")
    bool wished_writeable = true;
    std::string wished_subroot;
    policies::Admission admission;
};

// Thread-safe. Without policies (no --config) every label is admitted with
// root "/", may write if it wishes, and is trusted to pass its callers'
// credentials: the quick way to try imfsd. With policies, Genode's matching
// rules decide (policies/policy_set.hpp), and each session is charged to its
// policy's quota account, which outlives reloads (policies/quota_accounts.hpp).
class Admission {
  public:
    Admission() = default;
    explicit Admission(policies::PolicySet policies);

    // The grant for a session asking with this composed label; EACCES when
    // no policy admits it or the subroot climbs out of the policy root.
    [[nodiscard]] core::Result<Grant> admit(std::string label, bool writeable,
                                            std::string subroot) const;
    // Would the current policies grant the same again? (A reload closes the
    // sessions for which they do not, as Genode does.)
    [[nodiscard]] bool still_granted(const Grant& grant) const;
    // New policies for new sessions (SIGHUP); their quotas apply at once to
    // the accounts of the same policies (known by their selectors).
    void replace(policies::PolicySet policies);

  private:
    std::shared_ptr<const policies::PolicySet> current() const;

    mutable std::mutex mutex_;
    std::shared_ptr<const policies::PolicySet> policies_;  // null: admit everyone
    mutable policies::QuotaAccounts accounts_;             // thread-safe itself
};

}  // namespace imfs::net
