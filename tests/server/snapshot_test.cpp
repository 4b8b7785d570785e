// Snapshots through real imfsd processes: a varied tree written at SIGTERM
// and loaded back with <tar> compares equal field by field; the snapshot
// request (trusted sessions only), SIGUSR1, failures that leave nothing
// behind, a 1 TiB sparse file in a small archive, and restarts that lose
// nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <imfs/imfs.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "imfsd_process.hpp"

namespace {

using namespace std::chrono_literals;
using imfs::test::ImfsdProcess;
namespace fs = std::filesystem;

constexpr off_t kTiB = off_t{1} << 40;

#define IMFS_OK(call) ASSERT_GE((call), 0) << #call << ": " << std::strerror(errno)

// A fresh host directory for snapshots and configs, removed with its files.
class HostDir {
  public:
    HostDir() {
        char pattern[] = "/tmp/imfs-snapshot-test-XXXXXX";
        path_ = ::mkdtemp(pattern);
    }
    ~HostDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    HostDir(const HostDir&) = delete;
    HostDir& operator=(const HostDir&) = delete;

    std::string file(const std::string& name) const { return (path_ / name).string(); }
    // The names in the directory, sorted.
    std::vector<std::string> names() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(path_))
            names.push_back(entry.path().filename().string());
        std::ranges::sort(names);
        return names;
    }

  private:
    fs::path path_;
};

void spit(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A config whose whole content is the snapshot, with a trusted writeable
// policy "admin" over all of it and an untrusted one "tenant".
std::string restore_config(const HostDir& dir, const std::string& snapshot) {
    std::string config = dir.file("restore.xml");
    spit(config, "<config>\n  <content><tar path=\"" + snapshot +
                     "\"/></content>\n"
                     "  <policy label=\"admin\" root=\"/\" writeable=\"yes\" trusted=\"yes\"/>\n"
                     "  <policy label=\"tenant\" root=\"/\" writeable=\"yes\"/>\n"
                     "</config>\n");
    return config;
}

// An empty tree with the same two policies.
std::string empty_config(const HostDir& dir) {
    std::string config = dir.file("empty.xml");
    spit(config,
         "<config>\n"
         "  <policy label=\"admin\" root=\"/\" writeable=\"yes\" trusted=\"yes\"/>\n"
         "  <policy label=\"tenant\" root=\"/\" writeable=\"yes\"/>\n"
         "</config>\n");
    return config;
}

int open_session(const ImfsdProcess& imfsd, const char* label = "admin") {
    return imfs_session_open(("unix:" + imfsd.socket_path()).c_str(), label, nullptr);
}

// ---- Making a tree --------------------------------------------------------

void write_at(int s, const char* path, off_t offset, const std::string& bytes) {
    int fd = imfs_open(s, path, O_WRONLY | O_CREAT, 0644);
    IMFS_OK(fd);
    ASSERT_EQ(imfs_pwrite(s, fd, bytes.data(), bytes.size(), offset),
              static_cast<ssize_t>(bytes.size()))
        << path;
    IMFS_OK(imfs_close(s, fd));
}

void make_file(int s, const char* path, const std::string& bytes) {
    write_at(s, path, 0, bytes);
}

void set_size(int s, const char* path, off_t size) {
    IMFS_OK(imfs_truncate(s, path, size));
}

void set_times(int s, const char* path, timespec atime, timespec mtime) {
    timespec times[2] = {atime, mtime};
    IMFS_OK(imfs_utimensat(s, AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW));
}

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (auto& byte : bytes)
        byte = static_cast<char>(random());
    return bytes;
}

const std::string kLongDir(200, 'd');
const std::string kLongFile = std::string(250, 'f');
const std::string kLongPath = "/" + kLongDir + "/" + kLongFile;
const std::string kLongTarget = "../" + std::string(120, 't') + "/" + std::string(200, 'u');

