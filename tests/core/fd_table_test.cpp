// FdTable: the lowest free descriptor, dup2/F_DUPFD placement, limits,
// close-on-exec, and copies (fork) sharing open file descriptions.
#include "core/fd_table.hpp"

#include <cerrno>
#include <chrono>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace imfs::core {
namespace {

std::shared_ptr<OpenFileDescription> description() {
    return std::make_shared<OpenFileDescription>();
}

int install(FdTable& table, bool cloexec = false, int min_fd = FdTable::kFirstFd) {
    Result<int> fd = table.install(description(), cloexec, min_fd);
    EXPECT_TRUE(fd.has_value()) << "errno " << (fd ? 0 : fd.error().value);
    return fd.value_or(-1);
}

int error_of(const Result<int>& result) {
    return result ? 0 : result.error().value;
}

TEST(FdTableTest, DescriptorsStartAtThreeAndCountUp) {
    FdTable table;
    EXPECT_EQ(table.open_count(), 0u);
    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 4);
    EXPECT_EQ(install(table), 5);
    EXPECT_EQ(table.open_count(), 3u);
    for (int fd : {-1, 0, 1, 2, 6, 1000})
        EXPECT_EQ(table.find(fd), nullptr) << fd;
    for (int fd : {3, 4, 5})
        EXPECT_NE(table.find(fd), nullptr) << fd;
}

TEST(FdTableTest, FindGivesTheDescriptionAndFlagInstalled) {
    FdTable table;
    auto plain = description();
    auto closing = description();
    int a = table.install(plain, false).value();
    int b = table.install(closing, true).value();
    ASSERT_NE(table.find(a), nullptr);
    EXPECT_EQ(table.find(a)->description, plain);
    EXPECT_FALSE(table.find(a)->cloexec);
    ASSERT_NE(table.find(b), nullptr);
    EXPECT_EQ(table.find(b)->description, closing);
    EXPECT_TRUE(table.find(b)->cloexec);
}

TEST(FdTableTest, TheLowestFreeDescriptorIsReused) {
    FdTable table;
    for (int i = 0; i < 6; ++i)
        install(table);  // 3..8
    auto removed = table.remove(5);
    ASSERT_TRUE(removed.has_value());
    EXPECT_NE(*removed, nullptr);
    ASSERT_TRUE(table.remove(3).has_value());
    ASSERT_TRUE(table.remove(7).has_value());
    EXPECT_EQ(table.find(5), nullptr);
    EXPECT_EQ(table.open_count(), 3u);

    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 5);
    EXPECT_EQ(install(table), 7);
    EXPECT_EQ(install(table), 9);
    EXPECT_EQ(table.open_count(), 7u);
}

TEST(FdTableTest, RemoveGivesBackTheDescription) {
    FdTable table;
    auto held = description();
    int fd = table.install(held, false).value();
    EXPECT_EQ(held.use_count(), 2);
    Result<std::shared_ptr<OpenFileDescription>> removed = table.remove(fd);
    ASSERT_TRUE(removed.has_value());
    EXPECT_EQ(*removed, held);
    removed->reset();
    EXPECT_EQ(held.use_count(), 1) << "the table no longer holds it";
}

TEST(FdTableTest, RemovingWhatIsNotOpenIsEbadf) {
    FdTable table;
    int fd = install(table);
    for (int bad : {-1, 0, 1, 2, fd + 1, 1 << 20, 1 << 30}) {
        auto removed = table.remove(bad);
        ASSERT_FALSE(removed.has_value()) << bad;
        EXPECT_EQ(removed.error(), Errno{EBADF}) << bad;
    }
    ASSERT_TRUE(table.remove(fd).has_value());
    auto twice = table.remove(fd);
    ASSERT_FALSE(twice.has_value());
    EXPECT_EQ(twice.error(), Errno{EBADF});
    EXPECT_EQ(table.open_count(), 0u);
}

TEST(FdTableTest, InstallWithMinimumTakesTheLowestFreeAtOrAboveIt) {
    FdTable table;
    EXPECT_EQ(install(table, false, 10), 10);
    EXPECT_EQ(install(table, false, 10), 11);
    EXPECT_EQ(install(table), 3) << "descriptors below the minimum stay free";
    EXPECT_EQ(install(table, false, 4), 4);
    EXPECT_EQ(install(table, false, 9), 9);
    EXPECT_EQ(install(table, false, 9), 12);
    EXPECT_EQ(install(table, false, 5), 5);
    // 0-2 belong to the caller: a minimum below 3 still gives 3 or more.
    EXPECT_EQ(install(table, false, 0), 6);
    EXPECT_EQ(table.open_count(), 8u);
}

