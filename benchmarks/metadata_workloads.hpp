// metadata_workloads.hpp: the metadata workloads, written once against FileSystem.
//
// Each workload makes its own backend (a fresh work directory, and for IMFS a fresh session),
// builds its fixture before the timed loop, times one operation per iteration, and removes
// everything after the loop. The iteration count is fixed at registration (the number of
// files, blocks or lookups), so iteration i works on the i-th name or offset.
#pragma once

#include "workload_support.hpp"

namespace imfs_bench {

// ---- Metadata: sizes.files files in one directory ------------------------------------------

// open(O_CREAT | O_EXCL | O_WRONLY) + close of a new name.
template <FileSystem Fs>
void bm_create(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    int64_t i = 0;
    for (auto _ : state) {
        int fd = fs.open(names[i], O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0 || fs.close(fd) != 0) {
            fail(state, "create", names[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names, 0, i);
}

// stat of an existing name, names in shuffled order.
template <FileSystem Fs>
void bm_stat(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    if (!make_files(state, fs, names)) return;
    const NameList lookups("f", shuffled_sequence(sizes.files, kSeed));
    struct stat st {};
    int64_t i = 0;
    for (auto _ : state) {
        if (fs.stat(lookups[i], &st) != 0) {
            fail(state, "stat", lookups[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names);
}

// stat of a name that is not there (ENOENT), in a directory of sizes.files files.
template <FileSystem Fs>
void bm_stat_missing(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    if (!make_files(state, fs, names)) return;
    const NameList lookups("m", shuffled_sequence(sizes.files, kSeed));
    struct stat st {};
    int64_t i = 0;
    for (auto _ : state) {
        if (fs.stat(lookups[i], &st) != -1 || errno != ENOENT) {
            fail(state, "stat of a missing name gave no ENOENT", lookups[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names);
}

// One readdir() call (one entry) of a directory of sizes.files files; the directory is opened
// before the timed loop. "." and "..", when listed, count as entries.
template <FileSystem Fs>
void bm_readdir(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    if (!make_files(state, fs, names)) return;
    typename Fs::Dir dir = fs.opendir(".");
    if (dir == nullptr) {
        fail(state, "opendir", ".");
        remove_files(state, fs, names);
        return;
    }
    int64_t files_seen = 0;
    auto count = [&files_seen](const struct dirent* entry) {
        if (entry->d_name[0] == 'f') ++files_seen;
    };
    for (auto _ : state) {
        const struct dirent* entry = fs.readdir(dir);
        if (entry == nullptr) {
            fail(state, "readdir ended early", ".");
            break;
        }
        count(entry);
    }
    while (const struct dirent* entry = fs.readdir(dir))
        count(entry);
    fs.closedir(dir);
    if (!state.error_occurred() && files_seen != sizes.files) {
        fail(state, "readdir listed " + std::to_string(files_seen) + " of " +
                        std::to_string(sizes.files) + " files");
    }
    remove_files(state, fs, names);
}

// open(O_WRONLY) + write of kSmallIo bytes + close, on empty files in shuffled order.
template <FileSystem Fs>
void bm_small_write(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    if (!make_files(state, fs, names)) return;
    const NameList order("f", shuffled_sequence(sizes.files, kSeed));
    const std::vector<char> data = pattern(kSmallIo);
    int64_t i = 0;
    for (auto _ : state) {
        int fd = fs.open(order[i], O_WRONLY, 0);
        if (fd < 0) {
            fail(state, "open(O_WRONLY)", order[i]);
            break;
        }
        bool written = fs.write(fd, data.data(), kSmallIo) == static_cast<ssize_t>(kSmallIo);
        if (fs.close(fd) != 0 || !written) {
            fail(state, written ? "close" : "write", order[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names);
}

// open(O_RDONLY) + read of kSmallIo bytes + close, on kSmallIo-byte files in shuffled order.
template <FileSystem Fs>
void bm_small_read(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    const std::vector<char> data = pattern(kSmallIo);
    if (!make_files(state, fs, names, data)) return;
    const NameList order("f", shuffled_sequence(sizes.files, kSeed));
    std::vector<char> buffer(kSmallIo);
    int64_t i = 0;
    for (auto _ : state) {
        int fd = fs.open(order[i], O_RDONLY, 0);
        if (fd < 0) {
            fail(state, "open(O_RDONLY)", order[i]);
            break;
        }
        bool read = fs.read(fd, buffer.data(), kSmallIo) == static_cast<ssize_t>(kSmallIo);
        if (fs.close(fd) != 0 || !read) {
            fail(state, read ? "close" : "read", order[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names);
}

// rename of f<i> to r<i> in the same directory.
template <FileSystem Fs>
void bm_rename(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    const NameList new_names("r", sizes.files);
    if (!make_files(state, fs, names)) return;
    int64_t i = 0;
    for (auto _ : state) {
        if (fs.rename(names[i], new_names[i]) != 0) {
            fail(state, "rename", names[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, new_names, 0, i);
    remove_files(state, fs, names, i, names.size());
}

// unlink of an existing file.
template <FileSystem Fs>
void bm_unlink(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("f", sizes.files);
    if (!make_files(state, fs, names)) return;
    int64_t i = 0;
    for (auto _ : state) {
        if (fs.unlink(names[i]) != 0) {
            fail(state, "unlink", names[i]);
            break;
        }
        ++i;
    }
    remove_files(state, fs, names, i, names.size());
}

// 2 * sizes.files iterations: mkdir of sizes.files directories in one directory, then rmdir of
// each. One iteration is one call, so the time per op is the mean of mkdir and rmdir.
template <FileSystem Fs>
void bm_mkdir_rmdir(benchmark::State& state, const Sizes& sizes) {
    Fs fs;
    if (!check_ready(state, fs)) return;
    const NameList names("d", sizes.files);
    const int64_t count = names.size();
    int64_t k = 0;
    for (auto _ : state) {
        bool making = k < count;
        const char* name = making ? names[k] : names[k - count];
        if ((making ? fs.mkdir(name, 0755) : fs.rmdir(name)) != 0) {
            fail(state, making ? "mkdir" : "rmdir", name);
            break;
        }
        ++k;
    }
}

}  // namespace imfs_bench
