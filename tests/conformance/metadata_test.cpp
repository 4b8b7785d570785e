// Metadata calls as root: stat family, access, chmod, chown, utimensat,
// statvfs, umask. (Unprivileged cases: permissions_test.cpp.)
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Metadata);

TEST_P(Metadata, StatFollowsSymlinksLstatDoesNot) {
    auto& b = be();
    write_file(b, "f", "12345");
    ASSERT_OK(b.symlink("f", "link"));
    ASSERT_OK(b.mkdir("d", 0755));
    const struct stat st = stat_of(b, "link");
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 5);
    const struct stat lst = lstat_of(b, "link");
    EXPECT_TRUE(S_ISLNK(lst.st_mode));
    EXPECT_EQ(lst.st_mode & 07777, 0777u);
    EXPECT_EQ(lst.st_size, 1);
    EXPECT_EQ(lst.st_nlink, 1u);
    const struct stat dst = lstat_of(b, "d");
    EXPECT_TRUE(S_ISDIR(dst.st_mode));
    EXPECT_EQ(dst.st_nlink, 2u);
    EXPECT_EQ(dst.st_mode & 07777, 0755u);
    EXPECT_EQ(stat_of(b, "f").st_ino, lstat_of(b, "f").st_ino);
    EXPECT_EQ(stat_of(b, "link").st_ino, lstat_of(b, "f").st_ino);
    EXPECT_NE(lstat_of(b, "link").st_ino, lstat_of(b, "f").st_ino);
    EXPECT_EQ(stat_of(b, "d/.").st_ino, dst.st_ino);
    EXPECT_EQ(stat_of(b, "d/..").st_ino, stat_of(b, ".").st_ino);
}

TEST_P(Metadata, StatErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("loop", "loop"));
    ASSERT_OK(b.symlink("missing", "dangling"));
    struct stat st;
    for (auto* call : {+[](Backend&be, const char*p, struct stat*s) { return be.stat(p, s); },
                       +[](Backend&be, const char*p, struct stat*s) { return be.lstat(p, s); }}) {
        EXPECT_ERRNO(call(b, "missing", &st), ENOENT);
        EXPECT_ERRNO(call(b, "", &st), ENOENT);
        EXPECT_ERRNO(call(b, "f/x", &st), ENOTDIR);
        EXPECT_ERRNO(call(b, "f/", &st), ENOTDIR);
        EXPECT_ERRNO(call(b, "loop/x", &st), ELOOP);
        EXPECT_ERRNO(call(b, "dangling/x", &st), ENOENT);
        EXPECT_ERRNO(call(b, null(), &st), EFAULT);
        EXPECT_ERRNO(call(b, "f", null<struct stat>()), EFAULT);
    }
    EXPECT_ERRNO(b.stat("loop", &st), ELOOP);
    EXPECT_ERRNO(b.stat("dangling", &st), ENOENT);
    EXPECT_OK(b.lstat("loop", &st));
    EXPECT_OK(b.lstat("dangling", &st));
    EXPECT_ERRNO(b.fstat(-1, &st), EBADF);
    EXPECT_ERRNO(b.fstat(4000, &st), EBADF);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_ERRNO(b.fstat(fd, null<struct stat>()), EFAULT);
    EXPECT_OK(b.close(fd));
}

TEST_P(Metadata, FstatatFlags) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/f", "abc");
    ASSERT_OK(b.symlink("f", "d/link"));
    write_file(b, "file", "x");
    int dfd, filefd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    ASSERT_OK(filefd = b.open("file", O_RDONLY));
    struct stat st;
    EXPECT_OK(b.fstatat(dfd, "link", &st, 0));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_OK(b.fstatat(dfd, "link", &st, AT_SYMLINK_NOFOLLOW));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_OK(b.fstatat(dfd, "", &st, AT_EMPTY_PATH));
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_OK(b.fstatat(filefd, "", &st, AT_EMPTY_PATH));
    EXPECT_EQ(st.st_size, 1);
    EXPECT_OK(b.fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
    EXPECT_EQ(st.st_ino, stat_of(b, ".").st_ino);
    EXPECT_OK(b.fstatat(AT_FDCWD, "d/f", &st, 0));
    EXPECT_EQ(st.st_size, 3);
    EXPECT_ERRNO(b.fstatat(dfd, "", &st, 0), ENOENT);
    EXPECT_ERRNO(b.fstatat(dfd, "f", &st, 0x40000000), EINVAL);
    EXPECT_ERRNO(b.fstatat(filefd, "x", &st, 0), ENOTDIR);
    EXPECT_ERRNO(b.fstatat(-1, "f", &st, 0), EBADF);
    EXPECT_ERRNO(b.fstatat(4000, "", &st, AT_EMPTY_PATH), EBADF);
    EXPECT_OK(b.close(dfd));
    EXPECT_OK(b.close(filefd));
}

