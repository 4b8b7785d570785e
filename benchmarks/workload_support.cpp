#include "workload_support.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>

namespace imfs_bench {

namespace {

constexpr int kDigits = 7;

}  // namespace

Sizes Sizes::full() {
    return Sizes{
        .quick = false,
        .files = 100'000,
        .file_bytes = 256 * kMiB,
        .random_ops = 100'000,
        .big_dir = 1'000'000,
        .flat_ops = 100'000,
        .memory_files = 1'000'000,
    };
}

Sizes Sizes::quick_run() {
    return Sizes{
        .quick = true,
        .files = 10'000,
        .file_bytes = 32 * kMiB,
        .random_ops = 10'000,
        .big_dir = 100'000,
        .flat_ops = 10'000,
        .memory_files = 100'000,
    };
}

NameList::NameList(std::string_view prefix, int64_t count)
    : NameList(prefix, [count] {
          std::vector<int64_t> numbers(static_cast<size_t>(count));
          std::iota(numbers.begin(), numbers.end(), int64_t{0});
          return numbers;
      }()) {}

NameList::NameList(std::string_view prefix, const std::vector<int64_t>& numbers)
    : stride_(prefix.size() + kDigits + 1),
      count_(static_cast<int64_t>(numbers.size())),
      storage_(stride_ * numbers.size(), '\0') {
    for (size_t i = 0; i < numbers.size(); ++i) {
        char* name = storage_.data() + i * stride_;
        std::memcpy(name, prefix.data(), prefix.size());
        std::snprintf(name + prefix.size(), kDigits + 1, "%0*lld", kDigits,
                      static_cast<long long>(numbers[i]));
    }
}

std::vector<int64_t> shuffled_sequence(int64_t count, uint64_t seed) {
    std::vector<int64_t> numbers(static_cast<size_t>(count));
    std::iota(numbers.begin(), numbers.end(), int64_t{0});
    std::shuffle(numbers.begin(), numbers.end(), std::mt19937_64(seed));
    return numbers;
}

std::vector<int64_t> random_numbers(int64_t count, int64_t bound, int64_t step, uint64_t seed) {
    std::mt19937_64 generator(seed);
    std::uniform_int_distribution<int64_t> slot(0, bound / step - 1);
    std::vector<int64_t> numbers(static_cast<size_t>(count));
    for (int64_t& number : numbers)
        number = slot(generator) * step;
    return numbers;
}

std::vector<char> pattern(size_t bytes) {
    std::vector<char> data(bytes);
    for (size_t i = 0; i < bytes; ++i)
        data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return data;
}

int64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    int64_t total_pages = 0;
    int64_t resident_pages = 0;
    statm >> total_pages >> resident_pages;
    return resident_pages * sysconf(_SC_PAGESIZE);
}

void settle_heap() {
    malloc_trim(0);
}

void warm_up_memory(int64_t bytes) {
    const size_t length = static_cast<size_t>(bytes);
    void* memory =
        mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    std::memset(memory, 1, length);
    munmap(memory, length);
}

void fail(benchmark::State& state, std::string_view call, std::string_view name) {
    int error = errno;
    fail(state, std::string(call) + "(" + std::string(name) + "): " + std::strerror(error));
}

void fail(benchmark::State& state, const std::string& message) {
    state.SkipWithError(message.c_str());
}

}  // namespace imfs_bench
