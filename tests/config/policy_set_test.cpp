// The policy table: Genode's matching rules, case by case.
#include "policies/policy_set.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policies/label.hpp"

namespace imfs::policies {
namespace {

using Selector = std::optional<std::string>;
constexpr int kRefused = -1;
constexpr int kDefault = -2;

struct Node {
    Selector label, prefix, suffix;
};

struct Case {
    const char* what;
    std::vector<Node> nodes;
    bool has_default;
    std::string label;
    int expected;  // index into nodes, kRefused or kDefault
};

// Node i gets root "/i" so the match tells which node won.
PolicySet build(const std::vector<Node>& nodes, bool has_default) {
    std::vector<Policy> policies;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        Policy policy;
        policy.label = nodes[i].label;
        policy.label_prefix = nodes[i].prefix;
        policy.label_suffix = nodes[i].suffix;
        policy.root = "/" + std::to_string(i);
        policies.push_back(policy);
    }
    std::optional<Policy> fallback;
    if (has_default) {
        fallback = Policy{};
        fallback->root = "/default";
    }
    return PolicySet(std::move(policies), std::move(fallback));
}

Node exact(std::string label) {
    return {std::move(label), {}, {}};
}
Node prefix(std::string text) {
    return {{}, std::move(text), {}};
}
Node suffix(std::string text) {
    return {{}, {}, std::move(text)};
}
Node prefix_suffix(std::string p, std::string s) {
    return {{}, std::move(p), std::move(s)};
}

const std::vector<Case> kCases = {
    {"exact beats a prefix written first",
     {prefix("app"), exact("app -> x")},
     false,
     "app -> x",
     1},
    {"exact beats a prefix as long as the label",
     {prefix("app -> x"), exact("app -> x")},
     false,
     "app -> x",
     1},
    {"exact must be the whole label", {exact("app")}, false, "app -> x", kRefused},
    {"longer prefix beats shorter",
     {prefix("app"), prefix("app -> home")},
     false,
     "app -> home/alice",
     1},
    {"longer prefix wins whatever the order",
     {prefix("app -> home"), prefix("app")},
     false,
     "app -> home/alice",
     0},
    {"a prefix longer than the label does not match",
     {prefix("app -> long")},
     false,
     "app",
     kRefused},
    {"prefix beats suffix", {suffix("tmp"), prefix("a")}, false, "a tmp", 1},
    {"prefix beats a longer suffix",
     {suffix("long suffix tmp"), prefix("a")},
     false,
     "a long suffix tmp",
     1},
    {"longest suffix wins", {suffix("mp"), suffix("tmp")}, false, "x tmp", 1},
    {"full tie: the first prefix wins", {prefix("app"), prefix("app")}, false, "app -> y", 0},
    {"full tie: the first exact wins", {exact("a"), exact("a")}, false, "a", 0},
    {"full tie: the first suffix wins", {suffix("x"), suffix("x")}, false, "a x", 0},
    {"prefix and suffix must both match",
     {prefix_suffix("app", "ro")},
     false,
     "app -> rw",
     kRefused},
    {"prefix and suffix together", {prefix_suffix("app", "ro")}, false, "app -> ro", 0},
    {"same prefix: the one with a suffix wins",
     {prefix("app"), prefix_suffix("app", "ro")},
     false,
     "app -> ro",
     1},
    {"longer prefix beats a shorter prefix with a suffix",
     {prefix_suffix("app", "ro"), prefix("app -> ")},
     false,
     "app -> ro",
     1},
    {"exact with a prefix that fails matches nothing",
     {Node{"ab", "x", {}}},
     false,
     "ab",
     kRefused},
    {"exact with its prefix beats a plain exact",
     {exact("ab"), Node{"ab", "a", {}}},
     false,
     "ab",
     1},
    {"a node without selectors matches nothing", {Node{}}, false, "anything", kRefused},
    {"a node without selectors leaves it to the default", {Node{}}, true, "anything", kDefault},
    {"no match and no default: refused",
     {exact("a"), prefix("b"), suffix("c")},
     false,
     "zzz",
     kRefused},
    {"no match: the default", {exact("a"), prefix("b"), suffix("c")}, true, "zzz", kDefault},
    {"a match beats the default", {suffix("c")}, true, "abc", 0},
    {"no policies, no default: refused", {}, false, "a", kRefused},
    {"empty label, exact empty", {exact("")}, false, "", 0},
    {"empty prefix matches every label", {prefix("")}, false, "whatever", 0},
    {"empty prefix loses to any longer prefix", {prefix(""), prefix("w")}, false, "whatever", 1},
    {"matching is case sensitive", {exact("App")}, false, "app", kRefused},
    // DESIGN.md's example.
    {"design: exact",
     {exact("app -> root"), prefix("app -> home"), suffix("tmp")},
     true,
     "app -> root",
     0},
    {"design: prefix",
     {exact("app -> root"), prefix("app -> home"), suffix("tmp")},
     true,
     "app -> home/user",
     1},
    {"design: prefix beats suffix",
     {exact("app -> root"), prefix("app -> home"), suffix("tmp")},
     true,
     "app -> home tmp",
     1},
    {"design: suffix",
     {exact("app -> root"), prefix("app -> home"), suffix("tmp")},
     true,
     "app -> root tmp",
     2},
    {"design: default",
     {exact("app -> root"), prefix("app -> home"), suffix("tmp")},
     true,
     "other",
     kDefault},
};

class PolicyMatch : public ::testing::TestWithParam<Case> {};

TEST_P(PolicyMatch, PicksTheNodeGenodeWould) {
    const Case& c = GetParam();
    PolicySet set = build(c.nodes, c.has_default);
    auto matched = set.match(c.label);
    if (c.expected == kRefused) {
        ASSERT_FALSE(matched.has_value()) << c.what << ": matched " << (*matched)->root;
        EXPECT_EQ(matched.error().value, EACCES);
        return;
    }
    ASSERT_TRUE(matched.has_value()) << c.what;
    std::string expected = c.expected == kDefault ? "/default" : "/" + std::to_string(c.expected);
    EXPECT_EQ((*matched)->root, expected) << c.what;
}

INSTANTIATE_TEST_SUITE_P(Table, PolicyMatch, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                             std::string name;
                             for (const char* c = info.param.what; *c; ++c) {
                                 name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
                             }
                             return std::to_string(info.index) + "_" + name;
                         });

