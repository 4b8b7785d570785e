// core_workloads.hpp: the workloads of the core benchmark and their ratio table, shared by
// imfs_bench (host tmpfs vs embedded IMFS) and imfs_remote_bench (the same, plus IMFS through a
// real imfsd).
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ratio_table.hpp"
#include "workload_support.hpp"

namespace imfs_bench {

using WorkloadFn = void (*)(benchmark::State&, const Sizes&);

// One workload: registered once per backend as "<key>/host", "<key>/imfs" and, where asked,
// "<key>/remote" (a null function leaves that backend out).
struct Workload {
    std::string key;
    int64_t iterations;
    benchmark::TimeUnit unit;
    WorkloadFn host;
    WorkloadFn imfs;
    WorkloadFn remote = nullptr;
    WorkloadFn fuse = nullptr;
};

// Which IMFS back-ends a run measures against host tmpfs: embedded; embedded and remote; or
// the FUSE mount alone.
enum class Contenders { embedded, remote, fuse };

std::vector<Workload> workloads(const Sizes& sizes);
// The ratio table of host tmpfs against embedded IMFS, with issue 2's targets.
Summary summary(const Sizes& sizes);
// Registers every workload on host tmpfs and the contenders (for remote and fuse, only the
// speed workloads).
void register_workloads(const Sizes& sizes, Contenders contenders);
std::string with_commas(int64_t value);
// Removes "--quick" from argv; true if it was there or IMFS_BENCH_QUICK is set and not "0".
bool take_quick_flag(int* argc, char** argv);

}  // namespace imfs_bench
