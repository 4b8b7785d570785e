// Quota accounts in the core: what charges an account and what gives back
// to it, EDQUOT at the limit, and the statvfs a session under a quota sees.
// Sizes are in st_blocks terms (4 KiB per page holding data), as Linux
// tmpfs quotas count them.
#include "core/quota.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/file_system.hpp"

namespace imfs::core {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kUnlimited = QuotaAccount::kUnlimited;

template <typename T>
int error_of(const Result<T>& result) {
    return result ? 0 : result.error().value;
}

class QuotaTest : public ::testing::Test {
  protected:
    void SetUp() override {
        s = session_for(account);
        other = session_for(other_account);
    }
    void TearDown() override {
        for (auto* session : {&s, &other})
            if (*session) fs.close_session(std::move(*session));
    }

    std::unique_ptr<Session> session_for(std::shared_ptr<QuotaAccount> quota) {
        SessionSpec spec;
        spec.quota = std::move(quota);
        return fs.open_session(spec).value();
    }

    int open_fd(Session& session, const char* path, int flags = O_CREAT | O_RDWR) {
        Result<int> fd = fs.openat(session, AT_FDCWD, path, flags, 0666);
        EXPECT_TRUE(fd.has_value()) << path << ": errno " << error_of(fd);
        return fd.value_or(-1);
    }
    int open_fd(const char* path, int flags = O_CREAT | O_RDWR) { return open_fd(*s, path, flags); }

    // The errno of writing length bytes at offset (0 when all were written).
    int write_error(Session& session, int fd, std::uint64_t offset, std::uint64_t length) {
        std::string bytes(length, 'q');
        iovec buffer{bytes.data(), bytes.size()};
        Result<std::size_t> done = fs.write(session, fd, {&buffer, 1}, static_cast<off_t>(offset));
        if (done) {
            EXPECT_EQ(*done, length);
        }
        return error_of(done);
    }
    int write_error(int fd, std::uint64_t offset, std::uint64_t length) {
        return write_error(*s, fd, offset, length);
    }

    struct statvfs statvfs_of(Session& session) {
        struct statvfs st {};
        EXPECT_EQ(error_of(fs.statvfs(session, AT_FDCWD, "/", st, 0)), 0);
        return st;
    }

    FileSystem fs{Limits{.max_bytes = 64 << 20, .max_inodes = 1000}};
    std::shared_ptr<QuotaAccount> account = std::make_shared<QuotaAccount>();
    std::shared_ptr<QuotaAccount> other_account = std::make_shared<QuotaAccount>();
    std::unique_ptr<Session> s;
    std::unique_ptr<Session> other;
};

TEST_F(QuotaTest, EveryKindOfNodeChargesAnInodeAndRemovingItRefundsIt) {
    ASSERT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0755)), 0);
    ASSERT_EQ(error_of(fs.close(*s, open_fd("/d/f"))), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*s, "f", AT_FDCWD, "/d/l")), 0);
    ASSERT_EQ(error_of(fs.mknodat(*s, AT_FDCWD, "/d/p", S_IFIFO | 0644, 0)), 0);
    EXPECT_EQ(account->inodes_used(), 4u);
    EXPECT_EQ(account->bytes_used(), 0u) << "empty files hold no blocks";
    EXPECT_EQ(other_account->inodes_used(), 0u);

    for (const char* name : {"/d/f", "/d/l", "/d/p"})
        ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, name, 0)), 0);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/d", AT_REMOVEDIR)), 0);
    EXPECT_EQ(account->inodes_used(), 0u);
}

