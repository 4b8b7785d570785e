// What every conformance test file shares: the fixture parameterized over the
// registered back-ends, assertion macros that name the call and the errno,
// small file helpers, and running a part of a test in a forked child.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>

#include "backend.hpp"

namespace conformance {

// The fixture: a fresh back-end with an empty root (the working directory)
// for each test.
class BackendTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override;
    void TearDown() override { be_.reset(); }
    Backend& be() { return *be_; }

  private:
    std::unique_ptr<Backend> be_;
};

std::string backend_param_name(const ::testing::TestParamInfo<std::string>& info);

// Declares fixture Suite and runs its tests on every registered back-end, as
// Conformance/Suite.Test/backend.
#define CONFORMANCE_SUITE(Suite)                                                  \
    class Suite : public ::conformance::BackendTest {};                           \
    INSTANTIATE_TEST_SUITE_P(Conformance, Suite,                                  \
                             ::testing::ValuesIn(::conformance::backend_names()), \
                             ::conformance::backend_param_name)

// "ENOENT" for ENOENT.
std::string errno_name(int err);

template <typename T>
bool is_failure(T result) {
    if constexpr (std::is_pointer_v<T>) {
        return result == nullptr;
    } else {
        return result == static_cast<T>(-1);
    }
}

template <typename T>
std::string describe(T result) {
    if constexpr (std::is_pointer_v<T>) {
        return result == nullptr ? "nullptr" : "a pointer";
    } else {
        return std::to_string(result);
    }
}

// The outcome of a call: failed or not, errno, and the result as text.
struct Outcome {
    bool failed;
    int err;
    std::string result;
    std::string text() const {
        return result + (failed ? " with " + errno_name(err) : std::string(" (success)"));
    }
};
template <typename T>
Outcome outcome(T result) {
    const int err = errno;
    return {is_failure(result), err, describe(result)};
}

// EXPECT_ERRNO(be().unlink("x"), ENOENT): the call fails with that errno.
// These macros take further messages with <<, as gtest's do.
#define EXPECT_ERRNO(call, expected_errno)                                                  \
    switch (0)                                                                              \
    case 0:                                                                                 \
    default:                                                                                \
        if (const ::conformance::Outcome conf_o_ = ::conformance::outcome(call);            \
            conf_o_.failed && conf_o_.err == (expected_errno)) {                            \
        } else                                                                              \
            ADD_FAILURE() << #call                                                          \
                          << "\n  expected: failure with " #expected_errno "\n    actual: " \
                          << conf_o_.text() << "\n"

// EXPECT_OK(call) / ASSERT_OK(call): the call succeeds. To keep the result:
// int fd; ASSERT_OK(fd = be().open(...));
#define CONF_CHECK_OK(call, fail_macro)                                                           \
    switch (0)                                                                                    \
    case 0:                                                                                       \
    default:                                                                                      \
        if (const ::conformance::Outcome conf_o_ = ::conformance::outcome(call);                  \
            !conf_o_.failed) {                                                                    \
        } else                                                                                    \
            fail_macro() << #call << "\n  failed with " << ::conformance::errno_name(conf_o_.err) \
                         << "\n"
#define EXPECT_OK(call) CONF_CHECK_OK(call, ADD_FAILURE)
#define ASSERT_OK(call) CONF_CHECK_OK(call, GTEST_FAIL)

// ---- Helpers. They report their own failures (naming the path); wrap a
// call in ASSERT_NO_FATAL_FAILURE or SCOPED_TRACE to see the caller's line.

// Creates or truncates path (mode 0644) and writes contents.
void write_file(Backend& be, const char* path, std::string_view contents, mode_t mode = 0644);
// The whole contents of path; "<error NAME>" when it cannot be read.
std::string read_file(Backend& be, const char* path);
// lstat, failing the test if it fails.
struct stat lstat_of(Backend& be, const char* path);
struct stat stat_of(Backend& be, const char* path);
struct stat fstat_of(Backend& be, int fd);
bool exists(Backend& be, const char* path);
// The names in directory path, sorted, without "." and "..".
std::vector<std::string> list_dir(Backend& be, const char* path);

// Sleeps long enough for tmpfs's coarse clock to move (20 ms).
void tick();

// Which of atime, mtime and ctime differ between two stats of one node, as
// a string of "a", "m", "c" ("" for none, "mc" for mtime and ctime); a time
// that went backwards shows as "<".
std::string changed_times(const struct stat& before, const struct stat& after);

// A null pointer the compiler does not see as one (no -Wnonnull).
template <typename T = char>
T* null() {
    T* volatile p = nullptr;
    return p;
}

// Runs body in a forked child process (umask, cwd and descriptors as in the
// parent). gtest failures in the child are sent back through a pipe and
// reported in the parent at their file and line; a crash, a non-zero exit or
// a hang (10 s) is a failure too. Changes the child makes to the tree are not
// guaranteed to be seen by the parent (embedded IMFS lives in the child's
// copy of memory): check everything inside body.
void run_in_child(const std::function<void()>& body,
                  std::source_location where = std::source_location::current());

// The unprivileged identities the permission tests take in children.
inline constexpr uid_t kUser = 1001;       // "the user"
inline constexpr gid_t kUserGroup = 1001;  // its primary group
inline constexpr uid_t kOther = 1002;      // another user
inline constexpr gid_t kOtherGroup = 1002;
inline constexpr gid_t kExtraGroup = 2001;  // a supplementary group of kUser

}  // namespace conformance
