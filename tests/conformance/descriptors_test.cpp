// Descriptors: dup family, fcntl, the lowest-free rule, O_PATH, reopen and
// the descriptor limit.
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Descriptors);

constexpr int kStatusFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_PATH;

TEST_P(Descriptors, LowestFreeDescriptorIsUsed) {
    auto& b = be();
    write_file(b, "f", "x");
    int a, c, d, e;
    ASSERT_OK(a = b.open("f", O_RDONLY));
    ASSERT_OK(c = b.open("f", O_RDONLY));
    ASSERT_OK(d = b.open("f", O_RDONLY));
    EXPECT_GT(c, a);
    EXPECT_GT(d, c);
    EXPECT_OK(b.close(c));
    ASSERT_OK(e = b.open("f", O_RDONLY));
    EXPECT_EQ(e, c);
    EXPECT_OK(b.close(a));
    EXPECT_OK(b.close(c));
    EXPECT_EQ(b.dup(d), a);
    EXPECT_EQ(b.fcntl(d, F_DUPFD, 0), c);
    EXPECT_OK(b.close(a));
    EXPECT_OK(b.close(c));
    EXPECT_OK(b.close(d));
}

TEST_P(Descriptors, DupSharesOffsetAndStatusFlags) {
    auto& b = be();
    write_file(b, "f", "0123456789");
    int fd, copy;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    ASSERT_OK(copy = b.dup(fd));
    EXPECT_NE(copy, fd);
    char buf[4];
    EXPECT_EQ(b.read(fd, buf, 3), 3);
    EXPECT_EQ(b.lseek(copy, 0, SEEK_CUR), 3);
    EXPECT_EQ(b.read(copy, buf, 2), 2);
    EXPECT_EQ(std::string(buf, 2), "34");
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 5);
    EXPECT_OK(b.fcntl(copy, F_SETFL, O_APPEND));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_RDWR | O_APPEND);
    EXPECT_EQ(b.write(fd, "A", 1), 1);
    EXPECT_EQ(b.lseek(copy, 0, SEEK_CUR), 11);
    // Closing one leaves the other working.
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(b.pread(copy, buf, 1, 10), 1);
    EXPECT_EQ(buf[0], 'A');
    EXPECT_OK(b.close(copy));
    // Two opens are two descriptions: offsets are separate.
    int x, y;
    ASSERT_OK(x = b.open("f", O_RDONLY));
    ASSERT_OK(y = b.open("f", O_RDONLY));
    EXPECT_EQ(b.read(x, buf, 4), 4);
    EXPECT_EQ(b.lseek(y, 0, SEEK_CUR), 0);
    EXPECT_OK(b.close(x));
    EXPECT_OK(b.close(y));
}

