// Path resolution, driven through FileSystem: "..", symlinks, the session
// root as a jail, ELOOP, ENAMETOOLONG, ENOTDIR, EACCES and trailing slashes.
// Expected errors are Linux's, checked on the host kernel (tmpfs, and
// chroot(2) for the jail cases) where the man pages leave room.
#include "core/resolver.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/file_system.hpp"

namespace imfs::core {
namespace {

template <typename T>
int error_of(const Result<T>& result) {
    return result ? 0 : result.error().value;
}

class ResolverTest : public ::testing::Test {
  protected:
    void TearDown() override {
        if (s) fs.close_session(std::move(s));
    }

    void make_dir(const char* path, mode_t mode = 0755) {
        ASSERT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, path, mode)), 0) << path;
        // mkdir applies the umask; set the exact mode asked for.
        ASSERT_EQ(error_of(fs.fchmodat(*s, AT_FDCWD, path, mode, 0)), 0) << path;
    }
    void make_file(const char* path, std::string_view content = "") {
        Result<int> fd = fs.openat(*s, AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        ASSERT_TRUE(fd.has_value()) << path << ": errno " << error_of(fd);
        iovec buffer{const_cast<char*>(content.data()), content.size()};
        ASSERT_EQ(fs.write(*s, *fd, {&buffer, 1}, std::nullopt).value_or(0), content.size());
        ASSERT_EQ(error_of(fs.close(*s, *fd)), 0);
    }
    void make_symlink(const char* target, const char* path) {
        ASSERT_EQ(error_of(fs.symlinkat(*s, target, AT_FDCWD, path)), 0) << path;
    }

    // The inode number path names for session, or 0 with a test failure.
    ino_t ino_of(Session& session, const char* path, int flags = 0) {
        struct stat st {};
        Result<void> done = fs.fstatat(session, AT_FDCWD, path, st, flags);
        EXPECT_TRUE(done.has_value()) << path << ": errno " << error_of(done);
        return done ? st.st_ino : 0;
    }
    ino_t ino_of(const char* path, int flags = 0) { return ino_of(*s, path, flags); }
    int stat_error(Session& session, const char* path, int flags = 0) {
        struct stat st {};
        return error_of(fs.fstatat(session, AT_FDCWD, path, st, flags));
    }
    int stat_error(const char* path, int flags = 0) { return stat_error(*s, path, flags); }
    bool exists(const char* path) { return stat_error(path, AT_SYMLINK_NOFOLLOW) == 0; }
    // Opens and closes path; the errno, or 0.
    int open_error(Session& session, const char* path, int flags, mode_t mode = 0644) {
        Result<int> fd = fs.openat(session, AT_FDCWD, path, flags, mode);
        if (!fd) return fd.error().value;
        EXPECT_TRUE(fs.close(session, *fd).has_value());
        return 0;
    }
    int open_error(const char* path, int flags, mode_t mode = 0644) {
        return open_error(*s, path, flags, mode);
    }

    FileSystem fs;
    std::unique_ptr<Session> s = fs.open_session(SessionSpec{}).value();
};

// ---- "." and ".." ----

TEST_F(ResolverTest, DotDotAtTheRootStaysAtTheRoot) {
    make_dir("/a");
    ino_t root = ino_of("/");
    EXPECT_EQ(ino_of(".."), root);
    EXPECT_EQ(ino_of("/.."), root);
    EXPECT_EQ(ino_of("/../../.."), root);
    EXPECT_EQ(ino_of("a/../.."), root);
    EXPECT_EQ(ino_of("/../a"), ino_of("/a"));
    EXPECT_EQ(ino_of("../../a/."), ino_of("/a"));
}

TEST_F(ResolverTest, DotAndDotDotWalkTheTree) {
    make_dir("/a");
    make_dir("/a/b");
    make_dir("/c");
    EXPECT_EQ(ino_of("/a/b/.."), ino_of("/a"));
    EXPECT_EQ(ino_of("/a/./b/."), ino_of("/a/b"));
    EXPECT_EQ(ino_of("/a/b/../../c"), ino_of("/c"));
    EXPECT_EQ(ino_of("a//b///"), ino_of("/a/b"));
    EXPECT_NE(ino_of("/a"), ino_of("/a/b"));
}

TEST_F(ResolverTest, DotDotOfAMovedDirectoryIsItsNewParent) {
    make_dir("/a");
    make_dir("/b");
    make_dir("/a/d");
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/a/d", AT_FDCWD, "/b/d", 0)), 0);
    EXPECT_EQ(ino_of("/b/d/.."), ino_of("/b"));
}

