#include "policies/admission.hpp"

#include <climits>
#include <vector>

namespace imfs::policies {

namespace {

// The subroot's components without "." and "..", or EACCES when a ".."
// would climb above the policy root.
core::Result<std::string> normalise_subroot(std::string_view text) {
    if (text.size() >= PATH_MAX) return core::fail(ENAMETOOLONG);
    std::vector<std::string_view> kept;
    while (!text.empty()) {
        std::size_t slash = text.find('/');
        std::string_view part = text.substr(0, slash);
        text = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (kept.empty()) return core::fail(EACCES);
            kept.pop_back();
            continue;
        }
        kept.push_back(part);
    }
    std::string normalised;
    for (std::string_view part : kept) {
        if (!normalised.empty()) normalised += '/';
        normalised.append(part);
    }
    return normalised;
}

}  // namespace

core::Result<Admission> admit(const Policy& policy, const SessionWishes& wishes,
                              QuotaAccounts* accounts) {
    Admission admission;
    admission.spec.root = policy.root;
    admission.spec.writeable = policy.writeable && wishes.writeable;
    admission.spec.trusted = policy.trusted;
    admission.spec.cred = core::Credentials{policy.uid, policy.gid, {}};
    admission.subroot = IMFS_TRY(normalise_subroot(wishes.subroot));
    if (accounts) admission.spec.quota = accounts->account_for(policy);
    return admission;
}

core::Result<Admission> admit(const PolicySet& policies, std::string_view label,
                              const SessionWishes& wishes, QuotaAccounts* accounts) {
    const Policy* policy = IMFS_TRY(policies.match(label));
    return admit(*policy, wishes, accounts);
}

core::Result<std::unique_ptr<core::Session>> open_admitted_session(core::FileSystem& fs,
                                                                   const Admission& admission) {
    std::unique_ptr<core::Session> session = IMFS_TRY(fs.open_session(admission.spec));
    if (!admission.subroot.empty()) {
        if (auto narrowed = fs.narrow_root(*session, admission.subroot.c_str()); !narrowed) {
            fs.close_session(std::move(session));
            return std::unexpected(narrowed.error());
        }
    }
    return session;
}

bool same_grant(const Admission& current, const Admission& next) {
    const core::SessionSpec& a = current.spec;
    const core::SessionSpec& b = next.spec;
    return a.root == b.root && current.subroot == next.subroot && a.writeable == b.writeable &&
           a.trusted == b.trusted && a.cred.uid == b.cred.uid && a.cred.gid == b.cred.gid &&
           a.cred.groups == b.cred.groups && a.quota == b.quota;
}

}  // namespace imfs::policies
