// File data: lseek, holes, SEEK_DATA/SEEK_HOLE, truncate, fallocate, sizes
// and st_blocks (tmpfs counts 8 blocks of 512 bytes per 4 KiB page).
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Data);

constexpr off_t kPage = 4096;
constexpr off_t kMiB = 1 << 20;

TEST_P(Data, LseekWhence) {
    auto& b = be();
    write_file(b, "f", "0123456789");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_EQ(b.lseek(fd, 4, SEEK_SET), 4);
    EXPECT_EQ(b.lseek(fd, 2, SEEK_CUR), 6);
    EXPECT_EQ(b.lseek(fd, -3, SEEK_CUR), 3);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_END), 10);
    EXPECT_EQ(b.lseek(fd, -4, SEEK_END), 6);
    EXPECT_EQ(b.lseek(fd, 100, SEEK_END), 110);  // past the end is allowed
    char c;
    EXPECT_EQ(b.read(fd, &c, 1), 0);
    EXPECT_EQ(b.lseek(fd, 5, SEEK_SET), 5);
    EXPECT_ERRNO(b.lseek(fd, -1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(b.lseek(fd, -6, SEEK_CUR), EINVAL);
    EXPECT_ERRNO(b.lseek(fd, -11, SEEK_END), EINVAL);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), 5);  // a failed lseek moves nothing
    EXPECT_ERRNO(b.lseek(fd, 0, 42), EINVAL);
    EXPECT_ERRNO(b.lseek(-1, 0, SEEK_SET), EBADF);
    EXPECT_ERRNO(b.lseek(4000, 0, SEEK_SET), EBADF);
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, WritePastTheEndLeavesAHoleOfZeros) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    EXPECT_EQ(b.lseek(fd, kMiB, SEEK_SET), kMiB);
    EXPECT_EQ(b.write(fd, "end", 3), 3);
    const struct stat st = fstat_of(b, fd);
    EXPECT_EQ(st.st_size, kMiB + 3);
    EXPECT_EQ(st.st_blocks, 8);  // only the last page is allocated
    std::string buf(kMiB + 10, 'x');
    EXPECT_EQ(b.pread(fd, buf.data(), buf.size(), 0), kMiB + 3);
    EXPECT_EQ(buf.substr(0, kMiB), std::string(kMiB, '\0'));
    EXPECT_EQ(buf.substr(kMiB, 3), "end");
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, SeekDataAndSeekHole) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    const std::string page(kPage, 'd');
    // Data in pages 0 and 256 (1 MiB), size 1 MiB + 2 pages.
    EXPECT_EQ(b.pwrite(fd, page.data(), kPage, 0), kPage);
    EXPECT_EQ(b.pwrite(fd, page.data(), kPage, kMiB), kPage);
    EXPECT_OK(b.ftruncate(fd, kMiB + 2 * kPage));
    EXPECT_EQ(b.lseek(fd, 0, SEEK_DATA), 0);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_HOLE), kPage);
    EXPECT_EQ(b.lseek(fd, 100, SEEK_HOLE), kPage);
    EXPECT_EQ(b.lseek(fd, kPage, SEEK_DATA), kMiB);
    EXPECT_EQ(b.lseek(fd, kPage + 7, SEEK_DATA), kMiB);
    EXPECT_EQ(b.lseek(fd, kMiB + 5, SEEK_DATA), kMiB + 5);
    EXPECT_EQ(b.lseek(fd, kMiB, SEEK_HOLE), kMiB + kPage);
    // The implicit hole at the end: SEEK_HOLE finds the end of the file.
    EXPECT_EQ(b.lseek(fd, kMiB + kPage, SEEK_HOLE), kMiB + kPage);
    EXPECT_ERRNO(b.lseek(fd, kMiB + kPage, SEEK_DATA), ENXIO);
    EXPECT_ERRNO(b.lseek(fd, kMiB + 2 * kPage, SEEK_DATA), ENXIO);
    EXPECT_ERRNO(b.lseek(fd, kMiB + 2 * kPage, SEEK_HOLE), ENXIO);
    EXPECT_ERRNO(b.lseek(fd, -1, SEEK_DATA), ENXIO);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_CUR), kMiB + kPage);  // set by the last success
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, SeekHoleInAFileWithoutHoles) {
    auto& b = be();
    write_file(b, "f", "0123456789");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_EQ(b.lseek(fd, 3, SEEK_DATA), 3);
    EXPECT_EQ(b.lseek(fd, 3, SEEK_HOLE), 10);
    EXPECT_ERRNO(b.lseek(fd, 10, SEEK_DATA), ENXIO);
    EXPECT_OK(b.close(fd));
    write_file(b, "empty", "");
    ASSERT_OK(fd = b.open("empty", O_RDONLY));
    EXPECT_ERRNO(b.lseek(fd, 0, SEEK_DATA), ENXIO);
    EXPECT_ERRNO(b.lseek(fd, 0, SEEK_HOLE), ENXIO);
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, SizesAndBlocks) {
    auto& b = be();
    write_file(b, "empty", "");
    EXPECT_EQ(lstat_of(b, "empty").st_size, 0);
    EXPECT_EQ(lstat_of(b, "empty").st_blocks, 0);
    EXPECT_EQ(lstat_of(b, "empty").st_blksize, 4096);
    write_file(b, "one", "x");
    EXPECT_EQ(lstat_of(b, "one").st_blocks, 8);
    write_file(b, "page", std::string(kPage, 'p'));
    EXPECT_EQ(lstat_of(b, "page").st_blocks, 8);
    write_file(b, "page+1", std::string(kPage + 1, 'p'));
    EXPECT_EQ(lstat_of(b, "page+1").st_size, kPage + 1);
    EXPECT_EQ(lstat_of(b, "page+1").st_blocks, 16);
    ASSERT_OK(b.symlink("one", "link"));
    EXPECT_EQ(lstat_of(b, "link").st_size, 3);
    EXPECT_EQ(stat_of(b, "link").st_size, 1);
    EXPECT_EQ(lstat_of(b, "link").st_blocks, 0);
}

