// From a policy and a client's wishes to a session, and confinement to the
// policy root.
#include "policies/admission.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace imfs::policies {
namespace {

using config::testing::TreeReader;

Policy policy_at(std::string root, bool writeable) {
    Policy policy;
    policy.label = "x";
    policy.root = std::move(root);
    policy.writeable = writeable;
    return policy;
}

TEST(Admit, WritesNeedThePolicyAndTheWish) {
    for (bool policy_writes : {false, true}) {
        for (bool wish : {false, true}) {
            auto admission = admit(policy_at("/", policy_writes), SessionWishes{wish, ""});
            ASSERT_TRUE(admission.has_value());
            EXPECT_EQ(admission->spec.writeable, policy_writes && wish);
        }
    }
}

TEST(Admit, CarriesTrustAndIdentity) {
    Policy policy = policy_at("/home", true);
    policy.trusted = true;
    policy.uid = 1001;
    policy.gid = 1002;
    auto admission = admit(policy, {});
    ASSERT_TRUE(admission.has_value());
    EXPECT_EQ(admission->spec.root, "/home");
    EXPECT_TRUE(admission->spec.trusted);
    EXPECT_EQ(admission->spec.cred.uid, 1001u);
    EXPECT_EQ(admission->spec.cred.gid, 1002u);
    EXPECT_FALSE(admit(policy_at("/", true), {})->spec.trusted);
}

TEST(Admit, SubrootIsNormalisedBelowThePolicyRoot) {
    Policy policy = policy_at("/home/alice", true);
    EXPECT_EQ(admit(policy, {true, ""})->subroot, "");
    EXPECT_EQ(admit(policy, {true, "/"})->subroot, "");
    EXPECT_EQ(admit(policy, {true, "docs"})->subroot, "docs");
    EXPECT_EQ(admit(policy, {true, "/docs//old/"})->subroot, "docs/old");
    EXPECT_EQ(admit(policy, {true, "./docs/../src/."})->subroot, "src");
    // The root stays the policy's: the subroot is applied by narrow_root.
    EXPECT_EQ(admit(policy, {true, "docs"})->spec.root, "/home/alice");
}

TEST(Admit, SubrootAboveThePolicyRootIsRefused) {
    Policy policy = policy_at("/home/alice", true);
    for (const char* above : {"..", "/..", "../bob", "docs/../..", "a/b/../../../c"}) {
        auto admission = admit(policy, {true, above});
        ASSERT_FALSE(admission.has_value()) << above;
        EXPECT_EQ(admission.error().value, EACCES) << above;
    }
}

TEST(Admit, ThroughAPolicySet) {
    PolicySet set({policy_at("/a", true)}, std::nullopt);
    EXPECT_EQ(admit(set, "x", {})->spec.root, "/a");
    EXPECT_EQ(admit(set, "y", {}).error().value, EACCES);
}

TEST(SameGrant, ComparesWhatASessionWasGiven) {
    Admission a = *admit(policy_at("/a", true), {});
    EXPECT_TRUE(same_grant(a, *admit(policy_at("/a", true), {})));
    EXPECT_FALSE(same_grant(a, *admit(policy_at("/b", true), {})));
    EXPECT_FALSE(same_grant(a, *admit(policy_at("/a", false), {})));
    EXPECT_FALSE(same_grant(a, *admit(policy_at("/a", true), {true, "sub"})));
    Policy other_user = policy_at("/a", true);
    other_user.uid = 5;
    EXPECT_FALSE(same_grant(a, *admit(other_user, {})));
}

// A tree with two homes and a secret outside both.
class Confinement : public ::testing::Test {
  protected:
    void SetUp() override {
        core::SessionSpec spec;
        auto root = fs.open_session(spec);
        ASSERT_TRUE(root.has_value());
        core::Session& s = **root;
        ASSERT_TRUE(fs.mkdirat(s, AT_FDCWD, "/etc", 0755));
        int fd = *fs.openat(s, AT_FDCWD, "/etc/secret", O_CREAT | O_WRONLY, 0600);
        ASSERT_TRUE(fs.close(s, fd));
        ASSERT_TRUE(fs.mkdirat(s, AT_FDCWD, "/home", 0755));
        ASSERT_TRUE(fs.mkdirat(s, AT_FDCWD, "/home/alice", 0755));
        ASSERT_TRUE(fs.mkdirat(s, AT_FDCWD, "/home/bob", 0755));
        ASSERT_TRUE(fs.symlinkat(s, "/etc", AT_FDCWD, "/home/alice/abs"));
        ASSERT_TRUE(fs.symlinkat(s, "../../etc", AT_FDCWD, "/home/alice/rel"));
        ASSERT_TRUE(fs.symlinkat(s, "../bob", AT_FDCWD, "/home/alice/bob"));
        fs.close_session(std::move(*root));
        PolicySet set({policy_at("/home/alice", true)}, std::nullopt);
        auto admission = admit(set, "x", {});
        ASSERT_TRUE(admission.has_value());
        auto session = open_admitted_session(fs, *admission);
        ASSERT_TRUE(session.has_value());
        alice = std::move(*session);
    }
    void TearDown() override {
        if (alice) fs.close_session(std::move(alice));
    }

