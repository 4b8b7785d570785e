// POSIX behaviour that FUSE adapters commonly get wrong (issue 5's known
// pitfalls), checked with real system calls through the mount.
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fuse_test_support.hpp"

namespace imfs_fuse_test {
namespace {

using SemanticsTest = FuseTest;

struct stat stat_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
    return st;
}

void put(const std::string& path, const std::string& text, mode_t mode = 0644) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ASSERT_EQ(::close(fd), 0);
}

TEST_F(SemanticsTest, AnOpenFileWhoseNameIsGoneReportsNlinkZero) {
    const int fd = ::open(at("doomed").c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "abc", 3), 3);
    ASSERT_EQ(::unlink(at("doomed").c_str()), 0);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0) << std::strerror(errno);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(st.st_size, 3);
    char back[3];
    EXPECT_EQ(::pread(fd, back, 3, 0), 3);
    EXPECT_EQ(std::string(back, 3), "abc");
    EXPECT_EQ(::close(fd), 0);
}

TEST_F(SemanticsTest, HardLinksShowFreshNlinkModeOwnerAndCtimeThroughEveryName) {
    put(at("a"), "data");
    ASSERT_EQ(stat_of(at("a")).st_nlink, 1u);
    ASSERT_EQ(::link(at("a").c_str(), at("b").c_str()), 0);
    EXPECT_EQ(stat_of(at("a")).st_nlink, 2u);
    EXPECT_EQ(stat_of(at("b")).st_nlink, 2u);
    ASSERT_EQ(::link(at("b").c_str(), at("c").c_str()), 0);
    EXPECT_EQ(stat_of(at("a")).st_nlink, 3u);

    ASSERT_EQ(::chmod(at("b").c_str(), 0600), 0);
    EXPECT_EQ(stat_of(at("a")).st_mode & 07777, 0600u);
    ASSERT_EQ(::chown(at("c").c_str(), 1234, 5678), 0);
    EXPECT_EQ(stat_of(at("a")).st_uid, 1234u);
    EXPECT_EQ(stat_of(at("a")).st_gid, 5678u);

    const struct stat before = stat_of(at("a"));
    ::usleep(20'000);
    ASSERT_EQ(::rename(at("c").c_str(), at("d").c_str()), 0);
    const struct stat after = stat_of(at("a"));
    EXPECT_TRUE(after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
                (after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
                 after.st_ctim.tv_nsec > before.st_ctim.tv_nsec))
        << "rename changes the ctime seen through another name";

    ASSERT_EQ(::unlink(at("b").c_str()), 0);
    EXPECT_EQ(stat_of(at("a")).st_nlink, 2u);
    EXPECT_EQ(stat_of(at("d")).st_nlink, 2u);
    EXPECT_EQ(stat_of(at("a")).st_ino, stat_of(at("d")).st_ino);
}

TEST_F(SemanticsTest, MknodKeepsTheDeviceNumberOfCharacterAndBlockDevices) {
    ASSERT_EQ(::mknod(at("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0)
        << std::strerror(errno);
    ASSERT_EQ(::mknod(at("disk").c_str(), S_IFBLK | 0660, makedev(8, 17)), 0)
        << std::strerror(errno);
    ASSERT_EQ(::mkfifo(at("fifo").c_str(), 0644), 0);
    const struct stat chr = stat_of(at("null"));
    EXPECT_TRUE(S_ISCHR(chr.st_mode));
    EXPECT_EQ(major(chr.st_rdev), 1u);
    EXPECT_EQ(minor(chr.st_rdev), 3u);
    const struct stat blk = stat_of(at("disk"));
    EXPECT_TRUE(S_ISBLK(blk.st_mode));
    EXPECT_EQ(blk.st_rdev, makedev(8, 17));
    EXPECT_TRUE(S_ISFIFO(stat_of(at("fifo")).st_mode));
}

TEST_F(SemanticsTest, PathsUpToPathMaxBelowTheMountPointWork) {
    // Directories of 200-character names down to a file whose absolute path
    // (mount point included) is PATH_MAX - 1 bytes long.
    const std::string component(200, 'd');
    std::string path = mount_->mountpoint();
    int depth = 0;
    while (path.size() + 1 + component.size() + 2 < PATH_MAX - 1) {
        path += "/" + component;
        ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << path.size() << ": " << std::strerror(errno);
        ++depth;
    }
    const std::string file = path + "/" + std::string(PATH_MAX - 1 - path.size() - 1, 'f');
    ASSERT_EQ(file.size(), static_cast<size_t>(PATH_MAX - 1));
    put(file, "deep");
    EXPECT_EQ(stat_of(file).st_size, 4);
    EXPECT_GE(depth, 15);
    // One more byte is the kernel's ENAMETOOLONG, before FUSE is asked.
    EXPECT_EQ(::open((file + "x").c_str(), O_RDONLY), -1);
    EXPECT_EQ(errno, ENAMETOOLONG);
    auto removed = run_shell("rm -r " + component, mount_->mountpoint());
    EXPECT_EQ(removed.status, 0) << removed.output;
}

TEST_F(SemanticsTest, StatfsAnswersAsAFuseFileSystem) {
    struct statfs st {};
    ASSERT_EQ(::statfs(mount_->mountpoint().c_str(), &st), 0) << std::strerror(errno);
    EXPECT_EQ(st.f_type, static_cast<decltype(st.f_type)>(FUSE_SUPER_MAGIC));
    EXPECT_GT(st.f_blocks, 0u);
    EXPECT_GT(st.f_files, 0u);
    EXPECT_EQ(st.f_namelen, 255);
    auto df = run_shell("df -T . | tail -1", mount_->mountpoint());
    EXPECT_EQ(df.status, 0) << df.output;
    EXPECT_NE(df.output.find("fuse.imfs"), std::string::npos) << df.output;
}

TEST_F(SemanticsTest, RenameNoreplaceAndExchange) {
    put(at("x"), "x");
    put(at("y"), "yy");
    EXPECT_EQ(::renameat2(AT_FDCWD, at("x").c_str(), AT_FDCWD, at("y").c_str(), RENAME_NOREPLACE),
              -1);
    EXPECT_EQ(errno, EEXIST);
    ASSERT_EQ(::renameat2(AT_FDCWD, at("x").c_str(), AT_FDCWD, at("y").c_str(), RENAME_EXCHANGE), 0)
        << std::strerror(errno);
    EXPECT_EQ(stat_of(at("x")).st_size, 2);
    EXPECT_EQ(stat_of(at("y")).st_size, 1);
    ASSERT_EQ(::renameat2(AT_FDCWD, at("x").c_str(), AT_FDCWD, at("z").c_str(), RENAME_NOREPLACE),
              0);
    EXPECT_EQ(::access(at("x").c_str(), F_OK), -1);
    EXPECT_EQ(stat_of(at("z")).st_size, 2);
}

TEST_F(SemanticsTest, OpenFlagsReachImfs) {
    put(at("log"), "one\n");
    const int appender = ::open(at("log").c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(appender, 0);
    const int other = ::open(at("log").c_str(), O_WRONLY);
    ASSERT_GE(other, 0);
    ASSERT_EQ(::pwrite(other, "XXXX", 4, 0), 4);  // same length: size unchanged
    ASSERT_EQ(::write(appender, "two\n", 4), 4);  // at the end, whatever the offset
    EXPECT_EQ(stat_of(at("log")).st_size, 8);
    ::close(other);
    ::close(appender);
    const int truncating = ::open(at("log").c_str(), O_WRONLY | O_TRUNC);
    ASSERT_GE(truncating, 0);
    EXPECT_EQ(stat_of(at("log")).st_size, 0);
    ::close(truncating);
    EXPECT_EQ(::open(at("log").c_str(), O_RDONLY | O_DIRECTORY), -1);
    EXPECT_EQ(errno, ENOTDIR);
    EXPECT_EQ(::open(at("log").c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644), -1);
    EXPECT_EQ(errno, EEXIST);
}

TEST_F(SemanticsTest, SeekDataAndHoleAndFallocate) {
    const int fd = ::open(at("sparse").c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "x", 1, 1 << 20), 1);
    EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 1 << 20);
    EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 0);
    EXPECT_EQ(::lseek(fd, (1 << 20) + 1, SEEK_DATA), -1);
    EXPECT_EQ(errno, ENXIO);
    // Allocated but never written stays a hole to SEEK_DATA, as on tmpfs.
    ASSERT_EQ(::fallocate(fd, 0, 0, 8192), 0) << std::strerror(errno);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_EQ(st.st_size, (1 << 20) + 1);
    EXPECT_GE(st.st_blocks, 16);
    ::close(fd);
}

TEST_F(SemanticsTest, TimestampsSetWithUtimensNowAndOmit) {
    put(at("t"), "t");
    const timespec set[2] = {{1'000'000, 5}, {2'000'000, 7}};
    ASSERT_EQ(::utimensat(AT_FDCWD, at("t").c_str(), set, 0), 0);
    struct stat st = stat_of(at("t"));
    EXPECT_EQ(st.st_atim.tv_sec, 1'000'000);
    EXPECT_EQ(st.st_atim.tv_nsec, 5);
    EXPECT_EQ(st.st_mtim.tv_sec, 2'000'000);
    const timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    ASSERT_EQ(::utimensat(AT_FDCWD, at("t").c_str(), now_omit, 0), 0);
    st = stat_of(at("t"));
    EXPECT_GT(st.st_atim.tv_sec, 1'000'000);
    EXPECT_EQ(st.st_mtim.tv_sec, 2'000'000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 7);
}

// ---- Other users: their credentials reach IMFS's permission checks.

int write_fails_with_eacces(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd >= 0) return 1;
    return errno == EACCES ? 0 : 2;
}

int create_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return errno == EACCES ? 3 : 4;
    return ::close(fd) == 0 ? 0 : 5;
}