TEST_F(QuotaTest, ALinkPastTheFileSystemsInodeLimitIsEnospcAndChangesNothing) {
    struct stat st {};
    FileSystem small{Limits{.max_bytes = 1 << 20, .max_inodes = 3}};  // the root and two
    SessionSpec spec;
    std::unique_ptr<Session> t = small.open_session(spec).value();
    Result<int> fd = small.openat(*t, AT_FDCWD, "/f", O_CREAT | O_RDWR, 0644);
    ASSERT_TRUE(fd.has_value());
    ASSERT_EQ(error_of(small.close(*t, *fd)), 0);
    ASSERT_EQ(error_of(small.linkat(*t, AT_FDCWD, "/f", AT_FDCWD, "/f2", 0)), 0);
    EXPECT_EQ(error_of(small.linkat(*t, AT_FDCWD, "/f", AT_FDCWD, "/f3", 0)), ENOSPC);
    ASSERT_EQ(error_of(small.fstatat(*t, AT_FDCWD, "/f", st, 0)), 0);
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_EQ(small.inodes_used(), 3u);
    small.close_session(std::move(t));
}

// As on tmpfs, a target of 128 bytes or more takes a page: charged to the
// account and the file system's data, refused as a write of a page would
// be, and given back with the symlink.
TEST_F(QuotaTest, ALongSymlinkChargesAPageAndRemovingItRefundsIt) {
    const std::uint64_t data_before = fs.bytes_used();
    ASSERT_EQ(error_of(fs.symlinkat(*s, std::string(127, 't').c_str(), AT_FDCWD, "/short")), 0);
    EXPECT_EQ(account->bytes_used(), 0u);
    ASSERT_EQ(error_of(fs.symlinkat(*s, std::string(200, 't').c_str(), AT_FDCWD, "/long")), 0);
    EXPECT_EQ(account->bytes_used(), kPage);
    EXPECT_EQ(account->inodes_used(), 2u);
    EXPECT_EQ(fs.bytes_used(), data_before + kPage);

    account->set_limits(kPage, kUnlimited);
    EXPECT_EQ(error_of(fs.symlinkat(*s, std::string(200, 'u').c_str(), AT_FDCWD, "/over")), EDQUOT);
    struct stat st {};
    EXPECT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/over", st, AT_SYMLINK_NOFOLLOW)), ENOENT);
    EXPECT_EQ(account->inodes_used(), 2u) << "the refused symlink's inode is given back";
    EXPECT_EQ(error_of(fs.symlinkat(*s, "short is free", AT_FDCWD, "/free")), 0);

    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/long", 0)), 0);
    EXPECT_EQ(account->bytes_used(), 0u);
    EXPECT_EQ(fs.bytes_used(), data_before);
}

TEST_F(QuotaTest, ALongSymlinkPastTheFileSystemsLimitIsEnospc) {
    FileSystem small{Limits{.max_bytes = kPage, .max_inodes = 100}};
    std::unique_ptr<Session> t = small.open_session(SessionSpec{}).value();
    ASSERT_EQ(error_of(small.symlinkat(*t, std::string(300, 'a').c_str(), AT_FDCWD, "/a")), 0);
    EXPECT_EQ(error_of(small.symlinkat(*t, std::string(300, 'b').c_str(), AT_FDCWD, "/b")), ENOSPC);
    EXPECT_EQ(small.inodes_used(), 2u) << "the root and /a";
    small.close_session(std::move(t));
}

TEST_F(QuotaTest, WritesChargeThePagesTheyFillOnce) {
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 10), 0);
    EXPECT_EQ(account->bytes_used(), kPage) << "a small file holds one page";
    ASSERT_EQ(write_error(fd, 0, 3 * kPage - 100), 0);
    EXPECT_EQ(account->bytes_used(), 3 * kPage);
    ASSERT_EQ(write_error(fd, 100, 2 * kPage), 0);
    EXPECT_EQ(account->bytes_used(), 3 * kPage) << "rewriting costs nothing";
    ASSERT_EQ(write_error(fd, 100 * kPage, 1), 0);
    EXPECT_EQ(account->bytes_used(), 4 * kPage) << "the hole before it costs nothing";
    EXPECT_EQ(fs.bytes_used(), 4 * kPage);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
}

