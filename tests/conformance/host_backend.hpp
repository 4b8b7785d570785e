// The oracle: real system calls in a fresh temporary directory.
#pragma once

#include <memory>
#include <string>

#include "backend.hpp"

namespace conformance {

// Creates a fresh directory (mode 0755) below parent_dir, makes it the
// working directory and sets the umask to 022 until the back-end is
// destroyed; then restores both, closes the descriptors the test left open and
// removes the directory. parent_dir is /dev/shm (tmpfs) for the oracle; a
// FUSE mount point gives the FUSE back-end.
std::unique_ptr<Backend> make_host_backend(const std::string& parent_dir, std::string& error);

}  // namespace conformance
