// mkdir, rm, rmdir, mv and ln: names in directories.
#include <errno.h>
#include <fcntl.h>

#include <string>

#include "command.hpp"
#include "mode.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

bool is_directory(int session, const std::string& path) {
    struct stat st;
    return imfs_stat(session, path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// mkdir -p: each missing ancestor of path, from the top.
int make_parents(int session, const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        std::string ancestor = path.substr(0, slash);
        if (ancestor.ends_with('/')) continue;
        if (imfs_mkdir(session, ancestor.c_str(), 0777) != 0 && errno != EEXIST)
            return report_error("cannot create directory " + quote(ancestor), errno);
        if (!is_directory(session, ancestor))
            return report_error("cannot create directory " + quote(ancestor), ENOTDIR);
    }
    return kExitSuccess;
}

int make_directory(int session, const std::string& path, bool parents, std::optional<mode_t> mode) {
    if (parents && make_parents(session, path) != kExitSuccess) return kExitFailure;
    if (imfs_mkdir(session, path.c_str(), mode.value_or(0777)) != 0) {
        int error = errno;
        if (parents && error == EEXIST && is_directory(session, path)) return kExitSuccess;
        return report_error("cannot create directory " + quote(path), error);
    }
    // As mkdir -m: the mode exactly, not less the umask.
    if (mode && imfs_chmod(session, path.c_str(), *mode) != 0)
        return report_error("cannot set permissions of " + quote(path), errno);
    return kExitSuccess;
}

int run_mkdir(Context& context, const Arguments& arguments) {
    std::optional<mode_t> mode;
    if (auto text = arguments.value('m')) {
        mode = apply_mode(*text, 0777, true, session_umask(context.session));
        if (!mode) return report_usage_error("mkdir", "invalid mode " + quote(*text));
    }
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        if (make_directory(context.session, path, arguments.has('p'), mode) != kExitSuccess)
            status = kExitFailure;
    }
    return status;
}

class Remover {
  public:
    Remover(int session, bool recursive, bool force)
        : session_(session), recursive_(recursive), force_(force) {}

    int remove_operand(const std::string& path) {
        std::string base = base_name(path);
        if (base == "." || base == "..") {
            return report_failure("refusing to remove '.' or '..' directory: skipping " +
                                  quote(path));
        }
        if (recursive_ && base == "/") {
            return report_failure("it is dangerous to operate recursively on " + quote(path) +
                                  " (the session root)");
        }
        struct stat st;
        if (imfs_lstat(session_, path.c_str(), &st) != 0) {
            if (force_ && errno == ENOENT) return kExitSuccess;
            return report_error("cannot remove " + quote(path), errno);
        }
        return remove(path, st);
    }

  private:
    int remove(const std::string& path, const struct stat& st) {
        if (!S_ISDIR(st.st_mode)) {
            if (imfs_unlink(session_, path.c_str()) == 0) return kExitSuccess;
            return report_error("cannot remove " + quote(path), errno);
        }
        if (!recursive_) return report_error("cannot remove " + quote(path), EISDIR);
        auto entries = read_directory(session_, path, false);
        if (!entries) return report_error("cannot remove " + quote(path), entries.error());
        int status = kExitSuccess;
        for (const auto& entry : *entries) {
            std::string child = join_path(path, entry.name);
            struct stat child_st;
            if (imfs_lstat(session_, child.c_str(), &child_st) != 0) {
                if (errno != ENOENT) status = report_error("cannot remove " + quote(child), errno);
                continue;
            }
            if (remove(child, child_st) != kExitSuccess) status = kExitFailure;
        }
        // A child that stayed makes this fail; its own message said why.
        if (status != kExitSuccess) return status;
        if (imfs_rmdir(session_, path.c_str()) == 0) return kExitSuccess;
        return report_error("cannot remove " + quote(path), errno);
    }

    int session_;
    bool recursive_;
    bool force_;
};

int run_rm(Context& context, const Arguments& arguments) {
    Remover remover(context.session, arguments.has('r') || arguments.has('R'), arguments.has('f'));
    if (arguments.operands().empty() && !arguments.has('f'))
        return report_usage_error("rm", "missing operand");
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        if (remover.remove_operand(path) != kExitSuccess) status = kExitFailure;
    }
    return status;
}

