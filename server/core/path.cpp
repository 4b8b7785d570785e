#include "core/path.hpp"

#include <cstring>

namespace imfs::core {

Result<Path> Path::parse(const char* text) {
    if (text == nullptr) return fail(EFAULT);
    // strnlen: never read more than PATH_MAX bytes of an unterminated buffer.
    std::size_t length = strnlen(text, PATH_MAX);
    if (length >= PATH_MAX) return fail(ENAMETOOLONG);
    return Path(std::string_view(text, length));
}

Result<Path> Path::parse(std::string_view text) {
    if (text.size() >= PATH_MAX) return fail(ENAMETOOLONG);
    if (text.find('\0') != std::string_view::npos) return fail(EINVAL);
    return Path(text);
}

std::vector<std::string_view> Path::components() const {
    std::vector<std::string_view> parts;
    std::string_view rest = text_;
    while (!rest.empty()) {
        std::size_t slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        if (!part.empty()) parts.push_back(part);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return parts;
}

bool is_valid_name(std::string_view name) {
    return !name.empty() && name.size() <= NAME_MAX && name.find('/') == std::string_view::npos;
}

}  // namespace imfs::core
