#include "config/diagnostic.hpp"

#include <algorithm>
#include <ostream>

namespace imfs::config {

std::string Location::to_string() const {
    if (line == 0) return file;  // the file as a whole (it cannot be read)
    return file + ':' + std::to_string(line) + ':' + std::to_string(column);
}

std::string Diagnostic::to_string() const {
    return where.to_string() + ": " + problem;
}

std::ostream& operator<<(std::ostream& out, const Diagnostic& diagnostic) {
    return out << diagnostic.to_string();
}

void print(std::ostream& out, const Diagnostics& diagnostics) {
    for (const Diagnostic& diagnostic : diagnostics)
        out << diagnostic << '\n';
}

SourceText::SourceText(std::string file, std::string text)
    : file_(std::move(file)), text_(std::move(text)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
        if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
}

Location SourceText::locate(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(after - line_starts_.begin());
    std::size_t column = offset - line_starts_[line - 1] + 1;
    return Location{file_, static_cast<unsigned>(line), static_cast<unsigned>(column)};
}

}  // namespace imfs::config
