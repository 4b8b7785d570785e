// Config problems, reported as compilers report theirs: FILE:LINE:COLUMN.
#pragma once

#include <cstddef>
#include <expected>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace imfs::config {

// A place in a config file. Lines and columns count from 1; columns count
// bytes, as GCC's do.
struct Location {
    std::string file;
    unsigned line = 0;
    unsigned column = 0;

    std::string to_string() const;  // "FILE:LINE:COLUMN", or "FILE" when line is 0
};

struct Diagnostic {
    Location where;
    std::string problem;

    std::string to_string() const;  // "FILE:LINE:COLUMN: problem"
};

using Diagnostics = std::vector<Diagnostic>;

// A value, or every problem found on the way to it (never empty).
template <typename T>
using ConfigResult = std::expected<T, Diagnostics>;

std::ostream& operator<<(std::ostream& out, const Diagnostic& diagnostic);
// One line per diagnostic.
void print(std::ostream& out, const Diagnostics& diagnostics);

// The text of one config file, mapping byte offsets to lines and columns.
class SourceText {
  public:
    SourceText(std::string file, std::string text);

    const std::string& file() const noexcept { return file_; }
    const std::string& text() const noexcept { return text_; }
    Location locate(std::size_t offset) const;

  private:
    std::string file_;
    std::string text_;
    std::vector<std::size_t> line_starts_;  // offset of each line's first byte
};

}  // namespace imfs::config