// Nested directories with odd modes and owners, files with holes, a hard
// link triple, symlinks (one of them hard-linked too), a fifo, devices,
// names that are not ASCII or too long for ustar, times to the nanosecond.
void build_varied_tree(int s) {
    IMFS_OK(imfs_mkdir(s, "/etc", 0755));
    IMFS_OK(imfs_mkdir(s, "/srv", 0751));
    IMFS_OK(imfs_mkdir(s, "/srv/www", 02775));
    IMFS_OK(imfs_mkdir(s, "/srv/www/html", 0750));
    IMFS_OK(imfs_mkdir(s, "/tmp", 01777));
    IMFS_OK(imfs_mkdir(s, "/private", 0700));
    IMFS_OK(imfs_mkdir(s, "/locked", 0755));
    IMFS_OK(imfs_mkdir(s, ("/" + kLongDir).c_str(), 0755));

    make_file(s, "/etc/motd", "Welcome\n");
    IMFS_OK(imfs_link(s, "/etc/motd", "/srv/motd"));
    IMFS_OK(imfs_link(s, "/etc/motd", "/private/motd-again"));
    make_file(s, "/etc/binary", random_bytes(300000, 1));
    make_file(s, "/etc/empty", "");
    make_file(s, "/etc/caf\xc3\xa9", "utf-8 name");
    make_file(s, "/etc/\xe6\x97\xa5\xe6\x9c\xac", "more utf-8");
    make_file(s, "/etc/bad\xff\xfe", "not utf-8 at all");
    make_file(s, "/etc/with space", "spaced");
    make_file(s, "/etc/new\nline", "newline");
    make_file(s, kLongPath.c_str(), "long name");

    // Holes: inside, at the end, everywhere, none at the end.
    write_at(s, "/srv/www/html/holes", 0, "start");
    write_at(s, "/srv/www/html/holes", (1 << 20) + 3, "middle");
    set_size(s, "/srv/www/html/holes", 5 << 20);
    make_file(s, "/srv/www/html/allhole", "");
    set_size(s, "/srv/www/html/allhole", 10 << 20);
    write_at(s, "/srv/www/html/tail", 64 << 10, std::string(4096, 'x'));
    write_at(s, "/srv/huge", kTiB - 4096, random_bytes(4096, 2));
    make_file(s, "/locked/inside", "behind mode 0");

    make_file(s, "/srv/suid", "#!/bin/sh\n");
    IMFS_OK(imfs_chown(s, "/srv/suid", 1000, 1000));
    IMFS_OK(imfs_chmod(s, "/srv/suid", 04755));
    make_file(s, "/srv/sgid", "group\n");
    IMFS_OK(imfs_chown(s, "/srv/sgid", 0, 50));
    IMFS_OK(imfs_chmod(s, "/srv/sgid", 02711));
    make_file(s, "/tmp/big-ids", "ids past ustar's fields");
    IMFS_OK(imfs_chown(s, "/tmp/big-ids", 4000000000u, 3000000000u));
    IMFS_OK(imfs_chown(s, "/private", 1000, 1000));
    IMFS_OK(imfs_chown(s, "/srv/www", 33, 33));

    IMFS_OK(imfs_symlink(s, "motd", "/etc/issue"));
    IMFS_OK(imfs_symlink(s, "/etc/motd", "/abs"));
    IMFS_OK(imfs_link(s, "/abs", "/abs-hard"));  // a second name of the symlink itself
    IMFS_OK(imfs_symlink(s, "/nowhere/at/all", "/dangling"));
    IMFS_OK(imfs_symlink(s, kLongTarget.c_str(), "/longlink"));
    IMFS_OK(imfs_lchown(s, "/dangling", 7, 8));

    IMFS_OK(imfs_mkfifo(s, "/srv/fifo", 0640));
    IMFS_OK(imfs_chown(s, "/srv/fifo", 5, 6));
    IMFS_OK(imfs_mknod(s, "/chr", S_IFCHR | 0666, makedev(1, 3)));
    IMFS_OK(imfs_mknod(s, "/blk", S_IFBLK | 0660, makedev(8, 1)));
    IMFS_OK(imfs_mknod(s, "/wide", S_IFCHR | 0600, makedev(4095, 1048575)));

    // Times last, deepest first, so that nothing moves them afterwards.
    long n = 1;
    auto stamp = [&](const char* path) {
        set_times(s, path, {1600000000 + n, 100000000 + n}, {1500000000 + n, 999999000 + n});
        ++n;
    };
    for (const char* path : {"/srv/www/html/holes",
                             "/srv/www/html/allhole",
                             "/srv/www/html/tail",
                             "/srv/www/html",
                             "/srv/www",
                             "/srv/huge",
                             "/srv/suid",
                             "/srv/fifo",
                             "/etc/motd",
                             "/etc/binary",
                             "/etc/issue",
                             "/abs",
                             "/dangling",
                             "/longlink",
                             "/chr",
                             "/blk",
                             "/locked/inside",
                             "/locked",
                             "/etc",
                             "/srv",
                             "/tmp",
                             "/private",
                             "/"}) {
        stamp(path);
    }
    // Before 1970, to the nanosecond.
    set_times(s, "/etc/empty", {-100, 5}, {-2, 800000000});
    IMFS_OK(imfs_chmod(s, "/locked", 0));
}

