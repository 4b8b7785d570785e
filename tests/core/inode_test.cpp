// The inode's own rules: relatime (when a read moves atime), and what
// stat shows of each kind of content.
#include "core/inode.hpp"

#include <sys/stat.h>

#include <mutex>
#include <span>
#include <string>

#include <gtest/gtest.h>

namespace imfs::core {
namespace {

constexpr time_t kDay = 24 * 60 * 60;

timespec seconds_ago(time_t seconds) {
    timespec t = current_time();
    t.tv_sec -= seconds;
    return t;
}

bool same(const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

class RelatimeTest : public ::testing::Test {
  protected:
    Inode inode;
    AtimeLocks atime_locks;
};

TEST_F(RelatimeTest, AnAtimeNewerThanMtimeAndCtimeAndUnderADayOldStays) {
    inode.set_mtime(seconds_ago(3600));
    inode.set_ctime(seconds_ago(3600));
    inode.set_atime(seconds_ago(60));
    const timespec before = inode.atime();
    inode.note_access(atime_locks);
    EXPECT_TRUE(same(inode.atime(), before));
}

TEST_F(RelatimeTest, AnAtimeNotNewerThanMtimeMovesToNow) {
    inode.set_atime(seconds_ago(3600));
    inode.set_mtime(inode.atime());  // equal is not newer
    inode.set_ctime(seconds_ago(7200));
    const timespec lower = current_time();
    inode.note_access(atime_locks);
    const timespec upper = current_time();
    EXPECT_GE(inode.atime().tv_sec * 1'000'000'000 + inode.atime().tv_nsec,
              lower.tv_sec * 1'000'000'000 + lower.tv_nsec)
        << "the new atime is read precisely, not from the coarse clock";
    EXPECT_LE(inode.atime().tv_sec, upper.tv_sec);
}

TEST_F(RelatimeTest, AnAtimeNotNewerThanCtimeMovesToNow) {
    inode.set_mtime(seconds_ago(7200));
    inode.set_ctime(seconds_ago(60));
    inode.set_atime(seconds_ago(3600));
    inode.note_access(atime_locks);
    EXPECT_GE(inode.atime().tv_sec, current_time().tv_sec - 1);
}

TEST_F(RelatimeTest, AnAtimeADayOldMovesEvenWhenNewerThanTheOthers) {
    inode.set_mtime(seconds_ago(3 * kDay));
    inode.set_ctime(seconds_ago(3 * kDay));
    inode.set_atime(seconds_ago(kDay + 5));
    inode.note_access(atime_locks);
    EXPECT_GE(inode.atime().tv_sec, current_time().tv_sec - 1);

    // Just under a day: stays.
    inode.set_atime(seconds_ago(kDay - 60));
    const timespec before = inode.atime();
    inode.note_access(atime_locks);
    EXPECT_TRUE(same(inode.atime(), before));
}

// Times held in 64-bit nanoseconds (1677-2262) and apart (any other
// second), in fill_stat and after the others change; ctime untouched by
// moving atime and mtime apart.
TEST(InodeTimesTest, NearAndFarTimesReadBackExactly) {
    AtimeLocks atime_locks;
    Inode inode;
    const auto same_time = [](const timespec& a, const timespec& b) {
        return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
    };
    const timespec near{-1, 999999999};
    const timespec far{-30000000000, 123456789};
    const timespec later{40000000000, 5};
    inode.set_ctime(near);
    inode.set_mtime(timespec{1200000000, 7});
    EXPECT_EQ(inode.far_times, nullptr) << "near times need no storage apart";
    inode.set_atime(far);
    EXPECT_NE(inode.far_times, nullptr);
    inode.set_mtime(later);
    EXPECT_TRUE(same_time(inode.atime(), far));
    EXPECT_TRUE(same_time(inode.mtime(), later));
    EXPECT_TRUE(same_time(inode.ctime(), near));
    struct stat st {};
    inode.fill_stat(st, atime_locks);
    EXPECT_TRUE(same_time(st.st_atim, far));
    EXPECT_TRUE(same_time(st.st_mtim, later));
    EXPECT_TRUE(same_time(st.st_ctim, near));
    inode.touch_mtime_ctime(timespec{1700000000, 1});
    EXPECT_TRUE(same_time(inode.atime(), far));
    EXPECT_TRUE(same_time(inode.ctime(), timespec{1700000000, 1}));
}

TEST(InodeContentTest, StatShowsEachKindsSizeAndBlocks) {
    AtimeLocks atime_locks;
    struct stat st {};

    Inode file;
    file.type = NodeType::regular;
    file.reset_content();
    ASSERT_NE(file.data(), nullptr);
    std::string bytes(5000, 'x');
    ASSERT_TRUE(file.file_data().write(0, std::as_bytes(std::span(bytes))).has_value());
    file.fill_stat(st, atime_locks);
    EXPECT_EQ(st.st_size, 5000);
    EXPECT_EQ(st.st_blocks, 16) << "two 4 KiB pages, in 512-byte units";
    EXPECT_TRUE(S_ISREG(st.st_mode));

    Inode link;
    link.type = NodeType::symlink;
    link.reset_content();
    EXPECT_EQ(link.data(), nullptr);
    link.link_target() = "a/target";
    link.fill_stat(st, atime_locks);
    EXPECT_EQ(st.st_size, 8);
    EXPECT_EQ(st.st_blocks, 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));

    Inode fifo;
    fifo.type = NodeType::fifo;
    fifo.reset_content();
    EXPECT_EQ(fifo.data(), nullptr);
    fifo.fill_stat(st, atime_locks);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

}  // namespace
}  // namespace imfs::core