TEST_F(QuotaTest, TruncateGrowsForFreeAndGivesBackWhatItCuts) {
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 3 * kPage), 0);
    ASSERT_EQ(error_of(fs.ftruncate(*s, fd, 1 << 20)), 0);
    EXPECT_EQ(account->bytes_used(), 3 * kPage) << "extending makes a hole";
    ASSERT_EQ(error_of(fs.ftruncate(*s, fd, kPage + 1)), 0);
    EXPECT_EQ(account->bytes_used(), 2 * kPage);
    ASSERT_EQ(error_of(fs.truncate(*s, "/f", 0)), 0);
    EXPECT_EQ(account->bytes_used(), 0u);
    ASSERT_EQ(write_error(fd, 0, kPage), 0);
    int again = open_fd("/f", O_WRONLY | O_TRUNC);
    EXPECT_EQ(account->bytes_used(), 0u) << "O_TRUNC gives back too";
    for (int d : {fd, again})
        ASSERT_EQ(error_of(fs.close(*s, d)), 0);
}

TEST_F(QuotaTest, FallocateChargesReservedPagesAndPunchingAHoleRefunds) {
    int fd = open_fd("/f");
    ASSERT_EQ(error_of(fs.fallocate(*s, fd, 0, 0, 4 * kPage)), 0);
    EXPECT_EQ(account->bytes_used(), 4 * kPage);
    ASSERT_EQ(error_of(fs.fallocate(*s, fd, FALLOC_FL_KEEP_SIZE, 2 * kPage, 4 * kPage)), 0);
    EXPECT_EQ(account->bytes_used(), 6 * kPage) << "only the pages not yet reserved";
    ASSERT_EQ(write_error(fd, 0, 6 * kPage), 0);
    EXPECT_EQ(account->bytes_used(), 6 * kPage) << "writing a reserved page costs nothing more";
    ASSERT_EQ(error_of(fs.fallocate(*s, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, kPage / 2,
                                    3 * kPage)),
              0);
    EXPECT_EQ(account->bytes_used(), 4 * kPage) << "the two whole pages inside the hole";
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
}

TEST_F(QuotaTest, AnUnlinkedOpenFileRefundsAtItsLastClose) {
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 2 * kPage), 0);
    int dup = fs.dup(*s, fd, 0, false).value();
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/f", 0)), 0);
    EXPECT_EQ(account->bytes_used(), 2 * kPage);
    EXPECT_EQ(account->inodes_used(), 1u);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    EXPECT_EQ(account->inodes_used(), 1u) << "the dup still holds it";
    ASSERT_EQ(error_of(fs.close(*s, dup)), 0);
    EXPECT_EQ(account->bytes_used(), 0u);
    EXPECT_EQ(account->inodes_used(), 0u);
}

// A name costs memory, so a further hard link costs one inode of the file
// system's limit, as tmpfs counts links against nr_inodes; but no quota
// account pays, as no tmpfs quota does: charging the file's account would
// let anyone who may link a file use up its owner's quota. Renames cost
// nothing.
TEST_F(QuotaTest, HardLinksChargeTheFileSystemsLimitButNoAccount) {
    const std::uint64_t used_before = fs.inodes_used();
    ASSERT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0777)), 0);
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, kPage), 0);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    ASSERT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/f", AT_FDCWD, "/d/g", 0)), 0);
    ASSERT_EQ(error_of(fs.linkat(*other, AT_FDCWD, "/f", AT_FDCWD, "/h", 0)), 0);
    EXPECT_EQ(account->inodes_used(), 2u) << "/d and /f";
    EXPECT_EQ(account->bytes_used(), kPage) << "the data is charged once";
    EXPECT_EQ(other_account->inodes_used(), 0u);
    EXPECT_EQ(fs.inodes_used(), used_before + 4) << "/d, /f and two more names of /f";
    ASSERT_EQ(error_of(fs.renameat2(*other, AT_FDCWD, "/d", AT_FDCWD, "/e", 0)), 0);
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/e/g", AT_FDCWD, "/g", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), used_before + 4);
    EXPECT_EQ(account->inodes_used(), 2u);
    // Each name that goes while others remain gives one back; the last one
    // goes with the inode and its data.
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/f", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), used_before + 3);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/g", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), used_before + 2);
    EXPECT_EQ(account->bytes_used(), kPage);
    ASSERT_EQ(error_of(fs.unlinkat(*other, AT_FDCWD, "/h", 0)), 0);
    EXPECT_EQ(account->bytes_used(), 0u);
    EXPECT_EQ(account->inodes_used(), 1u) << "/e";
    EXPECT_EQ(fs.inodes_used(), used_before + 1);
}

