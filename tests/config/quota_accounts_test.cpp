// Quotas in the config layer: the quota_bytes and quota_inodes attributes,
// one account per policy found again across reloads, and what admission
// hands a session.
#include "policies/quota_accounts.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "policies/admission.hpp"

namespace imfs::policies {
namespace {

constexpr std::uint64_t kUnlimited = core::QuotaAccount::kUnlimited;

PolicySet parse_policies(const std::string& policies) {
    auto config = config::parse_config("<config>" + policies + "</config>", "q.xml", "/");
    EXPECT_TRUE(config.has_value());
    return config ? config->policies : PolicySet{};
}

// policies in file order, then the default (as PolicySet takes them).
template <typename... Policies>
PolicySet set_of(std::optional<Policy> fallback, Policies... policies) {
    std::vector<Policy> list;
    (list.push_back(std::move(policies)), ...);
    return PolicySet(std::move(list), std::move(fallback));
}

Policy labelled(std::string label, std::optional<std::uint64_t> bytes,
                std::optional<std::uint64_t> inodes) {
    Policy policy;
    policy.label = std::move(label);
    policy.writeable = true;
    policy.quota_bytes = bytes;
    policy.quota_inodes = inodes;
    return policy;
}

TEST(QuotaConfig, AttributesAreParsedWithTheSizeSyntax) {
    PolicySet set = parse_policies(
        "<policy label=\"a\" root=\"/\" quota_bytes=\"64M\" quota_inodes=\"1000\"/>"
        "<policy label=\"b\" root=\"/\" quota_bytes=\"12345\"/>"
        "<policy label=\"c\" root=\"/\" quota_inodes=\"0\"/>"
        "<default-policy root=\"/\" quota_bytes=\"1g\"/>");
    ASSERT_EQ(set.policies().size(), 3u);
    EXPECT_EQ(set.policies()[0].quota_bytes, std::uint64_t{64} << 20);
    EXPECT_EQ(set.policies()[0].quota_inodes, 1000u);
    EXPECT_EQ(set.policies()[1].quota_bytes, 12345u);
    EXPECT_EQ(set.policies()[1].quota_inodes, std::nullopt);
    EXPECT_EQ(set.policies()[2].quota_bytes, std::nullopt);
    EXPECT_EQ(set.policies()[2].quota_inodes, 0u);
    ASSERT_TRUE(set.default_policy().has_value());
    EXPECT_EQ(set.default_policy()->quota_bytes, std::uint64_t{1} << 30);
    EXPECT_EQ(set.default_policy()->quota_inodes, std::nullopt);
}

TEST(QuotaAccounts, OneAccountPerPolicyWithItsLimits) {
    PolicySet set =
        set_of(std::nullopt, labelled("a", 4096, 10), labelled("b", std::nullopt, std::nullopt));
    QuotaAccounts accounts;
    accounts.apply(set);
    auto a = accounts.account_for(set.policies()[0]);
    auto b = accounts.account_for(set.policies()[1]);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a, b);
    EXPECT_EQ(a, accounts.account_for(set.policies()[0]));
    EXPECT_EQ(a->max_bytes(), 4096u);
    EXPECT_EQ(a->max_inodes(), 10u);
    EXPECT_EQ(b->max_bytes(), kUnlimited);
    EXPECT_EQ(b->max_inodes(), kUnlimited);
}

TEST(QuotaAccounts, SelectorsNotLimitsNameTheAccount) {
    // label "x" and label_prefix "x" are two policies; so are a policy and
    // the default.
    Policy exact = labelled("x", 1, 1);
    Policy prefix;
    prefix.label_prefix = "x";
    Policy both = labelled("x", 1, 1);
    both.label_suffix = "x";
    Policy fallback;
    QuotaAccounts accounts;
    auto first = accounts.account_for(exact);
    EXPECT_NE(first, accounts.account_for(prefix));
    EXPECT_NE(first, accounts.account_for(both));
    EXPECT_NE(first, accounts.account_for(fallback));
    EXPECT_NE(accounts.account_for(prefix), accounts.account_for(fallback));
    Policy elsewhere = labelled("x", 99, 99);
    elsewhere.root = "/other";
    EXPECT_EQ(first, accounts.account_for(elsewhere));
}

TEST(QuotaAccounts, AReloadKeepsUsageAndTakesTheNewLimits) {
    QuotaAccounts accounts;
    Policy limited_default;
    limited_default.quota_bytes = 5;
    PolicySet before = set_of(limited_default, labelled("a", 4096, 2), labelled("gone", 100, 100));
    accounts.apply(before);
    auto a = accounts.account_for(before.policies()[0]);
    auto gone = accounts.account_for(before.policies()[1]);
    auto by_default = accounts.account_for(*before.default_policy());
    EXPECT_EQ(by_default->max_bytes(), 5u);
    a->charge_inode();
    a->account_data(0, 8);

    // Same selectors, a larger quota; "gone" removed; the default loses its
    // quota.
    Policy fallback;
    PolicySet after = set_of(fallback, labelled("a", 8192, std::nullopt));
    accounts.apply(after);
    EXPECT_EQ(accounts.account_for(after.policies()[0]), a);
    EXPECT_EQ(a->bytes_used(), 4096u);
    EXPECT_EQ(a->inodes_used(), 1u);
    EXPECT_EQ(a->max_bytes(), 8192u);
    EXPECT_EQ(a->max_inodes(), kUnlimited);
    EXPECT_EQ(gone->max_bytes(), kUnlimited) << "an account without a policy limits nothing";
    EXPECT_EQ(accounts.account_for(fallback), by_default);
    EXPECT_EQ(by_default->max_bytes(), kUnlimited);

    // The policy comes back: its old account, with its new limits.
    accounts.apply(set_of(std::nullopt, labelled("gone", 7, 7)));
    EXPECT_EQ(accounts.account_for(labelled("gone", 7, 7)), gone);
    EXPECT_EQ(gone->max_bytes(), 7u);
    EXPECT_EQ(a->max_bytes(), kUnlimited);
}

TEST(QuotaAccounts, TheFirstOfTwoEqualSelectorsSetsTheLimits) {
    // Only the first can ever match (a full tie goes to the first).
    QuotaAccounts accounts;
    PolicySet set = set_of(std::nullopt, labelled("a", 100, 1), labelled("a", 200, 2));
    accounts.apply(set);
    EXPECT_EQ(accounts.account_for(set.policies()[0])->max_bytes(), 100u);
}

TEST(QuotaAdmission, SessionsOfOnePolicyShareItsAccount) {
    QuotaAccounts accounts;
    PolicySet set = set_of(std::nullopt, labelled("a", 4096, 2), labelled("b", 4096, 2));
    accounts.apply(set);
    auto a1 = admit(set, "a", {}, &accounts);
    auto a2 = admit(set, "a", {true, "sub"}, &accounts);
    auto b = admit(set, "b", {}, &accounts);
    ASSERT_TRUE(a1 && a2 && b);
    EXPECT_TRUE(a1->spec.quota);
    EXPECT_EQ(a1->spec.quota, a2->spec.quota);
    EXPECT_NE(a1->spec.quota, b->spec.quota);
    EXPECT_FALSE(admit(set, "a", {})->spec.quota) << "no accounts: no quota";
    // Another account is another grant: a reload that moves a label to
    // another policy closes its sessions, even with the same root.
    EXPECT_FALSE(same_grant(*a1, *b));
    EXPECT_TRUE(same_grant(*a1, *admit(set, "a", {}, &accounts)));
}

TEST(QuotaAdmission, ChargesLandOnTheSharedAccount) {
    QuotaAccounts accounts;
    PolicySet set = set_of(std::nullopt, labelled("a", 8192, 3));
    accounts.apply(set);
    core::FileSystem fs;
    auto first = open_admitted_session(fs, *admit(set, "a", {}, &accounts));
    auto second = open_admitted_session(fs, *admit(set, "a", {}, &accounts));
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(fs.mkdirat(**first, AT_FDCWD, "/one", 0755));
    ASSERT_TRUE(fs.mkdirat(**second, AT_FDCWD, "/two", 0755));
    ASSERT_TRUE(fs.mkdirat(**first, AT_FDCWD, "/three", 0755));
    auto over = fs.mkdirat(**second, AT_FDCWD, "/four", 0755);
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error().value, EDQUOT);
    EXPECT_EQ(accounts.account_for(set.policies()[0])->inodes_used(), 3u);
    fs.close_session(std::move(*first));
    fs.close_session(std::move(*second));
}

}  // namespace
}  // namespace imfs::policies