TEST_F(ResolverTest, RelativePathsStartAtTheWorkingDirectoryOrDirfd) {
    make_dir("/a");
    make_dir("/a/b");
    make_file("/a/b/f");
    ASSERT_EQ(error_of(fs.chdir(*s, "/a")), 0);
    EXPECT_EQ(ino_of("b/f"), ino_of("/a/b/f"));
    EXPECT_EQ(ino_of("../a/b"), ino_of("/a/b"));

    Result<int> dir = fs.openat(*s, AT_FDCWD, "/a/b", O_RDONLY | O_DIRECTORY, 0);
    ASSERT_TRUE(dir.has_value());
    struct stat st {};
    ASSERT_EQ(error_of(fs.fstatat(*s, *dir, "f", st, 0)), 0);
    EXPECT_EQ(st.st_ino, ino_of("/a/b/f"));
    ASSERT_EQ(error_of(fs.fstatat(*s, *dir, "..", st, 0)), 0);
    EXPECT_EQ(st.st_ino, ino_of("/a"));
    // An absolute path ignores dirfd, even a bad one.
    EXPECT_EQ(error_of(fs.fstatat(*s, 999, "/a/b/f", st, 0)), 0);
    EXPECT_EQ(error_of(fs.fstatat(*s, 999, "f", st, 0)), EBADF);

    Result<int> file = fs.openat(*s, *dir, "f", O_RDONLY, 0);
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(error_of(fs.fstatat(*s, *file, "x", st, 0)), ENOTDIR);
}

TEST_F(ResolverTest, EmptyAndNullPaths) {
    struct stat st {};
    EXPECT_EQ(stat_error(""), ENOENT);
    EXPECT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, nullptr, st, 0)), EFAULT);
    EXPECT_EQ(open_error("", O_RDONLY), ENOENT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "", 0755)), ENOENT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, nullptr, 0755)), EFAULT);
    make_file("/f", "abc");
    Result<int> fd = fs.openat(*s, AT_FDCWD, "/f", O_RDONLY, 0);
    ASSERT_TRUE(fd.has_value());
    ASSERT_EQ(error_of(fs.fstatat(*s, *fd, "", st, AT_EMPTY_PATH)), 0);
    EXPECT_EQ(st.st_ino, ino_of("/f"));
    EXPECT_EQ(st.st_size, 3);
}

// ---- Symlinks ----

TEST_F(ResolverTest, RelativeSymlinksResolveFromTheirOwnDirectory) {
    make_dir("/a");
    make_file("/target");
    make_file("/a/target");
    make_symlink("../target", "/a/up");
    make_symlink("target", "/a/here");
    ASSERT_EQ(error_of(fs.chdir(*s, "/a")), 0);
    EXPECT_EQ(ino_of("/a/up"), ino_of("/target"));
    EXPECT_EQ(ino_of("/a/here"), ino_of("/a/target"));
    EXPECT_NE(ino_of("/a/up"), ino_of("/a/here"));
}

TEST_F(ResolverTest, SymlinksInTheMiddleOfAPathAreFollowed) {
    make_dir("/real");
    make_file("/real/f");
    make_symlink("/real", "/abs");
    make_symlink("real", "/rel");
    EXPECT_EQ(ino_of("/abs/f"), ino_of("/real/f"));
    EXPECT_EQ(ino_of("/rel/f"), ino_of("/real/f"));
    EXPECT_EQ(ino_of("/abs/../rel/f"), ino_of("/real/f"));
    // AT_SYMLINK_NOFOLLOW concerns only the last component.
    EXPECT_EQ(ino_of("/abs/f", AT_SYMLINK_NOFOLLOW), ino_of("/real/f"));
    EXPECT_NE(ino_of("/abs", AT_SYMLINK_NOFOLLOW), ino_of("/real"));
}

TEST_F(ResolverTest, ASymlinkToTheRootNamesTheRoot) {
    make_symlink("/", "/toroot");
    make_symlink("///", "/slashes");
    EXPECT_EQ(ino_of("/toroot"), ino_of("/"));
    EXPECT_EQ(ino_of("/slashes"), ino_of("/"));
    EXPECT_EQ(ino_of("/toroot/toroot/."), ino_of("/"));
}

