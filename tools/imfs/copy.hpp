// Copying a byte stream between any two descriptors, IMFS or host.
#pragma once

#include <errno.h>
#include <sys/types.h>

#include <optional>
#include <vector>

namespace imfs::cli {

// Which end of a copy failed, and with which errno.
struct CopyError {
    enum class Side { source, destination } side;
    int error;
};

// Copies until read returns 0. read and write have the shape of read(2)
// and write(2) on their descriptor (-1 and errno on failure); a short write
// is continued.
template <typename Read, typename Write>
[[nodiscard]] std::optional<CopyError> copy_stream(Read read, Write write) {
    // Large enough that the remote transport sends few, full messages.
    std::vector<char> buffer(256 * 1024);
    for (;;) {
        ssize_t got = read(buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return CopyError{CopyError::Side::source, errno};
        if (got == 0) return std::nullopt;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(buffer.data() + done, static_cast<size_t>(got - done));
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) return CopyError{CopyError::Side::destination, errno};
            done += put;
        }
    }
}

}  // namespace imfs::cli