// ---- Reading a tree back ----------------------------------------------------

// What reading a node gives, apart from its metadata.
struct Content {
    std::string link_target;                       // symlinks
    std::vector<std::pair<off_t, off_t>> extents;  // regular files: SEEK_DATA, SEEK_HOLE
    std::string data;                              // the bytes of those extents
    std::vector<std::string> entries;              // directories, in readdir order
};

struct Contents {
    std::vector<std::string> paths;  // every node, parents first
    std::map<std::string, Content> by_path;
};

Content read_regular(int s, const std::string& path) {
    Content content;
    int fd = imfs_open(s, path.c_str(), O_RDONLY | O_NOFOLLOW);
    EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
    if (fd < 0) return content;
    off_t offset = 0;
    while (true) {
        off_t data = imfs_lseek(s, fd, offset, SEEK_DATA);
        if (data < 0) break;  // ENXIO: no data after offset
        off_t hole = imfs_lseek(s, fd, data, SEEK_HOLE);
        content.extents.emplace_back(data, hole);
        std::string bytes(static_cast<std::size_t>(hole - data), '\0');
        EXPECT_EQ(imfs_pread(s, fd, bytes.data(), bytes.size(), data),
                  static_cast<ssize_t>(bytes.size()))
            << path;
        content.data += bytes;
        offset = hole;
    }
    imfs_close(s, fd);
    return content;
}

void read_node(int s, const std::string& path, Contents& out) {
    out.paths.push_back(path);
    struct stat st {};
    ASSERT_EQ(imfs_lstat(s, path.c_str(), &st), 0) << path;
    Content& content = out.by_path[path];
    if (S_ISREG(st.st_mode)) {
        content = read_regular(s, path);
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(8192, '\0');
        ssize_t length = imfs_readlink(s, path.c_str(), target.data(), target.size());
        ASSERT_GE(length, 0) << path;
        target.resize(static_cast<std::size_t>(length));
        content.link_target = target;
    } else if (S_ISDIR(st.st_mode)) {
        IMFS_DIR* dir = imfs_opendir(s, path.c_str());
        ASSERT_NE(dir, nullptr) << path;
        while (struct dirent* entry = imfs_readdir(dir)) {
            std::string name = entry->d_name;
            if (name != "." && name != "..") content.entries.push_back(name);
        }
        imfs_closedir(dir);
        std::vector<std::string> children = content.entries;  // content may move
        for (const std::string& name : children)
            read_node(s, path == "/" ? "/" + name : path + "/" + name, out);
    }
}

