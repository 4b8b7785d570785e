// <content>: what lands in the tree, byte for byte and attribute for
// attribute.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "config/config.hpp"
#include "test_support.hpp"

namespace imfs::config {
namespace {

using testing::TempDir;
using testing::TreeReader;
using testing::write_host_file;

class Content : public ::testing::Test {
  protected:
    // Loads text as a config; the test fails on any diagnostic.
    std::shared_ptr<core::FileSystem> load(const std::string& text) {
        write_host_file(dir / "c.xml", text);
        auto loaded = load_file_system(dir / "c.xml");
        if (!loaded) {
            for (const Diagnostic& d : loaded.error())
                ADD_FAILURE() << d.to_string();
            return nullptr;
        }
        report = loaded->report;
        return loaded->fs;
    }
    Diagnostics load_errors(const std::string& text) {
        write_host_file(dir / "c.xml", text);
        auto loaded = load_file_system(dir / "c.xml");
        return loaded ? Diagnostics{} : loaded.error();
    }

    TempDir dir;
    LoadReport report;
};

void set_mtime(const std::string& path, time_t sec, long nsec) {
    timespec times[2] = {{sec, nsec}, {sec, nsec}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

std::string random_bytes(std::size_t size) {
    std::mt19937 generator(42);
    std::string data(size, '\0');
    for (char& c : data)
        c = static_cast<char>(generator());
    return data;
}

TEST_F(Content, RomIsCopiedByteForByte) {
    std::string every_byte;
    for (int i = 0; i < 256; ++i)
        every_byte += static_cast<char>(i);
    write_host_file(dir / "bytes.bin", every_byte + every_byte);
    std::string big = random_bytes(300 * 1024 + 17);
    write_host_file(dir / "files/big.bin", big);
    write_host_file(dir / "empty", "");
    auto fs = load(
        "<config><content>\n"
        "  <rom name=\"bytes.bin\"/>\n"
        "  <dir name=\"d\"><rom name=\"files/big.bin\" as=\"renamed\" mode=\"0755\" uid=\"7\" "
        "gid=\"8\"/></dir>\n"
        "  <rom name=\"" +
        dir.path() + "/empty\"/>\n" + "</content></config>\n");
    ASSERT_TRUE(fs);
    TreeReader tree(*fs);
    EXPECT_EQ(*tree.read("/bytes.bin"), every_byte + every_byte);
    EXPECT_EQ(*tree.read("/d/renamed"), big);
    EXPECT_EQ(*tree.read("/empty"), "");
    struct stat st = *tree.lstat("/d/renamed");
    EXPECT_EQ(st.st_mode, S_IFREG | 0755);
    EXPECT_EQ(st.st_uid, 7u);
    EXPECT_EQ(st.st_gid, 8u);
    EXPECT_EQ(tree.lstat("/bytes.bin")->st_mode, S_IFREG | 0644);
    EXPECT_EQ(report.files, 3u);
    EXPECT_EQ(report.bytes, 512u + big.size());
}

TEST_F(Content, InlineIsTheTextExactly) {
    auto fs = load(
        "<config><content>\n"
        "  <inline name=\"spaces\">  two  spaces\n\tand a tab &lt;tag&gt; &amp; </inline>\n"
        "  <inline name=\"blank\">   </inline>\n"
        "  <inline name=\"empty\"/>\n"
        "  <inline name=\"cdata\"><![CDATA[<raw> & stuff]]></inline>\n"
        "  <inline name=\"mixed\">a<!-- dropped -->b<![CDATA[<c>]]>d</inline>\n"
        "  <inline name=\"utf8\" mode=\"0600\">gr\xc3\xbc\xc3\x9f\x65</inline>\n"
        "</content></config>\n");
    ASSERT_TRUE(fs);
    TreeReader tree(*fs);
    EXPECT_EQ(*tree.read("/spaces"), "  two  spaces\n\tand a tab <tag> & ");
    EXPECT_EQ(*tree.read("/blank"), "   ");
    EXPECT_EQ(*tree.read("/empty"), "");
    EXPECT_EQ(*tree.read("/cdata"), "<raw> & stuff");
    EXPECT_EQ(*tree.read("/mixed"), "ab<c>d");
    EXPECT_EQ(*tree.read("/utf8"), "gr\xc3\xbc\xc3\x9f\x65");
    EXPECT_EQ(tree.lstat("/utf8")->st_mode, S_IFREG | 0600);
}

TEST_F(Content, DirectoriesAndSymlinks) {
    auto fs = load(
        "<config><content>\n"
        "  <dir name=\"tmp\" mode=\"1777\"/>\n"
        "  <dir name=\"home\"><dir name=\"u\" mode=\"0700\" uid=\"1000\" gid=\"100\">\n"
        "    <inline name=\"f\" uid=\"1000\" gid=\"100\">x</inline></dir></dir>\n"
        "  <symlink name=\"abs\" target=\"/home/u/f\"/>\n"
        "  <symlink name=\"dangling\" target=\"../nowhere\" uid=\"5\" gid=\"6\"/>\n"
        "</content></config>\n");
    ASSERT_TRUE(fs);
    TreeReader tree(*fs);
    EXPECT_EQ(tree.lstat("/tmp")->st_mode, S_IFDIR | 01777);
    struct stat home = *tree.lstat("/home/u");
    EXPECT_EQ(home.st_mode, S_IFDIR | 0700);
    EXPECT_EQ(home.st_uid, 1000u);
    EXPECT_EQ(home.st_gid, 100u);
    EXPECT_EQ(tree.lstat("/home/u/f")->st_uid, 1000u);
    EXPECT_EQ(*tree.readlink("/abs"), "/home/u/f");
    EXPECT_EQ(*tree.read("/abs"), "x");
    EXPECT_EQ(*tree.readlink("/dangling"), "../nowhere");
    EXPECT_EQ(tree.lstat("/dangling")->st_uid, 5u);
    EXPECT_EQ(*tree.list("/"), (std::vector<std::string>{"abs", "dangling", "home", "tmp"}));
    EXPECT_EQ(report.directories, 3u);
    EXPECT_EQ(report.symlinks, 2u);
}

// A host tree with a bit of everything, its mtimes set last.
void make_host_tree(const std::string& root) {
    write_host_file(root + "/a.txt", "alpha\n", 0600);
    write_host_file(root + "/bin/tool", "#!/bin/sh\n", 04755);
    write_host_file(root + "/sub/deeper/z", std::string(10000, 'z'), 0440);
    ASSERT_EQ(::mkdir((root + "/empty").c_str(), 0700), 0);
    ASSERT_EQ(::symlink("a.txt", (root + "/link").c_str()), 0);
    ASSERT_EQ(::symlink("/does/not/exist", (root + "/dangling").c_str()), 0);
    ASSERT_EQ(::link((root + "/a.txt").c_str(), (root + "/sub/hard").c_str()), 0);
    ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0620), 0);
    ASSERT_EQ(::chmod((root + "/sub").c_str(), 0750), 0);
    set_mtime(root + "/a.txt", 1000000000, 123456789);
    set_mtime(root + "/bin/tool", 1100000000, 1);
    set_mtime(root + "/sub/deeper/z", 1200000000, 0);
    set_mtime(root + "/link", 1300000000, 5);
    set_mtime(root + "/sub/deeper", 1400000000, 6);
    set_mtime(root + "/sub", 1500000000, 7);
    set_mtime(root + "/empty", 1600000000, 8);
    set_mtime(root, 1700000000, 9);
}

void expect_same(TreeReader& tree, const std::string& tree_path, const std::string& host_path) {
    struct stat host;
    ASSERT_EQ(::lstat(host_path.c_str(), &host), 0) << host_path;
    auto found = tree.lstat(tree_path);
    ASSERT_TRUE(found.has_value()) << tree_path;
    EXPECT_EQ(found->st_mode, host.st_mode) << tree_path;
    EXPECT_EQ(found->st_mtim.tv_sec, host.st_mtim.tv_sec) << tree_path;
    EXPECT_EQ(found->st_mtim.tv_nsec, host.st_mtim.tv_nsec) << tree_path;
    if (!S_ISDIR(host.st_mode)) {
        EXPECT_EQ(found->st_size, host.st_size) << tree_path;
    }
}

TEST_F(Content, ImportKeepsModesSymlinksAndMtimes) {
    make_host_tree(dir / "tree");
    auto fs = load(
        "<config><content>\n"
        "  <import path=\"tree\" as=\"image\" uid=\"1000\" gid=\"1000\"/>\n"
        "  <dir name=\"merged\"><import path=\"tree/sub\"/></dir>\n"
        "</content></config>\n");
    ASSERT_TRUE(fs);
    TreeReader tree(*fs);
    for (const char* path : {"", "/a.txt", "/bin", "/bin/tool", "/sub", "/sub/deeper",
                             "/sub/deeper/z", "/empty", "/link", "/dangling", "/fifo"}) {
        expect_same(tree, std::string("/image") + path, dir / "tree" + path);
    }
    EXPECT_EQ(*tree.read("/image/a.txt"), "alpha\n");
    EXPECT_EQ(*tree.read("/image/sub/deeper/z"), std::string(10000, 'z'));
    EXPECT_EQ(*tree.readlink("/image/link"), "a.txt");
    EXPECT_EQ(*tree.readlink("/image/dangling"), "/does/not/exist");
    EXPECT_EQ(tree.lstat("/image/a.txt")->st_uid, 1000u);
    EXPECT_EQ(tree.lstat("/image/link")->st_gid, 1000u);
    // Hard links stay hard links.
    struct stat a = *tree.lstat("/image/a.txt");
    struct stat hard = *tree.lstat("/image/sub/hard");
    EXPECT_EQ(a.st_ino, hard.st_ino);
    EXPECT_EQ(a.st_nlink, 2u);
    // Without "as", the contents land in the enclosing directory.
    EXPECT_EQ(*tree.list("/merged"), (std::vector<std::string>{"deeper", "hard"}));
    expect_same(tree, "/merged/deeper/z", dir / "tree/sub/deeper/z");
    EXPECT_EQ(tree.lstat("/merged")->st_mode, S_IFDIR | 0755);  // its own, not sub's
    EXPECT_EQ(report.hard_links, 1u);
}

struct TarEntry {
    std::string path;
    mode_t type;
    mode_t mode;
    std::string data;  // file data, or symlink / hard link target
    uid_t uid = 0;
    gid_t gid = 0;
    time_t mtime = 1234567890;
    bool hard_link = false;
};

void write_tar(const std::string& path, const std::vector<TarEntry>& entries, bool gzip = false) {
    archive* writer = archive_write_new();
    archive_write_set_format_pax(writer);  // keeps nanoseconds
    if (gzip) archive_write_add_filter_gzip(writer);
    ASSERT_EQ(archive_write_open_filename(writer, path.c_str()), ARCHIVE_OK);
    for (const TarEntry& e : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, e.path.c_str());
        archive_entry_set_filetype(entry, e.type);
        archive_entry_set_perm(entry, e.mode);
        archive_entry_set_uid(entry, e.uid);
        archive_entry_set_gid(entry, e.gid);
        archive_entry_set_mtime(entry, e.mtime, 250);
        if (e.hard_link) {
            archive_entry_set_hardlink(entry, e.data.c_str());
            archive_entry_set_size(entry, 0);
        } else if (e.type == AE_IFLNK) {
            archive_entry_set_symlink(entry, e.data.c_str());
        } else if (e.type == AE_IFREG) {
            archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
        }
        ASSERT_EQ(archive_write_header(writer, entry), ARCHIVE_OK) << e.path;
        if (e.type == AE_IFREG && !e.hard_link && !e.data.empty()) {
            archive_write_data(writer, e.data.data(), e.data.size());
        }
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);
}

TEST_F(Content, TarUnpacksEverythingWithItsAttributes) {
    std::string big = random_bytes(70000);
    write_tar(dir / "image.tar",
              {
                  {"./", AE_IFDIR, 0711, "", 0, 0, 1111111111},
                  {"top/", AE_IFDIR, 0750, "", 1000, 1001, 1000000000},
                  {"top/a.txt", AE_IFREG, 0640, "alpha\n", 1000, 1001, 1000000001},
                  {"top/big", AE_IFREG, 0644, big, 0, 0, 1000000002},
                  {"top/link", AE_IFLNK, 0777, "a.txt", 1000, 1001, 1000000003},
                  {"top/hard", AE_IFREG, 0640, "top/a.txt", 1000, 1001, 1000000001, true},
                  {"/implicit/dir/f", AE_IFREG, 04711, "run", 0, 0, 1000000004},
                  {"top/fifo", AE_IFIFO, 0600, "", 2, 3, 1000000005},
              });
    write_tar(dir / "small.tgz", {{"g.txt", AE_IFREG, 0600, "gzipped", 0, 0, 1000000006}}, true);
    auto fs = load(
        "<config><content>\n"
        "  <tar path=\"image.tar\" as=\"img\"/>\n"
        "  <dir name=\"z\"><tar path=\"small.tgz\"/></dir>\n"
        "</content></config>\n");
    ASSERT_TRUE(fs);
    TreeReader tree(*fs);
    struct stat img = *tree.lstat("/img");
    EXPECT_EQ(img.st_mode, S_IFDIR | 0711);
    EXPECT_EQ(img.st_mtim.tv_sec, 1111111111);
    struct stat top = *tree.lstat("/img/top");
    EXPECT_EQ(top.st_mode, S_IFDIR | 0750);
    EXPECT_EQ(top.st_uid, 1000u);
    EXPECT_EQ(top.st_gid, 1001u);
    EXPECT_EQ(top.st_mtim.tv_sec, 1000000000);  // after its entries went in
    struct stat a = *tree.lstat("/img/top/a.txt");
    EXPECT_EQ(a.st_mode, S_IFREG | 0640);
    EXPECT_EQ(a.st_uid, 1000u);
    EXPECT_EQ(a.st_mtim.tv_sec, 1000000001);
    EXPECT_EQ(a.st_mtim.tv_nsec, 250);
    EXPECT_EQ(a.st_nlink, 2u);
    EXPECT_EQ(tree.lstat("/img/top/hard")->st_ino, a.st_ino);
    EXPECT_EQ(*tree.read("/img/top/a.txt"), "alpha\n");
    EXPECT_EQ(*tree.read("/img/top/big"), big);
    EXPECT_EQ(*tree.readlink("/img/top/link"), "a.txt");
    EXPECT_EQ(tree.lstat("/img/top/link")->st_uid, 1000u);
    EXPECT_EQ(tree.lstat("/img/top/link")->st_mtim.tv_sec, 1000000003);
    EXPECT_EQ(tree.lstat("/img/implicit/dir")->st_mode, S_IFDIR | 0755);
    EXPECT_EQ(tree.lstat("/img/implicit/dir/f")->st_mode, S_IFREG | 04711);
    EXPECT_EQ(*tree.read("/img/implicit/dir/f"), "run");
    struct stat fifo = *tree.lstat("/img/top/fifo");
    EXPECT_TRUE(S_ISFIFO(fifo.st_mode));
    EXPECT_EQ(fifo.st_uid, 2u);
    EXPECT_EQ(fifo.st_gid, 3u);
    EXPECT_EQ(*tree.read("/z/g.txt"), "gzipped");
    EXPECT_EQ(tree.lstat("/z")->st_mode, S_IFDIR | 0755);
    EXPECT_EQ(report.hard_links, 1u);
}

TEST_F(Content, TarEntriesCannotLeaveTheirDirectory) {
    write_tar(dir / "evil.tar", {
                                    {"../escaped", AE_IFREG, 0644, "x"},
                                    {"out", AE_IFLNK, 0777, "/etc"},
                                    {"out/passwd", AE_IFREG, 0644, "owned"},
                                    {"ok", AE_IFREG, 0644, "fine"},
                                });
    Diagnostics problems = load_errors(
        "<config><content>\n"
        "  <dir name=\"etc\"/>\n"
        "  <tar path=\"evil.tar\" as=\"t\"/>\n"
        "</content></config>\n");
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0].to_string(),
              dir / "c.xml:3:3: <tar> '" + dir /
                                               "evil.tar' entry '../escaped': refused: '..' in "
                                               "its path");
    EXPECT_EQ(problems[1].to_string(),
              dir / "c.xml:3:3: <tar> '" + dir /
                                               "evil.tar' entry 'out/passwd': cannot reach its "
                                               "directory 'out': Not a directory");
}

