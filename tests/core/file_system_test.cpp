// FileSystem: sessions (read-only, fork, exec, close), descriptors, the
// life of an unlinked open file, getdents64 records and the limits.
// Expected values come from the man pages and the host kernel (tmpfs, a
// read-only tmpfs mount for EROFS), never from this implementation.
#include "core/file_system.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // RENAME_EXCHANGE
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace imfs::core {
namespace {

template <typename T>
int error_of(const Result<T>& result) {
    return result ? 0 : result.error().value;
}

// One struct linux_dirent64 record, decoded.
struct DirentRecord {
    std::uint64_t ino = 0;
    std::int64_t off = 0;
    unsigned short reclen = 0;
    unsigned char type = 0;
    std::string name;
};

class FileSystemTest : public ::testing::Test {
  protected:
    void TearDown() override {
        if (s) fs.close_session(std::move(s));
    }

    int open_fd(Session& session, const char* path, int flags, mode_t mode = 0644) {
        Result<int> fd = fs.openat(session, AT_FDCWD, path, flags, mode);
        EXPECT_TRUE(fd.has_value()) << path << ": errno " << error_of(fd);
        return fd.value_or(-1);
    }
    int open_fd(const char* path, int flags, mode_t mode = 0644) {
        return open_fd(*s, path, flags, mode);
    }
    std::size_t write_at(Session& session, int fd, std::string_view text,
                         std::optional<off_t> offset = std::nullopt) {
        iovec buffer{const_cast<char*>(text.data()), text.size()};
        Result<std::size_t> done = fs.write(session, fd, {&buffer, 1}, offset);
        EXPECT_TRUE(done.has_value()) << "errno " << error_of(done);
        return done.value_or(0);
    }
    std::string read_at(Session& session, int fd, std::size_t length,
                        std::optional<off_t> offset = std::nullopt) {
        std::string text(length, '\0');
        iovec buffer{text.data(), text.size()};
        Result<std::size_t> done = fs.read(session, fd, {&buffer, 1}, offset);
        EXPECT_TRUE(done.has_value()) << "errno " << error_of(done);
        text.resize(done.value_or(0));
        return text;
    }
    off_t position(Session& session, int fd) {
        Result<off_t> at = fs.lseek(session, fd, 0, SEEK_CUR);
        EXPECT_TRUE(at.has_value()) << "errno " << error_of(at);
        return at.value_or(-1);
    }
    void make_file(const char* path, std::string_view content = "") {
        int fd = open_fd(path, O_CREAT | O_EXCL | O_WRONLY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write_at(*s, fd, content), content.size());
        ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    }
    void make_dir(const char* path) {
        ASSERT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, path, 0755)), 0) << path;
    }
    int stat_error(Session& session, const char* path, int flags = AT_SYMLINK_NOFOLLOW) {
        struct stat st {};
        return error_of(fs.fstatat(session, AT_FDCWD, path, st, flags));
    }
    int stat_error(const char* path) { return stat_error(*s, path); }
    struct stat stat_of(Session& session, const char* path, int flags = 0) {
        struct stat st {};
        EXPECT_EQ(error_of(fs.fstatat(session, AT_FDCWD, path, st, flags)), 0) << path;
        return st;
    }
    struct stat stat_of(const char* path, int flags = 0) {
        return stat_of(*s, path, flags);
    }
    struct stat fstat_of(Session& session, int fd) {
        struct stat st {};
        EXPECT_EQ(error_of(fs.fstatat(session, fd, "", st, AT_EMPTY_PATH)), 0);
        return st;
    }

    // Every record getdents64 gives for fd until the end, with a buffer of
    // the given size.
    std::vector<DirentRecord> read_records(Session& session, int fd, std::size_t size = 4096) {
        std::vector<DirentRecord> records;
        std::vector<std::byte> buffer(size);
        while (true) {
            Result<std::size_t> got = fs.getdents64(session, fd, buffer);
            EXPECT_TRUE(got.has_value()) << "errno " << error_of(got);
            if (!got || *got == 0) break;
            std::vector<DirentRecord> batch = decode(buffer.data(), *got);
            records.insert(records.end(), batch.begin(), batch.end());
        }
        return records;
    }
    static std::vector<DirentRecord> decode(const std::byte* data, std::size_t length) {
        std::vector<DirentRecord> records;
        std::size_t at = 0;
        while (at < length) {
            DirentRecord record;
            std::memcpy(&record.ino, data + at, 8);
            std::memcpy(&record.off, data + at + 8, 8);
            std::memcpy(&record.reclen, data + at + 16, 2);
            std::memcpy(&record.type, data + at + 18, 1);
            const char* name = reinterpret_cast<const char*>(data + at + 19);
            std::size_t room = record.reclen > 19 ? record.reclen - 19u : 0u;
            record.name.assign(name, strnlen(name, room));
            EXPECT_LT(record.name.size(), room) << "the name is NUL-terminated in its record";
            EXPECT_GT(record.reclen, 0u);
            if (record.reclen == 0) break;
            records.push_back(record);
            at += record.reclen;
        }
        EXPECT_EQ(at, length) << "records fill exactly the length returned";
        return records;
    }

    // A description of everything below path as the admin session sees it:
    // names, types, modes, owners, sizes, link counts, times (not atime),
    // file contents and link targets.
    std::map<std::string, std::string> snapshot(const std::string& path = "/") {
        std::map<std::string, std::string> tree;
        add_to_snapshot(path, tree);
        return tree;
    }
    void add_to_snapshot(const std::string& path, std::map<std::string, std::string>& tree) {
        struct stat st = stat_of(path.c_str(), AT_SYMLINK_NOFOLLOW);
        std::string entry =
            std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" +
            std::to_string(st.st_gid) + " size " + std::to_string(st.st_size) + " nlink " +
            std::to_string(st.st_nlink) + " mtime " + std::to_string(st.st_mtim.tv_sec) + "." +
            std::to_string(st.st_mtim.tv_nsec) + " ctime " + std::to_string(st.st_ctim.tv_sec) +
            "." + std::to_string(st.st_ctim.tv_nsec);
        if (S_ISREG(st.st_mode)) {
            int fd = open_fd(path.c_str(), O_RDONLY | O_NOATIME);
            entry += " data " + read_at(*s, fd, 1 << 16, 0);
            EXPECT_EQ(error_of(fs.close(*s, fd)), 0);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            Result<std::size_t> length = fs.readlinkat(*s, AT_FDCWD, path.c_str(), target);
            entry += " -> " + std::string(target, length.value_or(0));
        } else if (S_ISDIR(st.st_mode)) {
            int fd = open_fd(path.c_str(), O_RDONLY | O_DIRECTORY);
            std::vector<DirentRecord> records = read_records(*s, fd);
            EXPECT_EQ(error_of(fs.close(*s, fd)), 0);
            for (const DirentRecord& record : records) {
                if (record.name == "." || record.name == "..") continue;
                add_to_snapshot((path == "/" ? "/" : path + "/") + record.name, tree);
            }
        }
        tree[path] = entry;
    }

    FileSystem fs;
    std::unique_ptr<Session> s = fs.open_session(SessionSpec{}).value();
};

