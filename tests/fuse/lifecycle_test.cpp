// The mount's life: signals unmount it, a real imfsd serves it, and a
// server that goes away turns calls into errors without hanging anything.
#include <fcntl.h>
#include <imfs/imfs.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "fuse_test_support.hpp"

namespace imfs_fuse_test {
namespace {

TEST(LifecycleTest, SigtermAndSigintUnmountCleanly) {
    SKIP_WITHOUT_FUSE();
    for (int signal : {SIGTERM, SIGINT}) {
        std::string error;
        auto mount = FuseMount::start("mem:", {}, error);
        ASSERT_TRUE(mount) << error;
        ASSERT_TRUE(is_fuse_mounted(mount->mountpoint()));
        ASSERT_EQ(::kill(mount->pid(), signal), 0);
        EXPECT_EQ(mount->wait_exit(10'000), 0) << "signal " << signal;
        EXPECT_FALSE(is_fuse_mounted(mount->mountpoint())) << "signal " << signal;
        EXPECT_TRUE(mount->unmount(error)) << error;
    }
}

TEST(LifecycleTest, BadArgumentsFailWithoutMounting) {
    auto usage = run_shell(std::string(IMFS_FUSE_PATH) + " mem:", "/tmp");
    EXPECT_EQ(usage.status, 2) << usage.output;
    EXPECT_NE(usage.output.find("usage:"), std::string::npos) << usage.output;
    auto config = run_shell(std::string(IMFS_FUSE_PATH) + " unix:/x /tmp --config c.xml", "/tmp");
    EXPECT_EQ(config.status, 2) << config.output;
    auto refused =
        run_shell(std::string(IMFS_FUSE_PATH) + " unix:/nonexistent.sock /tmp -f", "/tmp");
    EXPECT_EQ(refused.status, 1) << refused.output;
    EXPECT_NE(refused.output.find("unix:/nonexistent.sock"), std::string::npos) << refused.output;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RemoteTest, AMountOfARealImfsdSeesOtherSessionsAtOnce) {
    SKIP_WITHOUT_FUSE();
    std::string error;
    auto server = ImfsdServer::start(error);
    if (!server) GTEST_SKIP() << "no imfsd: " << error;
    auto mount = FuseMount::start(server->endpoint(), {"--label", "fuse"}, error);
    ASSERT_TRUE(mount) << error;

    const int session = imfs_session_open(server->endpoint().c_str(), "other", nullptr);
    ASSERT_GE(session, 0) << std::strerror(errno);
    // Through the mount, then through another session, and back.
    {
        std::ofstream out(mount->mountpoint() + "/from-mount");
        out << "hello";
    }
    struct stat st {};
    ASSERT_EQ(imfs_stat(session, "/from-mount", &st), 0) << std::strerror(errno);
    EXPECT_EQ(st.st_size, 5);
    const int fd = imfs_open(session, "/from-session", O_WRONLY | O_CREAT, 0640);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(imfs_write(session, fd, "abc", 3), 3);
    ASSERT_EQ(imfs_close(session, fd), 0);
    EXPECT_EQ(read_all(mount->mountpoint() + "/from-session"), "abc");
    ASSERT_EQ(imfs_chmod(session, "/from-session", 0600), 0);
    ASSERT_EQ(::stat((mount->mountpoint() + "/from-session").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u) << "attributes are not cached past a change";
    ASSERT_EQ(imfs_rename(session, "/from-session", "/renamed"), 0);
    EXPECT_EQ(::access((mount->mountpoint() + "/from-session").c_str(), F_OK), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(read_all(mount->mountpoint() + "/renamed"), "abc");
    EXPECT_EQ(imfs_session_close(session), 0);

    // A real tree through the server, too.
    auto tar = run_shell(
        "tar -C /usr/include -cf - linux/netfilter | tar -xf - && "
        "diff -r /usr/include/linux/netfilter linux/netfilter",
        mount->mountpoint());
    EXPECT_EQ(tar.status, 0) << tar.output;
    EXPECT_TRUE(mount->unmount(error)) << error;
}

TEST(RemoteTest, WhenTheServerGoesAwayCallsFailWithEioAndUnmountWorks) {
    SKIP_WITHOUT_FUSE();
    std::string error;
    auto server = ImfsdServer::start(error);
    if (!server) GTEST_SKIP() << "no imfsd: " << error;
    auto mount = FuseMount::start(server->endpoint(), {}, error);
    ASSERT_TRUE(mount) << error;
    const std::string file = mount->mountpoint() + "/f";
    {
        std::ofstream out(file);
        out << "x";
    }
    const int held = ::open(file.c_str(), O_RDONLY);
    ASSERT_GE(held, 0);
    server->kill();
    struct stat st {};
    EXPECT_EQ(::stat(file.c_str(), &st), -1);
    EXPECT_EQ(errno, EIO);
    char byte;
    EXPECT_EQ(::pread(held, &byte, 1, 0), -1);
    EXPECT_EQ(errno, EIO);
    EXPECT_EQ(::mkdir((mount->mountpoint() + "/d").c_str(), 0755), -1);
    EXPECT_EQ(errno, EIO);
    ::close(held);
    EXPECT_TRUE(mount->unmount(error)) << error;
    EXPECT_FALSE(is_fuse_mounted(mount->mountpoint()));
}

}  // namespace
}  // namespace imfs_fuse_test
