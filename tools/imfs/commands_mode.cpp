// chmod: permission bits.
#include <errno.h>

#include "command.hpp"
#include "mode.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

int run_chmod(Context& context, const Arguments& arguments) {
    const auto& operands = arguments.operands();
    const std::string& text = operands[0];
    mode_t umask = session_umask(context.session);
    if (!apply_mode(text, 0, false, umask))
        return report_usage_error("chmod", "invalid mode: " + quote(text));
    int status = kExitSuccess;
    for (std::size_t i = 1; i < operands.size(); ++i) {
        const std::string& path = operands[i];
        struct stat st;
        if (imfs_stat(context.session, path.c_str(), &st) != 0) {
            status = report_error("cannot access " + quote(path), errno);
            continue;
        }
        mode_t mode = *apply_mode(text, st.st_mode, S_ISDIR(st.st_mode), umask);
        if (imfs_chmod(context.session, path.c_str(), mode) != 0)
            status = report_error("changing permissions of " + quote(path), errno);
    }
    return status;
}

const Command kCommands[] = {
    {"chmod",
     "chmod MODE PATH...",
     "change permission bits",
     "MODE is octal (755) or symbolic as in chmod(1): u+x, go-w, a=rX, u=g,\n"
     "+t. A symlink PATH changes its target.",
     {},
     2,
     kUnbounded,
     DashOperands::accepted,
     run_chmod},
};

}  // namespace

std::span<const Command> mode_commands() {
    return kCommands;
}

}  // namespace imfs::cli