TEST_P(Metadata, AccessAsRoot) {
    auto& b = be();
    write_file(b, "none", "x", 0);
    ASSERT_OK(b.chmod("none", 0));
    write_file(b, "plain", "x", 0644);
    write_file(b, "exec", "x", 0744);
    write_file(b, "other_exec", "x", 0601);
    ASSERT_OK(b.mkdir("closed", 0));
    ASSERT_OK(b.symlink("missing", "dangling"));
    EXPECT_OK(b.access("none", F_OK));
    EXPECT_OK(b.access("none", R_OK | W_OK));
    EXPECT_ERRNO(b.access("none", X_OK), EACCES);
    EXPECT_ERRNO(b.access("plain", X_OK), EACCES);
    EXPECT_OK(b.access("exec", X_OK));
    EXPECT_OK(b.access("other_exec", R_OK | W_OK | X_OK));
    EXPECT_OK(b.access("closed", R_OK | W_OK | X_OK));
    EXPECT_ERRNO(b.access("missing", F_OK), ENOENT);
    EXPECT_ERRNO(b.access("dangling", F_OK), ENOENT);
    EXPECT_ERRNO(b.access("plain/x", F_OK), ENOTDIR);
    EXPECT_ERRNO(b.access("plain", 0100), EINVAL);
    EXPECT_ERRNO(b.access(null(), F_OK), EFAULT);
    EXPECT_OK(b.faccessat(AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    EXPECT_OK(b.faccessat(AT_FDCWD, "exec", X_OK, AT_EACCESS));
    EXPECT_ERRNO(b.faccessat(AT_FDCWD, "plain", F_OK, 0x40000000), EINVAL);
    int dfd;
    ASSERT_OK(dfd = b.open(".", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.faccessat(dfd, "plain", R_OK, 0));
    EXPECT_ERRNO(b.faccessat(dfd, "missing", R_OK, 0), ENOENT);
    EXPECT_ERRNO(b.faccessat(-1, "plain", R_OK, 0), EBADF);
    EXPECT_OK(b.close(dfd));
}

TEST_P(Metadata, ChmodFamily) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("f", "link"));
    ASSERT_OK(b.mkdir("d", 0755));
    EXPECT_OK(b.chmod("f", 0600));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0600u);
    // Follows symlinks; the link keeps 0777.
    EXPECT_OK(b.chmod("link", 0640));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0640u);
    EXPECT_EQ(lstat_of(b, "link").st_mode, S_IFLNK | 0777u);
    // All twelve bits are kept; file-type bits in the argument are ignored.
    EXPECT_OK(b.chmod("f", 07777));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 07777u);
    EXPECT_OK(b.chmod("f", S_IFDIR | 0644));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0644u);
    EXPECT_OK(b.chmod("d", 01777));
    EXPECT_EQ(lstat_of(b, "d").st_mode, S_IFDIR | 01777u);
    EXPECT_OK(b.chmod("d/", 0700));
    EXPECT_EQ(lstat_of(b, "d").st_mode, S_IFDIR | 0700u);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_OK(b.fchmod(fd, 0604));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0604u);
    EXPECT_OK(b.fchmodat(AT_FDCWD, "link", 0600, 0));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0600u);
    EXPECT_OK(b.fchmodat(AT_FDCWD, "f", 0644, AT_SYMLINK_NOFOLLOW));
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0644u);
    EXPECT_ERRNO(b.fchmodat(AT_FDCWD, "link", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
    EXPECT_ERRNO(b.fchmodat(AT_FDCWD, "f", 0600, 0x40000000), EINVAL);
    EXPECT_ERRNO(b.fchmodat(fd, "x", 0600, 0), ENOTDIR);
    EXPECT_ERRNO(b.chmod("missing", 0600), ENOENT);
    EXPECT_ERRNO(b.chmod("f/x", 0600), ENOTDIR);
    EXPECT_ERRNO(b.chmod("", 0600), ENOENT);
    EXPECT_ERRNO(b.chmod(null(), 0600), EFAULT);
    EXPECT_ERRNO(b.fchmod(-1, 0600), EBADF);
    EXPECT_ERRNO(b.fchmod(4000, 0600), EBADF);
    EXPECT_EQ(lstat_of(b, "f").st_mode, S_IFREG | 0644u);
    EXPECT_OK(b.close(fd));
}

TEST_P(Metadata, ChownFamilyAsRoot) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("f", "link"));
    EXPECT_OK(b.chown("f", 1001, 2001));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 1001u);
    EXPECT_EQ(lstat_of(b, "f").st_gid, 2001u);
    EXPECT_OK(b.chown("f", static_cast<uid_t>(-1), 2002));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 1001u);
    EXPECT_EQ(lstat_of(b, "f").st_gid, 2002u);
    EXPECT_OK(b.chown("f", 1003, static_cast<gid_t>(-1)));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 1003u);
    EXPECT_EQ(lstat_of(b, "f").st_gid, 2002u);
    // chown follows the link, lchown changes the link itself.
    EXPECT_OK(b.chown("link", 5, 6));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 5u);
    EXPECT_EQ(lstat_of(b, "link").st_uid, 0u);
    EXPECT_OK(b.lchown("link", 7, 8));
    EXPECT_EQ(lstat_of(b, "link").st_uid, 7u);
    EXPECT_EQ(lstat_of(b, "link").st_gid, 8u);
    EXPECT_EQ(lstat_of(b, "f").st_uid, 5u);
    EXPECT_OK(b.fchownat(AT_FDCWD, "link", 9, 9, AT_SYMLINK_NOFOLLOW));
    EXPECT_EQ(lstat_of(b, "link").st_uid, 9u);
    EXPECT_OK(b.fchownat(AT_FDCWD, "link", 10, 10, 0));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 10u);
    int fd, path_fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_OK(b.fchown(fd, 11, 12));
    EXPECT_EQ(lstat_of(b, "f").st_uid, 11u);
    ASSERT_OK(path_fd = b.open("link", O_PATH | O_NOFOLLOW));
    EXPECT_OK(b.fchownat(path_fd, "", 13, 14, AT_EMPTY_PATH));
    EXPECT_EQ(lstat_of(b, "link").st_uid, 13u);
    EXPECT_ERRNO(b.fchownat(AT_FDCWD, "f", 0, 0, 0x40000000), EINVAL);
    EXPECT_ERRNO(b.fchownat(fd, "x", 0, 0, 0), ENOTDIR);
    EXPECT_ERRNO(b.chown("missing", 0, 0), ENOENT);
    EXPECT_ERRNO(b.lchown("missing", 0, 0), ENOENT);
    EXPECT_ERRNO(b.chown("f/x", 0, 0), ENOTDIR);
    EXPECT_ERRNO(b.chown(null(), 0, 0), EFAULT);
    EXPECT_ERRNO(b.fchown(-1, 0, 0), EBADF);
    EXPECT_OK(b.close(fd));
    EXPECT_OK(b.close(path_fd));
}