TEST_F(QuotaTest, RenamingOverOneOfTwoNamesRefundsTheName) {
    const std::uint64_t used_before = fs.inodes_used();
    ASSERT_EQ(error_of(fs.close(*s, open_fd("/f"))), 0);
    ASSERT_EQ(error_of(fs.close(*s, open_fd("/g"))), 0);
    ASSERT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/f", AT_FDCWD, "/f2", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), used_before + 3);
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/g", AT_FDCWD, "/f2", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), used_before + 2) << "/f and /f2 (was /g)";
    struct stat st {};
    ASSERT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/f", st, 0)), 0);
    EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(QuotaTest, RenamingOverAFileRefundsTheReplacedOne) {
    int mine = open_fd("/mine");
    ASSERT_EQ(write_error(mine, 0, 2 * kPage), 0);
    int theirs = open_fd(*other, "/theirs");
    ASSERT_EQ(write_error(*other, theirs, 0, kPage), 0);
    for (int fd : {mine})
        ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    ASSERT_EQ(error_of(fs.close(*other, theirs)), 0);
    ASSERT_EQ(error_of(fs.renameat2(*other, AT_FDCWD, "/theirs", AT_FDCWD, "/mine", 0)), 0);
    EXPECT_EQ(account->inodes_used(), 0u);
    EXPECT_EQ(account->bytes_used(), 0u);
    EXPECT_EQ(other_account->inodes_used(), 1u);
    EXPECT_EQ(other_account->bytes_used(), kPage);
}

TEST_F(QuotaTest, BytesFitUpToTheExactLimitAndNotOneBlockMore) {
    account->set_limits(4 * kPage, kUnlimited);
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 4 * kPage), 0) << "exactly the quota fits";
    EXPECT_EQ(account->bytes_used(), 4 * kPage);
    EXPECT_EQ(write_error(fd, 4 * kPage, 1), EDQUOT);
    EXPECT_EQ(error_of(fs.fallocate(*s, fd, 0, 4 * kPage, 1)), EDQUOT);
    struct stat st {};
    ASSERT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/f", st, 0)), 0);
    EXPECT_EQ(st.st_size, static_cast<off_t>(4 * kPage)) << "the failed write changed nothing";
    EXPECT_EQ(write_error(fd, 0, 4 * kPage), 0) << "rewriting still may";
    EXPECT_EQ(error_of(fs.ftruncate(*s, fd, 1 << 30)), 0) << "a hole costs nothing";

    // A write that crosses the limit writes the pages that fit and returns
    // that much, as on Linux; the next one fails.
    ASSERT_EQ(error_of(fs.ftruncate(*s, fd, 2 * kPage)), 0);
    std::string bytes(4 * kPage + 100, 'w');
    iovec buffer{bytes.data(), bytes.size()};
    Result<std::size_t> done = fs.write(*s, fd, {&buffer, 1}, static_cast<off_t>(kPage + 100));
    ASSERT_TRUE(done.has_value()) << "errno " << error_of(done);
    EXPECT_EQ(*done, 3 * kPage - 100) << "up to the end of the quota's fourth page";
    EXPECT_EQ(account->bytes_used(), 4 * kPage);
    ASSERT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/f", st, 0)), 0);
    EXPECT_EQ(st.st_size, static_cast<off_t>(4 * kPage));
    EXPECT_EQ(write_error(fd, 4 * kPage, 10), EDQUOT);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
}

