// open, creat, read, write and their positioned and vectored forms.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Files);

TEST_P(Files, OpenCreatesRegularFileWithUmaskedMode) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_CREAT | O_WRONLY, 0666));
    const struct stat st = fstat_of(b, fd);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_gid, 0u);
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(lstat_of(b, "f").st_mode & 07777, 0644u);
}

TEST_P(Files, OpenKeepsSpecialBitsForRoot) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_CREAT | O_WRONLY, 07777));
    EXPECT_EQ(fstat_of(b, fd).st_mode & 07777, 07755u);
    EXPECT_OK(b.close(fd));
}

TEST_P(Files, OpenErrors) {
    auto& b = be();
    write_file(b, "file", "x");
    ASSERT_OK(b.mkdir("dir", 0755));
    ASSERT_OK(b.symlink("file", "link"));
    EXPECT_ERRNO(b.open("missing", O_RDONLY), ENOENT);
    EXPECT_ERRNO(b.open("nodir/f", O_CREAT | O_WRONLY, 0644), ENOENT);
    EXPECT_ERRNO(b.open("", O_RDONLY), ENOENT);
    EXPECT_ERRNO(b.open("", O_CREAT | O_WRONLY, 0644), ENOENT);
    EXPECT_ERRNO(b.open("file/x", O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(b.open("file/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
    EXPECT_ERRNO(b.open("file/", O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(b.open("file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_ERRNO(b.open("dir", O_CREAT | O_EXCL | O_RDONLY, 0644), EEXIST);
    EXPECT_ERRNO(b.open("dir", O_WRONLY), EISDIR);
    EXPECT_ERRNO(b.open("dir", O_RDWR), EISDIR);
    EXPECT_ERRNO(b.open("dir", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO(b.open("new/", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO(b.open("file", O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_ERRNO(b.open("link", O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_ERRNO(b.open("link", O_RDONLY | O_NOFOLLOW), ELOOP);
    EXPECT_ERRNO(b.open(null(), O_RDONLY), EFAULT);
    // Linux 6.x refuses the combination outright, whether the name exists.
    EXPECT_ERRNO(b.open("new", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
    EXPECT_ERRNO(b.open("dir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), EINVAL);
    EXPECT_FALSE(exists(b, "new"));
    EXPECT_FALSE(exists(b, "nodir"));
}

TEST_P(Files, OpenDirectoryReadOnlyWorks) {
    auto& b = be();
    ASSERT_OK(b.mkdir("dir", 0755));
    int fd;
    ASSERT_OK(fd = b.open("dir", O_RDONLY | O_DIRECTORY));
    EXPECT_TRUE(S_ISDIR(fstat_of(b, fd).st_mode));
    char buf[8];
    EXPECT_ERRNO(b.read(fd, buf, sizeof buf), EISDIR);
    EXPECT_ERRNO(b.pread(fd, buf, sizeof buf, 0), EISDIR);
    EXPECT_ERRNO(b.write(fd, buf, 1), EBADF);
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.open(".", O_RDONLY));
    EXPECT_OK(b.close(fd));
}

TEST_P(Files, CreateExclusiveDoesNotFollowSymlinks) {
    auto& b = be();
    ASSERT_OK(b.symlink("target", "dangling"));
    EXPECT_ERRNO(b.open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_FALSE(exists(b, "target"));
    // Without O_EXCL the symlink is followed and its target created.
    int fd;
    ASSERT_OK(fd = b.open("dangling", O_CREAT | O_WRONLY, 0600));
    EXPECT_OK(b.close(fd));
    EXPECT_TRUE(S_ISREG(lstat_of(b, "target").st_mode));
    EXPECT_EQ(lstat_of(b, "target").st_mode & 0777, 0600u);
    EXPECT_ERRNO(b.open("dangling", O_CREAT | O_WRONLY | O_NOFOLLOW, 0600), ELOOP);
}

TEST_P(Files, CreatCreatesTruncatesAndOpensWriteOnly) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.creat("f", 0640));
    EXPECT_EQ(b.write(fd, "hello", 5), 5);
    char c;
    EXPECT_ERRNO(b.read(fd, &c, 1), EBADF);
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(lstat_of(b, "f").st_mode & 0777, 0640u);
    ASSERT_OK(fd = b.creat("f", 0600));
    EXPECT_EQ(fstat_of(b, fd).st_size, 0);
    EXPECT_EQ(fstat_of(b, fd).st_mode & 0777, 0640u);  // the mode only counts for a new file
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.creat("nodir/f", 0644), ENOENT);
    EXPECT_ERRNO(b.creat(null(), 0644), EFAULT);
}

TEST_P(Files, TruncateOnOpen) {
    auto& b = be();
    write_file(b, "f", "contents");
    int fd;
    ASSERT_OK(fd = b.open("f", O_WRONLY | O_TRUNC));
    EXPECT_EQ(fstat_of(b, fd).st_size, 0);
    EXPECT_OK(b.close(fd));
    write_file(b, "g", "contents");
    // Linux truncates even when the file is opened for reading only.
    ASSERT_OK(fd = b.open("g", O_RDONLY | O_TRUNC));
    EXPECT_EQ(fstat_of(b, fd).st_size, 0);
    EXPECT_OK(b.close(fd));
}

TEST_P(Files, ReadWriteMoveTheOffset) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(b.write(fd, "hello ", 6), 6);
    EXPECT_EQ(b.write(fd, "world", 5), 5);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 11);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_SET), 0);
    char buf[32] = {};
    EXPECT_EQ(b.read(fd, buf, 5), 5);
    EXPECT_EQ(std::string(buf, 5), "hello");
    EXPECT_EQ(b.read(fd, buf, sizeof buf), 6);
    EXPECT_EQ(std::string(buf, 6), " world");
    EXPECT_EQ(b.read(fd, buf, sizeof buf), 0);
    EXPECT_EQ(b.read(fd, nullptr, 0), 0);
    EXPECT_EQ(b.write(fd, buf, 0), 0);
    // Overwrite in the middle.
    EXPECT_EQ(b.pwrite(fd, "W", 1, 6), 1);
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(read_file(b, "f"), "hello World");
}

TEST_P(Files, LargeWriteAndRead) {
    auto& b = be();
    std::string data(3 * 65536 + 123, '\0');
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(i * 7 + i / 4096);
    write_file(b, "f", data);
    EXPECT_EQ(lstat_of(b, "f").st_size, static_cast<off_t>(data.size()));
    EXPECT_EQ(read_file(b, "f"), data);
}

TEST_P(Files, AppendWritesAtTheEnd) {
    auto& b = be();
    write_file(b, "f", "abc");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_APPEND));
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 0);
    EXPECT_EQ(b.write(fd, "de", 2), 2);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 5);
    EXPECT_EQ(b.lseek(fd, 1, SEEK_SET), 1);
    EXPECT_EQ(b.write(fd, "f", 1), 1);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 6);
    // Linux: pwrite on an O_APPEND descriptor appends, whatever the offset.
    EXPECT_EQ(b.pwrite(fd, "g", 1, 0), 1);
    char buf[3];
    EXPECT_EQ(b.pread(fd, buf, 3, 0), 3);  // reading is positioned as usual
    EXPECT_EQ(std::string(buf, 3), "abc");
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(read_file(b, "f"), "abcdefg");
}

TEST_P(Files, PreadPwriteKeepTheOffset) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(b.write(fd, "0123456789", 10), 10);
    EXPECT_EQ(b.lseek(fd, 2, SEEK_SET), 2);
    char buf[16] = {};
    EXPECT_EQ(b.pread(fd, buf, 4, 5), 4);
    EXPECT_EQ(std::string(buf, 4), "5678");
    EXPECT_EQ(b.pread(fd, buf, 16, 8), 2);
    EXPECT_EQ(b.pread(fd, buf, 16, 10), 0);
    EXPECT_EQ(b.pread(fd, buf, 16, 1000), 0);
    EXPECT_EQ(b.pwrite(fd, "xy", 2, 3), 2);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 2);
    EXPECT_ERRNO(b.pread(fd, buf, 1, -1), EINVAL);
    EXPECT_ERRNO(b.pwrite(fd, "a", 1, -1), EINVAL);
    // Writing past the end leaves a hole that reads as zeros.
    EXPECT_EQ(b.pwrite(fd, "z", 1, 20), 1);
    EXPECT_EQ(fstat_of(b, fd).st_size, 21);
    EXPECT_EQ(b.pread(fd, buf, 16, 5), 16);
    EXPECT_EQ(std::string(buf, 16), std::string("56789") + std::string(10, '\0') + "z");
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(read_file(b, "f"), "012xy56789" + std::string(10, '\0') + "z");
}

TEST_P(Files, ReadvWritevScatterAndGather) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    char a[] = "one", c[] = "three";
    iovec out[3] = {{a, 3}, {nullptr, 0}, {c, 5}};
    EXPECT_EQ(b.writev(fd, out, 3), 8);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_SET), 0);
    char x[2], y[10] = {};
    iovec in[2] = {{x, 2}, {y, 10}};
    EXPECT_EQ(b.readv(fd, in, 2), 8);
    EXPECT_EQ(std::string(x, 2) + std::string(y, 6), "onethree");
    EXPECT_EQ(b.readv(fd, in, 2), 0);
    EXPECT_ERRNO(b.readv(fd, in, -1), EINVAL);
    EXPECT_ERRNO(b.writev(fd, out, -1), EINVAL);
    std::vector<iovec> many(1025, iovec{a, 1});
    EXPECT_ERRNO(b.writev(fd, many.data(), 1025), EINVAL);
    EXPECT_ERRNO(b.readv(fd, many.data(), 1025), EINVAL);
    EXPECT_EQ(b.writev(fd, many.data(), 1024), 1024);
    EXPECT_ERRNO(b.readv(fd, null<iovec>(), 1), EFAULT);
    EXPECT_ERRNO(b.readv(-1, in, 2), EBADF);
    EXPECT_ERRNO(b.writev(-1, out, 3), EBADF);
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(lstat_of(b, "f").st_size, 8 + 1024);
}

TEST_P(Files, ReadWriteErrors) {
    auto& b = be();
    write_file(b, "f", "data");
    int ro, wo;
    ASSERT_OK(ro = b.open("f", O_RDONLY));
    ASSERT_OK(wo = b.open("f", O_WRONLY));
    char buf[8];
    EXPECT_ERRNO(b.write(ro, "x", 1), EBADF);
    EXPECT_ERRNO(b.pwrite(ro, "x", 1, 0), EBADF);
    EXPECT_ERRNO(b.read(wo, buf, 1), EBADF);
    EXPECT_ERRNO(b.pread(wo, buf, 1, 0), EBADF);
    EXPECT_ERRNO(b.read(-1, buf, 1), EBADF);
    EXPECT_ERRNO(b.read(4000, buf, 1), EBADF);
    EXPECT_ERRNO(b.write(4000, buf, 1), EBADF);
    EXPECT_ERRNO(b.read(ro, null(), 4), EFAULT);
    EXPECT_ERRNO(b.write(wo, null(), 4), EFAULT);
    EXPECT_ERRNO(b.pread(ro, null(), 4, 0), EFAULT);
    EXPECT_EQ(read_file(b, "f"), "data");
    EXPECT_OK(b.close(ro));
    EXPECT_OK(b.close(wo));
    EXPECT_ERRNO(b.read(ro, buf, 1), EBADF);
}

TEST_P(Files, OpenAtResolvesRelativeToTheDirectory) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/f", "in d");
    write_file(b, "file", "x");
    int dfd, fd, filefd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    ASSERT_OK(fd = b.openat(dfd, "f", O_RDONLY));
    char buf[8];
    EXPECT_EQ(b.read(fd, buf, sizeof buf), 4);
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.openat(dfd, "new", O_CREAT | O_WRONLY, 0600));
    EXPECT_OK(b.close(fd));
    EXPECT_TRUE(exists(b, "d/new"));
    ASSERT_OK(fd = b.openat(AT_FDCWD, "d/f", O_RDONLY));
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.openat(dfd, "..", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.close(fd));
    ASSERT_OK(filefd = b.open("file", O_RDONLY));
    EXPECT_ERRNO(b.openat(filefd, "f", O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(b.openat(-1, "f", O_RDONLY), EBADF);
    EXPECT_ERRNO(b.openat(4000, "f", O_RDONLY), EBADF);
    EXPECT_ERRNO(b.openat(dfd, "missing", O_RDONLY), ENOENT);
    EXPECT_ERRNO(b.openat(dfd, null(), O_RDONLY), EFAULT);
    EXPECT_OK(b.close(filefd));
    EXPECT_OK(b.close(dfd));
}

TEST_P(Files, CloseErrors) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open(".", O_RDONLY));
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.close(fd), EBADF);
    EXPECT_ERRNO(b.close(-1), EBADF);
    EXPECT_ERRNO(b.close(4000), EBADF);
}