TEST_P(Descriptors, Dup2AndDup3) {
    auto& b = be();
    write_file(b, "f", "abc");
    write_file(b, "g", "xyz");
    int f, g, high = 100;
    ASSERT_OK(f = b.open("f", O_RDONLY));
    ASSERT_OK(g = b.open("g", O_RDONLY));
    EXPECT_EQ(b.dup2(f, high), high);
    char c;
    EXPECT_EQ(b.read(high, &c, 1), 1);
    EXPECT_EQ(c, 'a');
    // dup2 onto an open descriptor closes it first.
    EXPECT_EQ(b.dup2(g, high), high);
    EXPECT_EQ(b.read(high, &c, 1), 1);
    EXPECT_EQ(c, 'x');
    EXPECT_EQ(b.dup2(f, f), f);  // does nothing
    EXPECT_ERRNO(b.dup2(-1, high), EBADF);
    EXPECT_ERRNO(b.dup2(4000, high), EBADF);
    EXPECT_ERRNO(b.dup2(f, -1), EBADF);
    EXPECT_ERRNO(b.dup2(4000, 4000), EBADF);
    EXPECT_EQ(b.fcntl(high, F_GETFD), 0);
    EXPECT_EQ(b.dup3(f, high, O_CLOEXEC), high);
    EXPECT_EQ(b.fcntl(high, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(b.dup3(f, high, 0), high);
    EXPECT_EQ(b.fcntl(high, F_GETFD), 0);
    EXPECT_ERRNO(b.dup3(f, f, 0), EINVAL);
    EXPECT_ERRNO(b.dup3(f, high, O_APPEND), EINVAL);
    EXPECT_ERRNO(b.dup3(-1, high, 0), EBADF);
    EXPECT_ERRNO(b.dup(-1), EBADF);
    EXPECT_ERRNO(b.dup(4000), EBADF);
    EXPECT_OK(b.close(high));
    EXPECT_OK(b.close(f));
    EXPECT_OK(b.close(g));
}

TEST_P(Descriptors, CloseOnExecFlag) {
    auto& b = be();
    write_file(b, "f", "x");
    int fd, copy;
    ASSERT_OK(fd = b.open("f", O_RDONLY | O_CLOEXEC));
    EXPECT_EQ(b.fcntl(fd, F_GETFD), FD_CLOEXEC);
    ASSERT_OK(copy = b.dup(fd));
    EXPECT_EQ(b.fcntl(copy, F_GETFD), 0);  // descriptor flags are not shared
    EXPECT_OK(b.fcntl(fd, F_SETFD, 0));
    EXPECT_EQ(b.fcntl(fd, F_GETFD), 0);
    EXPECT_OK(b.fcntl(copy, F_SETFD, FD_CLOEXEC));
    EXPECT_EQ(b.fcntl(copy, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(b.fcntl(fd, F_GETFD), 0);
    EXPECT_OK(b.close(copy));
    int dup_cloexec;
    ASSERT_OK(dup_cloexec = b.fcntl(fd, F_DUPFD_CLOEXEC, 50));
    EXPECT_GE(dup_cloexec, 50);
    EXPECT_EQ(b.fcntl(dup_cloexec, F_GETFD), FD_CLOEXEC);
    int dup_plain;
    ASSERT_OK(dup_plain = b.fcntl(fd, F_DUPFD, 50));
    EXPECT_GT(dup_plain, 50);
    EXPECT_EQ(b.fcntl(dup_plain, F_GETFD), 0);
    EXPECT_ERRNO(b.fcntl(fd, F_DUPFD, -1), EINVAL);
    EXPECT_OK(b.close(dup_cloexec));
    EXPECT_OK(b.close(dup_plain));
    EXPECT_OK(b.close(fd));
}

TEST_P(Descriptors, StatusFlags) {
    auto& b = be();
    write_file(b, "f", "x");
    int fd;
    ASSERT_OK(fd = b.open("f", O_WRONLY | O_APPEND));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_WRONLY | O_APPEND);
    EXPECT_OK(b.fcntl(fd, F_SETFL, O_NONBLOCK));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_WRONLY | O_NONBLOCK);
    // The access mode and creation flags cannot be changed.
    EXPECT_OK(b.fcntl(fd, F_SETFL, O_RDWR | O_TRUNC | O_CREAT | O_APPEND));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & (kStatusFlags | O_TRUNC | O_CREAT), O_WRONLY | O_APPEND);
    EXPECT_EQ(lstat_of(b, "f").st_size, 1);
    char c;
    EXPECT_ERRNO(b.read(fd, &c, 1), EBADF);
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.open("f", O_RDWR));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_RDWR);
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_RDONLY);
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.fcntl(-1, F_GETFL), EBADF);
    EXPECT_ERRNO(b.fcntl(4000, F_GETFD), EBADF);
    EXPECT_ERRNO(b.fcntl(fd, F_SETFD, 0), EBADF);
}

