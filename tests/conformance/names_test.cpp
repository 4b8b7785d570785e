// Creating and removing names: mkdir, rmdir, unlink, link, symlink,
// readlink, mknod, mkfifo, and the nlink counts they leave.
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Names);

TEST_P(Names, MkdirAndRmdirKeepLinkCounts) {
    auto& b = be();
    const nlink_t root_links = lstat_of(b, ".").st_nlink;
    ASSERT_OK(b.mkdir("a", 0755));
    EXPECT_EQ(lstat_of(b, ".").st_nlink, root_links + 1);
    EXPECT_EQ(lstat_of(b, "a").st_nlink, 2u);
    ASSERT_OK(b.mkdir("a/b", 0700));
    ASSERT_OK(b.mkdir("a/c/", 0700));  // a trailing slash is fine
    EXPECT_EQ(lstat_of(b, "a").st_nlink, 4u);
    write_file(b, "a/file", "x");
    EXPECT_EQ(lstat_of(b, "a").st_nlink, 4u);  // files do not count
    EXPECT_EQ(lstat_of(b, "a/b").st_mode, S_IFDIR | 0700u);
    EXPECT_OK(b.rmdir("a/b"));
    EXPECT_OK(b.rmdir("a/c/"));
    EXPECT_EQ(lstat_of(b, "a").st_nlink, 2u);
    EXPECT_FALSE(exists(b, "a/b"));
    int dfd;
    ASSERT_OK(dfd = b.open("a", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.mkdirat(dfd, "sub", 0755));
    EXPECT_TRUE(S_ISDIR(lstat_of(b, "a/sub").st_mode));
    EXPECT_OK(b.unlinkat(dfd, "sub", AT_REMOVEDIR));
    EXPECT_OK(b.unlinkat(dfd, "file", 0));
    EXPECT_OK(b.close(dfd));
    EXPECT_OK(b.rmdir("a"));
    EXPECT_EQ(lstat_of(b, ".").st_nlink, root_links);
}

TEST_P(Names, MkdirErrors) {
    auto& b = be();
    write_file(b, "file", "x");
    ASSERT_OK(b.mkdir("dir", 0755));
    ASSERT_OK(b.symlink("nowhere", "dangling"));
    EXPECT_ERRNO(b.mkdir("dir", 0755), EEXIST);
    EXPECT_ERRNO(b.mkdir("file", 0755), EEXIST);
    EXPECT_ERRNO(b.mkdir("dangling", 0755), EEXIST);  // not followed
    EXPECT_ERRNO(b.mkdir("file/", 0755), EEXIST);
    EXPECT_ERRNO(b.mkdir(".", 0755), EEXIST);
    EXPECT_ERRNO(b.mkdir("..", 0755), EEXIST);
    EXPECT_ERRNO(b.mkdir("missing/d", 0755), ENOENT);
    EXPECT_ERRNO(b.mkdir("", 0755), ENOENT);
    EXPECT_ERRNO(b.mkdir("file/d", 0755), ENOTDIR);
    EXPECT_ERRNO(b.mkdir(null(), 0755), EFAULT);
    EXPECT_ERRNO(b.mkdirat(-1, "d", 0755), EBADF);
    int fd;
    ASSERT_OK(fd = b.open("file", O_RDONLY));
    EXPECT_ERRNO(b.mkdirat(fd, "d", 0755), ENOTDIR);
    EXPECT_OK(b.close(fd));
    EXPECT_FALSE(exists(b, "nowhere"));
}

TEST_P(Names, RmdirErrors) {
    auto& b = be();
    write_file(b, "file", "x");
    ASSERT_OK(b.mkdir("full", 0755));
    write_file(b, "full/x", "x");
    ASSERT_OK(b.mkdir("empty", 0755));
    ASSERT_OK(b.symlink("empty", "link"));
    EXPECT_ERRNO(b.rmdir("full"), ENOTEMPTY);
    EXPECT_ERRNO(b.rmdir("file"), ENOTDIR);
    EXPECT_ERRNO(b.rmdir("link"), ENOTDIR);
    EXPECT_ERRNO(b.rmdir("missing"), ENOENT);
    EXPECT_ERRNO(b.rmdir(""), ENOENT);
    EXPECT_ERRNO(b.rmdir("file/x"), ENOTDIR);
    EXPECT_ERRNO(b.rmdir("."), EINVAL);
    EXPECT_ERRNO(b.rmdir("empty/."), EINVAL);
    EXPECT_ERRNO(b.rmdir("empty/.."), ENOTEMPTY);
    EXPECT_ERRNO(b.rmdir(null()), EFAULT);
    EXPECT_ERRNO(b.rmdir("link/"), ENOTDIR);  // the link is not followed, slash or not
    EXPECT_OK(b.rmdir("empty"));
    EXPECT_FALSE(exists(b, "empty"));
    EXPECT_TRUE(exists(b, "full/x"));
}

TEST_P(Names, UnlinkAndUnlinkat) {
    auto& b = be();
    write_file(b, "file", "x");
    ASSERT_OK(b.mkdir("dir", 0755));
    ASSERT_OK(b.symlink("file", "link"));
    EXPECT_OK(b.unlink("link"));  // removes the link, not its target
    EXPECT_TRUE(exists(b, "file"));
    EXPECT_ERRNO(b.unlink("dir"), EISDIR);
    EXPECT_ERRNO(b.unlink("file/"), ENOTDIR);
    EXPECT_ERRNO(b.unlink("missing"), ENOENT);
    EXPECT_ERRNO(b.unlink(""), ENOENT);
    EXPECT_ERRNO(b.unlink("file/x"), ENOTDIR);
    EXPECT_ERRNO(b.unlink(null()), EFAULT);
    EXPECT_ERRNO(b.unlinkat(AT_FDCWD, "dir", 0), EISDIR);
    EXPECT_ERRNO(b.unlinkat(AT_FDCWD, "file", AT_REMOVEDIR), ENOTDIR);
    EXPECT_ERRNO(b.unlinkat(AT_FDCWD, "file", 0x40000000), EINVAL);
    EXPECT_ERRNO(b.unlinkat(-1, "file", 0), EBADF);
    EXPECT_OK(b.unlinkat(AT_FDCWD, "dir", AT_REMOVEDIR));
    EXPECT_OK(b.unlinkat(AT_FDCWD, "file", 0));
    EXPECT_TRUE(list_dir(b, ".").empty());
}

TEST_P(Names, HardLinks) {
    auto& b = be();
    write_file(b, "f", "shared");
    ASSERT_OK(b.mkdir("d", 0755));
    EXPECT_OK(b.link("f", "d/g"));
    EXPECT_EQ(lstat_of(b, "f").st_nlink, 2u);
    EXPECT_EQ(lstat_of(b, "f").st_ino, lstat_of(b, "d/g").st_ino);
    EXPECT_EQ(lstat_of(b, "d").st_nlink, 2u);
    write_file(b, "d/g", "changed");
    EXPECT_EQ(read_file(b, "f"), "changed");
    EXPECT_OK(b.unlink("f"));
    EXPECT_EQ(lstat_of(b, "d/g").st_nlink, 1u);
    EXPECT_EQ(read_file(b, "d/g"), "changed");
    // linkat: a symlink itself by default, its target with AT_SYMLINK_FOLLOW.
    ASSERT_OK(b.symlink("d/g", "link"));
    EXPECT_OK(b.linkat(AT_FDCWD, "link", AT_FDCWD, "link2", 0));
    EXPECT_TRUE(S_ISLNK(lstat_of(b, "link2").st_mode));
    EXPECT_EQ(lstat_of(b, "link").st_nlink, 2u);
    EXPECT_OK(b.linkat(AT_FDCWD, "link", AT_FDCWD, "g2", AT_SYMLINK_FOLLOW));
    EXPECT_TRUE(S_ISREG(lstat_of(b, "g2").st_mode));
    EXPECT_EQ(lstat_of(b, "d/g").st_nlink, 2u);
    int dfd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.linkat(dfd, "g", AT_FDCWD, "g3", 0));
    EXPECT_EQ(lstat_of(b, "g2").st_nlink, 3u);
    EXPECT_OK(b.close(dfd));
}

