// Reading directories (getdents64, the readdir family) and the working
// directory (chdir, fchdir, getcwd).
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Directories);

// Linux's struct linux_dirent64.
struct Dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct Entry {
    uint64_t ino;
    unsigned char type;
};

// Every entry of fd's directory through getdents64 with a buffer of size
// bytes, checking the record layout on the way.
std::map<std::string, Entry> all_dents(Backend& be, int fd, size_t size) {
    std::map<std::string, Entry> entries;
    std::vector<char> buf(size);
    for (;;) {
        const ssize_t n = be.getdents64(fd, buf.data(), buf.size());
        EXPECT_GE(n, 0) << errno_name(errno);
        if (n <= 0) break;
        for (ssize_t pos = 0; pos < n;) {
            Dirent64 d;
            std::memcpy(&d, buf.data() + pos, sizeof d);
            const char* name = buf.data() + pos + offsetof(Dirent64, d_name);
            const size_t len = strnlen(name, d.d_reclen - offsetof(Dirent64, d_name));
            EXPECT_EQ(d.d_reclen % 8, 0u) << name;
            EXPECT_LT(offsetof(Dirent64, d_name) + len, d.d_reclen) << "NUL inside the record";
            EXPECT_LE(d.d_reclen, (offsetof(Dirent64, d_name) + len + 1 + 7) / 8 * 8 + 0u);
            EXPECT_NE(d.d_ino, 0u) << name;
            EXPECT_TRUE(entries.emplace(std::string(name, len), Entry{d.d_ino, d.d_type}).second)
                << "twice: " << name;
            pos += d.d_reclen;
        }
    }
    return entries;
}

TEST_P(Directories, Getdents64Layout) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/file", "x");
    ASSERT_OK(b.mkdir("d/sub", 0755));
    ASSERT_OK(b.symlink("file", "d/link"));
    ASSERT_OK(b.mkfifo("d/fifo", 0644));
    ASSERT_OK(b.mknod("d/chr", S_IFCHR | 0644, makedev(1, 3)));
    ASSERT_OK(b.mknod("d/blk", S_IFBLK | 0644, makedev(7, 0)));
    ASSERT_OK(b.mknod("d/sock", S_IFSOCK | 0644, 0));
    const std::string long_name(255, 'L');
    write_file(b, ("d/" + long_name).c_str(), "");
    int fd;
    ASSERT_OK(fd = b.open("d", O_RDONLY | O_DIRECTORY));
    const auto entries = all_dents(b, fd, 4096);
    const std::map<std::string, unsigned char> expected = {
        {".", DT_DIR},     {"..", DT_DIR},     {"file", DT_REG}, {"sub", DT_DIR},
        {"link", DT_LNK},  {"fifo", DT_FIFO},  {"chr", DT_CHR},  {"blk", DT_BLK},
        {"sock", DT_SOCK}, {long_name, DT_REG}};
    std::map<std::string, unsigned char> types;
    for (const auto& [name, entry] : entries)
        types[name] = entry.type;
    EXPECT_EQ(types, expected);
    EXPECT_EQ(entries.at("file").ino, lstat_of(b, "d/file").st_ino);
    EXPECT_EQ(entries.at(".").ino, lstat_of(b, "d").st_ino);
    EXPECT_EQ(entries.at("..").ino, lstat_of(b, ".").st_ino);
    // At the end, 0; after rewinding with lseek, everything again.
    char buf[512];
    EXPECT_EQ(b.getdents64(fd, buf, sizeof buf), 0);
    EXPECT_EQ(b.lseek(fd, 0, SEEK_SET), 0);
    EXPECT_EQ(all_dents(b, fd, 512).size(), expected.size());  // small buffer, many calls
    EXPECT_OK(b.close(fd));
}

TEST_P(Directories, Getdents64Errors) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/some_entry_name", "x");
    write_file(b, "f", "x");
    int fd, filefd;
    ASSERT_OK(fd = b.open("d", O_RDONLY | O_DIRECTORY));
    ASSERT_OK(filefd = b.open("f", O_RDONLY));
    char buf[4096];
    EXPECT_ERRNO(b.getdents64(fd, buf, 10), EINVAL);  // smaller than one record
    EXPECT_ERRNO(b.getdents64(filefd, buf, sizeof buf), ENOTDIR);
    EXPECT_ERRNO(b.getdents64(-1, buf, sizeof buf), EBADF);
    EXPECT_ERRNO(b.getdents64(4000, buf, sizeof buf), EBADF);
    EXPECT_ERRNO(b.getdents64(fd, null(), sizeof buf), EFAULT);
    EXPECT_EQ(all_dents(b, fd, sizeof buf).size(), 3u);  // nothing consumed
    EXPECT_OK(b.close(fd));
    EXPECT_OK(b.close(filefd));
}