int append_byte(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
    if (fd < 0) return 10 + (errno & 0x3f);
    const ssize_t n = ::write(fd, "x", 1);
    const int error = errno;
    ::close(fd);
    return n == 1 ? 0 : 100 + (error & 0x3f);
}

TEST_F(SemanticsTest, CallersCredentialsReachImfsPermissionChecks) {
    put(at("roots"), "private", 0644);
    ASSERT_EQ(::chmod(mount_->mountpoint().c_str(), 0755), 0);
    EXPECT_EQ(run_as(1000, 1000, write_fails_with_eacces, at("roots")), 0);
    EXPECT_EQ(run_as(1000, 1000, create_file, at("mine")), 3) << "root's 0755 directory";
    ASSERT_EQ(::mkdir(at("shared").c_str(), 01777), 0);
    ASSERT_EQ(::chmod(at("shared").c_str(), 01777), 0);
    EXPECT_EQ(run_as(1000, 1001, create_file, at("shared/mine")), 0);
    const struct stat st = stat_of(at("shared/mine"));
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1001u);
    // Two users at once, many times: neither sees the other's identity.
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(run_as(1000, 1000, write_fails_with_eacces, at("roots")), 0);
        EXPECT_EQ(run_as(1002, 1002, create_file, at("shared/other" + std::to_string(i))), 0);
    }
    EXPECT_EQ(stat_of(at("shared/other7")).st_uid, 1002u);
}

