// data_workloads.hpp: the data and flat-cost workloads, written once against FileSystem.
//
// Each workload makes its own backend (a fresh work directory, and for IMFS a fresh session),
// builds its fixture before the timed loop, times one operation per iteration, and removes
// everything after the loop. The iteration count is fixed at registration (the number of
// files, blocks or lookups), so iteration i works on the i-th name or offset.
#pragma once

#include "workload_support.hpp"

namespace imfs_bench {

// ---- Data: one file of sizes.file_bytes ------------------------------------------------------

// write of kBlock bytes at the end of a file that grows from empty to sizes.file_bytes.
template <FileSystem Fs, int64_t kBlock>
void bm_sequential_write(benchmark::State& state, const Sizes&) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const std::vector<char> block = pattern(kBlock);
    int fd = fs.open("data", O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0) return fail(state, "open(O_CREAT)", "data");
    for (auto _ : state) {
        if (fs.write(fd, block.data(), kBlock) != kBlock) {
            fail(state, "write", "data");
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * kBlock);
    fs.close(fd);
    fs.unlink("data");
}

// read of kBlock bytes, front to back, of a file of sizes.file_bytes.
template <FileSystem Fs, int64_t kBlock>
void bm_sequential_read(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    if (!make_file_of_size(state, fs, "data", sizes.file_bytes)) return;
    std::vector<char> buffer(kBlock);
    int fd = fs.open("data", O_RDONLY, 0);
    if (fd < 0) return fail(state, "open(O_RDONLY)", "data");
    for (auto _ : state) {
        if (fs.read(fd, buffer.data(), kBlock) != kBlock) {
            fail(state, "read", "data");
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * kBlock);
    fs.close(fd);
    fs.unlink("data");
}

// pread (kWrite false) or pwrite (kWrite true) of 4 KiB at a random 4 KiB-aligned offset of a
// file of sizes.file_bytes whose data is all written.
template <FileSystem Fs, bool kWrite>
void bm_random_io(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    if (!make_file_of_size(state, fs, "data", sizes.file_bytes)) return;
    const std::vector<int64_t> offsets =
        random_numbers(sizes.random_ops, sizes.file_bytes, kPage, kSeed);
    std::vector<char> buffer = pattern(kPage);
    int fd = fs.open("data", kWrite ? O_WRONLY : O_RDONLY, 0);
    if (fd < 0) return fail(state, "open", "data");
    int64_t i = 0;
    for (auto _ : state) {
        ssize_t done = kWrite ? fs.pwrite(fd, buffer.data(), kPage, offsets[i])
                              : fs.pread(fd, buffer.data(), kPage, offsets[i]);
        if (done != static_cast<ssize_t>(kPage)) {
            fail(state, kWrite ? "pwrite" : "pread", "data");
            break;
        }
        ++i;
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kPage));
    fs.close(fd);
    fs.unlink("data");
}

// ---- Flat costs ---------------------------------------------------------------------------

// stat in a directory of `entries` files (sizes.flat_ops lookups), cycling
// over the same 10 names drawn at random from it. Both directory sizes are
// probed with a working set of 10 names, so the ratio measures what the
// lookup costs as the directory grows (the algorithm), not the DRAM misses
// of touching a million different inodes, which no lookup structure avoids
// and which the "stat" row (random names of 100,000) already shows.
template <FileSystem Fs>
void stat_in_directory(benchmark::State& state, const Sizes& sizes, int64_t entries) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    if (fs.mkdir("dir", 0755) != 0) return fail(state, "mkdir", "dir");
    const NameList names("dir/f", entries);
    if (!make_files(state, fs, names)) return;
    constexpr int64_t kWorkingSet = 10;
    const NameList working_set("dir/f", random_numbers(kWorkingSet, entries, 1, kSeed));
    std::vector<int64_t> cycle(static_cast<std::size_t>(sizes.flat_ops));
    for (std::size_t k = 0; k < cycle.size(); ++k)
        cycle[k] = static_cast<int64_t>(k) % kWorkingSet;
    struct stat st {};
    int64_t i = 0;
    for (auto _ : state) {
        const char* name = working_set[cycle[static_cast<std::size_t>(i)]];
        if (fs.stat(name, &st) != 0) {
            fail(state, "stat", name);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names);
    fs.rmdir("dir");
}

template <FileSystem Fs>
void bm_stat_big_directory(benchmark::State& state, const Sizes& sizes) {
    stat_in_directory<Fs>(state, sizes, sizes.big_dir);
}

template <FileSystem Fs>
void bm_stat_small_directory(benchmark::State& state, const Sizes& sizes) {
    stat_in_directory<Fs>(state, sizes, 10);
}

inline constexpr int64_t kFarOffset = 4 * kGiB;

// pread of 4 KiB at `offset` of a sparse file holding 4 KiB of data at 0 and at kFarOffset
// and a hole between (sizes.flat_ops preads).
template <FileSystem Fs>
void pread_sparse_at(benchmark::State& state, int64_t offset) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    std::vector<char> buffer = pattern(kPage);
    int fd = fs.open("sparse", O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0) return fail(state, "open(O_CREAT)", "sparse");
    if (fs.pwrite(fd, buffer.data(), kPage, 0) != static_cast<ssize_t>(kPage) ||
        fs.pwrite(fd, buffer.data(), kPage, kFarOffset) != static_cast<ssize_t>(kPage)) {
        fail(state, "pwrite", "sparse");
    }
    for (auto _ : state) {
        if (fs.pread(fd, buffer.data(), kPage, offset) != static_cast<ssize_t>(kPage)) {
            fail(state, "pread", "sparse");
            break;
        }
    }
    fs.close(fd);
    fs.unlink("sparse");
}

template <FileSystem Fs>
void bm_pread_far(benchmark::State& state, const Sizes&) {
    pread_sparse_at<Fs>(state, kFarOffset);
}

template <FileSystem Fs>
void bm_pread_near(benchmark::State& state, const Sizes&) {
    pread_sparse_at<Fs>(state, 0);
}

}  // namespace imfs_bench
