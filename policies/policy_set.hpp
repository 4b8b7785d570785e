// The policies of one config, and the choice of a policy for a label by
// Genode's rules:
//   1. every selector a node has (label, label_prefix, label_suffix) must
//      match, and a node with none of them matches nothing;
//   2. a node with an exact label beats any node without one; then the
//      longer label_prefix wins (no prefix counts as length 0); then the
//      longer label_suffix;
//   3. on a full tie the node written first wins;
//   4. with no match the <default-policy> applies, and without one the
//      session is refused (EACCES).
// Matching never looks at sessions, and its cost does not grow with the
// number of policies: exact labels, prefixes and suffixes are hash-indexed
// and only the distinct prefix and suffix lengths are probed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "policies/policy.hpp"

namespace imfs::policies {

// Immutable once built, so many threads may match at once. A reload builds
// a new set and swaps it in whole (e.g. behind a shared_ptr<const PolicySet>).
class PolicySet {
  public:
    PolicySet() = default;
    // policies in file order; nodes without a selector are kept (they
    // match nothing, as Genode says) but never indexed.
    PolicySet(std::vector<Policy> policies, std::optional<Policy> default_policy);

    // The policy for label, EACCES when none applies. The pointer lives as
    // long as this set.
    [[nodiscard]] core::Result<const Policy*> match(std::string_view label) const;

    const std::vector<Policy>& policies() const noexcept { return policies_; }
    const std::optional<Policy>& default_policy() const noexcept { return default_; }

  private:
    using Index = std::unordered_map<std::string, std::vector<std::size_t>>;

    // Best fully matching node among candidates (indices in file order).
    const Policy* best_of(const std::vector<std::size_t>& candidates, std::string_view label) const;

    std::vector<Policy> policies_;
    std::optional<Policy> default_;
    Index exact_;                              // nodes with a label, by that label
    Index prefixed_;                           // nodes without a label but with a prefix, by prefix
    Index suffixed_;                           // nodes with only a suffix, by suffix
    std::vector<std::size_t> prefix_lengths_;  // distinct, longest first
    std::vector<std::size_t> suffix_lengths_;  // distinct, longest first
};

}  // namespace imfs::policies