TEST_P(Metadata, ChownClearsSetuidAndSetgid) {
    auto& b = be();
    write_file(b, "suid", "x");
    ASSERT_OK(b.chmod("suid", 06755));
    EXPECT_OK(b.chown("suid", 1001, 1001));
    EXPECT_EQ(lstat_of(b, "suid").st_mode & 07777, 0755u);
    // Even when nothing changes, even for root.
    ASSERT_OK(b.chmod("suid", 06755));
    EXPECT_OK(b.chown("suid", static_cast<uid_t>(-1), static_cast<gid_t>(-1)));
    EXPECT_EQ(lstat_of(b, "suid").st_mode & 07777, 0755u);
    // Setgid without group execute is not a privilege (it marks locking): kept.
    write_file(b, "sgid", "x");
    ASSERT_OK(b.chmod("sgid", 02745));
    EXPECT_OK(b.chown("sgid", 1001, 1001));
    EXPECT_EQ(lstat_of(b, "sgid").st_mode & 07777, 02745u);
    // Directories keep their bits.
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.chmod("d", 02755));
    EXPECT_OK(b.chown("d", 1001, 1001));
    EXPECT_EQ(lstat_of(b, "d").st_mode & 07777, 02755u);
}

timespec ts(time_t sec, long nsec) {
    return timespec{sec, nsec};
}

