#include "admission.hpp"

namespace imfs::net {

namespace {

// What every label gets without a config.
const policies::Policy& open_policy() {
    static const policies::Policy policy = [] {
        policies::Policy p;
        p.root = "/";
        p.writeable = true;
        p.trusted = true;
        return p;
    }();
    return policy;
}

}  // namespace

Admission::Admission(policies::PolicySet policies) {
    replace(std::move(policies));
}

std::shared_ptr<const policies::PolicySet> Admission::current() const {
    std::lock_guard lock(mutex_);
    return policies_;
}

core::Result<Grant> Admission::admit(std::string label, bool writeable, std::string subroot) const {
    policies::SessionWishes wishes{writeable, subroot};
    auto policies = current();
    policies::Admission admission =
        policies ? IMFS_TRY(policies::admit(*policies, label, wishes, &accounts_))
                 : IMFS_TRY(policies::admit(open_policy(), wishes));
    return Grant{std::move(label), writeable, std::move(subroot), std::move(admission)};
}

bool Admission::still_granted(const Grant& grant) const {
    auto again = admit(grant.label, grant.wished_writeable, grant.wished_subroot);
    return again && policies::same_grant(grant.admission, again->admission);
}

void Admission::replace(policies::PolicySet policies) {
    auto next = std::make_shared<const policies::PolicySet>(std::move(policies));
    // The limits first: a session admitted by the new policies at once
    // finds its account with them.
    accounts_.apply(*next);
    std::lock_guard lock(mutex_);
    policies_ = std::move(next);
}

}  // namespace imfs::net