// ---- Sessions ----

TEST_F(FileSystemTest, OpenSessionNeedsADirectoryRoot) {
    make_file("/file");
    SessionSpec spec;
    spec.root = "/file";
    EXPECT_EQ(error_of(fs.open_session(spec)), ENOTDIR);
    spec.root = "/missing";
    EXPECT_EQ(error_of(fs.open_session(spec)), ENOENT);
}

TEST_F(FileSystemTest, AnUntrustedSessionCannotChangeItsCredentials) {
    SessionSpec spec;
    spec.trusted = false;
    spec.cred = Credentials{1000, 1000, {}};
    std::unique_ptr<Session> user = fs.open_session(spec).value();
    EXPECT_EQ(error_of(fs.set_credentials(*user, Credentials{})), EPERM);
    // Still uid 1000: creating in root's 0755 directory is refused.
    EXPECT_EQ(error_of(fs.mkdirat(*user, AT_FDCWD, "/x", 0755)), EACCES);
    fs.close_session(std::move(user));
}

// ---- Read-only sessions ----

class ReadOnlySessionTest : public FileSystemTest {
  protected:
    void SetUp() override {
        make_file("/file", "data");
        make_dir("/dir");
        make_file("/dir/inner", "inner");
        make_dir("/empty");
        ASSERT_EQ(error_of(fs.symlinkat(*s, "file", AT_FDCWD, "/lnk")), 0);
        SessionSpec spec;
        spec.writeable = false;
        ro = fs.open_session(spec).value();
    }
    void TearDown() override {
        if (ro) fs.close_session(std::move(ro));
        FileSystemTest::TearDown();
    }
    std::unique_ptr<Session> ro;
};

