// rename, renameat and renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE).
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Rename);

TEST_P(Rename, FileToNewNameAndOverAFile) {
    auto& b = be();
    write_file(b, "a", "A");
    write_file(b, "b", "B");
    const ino_t a_ino = lstat_of(b, "a").st_ino;
    EXPECT_OK(b.rename("a", "c"));
    EXPECT_FALSE(exists(b, "a"));
    EXPECT_EQ(read_file(b, "c"), "A");
    EXPECT_EQ(lstat_of(b, "c").st_ino, a_ino);
    int fd;
    ASSERT_OK(fd = b.open("b", O_RDONLY));
    EXPECT_OK(b.rename("c", "b"));
    EXPECT_EQ(read_file(b, "b"), "A");
    EXPECT_EQ(fstat_of(b, fd).st_nlink, 0u);  // the replaced file lives on while open
    char c;
    EXPECT_EQ(b.read(fd, &c, 1), 1);
    EXPECT_EQ(c, 'B');
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(list_dir(b, "."), std::vector<std::string>{"b"});
}

TEST_P(Rename, ToItselfOrAnotherLinkOfTheSameFileDoesNothing) {
    auto& b = be();
    write_file(b, "a", "A");
    ASSERT_OK(b.link("a", "hard"));
    EXPECT_OK(b.rename("a", "a"));
    EXPECT_OK(b.rename("a", "hard"));
    EXPECT_TRUE(exists(b, "a"));
    EXPECT_TRUE(exists(b, "hard"));
    EXPECT_EQ(lstat_of(b, "a").st_nlink, 2u);
    ASSERT_OK(b.mkdir("d", 0755));
    EXPECT_OK(b.rename("d", "d"));
    EXPECT_TRUE(exists(b, "d"));
}

TEST_P(Rename, DirectoriesMoveWithTheirLinkCounts) {
    auto& b = be();
    ASSERT_OK(b.mkdir("p1", 0755));
    ASSERT_OK(b.mkdir("p2", 0755));
    ASSERT_OK(b.mkdir("p1/d", 0755));
    write_file(b, "p1/d/f", "inside");
    EXPECT_OK(b.rename("p1/d", "p2/d"));
    EXPECT_EQ(lstat_of(b, "p1").st_nlink, 2u);
    EXPECT_EQ(lstat_of(b, "p2").st_nlink, 3u);
    EXPECT_EQ(read_file(b, "p2/d/f"), "inside");
    EXPECT_EQ(stat_of(b, "p2/d/..").st_ino, lstat_of(b, "p2").st_ino);
    // Over an empty directory.
    ASSERT_OK(b.mkdir("p1/empty", 0755));
    EXPECT_OK(b.rename("p2/d", "p1/empty"));
    EXPECT_EQ(read_file(b, "p1/empty/f"), "inside");
    EXPECT_EQ(lstat_of(b, "p1").st_nlink, 3u);
    EXPECT_EQ(lstat_of(b, "p2").st_nlink, 2u);
    // Trailing slashes are fine on directories.
    EXPECT_OK(b.rename("p1/empty/", "p1/moved/"));
    EXPECT_EQ(read_file(b, "p1/moved/f"), "inside");
}

TEST_P(Rename, Errors) {
    auto& b = be();
    write_file(b, "file", "F");
    write_file(b, "file2", "F2");
    ASSERT_OK(b.mkdir("dir", 0755));
    ASSERT_OK(b.mkdir("full", 0755));
    write_file(b, "full/x", "x");
    ASSERT_OK(b.mkdir("dir/sub", 0755));
    EXPECT_ERRNO(b.rename("file", "dir"), EISDIR);
    EXPECT_ERRNO(b.rename("dir", "file"), ENOTDIR);
    EXPECT_ERRNO(b.rename("dir", "full"), ENOTEMPTY);
    EXPECT_ERRNO(b.rename("dir", "dir/sub/inside"), EINVAL);
    EXPECT_ERRNO(b.rename("dir", "dir/new"), EINVAL);
    EXPECT_ERRNO(b.rename("dir/sub", "dir"), ENOTEMPTY);  // onto its own parent
    EXPECT_ERRNO(b.rename("missing", "x"), ENOENT);
    EXPECT_ERRNO(b.rename("file", "missing/x"), ENOENT);
    EXPECT_ERRNO(b.rename("", "x"), ENOENT);
    EXPECT_ERRNO(b.rename("file", ""), ENOENT);
    EXPECT_ERRNO(b.rename("file/", "x"), ENOTDIR);
    EXPECT_ERRNO(b.rename("file", "x/"), ENOTDIR);
    EXPECT_ERRNO(b.rename("file", "file2/"), ENOTDIR);
    EXPECT_ERRNO(b.rename("file/x", "y"), ENOTDIR);
    EXPECT_ERRNO(b.rename("file", "file2/y"), ENOTDIR);
    EXPECT_ERRNO(b.rename(".", "x"), EBUSY);
    EXPECT_ERRNO(b.rename("dir/.", "x"), EBUSY);
    EXPECT_ERRNO(b.rename("dir/..", "x"), EBUSY);
    EXPECT_ERRNO(b.rename("file", "dir/."), EBUSY);
    EXPECT_ERRNO(b.rename(null(), "x"), EFAULT);
    EXPECT_ERRNO(b.rename("file", null()), EFAULT);
    EXPECT_ERRNO(b.renameat(-1, "file", AT_FDCWD, "x"), EBADF);
    EXPECT_ERRNO(b.renameat(AT_FDCWD, "file", -1, "x"), EBADF);
    // Nothing moved.
    EXPECT_EQ(list_dir(b, "."), (std::vector<std::string>{"dir", "file", "file2", "full"}));
    EXPECT_EQ(list_dir(b, "dir"), std::vector<std::string>{"sub"});
    EXPECT_EQ(read_file(b, "file"), "F");
}