// The error of a write with no room at all is its first page's: here the
// quota refuses that page while the file system would hold it, so EDQUOT,
// however long the write (a long one is over the file system's limit too).
TEST_F(QuotaTest, AWriteWithNoRoomFailsWithItsFirstPagesError) {
    FileSystem small{Limits{.max_bytes = 4 * kPage, .max_inodes = 10}};
    SessionSpec spec;
    spec.quota = std::make_shared<QuotaAccount>(0, kUnlimited);
    std::unique_ptr<Session> t = small.open_session(spec).value();
    int fd = small.openat(*t, AT_FDCWD, "/f", O_CREAT | O_RDWR, 0644).value();
    for (std::uint64_t length : {std::uint64_t{1}, kPage, 8 * kPage}) {
        std::string bytes(length, 'x');
        iovec buffer{bytes.data(), bytes.size()};
        EXPECT_EQ(error_of(small.write(*t, fd, {&buffer, 1}, off_t{0})), EDQUOT) << length;
    }
    ASSERT_EQ(error_of(small.close(*t, fd)), 0);
    small.close_session(std::move(t));
}

TEST_F(QuotaTest, InodesFitUpToTheExactLimit) {
    account->set_limits(kUnlimited, 3);
    ASSERT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0755)), 0);
    ASSERT_EQ(error_of(fs.close(*s, open_fd("/f"))), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*s, "f", AT_FDCWD, "/l")), 0);
    EXPECT_EQ(error_of(fs.openat(*s, AT_FDCWD, "/g", O_CREAT | O_WRONLY, 0644)), EDQUOT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/e", 0755)), EDQUOT);
    EXPECT_EQ(error_of(fs.symlinkat(*s, "x", AT_FDCWD, "/m")), EDQUOT);
    EXPECT_EQ(error_of(fs.mknodat(*s, AT_FDCWD, "/p", S_IFIFO | 0644, 0)), EDQUOT);
    struct stat st {};
    EXPECT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/g", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/f", AT_FDCWD, "/f2", 0)), 0)
        << "a hard link costs the account nothing";
    EXPECT_EQ(account->inodes_used(), 3u);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/l", 0)), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/e", 0755)), 0) << "freed, so it fits again";
}

TEST_F(QuotaTest, AFullAccountLimitsNobodyElse) {
    account->set_limits(kPage, 1);
    other_account->set_limits(8 * kPage, 10);
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, kPage), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0755)), EDQUOT);
    EXPECT_EQ(write_error(fd, kPage, 1), EDQUOT);

    int theirs = open_fd(*other, "/theirs");
    EXPECT_EQ(write_error(*other, theirs, 0, 8 * kPage), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*other, AT_FDCWD, "/d", 0755)), 0);
    std::unique_ptr<Session> unlimited = session_for(nullptr);
    int free_fd = open_fd(*unlimited, "/free");
    EXPECT_EQ(write_error(*unlimited, free_fd, 0, 100 * kPage), 0);
    EXPECT_EQ(account->bytes_used(), kPage);
    EXPECT_EQ(other_account->bytes_used(), 8 * kPage);
    fs.close_session(std::move(unlimited));
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    ASSERT_EQ(error_of(fs.close(*other, theirs)), 0);
}

TEST_F(QuotaTest, DataIsChargedToTheAccountThatCreatedTheFile) {
    // As a uid quota charges the file's owner, not the writer.
    account->set_limits(2 * kPage, kUnlimited);
    int fd = open_fd("/f");
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    int theirs = open_fd(*other, "/f", O_WRONLY);
    EXPECT_EQ(write_error(*other, theirs, 0, 2 * kPage), 0);
    EXPECT_EQ(write_error(*other, theirs, 2 * kPage, 1), EDQUOT);
    EXPECT_EQ(account->bytes_used(), 2 * kPage);
    EXPECT_EQ(other_account->bytes_used(), 0u);
    ASSERT_EQ(error_of(fs.close(*other, theirs)), 0);
}

