// The imfs binary against a real imfsd: each test starts its own server on
// a fresh socket and runs several imfs processes on the same tree.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <random>
#include <regex>

#include "cli_process.hpp"

namespace imfs::test {
namespace {

// ls -l's date of a recent file.
const std::string kDate = "[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]";

bool matches(const std::string& text, const std::string& pattern) {
    return std::regex_match(text, std::regex(pattern));
}

class CliSession : public ::testing::Test {
  protected:
    void SetUp() override {
#ifndef IMFSD_PATH
        GTEST_SKIP() << "imfsd is not built in this tree; the CLI's multi-step tests need it";
#else
        server_ = std::make_unique<ImfsdServer>();
        ASSERT_TRUE(server_->started()) << "imfsd did not start";
#endif
    }

    RunResult imfs(std::vector<std::string> args, RunOptions options = {}) {
        args.insert(args.begin(), {"-e", server_->endpoint()});
        return run_imfs(args, options);
    }

    // Runs a command that must succeed silently on stderr; its stdout.
    std::string ok(std::vector<std::string> args, RunOptions options = {}) {
        std::string shown;
        for (const auto& a : args)
            shown += a + " ";
        RunResult r = imfs(std::move(args), std::move(options));
        EXPECT_EQ(r.status, 0) << shown << ": " << r.err;
        EXPECT_EQ(r.err, "") << shown;
        return r.out;
    }

