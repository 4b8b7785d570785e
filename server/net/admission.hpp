// Admission: which sessions a label may open. The single place a label
// becomes a core::SessionSpec (root, writeable, trusted).
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "core/session.hpp"

namespace imfs::net {

// Without a config every label is admitted with root "/", may write and is
// trusted to pass its callers' credentials: the quick way to try imfsd. The
// config issue replaces this with <policy> matching.
class Admission {
  public:
    // The spec for a session asking with this composed label, or EACCES when
    // no policy admits it.
    [[nodiscard]] core::Result<core::SessionSpec> admit(std::string_view label) const;
};

}  // namespace imfs::net
