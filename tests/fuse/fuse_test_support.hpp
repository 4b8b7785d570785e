// What the FUSE tests share: the fixture that mounts imfs-fuse (or skips,
// loudly, where FUSE cannot be used), a shell runner with a time limit, and
// an imfsd process for the tests that go through a real server.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "fuse_mount.hpp"

namespace imfs_fuse_test {

// Prints a banner on stderr saying why FUSE tests are skipped; returns
// false then. Call through SKIP_WITHOUT_FUSE.
bool fuse_usable_or_say_why();

#define SKIP_WITHOUT_FUSE()                                                        \
    do {                                                                           \
        if (!::imfs_fuse_test::fuse_usable_or_say_why()) {                         \
            GTEST_SKIP() << "FUSE is not usable here: the FUSE tests did NOT run"; \
        }                                                                          \
    } while (0)

// A fresh mount of "mem:" for each test, unmounted after it; the test
// fails if the unmount is not clean.
class FuseTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;
    // path below the mount point.
    std::string at(const std::string& path) const { return mount_->mountpoint() + "/" + path; }
    // Extra imfs-fuse arguments for this fixture's mount.
    virtual std::vector<std::string> mount_args() const { return {}; }

    std::unique_ptr<FuseMount> mount_;
};

// The outcome of a shell script: exit status (124 when the time limit
// killed it) and everything it wrote to stdout and stderr.
struct ShellResult {
    int status;
    std::string output;
};

// Runs script with sh -c in directory cwd, at most timeout_s seconds.
ShellResult run_shell(const std::string& script, const std::string& cwd, int timeout_s = 120);

// Runs body in a forked child as uid/gid (no supplementary groups); the
// child's exit status (body's return value), or -1.
int run_as(uid_t uid, gid_t gid, int (*body)(const std::string&), const std::string& arg);

// An imfsd serving an empty tree on a fresh Unix socket, while it lives.
class ImfsdServer {
  public:
    // nullptr with error set when imfsd is not built or does not start.
    static std::unique_ptr<ImfsdServer> start(std::string& error);
    ~ImfsdServer();
    ImfsdServer(const ImfsdServer&) = delete;
    ImfsdServer& operator=(const ImfsdServer&) = delete;

    std::string endpoint() const { return "unix:" + socket_; }
    // Kills the server now (SIGKILL) and reaps it.
    void kill();

  private:
    struct Token {};

  public:
    ImfsdServer(Token, std::string socket, pid_t pid) : socket_(std::move(socket)), pid_(pid) {}

  private:
    std::string socket_;
    pid_t pid_;
};

}  // namespace imfs_fuse_test
