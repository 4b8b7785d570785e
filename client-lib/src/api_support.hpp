// The one place where core errors become the C API's -1 and errno.
#pragma once

#include <sys/types.h>

#include <cerrno>

#include "core/result.hpp"
#include "session_table.hpp"

namespace imfs::client {

inline int finish(core::Result<void> result) {
    if (!result) {
        errno = result.error().value;
        return -1;
    }
    return 0;
}

inline int finish(core::Result<int> result) {
    if (!result) {
        errno = result.error().value;
        return -1;
    }
    return *result;
}

inline ssize_t finish(core::Result<std::size_t> result) {
    if (!result) {
        errno = result.error().value;
        return -1;
    }
    return static_cast<ssize_t>(*result);
}

inline off_t finish_offset(core::Result<off_t> result) {
    if (!result) {
        errno = result.error().value;
        return -1;
    }
    return *result;
}

// Runs call(session) on the session handle names; EBADF if none.
template <typename Call>
auto on_session(int handle, Call&& call) -> decltype(call(std::declval<SessionBackend&>())) {
    std::shared_ptr<SessionBackend> session = SessionTable::instance().find(handle);
    if (!session) return core::fail(EBADF);
    return call(*session);
}

}  // namespace imfs::client