// A hard link may only name a file the same import made below its "as": a
// symlink the archive made (here to "/") is not followed on the way.
TEST_F(Content, TarHardLinksCannotReachThroughSymlinks) {
    write_tar(dir / "links.tar", {
                                     {"s", AE_IFLNK, 0777, "/"},
                                     {"h", AE_IFREG, 0644, "s/home/secret", 0, 0, 0, true},
                                     {"mine", AE_IFREG, 0644, "mine"},
                                     {"again", AE_IFREG, 0644, "mine", 0, 0, 0, true},
                                 });
    Diagnostics problems = load_errors(
        "<config><content>\n"
        "  <dir name=\"home\"><inline name=\"secret\" mode=\"0600\">s</inline></dir>\n"
        "  <tar path=\"links.tar\" as=\"pub\"/>\n"
        "</content></config>\n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].to_string().find("entry 'h': refused: hard link to 's/home/secret'"),
              std::string::npos)
        << problems[0].to_string();
}

TEST_F(Content, LimitsApplyWhileLoading) {
    write_host_file(dir / "tree/a", "a");
    write_host_file(dir / "tree/b", "b");
    write_host_file(dir / "tree/c", "c");
    Diagnostics problems = load_errors(
        "<config><limits max_inodes=\"3\"/><content>\n"
        "  <import path=\"tree\"/>\n"
        "</content></config>\n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].to_string(),
              dir / "c.xml:2:3: <import> '" + dir /
                                                  "tree/c': cannot create it in the tree: No "
                                                  "space left on device");
    write_host_file(dir / "big", std::string(5000, 'x'));
    problems = load_errors(
        "<config><limits max_bytes=\"4K\"/><content>\n"
        "  <rom name=\"big\"/>\n"
        "</content></config>\n");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].to_string(),
              dir / "c.xml:2:3: cannot create '/big': No space left on device");
}

