#include "policies/policy_set.hpp"

#include <algorithm>
#include <functional>

namespace imfs::policies {

namespace {

std::size_t length_of(const std::optional<std::string>& selector) {
    return selector ? selector->size() : 0;
}

void add_length(std::vector<std::size_t>& lengths, std::size_t length) {
    auto at = std::lower_bound(lengths.begin(), lengths.end(), length, std::greater<>());
    if (at == lengths.end() || *at != length) lengths.insert(at, length);
}

}  // namespace

bool Policy::selects(std::string_view label_text) const noexcept {
    if (!has_selector()) return false;
    if (label && label_text != *label) return false;
    if (label_prefix && !label_text.starts_with(*label_prefix)) return false;
    if (label_suffix && !label_text.ends_with(*label_suffix)) return false;
    return true;
}

PolicySet::PolicySet(std::vector<Policy> policies, std::optional<Policy> default_policy)
    : policies_(std::move(policies)), default_(std::move(default_policy)) {
    for (std::size_t i = 0; i < policies_.size(); ++i) {
        const Policy& policy = policies_[i];
        if (policy.label) {
            exact_[*policy.label].push_back(i);
        } else if (policy.label_prefix) {
            prefixed_[*policy.label_prefix].push_back(i);
            add_length(prefix_lengths_, policy.label_prefix->size());
        } else if (policy.label_suffix) {
            suffixed_[*policy.label_suffix].push_back(i);
            add_length(suffix_lengths_, policy.label_suffix->size());
        }
    }
}

const Policy* PolicySet::best_of(const std::vector<std::size_t>& candidates,
                                 std::string_view label) const {
    const Policy* best = nullptr;
    for (std::size_t index : candidates) {  // file order: a tie keeps the first
        const Policy& policy = policies_[index];
        if (!policy.selects(label)) continue;
        if (best == nullptr ||
            std::pair(length_of(policy.label_prefix), length_of(policy.label_suffix)) >
                std::pair(length_of(best->label_prefix), length_of(best->label_suffix))) {
            best = &policy;
        }
    }
    return best;
}

core::Result<const Policy*> PolicySet::match(std::string_view label) const {
    std::string key(label);
    if (auto exact = exact_.find(key); exact != exact_.end()) {
        if (const Policy* best = best_of(exact->second, label)) return best;
    }
    // Longest prefix first; within one prefix best_of prefers the longer
    // suffix, so the first length that matches decides.
    for (std::size_t length : prefix_lengths_) {
        if (length > label.size()) continue;
        key.assign(label.substr(0, length));
        if (auto prefixed = prefixed_.find(key); prefixed != prefixed_.end()) {
            if (const Policy* best = best_of(prefixed->second, label)) return best;
        }
    }
    for (std::size_t length : suffix_lengths_) {
        if (length > label.size()) continue;
        key.assign(label.substr(label.size() - length));
        if (auto suffixed = suffixed_.find(key); suffixed != suffixed_.end()) {
            if (const Policy* best = best_of(suffixed->second, label)) return best;
        }
    }
    if (default_) return &*default_;
    return core::fail(EACCES);
}

}  // namespace imfs::policies