TEST_F(ResolverTest, ADanglingSymlinkIsEnoentWhenFollowed) {
    make_symlink("/nowhere", "/dangling");
    EXPECT_EQ(stat_error("/dangling"), ENOENT);
    EXPECT_EQ(stat_error("/dangling", AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(stat_error("/dangling/x"), ENOENT);
}

TEST_F(ResolverTest, ATrailingSlashInASymlinkTargetAsksForADirectory) {
    // On the host: stat() through a link to "file/" is ENOTDIR, and
    // O_CREAT through a dangling link to "newt/" is EISDIR, creating nothing.
    make_file("/file");
    make_dir("/dir");
    make_symlink("file/", "/lf_slash");
    make_symlink("dir/", "/ld_slash");
    make_symlink("newt/", "/dangling_slash");
    EXPECT_EQ(stat_error("/lf_slash"), ENOTDIR);
    EXPECT_EQ(open_error("/lf_slash", O_RDONLY), ENOTDIR);
    EXPECT_EQ(stat_error("/lf_slash", AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(ino_of("/ld_slash"), ino_of("/dir"));
    EXPECT_EQ(open_error("/dangling_slash", O_CREAT | O_WRONLY), EISDIR);
    EXPECT_EQ(stat_error("/newt"), ENOENT);
}

TEST_F(ResolverTest, OCreatWithOExclDoesNotFollowADanglingSymlink) {
    make_symlink("target_new", "/dangling");
    EXPECT_EQ(open_error("/dangling", O_CREAT | O_EXCL | O_WRONLY), EEXIST);
    EXPECT_EQ(stat_error("/target_new"), ENOENT);
    EXPECT_EQ(open_error("/dangling", O_CREAT | O_WRONLY), 0);
    EXPECT_EQ(ino_of("/dangling"), ino_of("/target_new"));
}

TEST_F(ResolverTest, FortySymlinksAreFollowedAndTheFortyFirstIsEloop) {
    make_dir("/dir");
    // c1 -> dir, cN -> c(N-1): following cN follows N links (MAXSYMLINKS is
    // 40; on the host, open("c40") works and open("c41") gives ELOOP).
    make_symlink("dir", "/c1");
    for (int n = 2; n <= 42; ++n) {
        std::string name = "/c" + std::to_string(n);
        std::string target = "c" + std::to_string(n - 1);
        make_symlink(target.c_str(), name.c_str());
    }
    ino_t dir = ino_of("/dir");
    EXPECT_EQ(ino_of("/c39"), dir);
    EXPECT_EQ(ino_of("/c40"), dir);
    EXPECT_EQ(stat_error("/c41"), ELOOP);
    EXPECT_EQ(stat_error("/c42"), ELOOP);
    EXPECT_EQ(open_error("/c40", O_RDONLY), 0);
    EXPECT_EQ(open_error("/c41", O_RDONLY), ELOOP);
    EXPECT_EQ(ino_of("/c40/."), dir);
    EXPECT_EQ(stat_error("/c41/."), ELOOP);
    EXPECT_EQ(open_error("/c40/", O_RDONLY), 0);
    // Not following the last link costs nothing.
    EXPECT_EQ(stat_error("/c41", AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(open_error("/c41", O_PATH | O_NOFOLLOW), 0);
}

TEST_F(ResolverTest, TheSymlinkLimitCountsTheWholeWalk) {
    make_dir("/dir");
    make_symlink("dir", "/c1");
    for (int n = 2; n <= 21; ++n) {
        std::string name = "/c" + std::to_string(n);
        std::string target = "c" + std::to_string(n - 1);
        make_symlink(target.c_str(), name.c_str());
    }
    // 20 + 20 links: fine; 20 + 21: ELOOP (as on the host).
    EXPECT_EQ(ino_of("/c20/../c20"), ino_of("/dir"));
    EXPECT_EQ(stat_error("/c20/../c21"), ELOOP);
    EXPECT_EQ(ino_of("/c19/../c21"), ino_of("/dir"));
}

TEST_F(ResolverTest, ASymlinkLoopIsEloop) {
    make_symlink("loop", "/loop");
    make_symlink("/pong", "/ping");
    make_symlink("/ping", "/pong");
    EXPECT_EQ(stat_error("/loop"), ELOOP);
    EXPECT_EQ(stat_error("/ping"), ELOOP);
    EXPECT_EQ(stat_error("/ping/x"), ELOOP);
    EXPECT_EQ(open_error("/loop", O_RDONLY), ELOOP);
    EXPECT_EQ(open_error("/loop", O_CREAT | O_WRONLY), ELOOP);
    EXPECT_EQ(stat_error("/loop", AT_SYMLINK_NOFOLLOW), 0);
    // O_NOFOLLOW on a symlink: ELOOP (open(2)).
    EXPECT_EQ(open_error("/loop", O_RDONLY | O_NOFOLLOW), ELOOP);
}

// ---- Lengths ----

TEST_F(ResolverTest, AComponentOf256BytesIsEnametoolong) {
    std::string name255 = "/" + std::string(NAME_MAX, 'n');
    std::string name256 = "/" + std::string(NAME_MAX + 1, 'n');
    EXPECT_EQ(stat_error(name256.c_str()), ENAMETOOLONG);
    EXPECT_EQ(stat_error(name255.c_str()), ENOENT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, name256.c_str(), 0755)), ENAMETOOLONG);
    EXPECT_EQ(open_error(name256.c_str(), O_CREAT | O_WRONLY), ENAMETOOLONG);
    EXPECT_EQ(error_of(fs.symlinkat(*s, "x", AT_FDCWD, name256.c_str())), ENAMETOOLONG);
    EXPECT_EQ(stat_error((name256 + "/x").c_str()), ENAMETOOLONG);

    EXPECT_EQ(open_error(name255.c_str(), O_CREAT | O_WRONLY), 0);
    EXPECT_EQ(stat_error(name255.c_str()), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, ("/d" + name255).c_str(), 0755)), ENOENT);
}

TEST_F(ResolverTest, ALongComponentInASymlinkTargetIsEnametoolong) {
    std::string target(NAME_MAX + 1, 't');
    make_symlink(target.c_str(), "/long");
    EXPECT_EQ(stat_error("/long"), ENAMETOOLONG);
    EXPECT_EQ(stat_error("/long", AT_SYMLINK_NOFOLLOW), 0);
}

TEST_F(ResolverTest, ASymlinkTargetIsAtMostPathMaxMinusOne) {
    std::string fits(PATH_MAX - 1, 'a');
    std::string too_long(PATH_MAX, 'a');
    EXPECT_EQ(error_of(fs.symlinkat(*s, too_long.c_str(), AT_FDCWD, "/bad")), ENAMETOOLONG);
    EXPECT_EQ(stat_error("/bad", AT_SYMLINK_NOFOLLOW), ENOENT);
    EXPECT_EQ(error_of(fs.symlinkat(*s, fits.c_str(), AT_FDCWD, "/good")), 0);
    EXPECT_EQ(stat_error("/good"), ENAMETOOLONG) << "one 4095-byte component";
    struct stat st {};
    ASSERT_EQ(error_of(fs.fstatat(*s, AT_FDCWD, "/good", st, AT_SYMLINK_NOFOLLOW)), 0);
    EXPECT_EQ(st.st_size, PATH_MAX - 1);
}

TEST_F(ResolverTest, PathMaxIncludesTheNul) {
    make_dir("/d");
    // "./" repeated, then "d": 4095 bytes in all.
    std::string path;
    while (path.size() + 2 <= PATH_MAX - 2)
        path += "./";
    path += "d";
    while (path.size() < PATH_MAX - 1)
        path.insert(0, "/");
    ASSERT_EQ(path.size(), 4095u);
    EXPECT_EQ(ino_of(path.c_str()), ino_of("/d"));
    path.insert(0, "/");
    EXPECT_EQ(stat_error(path.c_str()), ENAMETOOLONG);
    EXPECT_EQ(open_error(path.c_str(), O_RDONLY), ENAMETOOLONG);
}

// ---- ENOTDIR ----

TEST_F(ResolverTest, WalkingThroughAFileIsEnotdir) {
    make_file("/file");
    make_symlink("file", "/lfile");
    EXPECT_EQ(stat_error("/file/x"), ENOTDIR);
    EXPECT_EQ(stat_error("/file/."), ENOTDIR);
    EXPECT_EQ(stat_error("/file/.."), ENOTDIR);
    EXPECT_EQ(stat_error("/file/"), ENOTDIR);
    EXPECT_EQ(stat_error("/lfile/x"), ENOTDIR);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/file/sub", 0755)), ENOTDIR);
    EXPECT_EQ(open_error("/file/new", O_CREAT | O_WRONLY), ENOTDIR);
    EXPECT_EQ(error_of(fs.chdir(*s, "/file")), ENOTDIR);
}

// ---- Search permission ----

class PermissionTest : public ResolverTest {
  protected:
    void SetUp() override {
        make_dir("/noexec", 0700);  // root's, no search for others
        make_file("/noexec/f");
        make_dir("/xonly", 0711);
        make_file("/xonly/f");
        make_dir("/group", 0710);
        make_file("/group/f");
        ASSERT_EQ(error_of(fs.fchownat(*s, AT_FDCWD, "/group", 0, 1000, 0)), 0);
        make_dir("/locked", 0755);
        make_dir("/locked/inner", 0);
        make_symlink("/noexec/f", "/into_noexec");
        user = fs.open_session(SessionSpec{}).value();
        ASSERT_EQ(error_of(fs.set_credentials(*user, Credentials{1000, 1000, {}})), 0);
    }
    void TearDown() override {
        if (user) fs.close_session(std::move(user));
        ResolverTest::TearDown();
    }
    std::unique_ptr<Session> user;
};

TEST_F(PermissionTest, NoSearchPermissionIsEacces) {
    EXPECT_EQ(stat_error(*user, "/noexec/f"), EACCES);
    EXPECT_EQ(stat_error(*user, "/noexec/missing"), EACCES) << "EACCES before ENOENT";
    EXPECT_EQ(stat_error(*user, "/noexec/.."), EACCES);
    EXPECT_EQ(stat_error(*user, "/noexec/."), EACCES);
    EXPECT_EQ(stat_error(*user, "/into_noexec"), EACCES);
    EXPECT_EQ(open_error(*user, "/noexec/f", O_RDONLY), EACCES);
    EXPECT_EQ(open_error(*user, "/noexec/", O_RDONLY), EACCES);
    EXPECT_EQ(error_of(fs.mkdirat(*user, AT_FDCWD, "/noexec/x", 0755)), EACCES);
    EXPECT_EQ(error_of(fs.chdir(*user, "/noexec")), EACCES);
    EXPECT_EQ(stat_error(*user, "/locked/inner/x"), EACCES);
    // The directory itself may still be looked at.
    EXPECT_EQ(stat_error(*user, "/noexec"), 0);
    EXPECT_EQ(stat_error(*user, "/locked/inner"), 0);
}

TEST_F(PermissionTest, SearchPermissionIsCheckedBeforeTheNameLength) {
    std::string long_name = "/noexec/" + std::string(NAME_MAX + 1, 'n');
    EXPECT_EQ(stat_error(*user, long_name.c_str()), EACCES);
    EXPECT_EQ(stat_error(long_name.c_str()), ENAMETOOLONG) << "root may search";
}

TEST_F(PermissionTest, SearchWithoutReadIsEnough) {
    EXPECT_EQ(stat_error(*user, "/xonly/f"), 0);
    EXPECT_EQ(open_error(*user, "/xonly/f", O_RDONLY), 0);
}

TEST_F(PermissionTest, GroupSearchPermissionUsesPrimaryAndSupplementaryGroups) {
    EXPECT_EQ(stat_error(*user, "/group/f"), 0) << "primary group 1000";
    ASSERT_EQ(error_of(fs.set_credentials(*user, Credentials{1000, 2000, {}})), 0);
    EXPECT_EQ(stat_error(*user, "/group/f"), EACCES);
    ASSERT_EQ(error_of(fs.set_credentials(*user, Credentials{1000, 2000, {3000, 1000}})), 0);
    EXPECT_EQ(stat_error(*user, "/group/f"), 0) << "supplementary group 1000";
}

TEST_F(PermissionTest, RootSearchesEverything) {
    EXPECT_EQ(stat_error("/noexec/f"), 0);
    EXPECT_EQ(stat_error("/locked/inner/x"), ENOENT);
}

TEST_F(PermissionTest, CreatingWithoutWritePermissionIsEacces) {
    EXPECT_EQ(error_of(fs.mkdirat(*user, AT_FDCWD, "/xonly/new", 0755)), EACCES);
    EXPECT_EQ(open_error(*user, "/xonly/new", O_CREAT | O_WRONLY), EACCES);
    EXPECT_FALSE(exists("/xonly/new"));
}

// ---- Trailing slashes (each checked on the host) ----

class TrailingSlashTest : public ResolverTest {
  protected:
    void SetUp() override {
        make_file("/file");
        make_dir("/dir");
        make_symlink("dir", "/ldir");
        make_symlink("file", "/lfile");
    }
};

TEST_F(TrailingSlashTest, LookupsWantADirectory) {
    EXPECT_EQ(stat_error("/file/"), ENOTDIR);
    EXPECT_EQ(stat_error("/dir/"), 0);
    EXPECT_EQ(stat_error("/dir//"), 0);
    EXPECT_EQ(stat_error("/missing/"), ENOENT);
    // A trailing slash follows a symlink even under AT_SYMLINK_NOFOLLOW.
    EXPECT_EQ(ino_of("/ldir/", AT_SYMLINK_NOFOLLOW), ino_of("/dir"));
    EXPECT_EQ(stat_error("/lfile/", AT_SYMLINK_NOFOLLOW), ENOTDIR);
}

TEST_F(TrailingSlashTest, Open) {
    EXPECT_EQ(open_error("/file/", O_RDONLY), ENOTDIR);
    EXPECT_EQ(open_error("/dir/", O_RDONLY), 0);
    EXPECT_EQ(open_error("/new/", O_CREAT | O_WRONLY), EISDIR);
    EXPECT_EQ(open_error("/file/", O_CREAT | O_WRONLY), EISDIR);
    EXPECT_EQ(open_error("/dir/", O_CREAT | O_WRONLY), EISDIR);
    EXPECT_FALSE(exists("/new"));
}

TEST_F(TrailingSlashTest, MkdirAndRmdir) {
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/nd/", 0755)), 0);
    EXPECT_EQ(stat_error("/nd"), 0);
    EXPECT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/nd/", AT_REMOVEDIR)), 0);
    EXPECT_FALSE(exists("/nd"));
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "/file/", 0755)), EEXIST);
    EXPECT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/file/", AT_REMOVEDIR)), ENOTDIR);
}

