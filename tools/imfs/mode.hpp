// MODE arguments as chmod(1) and mkdir -m read them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace imfs::cli {

// The mode that text makes of current: an octal number (at most 07777), or
// symbolic clauses "[ugoa]*([-+=]([rwxXst]*|[ugo]))+" separated by commas.
// As chmod(1): a clause without [ugoa] leaves alone the bits set in umask,
// and a directory keeps set-id bits the text does not name. nullopt when
// text is not a mode.
[[nodiscard]] std::optional<mode_t> apply_mode(std::string_view text, mode_t current,
                                               bool is_directory, mode_t umask);

}  // namespace imfs::cli