// Every node's names, data and targets. Moves atimes (reads, readdir,
// readlink): take metadata before (a restored tree) or after (the original).
Contents read_contents(int s) {
    Contents contents;
    read_node(s, "/", contents);
    return contents;
}

// lstat of every path: moves nothing.
std::map<std::string, struct stat> stat_all(int s, const std::vector<std::string>& paths) {
    std::map<std::string, struct stat> stats;
    for (const std::string& path : paths) {
        struct stat st {};
        EXPECT_EQ(imfs_lstat(s, path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
        stats[path] = st;
    }
    return stats;
}

// The first name (in walk order) of each path's inode: which names share one.
std::map<std::string, std::string> inode_groups(const std::vector<std::string>& paths,
                                                const std::map<std::string, struct stat>& stats) {
    std::map<ino_t, std::string> first;
    std::map<std::string, std::string> group;
    for (const std::string& path : paths) {
        ino_t ino = stats.at(path).st_ino;
        first.try_emplace(ino, path);
        group[path] = first[ino];
    }
    return group;
}

void expect_same_stat(const std::string& path, const struct stat& a, const struct stat& b) {
    EXPECT_EQ(a.st_mode, b.st_mode) << path;
    EXPECT_EQ(a.st_uid, b.st_uid) << path;
    EXPECT_EQ(a.st_gid, b.st_gid) << path;
    EXPECT_EQ(a.st_size, b.st_size) << path;
    EXPECT_EQ(a.st_nlink, b.st_nlink) << path;
    EXPECT_EQ(a.st_rdev, b.st_rdev) << path;
    EXPECT_EQ(a.st_blocks, b.st_blocks) << path;
    EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec) << path;
    EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec) << path;
    EXPECT_EQ(a.st_atim.tv_sec, b.st_atim.tv_sec) << path;
    EXPECT_EQ(a.st_atim.tv_nsec, b.st_atim.tv_nsec) << path;
}

// A whole tree as the tests compare it.
struct Image {
    Contents contents;
    std::map<std::string, struct stat> stats;
};

// The original: contents first (which moves atimes), then metadata, which
// is what a snapshot taken next records.
Image image_before_snapshot(int s) {
    Image image;
    image.contents = read_contents(s);
    image.stats = stat_all(s, image.contents.paths);
    return image;
}

// A restored tree: metadata first, as it was loaded, then contents.
Image image_after_restore(int s, const std::vector<std::string>& expected_paths) {
    Image image;
    image.stats = stat_all(s, expected_paths);
    image.contents = read_contents(s);
    return image;
}

void expect_same_tree(const Image& original, const Image& restored) {
    ASSERT_EQ(original.contents.paths, restored.contents.paths);
    for (const std::string& path : original.contents.paths) {
        expect_same_stat(path, original.stats.at(path), restored.stats.at(path));
        const Content& a = original.contents.by_path.at(path);
        const Content& b = restored.contents.by_path.at(path);
        EXPECT_EQ(a.link_target, b.link_target) << path;
        EXPECT_EQ(a.extents, b.extents) << path;
        EXPECT_TRUE(a.data == b.data) << path << ": data differs";
        EXPECT_EQ(a.entries, b.entries) << path;
    }
    EXPECT_EQ(inode_groups(original.contents.paths, original.stats),
              inode_groups(restored.contents.paths, restored.stats));
}

std::vector<std::string> temporary_files(const HostDir& dir) {
    std::vector<std::string> found;
    for (const std::string& name : dir.names())
        if (name.find(".tmp-") != std::string::npos) found.push_back(name);
    return found;
}

// ---- Tests ------------------------------------------------------------------