// tmpfs keeps a target shorter than 128 bytes in the inode and a longer one
// in a page of its own, which st_blocks shows (and the size limit counts).
TEST_P(Data, ALongSymlinkTargetTakesAPage) {
    auto& b = be();
    ASSERT_OK(b.symlink(std::string(127, 't').c_str(), "short"));
    ASSERT_OK(b.symlink(std::string(128, 't').c_str(), "long"));
    ASSERT_OK(b.symlink(std::string(4000, 't').c_str(), "longest"));
    EXPECT_EQ(lstat_of(b, "short").st_blocks, 0);
    EXPECT_EQ(lstat_of(b, "long").st_size, 128);
    EXPECT_EQ(lstat_of(b, "long").st_blocks, 8);
    EXPECT_EQ(lstat_of(b, "longest").st_blocks, 8);
}

TEST_P(Data, TruncateGrowsWithZerosAndShrinks) {
    auto& b = be();
    write_file(b, "f", "0123456789");
    EXPECT_OK(b.truncate("f", 4));
    EXPECT_EQ(read_file(b, "f"), "0123");
    EXPECT_OK(b.truncate("f", 8));
    EXPECT_EQ(read_file(b, "f"), std::string("0123") + std::string(4, '\0'));
    EXPECT_EQ(lstat_of(b, "f").st_blocks, 8);
    // Growing a lot allocates nothing.
    EXPECT_OK(b.truncate("f", off_t{1} << 40));
    EXPECT_EQ(lstat_of(b, "f").st_size, off_t{1} << 40);
    EXPECT_EQ(lstat_of(b, "f").st_blocks, 8);
    EXPECT_OK(b.truncate("f", 0));
    EXPECT_EQ(lstat_of(b, "f").st_blocks, 0);
    // Data cut off and grown again reads as zeros.
    write_file(b, "g", std::string(2 * kPage, 'g'));
    EXPECT_OK(b.truncate("g", 10));
    EXPECT_OK(b.truncate("g", 2 * kPage));
    EXPECT_EQ(read_file(b, "g"), std::string(10, 'g') + std::string(2 * kPage - 10, '\0'));
    EXPECT_EQ(lstat_of(b, "g").st_blocks, 8);
    // truncate follows symlinks.
    ASSERT_OK(b.symlink("g", "link"));
    EXPECT_OK(b.truncate("link", 1));
    EXPECT_EQ(lstat_of(b, "g").st_size, 1);
}

TEST_P(Data, TruncateErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    EXPECT_ERRNO(b.truncate("missing", 0), ENOENT);
    EXPECT_ERRNO(b.truncate("", 0), ENOENT);
    EXPECT_ERRNO(b.truncate("f/x", 0), ENOTDIR);
    EXPECT_ERRNO(b.truncate("d", 0), EISDIR);
    EXPECT_ERRNO(b.truncate("f", -1), EINVAL);
    EXPECT_ERRNO(b.truncate(null(), 0), EFAULT);
    EXPECT_EQ(lstat_of(b, "f").st_size, 1);
}

TEST_P(Data, FtruncateErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    int rw, ro, dfd;
    ASSERT_OK(rw = b.open("f", O_RDWR));
    ASSERT_OK(ro = b.open("f", O_RDONLY));
    ASSERT_OK(dfd = b.open("d", O_RDONLY));
    EXPECT_OK(b.ftruncate(rw, 100));
    EXPECT_EQ(fstat_of(b, rw).st_size, 100);
    EXPECT_ERRNO(b.ftruncate(rw, -1), EINVAL);
    EXPECT_ERRNO(b.ftruncate(ro, 0), EINVAL);
    EXPECT_ERRNO(b.ftruncate(dfd, 0), EINVAL);
    EXPECT_ERRNO(b.ftruncate(-1, 0), EBADF);
    EXPECT_ERRNO(b.ftruncate(4000, 0), EBADF);
    // The offset stays where it was, past the end or not.
    EXPECT_EQ(b.lseek(rw, 50, SEEK_SET), 50);
    EXPECT_OK(b.ftruncate(rw, 10));
    EXPECT_EQ(b.lseek(rw, 0, SEEK_CUR), 50);
    EXPECT_EQ(b.write(rw, "y", 1), 1);
    EXPECT_EQ(fstat_of(b, rw).st_size, 51);
    EXPECT_OK(b.close(rw));
    EXPECT_OK(b.close(ro));
    EXPECT_OK(b.close(dfd));
}