TEST_P(Descriptors, OPathDescriptors) {
    auto& b = be();
    write_file(b, "f", "data");
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/inner", "in");
    int fd, dfd;
    ASSERT_OK(fd = b.open("f", O_PATH));
    ASSERT_OK(dfd = b.open("d", O_PATH | O_DIRECTORY));
    // What works: fstat, *at calls relative to it, fcntl F_GETFL/F_GETFD,
    // dup, fchdir, AT_EMPTY_PATH, close.
    EXPECT_TRUE(S_ISREG(fstat_of(b, fd).st_mode));
    EXPECT_EQ(fstat_of(b, fd).st_size, 4);
    EXPECT_EQ(b.fcntl(fd, F_GETFL) & kStatusFlags, O_PATH);
    EXPECT_EQ(b.fcntl(fd, F_GETFD), 0);
    EXPECT_OK(b.fcntl(fd, F_SETFD, FD_CLOEXEC));
    struct stat st;
    EXPECT_OK(b.fstatat(fd, "", &st, AT_EMPTY_PATH));
    EXPECT_EQ(st.st_size, 4);
    EXPECT_OK(b.fstatat(dfd, "inner", &st, 0));
    EXPECT_EQ(st.st_size, 2);
    int inner;
    ASSERT_OK(inner = b.openat(dfd, "inner", O_RDONLY));
    EXPECT_OK(b.close(inner));
    int copy;
    ASSERT_OK(copy = b.dup(fd));
    EXPECT_EQ(b.fcntl(copy, F_GETFL) & kStatusFlags, O_PATH);
    EXPECT_OK(b.close(copy));
    struct statvfs vfs;
    EXPECT_OK(b.fstatvfs(fd, &vfs));
    // What gives EBADF: I/O and changes through the descriptor.
    char buf[8];
    EXPECT_ERRNO(b.read(fd, buf, 1), EBADF);
    EXPECT_ERRNO(b.write(fd, "x", 1), EBADF);
    EXPECT_ERRNO(b.pread(fd, buf, 1, 0), EBADF);
    EXPECT_ERRNO(b.lseek(fd, 0, SEEK_SET), EBADF);
    EXPECT_ERRNO(b.ftruncate(fd, 0), EBADF);
    EXPECT_ERRNO(b.fchmod(fd, 0600), EBADF);
    EXPECT_ERRNO(b.fchown(fd, 0, 0), EBADF);
    EXPECT_ERRNO(b.fsync(fd), EBADF);
    EXPECT_ERRNO(b.fallocate(fd, 0, 0, 1), EBADF);
    EXPECT_ERRNO(b.futimens(fd, nullptr), EBADF);
    EXPECT_ERRNO(b.fcntl(fd, F_SETFL, O_APPEND), EBADF);
    EXPECT_ERRNO(b.getdents64(dfd, buf, sizeof buf), EBADF);
    EXPECT_EQ(lstat_of(b, "f").st_mode & 0777, 0644u);
    // fchdir works on an O_PATH directory.
    EXPECT_OK(b.fchdir(dfd));
    EXPECT_EQ(read_file(b, "inner"), "in");
    EXPECT_OK(b.chdir(".."));
    EXPECT_OK(b.close(fd));
    EXPECT_OK(b.close(dfd));
}