TEST_P(Files, UnlinkedOpenFileLivesUntilClosed) {
    auto& b = be();
    write_file(b, "f", "still here");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    ASSERT_OK(b.unlink("f"));
    EXPECT_FALSE(exists(b, "f"));
    const struct stat st = fstat_of(b, fd);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(st.st_size, 10);
    char buf[16] = {};
    EXPECT_EQ(b.pread(fd, buf, sizeof buf, 0), 10);
    EXPECT_EQ(std::string(buf, 10), "still here");
    EXPECT_EQ(b.pwrite(fd, "!", 1, 10), 1);
    EXPECT_EQ(fstat_of(b, fd).st_size, 11);
    EXPECT_OK(b.ftruncate(fd, 3));
    EXPECT_EQ(fstat_of(b, fd).st_size, 3);
    // A new file of the same name is a different file.
    write_file(b, "f", "new");
    EXPECT_EQ(b.pread(fd, buf, sizeof buf, 0), 3);
    EXPECT_EQ(std::string(buf, 3), "sti");
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(read_file(b, "f"), "new");
}

TEST_P(Files, SyncCalls) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    int fd, ro, dfd;
    ASSERT_OK(fd = b.open("f", O_WRONLY));
    ASSERT_OK(ro = b.open("f", O_RDONLY));
    ASSERT_OK(dfd = b.open("d", O_RDONLY));
    EXPECT_OK(b.fsync(fd));
    EXPECT_OK(b.fdatasync(fd));
    EXPECT_OK(b.fsync(ro));
    EXPECT_OK(b.fdatasync(ro));
    EXPECT_OK(b.fsync(dfd));
    EXPECT_ERRNO(b.fsync(-1), EBADF);
    EXPECT_ERRNO(b.fdatasync(4000), EBADF);
    EXPECT_OK(b.close(fd));
    EXPECT_OK(b.close(ro));
    EXPECT_OK(b.close(dfd));
    EXPECT_ERRNO(b.fsync(fd), EBADF);
}

}  // namespace
}  // namespace conformance
