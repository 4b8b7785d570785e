#include <algorithm>
#include <cstdio>
#include <vector>

#include "command.hpp"

namespace imfs::cli {

std::span<const Command> all_commands() {
    static const std::vector<Command> table = [] {
        std::vector<Command> commands;
        for (auto group : {listing_commands(), status_commands(), data_commands(), name_commands(),
                           mode_commands(), host_commands(), server_commands()})
            commands.insert(commands.end(), group.begin(), group.end());
        return commands;
    }();
    return table;
}

const Command* find_command(std::string_view name) {
    auto commands = all_commands();
    auto it = std::ranges::find(commands, name, &Command::name);
    return it == commands.end() ? nullptr : &*it;
}

void print_command_help(const Command& command) {
    std::printf("Usage: imfs [-e ENDPOINT] [-l LABEL] %.*s\n%.*s\n",
                static_cast<int>(command.synopsis.size()), command.synopsis.data(),
                static_cast<int>(command.summary.size()), command.summary.data());
    if (!command.description.empty())
        std::printf("\n%.*s\n", static_cast<int>(command.description.size()),
                    command.description.data());
    std::printf("\nOptions:\n");
    auto print_flag = [](std::string left, std::string_view help) {
        std::printf("  %-22s %.*s\n", left.c_str(), static_cast<int>(help.size()), help.data());
    };
    for (const Flag& flag : command.flags) {
        std::string left = std::string("-") + flag.letter;
        if (!flag.long_name.empty()) left += ", --" + std::string(flag.long_name);
        if (flag.takes_value()) left += " " + std::string(flag.value_name);
        print_flag(left, flag.help);
    }
    print_flag("-h, --help", "show this help and exit");
}

}  // namespace imfs::cli