TEST_F(TrailingSlashTest, Unlink) {
    EXPECT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/file/", 0)), ENOTDIR);
    EXPECT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/dir/", 0)), EISDIR);
    EXPECT_TRUE(exists("/file"));
    EXPECT_TRUE(exists("/dir"));
}

TEST_F(TrailingSlashTest, Rename) {
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/file", AT_FDCWD, "/newname/", 0)), ENOTDIR);
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/file/", AT_FDCWD, "/newname", 0)), ENOTDIR);
    EXPECT_TRUE(exists("/file"));
    EXPECT_FALSE(exists("/newname"));
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/dir", AT_FDCWD, "/d3/", 0)), 0);
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/d3/", AT_FDCWD, "/dir", 0)), 0);
    EXPECT_TRUE(exists("/dir"));
}

TEST_F(TrailingSlashTest, NewNamesWithASlashForNonDirectories) {
    EXPECT_EQ(error_of(fs.symlinkat(*s, "x", AT_FDCWD, "/newlink/")), ENOENT);
    EXPECT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/file", AT_FDCWD, "/newhard/", 0)), ENOENT);
    EXPECT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/file/", AT_FDCWD, "/newhard", 0)), ENOTDIR);
    EXPECT_EQ(error_of(fs.mknodat(*s, AT_FDCWD, "/newnod/", S_IFIFO | 0644, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.symlinkat(*s, "x", AT_FDCWD, "/file/")), EEXIST);
    EXPECT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/file", AT_FDCWD, "/dir/", 0)), EEXIST);
    EXPECT_FALSE(exists("/newlink"));
    EXPECT_FALSE(exists("/newhard"));
    EXPECT_FALSE(exists("/newnod"));
}

// ---- The session root as a jail ----

class JailTest : public ResolverTest {
  protected:
    void SetUp() override {
        make_file("/secret", "top secret");
        make_dir("/jail");
        make_dir("/jail/sub");
        make_file("/jail/inside", "inside");
        make_symlink("/secret", "/jail/admin_link");
        jailed = fs.open_session(SessionSpec{}).value();
        ASSERT_EQ(error_of(fs.narrow_root(*jailed, "/jail")), 0);
    }
    void TearDown() override {
        if (jailed) fs.close_session(std::move(jailed));
        ResolverTest::TearDown();
    }
    int jailed_stat_error(const char* path) { return stat_error(*jailed, path); }

    std::unique_ptr<Session> jailed;
};

TEST_F(JailTest, TheRootIsTheJail) {
    ino_t jail = ino_of("/jail");
    EXPECT_EQ(ino_of(*jailed, "/"), jail);
    EXPECT_EQ(ino_of(*jailed, "."), jail);
    EXPECT_EQ(ino_of(*jailed, ".."), jail);
    EXPECT_EQ(ino_of(*jailed, "/.."), jail);
    EXPECT_EQ(ino_of(*jailed, "../.."), jail);
    EXPECT_EQ(ino_of(*jailed, "sub/../.."), jail);
    EXPECT_EQ(ino_of(*jailed, "/sub/../../../sub/.."), jail);
    EXPECT_EQ(ino_of(*jailed, "/inside"), ino_of("/jail/inside"));
    Result<std::string> cwd = fs.getcwd(*jailed);
    ASSERT_TRUE(cwd.has_value());
    EXPECT_EQ(*cwd, "/");
}

TEST_F(JailTest, NothingOutsideCanBeNamed) {
    EXPECT_EQ(jailed_stat_error("../secret"), ENOENT);
    EXPECT_EQ(jailed_stat_error("/../secret"), ENOENT);
    EXPECT_EQ(jailed_stat_error("/secret"), ENOENT);
    EXPECT_EQ(jailed_stat_error("sub/../../secret"), ENOENT);
    EXPECT_EQ(jailed_stat_error("/jail/inside"), ENOENT);
    EXPECT_EQ(open_error(*jailed, "/../secret", O_RDONLY), ENOENT);
    ASSERT_EQ(error_of(fs.chdir(*jailed, "sub")), 0);
    EXPECT_EQ(jailed_stat_error("../../secret"), ENOENT);
    ASSERT_EQ(error_of(fs.chdir(*jailed, "../../..")), 0);
    EXPECT_EQ(fs.getcwd(*jailed).value_or("?"), "/");
}

TEST_F(JailTest, AnAbsoluteSymlinkStartsAtTheSessionRoot) {
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "/secret", AT_FDCWD, "abs")), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "../../secret", AT_FDCWD, "sub/rel")), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "/", AT_FDCWD, "up")), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "/inside", AT_FDCWD, "sub/abs_inside")), 0);
    EXPECT_EQ(jailed_stat_error("abs"), ENOENT);
    EXPECT_EQ(jailed_stat_error("sub/rel"), ENOENT);
    EXPECT_EQ(jailed_stat_error("admin_link"), ENOENT) << "the admin's link, read in the jail";
    EXPECT_EQ(jailed_stat_error("up/../secret"), ENOENT);
    EXPECT_EQ(ino_of(*jailed, "up"), ino_of("/jail"));
    EXPECT_EQ(ino_of(*jailed, "sub/abs_inside"), ino_of("/jail/inside"));
    // Outside the jail the same admin link reaches the real /secret.
    EXPECT_EQ(ino_of("/jail/admin_link"), ino_of("/secret"));

    // Once the jail has its own "secret", the links find that one.
    ASSERT_EQ(open_error(*jailed, "/secret", O_CREAT | O_WRONLY), 0);
    EXPECT_EQ(ino_of(*jailed, "abs"), ino_of("/jail/secret"));
    EXPECT_EQ(ino_of(*jailed, "sub/rel"), ino_of("/jail/secret"));
    EXPECT_NE(ino_of(*jailed, "abs"), ino_of("/secret"));
}

