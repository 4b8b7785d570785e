// workload_support.hpp: sizes, names and set-up helpers shared by every workload.
#pragma once

#include "bench_fs.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imfs_bench {

inline constexpr int64_t kKiB = 1024;
inline constexpr int64_t kMiB = 1024 * kKiB;
inline constexpr int64_t kGiB = 1024 * kMiB;
inline constexpr int64_t kTiB = 1024 * kGiB;
inline constexpr size_t kSmallIo = 1024;  // the "small" read and write
inline constexpr size_t kPage = 4096;
inline constexpr uint64_t kSeed = 20240601;  // one seed: both backends see the same order

// How big each workload is. full() is the figures, quick() a smoke run for CI.
struct Sizes {
    bool quick = false;
    int64_t files = 0;         // files in one directory, metadata workloads
    int64_t file_bytes = 0;    // the file of the sequential and random workloads
    int64_t random_ops = 0;    // random 4 KiB preads or pwrites
    int64_t big_dir = 0;       // entries of the big directory, flat stat check
    int64_t flat_ops = 0;      // stats or preads per flat-cost measurement
    int64_t memory_files = 0;  // empty files of the memory check

    static Sizes full();
    static Sizes quick_run();
};

// Fixed-width names, prefix followed by seven digits, stored contiguously so that taking one
// inside a timed loop is an index and nothing else.
class NameList {
  public:
    // prefix0000000 .. prefix(count - 1).
    NameList(std::string_view prefix, int64_t count);
    // One name per number, in the order given.
    NameList(std::string_view prefix, const std::vector<int64_t>& numbers);

    const char* operator[](int64_t i) const {
        return storage_.data() + static_cast<size_t>(i) * stride_;
    }
    int64_t size() const { return count_; }

  private:
    size_t stride_;
    int64_t count_;
    std::vector<char> storage_;
};

// 0 .. count - 1 in a fixed pseudo-random order.
std::vector<int64_t> shuffled_sequence(int64_t count, uint64_t seed);
// count numbers drawn uniformly from [0, bound), each a multiple of step.
std::vector<int64_t> random_numbers(int64_t count, int64_t bound, int64_t step, uint64_t seed);
// A buffer of bytes that are not all alike, so nothing can shortcut zero pages.
std::vector<char> pattern(size_t bytes);

// The process's resident set in bytes, from /proc/self/statm.
int64_t resident_bytes();
// Returns free heap memory to the kernel, so that a later resident_bytes() difference counts
// memory in use and not what earlier workloads freed.
void settle_heap();

// Touches `bytes` of fresh anonymous memory once and gives it back. In a virtual machine the
// first touch of a guest page is far slower than any later one; without this, whichever
// backend first fills a big file pays that for both.
void warm_up_memory(int64_t bytes);

// Marks the benchmark failed with "call(name): strerror(errno)".
void fail(benchmark::State& state, std::string_view call, std::string_view name);
void fail(benchmark::State& state, const std::string& message);

template <FileSystem Fs>
bool check_ready(benchmark::State& state, const Fs& fs) {
    if (fs.ready()) return true;
    fail(state, std::string(Fs::kName) + " set-up: " + std::string(fs.error()));
    return false;
}

// Creates each name as a regular file holding content. false (and the benchmark failed) on
// the first error.
template <FileSystem Fs>
bool make_files(benchmark::State& state, Fs& fs, const NameList& names,
                std::span<const char> content = {}) {
    for (int64_t i = 0; i < names.size(); ++i) {
        int fd = fs.open(names[i], O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) {
            fail(state, "open(O_CREAT)", names[i]);
            return false;
        }
        bool written = content.empty() || fs.write(fd, content.data(), content.size()) ==
                                              static_cast<ssize_t>(content.size());
        if (!written || fs.close(fd) != 0) {
            fail(state, written ? "close" : "write", names[i]);
            return false;
        }
    }
    return true;
}

// Unlinks names[begin, end).
template <FileSystem Fs>
void remove_files(benchmark::State& state, Fs& fs, const NameList& names, int64_t begin,
                  int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
        if (fs.unlink(names[i]) != 0 && !state.error_occurred()) fail(state, "unlink", names[i]);
    }
}

template <FileSystem Fs>
void remove_files(benchmark::State& state, Fs& fs, const NameList& names) {
    remove_files(state, fs, names, 0, names.size());
}

// Creates name holding bytes bytes of pattern, written 1 MiB at a time.
template <FileSystem Fs>
bool make_file_of_size(benchmark::State& state, Fs& fs, const char* name, int64_t bytes) {
    const std::vector<char> block = pattern(kMiB);
    int fd = fs.open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) {
        fail(state, "open(O_CREAT)", name);
        return false;
    }
    for (int64_t done = 0; done < bytes; done += kMiB) {
        size_t chunk = static_cast<size_t>(std::min<int64_t>(kMiB, bytes - done));
        if (fs.write(fd, block.data(), chunk) != static_cast<ssize_t>(chunk)) {
            fail(state, "write", name);
            fs.close(fd);
            return false;
        }
    }
    if (fs.close(fd) != 0) {
        fail(state, "close", name);
        return false;
    }
    return true;
}

}  // namespace imfs_bench