TEST_F(ReadOnlySessionTest, EveryMutatingCallIsErofsAndTheTreeIsUnchanged) {
    std::map<std::string, std::string> before = snapshot();
    std::uint64_t inodes = fs.inodes_used();
    Session& r = *ro;
    auto open_error = [&](const char* path, int flags) {
        Result<int> fd = fs.openat(r, AT_FDCWD, path, flags, 0644);
        if (fd) (void)fs.close(r, *fd);
        return error_of(fd);
    };
    // Each as on a read-only tmpfs mount of the host.
    EXPECT_EQ(open_error("/new", O_CREAT | O_WRONLY), EROFS);
    EXPECT_EQ(open_error("/new", O_CREAT | O_RDONLY), EROFS);
    EXPECT_EQ(open_error("/file", O_WRONLY), EROFS);
    EXPECT_EQ(open_error("/file", O_RDWR), EROFS);
    EXPECT_EQ(open_error("/file", O_RDONLY | O_TRUNC), EROFS);
    EXPECT_EQ(open_error("/file", O_WRONLY | O_APPEND), EROFS);
    EXPECT_EQ(error_of(fs.mkdirat(r, AT_FDCWD, "/newdir", 0755)), EROFS);
    EXPECT_EQ(error_of(fs.mknodat(r, AT_FDCWD, "/fifo", S_IFIFO | 0644, 0)), EROFS);
    EXPECT_EQ(error_of(fs.symlinkat(r, "x", AT_FDCWD, "/newlink")), EROFS);
    EXPECT_EQ(error_of(fs.unlinkat(r, AT_FDCWD, "/file", 0)), EROFS);
    EXPECT_EQ(error_of(fs.unlinkat(r, AT_FDCWD, "/lnk", 0)), EROFS);
    EXPECT_EQ(error_of(fs.unlinkat(r, AT_FDCWD, "/nonexistent", 0)), EROFS);
    EXPECT_EQ(error_of(fs.unlinkat(r, AT_FDCWD, "/empty", AT_REMOVEDIR)), EROFS);
    EXPECT_EQ(error_of(fs.linkat(r, AT_FDCWD, "/file", AT_FDCWD, "/hard", 0)), EROFS);
    EXPECT_EQ(error_of(fs.renameat2(r, AT_FDCWD, "/file", AT_FDCWD, "/moved", 0)), EROFS);
    EXPECT_EQ(error_of(fs.renameat2(r, AT_FDCWD, "/file", AT_FDCWD, "/dir/inner", 0)), EROFS);
    EXPECT_EQ(error_of(fs.renameat2(r, AT_FDCWD, "/file", AT_FDCWD, "/dir", RENAME_EXCHANGE)),
              EROFS);
    EXPECT_EQ(error_of(fs.fchmodat(r, AT_FDCWD, "/file", 0600, 0)), EROFS);
    EXPECT_EQ(error_of(fs.fchownat(r, AT_FDCWD, "/file", 1, 1, 0)), EROFS);
    EXPECT_EQ(error_of(fs.utimensat(r, AT_FDCWD, "/file", nullptr, 0)), EROFS);
    EXPECT_EQ(error_of(fs.truncate(r, "/file", 10)), EROFS);
    EXPECT_EQ(error_of(fs.faccessat(r, AT_FDCWD, "/file", W_OK, 0)), EROFS);

    int fd = open_fd(r, "/file", O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(error_of(fs.fchmod(r, fd, 0600)), EROFS);
    EXPECT_EQ(error_of(fs.fchown(r, fd, 1, 1)), EROFS);
    EXPECT_EQ(error_of(fs.utimensat(r, fd, nullptr, nullptr, 0)), EROFS);
    EXPECT_EQ(error_of(fs.ftruncate(r, fd, 1)), EINVAL) << "not open for writing";
    iovec buffer{const_cast<char*>("x"), 1};
    EXPECT_EQ(error_of(fs.write(r, fd, {&buffer, 1}, std::nullopt)), EBADF);
    EXPECT_EQ(read_at(r, fd, 16), "data");
    EXPECT_EQ(error_of(fs.close(r, fd)), 0);

    EXPECT_EQ(fs.inodes_used(), inodes);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(ReadOnlySessionTest, ReadingStillWorks) {
    int fd = open_fd(*ro, "/lnk", O_RDONLY);
    EXPECT_EQ(read_at(*ro, fd, 16), "data");
    EXPECT_EQ(error_of(fs.close(*ro, fd)), 0);
    // O_CREAT of an existing file without write access opens it.
    Result<int> existing = fs.openat(*ro, AT_FDCWD, "/file", O_CREAT | O_RDONLY, 0644);
    ASSERT_TRUE(existing.has_value()) << "errno " << error_of(existing);
    EXPECT_EQ(error_of(fs.close(*ro, *existing)), 0);
    EXPECT_EQ(error_of(fs.faccessat(*ro, AT_FDCWD, "/file", R_OK, 0)), 0);
    EXPECT_EQ(error_of(fs.chdir(*ro, "/dir")), 0);
    EXPECT_EQ(fs.getcwd(*ro).value_or(""), "/dir");
    // Errors that come before the write check stay what they are.
    EXPECT_EQ(error_of(fs.mkdirat(*ro, AT_FDCWD, "/dir", 0755)), EEXIST);
    EXPECT_EQ(error_of(fs.mkdirat(*ro, AT_FDCWD, "/missing/x", 0755)), ENOENT);
}

// ---- Descriptors ----

TEST_F(FileSystemTest, DescriptorsAreTheLowestFreeFromThree) {
    make_file("/f");
    EXPECT_EQ(open_fd("/f", O_RDONLY), 3);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 4);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 5);
    EXPECT_EQ(error_of(fs.close(*s, 4)), 0);
    EXPECT_EQ(error_of(fs.close(*s, 4)), EBADF);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 4);
    EXPECT_EQ(fs.dup(*s, 3, 0, false).value_or(-1), 6);
    EXPECT_EQ(fs.fcntl(*s, 3, F_DUPFD, 100).value_or(-1), 100);
    EXPECT_EQ(fs.dup3(*s, 3, 50, -1).value_or(-1), 50);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 7);
}