TEST_P(Names, LinkErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    write_file(b, "other", "y");
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.symlink("nowhere", "dangling"));
    EXPECT_ERRNO(b.link("d", "d2"), EPERM);
    EXPECT_ERRNO(b.link("f", "other"), EEXIST);
    EXPECT_ERRNO(b.link("f", "d"), EEXIST);
    EXPECT_ERRNO(b.link("f", "dangling"), EEXIST);
    EXPECT_ERRNO(b.link("f", "f"), EEXIST);
    EXPECT_ERRNO(b.link("missing", "new"), ENOENT);
    EXPECT_ERRNO(b.link("f", "missing/new"), ENOENT);
    EXPECT_ERRNO(b.link("", "new"), ENOENT);
    EXPECT_ERRNO(b.link("f", ""), ENOENT);
    EXPECT_ERRNO(b.link("f/", "new"), ENOTDIR);
    EXPECT_ERRNO(b.link("f", "f/new"), ENOTDIR);
    EXPECT_ERRNO(b.link(null(), "new"), EFAULT);
    EXPECT_ERRNO(b.link("f", null()), EFAULT);
    EXPECT_ERRNO(b.linkat(AT_FDCWD, "dangling", AT_FDCWD, "new", AT_SYMLINK_FOLLOW), ENOENT);
    EXPECT_ERRNO(b.linkat(AT_FDCWD, "f", AT_FDCWD, "new", 0x40000000), EINVAL);
    EXPECT_ERRNO(b.linkat(-1, "f", AT_FDCWD, "new", 0), EBADF);
    EXPECT_ERRNO(b.linkat(AT_FDCWD, "f", -1, "new", 0), EBADF);
    EXPECT_FALSE(exists(b, "new"));
    EXPECT_EQ(lstat_of(b, "f").st_nlink, 1u);
}

