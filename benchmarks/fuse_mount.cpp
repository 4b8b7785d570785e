#include "fuse_mount.hpp"

#include <signal.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

#include "core_workloads.hpp"

namespace imfs_bench {

namespace {

constexpr long kFuseSuperMagic = 0x65735546;

bool is_fuse(const std::string& dir) {
    struct statfs info {};
    return ::statfs(dir.c_str(), &info) == 0 && info.f_type == kFuseSuperMagic;
}

}  // namespace

std::unique_ptr<FuseMount> FuseMount::start(std::string& error) {
#ifndef IMFS_FUSE_PATH
    error = "imfs-fuse was not built (libfuse3 missing at configure time)";
    return nullptr;
#else
    char pattern[] = "/tmp/imfs-bench-fuse-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
        error = "mkdtemp failed";
        return nullptr;
    }
    std::string dir = pattern;
    std::vector<std::string> args{IMFS_FUSE_PATH, "mem:", dir, "-f"};
    if (const char* extra = std::getenv("IMFS_BENCH_FUSE_ARGS")) {
        std::istringstream words(extra);
        for (std::string word; words >> word;)
            args.push_back(word);
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    auto mount = std::make_unique<FuseMount>(dir, pid);
    for (int i = 0; i < 1000 && !is_fuse(dir); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!is_fuse(dir)) {
        error = "imfs-fuse did not mount " + dir + " within 10 s";
        return nullptr;
    }
    return mount;
#endif
}

FuseMount::~FuseMount() {
    if (is_fuse(dir_)) {
        std::string command = "fusermount3 -u " + dir_ + " 2>/dev/null || fusermount3 -uz " + dir_;
        [[maybe_unused]] int ignored = std::system(command.c_str());
    }
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status;
        ::waitpid(pid_, &status, 0);
    }
    ::rmdir(dir_.c_str());
}

Summary fuse_summary(const Sizes& sizes) {
    Summary table = summary(sizes);
    table.title =
        "IMFS through an imfs-fuse mount (embedded tree) vs host tmpfs. speed-up = "
        "host time / FUSE time: >1 means the mount is faster.";
    table.contender = "fuse";
    table.contender_heading = "IMFS via FUSE";
    for (SpeedRow& row : table.speed) {
        bool data = row.key == "seq_write_1MiB" || row.key == "seq_read_1MiB";
        bool metadata = row.measure == Measure::kTimePerOp && !row.key.starts_with("random");
        row.min_speedup = data ? 0.5 : metadata ? 0.3 : 0;
    }
    table.flat.clear();
    table.memory.clear();
    return table;
}

bool take_flag(int* argc, char** argv, std::string_view flag) {
    bool found = false;
    int kept = 0;
    for (int i = 0; i < *argc; ++i) {
        if (i > 0 && std::string_view(argv[i]) == flag) {
            found = true;
            continue;
        }
        argv[kept++] = argv[i];
    }
    *argc = kept;
    return found;
}

}  // namespace imfs_bench