TEST_P(Descriptors, OPathOnASymlinkWithNoFollow) {
    auto& b = be();
    write_file(b, "f", "data");
    ASSERT_OK(b.symlink("f", "link"));
    int fd;
    ASSERT_OK(fd = b.open("link", O_PATH | O_NOFOLLOW));
    EXPECT_TRUE(S_ISLNK(fstat_of(b, fd).st_mode));
    char buf[16];
    EXPECT_EQ(b.readlinkat(fd, "", buf, sizeof buf), 1);
    EXPECT_EQ(buf[0], 'f');
    struct stat st;
    EXPECT_OK(b.fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_OK(b.close(fd));
    // Without O_NOFOLLOW, O_PATH follows the link.
    ASSERT_OK(fd = b.open("link", O_PATH));
    EXPECT_TRUE(S_ISREG(fstat_of(b, fd).st_mode));
    EXPECT_OK(b.close(fd));
}

TEST_P(Descriptors, ReopenOpensTheNodeWithNewFlags) {
    auto& b = be();
    write_file(b, "f", "data");
    int path_fd, rw;
    ASSERT_OK(path_fd = b.open("f", O_PATH));
    ASSERT_OK(rw = b.reopen(path_fd, O_RDWR));
    char buf[8];
    EXPECT_EQ(b.read(rw, buf, sizeof buf), 4);
    EXPECT_EQ(b.write(rw, "!", 1), 1);
    EXPECT_EQ(b.fcntl(rw, F_GETFL) & kStatusFlags, O_RDWR);
    EXPECT_OK(b.close(rw));
    EXPECT_EQ(read_file(b, "f"), "data!");
    ASSERT_OK(rw = b.reopen(path_fd, O_WRONLY | O_TRUNC));
    EXPECT_EQ(fstat_of(b, rw).st_size, 0);
    EXPECT_OK(b.close(rw));
    // The node, not the name: a renamed or unlinked file is still reached.
    ASSERT_OK(b.rename("f", "g"));
    write_file(b, "g", "renamed");
    ASSERT_OK(rw = b.reopen(path_fd, O_RDONLY));
    EXPECT_EQ(b.read(rw, buf, sizeof buf), 7);
    EXPECT_OK(b.close(rw));
    ASSERT_OK(b.unlink("g"));
    ASSERT_OK(rw = b.reopen(path_fd, O_RDONLY));
    EXPECT_EQ(b.read(rw, buf, sizeof buf), 7);
    EXPECT_EQ(fstat_of(b, rw).st_nlink, 0u);
    EXPECT_OK(b.close(rw));
    ASSERT_OK(b.mkdir("d", 0755));
    int dfd;
    ASSERT_OK(dfd = b.open("d", O_PATH));
    EXPECT_ERRNO(b.reopen(dfd, O_RDWR), EISDIR);
    int dir_fd;
    ASSERT_OK(dir_fd = b.reopen(dfd, O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.close(dir_fd));
    EXPECT_OK(b.close(dfd));
    EXPECT_OK(b.close(path_fd));
}

TEST_P(Descriptors, DescriptorLimitGivesEmfile) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    run_in_child([&] {
        constexpr int kLimit = 64;
        ASSERT_OK(b.set_fd_limit(kLimit));
        std::vector<int> fds;
        int fd;
        while ((fd = b.open("f", O_RDONLY)) >= 0) {
            fds.push_back(fd);
            ASSERT_LT(fd, kLimit);
            ASSERT_LT(fds.size(), 100u);
        }
        EXPECT_EQ(errno, EMFILE) << errno_name(errno);
        ASSERT_FALSE(fds.empty());
        EXPECT_ERRNO(b.dup(fds[0]), EMFILE);
        EXPECT_ERRNO(b.fcntl(fds[0], F_DUPFD, 0), EMFILE);
        EXPECT_ERRNO(b.fcntl(fds[0], F_DUPFD, kLimit), EINVAL);
        EXPECT_ERRNO(b.dup2(fds[0], kLimit), EBADF);
        EXPECT_ERRNO(b.dup3(fds[0], kLimit + 5, 0), EBADF);
        EXPECT_ERRNO(b.opendir("."), EMFILE);
        EXPECT_ERRNO(b.open("d", O_RDONLY | O_DIRECTORY), EMFILE);
        EXPECT_ERRNO(b.open("new", O_CREAT | O_WRONLY, 0644), EMFILE);
        EXPECT_FALSE(exists(b, "new"));
        // dup2 onto a descriptor below the limit works.
        EXPECT_EQ(b.dup2(fds[0], kLimit - 1), kLimit - 1);
        // Closing one frees exactly that one.
        const int freed = fds[fds.size() / 2];
        EXPECT_OK(b.close(freed));
        EXPECT_EQ(b.open("f", O_RDONLY), freed);
        EXPECT_ERRNO(b.open("f", O_RDONLY), EMFILE);
    });
}

}  // namespace
}  // namespace conformance
