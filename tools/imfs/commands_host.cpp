// load, dump and preload: host files in and out through the C API's own
// copy calls (imfs_load_file, imfs_dump_file, imfs_preloads).
#include <errno.h>

#include <cstdlib>
#include <string>

#include "command.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

int run_load(Context& context, const Arguments& arguments) {
    int status = kExitSuccess;
    for (const auto& host_path : arguments.operands()) {
        if (imfs_load_file(context.session, host_path.c_str()) != 0)
            status = report_error("cannot load " + quote(host_path), errno);
    }
    return status;
}

int run_dump(Context& context, const Arguments& arguments) {
    const std::string& path = arguments.operands()[0];
    const std::string& host_path = arguments.operands()[1];
    if (imfs_dump_file(context.session, path.c_str(), host_path.c_str()) != 0)
        return report_error("cannot dump " + quote(path) + " to " + quote(host_path), errno);
    return kExitSuccess;
}

// As the Lind grate: the files named on the command line, else those of
// the PRELOADS variable. Each argument may itself be a ':'-list.
int run_preload(Context& context, const Arguments& arguments) {
    const auto& operands = arguments.operands();
    if (!operands.empty()) {
        int status = kExitSuccess;
        for (const auto& list : operands) {
            if (imfs_preloads(context.session, list.c_str()) != 0)
                status = report_error("cannot preload " + quote(list), errno);
        }
        return status;
    }
    const char* list = std::getenv("PRELOADS");
    if (list == nullptr)
        return report_usage_error("preload", "no files: give FILE arguments or set PRELOADS");
    if (imfs_preloads(context.session, list) != 0)
        return report_error("cannot preload PRELOADS=" + quote(list), errno);
    return kExitSuccess;
}

const Command kCommands[] = {
    {"load",
     "load HOST_PATH...",
     "copy host files in under the same paths",
     "Copies each host file to the same path inside the session (a relative\n"
     "one from the working directory), making missing directories (0755) and\n"
     "keeping the file's mode: imfs_load_file().",
     {},
     1,
     kUnbounded,
     DashOperands::rejected,
     run_load},
    {"dump",
     "dump PATH HOST_PATH",
     "copy a file out to a host path",
     "Copies PATH to the host file HOST_PATH: imfs_dump_file().",
     {},
     2,
     2,
     DashOperands::rejected,
     run_dump},
    {"preload",
     "preload [FILE...]",
     "load the files the Lind grate preloads",
     "Loads each FILE (each may be a ':'-separated list) as 'imfs load' does;\n"
     "without FILE, the ':'-separated list in the PRELOADS environment\n"
     "variable: imfs_preloads(). The first file that fails stops its list.",
     {},
     0,
     kUnbounded,
     DashOperands::rejected,
     run_preload},
};

}  // namespace

std::span<const Command> host_commands() {
    return kCommands;
}

}  // namespace imfs::cli