TEST_F(FileSystemTest, EmfileCreatesAndTruncatesNothing) {
    make_file("/f", "keep");
    ASSERT_EQ(error_of(fs.set_fd_limit(*s, 5)), 0);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 3);
    EXPECT_EQ(open_fd("/f", O_RDONLY), 4);
    std::uint64_t inodes = fs.inodes_used();
    EXPECT_EQ(error_of(fs.openat(*s, AT_FDCWD, "/new", O_CREAT | O_WRONLY, 0644)), EMFILE);
    EXPECT_EQ(error_of(fs.openat(*s, AT_FDCWD, "/f", O_WRONLY | O_TRUNC, 0)), EMFILE);
    EXPECT_EQ(stat_error("/new"), ENOENT);
    EXPECT_EQ(stat_of("/f").st_size, 4);
    EXPECT_EQ(fs.inodes_used(), inodes);
    EXPECT_EQ(error_of(fs.dup(*s, 3, 0, false)), EMFILE);
    EXPECT_EQ(error_of(fs.fcntl(*s, 3, F_DUPFD, 5)), EINVAL);
}

TEST_F(FileSystemTest, DupSharesTheOffset) {
    make_file("/f", "0123456789");
    int fd = open_fd("/f", O_RDONLY);
    int copy = fs.dup(*s, fd, 0, false).value_or(-1);
    EXPECT_EQ(read_at(*s, fd, 3), "012");
    EXPECT_EQ(position(*s, copy), 3);
    EXPECT_EQ(read_at(*s, copy, 2), "34");
    EXPECT_EQ(position(*s, fd), 5);
}

// ---- fork and exec ----

TEST_F(FileSystemTest, AForkedSessionSharesOffsetsAndStatusFlags) {
    int fd = open_fd("/f", O_CREAT | O_RDWR);
    std::unique_ptr<Session> child = fs.fork_session(*s).value();

    EXPECT_EQ(write_at(*child, fd, "hello"), 5u);
    EXPECT_EQ(position(*s, fd), 5) << "the parent's offset moved with the child's write";
    EXPECT_EQ(write_at(*s, fd, " world"), 6u);
    EXPECT_EQ(position(*child, fd), 11);
    EXPECT_EQ(read_at(*s, fd, 64, 0), "hello world");

    ASSERT_EQ(fs.lseek(*child, fd, 2, SEEK_SET).value_or(-1), 2);
    EXPECT_EQ(read_at(*s, fd, 3), "llo");
    EXPECT_EQ(position(*child, fd), 5);

    // Status flags belong to the description: shared.
    ASSERT_EQ(error_of(fs.fcntl(*child, fd, F_SETFL, O_APPEND)), 0);
    EXPECT_NE(fs.fcntl(*s, fd, F_GETFL, 0).value_or(0) & O_APPEND, 0);
    // Descriptor flags belong to the table: not shared.
    ASSERT_EQ(error_of(fs.fcntl(*child, fd, F_SETFD, FD_CLOEXEC)), 0);
    EXPECT_EQ(fs.fcntl(*s, fd, F_GETFD, 0).value_or(-1), 0);

    fs.close_session(std::move(child));
    EXPECT_EQ(read_at(*s, fd, 64, 0), "hello world") << "the parent's descriptor is still open";
}

TEST_F(FileSystemTest, AForkedSessionHasItsOwnTableAndDirectory) {
    make_dir("/d");
    make_file("/f");
    int fd = open_fd("/f", O_RDONLY);
    std::unique_ptr<Session> child = fs.fork_session(*s).value();

    EXPECT_EQ(error_of(fs.close(*child, fd)), 0);
    EXPECT_EQ(fstat_of(*s, fd).st_ino, stat_of("/f").st_ino) << "still open in the parent";
    int child_fd = open_fd(*child, "/f", O_RDONLY);
    EXPECT_EQ(child_fd, fd) << "the child's lowest free descriptor";
    int parent_fd = open_fd("/f", O_RDONLY);
    EXPECT_EQ(parent_fd, fd + 1);
    EXPECT_EQ(error_of(fs.close(*child, parent_fd)), EBADF);

    ASSERT_EQ(error_of(fs.chdir(*child, "/d")), 0);
    EXPECT_EQ(fs.getcwd(*child).value_or(""), "/d");
    EXPECT_EQ(fs.getcwd(*s).value_or(""), "/");
    fs.close_session(std::move(child));
}

