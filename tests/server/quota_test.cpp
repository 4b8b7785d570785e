// Per-policy quotas on a real imfsd, through the public C API: sessions of
// one policy share its account, a full account gives EDQUOT and leaves the
// others alone, statvfs shows each session its own view, freeing gives the
// space back, and a SIGHUP with a new quota applies it to the same usage.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <imfs/imfs.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "imfsd_process.hpp"

namespace {

using namespace std::chrono_literals;
using imfs::test::ImfsdProcess;
namespace fs = std::filesystem;

constexpr std::size_t kPage = 4096;

class ImfsdQuota : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/imfs-quota-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        socket_ = (dir_ / "imfs.sock").string();
        write_config("64K");
        imfsd_ = std::make_unique<ImfsdProcess>(
            ImfsdProcess::ExactArgs{},
            std::vector<std::string>{"--config", config().string(), "--log-level", "warn"},
            socket_);
    }
    void TearDown() override {
        imfsd_.reset();
        fs::remove_all(dir_);
    }

    fs::path config() const { return dir_ / "imfs.xml"; }

    // alice-* labels share one policy and its quota; bob has his own.
    void write_config(const std::string& alice_bytes) {
        std::ofstream(config(), std::ios::trunc)
            << "<config>\n"
               "  <listen unix=\""
            << socket_
            << "\"/>\n"
               "  <limits max_bytes=\"64M\" max_inodes=\"1000\"/>\n"
               "  <content><dir name=\"a\" mode=\"0777\"/><dir name=\"b\" "
               "mode=\"0777\"/></content>\n"
               "  <policy label_prefix=\"alice\" root=\"/a\" writeable=\"yes\"\n"
               "          quota_bytes=\""
            << alice_bytes
            << "\" quota_inodes=\"10\"/>\n"
               "  <policy label=\"bob\" root=\"/b\" writeable=\"yes\" quota_bytes=\"1M\"/>\n"
               "</config>\n";
    }

    int open_session(const char* label) {
        int s = imfs_session_open(("unix:" + socket_).c_str(), label, nullptr);
        EXPECT_GE(s, 0) << label << ": " << strerror(errno);
        return s;
    }

    // Appends pages full pages to path (made if missing); the errno of the
    // first write that fails, 0 if none does.
    static int append_pages(int s, const char* path, std::size_t pages) {
        int fd = imfs_open(s, path, O_CREAT | O_WRONLY | O_APPEND, 0644);
        if (fd < 0) return errno;
        std::string page(kPage, 'q');
        int error = 0;
        for (std::size_t i = 0; i < pages && error == 0; ++i) {
            ssize_t n = imfs_write(s, fd, page.data(), page.size());
            if (n != static_cast<ssize_t>(page.size())) error = n < 0 ? errno : EIO;
        }
        imfs_close(s, fd);
        return error;
    }

    static struct statvfs view(int s) {
        struct statvfs st {};
        EXPECT_EQ(imfs_statvfs(s, "/", &st), 0) << strerror(errno);
        return st;
    }

    fs::path dir_;
    std::string socket_;
    std::unique_ptr<ImfsdProcess> imfsd_;
};