TEST(ComposeLabel, ListenerLabelThenClientLabel) {
    EXPECT_EQ(compose_label("app", "root"), "app -> root");
    EXPECT_EQ(compose_label("", "root"), "root");
    EXPECT_EQ(compose_label("app", ""), "app");
    EXPECT_EQ(compose_label("", ""), "");
    // A client cannot shed the listener's part by claiming a label of its own.
    EXPECT_EQ(compose_label("app", "x -> root"), "app -> x -> root");
}

TEST(ComposeLabel, ComposedLabelsMatchListenerPolicies) {
    PolicySet set = build({exact("app -> root"), prefix("app -> "), exact("root")}, false);
    EXPECT_EQ((*set.match(compose_label("app", "root")))->root, "/0");
    EXPECT_EQ((*set.match(compose_label("app", "other")))->root, "/1");
    EXPECT_EQ((*set.match(compose_label("", "root")))->root, "/2");
    // Through another listener, the same client label is another label.
    EXPECT_FALSE(set.match(compose_label("web", "root")).has_value());
}

TEST(PolicySet, ManyPoliciesStillPickTheRightOne) {
    std::vector<Node> nodes;
    for (int i = 0; i < 20000; ++i)
        nodes.push_back(exact("tenant-" + std::to_string(i)));
    for (int i = 0; i < 2000; ++i)
        nodes.push_back(prefix("group-" + std::to_string(i) + "/"));
    for (int i = 0; i < 2000; ++i)
        nodes.push_back(suffix("." + std::to_string(i)));
    PolicySet set = build(nodes, true);
    EXPECT_EQ((*set.match("tenant-12345"))->root, "/12345");
    EXPECT_EQ((*set.match("group-1999/x.5"))->root, "/" + std::to_string(20000 + 1999));
    EXPECT_EQ((*set.match("x.1234"))->root, "/" + std::to_string(22000 + 1234));
    EXPECT_EQ((*set.match("nothing"))->root, "/default");
}

}  // namespace
}  // namespace imfs::policies
