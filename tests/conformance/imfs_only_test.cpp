// What the host cannot show: IMFS's own session semantics, with expectations
// from the man pages and DESIGN.md (confined roots, read-only sessions,
// fork/exec, sessions and endpoints, host-file utilities, scale).
#ifndef CONFORMANCE_HOST_ONLY

#include <fcntl.h>
#include <imfs/imfs.h>
#include <stdio.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

// Each test gets a fresh directory /only-PID-N of the embedded file system,
// and `top`, a session whose root is the file system's root.
class ImfsOnly : public ::testing::Test {
  protected:
    void SetUp() override {
        static unsigned counter = 0;
        ASSERT_OK(top_ = imfs_session_open("mem:", "imfs-only-setup", nullptr));
        dir_ = "/only-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
        ASSERT_OK(imfs_mkdir(top_, dir_.c_str(), 0755));
    }
    void TearDown() override {
        for (int s : sessions_)
            imfs_session_close(s);
        imfs_session_close(top_);
    }
    // A session rooted at dir_ (plus sub), closed at teardown.
    int session(bool readonly = false, const std::string& sub = "") {
        const std::string root = dir_ + sub;
        const imfs_session_options options{.readonly = readonly ? 1 : 0, .subroot = root.c_str()};
        const int s = imfs_session_open("mem:", "imfs-only", &options);
        EXPECT_GE(s, 0) << "imfs_session_open: " << errno_name(errno);
        if (s >= 0) sessions_.push_back(s);
        return s;
    }
    // path below dir_, as top sees it.
    std::string top_path(const std::string& path) const { return dir_ + "/" + path; }
    void put(int s, const char* path, const std::string& contents) {
        const int fd = imfs_open(s, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT_GE(fd, 0) << path << ": " << errno_name(errno);
        ASSERT_EQ(imfs_write(s, fd, contents.data(), contents.size()),
                  static_cast<ssize_t>(contents.size()));
        ASSERT_OK(imfs_close(s, fd));
    }
    std::string get(int s, const char* path) {
        const int fd = imfs_open(s, path, O_RDONLY);
        if (fd < 0) return "<error " + errno_name(errno) + ">";
        char buf[4096];
        const ssize_t n = imfs_read(s, fd, buf, sizeof buf);
        imfs_close(s, fd);
        return n < 0 ? "<read error>" : std::string(buf, static_cast<size_t>(n));
    }
    bool exists(int s, const char* path) {
        struct stat st;
        return imfs_lstat(s, path, &st) == 0;
    }

    int top_ = -1;
    std::string dir_;
    std::vector<int> sessions_;
};

TEST_F(ImfsOnly, DotDotAtTheRootStaysAtTheRoot) {
    const std::string secret = "secret-" + std::to_string(getpid());
    put(top_, ("/" + secret).c_str(), "outside");
    put(top_, top_path("f").c_str(), "inside");
    const int s = session();
    struct stat root, up;
    ASSERT_OK(imfs_stat(s, ".", &root));
    ASSERT_OK(imfs_stat(s, "..", &up));
    EXPECT_EQ(root.st_ino, up.st_ino);
    ASSERT_OK(imfs_stat(s, "/../../..", &up));
    EXPECT_EQ(root.st_ino, up.st_ino);
    EXPECT_ERRNO(imfs_open(s, ("../" + secret).c_str(), O_RDONLY), ENOENT);
    EXPECT_ERRNO(imfs_open(s, ("/../../" + secret).c_str(), O_RDONLY), ENOENT);
    EXPECT_EQ(get(s, "../../f"), "inside");
    EXPECT_EQ(get(s, "/f"), "inside");
    ASSERT_OK(imfs_chdir(s, "../.."));
    char cwd[64];
    ASSERT_NE(imfs_getcwd(s, cwd, sizeof cwd), nullptr);
    EXPECT_STREQ(cwd, "/");
    // getdents64's ".." at the root names the root itself.
    int fd;
    ASSERT_OK(fd = imfs_open(s, "..", O_RDONLY | O_DIRECTORY));
    struct stat via_fd;
    ASSERT_OK(imfs_fstat(s, fd, &via_fd));
    EXPECT_EQ(via_fd.st_ino, root.st_ino);
    EXPECT_OK(imfs_close(s, fd));
    EXPECT_OK(imfs_unlink(top_, ("/" + secret).c_str()));
}

TEST_F(ImfsOnly, AbsoluteSymlinksStartAtTheSessionRoot) {
    const std::string secret = "secret2-" + std::to_string(getpid());
    put(top_, ("/" + secret).c_str(), "outside");
    ASSERT_OK(imfs_mkdir(top_, top_path("d").c_str(), 0755));
    put(top_, top_path("d/f").c_str(), "inside");
    const int s = session();
    ASSERT_OK(imfs_symlink(s, "/d/f", "abs"));
    ASSERT_OK(imfs_symlink(s, ("/" + secret).c_str(), "abs_secret"));
    ASSERT_OK(imfs_symlink(s, ("../../../" + secret).c_str(), "d/rel_secret"));
    EXPECT_EQ(get(s, "abs"), "inside");
    EXPECT_EQ(get(s, "d/../abs"), "inside");
    EXPECT_ERRNO(imfs_open(s, "abs_secret", O_RDONLY), ENOENT);
    EXPECT_ERRNO(imfs_open(s, "d/rel_secret", O_RDONLY), ENOENT);
    // Creating through a symlink that points "outside" creates inside.
    ASSERT_OK(imfs_symlink(s, "/../../made", "maker"));
    put(s, "maker", "made inside");
    EXPECT_EQ(get(top_, top_path("made").c_str()), "made inside");
    EXPECT_FALSE(exists(top_, "/made"));
    EXPECT_EQ(get(top_, ("/" + secret).c_str()), "outside");
    EXPECT_OK(imfs_unlink(top_, ("/" + secret).c_str()));
}

TEST_F(ImfsOnly, NamesOutsideTheRootCannotBeReached) {
    const std::string name = "escape-" + std::to_string(getpid());
    put(top_, top_path("f").c_str(), "data");
    ASSERT_OK(imfs_mkdir(top_, top_path("d").c_str(), 0755));
    const int s = session(false, "/d");
    put(s, "g", "in d");
    EXPECT_OK(imfs_rename(s, "g", ("../../" + name).c_str()));
    EXPECT_OK(imfs_link(s, ("/" + name).c_str(), ("/../" + name + "-link").c_str()));
    EXPECT_OK(imfs_symlink(s, "x", ("../" + name + "-sym").c_str()));
    EXPECT_OK(imfs_mkdir(s, ("../../" + name + "-dir").c_str(), 0755));
    // All of it landed in the session's root, /only-N/d, nothing above.
    for (const std::string suffix : {"", "-link", "-sym", "-dir"}) {
        EXPECT_TRUE(exists(top_, top_path("d/" + name + suffix).c_str())) << suffix;
        EXPECT_FALSE(exists(top_, top_path(name + suffix).c_str())) << suffix;
        EXPECT_FALSE(exists(top_, ("/" + name + suffix).c_str())) << suffix;
    }
    EXPECT_ERRNO(imfs_open(s, "../f", O_RDONLY), ENOENT);
    // The root itself cannot be removed or renamed away.
    EXPECT_ERRNO(imfs_rmdir(s, "/"), EBUSY);
    EXPECT_ERRNO(imfs_rename(s, "/", "x"), EBUSY);
    EXPECT_TRUE(exists(top_, top_path("d").c_str()));
}

TEST_F(ImfsOnly, ReadOnlySessionsGetErofsAndChangeNothing) {
    put(top_, top_path("f").c_str(), "data");
    ASSERT_OK(imfs_mkdir(top_, top_path("d").c_str(), 0755));
    ASSERT_OK(imfs_symlink(top_, "f", top_path("link").c_str()));
    const int s = session(true);
    struct stat before;
    ASSERT_OK(imfs_lstat(top_, top_path("f").c_str(), &before));
    // Reading works.
    EXPECT_EQ(get(s, "f"), "data");
    int ro;
    ASSERT_OK(ro = imfs_open(s, "f", O_RDONLY));
    char buf[16];
    EXPECT_EQ(imfs_readlink(s, "link", buf, sizeof buf), 1);
    IMFS_DIR* dir = imfs_opendir(s, ".");
    ASSERT_NE(dir, nullptr);
    EXPECT_OK(imfs_closedir(dir));
    EXPECT_OK(imfs_chdir(s, "d"));
    EXPECT_OK(imfs_chdir(s, ".."));
    EXPECT_OK(imfs_access(s, "f", R_OK));
    // Every change: EROFS.
    const timespec times[2] = {{1, 0}, {2, 0}};
    EXPECT_ERRNO(imfs_open(s, "new", O_CREAT | O_WRONLY, 0644), EROFS);
    EXPECT_ERRNO(imfs_open(s, "f", O_WRONLY), EROFS);
    EXPECT_ERRNO(imfs_open(s, "f", O_RDWR), EROFS);
    EXPECT_ERRNO(imfs_open(s, "f", O_RDONLY | O_TRUNC), EROFS);
    EXPECT_ERRNO(imfs_creat(s, "new", 0644), EROFS);
    EXPECT_ERRNO(imfs_reopen(s, ro, O_RDWR), EROFS);
    EXPECT_ERRNO(imfs_truncate(s, "f", 0), EROFS);
    EXPECT_ERRNO(imfs_mkdir(s, "new", 0755), EROFS);
    EXPECT_ERRNO(imfs_rmdir(s, "d"), EROFS);
    EXPECT_ERRNO(imfs_unlink(s, "f"), EROFS);
    EXPECT_ERRNO(imfs_unlinkat(s, AT_FDCWD, "d", AT_REMOVEDIR), EROFS);
    EXPECT_ERRNO(imfs_rename(s, "f", "g"), EROFS);
    EXPECT_ERRNO(imfs_renameat2(s, AT_FDCWD, "f", AT_FDCWD, "d", RENAME_EXCHANGE), EROFS);
    EXPECT_ERRNO(imfs_link(s, "f", "g"), EROFS);
    EXPECT_ERRNO(imfs_symlink(s, "f", "g"), EROFS);
    EXPECT_ERRNO(imfs_mknod(s, "g", S_IFIFO | 0644, 0), EROFS);
    EXPECT_ERRNO(imfs_mkfifo(s, "g", 0644), EROFS);
    EXPECT_ERRNO(imfs_chmod(s, "f", 0600), EROFS);
    EXPECT_ERRNO(imfs_fchmod(s, ro, 0600), EROFS);
    EXPECT_ERRNO(imfs_fchmodat(s, AT_FDCWD, "f", 0600, 0), EROFS);
    EXPECT_ERRNO(imfs_chown(s, "f", 1, 1), EROFS);
    EXPECT_ERRNO(imfs_lchown(s, "link", 1, 1), EROFS);
    EXPECT_ERRNO(imfs_fchown(s, ro, 1, 1), EROFS);
    EXPECT_ERRNO(imfs_utimensat(s, AT_FDCWD, "f", times, 0), EROFS);
    EXPECT_ERRNO(imfs_utimensat(s, AT_FDCWD, "f", nullptr, 0), EROFS);
    EXPECT_ERRNO(imfs_futimens(s, ro, nullptr), EROFS);
    EXPECT_ERRNO(imfs_access(s, "f", W_OK), EROFS);
    EXPECT_OK(imfs_close(s, ro));
    // And nothing changed, not even atime (as through a read-only mount).
    struct stat after;
    ASSERT_OK(imfs_lstat(top_, top_path("f").c_str(), &after));
    EXPECT_EQ(changed_times(before, after), "");
    EXPECT_EQ(after.st_mode, before.st_mode);
    EXPECT_EQ(after.st_uid, before.st_uid);
    EXPECT_EQ(get(top_, top_path("f").c_str()), "data");
    EXPECT_FALSE(exists(top_, top_path("new").c_str()));
    EXPECT_FALSE(exists(top_, top_path("g").c_str()));
    EXPECT_TRUE(exists(top_, top_path("d").c_str()));
}

TEST_F(ImfsOnly, ForkSharesOpenFileDescriptions) {
    put(top_, top_path("f").c_str(), "0123456789");
    const int parent = session();
    int fd, cloexec;
    ASSERT_OK(fd = imfs_open(parent, "f", O_RDWR));
    ASSERT_OK(cloexec = imfs_open(parent, "f", O_RDONLY | O_CLOEXEC));
    ASSERT_OK(imfs_mkdir(parent, "d", 0755));
    imfs_umask(parent, 027);
    const int child = imfs_fork(parent);
    ASSERT_GE(child, 0) << errno_name(errno);
    sessions_.push_back(child);
    char buf[4];
    // One offset: reads in either move both.
    EXPECT_EQ(imfs_read(child, fd, buf, 3), 3);
    EXPECT_EQ(imfs_lseek(parent, fd, 0, SEEK_CUR), 3);
    EXPECT_EQ(imfs_read(parent, fd, buf, 2), 2);
    EXPECT_EQ(imfs_lseek(child, fd, 0, SEEK_CUR), 5);
    EXPECT_OK(imfs_fcntl(child, fd, F_SETFL, O_APPEND));
    EXPECT_EQ(imfs_fcntl(parent, fd, F_GETFL) & O_APPEND, O_APPEND);
    // Descriptor flags are copied, then separate.
    EXPECT_EQ(imfs_fcntl(child, cloexec, F_GETFD), FD_CLOEXEC);
    EXPECT_OK(imfs_fcntl(child, cloexec, F_SETFD, 0));
    EXPECT_EQ(imfs_fcntl(parent, cloexec, F_GETFD), FD_CLOEXEC);
    // Closing in one leaves the other; new descriptors are separate.
    EXPECT_OK(imfs_close(child, fd));
    EXPECT_EQ(imfs_pread(parent, fd, buf, 1, 0), 1);
    int fresh;
    ASSERT_OK(fresh = imfs_open(child, "f", O_RDONLY));
    EXPECT_EQ(fresh, fd);  // the lowest free one in the child's table
    EXPECT_EQ(imfs_lseek(parent, fd, 0, SEEK_CUR), 5);
    // The working directory is copied, then separate.
    ASSERT_OK(imfs_chdir(child, "d"));
    char cwd[64];
    EXPECT_STREQ(imfs_getcwd(parent, cwd, sizeof cwd), "/");
    EXPECT_STREQ(imfs_getcwd(child, cwd, sizeof cwd), "/d");
    EXPECT_EQ(imfs_umask(child, 077), 027u);   // copied
    EXPECT_EQ(imfs_umask(parent, 022), 027u);  // then separate
    EXPECT_OK(imfs_session_close(child));
    EXPECT_EQ(imfs_pread(parent, fd, buf, 1, 0), 1);
    EXPECT_ERRNO(imfs_fork(-1), EBADF);
}

TEST_F(ImfsOnly, ExecClosesOnlyCloseOnExecDescriptors) {
    put(top_, top_path("f").c_str(), "x");
    const int s = session();
    int keep, drop, dup_drop;
    ASSERT_OK(keep = imfs_open(s, "f", O_RDONLY));
    ASSERT_OK(drop = imfs_open(s, "f", O_RDONLY | O_CLOEXEC));
    ASSERT_OK(dup_drop = imfs_fcntl(s, keep, F_DUPFD_CLOEXEC, 0));
    EXPECT_OK(imfs_exec(s));
    struct stat st;
    EXPECT_OK(imfs_fstat(s, keep, &st));
    EXPECT_ERRNO(imfs_fstat(s, drop, &st), EBADF);
    EXPECT_ERRNO(imfs_fstat(s, dup_drop, &st), EBADF);
    EXPECT_ERRNO(imfs_exec(-1), EBADF);
}

TEST_F(ImfsOnly, BadSessions) {
    const int s = session();
    const int closed = imfs_session_open("mem:", "imfs-only", nullptr);
    ASSERT_GE(closed, 0);
    ASSERT_OK(imfs_session_close(closed));
    struct stat st;
    char buf[16];
    for (const int bad : {-1, closed, 1 << 30}) {
        if (bad == s) continue;
        EXPECT_ERRNO(imfs_open(bad, "f", O_RDONLY), EBADF) << bad;
        EXPECT_ERRNO(imfs_stat(bad, ".", &st), EBADF) << bad;
        EXPECT_ERRNO(imfs_mkdir(bad, "d", 0755), EBADF) << bad;
        EXPECT_ERRNO(imfs_close(bad, 3), EBADF) << bad;
        EXPECT_ERRNO(imfs_read(bad, 3, buf, 1), EBADF) << bad;
        EXPECT_ERRNO(imfs_opendir(bad, "."), EBADF) << bad;
        EXPECT_ERRNO(imfs_getcwd(bad, buf, sizeof buf), EBADF) << bad;
        EXPECT_ERRNO(imfs_session_close(bad), EBADF) << bad;
        EXPECT_ERRNO(imfs_setcred(bad, 1, 1, 0, nullptr), EBADF) << bad;
        EXPECT_ERRNO(imfs_set_fd_limit(bad, 10), EBADF) << bad;
    }
    EXPECT_FALSE(exists(s, "d"));
}

TEST_F(ImfsOnly, SessionsHaveTheirOwnDescriptorsAndDirectories) {
    put(top_, top_path("f").c_str(), "x");
    ASSERT_OK(imfs_mkdir(top_, top_path("d").c_str(), 0755));
    const int a = session();
    const int b = session();
    int fd;
    ASSERT_OK(fd = imfs_open(a, "f", O_RDONLY));
    EXPECT_EQ(fd, 3);  // descriptors start at 3
    struct stat st;
    EXPECT_ERRNO(imfs_fstat(b, fd, &st), EBADF);
    ASSERT_OK(imfs_chdir(a, "d"));
    char cwd[32];
    EXPECT_STREQ(imfs_getcwd(b, cwd, sizeof cwd), "/");
    EXPECT_STREQ(imfs_getcwd(a, cwd, sizeof cwd), "/d");
    EXPECT_ERRNO(imfs_getcwd(a, cwd, 2), ERANGE);
}

TEST_F(ImfsOnly, Endpoints) {
    // Remote endpoints fail as connect(2) does when nothing listens.
    EXPECT_ERRNO(imfs_session_open("unix:/nonexistent/imfs.sock", "x", nullptr), ENOENT);
    EXPECT_ERRNO(imfs_session_open("tcp:127.0.0.1:1", "x", nullptr), ECONNREFUSED);
    EXPECT_ERRNO(imfs_session_open("tcp:127.0.0.1", "x", nullptr), EINVAL);
    EXPECT_ERRNO(imfs_session_open(nullptr, "x", nullptr), EFAULT);
    EXPECT_ERRNO(imfs_session_open("garbage", "x", nullptr), EINVAL);
    EXPECT_ERRNO(imfs_session_open("", "x", nullptr), EINVAL);
    EXPECT_ERRNO(imfs_embedded_init(nullptr), EBUSY);  // "mem:" exists already
    put(top_, top_path("file").c_str(), "x");
    const std::string missing = dir_ + "/missing";
    const std::string file = dir_ + "/file";
    const imfs_session_options no_dir{.readonly = 0, .subroot = missing.c_str()};
    const imfs_session_options not_dir{.readonly = 0, .subroot = file.c_str()};
    EXPECT_ERRNO(imfs_session_open("mem:", "x", &no_dir), ENOENT);
    EXPECT_ERRNO(imfs_session_open("mem:", "x", &not_dir), ENOTDIR);
}

class HostFiles : public ImfsOnly {
  protected:
    void SetUp() override {
        ImfsOnly::SetUp();
        char templ[] = "/dev/shm/imfs-only-XXXXXX";
        ASSERT_NE(mkdtemp(templ), nullptr);
        host_dir_ = templ;
    }
    void TearDown() override {
        const std::string cmd = "rm -rf " + host_dir_;
        EXPECT_EQ(std::system(cmd.c_str()), 0);
        ImfsOnly::TearDown();
    }
    std::string host_file(const std::string& name, const std::string& contents, mode_t mode) {
        const std::string path = host_dir_ + "/" + name;
        FILE* f = std::fopen(path.c_str(), "w");
        EXPECT_NE(f, nullptr);
        if (f == nullptr) return path;
        std::fwrite(contents.data(), 1, contents.size(), f);
        std::fclose(f);
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);
        return path;
    }
    std::string host_dir_;
};

