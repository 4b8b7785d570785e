// How imfs speaks to its user: coreutils-style messages on stderr and the
// exit statuses scripts test.
#pragma once

#include <string>
#include <string_view>

namespace imfs::cli {

// Exit statuses, as coreutils uses them.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;  // an operation failed
inline constexpr int kExitUsage = 2;    // the command line was wrong

// 'name', as coreutils quotes a file name in a message.
std::string quote(std::string_view name);
// name as coreutils ls and stat print it: bare when it holds only safe
// characters, else shell-quoted.
std::string shell_quote(std::string_view name);

// Prints "imfs: WHAT: strerror(error)" and returns kExitFailure.
int report_error(std::string_view what, int error);
// Prints "imfs: MESSAGE" and returns kExitFailure.
int report_failure(std::string_view message);
// Prints "imfs: COMMAND: MESSAGE" (or "imfs: MESSAGE" for an empty
// command) and the --help hint, and returns kExitUsage.
int report_usage_error(std::string_view command, std::string_view message);

}  // namespace imfs::cli
