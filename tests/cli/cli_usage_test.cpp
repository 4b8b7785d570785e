// The imfs binary on its own: help, version, usage errors, endpoints, and
// what one invocation can do on an in-process ("mem:") tree.
#include <gtest/gtest.h>

#include <regex>

#include "cli_process.hpp"

namespace imfs::test {
namespace {

const std::vector<std::string> kCommands = {"ls",  "tree",  "stat",  "df",   "cat",     "put",
                                            "get", "touch", "mkdir", "rm",   "rmdir",   "mv",
                                            "ln",  "chmod", "load",  "dump", "preload", "snapshot"};

TEST(CliUsage, HelpListsEveryCommand) {
    RunResult r = run_imfs({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(r.out.starts_with("Usage: imfs [-e ENDPOINT] [-l LABEL] COMMAND")) << r.out;
    for (const auto& command : kCommands)
        EXPECT_NE(r.out.find("\n  " + command + " "), std::string::npos) << command;
    EXPECT_EQ(r.err, "");
}

TEST(CliUsage, EveryCommandHasHelpWithoutAnEndpoint) {
    for (const auto& command : kCommands) {
        RunResult r = run_imfs({command, "--help"});
        EXPECT_EQ(r.status, 0) << command;
        EXPECT_TRUE(r.out.starts_with("Usage: imfs [-e ENDPOINT] [-l LABEL] " + command)) << r.out;
        EXPECT_NE(r.out.find("-h, --help"), std::string::npos) << command;
    }
    EXPECT_EQ(run_imfs({"ls", "-h"}).status, 0);
}

TEST(CliUsage, Version) {
    RunResult r = run_imfs({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(std::regex_match(r.out, std::regex("imfs [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
}

TEST(CliUsage, NoEndpointSaysHowToGiveOne) {
    RunResult r = run_imfs({"ls", "/"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("imfs: no endpoint: give -e ENDPOINT or set IMFS_ENDPOINT"))
        << r.err;
    EXPECT_NE(r.err.find("Try 'imfs --help' for more information.\n"), std::string::npos);
}

TEST(CliUsage, EndpointFromTheEnvironment) {
    RunResult r = run_imfs({"ls", "-a", "/"}, with_env({{"IMFS_ENDPOINT", "mem:"}}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, ".\n..\n");
}

TEST(CliUsage, OptionBeatsTheEnvironment) {
    RunResult r = run_imfs({"-e", "mem:", "ls", "/"},
                           with_env({{"IMFS_ENDPOINT", "unix:/nonexistent/imfs.sock"}}));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(CliUsage, UnknownCommand) {
    RunResult r = run_imfs({"-e", "mem:", "frobnicate"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "imfs: 'frobnicate' is not an imfs command\n"
              "Try 'imfs --help' for more information.\n");
}

TEST(CliUsage, MissingCommand) {
    RunResult r = run_imfs({"-e", "mem:"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "imfs: missing command\nTry 'imfs --help' for more information.\n");
}

TEST(CliUsage, UnknownOptions) {
    RunResult r = run_imfs({"-e", "mem:", "ls", "-z"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "imfs: ls: invalid option -- 'z'\nTry 'imfs ls --help' for more information.\n");
    r = run_imfs({"-e", "mem:", "rm", "--frobnicate", "/x"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: rm: unrecognized option '--frobnicate'\n")) << r.err;
    r = run_imfs({"--frobnicate"});
    EXPECT_EQ(r.status, 2);
    r = run_imfs({"-e"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: option requires an argument -- 'e'\n")) << r.err;
}

TEST(CliUsage, OperandCounts) {
    RunResult r = run_imfs({"-e", "mem:", "mv", "/a"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "imfs: mv: missing operand after '/a'\n"
              "Try 'imfs mv --help' for more information.\n");
    r = run_imfs({"-e", "mem:", "cat"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: cat: missing operand\n")) << r.err;
    r = run_imfs({"-e", "mem:", "put", "a", "b", "c"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: put: extra operand 'c'\n")) << r.err;
    r = run_imfs({"-e", "mem:", "mkdir", "-m"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: mkdir: option requires an argument -- 'm'\n")) << r.err;
}

TEST(CliUsage, InvalidModes) {
    RunResult r = run_imfs({"-e", "mem:", "chmod", "8777", "/"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: chmod: invalid mode: '8777'\n")) << r.err;
    r = run_imfs({"-e", "mem:", "mkdir", "-m", "u+q", "/d"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: mkdir: invalid mode 'u+q'\n")) << r.err;
}

TEST(CliUsage, MalformedEndpoint) {
    RunResult r = run_imfs({"-e", "ftp://example", "ls"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "imfs: invalid endpoint 'ftp://example': expected unix:PATH, tcp:HOST:PORT or "
              "mem:\n");
}

TEST(CliUsage, NoServerAtTheEndpoint) {
    RunResult r = run_imfs({"-e", "unix:/nonexistent/imfs.sock", "ls", "/"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "imfs: cannot connect to 'unix:/nonexistent/imfs.sock': No such file or "
              "directory\n");
    r = run_imfs({"-e", "tcp:127.0.0.1:1", "ls", "/"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot connect to 'tcp:127.0.0.1:1': Connection refused\n");
}

TEST(CliMem, EmptyRoot) {
    EXPECT_EQ(run_imfs({"-e", "mem:", "ls", "/"}).out, "");
    RunResult r = run_imfs({"-e", "mem:", "ls", "-la", "/"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(std::regex_match(
        r.out,
        std::regex("total 0\n"
                   "drwxr-xr-x 2 0 0 [0-9]+ [A-Z][a-z]{2} [ 0-9]{2} [0-9]{2}:[0-9]{2} \\.\n"
                   "drwxr-xr-x 2 0 0 [0-9]+ [A-Z][a-z]{2} [ 0-9]{2} [0-9]{2}:[0-9]{2} \\.\\.\n")))
        << r.out;
}

TEST(CliMem, MissingFiles) {
    RunResult r = run_imfs({"-e", "mem:", "cat", "/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "imfs: /x: No such file or directory\n");
    r = run_imfs({"-e", "mem:", "stat", "/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot stat '/x': No such file or directory\n");
    r = run_imfs({"-e", "mem:", "ls", "/x"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "imfs: cannot access '/x': No such file or directory\n");
    r = run_imfs({"-e", "mem:", "rm", "-f", "/x"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.err, "");
}

TEST(CliMem, OneInvocationWorks) {
    EXPECT_EQ(run_imfs({"-e", "mem:", "mkdir", "-p", "/a/b/c"}).status, 0);
    RunResult r = run_imfs({"-e", "mem:", "put", "-", "/f"}, with_input("data"));
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_imfs({"-e", "mem:", "stat", "/"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(r.out.starts_with("  File: /\n  Size: ")) << r.out;
}

TEST(CliMem, PreloadFromArgumentsAndEnvironment) {
    HostDirectory host;
    write_host_file(host.file("one"), "1");
    write_host_file(host.file("two"), "2");
    RunResult r = run_imfs({"-e", "mem:", "preload", host.file("one"), host.file("two")});
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_imfs({"-e", "mem:", "preload"},
                 with_env({{"PRELOADS", host.file("one") + ":" + host.file("two")}}));
    EXPECT_EQ(r.status, 0) << r.err;
    r = run_imfs({"-e", "mem:", "preload", host.file("missing")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err,
              "imfs: cannot preload '" + host.file("missing") + "': No such file or directory\n");
    r = run_imfs({"-e", "mem:", "preload"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(r.err.starts_with("imfs: preload: no files: give FILE arguments or set PRELOADS\n"))
        << r.err;
}

TEST(CliMem, DfShowsSizes) {
    RunResult r = run_imfs({"-e", "mem:", "df"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(std::regex_match(
        r.out, std::regex("Filesystem +1K-blocks +Used +Available +Use% Mounted on\n"
                          "mem: +[1-9][0-9]* +[0-9]+ +[1-9][0-9]* +[0-9]+% /\n")))
        << r.out;
}

}  // namespace
}  // namespace imfs::test