TEST_F(Content, ConfigLimitsReachTheFileSystem) {
    auto config =
        parse_config("<config><limits max_bytes=\"2M\" max_inodes=\"77\"/></config>", "x.xml", "/");
    ASSERT_TRUE(config.has_value());
    core::Limits limits = config->limits();
    EXPECT_EQ(limits.max_bytes, 2u << 20);
    EXPECT_EQ(limits.max_inodes, 77u);
    core::Limits defaults{123, 456};
    auto bare = parse_config("<config/>", "x.xml", "/");
    EXPECT_EQ(bare->limits(defaults).max_bytes, 123u);
    EXPECT_EQ(bare->limits(defaults).max_inodes, 456u);
}

TEST_F(Content, ListenersAreParsed) {
    auto config = parse_config(
        "<config>\n"
        "  <listen unix=\"run/imfs.sock\" mode=\"0660\" label=\"app\"/>\n"
        "  <listen unix=\"/abs.sock\"/>\n"
        "  <listen tcp=\"127.0.0.1:7070\" label=\"net\"/>\n"
        "  <listen tcp=\"[::1]:7071\"/>\n"
        "</config>",
        "x.xml", "/etc/imfs");
    ASSERT_TRUE(config.has_value());
    ASSERT_EQ(config->listeners.size(), 4u);
    const auto& l = config->listeners;
    EXPECT_EQ(l[0].kind, Listener::Kind::unix_socket);
    EXPECT_EQ(l[0].unix_path, "/etc/imfs/run/imfs.sock");
    EXPECT_EQ(l[0].mode, 0660u);
    EXPECT_EQ(l[0].label, "app");
    EXPECT_EQ(l[1].unix_path, "/abs.sock");
    EXPECT_EQ(l[1].mode, 0600u);
    EXPECT_EQ(l[1].label, "");
    EXPECT_EQ(l[2].kind, Listener::Kind::tcp);
    EXPECT_EQ(l[2].host, "127.0.0.1");
    EXPECT_EQ(l[2].port, 7070);
    EXPECT_EQ(l[2].label, "net");
    EXPECT_EQ(l[3].host, "::1");
    EXPECT_EQ(l[3].port, 7071);
    EXPECT_EQ(l[2].where.line, 4u);
}

}  // namespace
}  // namespace imfs::config
