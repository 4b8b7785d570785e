// The embedded ("mem:") file system of this process.
#pragma once

#include <memory>

#include "core/file_system.hpp"
#include "core/result.hpp"

namespace imfs::client {

// Creates it from config_path (nullptr: empty tree, every label gets "/"
// and may write). EBUSY if it exists.
core::Result<void> embedded_init(const char* config_path);
// The embedded file system, created empty on first use.
std::shared_ptr<core::FileSystem> embedded_fs();
// What a session for label gets there.
core::Result<core::SessionSpec> embedded_policy(const char* label);

}  // namespace imfs::client
