// One <policy> or <default-policy> node: which labels it admits and what
// it grants them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace imfs::policies {

struct Policy {
    // Selectors. Every one present must match; a policy with none of them
    // matches nothing (a <default-policy> is chosen by PolicySet, not by
    // its selectors).
    std::optional<std::string> label;         // the whole label
    std::optional<std::string> label_prefix;  // the label's start
    std::optional<std::string> label_suffix;  // the label's end

    // Grants.
    std::string root = "/";  // absolute, inside the tree
    bool writeable = false;
    bool trusted = false;  // may act for other identities (imfs_setcred)
    uid_t uid = 0;
    gid_t gid = 0;
    // Limits on what the policy's sessions together may create (see
    // core/quota.hpp and QuotaAccounts); nullopt: no limit but the file
    // system's.
    std::optional<std::uint64_t> quota_bytes;
    std::optional<std::uint64_t> quota_inodes;

    // Where the node was written ("FILE:LINE:COLUMN"), for logs; may be empty.
    std::string origin;

    bool has_selector() const noexcept {
        return label.has_value() || label_prefix.has_value() || label_suffix.has_value();
    }
    // Do all selectors present admit label? False when there are none.
    bool selects(std::string_view label_text) const noexcept;
};

}  // namespace imfs::policies