TEST_F(JailTest, CreatingThroughADanglingSymlinkStaysInside) {
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "/secret2", AT_FDCWD, "dangling")), 0);
    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "../../made_dir", AT_FDCWD, "sub/dangling_dir")), 0);
    EXPECT_EQ(open_error(*jailed, "dangling", O_CREAT | O_WRONLY), 0);
    EXPECT_EQ(stat_error("/secret2"), ENOENT);
    EXPECT_EQ(stat_error("/jail/secret2"), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*jailed, AT_FDCWD, "../../escape", 0755)), 0);
    EXPECT_EQ(stat_error("/escape"), ENOENT);
    EXPECT_EQ(stat_error("/jail/escape"), 0);
}

TEST_F(JailTest, RenameAndLinkCannotLeaveTheRoot) {
    // As under chroot(2) on the host: "../.." at the root is the root.
    EXPECT_EQ(error_of(fs.renameat2(*jailed, AT_FDCWD, "inside", AT_FDCWD, "../../moved", 0)), 0);
    EXPECT_EQ(stat_error("/moved"), ENOENT);
    EXPECT_EQ(stat_error("/jail/moved"), 0);
    EXPECT_EQ(stat_error("/jail/inside"), ENOENT);

    EXPECT_EQ(error_of(fs.linkat(*jailed, AT_FDCWD, "moved", AT_FDCWD, "/../hard", 0)), 0);
    EXPECT_EQ(stat_error("/hard"), ENOENT);
    EXPECT_EQ(ino_of("/jail/hard"), ino_of("/jail/moved"));

    ASSERT_EQ(error_of(fs.symlinkat(*jailed, "/", AT_FDCWD, "up")), 0);
    EXPECT_EQ(error_of(fs.renameat2(*jailed, AT_FDCWD, "sub", AT_FDCWD, "up/../../sub2", 0)), 0);
    EXPECT_EQ(stat_error("/sub2"), ENOENT);
    EXPECT_EQ(stat_error("/jail/sub2"), 0);
}