TEST_P(Directories, ReaddirRewinddirFdopendir) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/a", "");
    ASSERT_OK(b.mkdir("d/b", 0755));
    DirStream* dir = b.opendir("d");
    ASSERT_NE(dir, nullptr) << errno_name(errno);
    std::map<std::string, unsigned char> seen;
    while (const dirent* e = b.readdir(dir))
        seen[e->d_name] = e->d_type;
    EXPECT_EQ(seen, (std::map<std::string, unsigned char>{
                        {".", DT_DIR}, {"..", DT_DIR}, {"a", DT_REG}, {"b", DT_DIR}}));
    errno = 0;
    EXPECT_EQ(b.readdir(dir), nullptr);
    EXPECT_EQ(errno, 0);  // the end is not an error
    write_file(b, "d/c", "");
    b.rewinddir(dir);
    std::set<std::string> again;
    while (const dirent* e = b.readdir(dir))
        again.insert(e->d_name);
    EXPECT_EQ(again, (std::set<std::string>{".", "..", "a", "b", "c"}));
    const int fd = b.dirfd(dir);
    EXPECT_GE(fd, 0);
    EXPECT_TRUE(S_ISDIR(fstat_of(b, fd).st_mode));
    EXPECT_OK(b.closedir(dir));
    struct stat st;
    EXPECT_ERRNO(b.fstat(fd, &st), EBADF);  // closed with the stream
    // fdopendir takes over a descriptor.
    int dfd;
    ASSERT_OK(dfd = b.open("d", O_RDONLY | O_DIRECTORY));
    dir = b.fdopendir(dfd);
    ASSERT_NE(dir, nullptr) << errno_name(errno);
    EXPECT_EQ(b.dirfd(dir), dfd);
    size_t count = 0;
    while (b.readdir(dir) != nullptr)
        ++count;
    EXPECT_EQ(count, 5u);
    EXPECT_OK(b.closedir(dir));
    EXPECT_ERRNO(b.close(dfd), EBADF);
}

TEST_P(Directories, OpendirErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("nowhere", "dangling"));
    EXPECT_ERRNO(b.opendir("missing"), ENOENT);
    EXPECT_ERRNO(b.opendir(""), ENOENT);
    EXPECT_ERRNO(b.opendir("dangling"), ENOENT);
    EXPECT_ERRNO(b.opendir("f"), ENOTDIR);
    EXPECT_ERRNO(b.opendir("f/x"), ENOTDIR);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_ERRNO(b.fdopendir(fd), ENOTDIR);
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.fdopendir(-1), EBADF);
    EXPECT_ERRNO(b.fdopendir(4000), EBADF);
}

// While a directory is read, names are added and removed: every entry that
// existed before and survives is seen exactly once, none is seen twice.
void check_stable_iteration(Backend& b, bool use_getdents) {
    ASSERT_OK(b.mkdir("d", 0755));
    constexpr int kCount = 600;  // more than one buffer's worth (long names)
    const std::string pad(40, 'p');
    auto name = [&](int i) { return "e" + std::to_string(i) + pad; };
    for (int i = 0; i < kCount; ++i)
        write_file(b, ("d/" + name(i)).c_str(), "");
    std::map<std::string, int> seen;
    std::set<std::string> removed;
    int round = 0;
    auto mutate = [&] {
        // Remove a few entries (read or not yet read) and add new ones.
        for (int k = 0; k < 7; ++k) {
            const int i = (round * 37 + k * 91) % kCount;
            const std::string victim = name(i);
            if (removed.insert(victim).second) {
                EXPECT_OK(b.unlink(("d/" + victim).c_str()));
            }
        }
        for (int k = 0; k < 5; ++k) {
            write_file(b, ("d/new" + std::to_string(round) + "_" + std::to_string(k)).c_str(), "");
        }
        ++round;
    };
    if (use_getdents) {
        int fd;
        ASSERT_OK(fd = b.open("d", O_RDONLY | O_DIRECTORY));
        char buf[1024];
        ssize_t n;
        while ((n = b.getdents64(fd, buf, sizeof buf)) > 0) {
            for (ssize_t pos = 0; pos < n;) {
                Dirent64 d;
                std::memcpy(&d, buf + pos, sizeof d);
                ++seen[buf + pos + offsetof(Dirent64, d_name)];
                pos += d.d_reclen;
            }
            mutate();
        }
        EXPECT_EQ(n, 0) << errno_name(errno);
        EXPECT_OK(b.close(fd));
    } else {
        DirStream* dir = b.opendir("d");
        ASSERT_NE(dir, nullptr);
        int i = 0;
        while (const dirent* e = b.readdir(dir)) {
            ++seen[e->d_name];
            if (++i % 20 == 0) mutate();
        }
        EXPECT_OK(b.closedir(dir));
    }
    EXPECT_GT(round, 3);
    for (const auto& [entry, times] : seen)
        EXPECT_EQ(times, 1) << entry << " seen twice";
    for (int i = 0; i < kCount; ++i) {
        if (!removed.contains(name(i))) {
            EXPECT_EQ(seen[name(i)], 1) << name(i);
        }
    }
    EXPECT_EQ(seen["."], 1);
    EXPECT_EQ(seen[".."], 1);
}