TEST(FdTableTest, InstallWithAnOutOfRangeMinimumIsEinval) {
    FdTable table;
    ASSERT_TRUE(table.set_limit(16).has_value());
    // fcntl(2) F_DUPFD: EINVAL when arg is negative or not below
    // RLIMIT_NOFILE.
    EXPECT_EQ(error_of(table.install(description(), false, -1)), EINVAL);
    EXPECT_EQ(error_of(table.install(description(), false, 16)), EINVAL);
    EXPECT_EQ(error_of(table.install(description(), false, 1 << 30)), EINVAL);
    EXPECT_EQ(table.open_count(), 0u);
    EXPECT_EQ(install(table, false, 15), 15);
    EXPECT_EQ(error_of(table.install(description(), false, 15)), EMFILE);
}

TEST(FdTableTest, InstallAtAFreeDescriptorReturnsNothing) {
    FdTable table;
    auto placed = description();
    auto previous = table.install_at(7, placed, true);
    ASSERT_TRUE(previous.has_value());
    EXPECT_EQ(*previous, nullptr);
    ASSERT_NE(table.find(7), nullptr);
    EXPECT_EQ(table.find(7)->description, placed);
    EXPECT_TRUE(table.find(7)->cloexec);
    EXPECT_EQ(table.open_count(), 1u);
    // The gap below stays free and is handed out first.
    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 4);
    EXPECT_EQ(install(table), 5);
    EXPECT_EQ(install(table), 6);
    EXPECT_EQ(install(table), 8);
}

TEST(FdTableTest, InstallAtAnOpenDescriptorReturnsWhatWasThere) {
    FdTable table;
    auto old_description = description();
    int fd = table.install(old_description, true).value();
    install(table);
    auto replacement = description();
    auto previous = table.install_at(fd, replacement, false);
    ASSERT_TRUE(previous.has_value());
    EXPECT_EQ(*previous, old_description);
    EXPECT_EQ(table.find(fd)->description, replacement);
    EXPECT_FALSE(table.find(fd)->cloexec) << "the new entry's flag, not the old one's";
    EXPECT_EQ(table.open_count(), 2u);
    EXPECT_EQ(install(table), 5);
}

TEST(FdTableTest, InstallAtOutOfRangeIsEbadf) {
    FdTable table;
    ASSERT_TRUE(table.set_limit(8).has_value());
    // dup2(2): EBADF when newfd is out of the allowed range.
    for (int fd : {-1, 8, 9, 1 << 30}) {
        auto previous = table.install_at(fd, description(), false);
        ASSERT_FALSE(previous.has_value()) << fd;
        EXPECT_EQ(previous.error(), Errno{EBADF}) << fd;
    }
    EXPECT_EQ(table.open_count(), 0u);
    EXPECT_TRUE(table.install_at(7, description(), false).has_value());
}

TEST(FdTableTest, TheLimitGivesEmfile) {
    FdTable table;
    ASSERT_TRUE(table.set_limit(6).has_value());
    EXPECT_EQ(table.limit(), 6u);
    EXPECT_FALSE(table.full());
    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 4);
    EXPECT_FALSE(table.full());
    EXPECT_EQ(install(table), 5);
    EXPECT_TRUE(table.full());
    EXPECT_EQ(error_of(table.install(description(), false)), EMFILE);
    EXPECT_EQ(table.open_count(), 3u);

    ASSERT_TRUE(table.remove(4).has_value());
    EXPECT_FALSE(table.full());
    EXPECT_EQ(install(table), 4);
    EXPECT_TRUE(table.full());
}

TEST(FdTableTest, ALimitOfThreeLeavesNoDescriptor) {
    FdTable table;
    ASSERT_TRUE(table.set_limit(3).has_value());
    EXPECT_TRUE(table.full());
    // F_DUPFD from 0 with 0-2 taken (the caller's): EMFILE.
    EXPECT_EQ(error_of(table.install(description(), false, 0)), EMFILE);
    // F_DUPFD from 3, which is not below the limit: EINVAL.
    EXPECT_EQ(error_of(table.install(description(), false, 3)), EINVAL);
    EXPECT_EQ(table.open_count(), 0u);
}

TEST(FdTableTest, SetLimitRefusesMoreThanNrOpen) {
    FdTable table;
    // The default is a process's usual soft RLIMIT_NOFILE.
    EXPECT_EQ(table.limit(), 1024u);
    auto over = table.set_limit(FdTable::kMaxLimit + 1);
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error(), Errno{EINVAL});
    EXPECT_EQ(table.limit(), 1024u);
    EXPECT_TRUE(table.set_limit(FdTable::kMaxLimit).has_value());
}

TEST(FdTableTest, LoweringTheLimitKeepsOpenDescriptors) {
    FdTable table;
    for (int i = 0; i < 7; ++i)
        install(table);  // 3..9
    ASSERT_TRUE(table.remove(4).has_value());
    ASSERT_TRUE(table.set_limit(5).has_value());
    for (int fd : {3, 5, 6, 7, 8, 9})
        EXPECT_NE(table.find(fd), nullptr) << fd;
    EXPECT_FALSE(table.full());
    EXPECT_EQ(install(table), 4);
    EXPECT_TRUE(table.full());
    EXPECT_EQ(error_of(table.install(description(), false)), EMFILE);
    ASSERT_TRUE(table.remove(9).has_value());
    EXPECT_TRUE(table.full()) << "9 is above the limit";
    EXPECT_EQ(error_of(table.install(description(), false)), EMFILE);
    // Descriptors above the limit can still be closed.
    ASSERT_TRUE(table.remove(8).has_value());
    EXPECT_EQ(table.open_count(), 5u);
}