TEST(Snapshot, SigtermWritesATreeThatLoadsBackIdentical) {
    HostDir dir;
    std::string snapshot = dir.file("tree.tar");
    Image original;
    {
        ImfsdProcess imfsd({"--snapshot", snapshot});
        ASSERT_TRUE(imfsd.started());
        int s = open_session(imfsd);
        IMFS_OK(s);
        ASSERT_NO_FATAL_FAILURE(build_varied_tree(s));
        original = image_before_snapshot(s);
        IMFS_OK(imfs_session_close(s));
        EXPECT_FALSE(fs::exists(snapshot));  // not before the signal
        EXPECT_EQ(imfsd.stop(SIGTERM, 30s), 0);
    }
    ASSERT_TRUE(fs::exists(snapshot));
    EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
    EXPECT_LT(fs::file_size(snapshot), 2u << 20) << "holes were stored";

    // Sanity of the original itself: what the comparison below relies on.
    ASSERT_EQ(original.stats.at("/etc/motd").st_nlink, 3u);
    ASSERT_EQ(original.stats.at("/abs").st_ino, original.stats.at("/abs-hard").st_ino);
    ASSERT_EQ(original.stats.at("/srv/suid").st_mode, S_IFREG | 04755);
    ASSERT_EQ(original.stats.at("/locked").st_mode, S_IFDIR | 0);
    ASSERT_EQ(original.stats.at("/tmp/big-ids").st_uid, 4000000000u);
    ASSERT_EQ(original.stats.at("/wide").st_rdev, makedev(4095, 1048575));
    ASSERT_EQ(original.stats.at("/etc/empty").st_mtim.tv_sec, -2);
    ASSERT_EQ(original.contents.by_path.at("/srv/www/html/holes").extents.size(), 2u);
    ASSERT_EQ(original.contents.by_path.at("/srv/huge").extents,
              (std::vector<std::pair<off_t, off_t>>{{kTiB - 4096, kTiB}}));

    ImfsdProcess restored({"--config", restore_config(dir, snapshot)});
    ASSERT_TRUE(restored.started());
    int s = open_session(restored);
    IMFS_OK(s);
    Image again = image_after_restore(s, original.contents.paths);
    expect_same_tree(original, again);
    IMFS_OK(imfs_session_close(s));
}

TEST(Snapshot, ATerabyteSparseFileMakesASmallArchive) {
    HostDir dir;
    std::string snapshot = dir.file("sparse.tar");
    std::string tail = random_bytes(4096, 3);
    {
        ImfsdProcess imfsd({"--snapshot", snapshot});
        ASSERT_TRUE(imfsd.started());
        int s = open_session(imfsd);
        IMFS_OK(s);
        write_at(s, "/sparse", kTiB - 4096, tail);
        auto started = std::chrono::steady_clock::now();
        IMFS_OK(imfs_snapshot(s));
        EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
        IMFS_OK(imfs_session_close(s));
    }
    ASSERT_TRUE(fs::exists(snapshot));
    EXPECT_LT(fs::file_size(snapshot), 64u << 10);

    ImfsdProcess restored({"--config", restore_config(dir, snapshot)});
    ASSERT_TRUE(restored.started());
    int s = open_session(restored);
    IMFS_OK(s);
    struct stat st {};
    IMFS_OK(imfs_stat(s, "/sparse", &st));
    EXPECT_EQ(st.st_size, kTiB);
    EXPECT_EQ(st.st_blocks, 8);
    Content content = read_regular(s, "/sparse");
    EXPECT_EQ(content.extents, (std::vector<std::pair<off_t, off_t>>{{kTiB - 4096, kTiB}}));
    EXPECT_TRUE(content.data == tail);
    IMFS_OK(imfs_session_close(s));
}

