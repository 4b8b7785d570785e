// Every config error: its message, at the right FILE:LINE:COLUMN.
#include <gtest/gtest.h>

#include <sstream>

#include "config/config.hpp"
#include "test_support.hpp"

namespace imfs::config {
namespace {

using testing::TempDir;
using testing::write_host_file;

class ConfigErrors : public ::testing::Test {
  protected:
    // Loads text as a config file (content and policy roots included) and
    // answers its diagnostics, one "FILE:LINE:COLUMN: problem" each, with
    // FILE shortened to "c.xml" and the scratch directory to "DIR".
    std::vector<std::string> problems(const std::string& text) {
        std::string path = dir / "c.xml";
        write_host_file(path, text);
        auto loaded = load_file_system(path);
        if (loaded) return {};
        std::vector<std::string> lines;
        for (const Diagnostic& diagnostic : loaded.error()) {
            std::string line = diagnostic.to_string();
            for (std::size_t at; (at = line.find(path)) != std::string::npos;) {
                line.replace(at, path.size(), "c.xml");
            }
            for (std::size_t at; (at = line.find(dir.path())) != std::string::npos;) {
                line.replace(at, dir.path().size(), "DIR");
            }
            lines.push_back(line);
        }
        return lines;
    }
    std::string only_problem(const std::string& text) {
        std::vector<std::string> all = problems(text);
        EXPECT_EQ(all.size(), 1u) << ::testing::PrintToString(all);
        return all.empty() ? "(no problem)" : all.front();
    }

    TempDir dir;
};

TEST_F(ConfigErrors, GoodConfigHasNone) {
    write_host_file(dir / "rom.txt", "rom");
    EXPECT_TRUE(problems("<config>\n"
                         "  <listen unix=\"a.sock\" mode=\"0660\" label=\"app\"/>\n"
                         "  <listen tcp=\"127.0.0.1:7070\"/>\n"
                         "  <limits max_bytes=\"1G\" max_inodes=\"1000\"/>\n"
                         "  <content><dir name=\"d\"><rom name=\"rom.txt\"/></dir></content>\n"
                         "  <policy label=\"app\" root=\"/d\"/>\n"
                         "</config>\n")
                    .empty());
}

TEST_F(ConfigErrors, MalformedXml) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_bytes=\"1G\">\n"
                           "</config>\n"),
              "c.xml:3:3: malformed XML: Start-end tags mismatch");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_bytes=1G/>\n"
                           "</config>\n"),
              "c.xml:2:21: malformed XML: Error parsing element attribute");
    EXPECT_EQ(only_problem(""), "c.xml:1:1: malformed XML: No document element found");
}

TEST_F(ConfigErrors, NotAConfig) {
    EXPECT_EQ(only_problem("<settings/>\n"),
              "c.xml:1:1: unexpected element <settings> at the top (the config is one <config> "
              "element)");
}

TEST_F(ConfigErrors, UnknownElement) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policies/>\n"
                           "</config>\n"),
              "c.xml:2:3: unknown element <policies> (expected listen, limits, content, policy "
              "or default-policy)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <dir name=\"a\">\n"
                           "      <file name=\"b\"/>\n"
                           "    </dir>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:4:7: unknown element <file> in <content> (expected dir, rom, inline, "
              "symlink, import or tar)");
}

TEST_F(ConfigErrors, UnknownAttribute) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_byte=\"1G\"/>\n"
                           "</config>\n"),
              "c.xml:2:11: unknown attribute 'max_byte' on <limits> (expected one of: "
              "max_bytes, max_inodes)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <symlink name=\"a\" target=\"b\" mode=\"0777\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:3:34: unknown attribute 'mode' on <symlink> (expected one of: name, "
              "target, uid, gid)");
    // An attribute name inside another's value is not the attribute.
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><dir name=\"d\"/></content>\n"
                           "  <policy label=\"root\" root=\"/d\" rot=\"x\"/>\n"
                           "</config>\n"),
              "c.xml:3:34: unknown attribute 'rot' on <policy> (expected one of: label, "
              "label_prefix, label_suffix, root, writeable, uid, gid, trusted, quota_bytes, "
              "quota_inodes)");
}

TEST_F(ConfigErrors, DuplicateName) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <inline name=\"a\">x</inline>\n"
                           "    <dir name=\"a\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:4:10: duplicate name 'a' in <content> (first at c.xml:3:13)");
    write_host_file(dir / "files/a", "rom");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <dir name=\"etc\">\n"
                           "      <symlink name=\"a\" target=\"/\"/>\n"
                           "      <rom name=\"files/a\"/>\n"
                           "    </dir>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:5:12: duplicate name 'a' in <dir name=\"etc\"> (first at c.xml:4:16)");
}

TEST_F(ConfigErrors, DuplicateNameFromAnImport) {
    write_host_file(dir / "tree/motd", "x");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <inline name=\"motd\">x</inline>\n"
                           "    <import path=\"tree\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:4:5: <import> 'DIR/tree/motd': cannot create it in the tree: File exists");
}

