// core_bench: the same workloads on host tmpfs (system calls in /dev/shm) and on embedded IMFS
// ("mem:" through the imfs_* calls), in one run, then a table of the ratios.
//
//   imfs_bench [--quick] [--fuse] [Google Benchmark flags, e.g. --benchmark_filter=stat]
//
// --fuse: instead of embedded IMFS, an imfs-fuse mount of an embedded tree that this run makes
// on a fresh directory (IMFS_BENCH_FUSE_ARGS adds imfs-fuse options, e.g. "-s --timeout 1"):
// the same system calls on tmpfs and through the mount.
//
// --quick or IMFS_BENCH_QUICK=1: 10,000 files and a 32 MiB file, for a smoke run.
// IMFS_BENCH_HOST_DIR: where the host work directories go (default /dev/shm).
#include "bench_fs.hpp"
#include "core_workloads.hpp"
#include "fuse_mount.hpp"
#include "memory_probe.hpp"
#include "ratio_table.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    using namespace imfs_bench;
    if (argc == 2 && std::string_view(argv[1]).starts_with(kMemoryProbeFlag)) {
        return run_memory_probe(std::string_view(argv[1]).substr(kMemoryProbeFlag.size()));
    }
    const bool quick = take_quick_flag(&argc, argv);
    const bool fuse = take_flag(&argc, argv, "--fuse");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const Sizes sizes = quick ? Sizes::quick_run() : Sizes::full();
    if (!HostFs::parent_is_tmpfs()) {
        std::cerr << "warning: " << HostFs::parent_dir()
                  << " is not a tmpfs; the host figures are not tmpfs figures\n";
    }
    std::unique_ptr<FuseMount> mount;
    if (fuse) {
        std::string error;
        mount = FuseMount::start(error);
        if (!mount) {
            std::cerr << "imfs_bench --fuse: " << error << "\n";
            return 1;
        }
        FuseFs::set_fuse_dir(mount->dir());
    }
    register_workloads(sizes, fuse ? Contenders::fuse : Contenders::embedded);
    warm_up_memory(2 * sizes.file_bytes);

    RatioReporter reporter(isatty(STDOUT_FILENO) ? RatioReporter::OO_Color
                                                 : RatioReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(std::cout, fuse ? fuse_summary(sizes) : summary(sizes), reporter.results());
    benchmark::Shutdown();
    return reporter.failures() == 0 ? 0 : 1;
}