TEST_P(Data, FallocateAllocatesAndExtends) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    EXPECT_OK(b.fallocate(fd, 0, 0, 3 * kPage));
    struct stat st = fstat_of(b, fd);
    EXPECT_EQ(st.st_size, 3 * kPage);
    EXPECT_EQ(st.st_blocks, 24);
    char buf[16];
    EXPECT_EQ(b.pread(fd, buf, sizeof buf, kPage), 16);
    EXPECT_EQ(std::string(buf, 16), std::string(16, '\0'));
    // KEEP_SIZE allocates past the end without changing the size.
    EXPECT_OK(b.fallocate(fd, FALLOC_FL_KEEP_SIZE, 3 * kPage, kPage));
    st = fstat_of(b, fd);
    EXPECT_EQ(st.st_size, 3 * kPage);
    EXPECT_EQ(st.st_blocks, 32);
    // Allocating inside the file changes nothing visible.
    EXPECT_EQ(b.pwrite(fd, "abc", 3, 10), 3);
    EXPECT_OK(b.fallocate(fd, 0, 0, 100));
    EXPECT_EQ(fstat_of(b, fd).st_size, 3 * kPage);
    EXPECT_EQ(b.pread(fd, buf, 3, 10), 3);
    EXPECT_EQ(std::string(buf, 3), "abc");
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, FallocatePunchesHoles) {
    auto& b = be();
    write_file(b, "f", std::string(4 * kPage, 'x'));
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    EXPECT_EQ(fstat_of(b, fd).st_blocks, 32);
    EXPECT_OK(b.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, kPage, 2 * kPage));
    const struct stat st = fstat_of(b, fd);
    EXPECT_EQ(st.st_size, 4 * kPage);
    EXPECT_EQ(st.st_blocks, 16);
    std::string buf(4 * kPage, '?');
    EXPECT_EQ(b.pread(fd, buf.data(), buf.size(), 0), 4 * kPage);
    EXPECT_EQ(buf,
              std::string(kPage, 'x') + std::string(2 * kPage, '\0') + std::string(kPage, 'x'));
    EXPECT_EQ(b.lseek(fd, 0, SEEK_HOLE), kPage);
    EXPECT_EQ(b.lseek(fd, kPage, SEEK_DATA), 3 * kPage);
    // A partial page is zeroed, not freed.
    EXPECT_OK(b.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10, 5));
    EXPECT_EQ(b.pread(fd, buf.data(), 20, 0), 20);
    EXPECT_EQ(buf.substr(0, 20), std::string(10, 'x') + std::string(5, '\0') + "xxxxx");
    EXPECT_EQ(fstat_of(b, fd).st_blocks, 16);
    EXPECT_OK(b.close(fd));
}

TEST_P(Data, FallocateErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    int rw, ro, dfd;
    ASSERT_OK(rw = b.open("f", O_RDWR));
    ASSERT_OK(ro = b.open("f", O_RDONLY));
    ASSERT_OK(dfd = b.open("d", O_RDONLY));
    EXPECT_ERRNO(b.fallocate(rw, 0, 0, 0), EINVAL);
    EXPECT_ERRNO(b.fallocate(rw, 0, 0, -1), EINVAL);
    EXPECT_ERRNO(b.fallocate(rw, 0, -1, 10), EINVAL);
    EXPECT_ERRNO(b.fallocate(rw, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
    EXPECT_ERRNO(b.fallocate(ro, 0, 0, 10), EBADF);
    EXPECT_ERRNO(b.fallocate(dfd, 0, 0, 10), EBADF);
    EXPECT_ERRNO(b.fallocate(-1, 0, 0, 10), EBADF);
    EXPECT_EQ(fstat_of(b, rw).st_size, 1);
    EXPECT_OK(b.close(rw));
    EXPECT_OK(b.close(ro));
    EXPECT_OK(b.close(dfd));
}

TEST_P(Data, FarOffsets) {
    auto& b = be();
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR | O_CREAT, 0644));
    const off_t far = off_t{4} << 30;  // 4 GiB
    EXPECT_EQ(b.pwrite(fd, "far", 3, far), 3);
    EXPECT_EQ(fstat_of(b, fd).st_size, far + 3);
    EXPECT_EQ(fstat_of(b, fd).st_blocks, 8);
    char buf[4] = {};
    EXPECT_EQ(b.pread(fd, buf, 4, far), 3);
    EXPECT_EQ(std::string(buf, 3), "far");
    EXPECT_EQ(b.pread(fd, buf, 4, far - 4), 4);
    EXPECT_EQ(std::string(buf, 4), std::string(4, '\0'));
    EXPECT_EQ(b.lseek(fd, 0, SEEK_DATA), far - far % kPage);
    EXPECT_OK(b.close(fd));
}

}  // namespace
}  // namespace conformance