TEST_P(Names, LinkatEmptyPath) {
    auto& b = be();
    write_file(b, "f", "x");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_ERRNO(b.linkat(fd, "", AT_FDCWD, "g", 0), ENOENT);
    EXPECT_OK(b.linkat(fd, "", AT_FDCWD, "g", AT_EMPTY_PATH));  // we are root
    EXPECT_EQ(lstat_of(b, "g").st_nlink, 2u);
    // A file without names cannot get one back.
    ASSERT_OK(b.unlink("f"));
    ASSERT_OK(b.unlink("g"));
    EXPECT_ERRNO(b.linkat(fd, "", AT_FDCWD, "h", AT_EMPTY_PATH), ENOENT);
    EXPECT_OK(b.close(fd));
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(fd = b.open("d", O_PATH));
    EXPECT_ERRNO(b.linkat(fd, "", AT_FDCWD, "d2", AT_EMPTY_PATH), EPERM);
    EXPECT_OK(b.close(fd));
}

TEST_P(Names, SymlinksAndReadlink) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/f", "target data");
    EXPECT_OK(b.symlink("d/f", "rel"));
    EXPECT_OK(b.symlink("../d/f", "d/up"));
    EXPECT_OK(b.symlink("anything at all: \x01/..//", "odd"));
    EXPECT_EQ(read_file(b, "rel"), "target data");
    EXPECT_EQ(read_file(b, "d/up"), "target data");
    char buf[64];
    EXPECT_EQ(b.readlink("rel", buf, sizeof buf), 3);
    EXPECT_EQ(std::string(buf, 3), "d/f");
    const std::string odd = "anything at all: \x01/..//";
    EXPECT_EQ(b.readlink("odd", buf, sizeof buf), static_cast<ssize_t>(odd.size()));
    EXPECT_EQ(std::string(buf, odd.size()), odd);
    // A short buffer truncates silently, without a terminating NUL.
    std::fill(std::begin(buf), std::end(buf), '#');
    EXPECT_EQ(b.readlink("odd", buf, 4), 4);
    EXPECT_EQ(std::string(buf, 5), "anyt#");
    int dfd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.symlinkat("f", dfd, "same"));
    EXPECT_EQ(b.readlinkat(dfd, "same", buf, sizeof buf), 1);
    EXPECT_EQ(read_file(b, "d/same"), "target data");
    EXPECT_EQ(b.readlinkat(AT_FDCWD, "rel", buf, sizeof buf), 3);
    EXPECT_ERRNO(b.readlinkat(dfd, "", buf, sizeof buf), ENOENT);  // not a symlink fd
    EXPECT_ERRNO(b.readlinkat(-1, "same", buf, sizeof buf), EBADF);
    EXPECT_ERRNO(b.symlinkat("f", -1, "x"), EBADF);
    EXPECT_OK(b.close(dfd));
    // A symlink to a directory, used in the middle of a path.
    EXPECT_OK(b.symlink("d", "dlink"));
    EXPECT_EQ(read_file(b, "dlink/f"), "target data");
    EXPECT_EQ(read_file(b, "dlink/up"), "target data");
}