TEST_F(HostFiles, LoadDumpAndPreloads) {
    const int s = session();
    std::string big(100000, '\0');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i % 251);
    const std::string a = host_file("a.bin", big, 0751);
    const std::string b = host_file("b.txt", "bee", 0600);
    EXPECT_OK(imfs_load_file(s, a.c_str()));
    struct stat st;
    ASSERT_OK(imfs_stat(s, a.c_str(), &st));  // the same path, inside the session
    EXPECT_EQ(st.st_mode, S_IFREG | 0751u);
    EXPECT_EQ(st.st_size, static_cast<off_t>(big.size()));
    ASSERT_OK(imfs_stat(s, host_dir_.c_str(), &st));
    EXPECT_EQ(st.st_mode, S_IFDIR | 0755u);
    // dump copies it back out, byte for byte.
    const std::string out = host_dir_ + "/out.bin";
    EXPECT_OK(imfs_dump_file(s, a.c_str(), out.c_str()));
    FILE* f = std::fopen(out.c_str(), "r");
    ASSERT_NE(f, nullptr);
    std::string dumped(big.size() + 10, '?');
    dumped.resize(std::fread(dumped.data(), 1, dumped.size(), f));
    std::fclose(f);
    EXPECT_EQ(dumped, big);
    EXPECT_ERRNO(imfs_dump_file(s, "/missing", out.c_str()), ENOENT);
    EXPECT_ERRNO(imfs_load_file(s, (host_dir_ + "/missing").c_str()), ENOENT);
    // preloads: each of a ':'-separated list, stopping at the first failure.
    const std::string c = host_file("c.txt", "sea", 0644);
    ASSERT_OK(imfs_unlink(s, a.c_str()));
    EXPECT_OK(imfs_preloads(s, (a + ":" + b).c_str()));
    EXPECT_TRUE(exists(s, a.c_str()));
    EXPECT_EQ(get(s, b.c_str()), "bee");
    EXPECT_ERRNO(imfs_preloads(s, (host_dir_ + "/missing:" + c).c_str()), ENOENT);
    EXPECT_FALSE(exists(s, c.c_str()));
    // Nothing reaches outside the session's root.
    EXPECT_FALSE(exists(top_, a.c_str()));
    EXPECT_TRUE(exists(top_, top_path(a.substr(1)).c_str()));
}

TEST_F(ImfsOnly, AMillionOpenDescriptors) {
    put(top_, top_path("f").c_str(), "x");
    const int s = session();
    // The default limit is 1024, as a process's soft RLIMIT_NOFILE; a
    // program raises it as it would with setrlimit, up to 1,048,576.
    ASSERT_OK(imfs_set_fd_limit(s, 1 << 20));
    const auto start = std::chrono::steady_clock::now();
    int fd;
    ASSERT_OK(fd = imfs_open(s, "f", O_RDONLY));
    constexpr int kTotal = 1'000'000;
    int last = fd;
    for (int i = 1; i < kTotal; ++i) {
        last = imfs_dup(s, fd);
        if (last < 0) {
            FAIL() << "dup number " << i << " failed with " << errno_name(errno);
        }
    }
    EXPECT_EQ(last, fd + kTotal - 1);
    struct stat st;
    EXPECT_OK(imfs_fstat(s, last, &st));
    EXPECT_OK(imfs_close(s, fd + kTotal / 2));
    EXPECT_EQ(imfs_dup(s, fd), fd + kTotal / 2);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

}  // namespace
}  // namespace conformance

#endif  // CONFORMANCE_HOST_ONLY
