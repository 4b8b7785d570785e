// core_bench: the same workloads on host tmpfs (system calls in /dev/shm) and on embedded IMFS
// ("mem:" through the imfs_* calls), in one run, then a table of the ratios.
//
//   imfs_bench [--quick] [Google Benchmark flags, e.g. --benchmark_filter=stat]
//
// --quick or IMFS_BENCH_QUICK=1: 10,000 files and a 32 MiB file, for a smoke run.
// IMFS_BENCH_HOST_DIR: where the host work directories go (default /dev/shm).
#include "bench_fs.hpp"
#include "core_workloads.hpp"
#include "memory_probe.hpp"
#include "ratio_table.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
    using namespace imfs_bench;
    if (argc == 2 && std::string_view(argv[1]).starts_with(kMemoryProbeFlag)) {
        return run_memory_probe(std::string_view(argv[1]).substr(kMemoryProbeFlag.size()));
    }
    const bool quick = take_quick_flag(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    const Sizes sizes = quick ? Sizes::quick_run() : Sizes::full();
    if (!HostFs::parent_is_tmpfs()) {
        std::cerr << "warning: " << HostFs::parent_dir()
                  << " is not a tmpfs; the host figures are not tmpfs figures\n";
    }
    register_workloads(sizes, false);
    warm_up_memory(2 * sizes.file_bytes);

    RatioReporter reporter(isatty(STDOUT_FILENO) ? RatioReporter::OO_Color
                                                 : RatioReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(std::cout, summary(sizes), reporter.results());
    benchmark::Shutdown();
    return reporter.failures() == 0 ? 0 : 1;
}