TEST_P(Names, SymlinkAndReadlinkErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.symlink("f", "link"));
    char buf[16];
    EXPECT_ERRNO(b.symlink("f", "link"), EEXIST);
    EXPECT_ERRNO(b.symlink("f", "f"), EEXIST);
    EXPECT_ERRNO(b.symlink("f", "d"), EEXIST);
    EXPECT_ERRNO(b.symlink("", "empty"), ENOENT);
    EXPECT_ERRNO(b.symlink("f", ""), ENOENT);
    EXPECT_ERRNO(b.symlink("f", "missing/x"), ENOENT);
    EXPECT_ERRNO(b.symlink("f", "f/x"), ENOTDIR);
    EXPECT_ERRNO(b.symlink(null(), "x"), EFAULT);
    EXPECT_ERRNO(b.symlink("f", null()), EFAULT);
    EXPECT_ERRNO(b.symlink(std::string(4096, 'a').c_str(), "long"), ENAMETOOLONG);
    EXPECT_OK(b.symlink(std::string(4095, 'a').c_str(), "longest"));
    EXPECT_EQ(lstat_of(b, "longest").st_size, 4095);
    EXPECT_ERRNO(b.readlink("f", buf, sizeof buf), EINVAL);
    EXPECT_ERRNO(b.readlink("d", buf, sizeof buf), EINVAL);
    EXPECT_ERRNO(b.readlink("link", buf, 0), EINVAL);
    EXPECT_ERRNO(b.readlink("missing", buf, sizeof buf), ENOENT);
    EXPECT_ERRNO(b.readlink("", buf, sizeof buf), ENOENT);
    EXPECT_ERRNO(b.readlink("f/x", buf, sizeof buf), ENOTDIR);
    EXPECT_ERRNO(b.readlink(null(), buf, sizeof buf), EFAULT);
    EXPECT_ERRNO(b.readlink("link", null(), sizeof buf), EFAULT);
}

TEST_P(Names, MknodAndMkfifo) {
    auto& b = be();
    EXPECT_OK(b.mkfifo("fifo", 0644));
    EXPECT_EQ(lstat_of(b, "fifo").st_mode, S_IFIFO | 0644u);
    EXPECT_EQ(lstat_of(b, "fifo").st_size, 0);
    EXPECT_OK(b.mknod("fifo2", S_IFIFO | 0600, 0));
    EXPECT_TRUE(S_ISFIFO(lstat_of(b, "fifo2").st_mode));
    EXPECT_OK(b.mknod("chr", S_IFCHR | 0640, makedev(1, 7)));
    struct stat st = lstat_of(b, "chr");
    EXPECT_EQ(st.st_mode, S_IFCHR | 0640u);
    EXPECT_EQ(st.st_rdev, makedev(1, 7));
    EXPECT_EQ(st.st_size, 0);
    EXPECT_OK(b.mknod("blk", S_IFBLK | 0600, makedev(259, 65537)));
    st = lstat_of(b, "blk");
    EXPECT_EQ(st.st_mode, S_IFBLK | 0600u);
    EXPECT_EQ(major(st.st_rdev), 259u);
    EXPECT_EQ(minor(st.st_rdev), 65537u);
    EXPECT_OK(b.mknod("sock", S_IFSOCK | 0644, 0));
    EXPECT_TRUE(S_ISSOCK(lstat_of(b, "sock").st_mode));
    EXPECT_OK(b.mknod("plain", 0644, 0));  // type 0 means a regular file
    EXPECT_EQ(lstat_of(b, "plain").st_mode, S_IFREG | 0644u);
    EXPECT_EQ(lstat_of(b, "plain").st_rdev, 0u);
    ASSERT_OK(b.mkdir("d", 0755));
    int dfd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.mknodat(dfd, "fifo", S_IFIFO | 0600, 0));
    EXPECT_TRUE(S_ISFIFO(lstat_of(b, "d/fifo").st_mode));
    EXPECT_ERRNO(b.mknodat(-1, "x", S_IFIFO | 0600, 0), EBADF);
    EXPECT_OK(b.close(dfd));
    EXPECT_EQ(lstat_of(b, "chr").st_nlink, 1u);
    EXPECT_OK(b.unlink("chr"));
    EXPECT_OK(b.unlink("fifo"));
}

TEST_P(Names, MknodErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    EXPECT_ERRNO(b.mknod("dir", S_IFDIR | 0755, 0), EPERM);
    EXPECT_ERRNO(b.mknod("bad", 0170000 | 0644, 0), EINVAL);
    EXPECT_ERRNO(b.mknod("f", S_IFIFO | 0644, 0), EEXIST);
    EXPECT_ERRNO(b.mkfifo("f", 0644), EEXIST);
    EXPECT_ERRNO(b.mkfifo("missing/x", 0644), ENOENT);
    EXPECT_ERRNO(b.mkfifo("", 0644), ENOENT);
    EXPECT_ERRNO(b.mkfifo("f/x", 0644), ENOTDIR);
    EXPECT_ERRNO(b.mkfifo(null(), 0644), EFAULT);
    EXPECT_FALSE(exists(b, "dir"));
    EXPECT_FALSE(exists(b, "bad"));
}

}  // namespace
}  // namespace conformance
