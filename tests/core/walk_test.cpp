// FileSystem::walk: every node once, parents first, in directory order,
// with its metadata, symlink target and data extents; nothing changed, one
// point in time, errors stop it, any depth.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/file_system.hpp"

namespace imfs::core {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kPage = FileData::kPageSize;

class WalkTest : public ::testing::Test {
  protected:
    void TearDown() override { fs.close_session(std::move(s)); }

    void make_dir(const char* path, mode_t mode = 0755) {
        ASSERT_TRUE(fs.mkdirat(*s, AT_FDCWD, path, mode)) << path;
    }
    // Writes each (offset, text) piece, then sets the size.
    void make_file(const char* path, std::vector<std::pair<std::uint64_t, std::string>> pieces,
                   std::uint64_t size) {
        auto fd = fs.openat(*s, AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        ASSERT_TRUE(fd) << path;
        for (auto& [offset, text] : pieces) {
            iovec buffer{text.data(), text.size()};
            ASSERT_TRUE(fs.write(*s, *fd, {&buffer, 1}, static_cast<off_t>(offset)));
        }
        ASSERT_TRUE(fs.ftruncate(*s, *fd, static_cast<off_t>(size)));
        ASSERT_TRUE(fs.close(*s, *fd));
    }
    struct stat lstat_of(const char* path) {
        struct stat st {};
        EXPECT_TRUE(fs.fstatat(*s, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW)) << path;
        return st;
    }

    // What a visit saw, copied out (a WalkNode lives for its visit only).
    struct Seen {
        std::string path;
        struct stat st;
        std::string link_target;
        std::vector<DataExtent> extents;
        std::string data;  // the bytes of every extent, one after the other
    };
    std::vector<Seen> walk_all() {
        std::vector<Seen> seen;
        auto walked = fs.walk([&](const WalkNode& node) -> Result<void> {
            Seen one{std::string(node.path), node.st, std::string(node.link_target), node.extents,
                     ""};
            for (const DataExtent& extent : node.extents) {
                std::string bytes(extent.length, '\0');
                std::size_t got = node.read(
                    extent.offset, std::as_writable_bytes(std::span(bytes.data(), bytes.size())));
                EXPECT_EQ(got, extent.length);
                one.data += bytes;
            }
            seen.push_back(std::move(one));
            return {};
        });
        EXPECT_TRUE(walked);
        return seen;
    }
    static std::vector<std::string> paths_of(const std::vector<Seen>& seen) {
        std::vector<std::string> paths;
        for (const Seen& one : seen)
            paths.push_back(one.path);
        return paths;
    }

    FileSystem fs;
    std::unique_ptr<Session> s = fs.open_session(SessionSpec{}).value();
};

TEST_F(WalkTest, ParentsFirstInDirectoryOrder) {
    make_dir("/b");
    make_dir("/a");
    make_file("/a/x", {}, 0);
    make_dir("/a/sub");
    make_file("/a/sub/y", {}, 0);
    make_file("/b/z", {}, 0);
    make_file("/c", {}, 0);
    EXPECT_EQ(paths_of(walk_all()),
              (std::vector<std::string>{"", "b", "b/z", "a", "a/x", "a/sub", "a/sub/y", "c"}));
}

TEST_F(WalkTest, MetadataIsWhatLstatGives) {
    make_dir("/d", 01750);
    make_file("/d/f", {{0, "hello"}}, 5);
    ASSERT_TRUE(fs.linkat(*s, AT_FDCWD, "/d/f", AT_FDCWD, "/g", 0));
    ASSERT_TRUE(fs.symlinkat(*s, "d/f", AT_FDCWD, "/l"));
    ASSERT_TRUE(fs.mknodat(*s, AT_FDCWD, "/dev", S_IFCHR | 0620, makedev(4, 7)));
    ASSERT_TRUE(fs.fchownat(*s, AT_FDCWD, "/d/f", 1000, 1001, 0));
    timespec times[2] = {{1234567890, 123456789}, {1000000000, 999999999}};
    ASSERT_TRUE(fs.utimensat(*s, AT_FDCWD, "/l", times, AT_SYMLINK_NOFOLLOW));

    std::vector<Seen> seen = walk_all();
    ASSERT_EQ(paths_of(seen), (std::vector<std::string>{"", "d", "d/f", "g", "l", "dev"}));
    for (const Seen& one : seen) {
        struct stat expected = lstat_of(("/" + one.path).c_str());
        EXPECT_EQ(one.st.st_mode, expected.st_mode) << one.path;
        EXPECT_EQ(one.st.st_ino, expected.st_ino) << one.path;
        EXPECT_EQ(one.st.st_nlink, expected.st_nlink) << one.path;
        EXPECT_EQ(one.st.st_uid, expected.st_uid) << one.path;
        EXPECT_EQ(one.st.st_gid, expected.st_gid) << one.path;
        EXPECT_EQ(one.st.st_size, expected.st_size) << one.path;
        EXPECT_EQ(one.st.st_rdev, expected.st_rdev) << one.path;
        EXPECT_EQ(one.st.st_atim.tv_nsec, expected.st_atim.tv_nsec) << one.path;
        EXPECT_EQ(one.st.st_mtim.tv_sec, expected.st_mtim.tv_sec) << one.path;
        EXPECT_EQ(one.st.st_mtim.tv_nsec, expected.st_mtim.tv_nsec) << one.path;
        EXPECT_EQ(one.st.st_ctim.tv_nsec, expected.st_ctim.tv_nsec) << one.path;
    }
    EXPECT_EQ(seen[1].st.st_mode, S_IFDIR | 01750);
    EXPECT_EQ(seen[2].st.st_ino, seen[3].st.st_ino);  // d/f and g: one inode
    EXPECT_EQ(seen[2].st.st_nlink, 2u);
    EXPECT_EQ(seen[2].data, "hello");
    EXPECT_EQ(seen[4].link_target, "d/f");
    EXPECT_EQ(seen[4].st.st_mtim.tv_nsec, 999999999);
    EXPECT_EQ(seen[4].st.st_atim.tv_sec, 1234567890);
    EXPECT_EQ(seen[5].st.st_rdev, makedev(4, 7));
    EXPECT_TRUE(seen[5].extents.empty());
}

TEST_F(WalkTest, ExtentsSkipHolesAsSeekDataAndSeekHoleDo) {
    make_file("/small", {{0, "tiny"}}, 4);
    make_file("/empty", {}, 0);
    make_file("/holes", {}, 3 * kPage);
    make_file("/mixed", {{10, "abc"}, {5 * kPage + 1, "xyz"}}, 10 * kPage + 7);
    std::uint64_t tib = std::uint64_t{1} << 40;
    make_file("/huge", {{tib - kPage, std::string(kPage, 'e')}}, tib);

    std::vector<Seen> seen = walk_all();
    ASSERT_EQ(seen.size(), 6u);
    auto extents = [](const Seen& one) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs;
        for (const DataExtent& e : one.extents)
            pairs.emplace_back(e.offset, e.length);
        return pairs;
    };
    using Pairs = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
    EXPECT_EQ(extents(seen[1]), (Pairs{{0, 4}}));
    EXPECT_EQ(seen[1].data, "tiny");
    EXPECT_EQ(extents(seen[2]), Pairs{});
    EXPECT_EQ(extents(seen[3]), Pairs{});
    EXPECT_EQ(seen[3].st.st_size, static_cast<off_t>(3 * kPage));
    EXPECT_EQ(extents(seen[4]), (Pairs{{0, kPage}, {5 * kPage, kPage}}));
    EXPECT_EQ(seen[4].data.substr(10, 3), "abc");
    EXPECT_EQ(seen[4].data.substr(kPage + 1, 3), "xyz");
    EXPECT_EQ(extents(seen[5]), (Pairs{{tib - kPage, kPage}}));
    EXPECT_EQ(seen[5].data, std::string(kPage, 'e'));
}

TEST_F(WalkTest, ChangesNothingAtimesIncluded) {
    make_file("/f", {{0, "data"}}, 4);
    ASSERT_TRUE(fs.symlinkat(*s, "f", AT_FDCWD, "/l"));
    // Old atimes, which any read would move (relatime).
    timespec old[2] = {{100, 1}, {200, 2}};
    for (const char* path : {"/", "/f", "/l"})
        ASSERT_TRUE(fs.utimensat(*s, AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW));
    walk_all();
    for (const char* path : {"/", "/f", "/l"}) {
        struct stat st = lstat_of(path);
        EXPECT_EQ(st.st_atim.tv_sec, 100) << path;
        EXPECT_EQ(st.st_atim.tv_nsec, 1) << path;
    }
}

TEST_F(WalkTest, TheVisitorsErrorEndsTheWalk) {
    make_dir("/a");
    make_dir("/b");
    int visits = 0;
    auto walked = fs.walk([&](const WalkNode& node) -> Result<void> {
        ++visits;
        if (node.path == "a") return fail(ENOSPC);
        return {};
    });
    ASSERT_FALSE(walked);
    EXPECT_EQ(walked.error().value, ENOSPC);
    EXPECT_EQ(visits, 2);
}

TEST_F(WalkTest, AnyDepth) {
    // Deeper than PATH_MAX allows to name, made one relative step at a time:
    // a walk by recursion would need a frame per level.
    constexpr int kDepth = 10000;
    auto dir = fs.openat(*s, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0);
    ASSERT_TRUE(dir);
    for (int i = 0; i < kDepth; ++i) {
        ASSERT_TRUE(fs.mkdirat(*s, *dir, "d", 0755));
        auto next = fs.openat(*s, *dir, "d", O_RDONLY | O_DIRECTORY, 0);
        ASSERT_TRUE(next);
        ASSERT_TRUE(fs.close(*s, *dir));
        dir = next;
    }
    ASSERT_TRUE(fs.close(*s, *dir));
    std::size_t visits = 0;
    std::size_t longest = 0;
    ASSERT_TRUE(fs.walk([&](const WalkNode& node) -> Result<void> {
        ++visits;
        longest = std::max(longest, node.path.size());
        return {};
    }));
    EXPECT_EQ(visits, kDepth + 1u);
    EXPECT_EQ(longest, 2u * kDepth - 1);
}

TEST_F(WalkTest, OnePointInTimeWritersWait) {
    make_dir("/a");
    std::atomic<bool> made{false};
    bool made_during_walk = false;
    std::thread writer;
    std::vector<std::string> paths;
    auto walked = fs.walk([&](const WalkNode& node) -> Result<void> {
        paths.emplace_back(node.path);
        made_during_walk = made_during_walk || made.load();
        if (node.path.empty()) {
            writer = std::thread([&] {
                auto other = fs.open_session(SessionSpec{}).value();
                EXPECT_TRUE(fs.mkdirat(*other, AT_FDCWD, "/b", 0755));
                made = true;
                fs.close_session(std::move(other));
            });
            std::this_thread::sleep_for(100ms);
        }
        return {};
    });
    writer.join();
    EXPECT_FALSE(made_during_walk) << "a change went through during the walk";
    ASSERT_TRUE(walked);
    EXPECT_EQ(paths, (std::vector<std::string>{"", "a"}));
    EXPECT_EQ(lstat_of("/b").st_mode, S_IFDIR | 0755);
}

}  // namespace
}  // namespace imfs::core