TEST_F(ConfigErrors, MissingSources) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <rom name=\"nope.txt\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:3:10: <rom> source 'DIR/nope.txt': No such file or directory");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <import path=\"no/dir\" as=\"x\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:3:13: <import> source 'DIR/no/dir': No such file or directory");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content>\n"
                           "    <tar path=\"/nonexistent/x.tar\"/>\n"
                           "  </content>\n"
                           "</config>\n"),
              "c.xml:3:10: <tar> source '/nonexistent/x.tar': No such file or directory");
    write_host_file(dir / "file", "x");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><import path=\"file\"/></content>\n"
                           "</config>\n"),
              "c.xml:2:20: <import> source 'DIR/file' is not a directory");
}

TEST_F(ConfigErrors, PolicyRootMissingAfterContent) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><dir name=\"home\"/></content>\n"
                           "  <policy label=\"a\" root=\"/home/alice\"/>\n"
                           "</config>\n"),
              "c.xml:3:21: <policy> root '/home/alice' does not exist in the content tree");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><inline name=\"f\">x</inline></content>\n"
                           "  <default-policy root=\"/f\"/>\n"
                           "</config>\n"),
              "c.xml:3:19: <default-policy> root '/f' is not a directory");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"home\"/>\n"
                           "</config>\n"),
              "c.xml:2:21: bad root: 'home' is not an absolute path");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\"/>\n"
                           "</config>\n"),
              "c.xml:2:3: <policy> needs a 'root' attribute");
}

TEST_F(ConfigErrors, BadNumbersAndSizes) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_bytes=\"12Q\"/>\n"
                           "</config>\n"),
              "c.xml:2:11: bad max_bytes: '12Q' is not a size (digits with an optional K, M, G "
              "or T)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_bytes=\"99999999999T\"/>\n"
                           "</config>\n"),
              "c.xml:2:11: bad max_bytes: '99999999999T' is too large");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <limits max_inodes=\"1e6\"/>\n"
                           "</config>\n"),
              "c.xml:2:11: bad max_inodes: '1e6' is not a decimal number");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><dir name=\"d\" mode=\"0999\"/></content>\n"
                           "</config>\n"),
              "c.xml:2:26: bad mode: '0999' is not an octal mode");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <content><dir name=\"d\" uid=\"-1\"/></content>\n"
                           "</config>\n"),
              "c.xml:2:26: bad uid: '-1' is not a decimal number");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"/\" gid=\"4294967295\"/>\n"
                           "</config>\n"),
              "c.xml:2:30: bad gid: '4294967295' is too large (at most 4294967294)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"/\" writeable=\"maybe\"/>\n"
                           "</config>\n"),
              "c.xml:2:30: bad writeable: 'maybe' is not yes or no");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <listen unix=\"s\" mode=\"01777\"/>\n"
                           "</config>\n"),
              "c.xml:2:20: bad mode: '01777' is not a mode (at most 0777)");
}

TEST_F(ConfigErrors, BadQuotas) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"/\" quota_bytes=\"64Q\"/>\n"
                           "</config>\n"),
              "c.xml:2:30: bad quota_bytes: '64Q' is not a size (digits with an optional K, M, "
              "G or T)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"/\" quota_bytes=\"\"/>\n"
                           "</config>\n"),
              "c.xml:2:30: bad quota_bytes: '' is not a size (digits with an optional K, M, G "
              "or T)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <default-policy root=\"/\" quota_inodes=\"-5\"/>\n"
                           "</config>\n"),
              "c.xml:2:28: bad quota_inodes: '-5' is not a decimal number");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy label=\"a\" root=\"/\" quota_inodes=\"5000000000\"/>\n"
                           "</config>\n"),
              "c.xml:2:30: bad quota_inodes: '5000000000' is too large (at most 4294967296)");
    // Both attributes on one node: both reported.
    EXPECT_EQ(problems("<config>\n"
                       "  <policy label=\"a\" root=\"/\"\n"
                       "          quota_bytes=\"1X\" quota_inodes=\"many\"/>\n"
                       "</config>\n"),
              (std::vector<std::string>{
                  "c.xml:3:11: bad quota_bytes: '1X' is not a size (digits with an optional K, "
                  "M, G or T)",
                  "c.xml:3:28: bad quota_inodes: 'many' is not a decimal number"}));
}

TEST_F(ConfigErrors, PolicyWithoutLabel) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <policy root=\"/\" writeable=\"yes\"/>\n"
                           "</config>\n"),
              "c.xml:2:3: <policy> has no label, label_prefix or label_suffix attribute: it "
              "would match nothing (use <default-policy> for every label)");
}