TEST(Snapshot, TheRequestIsForTrustedSessionsOnly) {
    HostDir dir;
    std::string snapshot = dir.file("asked.tar");
    ImfsdProcess imfsd({"--config", empty_config(dir), "--snapshot", snapshot});
    ASSERT_TRUE(imfsd.started());
    int tenant = open_session(imfsd, "tenant");
    int admin = open_session(imfsd, "admin");
    IMFS_OK(tenant);
    IMFS_OK(admin);

    make_file(tenant, "/first", "one");
    EXPECT_EQ(imfs_snapshot(tenant), -1);
    EXPECT_EQ(errno, EPERM);
    EXPECT_FALSE(fs::exists(snapshot));

    IMFS_OK(imfs_snapshot(admin));
    ASSERT_TRUE(fs::exists(snapshot));
    EXPECT_EQ(fs::status(snapshot).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    auto first_size = fs::file_size(snapshot);

    // A second one replaces the first, whole.
    make_file(admin, "/second", random_bytes(100000, 4));
    IMFS_OK(imfs_snapshot(admin));
    EXPECT_GT(fs::file_size(snapshot), first_size + 100000);
    EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
    IMFS_OK(imfs_session_close(tenant));
    IMFS_OK(imfs_session_close(admin));

    ImfsdProcess restored({"--config", restore_config(dir, snapshot)});
    ASSERT_TRUE(restored.started());
    int s = open_session(restored);
    IMFS_OK(s);
    EXPECT_EQ(read_regular(s, "/first").data, "one");
    EXPECT_EQ(read_regular(s, "/second").data.size(), 100000u);
    IMFS_OK(imfs_session_close(s));
}

TEST(Snapshot, WithoutASnapshotFileTheRequestIsNotSupported) {
    ImfsdProcess imfsd;
    ASSERT_TRUE(imfsd.started());
    int s = open_session(imfsd);
    IMFS_OK(s);
    EXPECT_EQ(imfs_snapshot(s), -1);
    EXPECT_EQ(errno, ENOTSUP);
    IMFS_OK(imfs_session_close(s));

    int embedded = imfs_session_open("mem:", "local", nullptr);
    IMFS_OK(embedded);
    EXPECT_EQ(imfs_snapshot(embedded), -1);
    EXPECT_EQ(errno, ENOTSUP);
    IMFS_OK(imfs_session_close(embedded));
    EXPECT_EQ(imfs_snapshot(12345), -1);
    EXPECT_EQ(errno, EBADF);
}

TEST(Snapshot, SigusrOneWritesIt) {
    HostDir dir;
    std::string snapshot = dir.file("usr1.tar");
    ImfsdProcess imfsd({"--snapshot", snapshot});
    ASSERT_TRUE(imfsd.started());
    ASSERT_EQ(::kill(imfsd.pid(), SIGUSR1), 0);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(snapshot) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(fs::exists(snapshot));
    // Still serving.
    int s = open_session(imfsd);
    IMFS_OK(s);
    IMFS_OK(imfs_session_close(s));
}

TEST(Snapshot, AFailedRenameKeepsTheArchiveAndMakesTheExitStatusNonzero) {
    HostDir dir;
    std::string snapshot = dir.file("blocked.tar");
    ImfsdProcess imfsd({"--snapshot", snapshot});
    ASSERT_TRUE(imfsd.started());
    // A directory where the file should go: the rename over it fails. The
    // archive, complete and synced, is then the only copy of the tree: it
    // stays, under its temporary name.
    fs::create_directory(snapshot);
    int s = open_session(imfsd);
    IMFS_OK(s);
    make_file(s, "/f", std::string(10000, 'x'));
    EXPECT_EQ(imfs_snapshot(s), -1);
    EXPECT_EQ(errno, EISDIR);
    std::vector<std::string> kept = temporary_files(dir);
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_GT(fs::file_size(dir.file(kept[0])), 10000u);
    IMFS_OK(imfs_session_close(s));
    EXPECT_EQ(imfsd.stop(SIGTERM, 30s), 1);
    EXPECT_EQ(temporary_files(dir).size(), 2u);
    EXPECT_TRUE(fs::is_directory(snapshot));
}

TEST(Snapshot, AFileThatCannotBeWrittenStopsTheStart) {
    EXPECT_EQ(imfs::test::run_imfsd({"--listen", "unix:" + imfs::test::fresh_socket_path(),
                                     "--snapshot", "/nonexistent-imfs-dir/x.tar"},
                                    10s),
              1);
    HostDir dir;
    EXPECT_EQ(imfs::test::run_imfsd({"--listen", "unix:" + imfs::test::fresh_socket_path(),
                                     "--snapshot", dir.file("")},
                                    10s),
              1);
    // A name so long that FILE.tmp-XXXXXX passes NAME_MAX: found at the
    // start, not at exit.
    EXPECT_EQ(imfs::test::run_imfsd({"--listen", "unix:" + imfs::test::fresh_socket_path(),
                                     "--snapshot", dir.file(std::string(250, 'n'))},
                                    10s),
              1);
    EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
}

TEST(Snapshot, SocketsAreLeftOut) {
    HostDir dir;
    std::string snapshot = dir.file("sockets.tar");
    {
        ImfsdProcess imfsd({"--snapshot", snapshot});
        ASSERT_TRUE(imfsd.started());
        int s = open_session(imfsd);
        IMFS_OK(s);
        IMFS_OK(imfs_mknod(s, "/sock", S_IFSOCK | 0755, 0));
        make_file(s, "/kept", "kept");
        IMFS_OK(imfs_session_close(s));
        EXPECT_EQ(imfsd.stop(SIGTERM, 30s), 0);
    }
    ImfsdProcess restored({"--config", restore_config(dir, snapshot)});
    ASSERT_TRUE(restored.started());
    int s = open_session(restored);
    IMFS_OK(s);
    struct stat st {};
    EXPECT_EQ(imfs_lstat(s, "/sock", &st), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(read_regular(s, "/kept").data, "kept");
    IMFS_OK(imfs_session_close(s));
}

// Stop, start from the snapshot, change things, stop again (over the file
// the start loaded), start again: every change of every life is there.
TEST(Snapshot, GracefulRestartsLoseNothing) {
    HostDir dir;
    std::string snapshot = dir.file("life.tar");
    Image last;
    {
        ImfsdProcess first({"--snapshot", snapshot});
        ASSERT_TRUE(first.started());
        int s = open_session(first);
        IMFS_OK(s);
        ASSERT_NO_FATAL_FAILURE(build_varied_tree(s));
        IMFS_OK(imfs_session_close(s));
        ASSERT_EQ(first.stop(SIGTERM, 30s), 0);
    }
    {
        ImfsdProcess second({"--config", restore_config(dir, snapshot), "--snapshot", snapshot});
        ASSERT_TRUE(second.started());
        int s = open_session(second);
        IMFS_OK(s);
        make_file(s, "/srv/www/html/index.html", "<h1>second life</h1>\n");
        IMFS_OK(imfs_unlink(s, "/etc/binary"));
        IMFS_OK(imfs_rename(s, "/etc/empty", "/tmp/moved"));
        IMFS_OK(imfs_link(s, "/srv/huge", "/tmp/huge-again"));
        write_at(s, "/srv/www/html/holes", 3 << 20, "more");
        last = image_before_snapshot(s);
        IMFS_OK(imfs_session_close(s));
        ASSERT_EQ(second.stop(SIGTERM, 30s), 0);
    }
    EXPECT_EQ(temporary_files(dir), std::vector<std::string>{});
    ImfsdProcess third({"--config", restore_config(dir, snapshot)});
    ASSERT_TRUE(third.started());
    int s = open_session(third);
    IMFS_OK(s);
    Image again = image_after_restore(s, last.contents.paths);
    expect_same_tree(last, again);
    EXPECT_EQ(again.contents.by_path.count("/etc/binary"), 0u);
    EXPECT_EQ(again.contents.by_path.at("/srv/www/html/index.html").data, "<h1>second life</h1>\n");
    EXPECT_EQ(again.stats.at("/tmp/huge-again").st_nlink, 2u);
    IMFS_OK(imfs_session_close(s));
}

}  // namespace
