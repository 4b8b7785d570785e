// A command of the imfs tool: its name, its flags and help as data, and the
// function that runs it on an open session. Each group of commands lives in
// its own commands_*.cpp and adds itself to the table in commands.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "arguments.hpp"

namespace imfs::cli {

// What a running command may use: the session, and how it was reached.
struct Context {
    int session;
    std::string endpoint;
};

struct Command {
    std::string_view name;
    std::string_view synopsis;     // after "imfs ": "ls [-l] [-a] [PATH...]"
    std::string_view summary;      // one line for "imfs --help"
    std::string_view description;  // more lines for "imfs COMMAND --help"; may be empty
    std::span<const Flag> flags;
    std::size_t min_operands;
    std::size_t max_operands;  // kUnbounded: any number
    DashOperands dash_operands;
    // Returns the exit status; has printed its own messages.
    int (*run)(Context& context, const Arguments& arguments);
};

inline constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);

// Every command, in the order "imfs --help" lists them.
std::span<const Command> all_commands();
// The command called name, or nullptr.
const Command* find_command(std::string_view name);
// "imfs COMMAND --help".
void print_command_help(const Command& command);

// The groups, each defined in its own source file.
std::span<const Command> listing_commands();  // ls, tree
std::span<const Command> status_commands();   // stat, df
std::span<const Command> data_commands();     // cat, put, get, touch
std::span<const Command> name_commands();     // mkdir, rm, rmdir, mv, ln
std::span<const Command> mode_commands();     // chmod
std::span<const Command> host_commands();     // load, dump, preload
std::span<const Command> server_commands();   // snapshot

}  // namespace imfs::cli