TEST_F(FileSystemTest, ExecClosesOnlyCloseOnExecDescriptors) {
    make_file("/f", "abcdef");
    int a = open_fd("/f", O_RDONLY | O_CLOEXEC);  // 3, closes
    int b = open_fd("/f", O_RDONLY);              // 4, stays
    int c = fs.dup3(*s, b, 10, O_CLOEXEC).value_or(-1);
    int d = fs.fcntl(*s, b, F_DUPFD_CLOEXEC, 20).value_or(-1);
    int e = fs.fcntl(*s, b, F_DUPFD, 30).value_or(-1);
    int g = open_fd("/f", O_RDONLY);  // 5, then marked
    ASSERT_EQ(error_of(fs.fcntl(*s, g, F_SETFD, FD_CLOEXEC)), 0);
    int h = open_fd("/f", O_RDONLY | O_CLOEXEC);  // 6, then unmarked
    ASSERT_EQ(error_of(fs.fcntl(*s, h, F_SETFD, 0)), 0);
    int i = fs.dup3(*s, a, 40, -1).value_or(-1);   // dup2 clears FD_CLOEXEC
    int j = fs.dup(*s, a, 0, false).value_or(-1);  // so does dup
    ASSERT_EQ(c, 10);
    ASSERT_EQ(d, 20);
    ASSERT_EQ(e, 30);
    ASSERT_EQ(i, 40);
    ASSERT_EQ(j, 7);
    EXPECT_EQ(read_at(*s, b, 2), "ab");

    std::unique_ptr<Session> sibling = fs.fork_session(*s).value();
    fs.exec(*s);

    for (int closed : {a, c, d, g})
        EXPECT_EQ(error_of(fs.fcntl(*s, closed, F_GETFD, 0)), EBADF) << closed;
    for (int open : {b, e, h, i, j})
        EXPECT_EQ(fs.fcntl(*s, open, F_GETFD, 0).value_or(-1), 0) << open;
    EXPECT_EQ(position(*s, b), 2) << "the surviving description keeps its offset";
    EXPECT_EQ(read_at(*s, e, 2), "cd");
    // The forked session's table is its own: exec in the parent closed
    // nothing there.
    for (int fd : {a, b, c, d, e, g, h, i, j})
        EXPECT_TRUE(fs.fcntl(*sibling, fd, F_GETFD, 0).has_value()) << fd;
    EXPECT_EQ(open_fd("/f", O_RDONLY), a) << "the lowest free descriptor again";
    fs.close_session(std::move(sibling));
}

// ---- Life of an inode ----

TEST_F(FileSystemTest, AnUnlinkedOpenFileKeepsItsDataUntilClosed) {
    std::uint64_t baseline = fs.inodes_used();
    make_file("/f", "hello");
    EXPECT_EQ(fs.inodes_used(), baseline + 1);
    int fd = open_fd("/f", O_RDWR);
    int copy = fs.dup(*s, fd, 0, false).value_or(-1);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/f", 0)), 0);

    EXPECT_EQ(stat_error("/f"), ENOENT);
    EXPECT_EQ(fs.inodes_used(), baseline + 1) << "still open";
    struct stat st = fstat_of(*s, fd);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(st.st_size, 5);
    EXPECT_EQ(read_at(*s, fd, 16, 0), "hello");
    EXPECT_EQ(write_at(*s, fd, " again", 5), 6u);
    EXPECT_EQ(read_at(*s, copy, 64, 0), "hello again");

    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline + 1) << "the duplicate still holds it";
    EXPECT_EQ(read_at(*s, copy, 64, 0), "hello again");
    ASSERT_EQ(error_of(fs.close(*s, copy)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline);
}

