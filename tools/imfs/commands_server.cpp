// snapshot: what an operator asks of the server itself, not of the files.
#include <errno.h>

#include <string>

#include "command.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

int run_snapshot(Context& context, const Arguments&) {
    if (imfs_snapshot(context.session) == 0) return kExitSuccess;
    int error = errno;
    if (error == ENOTSUP) {
        return report_failure(context.endpoint == "mem:"
                                  ? "cannot write a snapshot: mem: is not a server"
                                  : "cannot write a snapshot: the server at " +
                                        quote(context.endpoint) + " has no --snapshot FILE");
    }
    return report_error("cannot write a snapshot", error);
}

const Command kCommands[] = {
    {"snapshot",
     "snapshot",
     "make the server write its snapshot now",
     "Asks the imfsd at the endpoint to write its whole tree to the file it\n"
     "was started with (imfsd --snapshot FILE) as a tar archive, atomically,\n"
     "and waits until the file is in place. The label's policy must be\n"
     "trusted (trusted=\"yes\"); a server without a config trusts every label.",
     {},
     0,
     0,
     DashOperands::rejected,
     run_snapshot},
};

}  // namespace

std::span<const Command> server_commands() {
    return kCommands;
}

}  // namespace imfs::cli
