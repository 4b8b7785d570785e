// The embedded ("mem:") file system of this process.
#pragma once

#include <memory>
#include <string_view>

#include "core/file_system.hpp"
#include "core/result.hpp"
#include "policies/admission.hpp"

namespace imfs::client {

// Creates it from config_path: its limits, content and policies. nullptr:
// an empty tree where every label gets "/" and may write. EBUSY if it
// exists; EINVAL for a bad config, whose diagnostics go to stderr
// (FILE:LINE:COLUMN: problem), leaving no file system behind.
core::Result<void> embedded_init(const char* config_path);
// The embedded file system, created empty on first use.
std::shared_ptr<core::FileSystem> embedded_fs();
// What a session for label and wishes gets there, by the same rules as on
// imfsd (policies::admit), quota accounts included. EACCES when the
// config's policies admit no such label, or the subroot climbs out of the
// policy root.
core::Result<policies::Admission> embedded_admit(std::string_view label,
                                                 const policies::SessionWishes& wishes);

}  // namespace imfs::client