    int stat_error(const char* path, int flags = 0) {
        struct stat st;
        auto done = fs.fstatat(*alice, AT_FDCWD, path, st, flags);
        return done ? 0 : done.error().value;
    }

    core::FileSystem fs;
    std::unique_ptr<core::Session> alice;
};

TEST_F(Confinement, DotDotStopsAtThePolicyRoot) {
    EXPECT_EQ(stat_error("/../../etc/secret"), ENOENT);
    EXPECT_EQ(stat_error("../../../etc"), ENOENT);
    // Her "bob" -> "../bob" is "/bob" inside her root: itself, a loop.
    EXPECT_EQ(stat_error("/../bob"), ELOOP);
    EXPECT_EQ(stat_error("/../bob", AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(*fs.getcwd(*alice), "/");
}

TEST_F(Confinement, SymlinksPointingOutStayInside) {
    EXPECT_EQ(stat_error("/abs/secret"), ENOENT);  // "/etc" inside alice's root
    EXPECT_EQ(stat_error("/rel/secret"), ENOENT);  // "../../etc" clamps at her root
    EXPECT_EQ(stat_error("/bob"), ELOOP);          // never /home/bob
    // Creating through a symlink lands inside too.
    auto fd = fs.openat(*alice, AT_FDCWD, "/rel", O_RDONLY, 0);
    EXPECT_FALSE(fd.has_value());
    ASSERT_TRUE(fs.mkdirat(*alice, AT_FDCWD, "/etc", 0755));
    auto created = fs.openat(*alice, AT_FDCWD, "/abs/secret", O_CREAT | O_WRONLY, 0600);
    ASSERT_TRUE(created.has_value());
    ASSERT_TRUE(fs.close(*alice, *created));
    TreeReader root(fs);
    EXPECT_TRUE(root.lstat("/home/alice/etc/secret").has_value());
    EXPECT_EQ(root.lstat("/etc/secret")->st_size, 0);
}

TEST_F(Confinement, RenameAndLinkCannotReachOut) {
    ASSERT_TRUE(fs.mkdirat(*alice, AT_FDCWD, "/mine", 0755));
    // Names outside cannot be written: every one resolves inside.
    auto linked = fs.linkat(*alice, AT_FDCWD, "/../../etc/secret", AT_FDCWD, "/stolen", 0);
    EXPECT_EQ(linked.error().value, ENOENT);
    auto renamed = fs.renameat2(*alice, AT_FDCWD, "/mine", AT_FDCWD, "/../../etc/mine", 0);
    EXPECT_EQ(renamed.error().value, ENOENT);  // "/etc" does not exist inside
    ASSERT_TRUE(fs.renameat2(*alice, AT_FDCWD, "/mine", AT_FDCWD, "/../../mine2", 0));
    TreeReader root(fs);
    EXPECT_TRUE(root.lstat("/home/alice/mine2").has_value());
    EXPECT_FALSE(root.lstat("/mine2").has_value());
    EXPECT_EQ(*root.list("/etc"), std::vector<std::string>{"secret"});
}

TEST_F(Confinement, SubrootThroughASymlinkStaysInside) {
    Policy policy = policy_at("/home/alice", true);
    // "abs" -> "/etc": resolved inside alice's root, where there is no etc.
    auto through_abs = open_admitted_session(fs, *admit(policy, {true, "abs"}));
    ASSERT_FALSE(through_abs.has_value());
    EXPECT_EQ(through_abs.error().value, ENOENT);
    auto through_rel = open_admitted_session(fs, *admit(policy, {true, "rel"}));
    ASSERT_FALSE(through_rel.has_value());
    EXPECT_EQ(admit(policy, {true, "../bob"}).error().value, EACCES);
}

}  // namespace
}  // namespace imfs::policies
