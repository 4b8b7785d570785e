// A path as a caller gave it, validated once. A view: the caller's text
// must outlive it (every call parses its paths and drops them before it
// returns, so no copy is made on the hot path).
#pragma once

#include <limits.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace imfs::core {

class Path {
  public:
    // EFAULT for NULL, ENAMETOOLONG when the text with its NUL exceeds
    // PATH_MAX. An empty path is valid here: calls with AT_EMPTY_PATH accept
    // it, the others answer ENOENT (see is_empty()).
    [[nodiscard]] static Result<Path> parse(const char* text);
    [[nodiscard]] static Result<Path> parse(std::string_view text);

    std::string_view text() const noexcept { return text_; }
    bool is_empty() const noexcept { return text_.empty(); }
    bool is_absolute() const noexcept { return !text_.empty() && text_.front() == '/'; }
    // "a/" and "a/." both ask for a directory.
    bool has_trailing_slash() const noexcept { return !text_.empty() && text_.back() == '/'; }
    // The components in order, without empty ones (so "a//b/" is a, b).
    // Views into text(): valid while this Path lives.
    std::vector<std::string_view> components() const;

  private:
    explicit Path(std::string_view text) : text_(text) {}
    std::string_view text_;
};

// A single name: not empty, no '/', at most NAME_MAX bytes.
bool is_valid_name(std::string_view name);

}  // namespace imfs::core
