#include "ratio_table.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace imfs_bench {

namespace {

constexpr int kLabelWidth = 46;
constexpr int kCellWidth = 16;
// "12.34-56.78x": the speed-ups of the slowest and the fastest repetition.
constexpr int kRangeWidth = 15;

std::string printf_string(const char* format, double value) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

std::string format_time(double ns) {
    if (ns < 1e3) return printf_string("%.0f ns", ns);
    if (ns < 1e6) return printf_string("%.2f us", ns / 1e3);
    if (ns < 1e9) return printf_string("%.2f ms", ns / 1e6);
    return printf_string("%.2f s", ns / 1e9);
}

std::string format_rate(double bytes_per_second) {
    return printf_string("%.0f MiB/s", bytes_per_second / (1024.0 * 1024.0));
}

std::string format_bytes(double bytes) {
    double size = bytes < 0 ? -bytes : bytes;
    std::string sign = bytes < 0 ? "-" : "";
    if (size >= 1024.0 * 1024.0) return sign + printf_string("%.1f MiB", size / (1024.0 * 1024.0));
    if (size >= 1024.0) return sign + printf_string("%.1f KiB", size / 1024.0);
    return sign + printf_string("%.0f B", size);
}

std::string pad(const std::string& text, int width) {
    return text.size() >= static_cast<size_t>(width) ? text + " "
                                                     : text + std::string(width - text.size(), ' ');
}

std::string pad_left(const std::string& text, int width) {
    return text.size() >= static_cast<size_t>(width) ? " " + text
                                                     : std::string(width - text.size(), ' ') + text;
}

// The result of `key`/`backend` if it ran and succeeded.
const RunResult* find_ok(const std::map<std::string, RunResult>& results, const std::string& key,
                         std::string_view backend) {
    auto it = results.find(key + "/" + std::string(backend));
    if (it == results.end() || !it->second.error.empty() || it->second.empty()) return nullptr;
    return &it->second;
}

// "-" when not run, "FAILED" when it failed, else what `show` makes of it.
template <class Show>
std::string cell(const std::map<std::string, RunResult>& results, const std::string& key,
                 std::string_view backend, Show show) {
    auto it = results.find(key + "/" + std::string(backend));
    if (it == results.end()) return "-";
    if (!it->second.error.empty()) return "FAILED";
    return show(it->second);
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::string verdict(bool met) {
    return met ? " ok" : " MISS";
}

void print_speed(std::ostream& out, const Summary& summary,
                 const std::map<std::string, RunResult>& results) {
    const std::string& base = summary.baseline;
    const std::string& other = summary.contender;
    out << pad("workload", kLabelWidth) << pad_left(summary.baseline_heading, kCellWidth)
        << pad_left(summary.contender_heading, kCellWidth) << pad_left("speed-up", 10)
        << pad_left("runs", kRangeWidth) << "   target\n";
    for (const SpeedRow& row : summary.speed) {
        bool by_time = row.measure == Measure::kTimePerOp;
        auto show = [by_time](const RunResult& result) {
            return by_time ? format_time(result.ns_per_op()) + "/op"
                           : format_rate(result.bytes_per_second());
        };
        std::string ratio = "-";
        std::string range;
        std::string target = row.min_speedup > 0 ? printf_string(">= %gx", row.min_speedup) : "";
        const RunResult* host = find_ok(results, row.key, base);
        const RunResult* imfs = find_ok(results, row.key, other);
        if (host != nullptr && imfs != nullptr) {
            double speedup = by_time ? host->ns_per_op() / imfs->ns_per_op()
                                     : imfs->bytes_per_second() / host->bytes_per_second();
            ratio = printf_string("%.2fx", speedup);
            if (row.min_speedup > 0) target += verdict(speedup >= row.min_speedup);
            // Each repetition of the contender against the baseline's median.
            const std::vector<double>& runs =
                by_time ? imfs->ns_per_op_runs : imfs->bytes_per_second_runs;
            if (runs.size() > 1) {
                const auto [low, high] = std::ranges::minmax(runs);
                const double slowest =
                    by_time ? host->ns_per_op() / high : low / host->bytes_per_second();
                const double fastest =
                    by_time ? host->ns_per_op() / low : high / host->bytes_per_second();
                range = printf_string("%.2f", slowest) + printf_string("-%.2fx", fastest);
            }
        }
        out << pad(row.label, kLabelWidth)
            << pad_left(cell(results, row.key, base, show), kCellWidth)
            << pad_left(cell(results, row.key, other, show), kCellWidth) << pad_left(ratio, 10)
            << pad_left(range, kRangeWidth) << "   " << target << "\n";
    }
}

void print_flat(std::ostream& out, const Summary& summary,
                const std::map<std::string, RunResult>& results) {
    constexpr int kFlatCell = 26;
    out << pad("flat cost (far / near, time per op)", kLabelWidth)
        << pad_left("host tmpfs", kFlatCell) << pad_left("IMFS", kFlatCell) << "   target\n";
    for (const FlatRow& row : summary.flat) {
        std::optional<double> imfs_ratio;
        auto ratio_cell = [&](const char* backend) -> std::string {
            const RunResult* far = find_ok(results, row.far_key, backend);
            const RunResult* near = find_ok(results, row.near_key, backend);
            if (far == nullptr || near == nullptr) {
                bool failed = results.contains(row.far_key + "/" + backend) ||
                              results.contains(row.near_key + "/" + backend);
                return failed ? "FAILED" : "-";
            }
            double ratio = far->ns_per_op() / near->ns_per_op();
            if (std::string_view(backend) == "imfs") imfs_ratio = ratio;
            return printf_string("%.2fx", ratio) + " (" + format_time(far->ns_per_op()) + " / " +
                   format_time(near->ns_per_op()) + ")";
        };
        std::string host = ratio_cell("host");
        std::string imfs = ratio_cell("imfs");
        std::string target = printf_string("<= %gx", row.max_ratio);
        if (imfs_ratio) target += verdict(*imfs_ratio <= row.max_ratio);
        out << pad(row.label, kLabelWidth) << pad_left(host, kFlatCell) << pad_left(imfs, kFlatCell)
            << "   " << target << "\n";
    }
}

void print_memory(std::ostream& out, const Summary& summary,
                  const std::map<std::string, RunResult>& results) {
    constexpr int kMemoryCell = 40;
    out << pad("memory of IMFS (resident-set growth)", kLabelWidth)
        << pad_left("measured", kMemoryCell) << "   target\n";
    for (const MemoryRow& row : summary.memory) {
        std::string measured = cell(results, row.key, "imfs", [](const RunResult& result) {
            double growth = result.counter("rss_growth_bytes");
            std::string text = "RSS +" + format_bytes(growth);
            if (double files = result.counter("files"); files > 0) {
                text += printf_string(" (%.0f B/file)", growth / files);
            }
            if (double allocated = result.counter("allocated_bytes"); allocated >= 0) {
                text += ", st_blocks " + format_bytes(allocated);
            }
            return text;
        });
        std::string target = "<= " + format_bytes(row.max_bytes);
        if (const RunResult* imfs = find_ok(results, row.key, "imfs")) {
            target += verdict(imfs->counter("rss_growth_bytes") <= row.max_bytes);
        }
        out << pad(row.label, kLabelWidth) << pad_left(measured, kMemoryCell) << "   " << target
            << "\n";
    }
}

}  // namespace

double RunResult::ns_per_op() const {
    return median(ns_per_op_runs);
}

double RunResult::bytes_per_second() const {
    return median(bytes_per_second_runs);
}

double RunResult::counter(const std::string& name) const {
    auto it = counter_runs.find(name);
    return it == counter_runs.end() ? -1 : median(it->second);
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
        if (run.run_type != Run::RT_Iteration) continue;
        RunResult& result = results_[run.run_name.function_name];
        if (run.error_occurred) {
            result.error = run.error_message;
            ++failures_;
            continue;
        }
        const double iterations = static_cast<double>(std::max<int64_t>(run.iterations, 1));
        result.ns_per_op_runs.push_back(run.real_accumulated_time * 1e9 / iterations);
        for (const auto& [name, counter] : run.counters) {
            result.counter_runs[name].push_back(counter.value);
            if (name == "bytes_per_second") result.bytes_per_second_runs.push_back(counter.value);
        }
    }
}

void print_summary(std::ostream& out, const Summary& summary,
                   const std::map<std::string, RunResult>& results) {
    out << "\n" << summary.title << "\n\n";
    print_speed(out, summary, results);
    out << "\n";
    print_flat(out, summary, results);
    out << "\n";
    print_memory(out, summary, results);
    bool any_failed = false;
    for (const auto& [name, result] : results) {
        if (result.error.empty()) continue;
        if (!any_failed) out << "\nfailed:\n";
        any_failed = true;
        out << "  " << name << ": " << result.error << "\n";
    }
    out.flush();
}

}  // namespace imfs_bench