TEST_F(FileSystemTest, AForkedDescriptorKeepsAnUnlinkedFileAlive) {
    std::uint64_t baseline = fs.inodes_used();
    make_file("/f", "data");
    int fd = open_fd("/f", O_RDONLY);
    std::unique_ptr<Session> child = fs.fork_session(*s).value();
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/f", 0)), 0);
    ASSERT_EQ(error_of(fs.close(*s, fd)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline + 1);
    EXPECT_EQ(read_at(*child, fd, 16, 0), "data");
    fs.close_session(std::move(child));
    EXPECT_EQ(fs.inodes_used(), baseline);
}

TEST_F(FileSystemTest, AFileIsFreedWithItsLastName) {
    std::uint64_t baseline = fs.inodes_used();
    make_file("/f", "data");
    ASSERT_EQ(error_of(fs.linkat(*s, AT_FDCWD, "/f", AT_FDCWD, "/g", 0)), 0);
    EXPECT_EQ(stat_of("/g").st_nlink, 2u);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/f", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline + 1);
    EXPECT_EQ(stat_of("/g").st_nlink, 1u);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/g", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline);

    make_file("/a", "a");
    make_file("/b", "b");
    ASSERT_EQ(error_of(fs.renameat2(*s, AT_FDCWD, "/a", AT_FDCWD, "/b", 0)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline + 1) << "the replaced file is gone";
}

TEST_F(FileSystemTest, ADeletedFilesSpaceIsReturned) {
    // As tmpfs: statvfs shows the blocks free again once the last name and
    // the last descriptor are gone, and a size-limited mount can be filled
    // again.
    FileSystem small(Limits{.max_bytes = 1 << 20, .max_inodes = 100});
    std::unique_ptr<Session> session = small.open_session(SessionSpec{}).value();
    std::uint64_t baseline = small.bytes_used();
    struct statvfs before {};
    ASSERT_EQ(error_of(small.statvfs(*session, AT_FDCWD, "/", before, 0)), 0);
    std::string chunk(768 * 1024, 'x');
    iovec buffer{chunk.data(), chunk.size()};

    for (int round = 0; round < 3; ++round) {
        Result<int> fd = small.openat(*session, AT_FDCWD, "/big", O_CREAT | O_WRONLY, 0644);
        ASSERT_TRUE(fd.has_value());
        Result<std::size_t> wrote = small.write(*session, *fd, {&buffer, 1}, std::nullopt);
        ASSERT_EQ(error_of(wrote), 0) << "round " << round;
        EXPECT_GE(small.bytes_used(), baseline + chunk.size());
        ASSERT_EQ(error_of(small.unlinkat(*session, AT_FDCWD, "/big", 0)), 0);
        EXPECT_GE(small.bytes_used(), baseline + chunk.size()) << "still open";
        ASSERT_EQ(error_of(small.close(*session, *fd)), 0);
        EXPECT_EQ(small.bytes_used(), baseline) << "round " << round;
        struct statvfs after {};
        ASSERT_EQ(error_of(small.statvfs(*session, AT_FDCWD, "/", after, 0)), 0);
        EXPECT_EQ(after.f_bfree, before.f_bfree) << "round " << round;
    }
    small.close_session(std::move(session));
}

TEST_F(FileSystemTest, TheInodeLimitGivesEnospc) {
    // Like tmpfs's nr_inodes: the root counts, and creating past the limit
    // is ENOSPC.
    FileSystem small(Limits{.max_bytes = 1 << 20, .max_inodes = 4});
    std::unique_ptr<Session> session = small.open_session(SessionSpec{}).value();
    ASSERT_EQ(small.inodes_used(), 1u);
    ASSERT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/d", 0755)), 0);
    ASSERT_EQ(error_of(small.symlinkat(*session, "d", AT_FDCWD, "/l")), 0);
    Result<int> fd = small.openat(*session, AT_FDCWD, "/f", O_CREAT | O_WRONLY, 0644);
    ASSERT_TRUE(fd.has_value());
    EXPECT_EQ(small.inodes_used(), 4u);

    EXPECT_EQ(error_of(small.openat(*session, AT_FDCWD, "/g", O_CREAT | O_WRONLY, 0644)), ENOSPC);
    EXPECT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/e", 0755)), ENOSPC);
    EXPECT_EQ(error_of(small.symlinkat(*session, "x", AT_FDCWD, "/m")), ENOSPC);
    EXPECT_EQ(error_of(small.mknodat(*session, AT_FDCWD, "/p", S_IFIFO | 0644, 0)), ENOSPC);
    struct stat st {};
    EXPECT_EQ(error_of(small.fstatat(*session, AT_FDCWD, "/g", st, 0)), ENOENT);
    EXPECT_EQ(error_of(small.fstatat(*session, AT_FDCWD, "/e", st, 0)), ENOENT);
    // A hard link counts as one, as on tmpfs (shmem_link reserves an inode).
    EXPECT_EQ(error_of(small.linkat(*session, AT_FDCWD, "/f", AT_FDCWD, "/f2", 0)), ENOSPC);
    EXPECT_EQ(error_of(small.fstatat(*session, AT_FDCWD, "/f2", st, 0)), ENOENT);

    ASSERT_EQ(error_of(small.unlinkat(*session, AT_FDCWD, "/l", 0)), 0);
    EXPECT_EQ(error_of(small.mkdirat(*session, AT_FDCWD, "/e", 0755)), 0);
    EXPECT_EQ(small.inodes_used(), 4u);
    ASSERT_EQ(error_of(small.close(*session, *fd)), 0);
    small.close_session(std::move(session));
}

// As tmpfs at its size limit: a write that runs out of room is short, and
// only one with no room for its first page fails (checked on a 16 KiB
// tmpfs: 40 KiB asked, 16 KiB written, then ENOSPC).
TEST_F(FileSystemTest, AWriteThatRunsOutOfRoomIsShort) {
    FileSystem small(Limits{.max_bytes = 4 * 4096, .max_inodes = 10});
    std::unique_ptr<Session> session = small.open_session(SessionSpec{}).value();
    int fd = small.openat(*session, AT_FDCWD, "/f", O_CREAT | O_RDWR, 0644).value();
    std::string bytes(10 * 4096, 'x');
    iovec buffer{bytes.data(), bytes.size()};
    Result<std::size_t> done = small.write(*session, fd, {&buffer, 1}, std::nullopt);
    ASSERT_TRUE(done.has_value()) << "errno " << error_of(done);
    EXPECT_EQ(*done, 4u * 4096);
    EXPECT_EQ(error_of(small.write(*session, fd, {&buffer, 1}, std::nullopt)), ENOSPC);
    // Rewriting what is there needs no room.
    Result<std::size_t> again = small.write(*session, fd, {&buffer, 1}, off_t{0});
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, 4u * 4096);
    struct stat st {};
    ASSERT_EQ(error_of(small.fstatat(*session, AT_FDCWD, "/f", st, 0)), 0);
    EXPECT_EQ(st.st_size, 4 * 4096);
    EXPECT_EQ(st.st_blocks, 32);
    ASSERT_EQ(error_of(small.close(*session, fd)), 0);
    small.close_session(std::move(session));
}

TEST_F(FileSystemTest, CloseSessionReleasesEverything) {
    std::uint64_t baseline = fs.inodes_used();
    make_dir("/d");
    make_dir("/e");
    make_file("/d/f", "some data");
    make_file("/d/g", "more data");
    SessionSpec below;
    below.root = "/d";
    std::unique_ptr<Session> boxed = fs.open_session(below).value();
    std::unique_ptr<Session> other = fs.open_session(SessionSpec{}).value();

    open_fd(*other, "/d/f", O_RDWR);
    open_fd(*other, "/d", O_RDONLY | O_DIRECTORY);
    open_fd(*boxed, "/g", O_RDONLY);
    ASSERT_EQ(error_of(fs.chdir(*other, "/e")), 0);
    std::unique_ptr<Session> child = fs.fork_session(*other).value();
    open_fd(*child, "/d/g", O_RDONLY);

    // Remove every name; the sessions still hold the nodes.
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/d/f", 0)), 0);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/d/g", 0)), 0);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/d", AT_REMOVEDIR)), 0);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/e", AT_REMOVEDIR)), 0);
    EXPECT_EQ(fs.inodes_used(), baseline + 4);
    EXPECT_EQ(error_of(fs.getcwd(*other)), ENOENT);

    fs.close_session(std::move(child));
    EXPECT_EQ(fs.inodes_used(), baseline + 4) << "other still holds all four";
    fs.close_session(std::move(other));
    EXPECT_EQ(fs.inodes_used(), baseline + 2) << "boxed holds its root and /d/g";
    fs.close_session(std::move(boxed));
    EXPECT_EQ(fs.inodes_used(), baseline);
}

