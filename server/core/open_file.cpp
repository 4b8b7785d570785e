#include "core/open_file.hpp"

#include <fcntl.h>

namespace imfs::core {

bool OpenFileDescription::is_path_only() const noexcept {
    return (flags & O_PATH) != 0;
}

bool OpenFileDescription::can_read() const noexcept {
    if (is_path_only()) return false;
    int mode = flags & O_ACCMODE;
    return mode == O_RDONLY || mode == O_RDWR;
}

bool OpenFileDescription::can_write() const noexcept {
    if (is_path_only()) return false;
    int mode = flags & O_ACCMODE;
    return mode == O_WRONLY || mode == O_RDWR;
}

}  // namespace imfs::core
