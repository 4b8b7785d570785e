// The MODE parser of the imfs tool, with the host's chmod(1) as the oracle,
// and its option parser.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "arguments.hpp"
#include "cli_process.hpp"
#include "mode.hpp"

namespace imfs::cli {
namespace {

// What the host's chmod makes of spec on a file (or directory) with mode
// start, under umask 022.
mode_t host_chmod(const std::string& spec, mode_t start, bool directory) {
    test::HostDirectory host;
    std::string path = host.file("node");
    if (directory)
        ::mkdir(path.c_str(), 0700);
    else
        test::write_host_file(path, "");
    ::chmod(path.c_str(), start);
    std::string command = "umask 022; chmod -- '" + spec + "' '" + path + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 07777;
}

TEST(Mode, AgreesWithTheHostChmod) {
    const char* specs[] = {
        "644",         "0755",          "4711",   "u+x",    "go-w", "a=r", "+x",  "-w",
        "=rw",         "u=rwx,g=rx,o=", "a+X",    "g+s",    "+t",   "o=u", "g=o", "u-s",
        "ug+rw,o-rwx", "a-x+X",         "u+rw-x", "+rwxst", "a=",   "o+t"};
    for (mode_t start : {mode_t{0}, mode_t{0644}, mode_t{0755}, mode_t{06711}, mode_t{01777}}) {
        for (bool directory : {false, true}) {
            for (const char* spec : specs) {
                auto mine = apply_mode(spec, start, directory, 022);
                ASSERT_TRUE(mine) << spec;
                EXPECT_EQ(*mine, host_chmod(spec, start, directory))
                    << spec << " on " << std::oct << start << (directory ? " dir" : " file");
            }
        }
    }
}

TEST(Mode, RejectsWhatIsNoMode) {
    for (const char* spec : {"", "8", "07778", "010000", "u", "u+q", "z+x", "u+x,", ",u+x", "rwx"})
        EXPECT_FALSE(apply_mode(spec, 0644, false, 022)) << spec;
}

std::expected<Arguments, std::string> parse(std::vector<std::string> words,
                                            DashOperands dash = DashOperands::rejected) {
    static constexpr Flag flags[] = {
        {'r', "recursive", "", ""}, {'f', "force", "", ""}, {'m', "mode", "MODE", ""}};
    std::vector<char*> pointers;
    for (auto& word : words)
        pointers.push_back(word.data());
    return parse_arguments(flags, pointers, dash);
}

TEST(Arguments, BundlesValuesAndPermutation) {
    auto a = parse({"-rf", "x", "-m755", "y", "--mode=700", "--", "-z"});
    ASSERT_TRUE(a) << a.error();
    EXPECT_TRUE(a->has('r'));
    EXPECT_TRUE(a->has('f'));
    EXPECT_EQ(a->value('m'), "700");
    EXPECT_EQ(a->operands(), (std::vector<std::string>{"x", "y", "-z"}));
    a = parse({"-m", "644", "--force", "-"});
    ASSERT_TRUE(a);
    EXPECT_EQ(a->value('m'), "644");
    EXPECT_EQ(a->operands(), (std::vector<std::string>{"-"}));
    EXPECT_TRUE(parse({"--help"})->help_requested());
    EXPECT_TRUE(parse({"-h"})->help_requested());
}

TEST(Arguments, Errors) {
    EXPECT_EQ(parse({"-x"}).error(), "invalid option -- 'x'");
    EXPECT_EQ(parse({"--nope"}).error(), "unrecognized option '--nope'");
    EXPECT_EQ(parse({"-m"}).error(), "option requires an argument -- 'm'");
    EXPECT_EQ(parse({"--mode"}).error(), "option '--mode' requires an argument");
    EXPECT_EQ(parse({"--force=1"}).error(), "option '--force' doesn't allow an argument");
    auto a = parse({"-w", "-rx"}, DashOperands::accepted);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->operands(), (std::vector<std::string>{"-w", "-rx"}));
    EXPECT_FALSE(a->has('r'));  // a rejected bundle records nothing
}

}  // namespace
}  // namespace imfs::cli
