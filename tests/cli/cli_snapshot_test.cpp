// imfs snapshot against a real imfsd: a trusted label gets the file
// written, an untrusted one EPERM, a server without --snapshot and the
// embedded tree say why they cannot.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

#include "cli_process.hpp"

namespace imfs::test {
namespace {

class CliSnapshot : public ::testing::Test {
  protected:
    void SetUp() override {
#ifndef IMFSD_PATH
        GTEST_SKIP() << "imfsd is not built in this tree";
#else
        write_host_file(host_.file("c.xml"),
                        "<config><content><dir name=\"d\"/></content>\n"
                        "  <policy label=\"admin\" root=\"/\" writeable=\"yes\" trusted=\"yes\"/>\n"
                        "  <policy label=\"tenant\" root=\"/d\" writeable=\"yes\"/>\n"
                        "</config>\n");
        server_ = std::make_unique<ImfsdServer>(std::vector<std::string>{
            "--config", host_.file("c.xml"), "--snapshot", host_.file("snap.tar")});
        ASSERT_TRUE(server_->started()) << "imfsd did not start";
#endif
    }

    RunResult imfs(const std::string& label, std::vector<std::string> args) {
        args.insert(args.begin(), {"-e", server_->endpoint(), "-l", label});
        return run_imfs(args);
    }

    HostDirectory host_;
    std::unique_ptr<ImfsdServer> server_;
};

TEST_F(CliSnapshot, ATrustedLabelGetsTheFileWritten) {
    ASSERT_EQ(imfs("admin", {"mkdir", "/new"}).status, 0);
    ASSERT_FALSE(std::filesystem::exists(host_.file("snap.tar")));
    RunResult r = imfs("admin", {"snapshot"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    struct stat st {};
    ASSERT_EQ(::stat(host_.file("snap.tar").c_str(), &st), 0);
    EXPECT_GT(st.st_size, 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);  // every tenant's data: the owner's only
    // Nothing but the config and the snapshot: no temporary file is left.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(host_.path())) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 2u);
}

TEST_F(CliSnapshot, AnUntrustedLabelIsRefused) {
    RunResult r = imfs("tenant", {"snapshot"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot write a snapshot: Operation not permitted\n");
    EXPECT_FALSE(std::filesystem::exists(host_.file("snap.tar")));
}

TEST_F(CliSnapshot, OperandsAreAUsageError) {
    RunResult r = imfs("admin", {"snapshot", "/x"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "imfs: snapshot: extra operand '/x'\nTry 'imfs snapshot --help' for more "
              "information.\n");
}

TEST(CliSnapshotWithout, AServerWithoutSnapshotFileSaysSo) {
#ifndef IMFSD_PATH
    GTEST_SKIP() << "imfsd is not built in this tree";
#else
    ImfsdServer server;
    ASSERT_TRUE(server.started());
    RunResult r = run_imfs({"-e", server.endpoint(), "snapshot"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot write a snapshot: the server at '" + server.endpoint() +
                         "' has no --snapshot FILE\n");
#endif
}

TEST(CliSnapshotWithout, TheEmbeddedTreeIsNoServer) {
    RunResult r = run_imfs({"-e", "mem:", "snapshot"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot write a snapshot: mem: is not a server\n");
}

}  // namespace
}  // namespace imfs::test
