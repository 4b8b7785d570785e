// memory_probe.hpp: IMFS's memory figures, each measured in a fresh process.
//
// The embedded file system lives as long as the process, and IMFS keeps what it has grown (its
// inode arena keeps its capacity when files are removed, as a vector with a free list does).
// A figure taken after the other workloads would reuse their leftovers and undercount. So each
// figure is taken in a child: this same executable, run with --memory-probe=WHAT, which does
// nothing but that one measurement and prints its figures.
#pragma once

#include "workload_support.hpp"

#include <map>
#include <string>
#include <string_view>

namespace imfs_bench {

inline constexpr std::string_view kMemoryProbeFlag = "--memory-probe=";

// The child's side. what is "empty_files:N" (N empty files in one directory) or "sparse_1TiB"
// (ftruncate to 1 TiB, then one 4 KiB pwrite ending at 1 TiB). Prints one line of name=value
// pairs (rss_growth_bytes, and files or allocated_bytes and size_bytes), or error=..., and
// returns the process's exit status.
int run_memory_probe(std::string_view what);

// The parent's side: runs the child for what and parses its line.
struct ProbeFigures {
    std::map<std::string, double> values;
    std::string error;  // non-empty when the child failed
};
ProbeFigures measure_in_child(const std::string& what);

// The benchmarks (IMFS only; host tmpfs keeps its inodes in kernel memory, outside any RSS).
// One iteration each; the figures become counters.
void bm_memory_empty_files(benchmark::State& state, const Sizes& sizes);
void bm_memory_sparse_file(benchmark::State& state, const Sizes& sizes);

}  // namespace imfs_bench