TEST(FdTableTest, RemoveCloexecRemovesOnlyMarkedDescriptors) {
    FdTable table;
    auto kept = description();
    int a = table.install(description(), true).value();  // 3
    int b = table.install(kept, false).value();          // 4
    int c = table.install(description(), true).value();  // 5
    ASSERT_TRUE(table.install_at(9, description(), true).has_value());
    ASSERT_TRUE(table.install_at(8, kept, false).has_value());
    table.remove_cloexec();
    EXPECT_EQ(table.find(a), nullptr);
    EXPECT_EQ(table.find(c), nullptr);
    EXPECT_EQ(table.find(9), nullptr);
    ASSERT_NE(table.find(b), nullptr);
    EXPECT_EQ(table.find(b)->description, kept);
    ASSERT_NE(table.find(8), nullptr);
    EXPECT_EQ(table.open_count(), 2u);
    EXPECT_EQ(kept.use_count(), 3);
    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 5);
    EXPECT_EQ(install(table), 6);
    EXPECT_EQ(install(table), 7);
    EXPECT_EQ(install(table), 9);
}

TEST(FdTableTest, ClearEmptiesTheTable) {
    FdTable table;
    auto held = description();
    ASSERT_TRUE(table.install(held, false).has_value());
    ASSERT_TRUE(table.install_at(50, held, false).has_value());
    table.clear();
    EXPECT_EQ(table.open_count(), 0u);
    EXPECT_EQ(table.find(3), nullptr);
    EXPECT_EQ(table.find(50), nullptr);
    EXPECT_EQ(held.use_count(), 1);
    EXPECT_EQ(install(table), 3);
    EXPECT_EQ(install(table), 4);
}

TEST(FdTableTest, ACopySharesTheDescriptionsButNotTheTable) {
    FdTable parent;
    auto shared = description();
    int fd = parent.install(shared, true).value();
    install(parent);  // 4

    FdTable child = parent;
    ASSERT_NE(child.find(fd), nullptr);
    EXPECT_EQ(child.find(fd)->description, shared) << "the same open file description";
    EXPECT_TRUE(child.find(fd)->cloexec);
    EXPECT_EQ(child.find(4)->description, parent.find(4)->description);
    EXPECT_EQ(shared.use_count(), 3);
    EXPECT_EQ(child.open_count(), 2u);

    ASSERT_TRUE(child.remove(fd).has_value());
    EXPECT_NE(parent.find(fd), nullptr) << "closing in the copy leaves the original";
    EXPECT_EQ(install(child), fd);
    EXPECT_NE(child.find(fd)->description, shared);
    EXPECT_EQ(install(parent), 5);
    EXPECT_EQ(child.find(5), nullptr);
    child.find(4)->cloexec = true;
    EXPECT_FALSE(parent.find(4)->cloexec) << "descriptor flags are per table";
}

TEST(FdTableTest, AMillionDescriptorsInstallAndRemoveQuickly) {
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    FdTable table;
    ASSERT_TRUE(table.set_limit(FdTable::kMaxLimit).has_value());  // as setrlimit raises it
    auto shared = description();
    constexpr int kCount = 1'000'000;
    for (int i = 0; i < kCount; ++i) {
        Result<int> fd = table.install(shared, false);
        ASSERT_TRUE(fd.has_value()) << i;
        ASSERT_EQ(*fd, FdTable::kFirstFd + i);
    }
    EXPECT_EQ(table.open_count(), static_cast<std::size_t>(kCount));
    // Close every even descriptor, then the lowest free one is 4.
    for (int fd = 4; fd < FdTable::kFirstFd + kCount; fd += 2)
        ASSERT_TRUE(table.remove(fd).has_value()) << fd;
    EXPECT_EQ(install(table), 4);
    EXPECT_EQ(install(table, false, 500'001), 500'002);
    // Fill up to the default limit (Linux's nr_open, 1 << 20).
    while (!table.full())
        ASSERT_TRUE(table.install(shared, false).has_value());
    EXPECT_EQ(table.open_count(), FdTable::kMaxLimit - FdTable::kFirstFd);
    EXPECT_EQ(error_of(table.install(shared, false)), EMFILE);
    for (int fd = FdTable::kFirstFd; fd < static_cast<int>(FdTable::kMaxLimit); ++fd)
        ASSERT_TRUE(table.remove(fd).has_value()) << fd;
    EXPECT_EQ(table.open_count(), 0u);
    EXPECT_EQ(shared.use_count(), 1);
    EXPECT_EQ(install(table), 3);
    auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_LT(seconds, 30.0) << "lowest-free search must not scan the table";
}

}  // namespace
}  // namespace imfs::core