TEST_P(Directories, GetdentsWhileTheDirectoryChanges) {
    check_stable_iteration(be(), true);
}
TEST_P(Directories, ReaddirWhileTheDirectoryChanges) {
    check_stable_iteration(be(), false);
}

TEST_P(Directories, ChdirAndGetcwd) {
    auto& b = be();
    char buf[256];
    ASSERT_NE(b.getcwd(buf, sizeof buf), nullptr) << errno_name(errno);
    EXPECT_STREQ(buf, "/");
    ASSERT_OK(b.mkdir("a", 0755));
    ASSERT_OK(b.mkdir("a/b", 0755));
    write_file(b, "a/b/f", "here");
    ASSERT_OK(b.symlink("a/b", "blink"));
    EXPECT_OK(b.chdir("a/b"));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/a/b");
    EXPECT_EQ(read_file(b, "f"), "here");
    EXPECT_OK(b.chdir(".."));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/a");
    EXPECT_OK(b.chdir("../blink"));  // getcwd gives the real path
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/a/b");
    EXPECT_OK(b.chdir("../.."));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/");
    int fd;
    ASSERT_OK(fd = b.open("a", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(b.fchdir(fd));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/a");
    EXPECT_OK(b.close(fd));
    // getcwd's size: too small is ERANGE, zero with a buffer is EINVAL.
    EXPECT_ERRNO(b.getcwd(buf, 2), ERANGE);
    EXPECT_NE(b.getcwd(buf, 3), nullptr);
    EXPECT_ERRNO(b.getcwd(buf, 0), EINVAL);
    // A renamed working directory is followed.
    ASSERT_OK(b.rename("../a", "../renamed"));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/renamed");
    EXPECT_EQ(read_file(b, "b/f"), "here");
}

TEST_P(Directories, RemovedWorkingDirectory) {
    auto& b = be();
    ASSERT_OK(b.mkdir("gone", 0755));
    ASSERT_OK(b.chdir("gone"));
    ASSERT_OK(b.rmdir("../gone"));
    char buf[256];
    EXPECT_ERRNO(b.getcwd(buf, sizeof buf), ENOENT);
    EXPECT_ERRNO(b.open("new", O_CREAT | O_WRONLY, 0644), ENOENT);
    EXPECT_ERRNO(b.mkdir("new", 0755), ENOENT);
    struct stat st;
    EXPECT_OK(b.stat(".", &st));
    EXPECT_EQ(st.st_nlink, 0u);
    int fd;
    ASSERT_OK(fd = b.open(".", O_RDONLY | O_DIRECTORY));
    char dents[4096];
    EXPECT_ERRNO(b.getdents64(fd, dents, sizeof dents), ENOENT);
    EXPECT_OK(b.close(fd));
    EXPECT_OK(b.chdir(".."));
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/");
}

TEST_P(Directories, ChdirErrors) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("nowhere", "dangling"));
    EXPECT_ERRNO(b.chdir("missing"), ENOENT);
    EXPECT_ERRNO(b.chdir(""), ENOENT);
    EXPECT_ERRNO(b.chdir("dangling"), ENOENT);
    EXPECT_ERRNO(b.chdir("f"), ENOTDIR);
    EXPECT_ERRNO(b.chdir("f/x"), ENOTDIR);
    EXPECT_ERRNO(b.chdir(null()), EFAULT);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    EXPECT_ERRNO(b.fchdir(fd), ENOTDIR);
    EXPECT_OK(b.close(fd));
    EXPECT_ERRNO(b.fchdir(-1), EBADF);
    EXPECT_ERRNO(b.fchdir(4000), EBADF);
    char buf[16];
    EXPECT_STREQ(b.getcwd(buf, sizeof buf), "/");
}

}  // namespace
}  // namespace conformance
