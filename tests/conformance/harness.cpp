#include "harness.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace conformance {

void BackendTest::SetUp() {
    for (const auto& factory : backend_factories()) {
        if (factory.name != GetParam()) continue;
        std::string error;
        be_ = factory.make(error);
        // A back-end this machine cannot have (no /dev/fuse) says so loudly
        // and skips; any other failure to set one up is a failure.
        if (be_ == nullptr && error.starts_with(kSkipBackend)) {
            std::fprintf(stderr, "\n*** %s back-end SKIPPED: %s ***\n\n", GetParam().c_str(),
                         error.c_str() + kSkipBackend.size());
            GTEST_SKIP() << error;
        }
        ASSERT_NE(be_, nullptr) << "cannot set up back-end " << GetParam() << ": " << error;
        return;
    }
    FAIL() << "unknown back-end " << GetParam();
}

std::string backend_param_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

std::string errno_name(int err) {
    if (err == 0) return "no errno";
    const char* name = strerrorname_np(err);
    return name != nullptr ? name : "errno " + std::to_string(err);
}

void write_file(Backend& be, const char* path, std::string_view contents, mode_t mode) {
    int fd;
    ASSERT_OK(fd = be.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
    EXPECT_EQ(be.write(fd, contents.data(), contents.size()),
              static_cast<ssize_t>(contents.size()));
    EXPECT_OK(be.close(fd));
}

std::string read_file(Backend& be, const char* path) {
    const int fd = be.open(path, O_RDONLY);
    if (fd < 0) return "<error " + errno_name(errno) + ">";
    std::string contents;
    char buf[65536];
    for (;;) {
        const ssize_t n = be.read(fd, buf, sizeof buf);
        if (n < 0) {
            contents = "<error " + errno_name(errno) + ">";
            break;
        }
        if (n == 0) break;
        contents.append(buf, static_cast<size_t>(n));
    }
    be.close(fd);
    return contents;
}

struct stat lstat_of(Backend& be, const char* path) {
    struct stat st {};
    EXPECT_OK(be.lstat(path, &st)) << path;
    return st;
}

struct stat stat_of(Backend& be, const char* path) {
    struct stat st {};
    EXPECT_OK(be.stat(path, &st)) << path;
    return st;
}

struct stat fstat_of(Backend& be, int fd) {
    struct stat st {};
    EXPECT_OK(be.fstat(fd, &st));
    return st;
}

bool exists(Backend& be, const char* path) {
    struct stat st;
    return be.lstat(path, &st) == 0;
}

std::vector<std::string> list_dir(Backend& be, const char* path) {
    std::vector<std::string> names;
    DirStream* dir = be.opendir(path);
    EXPECT_NE(dir, nullptr) << "opendir " << path << ": " << errno_name(errno);
    if (dir == nullptr) return names;
    while (const dirent* entry = be.readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    be.closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

void tick() {
    const timespec pause{0, 20'000'000};
    nanosleep(&pause, nullptr);
}

namespace {

int compare(const timespec& a, const timespec& b) {
    if (a.tv_sec != b.tv_sec) return a.tv_sec < b.tv_sec ? -1 : 1;
    if (a.tv_nsec != b.tv_nsec) return a.tv_nsec < b.tv_nsec ? -1 : 1;
    return 0;
}

}  // namespace

std::string changed_times(const struct stat& before, const struct stat& after) {
    std::string changes;
    const std::pair<char, std::pair<const timespec*, const timespec*>> times[] = {
        {'a', {&before.st_atim, &after.st_atim}},
        {'m', {&before.st_mtim, &after.st_mtim}},
        {'c', {&before.st_ctim, &after.st_ctim}},
    };
    for (const auto& [letter, pair] : times) {
        const int order = compare(*pair.first, *pair.second);
        if (order < 0) changes += letter;
        if (order > 0) changes += std::string("<") + letter;
    }
    return changes;
}

// ---- run_in_child

namespace {

// Forwards the child's gtest failures to the parent: line, file, message,
// each length-prefixed.
class PipeReporter : public ::testing::EmptyTestEventListener {
  public:
    explicit PipeReporter(int fd) : fd_(fd) {}
    void OnTestPartResult(const ::testing::TestPartResult& result) override {
        if (!result.failed()) return;
        const std::string file = result.file_name() != nullptr ? result.file_name() : "";
        const std::string message = result.message() != nullptr ? result.message() : "";
        const int header[3] = {result.line_number(), static_cast<int>(file.size()),
                               static_cast<int>(message.size())};
        write_all(header, sizeof header);
        write_all(file.data(), file.size());
        write_all(message.data(), message.size());
    }

  private:
    void write_all(const void* data, size_t size) {
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, size);
            if (n <= 0) return;
            p += n;
            size -= static_cast<size_t>(n);
        }
    }
    int fd_;
};

std::string read_all(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

}  // namespace

void run_in_child(const std::function<void()>& body, std::source_location where) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0) << errno_name(errno);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << errno_name(errno);
    if (pid == 0) {
        ::close(fds[0]);
        ::alarm(10);
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        // The parent prints the failures; the child's printer stays quiet.
        listeners.Release(listeners.default_result_printer());
        listeners.Append(new PipeReporter(fds[1]));  // gtest owns listeners
        try {
            body();
        } catch (const std::exception& e) {
            ADD_FAILURE() << "exception in child: " << e.what();
        } catch (...) {
            ADD_FAILURE() << "exception in child";
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    const std::string data = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    size_t pos = 0;
    while (pos + 3 * sizeof(int) <= data.size()) {
        int header[3];
        std::memcpy(header, data.data() + pos, sizeof header);
        pos += sizeof header;
        const std::string file = data.substr(pos, static_cast<size_t>(header[1]));
        pos += static_cast<size_t>(header[1]);
        std::string message = data.substr(pos, static_cast<size_t>(header[2]));
        if (message.starts_with("Failed\n")) message.erase(0, 7);
        pos += static_cast<size_t>(header[2]);
        ADD_FAILURE_AT(file.c_str(), header[0]) << "(in child) " << message;
    }
    if (WIFSIGNALED(status)) {
        ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
            << "child killed by signal " << WTERMSIG(status)
            << (WTERMSIG(status) == SIGALRM ? " (hung for 10 s)" : "");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
            << "child exited with status " << WEXITSTATUS(status);
    }
}

}  // namespace conformance
