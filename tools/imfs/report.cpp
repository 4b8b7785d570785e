#include "report.hpp"

#include <cstdio>
#include <cstring>

namespace imfs::cli {

std::string quote(std::string_view name) {
    if (name.find('\'') == std::string_view::npos) return "'" + std::string(name) + "'";
    return shell_quote(name);
}

std::string shell_quote(std::string_view name) {
    constexpr std::string_view safe =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,:+@%^=-";
    if (!name.empty() && name.find_first_not_of(safe) == std::string_view::npos)
        return std::string(name);
    if (name.find('\'') == std::string_view::npos) return "'" + std::string(name) + "'";
    if (name.find_first_of("\"$`\\") == std::string_view::npos)
        return "\"" + std::string(name) + "\"";
    std::string quoted = "'";
    for (char c : name) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

int report_error(std::string_view what, int error) {
    std::fprintf(stderr, "imfs: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 std::strerror(error));
    return kExitFailure;
}

int report_failure(std::string_view message) {
    std::fprintf(stderr, "imfs: %.*s\n", static_cast<int>(message.size()), message.data());
    return kExitFailure;
}

int report_usage_error(std::string_view command, std::string_view message) {
    std::string prefix = command.empty() ? "" : std::string(command) + ": ";
    std::string help = command.empty() ? "imfs --help" : "imfs " + std::string(command) + " --help";
    std::fprintf(stderr, "imfs: %s%.*s\nTry '%s' for more information.\n", prefix.c_str(),
                 static_cast<int>(message.size()), message.data(), help.c_str());
    return kExitUsage;
}

}  // namespace imfs::cli
