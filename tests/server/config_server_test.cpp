// imfsd with a config, as a real process, reached through the public C API:
// each content example's views, start-up errors, and SIGHUP reloads.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <imfs/imfs.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "imfsd_process.hpp"

namespace {

using namespace std::chrono_literals;
using imfs::test::ImfsdProcess;
namespace fs = std::filesystem;

const fs::path kExamples = IMFS_CONTENT_EXAMPLES;

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void spit(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A copy of content-examples/ in a fresh directory, so a test can point a
// config's <listen> at its own socket without touching the sources.
class ExamplesCopy {
  public:
    ExamplesCopy() {
        char pattern[] = "/tmp/imfs-config-test-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        fs::copy(kExamples, dir_, fs::copy_options::recursive);
    }
    ~ExamplesCopy() { fs::remove_all(dir_); }
    ExamplesCopy(const ExamplesCopy&) = delete;
    ExamplesCopy& operator=(const ExamplesCopy&) = delete;

    const fs::path& dir() const { return dir_; }
    // The config named file, its `from` socket path replaced by a fresh one
    // (returned).
    std::string relisten(const std::string& file, const std::string& from) {
        std::string text = slurp(dir_ / file);
        std::string socket = (dir_ / (file + ".sock")).string();
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from << " not in " << file;
        if (at != std::string::npos) text.replace(at, from.size(), socket);
        spit(dir_ / file, text);
        return socket;
    }

  private:
    fs::path dir_;
};

int open_session(const std::string& socket, const char* label, bool readonly = false) {
    imfs_session_options options{readonly ? 1 : 0, nullptr};
    return imfs_session_open(("unix:" + socket).c_str(), label, &options);
}

std::string read_all(int s, const char* path) {
    int fd = imfs_open(s, path, O_RDONLY);
    if (fd < 0) return "<" + std::string(strerror(errno)) + ">";
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = imfs_read(s, fd, buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<size_t>(n));
    imfs_close(s, fd);
    return text;
}

// The errno of creating path (0 on success).
int create_errno(int s, const char* path) {
    int fd = imfs_open(s, path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return errno;
    imfs_close(s, fd);
    return 0;
}

TEST(ImfsdConfig, DemoGivesEachLabelItsView) {
    std::string socket = imfs::test::fresh_socket_path();
    ImfsdProcess imfsd(ImfsdProcess::ExactArgs{},
                       {"--config", (kExamples / "demo.xml").string(), "--listen", "unix:" + socket,
                        "--log-level", "warn"},
                       socket);
    ASSERT_TRUE(imfsd.started());

    int reader = open_session(socket, "reader");
    ASSERT_GE(reader, 0) << strerror(errno);
    EXPECT_EQ(read_all(reader, "/etc/motd"),
              "Welcome to IMFS, a file system that lives in memory.\n");
    EXPECT_EQ(read_all(reader, "/etc/hosts"), slurp(kExamples / "files/hosts"));
    EXPECT_EQ(read_all(reader, "/motd"), read_all(reader, "/etc/motd"));  // symlink
    EXPECT_EQ(create_errno(reader, "/tmp/r"), EROFS);

    int writer = open_session(socket, "writer");
    ASSERT_GE(writer, 0) << strerror(errno);
    EXPECT_EQ(create_errno(writer, "/tmp/w"), 0);
    EXPECT_EQ(create_errno(writer, "/home/guest/notes"), 0);
    EXPECT_EQ(create_errno(writer, "/etc/evil"), EACCES);
    struct stat st;
    ASSERT_EQ(imfs_stat(writer, "/tmp/w", &st), 0);
    EXPECT_EQ(st.st_uid, 1000u);

    int admin = open_session(socket, "admin");
    ASSERT_GE(admin, 0) << strerror(errno);
    EXPECT_EQ(create_errno(admin, "/etc/new"), 0);
    EXPECT_EQ(imfs_setcred(admin, 1000, 1000, 0, nullptr), 0);  // trusted
    EXPECT_EQ(imfs_setcred(writer, 0, 0, 0, nullptr), -1);      // not trusted
    EXPECT_EQ(errno, EPERM);

    EXPECT_EQ(open_session(socket, "stranger"), -1);
    EXPECT_EQ(errno, EACCES);
    for (int s : {reader, writer, admin})
        EXPECT_EQ(imfs_session_close(s), 0);
}

TEST(ImfsdConfig, MultiTenantHomesArePrivateAndPubIsShared) {
    ExamplesCopy copy;
    std::string socket = copy.relisten("multi-tenant.xml", "/tmp/imfs-tenants.sock");
    ImfsdProcess imfsd(
        ImfsdProcess::ExactArgs{},
        {"--config", (copy.dir() / "multi-tenant.xml").string(), "--log-level", "warn"}, socket);
    ASSERT_TRUE(imfsd.started());

    int alice = open_session(socket, "alice");
    int bob = open_session(socket, "bob");
    ASSERT_GE(alice, 0) << strerror(errno);
    ASSERT_GE(bob, 0) << strerror(errno);
    EXPECT_EQ(create_errno(alice, "/home/alice/diary"), 0);
    EXPECT_EQ(create_errno(bob, "/home/alice/intruder"), EACCES);
    EXPECT_EQ(read_all(bob, "/home/alice/diary"), "<Permission denied>");
    EXPECT_EQ(read_all(alice, "/pub/README"), "Shared by every tenant, read-only.\n");
    EXPECT_EQ(read_all(bob, "/pub/guide.txt"), slurp(copy.dir() / "files/guide.txt"));
    EXPECT_EQ(create_errno(alice, "/pub/graffiti"), EACCES);

    // The listener composes "tenants -> alice -> pub": a view of /pub alone.
    int pub = open_session(socket, "alice -> pub");
    ASSERT_GE(pub, 0) << strerror(errno);
    EXPECT_EQ(read_all(pub, "/README"), "Shared by every tenant, read-only.\n");
    EXPECT_EQ(read_all(pub, "/../home/alice/diary"), "<No such file or directory>");
    EXPECT_EQ(create_errno(pub, "/x"), EROFS);

    // A client cannot forge the listener's part of the label.
    EXPECT_EQ(open_session(socket, "tenants -> alice"), -1);
    EXPECT_EQ(errno, EACCES);
    EXPECT_EQ(open_session(socket, "mallory"), -1);
    EXPECT_EQ(errno, EACCES);
    for (int s : {alice, bob, pub})
        EXPECT_EQ(imfs_session_close(s), 0);
}

TEST(ImfsdConfig, ReadonlyImageIsTheImportedTreeForEveryone) {
    ExamplesCopy copy;
    std::string socket = copy.relisten("readonly-image.xml", "/tmp/imfs-image.sock");
    ImfsdProcess imfsd(
        ImfsdProcess::ExactArgs{},
        {"--config", (copy.dir() / "readonly-image.xml").string(), "--log-level", "warn"}, socket);
    ASSERT_TRUE(imfsd.started());
    for (const char* label : {"anyone", "someone else"}) {
        int s = open_session(socket, label);
        ASSERT_GE(s, 0) << strerror(errno);
        EXPECT_EQ(read_all(s, "/etc/os-release"), slurp(copy.dir() / "image/etc/os-release"));
        struct stat inside, host;
        ASSERT_EQ(imfs_lstat(s, "/bin/hello", &inside), 0);
        ASSERT_EQ(::lstat((copy.dir() / "image/bin/hello").c_str(), &host), 0);
        EXPECT_EQ(inside.st_mode, host.st_mode);
        EXPECT_EQ(create_errno(s, "/tmp-file"), EROFS);
        EXPECT_EQ(imfs_unlink(s, "/etc/os-release"), -1);
        EXPECT_EQ(errno, EROFS);
        EXPECT_EQ(imfs_session_close(s), 0);
    }
}

TEST(ImfsdConfig, ABadConfigStopsTheStartWithFileAndLine) {
    char pattern[] = "/tmp/imfs-bad-config-XXXXXX";
    fs::path dir = ::mkdtemp(pattern);
    fs::path bad = dir / "bad.xml";
    spit(bad, "<config>\n  <policy label=\"x\" root=\"/\"/>\n  <frobnicate/>\n</config>\n");
    std::string command = std::string(IMFSD_PATH) + " --config " + bad.string() +
                          " --listen unix:" + (dir / "s").string() + " 2>" + (dir / "err").string();
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1);
    EXPECT_NE(slurp(dir / "err").find(bad.string() + ":3:3:"), std::string::npos)
        << slurp(dir / "err");
    EXPECT_FALSE(fs::exists(dir / "s"));  // it never listened

    std::string check =
        std::string(IMFSD_PATH) + " --check-config " + bad.string() + " 2>/dev/null";
    status = std::system(check.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1);
    check = std::string(IMFSD_PATH) + " --check-config " + (kExamples / "demo.xml").string() +
            " >/dev/null";
    status = std::system(check.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 0);
    fs::remove_all(dir);
}

// Waits until a call on s fails with EIO (the server closed it), or 3 s.
bool closed_by_server(int s) {
    for (int i = 0; i < 300; ++i) {
        struct stat st;
        if (imfs_stat(s, "/", &st) != 0 && errno == EIO) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

TEST(ImfsdConfig, SighupReloadsPoliciesAndClosesSessionsTheyNoLongerGrant) {
    char pattern[] = "/tmp/imfs-reload-XXXXXX";
    fs::path dir = ::mkdtemp(pattern);
    fs::path config = dir / "imfs.xml";
    std::string socket = (dir / "imfs.sock").string();
    auto write_config = [&](const std::string& policies) {
        spit(config, "<config>\n  <listen unix=\"" + socket +
                         "\"/>\n  <content><dir name=\"data\" mode=\"0777\"/></content>\n" +
                         policies + "</config>\n");
    };
    write_config(
        "  <policy label=\"old\" root=\"/\" writeable=\"yes\"/>\n"
        "  <policy label=\"stays\" root=\"/data\" writeable=\"yes\"/>\n");
    ImfsdProcess imfsd(ImfsdProcess::ExactArgs{},
                       {"--config", config.string(), "--log-level", "warn"}, socket);
    ASSERT_TRUE(imfsd.started());
    int old_session = open_session(socket, "old");
    int stays = open_session(socket, "stays");
    ASSERT_GE(old_session, 0);
    ASSERT_GE(stays, 0);
    EXPECT_EQ(create_errno(old_session, "/data/kept"), 0);
    EXPECT_EQ(open_session(socket, "new"), -1);

    write_config(
        "  <policy label=\"new\" root=\"/\" writeable=\"yes\"/>\n"
        "  <policy label=\"stays\" root=\"/data\" writeable=\"yes\"/>\n");
    ASSERT_EQ(::kill(imfsd.pid(), SIGHUP), 0);
    EXPECT_TRUE(closed_by_server(old_session));
    int fresh = -1;
    for (int i = 0; i < 300 && fresh < 0; ++i) {
        fresh = open_session(socket, "new");
        if (fresh < 0) std::this_thread::sleep_for(10ms);
    }
    ASSERT_GE(fresh, 0) << "the new policy did not take";
    EXPECT_EQ(open_session(socket, "old"), -1);
    EXPECT_EQ(errno, EACCES);
    // Content stays as it is; the unchanged grant keeps its session.
    struct stat st;
    EXPECT_EQ(imfs_stat(fresh, "/data/kept", &st), 0);
    EXPECT_EQ(imfs_stat(stays, "/kept", &st), 0);

    // A broken file is refused and the policies in force stay.
    spit(config, "<config><policy label=\"new\"");
    ASSERT_EQ(::kill(imfsd.pid(), SIGHUP), 0);
    std::this_thread::sleep_for(200ms);
    int again = open_session(socket, "new");
    EXPECT_GE(again, 0) << strerror(errno);
    EXPECT_EQ(imfs_stat(fresh, "/", &st), 0);
    for (int s : {old_session, stays, fresh, again})
        imfs_session_close(s);
    fs::remove_all(dir);
}

}  // namespace
