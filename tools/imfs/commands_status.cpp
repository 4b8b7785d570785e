// stat and df: one node's metadata, the file system's usage.
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "format.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

// As stat(1): the host's name for an id, or UNKNOWN.
std::string user_name(uid_t uid) {
    struct passwd* entry = ::getpwuid(uid);
    return entry ? entry->pw_name : "UNKNOWN";
}

std::string group_name(gid_t gid) {
    struct group* entry = ::getgrgid(gid);
    return entry ? entry->gr_name : "UNKNOWN";
}

// stat(1)'s default format (coreutils 9).
void print_stat(const std::string& name, const std::string& link_target, const struct stat& st) {
    std::string shown = shell_quote(name);
    if (S_ISLNK(st.st_mode)) shown += " -> " + shell_quote(link_target);
    std::printf("  File: %s\n", shown.c_str());
    std::printf("  Size: %-10lld\tBlocks: %-10lld IO Block: %-6ld %s\n",
                static_cast<long long>(st.st_size), static_cast<long long>(st.st_blocks),
                static_cast<long>(st.st_blksize), file_type_name(st).c_str());
    std::printf("Device: %u,%u\tInode: %-10llu  Links: ", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        std::printf("%-5lu Device type: %u,%u\n", static_cast<unsigned long>(st.st_nlink),
                    major(st.st_rdev), minor(st.st_rdev));
    } else {
        std::printf("%lu\n", static_cast<unsigned long>(st.st_nlink));
    }
    std::printf("Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n",
                static_cast<unsigned>(st.st_mode & 07777), mode_string(st.st_mode).c_str(),
                static_cast<unsigned>(st.st_uid), user_name(st.st_uid).c_str(),
                static_cast<unsigned>(st.st_gid), group_name(st.st_gid).c_str());
    std::printf("Access: %s\nModify: %s\nChange: %s\n Birth: -\n", full_time(st.st_atim).c_str(),
                full_time(st.st_mtim).c_str(), full_time(st.st_ctim).c_str());
}

int run_stat(Context& context, const Arguments& arguments) {
    bool follow = arguments.has('L');
    int status = kExitSuccess;
    for (const auto& path : arguments.operands()) {
        struct stat st;
        int rc = follow ? imfs_stat(context.session, path.c_str(), &st)
                        : imfs_lstat(context.session, path.c_str(), &st);
        if (rc != 0) {
            status = report_error("cannot stat " + quote(path), errno);
            continue;
        }
        std::string target;
        if (S_ISLNK(st.st_mode)) target = read_link(context.session, path).value_or("?");
        print_stat(path, target, st);
    }
    return status;
}

// A table printed as df prints it: the first and last columns to the
// left, the numbers to the right, each as wide as its widest cell.
void print_table(const std::vector<std::array<std::string, 6>>& rows) {
    std::array<std::size_t, 6> widths{14, 0, 0, 0, 0, 0};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            std::string padding(widths[c] - row[c].size(), ' ');
            if (c > 0) line += ' ';
            if (c == 0)
                line += row[c] + padding;
            else if (c == row.size() - 1)
                line += row[c];
            else
                line += padding + row[c];
        }
        std::printf("%s\n", line.c_str());
    }
}

std::string percent_used(unsigned long long used, unsigned long long available) {
    if (used + available == 0) return "-";
    // Rounded up, as df does: a nearly full file system never shows 99%.
    unsigned long long total = used + available;
    return std::to_string((used * 100 + total - 1) / total) + "%";
}

int run_df(Context& context, const Arguments& arguments) {
    std::string path = arguments.operands().empty() ? "/" : arguments.operands().front();
    struct statvfs vfs;
    if (imfs_statvfs(context.session, path.c_str(), &vfs) != 0)
        return report_error(quote(path), errno);
    std::vector<std::array<std::string, 6>> rows;
    if (arguments.has('i')) {
        unsigned long long used = vfs.f_files - vfs.f_ffree;
        rows.push_back({"Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on"});
        rows.push_back({context.endpoint, std::to_string(vfs.f_files), std::to_string(used),
                        std::to_string(vfs.f_favail), percent_used(used, vfs.f_favail), path});
    } else {
        unsigned long long unit = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
        auto kib = [&](unsigned long long blocks) { return (blocks * unit + 1023) / 1024; };
        unsigned long long used = kib(vfs.f_blocks - vfs.f_bfree);
        unsigned long long available = kib(vfs.f_bavail);
        rows.push_back({"Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on"});
        rows.push_back({context.endpoint, std::to_string(kib(vfs.f_blocks)), std::to_string(used),
                        std::to_string(available), percent_used(used, available), path});
    }
    print_table(rows);
    return kExitSuccess;
}

constexpr Flag kStatFlags[] = {
    {'L', "dereference", "", "follow symlinks"},
};
constexpr Flag kDfFlags[] = {
    {'i', "inodes", "", "count inodes instead of 1K blocks"},
};

const Command kCommands[] = {
    {"stat", "stat [-L] PATH...", "show a node's metadata",
     "Prints every field of PATH's metadata in the default format of\n"
     "coreutils stat(1). A symlink is shown itself unless -L is given.",
     kStatFlags, 1, kUnbounded, DashOperands::rejected, run_stat},
    {"df", "df [-i] [PATH]", "show the file system's size and usage",
     "Prints the size, use and free space of the file system holding PATH\n"
     "(default: /) in 1K blocks, or its inodes with -i. The Filesystem column\n"
     "names the endpoint.",
     kDfFlags, 0, 1, DashOperands::rejected, run_df},
};

}  // namespace

std::span<const Command> status_commands() {
    return kCommands;
}

}  // namespace imfs::cli
