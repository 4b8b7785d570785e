// From a matched policy and what the client asked for to what its session
// gets: the step between PolicySet::match and FileSystem::open_session.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/file_system.hpp"
#include "core/result.hpp"
#include "core/session.hpp"
#include "policies/policy.hpp"
#include "policies/policy_set.hpp"
#include "policies/quota_accounts.hpp"

namespace imfs::policies {

// What a client asks for in its hello (or imfs_session_options).
struct SessionWishes {
    bool writeable = true;
    // A directory below the policy root to use as the session root;
    // relative to the policy root (a leading '/' means the same). Empty:
    // the policy root itself.
    std::string_view subroot;
};

// What a session is granted.
struct Admission {
    // root is the policy's root; writeable is the policy's AND the wish;
    // trusted and cred (uid, gid) are the policy's; quota is the policy's
    // account when admitted with accounts, else null.
    core::SessionSpec spec;
    // The wished sub-root, normalised and relative to spec.root ("" for
    // none). It is applied by FileSystem::narrow_root after the session is
    // open, never by joining paths: narrow_root resolves it inside the
    // session root, so a symlink on the way cannot lead out.
    std::string subroot;
};

// EACCES when the subroot climbs above the policy root ("..", "a/../..");
// ENAMETOOLONG when it is longer than PATH_MAX. accounts: where the
// policy's quota account is found (null: the session has none).
[[nodiscard]] core::Result<Admission> admit(const Policy& policy, const SessionWishes& wishes,
                                            QuotaAccounts* accounts = nullptr);
// match, then admit: EACCES when no policy admits label.
[[nodiscard]] core::Result<Admission> admit(const PolicySet& policies, std::string_view label,
                                            const SessionWishes& wishes,
                                            QuotaAccounts* accounts = nullptr);

// Opens the admitted session on fs: open_session(spec), then narrow_root
// to the subroot. ENOENT/ENOTDIR when the root or subroot is no directory.
[[nodiscard]] core::Result<std::unique_ptr<core::Session>> open_admitted_session(
    core::FileSystem& fs, const Admission& admission);

// Does next grant the same as current (root, subroot, write right, trust,
// identity, quota account)? A reload closes the existing sessions for which
// it does not, as Genode does.
[[nodiscard]] bool same_grant(const Admission& current, const Admission& next);

}  // namespace imfs::policies
