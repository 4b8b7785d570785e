// imfsd's log: one line per event on stderr, filtered by level. Thread-safe.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace imfs::net {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

// "error", "warn", "info" or "debug"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

// Writes one whole line (the level, then message) atomically.
void write_log_line(LogLevel level, std::string_view message);

// log(LogLevel::info, "session opened: ", label): the arguments streamed
// into one line, only built when the level is enabled.
template <typename... Parts>
void log(LogLevel level, const Parts&... parts) {
    if (!log_enabled(level)) return;
    std::ostringstream line;
    (line << ... << parts);
    write_log_line(level, line.str());
}

// A peer-supplied string made safe for one log line: quoted, with control
// bytes, quotes and backslashes escaped, cut at a bounded length.
std::string quoted(std::string_view untrusted);

}  // namespace imfs::net