TEST_P(Rename, SymlinksAreRenamedNotFollowed) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.symlink("d", "link"));
    EXPECT_OK(b.rename("link", "link2"));
    EXPECT_TRUE(S_ISLNK(lstat_of(b, "link2").st_mode));
    EXPECT_TRUE(exists(b, "d"));
    write_file(b, "f", "x");
    EXPECT_OK(b.rename("f", "link2"));  // replaces the link, not d
    EXPECT_TRUE(S_ISREG(lstat_of(b, "link2").st_mode));
    EXPECT_TRUE(S_ISDIR(lstat_of(b, "d").st_mode));
}

TEST_P(Rename, RenameatRelativeToDirectories) {
    auto& b = be();
    ASSERT_OK(b.mkdir("src", 0755));
    ASSERT_OK(b.mkdir("dst", 0755));
    write_file(b, "src/f", "moved");
    int sfd, dfd;
    ASSERT_OK(sfd = b.open("src", O_RDONLY | O_DIRECTORY));
    ASSERT_OK(dfd = b.open("dst", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.renameat(sfd, "f", dfd, "g"));
    EXPECT_EQ(read_file(b, "dst/g"), "moved");
    EXPECT_OK(b.renameat2(dfd, "g", AT_FDCWD, "top", 0));
    EXPECT_EQ(read_file(b, "top"), "moved");
    EXPECT_OK(b.close(sfd));
    EXPECT_OK(b.close(dfd));
}

TEST_P(Rename, NoReplace) {
    auto& b = be();
    write_file(b, "a", "A");
    write_file(b, "b", "B");
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.symlink("nowhere", "dangling"));
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "d", RENAME_NOREPLACE), EEXIST);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "dangling", RENAME_NOREPLACE), EEXIST);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "a", RENAME_NOREPLACE), EEXIST);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "missing", AT_FDCWD, "c", RENAME_NOREPLACE), ENOENT);
    EXPECT_OK(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
    EXPECT_EQ(read_file(b, "c"), "A");
    EXPECT_EQ(read_file(b, "b"), "B");
    EXPECT_FALSE(exists(b, "a"));
}

TEST_P(Rename, Exchange) {
    auto& b = be();
    write_file(b, "a", "A");
    ASSERT_OK(b.mkdir("p", 0755));
    ASSERT_OK(b.mkdir("p/d", 0755));
    write_file(b, "p/d/inner", "I");
    const nlink_t root_links = lstat_of(b, ".").st_nlink;
    // A file and a directory in different parents swap places; the
    // parents' link counts follow the directory.
    EXPECT_OK(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "p/d", RENAME_EXCHANGE));
    EXPECT_TRUE(S_ISDIR(lstat_of(b, "a").st_mode));
    EXPECT_EQ(read_file(b, "a/inner"), "I");
    EXPECT_EQ(read_file(b, "p/d"), "A");
    EXPECT_EQ(lstat_of(b, ".").st_nlink, root_links + 1);
    EXPECT_EQ(lstat_of(b, "p").st_nlink, 2u);
    EXPECT_EQ(stat_of(b, "a/..").st_ino, stat_of(b, ".").st_ino);
    // Two files.
    write_file(b, "x", "X");
    write_file(b, "y", "Y");
    EXPECT_OK(b.renameat2(AT_FDCWD, "x", AT_FDCWD, "y", RENAME_EXCHANGE));
    EXPECT_EQ(read_file(b, "x"), "Y");
    EXPECT_EQ(read_file(b, "y"), "X");
    // A non-empty directory may be exchanged too.
    ASSERT_OK(b.mkdir("e", 0755));
    EXPECT_OK(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "e", RENAME_EXCHANGE));
    EXPECT_EQ(read_file(b, "e/inner"), "I");
    EXPECT_OK(b.renameat2(AT_FDCWD, "x", AT_FDCWD, "x", RENAME_EXCHANGE));
    EXPECT_EQ(read_file(b, "x"), "Y");
}

TEST_P(Rename, ExchangeAndFlagErrors) {
    auto& b = be();
    write_file(b, "a", "A");
    write_file(b, "b", "B");
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.mkdir("d/sub", 0755));
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "missing", AT_FDCWD, "a", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "d", AT_FDCWD, "d/sub", RENAME_EXCHANGE), EINVAL);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "d/sub", AT_FDCWD, "d", RENAME_EXCHANGE), EINVAL);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE | RENAME_NOREPLACE),
                 EINVAL);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "a", AT_FDCWD, "b", 1u << 20), EINVAL);
    EXPECT_EQ(read_file(b, "a"), "A");
    EXPECT_EQ(read_file(b, "b"), "B");
    EXPECT_FALSE(exists(b, "missing"));
}

}  // namespace
}  // namespace conformance