TEST_F(SemanticsTest, AWriteByAnotherUserDropsSetuidInsteadOfFailing) {
    // libfuse 3.14 does not negotiate HANDLE_KILLPRIV: the kernel strips the
    // set-user-ID bit with a chmod in the writer's name, which IMFS would
    // refuse to a non-owner.
    put(at("tool"), "binary", 0644);
    ASSERT_EQ(::chmod(at("tool").c_str(), 04777), 0);
    EXPECT_EQ(run_as(1000, 1000, append_byte, at("tool")), 0);
    const struct stat st = stat_of(at("tool"));
    EXPECT_EQ(st.st_size, 7);
    EXPECT_EQ(st.st_mode & 07777, 0777u);
}

class ReadOnlyTest : public FuseTest {
    std::vector<std::string> mount_args() const override { return {"--read-only"}; }
};

TEST_F(ReadOnlyTest, WritesFailWithErofs) {
    EXPECT_EQ(::mkdir(at("d").c_str(), 0755), -1);
    EXPECT_EQ(errno, EROFS);
    EXPECT_EQ(::open(at("f").c_str(), O_WRONLY | O_CREAT, 0644), -1);
    EXPECT_EQ(errno, EROFS);
    struct stat st {};
    EXPECT_EQ(::stat(mount_->mountpoint().c_str(), &st), 0);
}

}  // namespace
}  // namespace imfs_fuse_test
