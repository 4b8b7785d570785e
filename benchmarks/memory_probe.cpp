#include "memory_probe.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <expected>
#include <utility>
#include <vector>

namespace imfs_bench {

namespace {

using Figures = std::vector<std::pair<std::string, double>>;

std::string errno_text(std::string_view call, std::string_view name) {
    return std::string(call) + "(" + std::string(name) + "): " + std::strerror(errno);
}

std::expected<Figures, std::string> probe_empty_files(int64_t count) {
    ImfsFs fs;
    if (!fs.ready()) return std::unexpected(std::string(fs.error()));
    const NameList names("f", count);
    settle_heap();
    const int64_t before = resident_bytes();
    for (int64_t i = 0; i < count; ++i) {
        int fd = fs.open(names[i], O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) return std::unexpected(errno_text("open(O_CREAT)", names[i]));
        if (fs.close(fd) != 0) return std::unexpected(errno_text("close", names[i]));
    }
    settle_heap();
    return Figures{{"rss_growth_bytes", static_cast<double>(resident_bytes() - before)},
                   {"files", static_cast<double>(count)}};
}

std::expected<Figures, std::string> probe_sparse_file() {
    ImfsFs fs;
    if (!fs.ready()) return std::unexpected(std::string(fs.error()));
    const std::vector<char> block = pattern(kPage);
    settle_heap();
    const int64_t before = resident_bytes();
    int fd = fs.open("huge", O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0) return std::unexpected(errno_text("open(O_CREAT)", "huge"));
    if (fs.ftruncate(fd, kTiB) != 0) return std::unexpected(errno_text("ftruncate", "huge"));
    if (fs.pwrite(fd, block.data(), kPage, kTiB - kPage) != static_cast<ssize_t>(kPage)) {
        return std::unexpected(errno_text("pwrite", "huge"));
    }
    settle_heap();
    const int64_t growth = resident_bytes() - before;
    struct stat st {};
    if (fs.fstat(fd, &st) != 0) return std::unexpected(errno_text("fstat", "huge"));
    fs.close(fd);
    return Figures{{"rss_growth_bytes", static_cast<double>(growth)},
                   {"allocated_bytes", static_cast<double>(st.st_blocks) * 512},
                   {"size_bytes", static_cast<double>(st.st_size)}};
}

// The path of this executable, for running it again as the child.
std::string own_executable() {
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    return length > 0 ? std::string(path, static_cast<size_t>(length)) : std::string();
}

// Parses "name=value name=value ..." or "error=message".
ProbeFigures parse_figures(std::string_view line) {
    ProbeFigures figures;
    if (line.starts_with("error=")) {
        figures.error = std::string(line.substr(6));
        return figures;
    }
    while (!line.empty()) {
        size_t end = line.find(' ');
        std::string_view pair = line.substr(0, end);
        line = end == std::string_view::npos ? std::string_view() : line.substr(end + 1);
        size_t equals = pair.find('=');
        double value = 0;
        if (equals == std::string_view::npos ||
            std::from_chars(pair.data() + equals + 1, pair.data() + pair.size(), value).ec !=
                std::errc()) {
            figures.error = "unreadable output: " + std::string(pair);
            return figures;
        }
        figures.values[std::string(pair.substr(0, equals))] = value;
    }
    if (figures.values.empty()) figures.error = "no output";
    return figures;
}

void run_probe_benchmark(benchmark::State& state, const std::string& what) {
    ProbeFigures figures;
    for (auto _ : state)
        figures = measure_in_child(what);
    if (!figures.error.empty()) return fail(state, "memory probe " + what + ": " + figures.error);
    for (const auto& [name, value] : figures.values)
        state.counters[name] = value;
}

}  // namespace

int run_memory_probe(std::string_view what) {
    std::expected<Figures, std::string> figures = std::unexpected("unknown probe");
    if (what.starts_with("empty_files:")) {
        int64_t count = 0;
        what.remove_prefix(std::string_view("empty_files:").size());
        if (std::from_chars(what.data(), what.data() + what.size(), count).ec == std::errc() &&
            count > 0) {
            figures = probe_empty_files(count);
        }
    } else if (what == "sparse_1TiB") {
        figures = probe_sparse_file();
    }
    if (!figures) {
        std::printf("error=%s\n", figures.error().c_str());
        return 1;
    }
    const char* separator = "";
    for (const auto& [name, value] : *figures) {
        std::printf("%s%s=%.0f", separator, name.c_str(), value);
        separator = " ";
    }
    std::printf("\n");
    return 0;
}

ProbeFigures measure_in_child(const std::string& what) {
    const std::string executable = own_executable();
    if (executable.empty())
        return {.values = {}, .error = errno_text("readlink", "/proc/self/exe")};
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {.values = {}, .error = errno_text("pipe2", "")};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    std::string argument = std::string(kMemoryProbeFlag) + what;
    std::string program = executable;
    char* argv[] = {program.data(), argument.data(), nullptr};
    pid_t child = -1;
    int spawn_error = posix_spawn(&child, executable.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    std::string output;
    if (spawn_error == 0) {
        char buffer[512];
        ssize_t got = 0;
        while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
            output.append(buffer, static_cast<size_t>(got));
        }
    }
    close(pipe_fds[0]);
    if (spawn_error != 0) {
        return {.values = {}, .error = "posix_spawn: " + std::string(std::strerror(spawn_error))};
    }
    int status = 0;
    waitpid(child, &status, 0);
    while (!output.empty() && output.back() == '\n')
        output.pop_back();
    ProbeFigures figures = parse_figures(output);
    if (figures.error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        figures.error = "child ended with status " + std::to_string(status);
    }
    return figures;
}

void bm_memory_empty_files(benchmark::State& state, const Sizes& sizes) {
    run_probe_benchmark(state, "empty_files:" + std::to_string(sizes.memory_files));
}

void bm_memory_sparse_file(benchmark::State& state, const Sizes&) {
    run_probe_benchmark(state, "sparse_1TiB");
}

}  // namespace imfs_bench
