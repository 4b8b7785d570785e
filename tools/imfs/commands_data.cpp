// cat, put, get and touch: the bytes of files, and their times.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "command.hpp"
#include "copy.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

constexpr int kStdin = 0;
constexpr int kStdout = 1;

auto host_reader(int fd) {
    return [fd](char* buffer, size_t size) { return ::read(fd, buffer, size); };
}
auto host_writer(int fd) {
    return [fd](const char* buffer, size_t size) { return ::write(fd, buffer, size); };
}
auto session_reader(int session, int fd) {
    return [=](char* buffer, size_t size) { return imfs_read(session, fd, buffer, size); };
}
auto session_writer(int session, int fd) {
    return [=](const char* buffer, size_t size) { return imfs_write(session, fd, buffer, size); };
}

bool is_session_directory(int session, const std::string& path) {
    struct stat st;
    return imfs_stat(session, path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_host_directory(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int run_cat(Context& context, const Arguments& arguments) {
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        SessionFd file(context.session, imfs_open(context.session, path.c_str(), O_RDONLY));
        if (!file.valid()) {
            status = report_error(path, errno);
            continue;
        }
        auto failed =
            copy_stream(session_reader(context.session, file.get()), host_writer(kStdout));
        if (failed && failed->side == CopyError::Side::destination)
            return report_error("write error", failed->error);
        if (failed) status = report_error(path, failed->error);
    }
    return status;
}

int run_put(Context& context, const Arguments& arguments) {
    const std::string& source = arguments.operands()[0];
    std::string destination = arguments.operands()[1];
    bool from_stdin = source == "-";
    HostFd opened(from_stdin ? -1 : ::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!from_stdin && !opened.valid())
        return report_error("cannot open " + quote(source) + " for reading", errno);
    int input = from_stdin ? kStdin : opened.get();
    mode_t mode = 0666;
    if (!from_stdin) {
        struct stat st;
        if (::fstat(input, &st) != 0) return report_error("cannot stat " + quote(source), errno);
        if (S_ISDIR(st.st_mode)) return report_error(quote(source), EISDIR);
        mode = st.st_mode & 0777;
    }
    if (!from_stdin && is_session_directory(context.session, destination))
        destination = join_path(destination, base_name(source));

    SessionFd output(context.session, imfs_open(context.session, destination.c_str(),
                                                O_WRONLY | O_CREAT | O_TRUNC, mode));
    if (!output.valid())
        return report_error("cannot create regular file " + quote(destination), errno);
    auto failed = copy_stream(host_reader(input), session_writer(context.session, output.get()));
    if (!failed) return kExitSuccess;
    if (failed->side == CopyError::Side::source)
        return report_error("error reading " + quote(from_stdin ? "standard input" : source),
                            failed->error);
    return report_error("error writing " + quote(destination), failed->error);
}

int run_get(Context& context, const Arguments& arguments) {
    const std::string& source = arguments.operands()[0];
    std::string destination = arguments.operands()[1];
    bool to_stdout = destination == "-";
    SessionFd input(context.session, imfs_open(context.session, source.c_str(), O_RDONLY));
    if (!input.valid()) return report_error("cannot open " + quote(source) + " for reading", errno);
    struct stat st;
    if (imfs_fstat(context.session, input.get(), &st) != 0)
        return report_error("cannot stat " + quote(source), errno);
    if (S_ISDIR(st.st_mode)) return report_error(quote(source), EISDIR);
    if (!to_stdout && is_host_directory(destination))
        destination = join_path(destination, base_name(source));

    HostFd opened(to_stdout ? -1
                            : ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                     st.st_mode & 0777));
    if (!to_stdout && !opened.valid())
        return report_error("cannot create regular file " + quote(destination), errno);
    int output = to_stdout ? kStdout : opened.get();
    auto failed = copy_stream(session_reader(context.session, input.get()), host_writer(output));
    if (failed && failed->side == CopyError::Side::source)
        return report_error("error reading " + quote(source), failed->error);
    std::string shown = to_stdout ? "standard output" : destination;
    if (failed) return report_error("error writing " + quote(shown), failed->error);
    if (int error = opened.close()) return report_error("error writing " + quote(shown), error);
    return kExitSuccess;
}

// As touch(1): open (creating) and set the times through the descriptor;
// what cannot be opened for writing (a directory) gets utimensat.
int touch_one(int session, const std::string& path, bool create) {
    if (imfs_utimensat(session, AT_FDCWD, path.c_str(), nullptr, 0) == 0) return kExitSuccess;
    int error = errno;
    if (error != ENOENT) return report_error("setting times of " + quote(path), error);
    if (!create) return kExitSuccess;
    SessionFd file(session,
                   imfs_open(session, path.c_str(), O_WRONLY | O_CREAT | O_NONBLOCK, 0666));
    if (!file.valid()) return report_error("cannot touch " + quote(path), errno);
    return kExitSuccess;
}

int run_touch(Context& context, const Arguments& arguments) {
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        if (touch_one(context.session, path, !arguments.has('c')) != kExitSuccess)
            status = kExitFailure;
    }
    return status;
}

constexpr Flag kTouchFlags[] = {
    {'c', "no-create", "", "do not create files that do not exist"},
};

const Command kCommands[] = {
    {"cat",
     "cat PATH...",
     "print files to standard output",
     "",
     {},
     1,
     kUnbounded,
     DashOperands::rejected,
     run_cat},
    {"put",
     "put HOST_PATH PATH",
     "copy a host file into IMFS",
     "Copies the host file HOST_PATH ('-': standard input) to PATH, creating or\n"
     "truncating it; a new file takes HOST_PATH's permissions less the umask.\n"
     "If PATH is a directory, the copy goes inside it under HOST_PATH's name.",
     {},
     2,
     2,
     DashOperands::rejected,
     run_put},
    {"get",
     "get PATH HOST_PATH",
     "copy a file out of IMFS to the host",
     "Copies PATH to the host file HOST_PATH ('-': standard output), creating\n"
     "or truncating it. If HOST_PATH is a directory, the copy goes inside it.",
     {},
     2,
     2,
     DashOperands::rejected,
     run_get},
    {"touch", "touch [-c] PATH...", "set times to now, creating empty files", "", kTouchFlags, 1,
     kUnbounded, DashOperands::rejected, run_touch},
};

}  // namespace

std::span<const Command> data_commands() {
    return kCommands;
}

}  // namespace imfs::cli
