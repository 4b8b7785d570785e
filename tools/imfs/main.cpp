// imfs: the IMFS command line. Parses the global options, finds the command,
// parses its arguments (arguments.hpp), opens one session and runs it.
#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "command.hpp"
#include "report.hpp"
#include "session.hpp"

namespace {

using namespace imfs::cli;

constexpr std::string_view kDefaultLabel = "imfs";

struct GlobalOptions {
    std::optional<std::string> endpoint;
    std::optional<std::string> label;
    bool help = false;
    bool version = false;
    int command_index = 0;  // index in argv of the command; 0: none
};

void print_help() {
    std::printf(
        "Usage: imfs [-e ENDPOINT] [-l LABEL] COMMAND [ARGS...]\n"
        "Work with the files of an IMFS session from the shell.\n\nCommands:\n");
    for (const Command& command : all_commands()) {
        std::printf("  %-30.*s %.*s\n", static_cast<int>(command.synopsis.size()),
                    command.synopsis.data(), static_cast<int>(command.summary.size()),
                    command.summary.data());
    }
    std::printf(
        "\nOptions:\n"
        "  -e, --endpoint ENDPOINT  where the file system is: unix:PATH or tcp:HOST:PORT\n"
        "                           (an imfsd server), or mem: (a tree inside this\n"
        "                           process: empty at start, gone when imfs exits)\n"
        "  -l, --label LABEL        the session label the server's policies see\n"
        "                           (default: %.*s)\n"
        "  -h, --help               show this help and exit\n"
        "  -V, --version            show the version and exit\n"
        "\nEnvironment:\n"
        "  IMFS_ENDPOINT  the endpoint when -e is not given\n"
        "  IMFS_LABEL     the label when -l is not given\n"
        "  PRELOADS       ':'-separated host files for 'imfs preload' without arguments\n"
        "\n'imfs COMMAND --help' describes one command.\n"
        "Exit status: 0 on success, 1 if an operation failed, 2 for a usage error.\n",
        static_cast<int>(kDefaultLabel.size()), kDefaultLabel.data());
}

// The options before the command. Returns the usage error, if any.
std::optional<std::string> parse_global_options(int argc, char** argv, GlobalOptions& options) {
    for (int i = 1; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word == "--") {
            if (i + 1 < argc) options.command_index = i + 1;
            return std::nullopt;
        }
        if (word.size() < 2 || word[0] != '-') {
            options.command_index = i;
            return std::nullopt;
        }
        if (word == "-h" || word == "--help") {
            options.help = true;
            continue;
        }
        if (word == "-V" || word == "--version") {
            options.version = true;
            continue;
        }
        std::optional<std::string>* target = nullptr;
        std::string_view rest;
        if (word.starts_with("--endpoint") || word.starts_with("--label")) {
            bool endpoint = word.starts_with("--endpoint");
            std::string_view name = endpoint ? "--endpoint" : "--label";
            rest = word.substr(name.size());
            if (!rest.empty() && rest[0] != '=')
                return "unrecognized option '" + std::string(word) + "'";
            if (!rest.empty())
                rest.remove_prefix(1);
            else if (i + 1 < argc)
                rest = argv[++i];
            else
                return "option '" + std::string(name) + "' requires an argument";
            target = endpoint ? &options.endpoint : &options.label;
        } else if (word[1] == 'e' || word[1] == 'l') {
            rest = word.substr(2);
            if (rest.empty()) {
                if (i + 1 >= argc)
                    return std::string("option requires an argument -- '") + word[1] + "'";
                rest = argv[++i];
            }
            target = word[1] == 'e' ? &options.endpoint : &options.label;
        } else if (word.starts_with("--")) {
            return "unrecognized option '" + std::string(word) + "'";
        } else {
            return std::string("invalid option -- '") + word[1] + "'";
        }
        *target = std::string(rest);
    }
    return std::nullopt;
}

std::optional<std::string> environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
}

int report_session_error(const std::string& endpoint, const std::string& label, int error) {
    switch (error) {
        case EINVAL:
            return report_failure("invalid endpoint " + quote(endpoint) +
                                  ": expected unix:PATH, tcp:HOST:PORT or mem:");
        case EACCES:
            return report_error("no session for label " + quote(label) + " at " + quote(endpoint),
                                error);
        case EPROTONOSUPPORT:
            return report_failure("the server at " + quote(endpoint) +
                                  " speaks another protocol version");
        default:
            return report_error("cannot connect to " + quote(endpoint), error);
    }
}

// What is written to stdout must have reached it: a full disk or a closed
// pipe is a failure, as in coreutils.
int finish(int status) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        report_error("write error", errno != 0 ? errno : EIO);
        return kExitFailure;
    }
    return status;
}

int run(int argc, char** argv) {
    GlobalOptions options;
    if (auto error = parse_global_options(argc, argv, options))
        return report_usage_error("", *error);
    if (options.help) {
        print_help();
        return kExitSuccess;
    }
    if (options.version) {
        std::printf("imfs %s\n", IMFS_VERSION);
        return kExitSuccess;
    }
    if (options.command_index == 0) return report_usage_error("", "missing command");

    std::string_view name = argv[options.command_index];
    const Command* command = find_command(name);
    if (command == nullptr) return report_usage_error("", quote(name) + " is not an imfs command");

    std::span<char* const> words(argv + options.command_index + 1,
                                 static_cast<std::size_t>(argc - options.command_index - 1));
    auto arguments = parse_arguments(command->flags, words, command->dash_operands);
    if (!arguments) return report_usage_error(command->name, arguments.error());
    if (arguments->help_requested()) {
        print_command_help(*command);
        return kExitSuccess;
    }
    const auto& operands = arguments->operands();
    if (operands.size() < command->min_operands) {
        return report_usage_error(
            command->name, operands.empty() ? "missing operand"
                                            : "missing operand after " + quote(operands.back()));
    }
    if (operands.size() > command->max_operands)
        return report_usage_error(command->name,
                                  "extra operand " + quote(operands[command->max_operands]));

    std::optional<std::string> endpoint = options.endpoint;
    if (!endpoint) endpoint = environment("IMFS_ENDPOINT");
    if (!endpoint) {
        return report_usage_error(
            "",
            "no endpoint: give -e ENDPOINT or set IMFS_ENDPOINT (unix:PATH or "
            "tcp:HOST:PORT of an imfsd; mem: is a tree that lives only as long as "
            "this command)");
    }
    std::string label =
        options.label.value_or(environment("IMFS_LABEL").value_or(std::string(kDefaultLabel)));

    auto session = Session::open(*endpoint, label);
    if (!session) return report_session_error(*endpoint, label, session.error());
    Context context{session->id(), *endpoint};
    return command->run(context, *arguments);
}

}  // namespace

int main(int argc, char** argv) {
    return finish(run(argc, argv));
}
