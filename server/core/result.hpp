// Errors as values for the core: every fallible call returns Result<T>, an
// std::expected holding either the value or a Linux errno. The core throws
// nothing; each boundary translates an Errno exactly once.
#pragma once

#include <cerrno>
#include <expected>

namespace imfs::core {

// A Linux errno value (always positive).
struct Errno {
    int value;
    friend bool operator==(Errno, Errno) = default;
};

template <typename T = void>
using Result = std::expected<T, Errno>;

[[nodiscard]] inline std::unexpected<Errno> fail(int errno_value) {
    return std::unexpected(Errno{errno_value});
}

}  // namespace imfs::core

// TRY(expr): evaluates a Result; on error returns the error from the
// enclosing function, else yields the value (void for Result<void>).
#define IMFS_TRY(expr)                                                           \
    ({                                                                           \
        auto&& imfs_try_result_ = (expr);                                        \
        if (!imfs_try_result_) return std::unexpected(imfs_try_result_.error()); \
        std::move(imfs_try_result_).value();                                     \
    })
