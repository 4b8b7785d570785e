// Replays every committed fuzz input through its target's entry function:
// the seed corpus (tests/fuzz/corpus/TARGET) and the inputs that once
// crashed a target (tests/fuzz/regressions/TARGET). Built by the normal
// (GCC) build, so the fuzzers' findings stay fixed without clang.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"

namespace {

namespace fs = std::filesystem;
using Entry = int (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
    std::vector<fs::path> files;
    fs::path dir = fs::path(IMFS_FUZZ_DIR) / kind / target;
    if (!fs::is_directory(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void replay(const std::string& kind, const std::string& target, Entry entry, std::size_t at_least) {
    auto files = inputs(kind, target);
    EXPECT_GE(files.size(), at_least) << kind << "/" << target;
    for (const auto& file : files) {
        SCOPED_TRACE(file.string());
        std::ifstream in(file, std::ios::binary);
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
        EXPECT_EQ(entry(bytes.data(), bytes.size()), 0);
    }
}

TEST(FuzzCorpus, Request) {
    replay("corpus", "request", imfs::fuzz::fuzz_request, 1);
}
TEST(FuzzCorpus, Config) {
    replay("corpus", "config", imfs::fuzz::fuzz_config, 1);
}
TEST(FuzzCorpus, Paths) {
    replay("corpus", "paths", imfs::fuzz::fuzz_paths, 1);
}

TEST(FuzzRegressions, Request) {
    replay("regressions", "request", imfs::fuzz::fuzz_request, 0);
}
TEST(FuzzRegressions, Config) {
    replay("regressions", "config", imfs::fuzz::fuzz_config, 0);
}
TEST(FuzzRegressions, Paths) {
    replay("regressions", "paths", imfs::fuzz::fuzz_paths, 0);
}

}  // namespace