TEST_F(FileSystemTest, CloseSessionLeavesNamedNodes) {
    std::uint64_t baseline = fs.inodes_used();
    std::unique_ptr<Session> other = fs.open_session(SessionSpec{}).value();
    ASSERT_EQ(error_of(fs.mkdirat(*other, AT_FDCWD, "/d", 0755)), 0);
    open_fd(*other, "/d/f", O_CREAT | O_WRONLY);
    fs.close_session(std::move(other));
    EXPECT_EQ(fs.inodes_used(), baseline + 2);
    EXPECT_EQ(stat_error("/d/f"), 0);
}

TEST_F(FileSystemTest, ARemovedDirectoryHeldOpenTakesNoNewEntries) {
    // On the host (tmpfs): getdents64 on a removed directory is ENOENT, and
    // so is creating anything in it; the node itself can still be looked at.
    make_dir("/gone");
    int dir = open_fd("/gone", O_RDONLY | O_DIRECTORY);
    ASSERT_EQ(error_of(fs.unlinkat(*s, AT_FDCWD, "/gone", AT_REMOVEDIR)), 0);
    std::vector<std::byte> buffer(4096);
    EXPECT_EQ(error_of(fs.getdents64(*s, dir, buffer)), ENOENT);
    EXPECT_EQ(error_of(fs.openat(*s, dir, "x", O_CREAT | O_WRONLY, 0644)), ENOENT);
    EXPECT_EQ(error_of(fs.mkdirat(*s, dir, "y", 0755)), ENOENT);
    EXPECT_EQ(fstat_of(*s, dir).st_nlink, 0u);
    ASSERT_EQ(error_of(fs.fchdir(*s, dir)), 0);
    EXPECT_EQ(error_of(fs.mkdirat(*s, AT_FDCWD, "z", 0755)), ENOENT);
    EXPECT_EQ(error_of(fs.chdir(*s, "/")), 0);
}

// ---- getdents64 ----

class GetdentsTest : public FileSystemTest {
  protected:
    void SetUp() override {
        make_dir("/gd");
        make_file("/gd/abcdef");
        make_dir("/gd/sub");
        ASSERT_EQ(error_of(fs.symlinkat(*s, "abcdef", AT_FDCWD, "/gd/lnk")), 0);
        ASSERT_EQ(error_of(fs.mknodat(*s, AT_FDCWD, "/gd/pipe", S_IFIFO | 0644, 0)), 0);
        make_file("/gd/" + std::string(NAME_MAX, 'n'));
        dir = open_fd("/gd", O_RDONLY | O_DIRECTORY);
    }
    void make_file(const std::string& path) { FileSystemTest::make_file(path.c_str()); }

    // struct linux_dirent64: 8 + 8 + 2 + 1 header bytes, the name and its
    // NUL, padded to 8 (reclen 24 for ".", 32 for "abcdef" on the host).
    static std::size_t expected_reclen(std::size_t name_length) {
        return (19 + name_length + 1 + 7) / 8 * 8;
    }

    int dir = -1;
};

