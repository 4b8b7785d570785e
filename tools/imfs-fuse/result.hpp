// Errors as values at the FUSE boundary. The C API reports -1 and errno;
// FUSE wants a positive errno. Each is translated exactly once: errno
// becomes a Result's error where an imfs_* call returns, and the error
// becomes fuse_reply_err's argument where a handler replies.
#pragma once

#include <cerrno>
#include <expected>

namespace imfs::fuse {

// A positive errno value.
using Errno = int;

template <typename T>
using Result = std::expected<T, Errno>;

// The errno the last imfs_* call left, as a Result error. EIO stands in for
// a call that failed without saying why.
[[nodiscard]] inline std::unexpected<Errno> last_error() noexcept {
    return std::unexpected(errno > 0 ? errno : EIO);
}

// Returns last_error() from the enclosing function when an imfs_* call
// that returns an int (0 or a descriptor on success) fails.
#define IMFS_FUSE_CHECK(call)                              \
    do {                                                   \
        if ((call) < 0) return ::imfs::fuse::last_error(); \
    } while (0)

// Unwraps a Result, or returns its error from the enclosing function.
#define IMFS_FUSE_TRY(expr)                                                        \
    ({                                                                             \
        auto&& imfs_fuse_result_ = (expr);                                         \
        if (!imfs_fuse_result_) return std::unexpected(imfs_fuse_result_.error()); \
        std::move(imfs_fuse_result_).value();                                      \
    })

}  // namespace imfs::fuse