TEST_F(QuotaTest, AForkedSessionSharesTheAccount) {
    account->set_limits(kUnlimited, 1);
    std::unique_ptr<Session> child = fs.fork_session(*s).value();
    ASSERT_EQ(error_of(fs.mkdirat(*child, AT_FDCWD, "/d", 0755)), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/e", 0755)), EDQUOT);
    EXPECT_EQ(account->inodes_used(), 1u);
    fs.close_session(std::move(child));
}

TEST_F(QuotaTest, ALimitLoweredBelowUsageStopsGrowthButNotShrinking) {
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 4 * kPage), 0);
    account->set_limits(kPage, 1);
    EXPECT_EQ(write_error(fd, 4 * kPage, 1), EDQUOT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0755)), EDQUOT);
    EXPECT_EQ(write_error(fd, 0, kPage), 0) << "rewriting allocates nothing";
    ASSERT_EQ(error_of(fs.ftruncate(*s, fd, kPage)), 0);
    EXPECT_EQ(account->bytes_used(), kPage);
    account->set_limits(8 * kPage, 2);
    EXPECT_EQ(write_error(fd, kPage, 7 * kPage), 0) << "raised: the same usage, more room";
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/d", 0755)), 0);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
}

TEST_F(QuotaTest, TheFileSystemsLimitStillGivesEnospc) {
    FileSystem small(Limits{.max_bytes = 1 << 20, .max_inodes = 3});
    SessionSpec spec;
    spec.quota = account;  // unlimited
    std::unique_ptr<Session> session = small.open_session(spec).value();
    ASSERT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/a", 0755)), 0);
    ASSERT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/b", 0755)), 0);
    EXPECT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/c", 0755)), ENOSPC);
    // Both full: the inode limit of the file system is judged first, as
    // tmpfs does.
    account->set_limits(kUnlimited, 2);
    EXPECT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/c", 0755)), ENOSPC);
    EXPECT_EQ(account->inodes_used(), 2u);
    small.close_session(std::move(session));
}

TEST_F(QuotaTest, StatvfsShowsTheQuotaWithinTheFileSystem) {
    struct statvfs global = statvfs_of(*other);  // no limits: the file system's view
    EXPECT_EQ(global.f_blocks, (64u << 20) / kPage);
    EXPECT_EQ(global.f_files, 1000u);

    account->set_limits(10 * kPage, 20);
    int fd = open_fd("/f");
    ASSERT_EQ(write_error(fd, 0, 3 * kPage), 0);
    struct statvfs mine = statvfs_of(*s);
    EXPECT_EQ(mine.f_bsize, kPage);
    EXPECT_EQ(mine.f_blocks, 10u);
    EXPECT_EQ(mine.f_bfree, 7u);
    EXPECT_EQ(mine.f_bavail, 7u);
    EXPECT_EQ(mine.f_files, 20u);
    EXPECT_EQ(mine.f_ffree, 19u);
    EXPECT_EQ(mine.f_favail, 19u);
    struct statvfs via_fd {};
    ASSERT_EQ(error_of(fs.statvfs(*s, fd, "", via_fd, AT_EMPTY_PATH)), 0);
    EXPECT_EQ(via_fd.f_bfree, 7u);

    // The other session sees the file system, this file included.
    struct statvfs theirs = statvfs_of(*other);
    EXPECT_EQ(theirs.f_blocks, global.f_blocks);
    EXPECT_EQ(theirs.f_bfree, global.f_bfree - 3);
    EXPECT_EQ(theirs.f_ffree, global.f_ffree - 1);

    // A quota without an inode limit shows the file system's inodes.
    account->set_limits(10 * kPage, kUnlimited);
    EXPECT_EQ(statvfs_of(*s).f_files, 1000u);
    EXPECT_EQ(statvfs_of(*s).f_ffree, global.f_ffree - 1);

    // Less left in the file system than in the quota: the file system's
    // free space is what is free.
    account->set_limits(1 << 30, kUnlimited);
    int big = open_fd(*other, "/big");
    // (Less than all of it: the file system's limit counts table memory too.)
    ASSERT_EQ(
        error_of(fs.fallocate(*other, big, 0, 0, static_cast<off_t>((64 << 20) - 64 * kPage))), 0);
    mine = statvfs_of(*s);
    EXPECT_EQ(mine.f_blocks, global.f_blocks) << "the smaller of the two totals";
    EXPECT_EQ(mine.f_bfree, statvfs_of(*other).f_bfree);
    EXPECT_LT(mine.f_bfree, 64u);
    ASSERT_EQ(error_of(fs.close(*other, big)), 0);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
}

}  // namespace
}  // namespace imfs::core