TEST_F(JailTest, NothingOutsideCanBeMovedOrLinkedIn) {
    EXPECT_EQ(error_of(fs.renameat2(*jailed, AT_FDCWD, "/../secret", AT_FDCWD, "stolen", 0)),
              ENOENT);
    EXPECT_EQ(error_of(fs.linkat(*jailed, AT_FDCWD, "../../secret", AT_FDCWD, "stolen", 0)),
              ENOENT);
    EXPECT_EQ(
        error_of(fs.linkat(*jailed, AT_FDCWD, "admin_link", AT_FDCWD, "stolen", AT_SYMLINK_FOLLOW)),
        ENOENT);
    EXPECT_EQ(stat_error("/jail/stolen"), ENOENT);
    EXPECT_EQ(stat_error("/secret"), 0);
}

TEST_F(JailTest, TheRootItselfCannotBeRenamed) {
    EXPECT_EQ(error_of(fs.renameat2(*jailed, AT_FDCWD, "/", AT_FDCWD, "x", 0)), EBUSY);
    EXPECT_EQ(error_of(fs.renameat2(*jailed, AT_FDCWD, "..", AT_FDCWD, "x", 0)), EBUSY);
    EXPECT_EQ(error_of(fs.unlinkat(*jailed, AT_FDCWD, "/", AT_REMOVEDIR)), EBUSY);
    EXPECT_EQ(stat_error("/jail"), 0);
}