TEST_F(ConfigErrors, TwoListenersOnOneSocket) {
    EXPECT_EQ(only_problem("<config>\n"
                           "  <listen unix=\"imfs.sock\" label=\"a\"/>\n"
                           "  <listen unix=\"" +
                           dir.path() +
                           "/./imfs.sock\" label=\"b\"/>\n"
                           "</config>\n"),
              "c.xml:3:11: a second listener on unix:DIR/imfs.sock (the first is at c.xml:2:11)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <listen tcp=\"127.0.0.1:7070\"/>\n"
                           "  <listen tcp=\"127.0.0.1:7070\"/>\n"
                           "</config>\n"),
              "c.xml:3:11: a second listener on tcp:127.0.0.1:7070 (the first is at c.xml:2:11)");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <listen tcp=\"localhost:7070\"/>\n"
                           "</config>\n"),
              "c.xml:2:11: bad tcp address 'localhost:7070': expected IPV4:PORT or [IPV6]:PORT");
    EXPECT_EQ(only_problem("<config>\n"
                           "  <listen tcp=\"[::1]:7070\"/>\n"
                           "  <listen tcp=\"[0:0::1]:7070\"/>\n"
                           "</config>\n"),
              "c.xml:3:11: a second listener on tcp:::1:7070 (the first is at c.xml:2:11)");
    // Port 0 asks for any free port: no clash.
    EXPECT_TRUE(problems("<config>\n"
                         "  <listen tcp=\"127.0.0.1:0\"/>\n"
                         "  <listen tcp=\"127.0.0.1:0\"/>\n"
                         "</config>\n")
                    .empty());
}

TEST_F(ConfigErrors, EveryProblemIsReportedAtOnce) {
    std::vector<std::string> all = problems(
        "<config>\n"
        "  <limits max_bytes=\"lots\"/>\n"
        "  <content>\n"
        "    <dir nme=\"a\"/>\n"
        "  </content>\n"
        "  <policy root=\"/\"/>\n"
        "</config>\n");
    ASSERT_EQ(all.size(), 4u) << ::testing::PrintToString(all);
    EXPECT_TRUE(all[0].starts_with("c.xml:2:11: bad max_bytes")) << all[0];
    EXPECT_TRUE(all[1].starts_with("c.xml:4:10: unknown attribute 'nme'")) << all[1];
    EXPECT_TRUE(all[2].starts_with("c.xml:4:5: <dir> needs a 'name' attribute")) << all[2];
    EXPECT_TRUE(all[3].starts_with("c.xml:6:3: <policy> has no label")) << all[3];
}

TEST_F(ConfigErrors, UnreadableConfigFile) {
    auto loaded = load_config(dir / "missing.xml");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().at(0).to_string(),
              dir / "missing.xml: cannot read the config: No such file or directory");
}

TEST_F(ConfigErrors, PrintedAsCompilersPrintThem) {
    auto loaded = parse_config("<config>\n  <x/>\n</config>\n", "some/file.xml", "/");
    ASSERT_FALSE(loaded.has_value());
    std::ostringstream out;
    print(out, loaded.error());
    EXPECT_EQ(out.str(),
              "some/file.xml:2:3: unknown element <x> (expected listen, limits, content, policy "
              "or default-policy)\n");
}

TEST_F(ConfigErrors, ReloadChecksRootsAgainstTheLiveTree) {
    write_host_file(dir / "a.xml",
                    "<config><content><dir name=\"a\"/></content>"
                    "<policy label=\"x\" root=\"/a\"/></config>\n");
    auto loaded = load_file_system(dir / "a.xml");
    ASSERT_TRUE(loaded.has_value());
    // The new file names a root the tree lacks, and content that is not
    // loaded again (its missing rom does not matter).
    write_host_file(dir / "a.xml",
                    "<config><content><dir name=\"b\"><rom name=\"gone\"/></dir></content>\n"
                    "<policy label=\"x\" root=\"/b\"/></config>\n");
    auto reloaded = reload_policies(dir / "a.xml", *loaded->fs);
    ASSERT_FALSE(reloaded.has_value());
    EXPECT_EQ(reloaded.error().at(0).to_string(),
              dir / "a.xml:2:19: <policy> root '/b' does not exist in the content tree");
    write_host_file(dir / "a.xml",
                    "<config><content><dir name=\"b\"><rom name=\"gone\"/></dir></content>\n"
                    "<policy label=\"y\" root=\"/a\" writeable=\"yes\"/></config>\n");
    reloaded = reload_policies(dir / "a.xml", *loaded->fs);
    ASSERT_TRUE(reloaded.has_value());
    EXPECT_FALSE(reloaded->match("x").has_value());
    EXPECT_TRUE((*reloaded->match("y"))->writeable);
    write_host_file(dir / "a.xml", "<config><policy label=\"y\" root=\"/a\"></config>\n");
    reloaded = reload_policies(dir / "a.xml", *loaded->fs);
    ASSERT_FALSE(reloaded.has_value());
    EXPECT_TRUE(reloaded.error().at(0).problem.starts_with("malformed XML"));
}

}  // namespace
}  // namespace imfs::config