TEST_F(ImfsdQuota, EachPolicyHasItsOwnAccountAndView) {
    ASSERT_TRUE(imfsd_->started());
    int alice = open_session("alice");
    int alice2 = open_session("alice-2");
    int bob = open_session("bob");
    ASSERT_TRUE(alice >= 0 && alice2 >= 0 && bob >= 0);

    // 64K is 16 pages, shared by both alice sessions.
    EXPECT_EQ(append_pages(alice, "/f", 10), 0);
    EXPECT_EQ(append_pages(alice2, "/g", 6), 0);
    EXPECT_EQ(append_pages(alice, "/f", 1), EDQUOT);
    EXPECT_EQ(append_pages(alice2, "/g", 1), EDQUOT);
    struct stat st;
    ASSERT_EQ(imfs_stat(alice, "/f", &st), 0);
    EXPECT_EQ(st.st_size, static_cast<off_t>(10 * kPage)) << "the failed write wrote nothing";

    // Bob is not limited by alice's quota.
    EXPECT_EQ(append_pages(bob, "/h", 40), 0);

    struct statvfs a = view(alice);
    EXPECT_EQ(a.f_frsize, kPage);
    EXPECT_EQ(a.f_blocks, 16u);
    EXPECT_EQ(a.f_bfree, 0u);
    EXPECT_EQ(a.f_bavail, 0u);
    EXPECT_EQ(a.f_files, 10u);
    EXPECT_EQ(a.f_ffree, 8u);
    struct statvfs a2 = view(alice2);
    EXPECT_EQ(a2.f_bfree, a.f_bfree);
    EXPECT_EQ(a2.f_ffree, a.f_ffree);
    struct statvfs b = view(bob);
    EXPECT_EQ(b.f_blocks, 256u);
    EXPECT_EQ(b.f_bfree, 256u - 40u);
    EXPECT_EQ(b.f_files, 1000u) << "no inode quota: the file system's";
    EXPECT_EQ(b.f_ffree, 1000u - 6u) << "/, a, b, f, g, h";
    int fd = imfs_open(bob, "/h", O_RDONLY);
    ASSERT_GE(fd, 0);
    struct statvfs by_fd {};
    ASSERT_EQ(imfs_fstatvfs(bob, fd, &by_fd), 0);
    EXPECT_EQ(by_fd.f_bfree, b.f_bfree);
    imfs_close(bob, fd);

    // Unlinking gives the space back.
    ASSERT_EQ(imfs_unlink(alice2, "/f"), 0);
    EXPECT_EQ(view(alice).f_bfree, 10u);
    EXPECT_EQ(view(alice).f_ffree, 9u);
    EXPECT_EQ(append_pages(alice, "/f2", 10), 0);
    EXPECT_EQ(append_pages(alice, "/f2", 1), EDQUOT);

    // Inodes: 10 for the policy, 2 in use.
    for (int i = 0; i < 8; ++i)
        ASSERT_EQ(imfs_mkdir(alice, ("/d" + std::to_string(i)).c_str(), 0755), 0) << i;
    EXPECT_EQ(imfs_mkdir(alice2, "/one-more", 0755), -1);
    EXPECT_EQ(errno, EDQUOT);
    EXPECT_EQ(imfs_mkdir(bob, "/one-more", 0755), 0);
    for (int s : {alice, alice2, bob})
        EXPECT_EQ(imfs_session_close(s), 0);
}

TEST_F(ImfsdQuota, ASighupAppliesTheNewQuotaToTheSameUsage) {
    ASSERT_TRUE(imfsd_->started());
    int alice = open_session("alice");
    ASSERT_GE(alice, 0);
    ASSERT_EQ(append_pages(alice, "/f", 16), 0);
    ASSERT_EQ(append_pages(alice, "/f", 1), EDQUOT);

    write_config("128K");
    ASSERT_EQ(::kill(imfsd_->pid(), SIGHUP), 0);
    struct statvfs st {};
    for (int i = 0; i < 300; ++i) {
        st = view(alice);
        if (st.f_blocks == 32) break;
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(st.f_blocks, 32u) << "the new quota did not take";
    EXPECT_EQ(st.f_bfree, 16u) << "the 16 pages written before count";
    // The session kept its grant (same policy, same account) and may grow
    // to the new limit, not past it.
    EXPECT_EQ(append_pages(alice, "/f", 16), 0);
    EXPECT_EQ(append_pages(alice, "/f", 1), EDQUOT);
    int fresh = open_session("alice-new");
    ASSERT_GE(fresh, 0);
    EXPECT_EQ(view(fresh).f_bfree, 0u);
    EXPECT_EQ(append_pages(fresh, "/g", 1), EDQUOT);

    // A quota lowered below the usage: nothing grows, removing still works.
    write_config("16K");
    ASSERT_EQ(::kill(imfsd_->pid(), SIGHUP), 0);
    for (int i = 0; i < 300 && view(alice).f_blocks != 4; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(view(alice).f_blocks, 4u);
    EXPECT_EQ(view(alice).f_bfree, 0u);
    ASSERT_EQ(imfs_truncate(alice, "/f", 2 * kPage), 0);
    EXPECT_EQ(view(alice).f_bfree, 2u);
    EXPECT_EQ(append_pages(alice, "/f", 2), 0);
    EXPECT_EQ(append_pages(alice, "/f", 1), EDQUOT);
    for (int s : {alice, fresh})
        EXPECT_EQ(imfs_session_close(s), 0);
}

}  // namespace