TEST_F(JailTest, NarrowRootIsResolvedInsideTheRoot) {
    ino_t jail = ino_of("/jail");
    ASSERT_EQ(error_of(fs.narrow_root(*jailed, "..")), 0);
    EXPECT_EQ(ino_of(*jailed, "/"), jail);
    EXPECT_EQ(error_of(fs.narrow_root(*jailed, "admin_link/..")), ENOENT);
    EXPECT_EQ(error_of(fs.narrow_root(*jailed, "/inside")), ENOTDIR);
    EXPECT_EQ(error_of(fs.narrow_root(*jailed, "/missing")), ENOENT);
    EXPECT_EQ(ino_of(*jailed, "/"), jail);
    ASSERT_EQ(error_of(fs.narrow_root(*jailed, "/sub")), 0);
    EXPECT_EQ(ino_of(*jailed, "/"), ino_of("/jail/sub"));
    EXPECT_EQ(ino_of(*jailed, "/.."), ino_of("/jail/sub"));
    EXPECT_EQ(stat_error(*jailed, "/inside"), ENOENT);
}

TEST_F(JailTest, TheJailStaysTheRootWhenItIsMovedOrRemoved) {
    ino_t jail = ino_of("/jail");
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/jail", AT_FDCWD, "/elsewhere", 0)), 0);
    EXPECT_EQ(ino_of(*jailed, "/"), jail);
    EXPECT_EQ(ino_of(*jailed, "/.."), jail);
    EXPECT_EQ(ino_of(*jailed, "/inside"), ino_of("/elsewhere/inside"));
    EXPECT_EQ(jailed_stat_error("../secret"), ENOENT);
    ASSERT_EQ(error_of(fs.chdir(*jailed, "sub")), 0);
    EXPECT_EQ(fs.getcwd(*jailed).value_or("?"), "/sub");
}

