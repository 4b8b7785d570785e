#include "config/values.hpp"

#include <climits>
#include <cstdio>
#include <limits>

namespace imfs::config {

namespace {

std::string in_quotes(std::string_view text) {
    return '\'' + std::string(text) + '\'';
}

}  // namespace

ValueResult<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
    if (text.empty()) return std::unexpected("an empty number");
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::unexpected(in_quotes(text) + " is not a decimal number");
        }
        unsigned digit = static_cast<unsigned>(c - '0');
        if (value > (max - digit) / 10) {
            return std::unexpected(in_quotes(text) + " is too large (at most " +
                                   std::to_string(max) + ")");
        }
        value = value * 10 + digit;
    }
    return value;
}

ValueResult<std::uint64_t> parse_inode_count(std::string_view text) {
    return parse_number(text, std::uint64_t{1} << 32);
}

ValueResult<std::uint64_t> parse_size(std::string_view text) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    unsigned shift = 0;
    std::string_view digits = text;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K':
            case 'k':
                shift = 10;
                break;
            case 'M':
            case 'm':
                shift = 20;
                break;
            case 'G':
            case 'g':
                shift = 30;
                break;
            case 'T':
            case 't':
                shift = 40;
                break;
            default:
                break;
        }
        if (shift != 0) digits.remove_suffix(1);
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::unexpected(in_quotes(text) +
                               " is not a size (digits with an optional K, M, G or T)");
    }
    auto value = parse_number(digits, kMax >> shift);
    if (!value) return std::unexpected(in_quotes(text) + " is too large");
    return *value << shift;
}

ValueResult<mode_t> parse_mode(std::string_view text, mode_t max) {
    if (text.empty() || text.size() > 12 ||
        text.find_first_not_of("01234567") != std::string_view::npos) {
        return std::unexpected(in_quotes(text) + " is not an octal mode");
    }
    std::uint64_t value = 0;
    for (char c : text)
        value = value * 8 + static_cast<unsigned>(c - '0');
    if (value > max) {
        char limit[16];
        std::snprintf(limit, sizeof limit, "%04o", static_cast<unsigned>(max));
        return std::unexpected(in_quotes(text) + " is not a mode (at most " + limit + ")");
    }
    return static_cast<mode_t>(value);
}

ValueResult<std::uint32_t> parse_id(std::string_view text) {
    auto value = parse_number(text, std::numeric_limits<std::uint32_t>::max() - 1);
    if (!value) return std::unexpected(value.error());
    return static_cast<std::uint32_t>(*value);
}

ValueResult<bool> parse_bool(std::string_view text) {
    if (text == "yes" || text == "true") return true;
    if (text == "no" || text == "false") return false;
    return std::unexpected(in_quotes(text) + " is not yes or no");
}

ValueResult<void> check_entry_name(std::string_view name) {
    if (name.empty()) return std::unexpected("an empty name");
    if (name == "." || name == "..") return std::unexpected(in_quotes(name) + " is not a name");
    if (name.find('/') != std::string_view::npos) {
        return std::unexpected("name " + in_quotes(name) + " contains '/'");
    }
    if (name.size() > NAME_MAX) {
        return std::unexpected("name " + in_quotes(name.substr(0, 16)) + "... is longer than " +
                               std::to_string(NAME_MAX) + " bytes");
    }
    return {};
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(kUnits)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

}  // namespace imfs::config