TEST_P(Metadata, UtimensatSetsTimes) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("f", "link"));
    const timespec times[2] = {ts(1000000000, 123456789), ts(1200000000, 987654321)};
    EXPECT_OK(b.utimensat(AT_FDCWD, "f", times, 0));
    struct stat st = lstat_of(b, "f");
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
    EXPECT_EQ(st.st_atim.tv_nsec, 123456789);
    EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 987654321);
    // UTIME_OMIT keeps one, UTIME_NOW takes the current time.
    const timespec omit_now[2] = {ts(0, UTIME_OMIT), ts(0, UTIME_NOW)};
    EXPECT_OK(b.utimensat(AT_FDCWD, "link", omit_now, 0));
    st = lstat_of(b, "f");
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
    EXPECT_GT(st.st_mtim.tv_sec, 1600000000);
    // A symlink's own times, with AT_SYMLINK_NOFOLLOW.
    EXPECT_OK(b.utimensat(AT_FDCWD, "link", times, AT_SYMLINK_NOFOLLOW));
    EXPECT_EQ(lstat_of(b, "link").st_mtim.tv_sec, 1200000000);
    EXPECT_GT(lstat_of(b, "f").st_mtim.tv_sec, 1600000000);
    // NULL sets both to now.
    EXPECT_OK(b.utimensat(AT_FDCWD, "f", nullptr, 0));
    EXPECT_GT(lstat_of(b, "f").st_atim.tv_sec, 1600000000);
    // Times before the epoch are allowed.
    const timespec old[2] = {ts(-100, 0), ts(0, 0)};
    EXPECT_OK(b.utimensat(AT_FDCWD, "f", old, 0));
    EXPECT_EQ(lstat_of(b, "f").st_atim.tv_sec, -100);
    EXPECT_EQ(lstat_of(b, "f").st_mtim.tv_sec, 0);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_OK(b.futimens(fd, times));
    EXPECT_EQ(lstat_of(b, "f").st_mtim.tv_sec, 1200000000);
    EXPECT_OK(b.futimens(fd, nullptr));
    EXPECT_GT(lstat_of(b, "f").st_mtim.tv_sec, 1600000000);
    EXPECT_OK(b.close(fd));
}

// tmpfs keeps any 64-bit second. IMFS holds times from 1677 to 2262 in
// 64-bit nanoseconds and others apart: both kinds, the edges between them,
// a second before the epoch with a nanosecond (floor division), and a near
// time set while the other is far.
TEST_P(Metadata, UtimensatKeepsTimesFarFromNowAndAtTheEdges) {
    auto& b = be();
    write_file(b, "f", "x");
    const auto check = [&b](const timespec(&times)[2]) {
        ASSERT_OK(b.utimensat(AT_FDCWD, "f", times, 0));
        const struct stat st = lstat_of(b, "f");
        EXPECT_EQ(st.st_atim.tv_sec, times[0].tv_sec);
        EXPECT_EQ(st.st_atim.tv_nsec, times[0].tv_nsec);
        EXPECT_EQ(st.st_mtim.tv_sec, times[1].tv_sec);
        EXPECT_EQ(st.st_mtim.tv_nsec, times[1].tv_nsec);
    };
    check({ts(-1, 999999999), ts(-2, 1)});
    check({ts(9223372035, 999999999), ts(-9223372035, 0)});    // the last near ones
    check({ts(9223372036, 0), ts(-9223372036, 999999999)});    // the first far ones
    check({ts(-30000000000, 123456789), ts(40000000000, 5)});  // years 1019 and 3237
    check({ts(40000000000, 5), ts(1200000000, 987654321)});    // one far, one near
    check({ts(1000000000, 1), ts(1200000000, 2)});             // both near again
    const timespec omit_far[2] = {ts(0, UTIME_OMIT), ts(-40000000000, 7)};
    ASSERT_OK(b.utimensat(AT_FDCWD, "f", omit_far, 0));
    const struct stat st = lstat_of(b, "f");
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
    EXPECT_EQ(st.st_atim.tv_nsec, 1);
    EXPECT_EQ(st.st_mtim.tv_sec, -40000000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 7);
}

