// ratio_table.hpp: collects Google Benchmark's runs and prints IMFS against host tmpfs.
//
// Benchmarks are named "<workload>/<backend>" with backend "host" or "imfs". The reporter
// prints Google Benchmark's usual console lines and keeps each run's result; print_summary
// then pairs the two backends of every workload and prints the speed-up, the flat-cost ratios
// and the memory figures.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace imfs_bench {

enum class Measure {
    kTimePerOp,   // shown as time per operation
    kThroughput,  // shown as MiB/s (the workload calls SetBytesProcessed)
};

// One row of the speed-up table: host time / IMFS time of workload `key`.
struct SpeedRow {
    std::string key;
    std::string label;
    Measure measure;
    double min_speedup;  // the target, 0 when there is none
};

// One flat-cost check, per backend: time of far_key over time of near_key.
struct FlatRow {
    std::string label;
    std::string far_key;
    std::string near_key;
    double max_ratio;
};

// One memory figure of IMFS: the "rss_growth_bytes" counter of `key`/imfs.
struct MemoryRow {
    std::string label;
    std::string key;
    double max_bytes;
};

struct Summary {
    std::string title;
    // The two backends each speed row compares (benchmark name suffixes)
    // and the column headings they get.
    std::string baseline = "host";
    std::string baseline_heading = "host tmpfs";
    std::string contender = "imfs";
    std::string contender_heading = "IMFS";
    std::vector<SpeedRow> speed;
    std::vector<FlatRow> flat;
    std::vector<MemoryRow> memory;
};

// One benchmark's runs (one, or one per --benchmark_repetitions); figures are medians over them.
struct RunResult {
    std::vector<double> ns_per_op_runs;
    std::vector<double> bytes_per_second_runs;
    std::map<std::string, std::vector<double>> counter_runs;
    std::string error;  // non-empty when the benchmark failed

    bool empty() const { return ns_per_op_runs.empty(); }
    double ns_per_op() const;
    double bytes_per_second() const;
    // The counter's median, or -1 when the benchmark did not set it.
    double counter(const std::string& name) const;
};

class RatioReporter : public benchmark::ConsoleReporter {
  public:
    explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}

    void ReportRuns(const std::vector<Run>& runs) override;

    // Keyed by "<workload>/<backend>".
    const std::map<std::string, RunResult>& results() const { return results_; }
    int failures() const { return failures_; }

  private:
    std::map<std::string, RunResult> results_;
    int failures_ = 0;
};

void print_summary(std::ostream& out, const Summary& summary,
                   const std::map<std::string, RunResult>& results);

}  // namespace imfs_bench
