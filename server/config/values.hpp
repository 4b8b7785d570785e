// Attribute values: numbers, sizes, modes, yes/no. Each parser answers the
// value or the sentence that says what is wrong with the text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace imfs::config {

template <typename T>
using ValueResult = std::expected<T, std::string>;

// Decimal digits only, at most max.
// bytes for a log line: "512 B", "15.5 KiB", "1.2 GiB".
std::string human_bytes(std::uint64_t bytes);

[[nodiscard]] ValueResult<std::uint64_t> parse_number(std::string_view text, std::uint64_t max);
// A number of inodes (max_inodes, quota_inodes): decimal, at most 2^32.
[[nodiscard]] ValueResult<std::uint64_t> parse_inode_count(std::string_view text);
// Decimal digits with an optional binary suffix K, M, G or T (either case).
[[nodiscard]] ValueResult<std::uint64_t> parse_size(std::string_view text);
// Octal digits (a leading 0 optional), at most max (07777 or 0777).
[[nodiscard]] ValueResult<mode_t> parse_mode(std::string_view text, mode_t max);
// A uid or gid: a decimal number below 4294967295 ((uid_t)-1 means "no
// change" to chown, so it names nobody).
[[nodiscard]] ValueResult<std::uint32_t> parse_id(std::string_view text);
// yes/no, as Genode writes them; true/false also.
[[nodiscard]] ValueResult<bool> parse_bool(std::string_view text);

// A name for one directory entry: not empty, no '/', not "." or "..", at
// most NAME_MAX bytes.
[[nodiscard]] ValueResult<void> check_entry_name(std::string_view name);

}  // namespace imfs::config