TEST_F(GetdentsTest, RecordsHaveLinuxLayout) {
    std::vector<DirentRecord> records = read_records(*s, dir);
    ASSERT_EQ(records.size(), 7u);
    EXPECT_EQ(records[0].name, ".");
    EXPECT_EQ(records[1].name, "..");
    std::map<std::string, DirentRecord> by_name;
    for (const DirentRecord& record : records) {
        EXPECT_EQ(record.reclen, expected_reclen(record.name.size())) << record.name;
        EXPECT_EQ(record.reclen % 8, 0u);
        EXPECT_TRUE(by_name.emplace(record.name, record).second) << "twice: " << record.name;
    }
    EXPECT_EQ(records[0].reclen, 24u);
    EXPECT_EQ(by_name["abcdef"].reclen, 32u);
    EXPECT_EQ(by_name[std::string(NAME_MAX, 'n')].reclen, 280u);

    EXPECT_EQ(by_name["."].ino, stat_of("/gd").st_ino);
    EXPECT_EQ(by_name["."].type, DT_DIR);
    EXPECT_EQ(by_name[".."].ino, stat_of("/").st_ino);
    EXPECT_EQ(by_name[".."].type, DT_DIR);
    EXPECT_EQ(by_name["abcdef"].ino, stat_of("/gd/abcdef").st_ino);
    EXPECT_EQ(by_name["abcdef"].type, DT_REG);
    EXPECT_EQ(by_name["sub"].ino, stat_of("/gd/sub").st_ino);
    EXPECT_EQ(by_name["sub"].type, DT_DIR);
    EXPECT_EQ(by_name["lnk"].ino, stat_of("/gd/lnk", AT_SYMLINK_NOFOLLOW).st_ino);
    EXPECT_EQ(by_name["lnk"].type, DT_LNK);
    EXPECT_EQ(by_name["pipe"].type, DT_FIFO);
}

TEST_F(GetdentsTest, EachDoffResumesAfterItsRecord) {
    std::vector<DirentRecord> records = read_records(*s, dir);
    ASSERT_EQ(records.size(), 7u);
    std::vector<std::byte> buffer(4096);
    for (std::size_t i = 0; i < records.size(); ++i) {
        ASSERT_EQ(fs.lseek(*s, dir, records[i].off, SEEK_SET).value_or(-1), records[i].off);
        Result<std::size_t> got = fs.getdents64(*s, dir, buffer);
        ASSERT_TRUE(got.has_value());
        std::vector<DirentRecord> rest = decode(buffer.data(), *got);
        ASSERT_EQ(rest.size(), records.size() - i - 1) << "after " << records[i].name;
        if (!rest.empty()) {
            EXPECT_EQ(rest[0].name, records[i + 1].name);
        }
    }
}

TEST_F(GetdentsTest, TheEndGivesZero) {
    std::vector<std::byte> buffer(4096);
    ASSERT_GT(fs.getdents64(*s, dir, buffer).value_or(0), 0u);
    EXPECT_EQ(fs.getdents64(*s, dir, buffer).value_or(1), 0u);
    EXPECT_EQ(fs.getdents64(*s, dir, buffer).value_or(1), 0u);
    ASSERT_EQ(fs.lseek(*s, dir, 0, SEEK_SET).value_or(-1), 0);
    EXPECT_GT(fs.getdents64(*s, dir, buffer).value_or(0), 0u) << "rewound";
}

TEST_F(GetdentsTest, ASmallBufferTakesWhatFits) {
    // On the host: 20 bytes cannot hold the first record (EINVAL), 24 hold
    // exactly ".".
    std::vector<std::byte> tiny(20);
    EXPECT_EQ(error_of(fs.getdents64(*s, dir, tiny)), EINVAL);
    std::vector<std::byte> one(24);
    Result<std::size_t> got = fs.getdents64(*s, dir, one);
    ASSERT_EQ(got.value_or(0), 24u);
    EXPECT_EQ(decode(one.data(), 24)[0].name, ".");
    // Record by record with a 32-byte buffer: all but the long name fit.
    std::vector<std::byte> small(32);
    got = fs.getdents64(*s, dir, small);
    ASSERT_EQ(got.value_or(0), 24u);
    EXPECT_EQ(decode(small.data(), 24)[0].name, "..");
    std::size_t seen = 2;
    while (true) {
        got = fs.getdents64(*s, dir, small);
        if (!got) {
            EXPECT_EQ(got.error(), Errno{EINVAL}) << "only the 280-byte record is too big";
            break;
        }
        if (*got == 0) break;
        ++seen;
    }
    EXPECT_LT(seen, 7u);
    std::vector<DirentRecord> rest = read_records(*s, dir, 512);
    EXPECT_EQ(seen + rest.size(), 7u) << "nothing lost or repeated";
}

TEST_F(GetdentsTest, NotADirectoryOrNotOpen) {
    int file = open_fd("/gd/abcdef", O_RDONLY);
    std::vector<std::byte> buffer(4096);
    EXPECT_EQ(error_of(fs.getdents64(*s, file, buffer)), ENOTDIR);
    EXPECT_EQ(error_of(fs.getdents64(*s, 999, buffer)), EBADF);
}

TEST_F(GetdentsTest, DotDotAtTheSessionRootIsTheRoot) {
    std::vector<DirentRecord> records = read_records(*s, open_fd("/", O_RDONLY | O_DIRECTORY));
    ASSERT_GE(records.size(), 2u);
    EXPECT_EQ(records[1].name, "..");
    EXPECT_EQ(records[1].ino, stat_of("/").st_ino);
}

}  // namespace
}  // namespace imfs::core