    std::unique_ptr<ImfsdServer> server_;
};

std::string binary_bytes(std::size_t size) {
    std::mt19937 random(42);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = i % 7 == 0 ? '\0' : static_cast<char>(random());
    return bytes;
}

TEST_F(CliSession, EndpointFromTheEnvironment) {
    RunResult r =
        run_imfs({"mkdir", "/from-env"}, with_env({{"IMFS_ENDPOINT", server_->endpoint()}}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(ok({"ls", "/"}), "from-env\n");
}

TEST_F(CliSession, PutGetRoundTripIsByteForByte) {
    HostDirectory host;
    std::string bytes = binary_bytes(3 * 1024 * 1024 + 17);
    bytes.append(std::string(5, '\0'));
    write_host_file(host.file("in.bin"), bytes);

    ok({"put", host.file("in.bin"), "/blob"});
    ok({"get", "/blob", host.file("out.bin")});
    EXPECT_TRUE(read_host_file(host.file("out.bin")) == bytes);
    EXPECT_TRUE(ok({"get", "/blob", "-"}) == bytes);
    EXPECT_TRUE(ok({"cat", "/blob"}) == bytes);

    ok({"put", "-", "/from-stdin"}, with_input(bytes));
    EXPECT_TRUE(ok({"cat", "/from-stdin"}) == bytes);
    EXPECT_TRUE(matches(ok({"stat", "/from-stdin"}),
                        "  File: /from-stdin\n  Size: " + std::to_string(bytes.size()) +
                            " [^]*regular file\n[^]*"));

    // Into a directory: the copy takes the source's name.
    ok({"mkdir", "/dir"});
    ok({"put", host.file("in.bin"), "/dir"});
    ok({"get", "/dir/in.bin", host.path()});
    EXPECT_TRUE(read_host_file(host.file("in.bin")) == bytes);
}

TEST_F(CliSession, PutKeepsTheHostModeAndGetGivesItBack) {
    HostDirectory host;
    write_host_file(host.file("script"), "#!/bin/sh\n");
    ASSERT_EQ(::chmod(host.file("script").c_str(), 0750), 0);
    ok({"put", host.file("script"), "/script"});
    EXPECT_TRUE(
        matches(ok({"ls", "-l", "/script"}), "-rwxr-x--- 1 0 0 10 " + kDate + " /script\n"));
    ok({"get", "/script", host.file("back")});
    struct stat st;
    ASSERT_EQ(::stat(host.file("back").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_F(CliSession, GetAndPutErrors) {
    HostDirectory host;
    RunResult r = imfs({"get", "/missing", host.file("x")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot open '/missing' for reading: No such file or directory\n");
    r = imfs({"put", host.file("missing"), "/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot open '" + host.file("missing") +
                         "' for reading: No such file or directory\n");
    r = imfs({"put", "-", "/no/such/dir/x"}, with_input("x"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "imfs: cannot create regular file '/no/such/dir/x': No such file or directory\n");
}

TEST_F(CliSession, LsLongFormat) {
    ok({"mkdir", "-m", "755", "/d"});
    ok({"put", "-", "/d/small"}, with_input("hello"));
    ok({"put", "-", "/d/bigger"}, with_input(std::string(12345, 'x')));
    ok({"chmod", "640", "/d/small"});
    ok({"chmod", "4755", "/d/bigger"});
    ok({"mkdir", "-m", "1777", "/d/sticky"});
    ok({"ln", "-s", "/d/small", "/d/link"});
    std::string out = ok({"ls", "-l", "/d"});
    EXPECT_TRUE(matches(out,
                        "total [0-9]+\n"
                        "-rwsr-xr-x 1 0 0 12345 " +
                            kDate +
                            " bigger\n"
                            "lrwxrwxrwx 1 0 0     8 " +
                            kDate +
                            " link -> /d/small\n"
                            "-rw-r----- 1 0 0     5 " +
                            kDate +
                            " small\n"
                            "drwxrwxrwt 2 0 0 +[0-9]+ " +
                            kDate + " sticky\n"))
        << out;
    // Plain ls: names only, sorted; dot files only with -a.
    ok({"touch", "/d/.hidden"});
    EXPECT_EQ(ok({"ls", "/d"}), "bigger\nlink\nsmall\nsticky\n");
    EXPECT_EQ(ok({"ls", "-a", "/d"}), ".\n..\n.hidden\nbigger\nlink\nsmall\nsticky\n");
    // Several operands: files first, then each directory under a header.
    EXPECT_EQ(ok({"ls", "/d/sticky", "/d/small", "/d"}),
              "/d/small\n\n/d:\nbigger\nlink\nsmall\nsticky\n\n/d/sticky:\n");
}

TEST_F(CliSession, CatOfAMissingFile) {
    ok({"put", "-", "/present"}, with_input("here\n"));
    RunResult r = imfs({"cat", "/present", "/missing", "/present"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "here\nhere\n");
    EXPECT_EQ(r.err, "imfs: /missing: No such file or directory\n");
    ok({"mkdir", "/dir"});
    r = imfs({"cat", "/dir"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: /dir: Is a directory\n");
}

TEST_F(CliSession, MkdirParents) {
    ok({"mkdir", "-p", "/a/b/c"});
    ok({"mkdir", "-p", "/a/b/c"});  // no error when it is there
    EXPECT_EQ(ok({"ls", "/a/b"}), "c\n");
    RunResult r = imfs({"mkdir", "/a"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot create directory '/a': File exists\n");
    r = imfs({"mkdir", "/x/y"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot create directory '/x/y': No such file or directory\n");
    ok({"touch", "/file"});
    r = imfs({"mkdir", "-p", "/file/sub"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot create directory '/file': Not a directory\n");
    // -m gives the mode exactly, whatever the umask.
    ok({"mkdir", "-m", "u=rwx,g=x,o=", "/m"});
    EXPECT_TRUE(matches(ok({"stat", "/m"}), "[^]*Access: \\(0710/drwx--x---\\)[^]*"));
}

TEST_F(CliSession, RmAndRecursiveRm) {
    ok({"mkdir", "-p", "/t/x/y"});
    ok({"put", "-", "/t/x/y/f"}, with_input("f"));
    ok({"ln", "-s", "/t", "/t/x/loop"});
    RunResult r = imfs({"rm", "/t"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot remove '/t': Is a directory\n");
    r = imfs({"rm", "/nothing"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot remove '/nothing': No such file or directory\n");
    ok({"rm", "-f", "/nothing"});
    ok({"rm", "-r", "/t"});
    EXPECT_EQ(ok({"ls", "/"}), "");
    r = imfs({"rm", "-rf", "/"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.err.starts_with("imfs: it is dangerous to operate recursively on '/'")) << r.err;
    ok({"mkdir", "/d"});
    ok({"touch", "/d/f"});
    r = imfs({"rmdir", "/d"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: failed to remove '/d': Directory not empty\n");
    ok({"rm", "/d/f"});
    ok({"rmdir", "/d"});
    EXPECT_EQ(ok({"ls", "/"}), "");
}

TEST_F(CliSession, Mv) {
    ok({"put", "-", "/a"}, with_input("A"));
    ok({"mv", "/a", "/b"});
    EXPECT_EQ(ok({"ls", "/"}), "b\n");
    EXPECT_EQ(ok({"cat", "/b"}), "A");
    ok({"mkdir", "/dir"});
    ok({"mv", "/b", "/dir"});  // into the directory
    EXPECT_EQ(ok({"ls", "/dir"}), "b\n");
    RunResult r = imfs({"mv", "/nope", "/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot stat '/nope': No such file or directory\n");
    r = imfs({"mv", "/dir", "/dir/sub"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot move '/dir' to a subdirectory of itself, '/dir/sub'\n");
}

TEST_F(CliSession, LinksAndReadlinkThroughLsL) {
    ok({"put", "-", "/target"}, with_input("T"));
    ok({"ln", "-s", "/target", "/sym"});
    ok({"ln", "-s", "relative/dangling", "/dangling"});
    ok({"ln", "/target", "/hard"});
    EXPECT_TRUE(
        matches(ok({"ls", "-l", "/sym"}), "lrwxrwxrwx 1 0 0 7 " + kDate + " /sym -> /target\n"));
    EXPECT_TRUE(matches(ok({"ls", "-l", "/dangling"}),
                        "lrwxrwxrwx 1 0 0 17 " + kDate + " /dangling -> relative/dangling\n"));
    EXPECT_TRUE(matches(ok({"ls", "-l", "/hard"}), "-rw-r--r-- 2 0 0 1 " + kDate + " /hard\n"));
    EXPECT_EQ(ok({"cat", "/sym"}), "T");
    EXPECT_TRUE(matches(ok({"stat", "/sym"}), "  File: /sym -> /target\n[^]*symbolic link\n[^]*"));
    RunResult r = imfs({"ln", "-s", "/elsewhere", "/sym"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: failed to create symbolic link '/sym': File exists\n");
    ok({"ln", "-sf", "/elsewhere", "/sym"});
    EXPECT_TRUE(matches(ok({"ls", "-l", "/sym"}), "l[^]* /sym -> /elsewhere\n"));
    r = imfs({"ln", "/missing", "/h2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: failed to access '/missing': No such file or directory\n");
}

TEST_F(CliSession, Chmod) {
    ok({"mkdir", "/d"});
    ok({"touch", "/d/f"});
    ok({"chmod", "700", "/d"});
    EXPECT_TRUE(matches(ok({"ls", "-l", "-a", "/d"}),
                        "total 0\ndrwx------ 2 0 0 +[0-9]+ " + kDate + " \\.\n[^]*"));
    ok({"chmod", "u+x,g=r,o-rwx", "/d/f"});
    EXPECT_TRUE(matches(ok({"ls", "-l", "/d/f"}), "-rwxr----- 1 0 0 0 " + kDate + " /d/f\n"));
    ok({"chmod", "a+rX", "/d/f"});
    EXPECT_TRUE(matches(ok({"ls", "-l", "/d/f"}), "-rwxr-xr-x [^]*"));
    ok({"chmod", "-w", "/d/f"});  // a mode that looks like an option
    EXPECT_TRUE(matches(ok({"ls", "-l", "/d/f"}), "-r-xr-xr-x [^]*"));
    ok({"chmod", "2755", "/d/f"});
    EXPECT_TRUE(matches(ok({"stat", "/d/f"}), "[^]*Access: \\(2755/-rwxr-sr-x\\)[^]*"));
    RunResult r = imfs({"chmod", "644", "/d/none", "/d/f"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot access '/d/none': No such file or directory\n");
    EXPECT_TRUE(matches(ok({"ls", "-l", "/d/f"}), "-rw-r--r-- [^]*"));
}

TEST_F(CliSession, TreeOutput) {
    ok({"mkdir", "-p", "/top/a/deep", "/top/b"});
    ok({"touch", "/top/a/deep/f1", "/top/a/f2", "/top/z", "/top/.hidden"});
    ok({"ln", "-s", "/top/a", "/top/link"});
    EXPECT_EQ(ok({"tree", "/top"}),
              "/top\n"
              "├── a\n"
              "│   ├── deep\n"
              "│   │   └── f1\n"
              "│   └── f2\n"
              "├── b\n"
              "├── link -> /top/a\n"
              "└── z\n"
              "\n"
              "4 directories, 3 files\n");
    EXPECT_NE(ok({"tree", "-a", "/top"}).find("├── .hidden\n"), std::string::npos);
    EXPECT_EQ(ok({"tree", "/top/b"}), "/top/b\n\n0 directories, 0 files\n");
}

TEST_F(CliSession, StatFormat) {
    ok({"put", "-", "/f"}, with_input("12345"));
    ok({"chmod", "0640", "/f"});
    std::string out = ok({"stat", "/f"});
    const std::string time =
        "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9} \\+0000";
    EXPECT_TRUE(matches(out,
                        "  File: /f\n"
                        "  Size: 5         \tBlocks: [0-9]+ +IO Block: [0-9]+ +regular file\n"
                        "Device: [0-9]+,[0-9]+\tInode: [0-9]+ +Links: 1\n"
                        "Access: \\(0640/-rw-r-----\\)  Uid: \\(    0/ +[a-zA-Z]+\\)   "
                        "Gid: \\(    0/ +[a-zA-Z]+\\)\n"
                        "Access: " +
                            time + "\nModify: " + time + "\nChange: " + time + "\n Birth: -\n"))
        << out;
    ok({"touch", "/empty"});
    EXPECT_TRUE(matches(ok({"stat", "/empty"}), "[^]*regular empty file\n[^]*"));
    EXPECT_TRUE(matches(ok({"stat", "/"}), "  File: /\n[^]* directory\n[^]*Links: [0-9]+\n[^]*"));
}

TEST_F(CliSession, DfShowsSizes) {
    std::string before = ok({"df"});
    ok({"put", "-", "/big"}, with_input(std::string(2 * 1024 * 1024, 'x')));
    std::string after = ok({"df", "/"});
    std::smatch m;
    const std::regex row(
        "Filesystem +1K-blocks +Used +Available +Use% Mounted on\n"
        "unix:[^ ]+ +([0-9]+) +([0-9]+) +([0-9]+) +([0-9]+|-)%? /\n");
    ASSERT_TRUE(std::regex_match(before, m, row)) << before;
    unsigned long long used_before = std::stoull(m[2]);
    ASSERT_TRUE(std::regex_match(after, m, row)) << after;
    EXPECT_GT(std::stoull(m[1]), 0ull);
    EXPECT_GE(std::stoull(m[2]), used_before + 2048) << before << after;
    EXPECT_TRUE(matches(ok({"df", "-i"}),
                        "Filesystem +Inodes +IUsed +IFree +IUse% Mounted on\n"
                        "unix:[^ ]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+% /\n"));
}

TEST_F(CliSession, Touch) {
    ok({"touch", "/new"});
    EXPECT_TRUE(matches(ok({"ls", "-l", "/new"}), "-rw-r--r-- 1 0 0 0 " + kDate + " /new\n"));
    ok({"touch", "-c", "/not-created"});
    EXPECT_EQ(ok({"ls", "/"}), "new\n");
    RunResult r = imfs({"touch", "/no/dir"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot touch '/no/dir': No such file or directory\n");
}

TEST_F(CliSession, PreloadFromThePreloadsVariable) {
    HostDirectory host;
    write_host_file(host.file("lib1.so"), "one");
    write_host_file(host.file("lib2.so"), std::string("t\0wo", 4));
    RunResult r = imfs({"preload"},
                       with_env({{"PRELOADS", host.file("lib1.so") + ":" + host.file("lib2.so")}}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(ok({"cat", host.file("lib1.so")}), "one");
    EXPECT_EQ(ok({"cat", host.file("lib2.so")}), std::string("t\0wo", 4));
    // Arguments win over the variable.
    write_host_file(host.file("arg"), "arg");
    r = imfs({"preload", host.file("arg")}, with_env({{"PRELOADS", host.file("missing")}}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(ok({"cat", host.file("arg")}), "arg");
    r = imfs({"preload"}, with_env({{"PRELOADS", host.file("missing")}}));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot preload PRELOADS='" + host.file("missing") +
                         "': No such file or directory\n");
}

TEST_F(CliSession, LoadAndDump) {
    HostDirectory host;
    std::string bytes = binary_bytes(100000);
    write_host_file(host.file("data"), bytes);
    ok({"load", host.file("data")});
    EXPECT_TRUE(ok({"cat", host.file("data")}) == bytes);
    ok({"dump", host.file("data"), host.file("dumped")});
    EXPECT_TRUE(read_host_file(host.file("dumped")) == bytes);
    RunResult r = imfs({"dump", "/missing", host.file("x")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot dump '/missing' to '" + host.file("x") +
                         "': No such file or directory\n");
    r = imfs({"load", host.file("missing")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "imfs: cannot load '" + host.file("missing") + "': No such file or directory\n");
}

TEST_F(CliSession, ServerGoneMidway) {
    ok({"mkdir", "/d"});
    std::string endpoint = server_->endpoint();
    server_.reset();
    RunResult r = run_imfs({"-e", endpoint, "ls", "/"});
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.err.starts_with("imfs: cannot connect to '" + endpoint + "': ")) << r.err;
}

}  // namespace
}  // namespace imfs::test
