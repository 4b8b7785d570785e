#include "log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace imfs::net {

namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_write_mutex;

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::error:
            return "error";
        case LogLevel::warn:
            return "warn";
        case LogLevel::info:
            return "info";
        case LogLevel::debug:
            return "debug";
    }
    return "?";
}

// Labels are peer-chosen; a log line must stay one short line.
constexpr std::size_t kMaxQuoted = 256;

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (LogLevel level : {LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug}) {
        if (name == level_name(level)) return level;
    }
    return std::nullopt;
}

void set_log_level(LogLevel level) {
    g_level.store(level, std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) {
    return level <= g_level.load(std::memory_order_relaxed);
}

void write_log_line(LogLevel level, std::string_view message) {
    std::lock_guard lock(g_write_mutex);
    std::fprintf(stderr, "imfsd: %s: %.*s\n", level_name(level), static_cast<int>(message.size()),
                 message.data());
}

std::string quoted(std::string_view untrusted) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < untrusted.size(); ++i) {
        if (i == kMaxQuoted) {
            out += "...";
            break;
        }
        auto c = static_cast<unsigned char>(untrusted[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    return out;
}

}  // namespace imfs::net
