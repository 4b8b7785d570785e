// IMFS through its C API, on any endpoint ("mem:", "unix:PATH", ...).
#pragma once

#include <memory>
#include <string>

#include "backend.hpp"

namespace conformance {

// Creates a fresh directory /conf-PID-N through a setup session of endpoint,
// then opens the test's session with that directory as its sub-root (so the
// test's root and working directory are that directory) and umask 022.
std::unique_ptr<Backend> make_imfs_backend(const std::string& endpoint, std::string& error);

}  // namespace conformance