TEST_F(JailTest, AForkedSessionIsJailedToo) {
    std::unique_ptr<Session> child = fs.fork_session(*jailed).value();
    EXPECT_EQ(ino_of(*child, "/"), ino_of("/jail"));
    EXPECT_EQ(stat_error(*child, "/../secret"), ENOENT);
    fs.close_session(std::move(child));
}

TEST_F(JailTest, ASessionOpenedBelowTheRootIsConfinedTheSameWay) {
    SessionSpec spec;
    spec.root = "/jail";
    std::unique_ptr<Session> boxed = fs.open_session(spec).value();
    EXPECT_EQ(ino_of(*boxed, "/.."), ino_of("/jail"));
    EXPECT_EQ(stat_error(*boxed, "../secret"), ENOENT);
    EXPECT_EQ(stat_error(*boxed, "admin_link"), ENOENT);
    fs.close_session(std::move(boxed));
}

}  // namespace
}  // namespace imfs::core

namespace imfs::core {
namespace {

// ---- Regressions found in review ----

// ".." from a directory whose parent was removed too: the old parent's slot
// is free (or reused), so the walk must not follow the stale link.
TEST_F(ResolverTest, DotDotFromARemovedDirectoryWhoseParentIsGone) {
    make_dir("/a");
    make_dir("/a/b");
    Result<int> fd = fs.openat(*s, AT_FDCWD, "/a/b", O_RDONLY | O_DIRECTORY, 0);
    ASSERT_TRUE(fd.has_value());
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/a/b", AT_REMOVEDIR)), 0);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/a", AT_REMOVEDIR)), 0);
    make_dir("/reuses-the-slot");
    struct stat st {};
    EXPECT_EQ(error_of(fs.fstatat(*s, *fd, "../x", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.fstatat(*s, *fd, "..", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.fstatat(*s, *fd, "x", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.fstatat(*s, *fd, ".", st, 0)), 0);  // still names itself
    EXPECT_EQ(st.st_nlink, 0u);
    make_dir("/c");
    // Nothing can be moved into it either (and nothing crashes trying).
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/c", *fd, "x", 0)), ENOENT);
    make_file("/f");
    EXPECT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/f", *fd, "f", 0)), ENOENT);
    EXPECT_TRUE(exists("/f"));
    EXPECT_EQ(error_of(fs.close(*s, *fd)), 0);
}

// A directory another session moves out of a jailed session's view is no
// way out of the jail: walks starting there fail instead of climbing.
TEST_F(ResolverTest, AWorkingDirectoryMovedOutOfTheRootLeadsNowhere) {
    make_dir("/jail");
    make_dir("/jail/x");
    make_dir("/outside");
    make_file("/secret", "top secret");
    std::unique_ptr<Session> jailed = fs.open_session(SessionSpec{}).value();
    ASSERT_EQ(error_of(fs.narrow_root(*jailed, "/jail")), 0);
    ASSERT_EQ(error_of(fs.chdir(*jailed, "/x")), 0);
    Result<int> dirfd = fs.openat(*jailed, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
    ASSERT_TRUE(dirfd.has_value());
    // Another session (with the whole tree) moves it away.
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/jail/x", AT_FDCWD, "/outside/x", 0)), 0);
    EXPECT_EQ(open_error(*jailed, "../../secret", O_RDWR), ENOENT);
    struct stat st {};
    EXPECT_EQ(error_of(fs.fstatat(*jailed, *dirfd, "../../secret", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.fstatat(*jailed, *dirfd, "..", st, 0)), ENOENT);
    EXPECT_EQ(error_of(fs.getcwd(*jailed)), ENOENT);
    // Absolute paths still work: they start at the jail's root.
    EXPECT_EQ(stat_error(*jailed, "/"), 0);
    EXPECT_EQ(error_of(fs.close(*jailed, *dirfd)), 0);
    fs.close_session(std::move(jailed));
}

}  // namespace
}  // namespace imfs::core