int run_rmdir(Context& context, const Arguments& arguments) {
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        if (imfs_rmdir(context.session, path.c_str()) != 0)
            status = report_error("failed to remove " + quote(path), errno);
    }
    return status;
}

// mv SRC DST, or mv SRC... DIR.
int run_mv(Context& context, const Arguments& arguments) {
    const auto& operands = arguments.operands();
    const std::string& target = operands.back();
    bool into_directory = is_directory(context.session, target);
    if (operands.size() > 2 && !into_directory)
        return report_error("target " + quote(target), ENOTDIR);
    int status = kExitSuccess;
    for (std::size_t i = 0; i + 1 < operands.size(); ++i) {
        const std::string& source = operands[i];
        std::string destination = into_directory ? join_path(target, base_name(source)) : target;
        if (imfs_rename(context.session, source.c_str(), destination.c_str()) == 0) continue;
        int error = errno;
        struct stat st;
        if (imfs_lstat(context.session, source.c_str(), &st) != 0)
            status = report_error("cannot stat " + quote(source), errno);
        else if (error == EINVAL)
            status = report_failure("cannot move " + quote(source) +
                                    " to a subdirectory of itself, " + quote(destination));
        else
            status =
                report_error("cannot move " + quote(source) + " to " + quote(destination), error);
    }
    return status;
}

int run_ln(Context& context, const Arguments& arguments) {
    const std::string& target = arguments.operands()[0];
    std::string link = arguments.operands()[1];
    bool symbolic = arguments.has('s');
    if (is_directory(context.session, link)) link = join_path(link, base_name(target));
    if (arguments.has('f')) {
        struct stat st;
        if (imfs_lstat(context.session, link.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) &&
            imfs_unlink(context.session, link.c_str()) != 0)
            return report_error("cannot remove " + quote(link), errno);
    }
    if (symbolic) {
        if (imfs_symlink(context.session, target.c_str(), link.c_str()) == 0) return kExitSuccess;
        return report_error("failed to create symbolic link " + quote(link), errno);
    }
    if (imfs_link(context.session, target.c_str(), link.c_str()) == 0) return kExitSuccess;
    int error = errno;
    struct stat st;
    if (imfs_lstat(context.session, target.c_str(), &st) != 0)
        return report_error("failed to access " + quote(target), errno);
    return report_error("failed to create hard link " + quote(link) + " => " + quote(target),
                        error);
}

constexpr Flag kMkdirFlags[] = {
    {'p', "parents", "", "make missing parents; no error if PATH is a directory"},
    {'m', "mode", "MODE", "the new directories' mode (octal or symbolic), not less the umask"},
};
constexpr Flag kRmFlags[] = {
    {'r', "recursive", "", "remove directories and what they hold"},
    {'R', "", "", "the same as -r"},
    {'f', "force", "", "ignore missing files"},
};
constexpr Flag kLnFlags[] = {
    {'s', "symbolic", "", "make a symbolic link holding TARGET (as given)"},
    {'f', "force", "", "remove an existing LINK first"},
};

const Command kCommands[] = {
    {"mkdir", "mkdir [-p] [-m MODE] PATH...", "make directories", "", kMkdirFlags, 1, kUnbounded,
     DashOperands::rejected, run_mkdir},
    {"rm", "rm [-r] [-f] PATH...", "remove files (and directories, with -r)",
     "Refuses to remove '.', '..' and, recursively, the session root '/'.", kRmFlags, 0, kUnbounded,
     DashOperands::rejected, run_rm},
    {"rmdir",
     "rmdir PATH...",
     "remove empty directories",
     "",
     {},
     1,
     kUnbounded,
     DashOperands::rejected,
     run_rmdir},
    {"mv",
     "mv SRC DST",
     "rename or move",
     "Renames SRC to DST. If DST is a directory, SRC moves into it; with\n"
     "several sources (mv SRC... DIR) DIR must be one.",
     {},
     2,
     kUnbounded,
     DashOperands::rejected,
     run_mv},
    {"ln", "ln [-s] [-f] TARGET LINK", "make a hard or symbolic link",
     "Makes LINK a new name of TARGET, or with -s a symlink holding TARGET. If\n"
     "LINK is a directory, the link goes inside it under TARGET's name.",
     kLnFlags, 2, 2, DashOperands::rejected, run_ln},
};

}  // namespace

std::span<const Command> name_commands() {
    return kCommands;
}

}  // namespace imfs::cli