TEST_P(Metadata, UtimensatErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    const timespec bad_nsec[2] = {ts(0, 1000000000), ts(0, 0)};
    const timespec negative_nsec[2] = {ts(0, 0), ts(0, -1)};
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "f", bad_nsec, 0), EINVAL);
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "f", negative_nsec, 0), EINVAL);
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "f", nullptr, 0x40000000), EINVAL);
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "missing", nullptr, 0), ENOENT);
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "f/x", nullptr, 0), ENOTDIR);
    EXPECT_ERRNO(b.utimensat(AT_FDCWD, "", nullptr, 0), ENOENT);
    EXPECT_ERRNO(b.utimensat(-1, "f", nullptr, 0), EBADF);
    EXPECT_ERRNO(b.futimens(-1, nullptr), EBADF);
    EXPECT_ERRNO(b.futimens(4000, nullptr), EBADF);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_ERRNO(b.futimens(fd, bad_nsec), EINVAL);
    EXPECT_OK(b.close(fd));
}

TEST_P(Metadata, Statvfs) {
    auto& b = be();
    write_file(b, "f", "x");
    struct statvfs vfs {};
    EXPECT_OK(b.statvfs(".", &vfs));
    EXPECT_EQ(vfs.f_namemax, 255u);
    EXPECT_GT(vfs.f_bsize, 0u);
    EXPECT_LE(vfs.f_bfree, vfs.f_blocks);
    EXPECT_LE(vfs.f_bavail, vfs.f_bfree);
    EXPECT_OK(b.statvfs("f", &vfs));
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    struct statvfs by_fd {};
    EXPECT_OK(b.fstatvfs(fd, &by_fd));
    EXPECT_EQ(by_fd.f_namemax, 255u);
    EXPECT_EQ(by_fd.f_bsize, vfs.f_bsize);
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.statvfs("missing", &vfs), ENOENT);
    EXPECT_ERRNO(b.statvfs("f/x", &vfs), ENOTDIR);
    EXPECT_ERRNO(b.fstatvfs(-1, &vfs), EBADF);
    EXPECT_ERRNO(b.fstatvfs(4000, &vfs), EBADF);
}

TEST_P(Metadata, UmaskAppliesToCreatedNodes) {
    auto& b = be();
    EXPECT_EQ(b.umask(027), 022u);
    EXPECT_EQ(b.umask(077), 027u);
    int fd;
    ASSERT_OK(fd = b.open("file", O_CREAT | O_WRONLY, 0666));
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(lstat_of(b, "file").st_mode & 07777, 0600u);
    ASSERT_OK(b.mkdir("dir", 0777));
    EXPECT_EQ(lstat_of(b, "dir").st_mode & 07777, 0700u);
    ASSERT_OK(b.mknod("node", S_IFREG | 0666, 0));
    EXPECT_EQ(lstat_of(b, "node").st_mode, S_IFREG | 0600u);
    ASSERT_OK(b.mkfifo("fifo", 0666));
    EXPECT_EQ(lstat_of(b, "fifo").st_mode, S_IFIFO | 0600u);
    ASSERT_OK(b.mknod("chr", S_IFCHR | 0666, makedev(1, 3)));
    EXPECT_EQ(lstat_of(b, "chr").st_mode, S_IFCHR | 0600u);
    int created;
    ASSERT_OK(created = b.creat("creat", 0666));
    EXPECT_OK(b.close(created));
    EXPECT_EQ(lstat_of(b, "creat").st_mode & 07777, 0600u);
    // Symlinks are always 0777.
    ASSERT_OK(b.symlink("file", "link"));
    EXPECT_EQ(lstat_of(b, "link").st_mode, S_IFLNK | 0777u);
    // Only the permission bits of the argument count.
    EXPECT_EQ(b.umask(0777 | S_IFREG | S_ISUID), 077u);
    EXPECT_EQ(b.umask(022), 0777u);
    ASSERT_OK(b.mkdir("sticky", 07777));
    EXPECT_EQ(lstat_of(b, "sticky").st_mode & 07777, 01755u);
    // chmod ignores the umask.
    EXPECT_OK(b.chmod("file", 0666));
    EXPECT_EQ(lstat_of(b, "file").st_mode & 07777, 0666u);
}

}  // namespace
}  // namespace conformance
