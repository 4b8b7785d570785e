// ls and tree: what a directory holds.
#include <errno.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "command.hpp"
#include "format.hpp"
#include "report.hpp"
#include "session.hpp"

namespace imfs::cli {

namespace {

// One line of a listing: the name to show and the node's metadata.
struct ListedNode {
    std::string name;
    struct stat st;
    std::string link_target;  // for a symlink in a long listing
};

// Prints nodes as ls does: one name per line, or ls -l's aligned columns.
class ListingPrinter {
  public:
    explicit ListingPrinter(bool long_format) : long_format_(long_format), now_(current_time()) {}

    void print(const std::vector<ListedNode>& nodes) const {
        if (!long_format_) {
            for (const auto& node : nodes)
                std::printf("%s\n", node.name.c_str());
            return;
        }
        int links = 0, owner = 0, group = 0, size = 0;
        for (const auto& node : nodes) {
            links = std::max(links, width(std::to_string(node.st.st_nlink)));
            owner = std::max(owner, width(std::to_string(node.st.st_uid)));
            group = std::max(group, width(std::to_string(node.st.st_gid)));
            size = std::max(size, width(size_or_device(node.st)));
        }
        for (const auto& node : nodes) {
            std::string line = mode_string(node.st.st_mode);
            line += " " + pad(std::to_string(node.st.st_nlink), links);
            line += " " + pad(std::to_string(node.st.st_uid), owner);
            line += " " + pad(std::to_string(node.st.st_gid), group);
            line += " " + pad(size_or_device(node.st), size);
            line += " " + listing_time(node.st.st_mtim, now_) + " " + node.name;
            if (S_ISLNK(node.st.st_mode)) line += " -> " + node.link_target;
            std::printf("%s\n", line.c_str());
        }
    }

  private:
    static time_t current_time() {
        struct timespec now {};
        clock_gettime(CLOCK_REALTIME, &now);
        return now.tv_sec;
    }
    static int width(const std::string& text) { return static_cast<int>(text.size()); }
    static std::string pad(const std::string& text, int width) {
        return std::string(
                   static_cast<std::size_t>(std::max(0, width - static_cast<int>(text.size()))),
                   ' ') +
               text;
    }

    bool long_format_;
    time_t now_;
};

class Lister {
  public:
    Lister(int session, bool long_format, bool all)
        : session_(session), long_format_(long_format), all_(all), printer_(long_format) {}

    int run(std::vector<std::string> operands) {
        if (operands.empty()) operands.emplace_back(".");
        std::vector<ListedNode> files;
        std::vector<std::string> directories;
        for (const auto& operand : operands) {
            struct stat st;
            if (!stat_operand(operand, st)) {
                status_ = report_error("cannot access " + quote(operand), errno);
            } else if (S_ISDIR(st.st_mode)) {
                directories.push_back(operand);
            } else {
                files.push_back(make_node(operand, operand, st));
            }
        }
        std::ranges::sort(files, {}, &ListedNode::name);
        std::ranges::sort(directories);
        printer_.print(files);
        bool headers = operands.size() > 1;
        bool first = files.empty();
        for (const auto& directory : directories) {
            if (!first) std::printf("\n");
            if (headers) std::printf("%s:\n", directory.c_str());
            list_directory(directory);
            first = false;
        }
        return status_;
    }

  private:
    // ls -l shows a symlink operand itself; plain ls follows it (and shows
    // a dangling one as it is).
    bool stat_operand(const std::string& path, struct stat& st) const {
        if (!long_format_ && imfs_stat(session_, path.c_str(), &st) == 0) return true;
        return imfs_lstat(session_, path.c_str(), &st) == 0;
    }

    ListedNode make_node(std::string name, const std::string& path, const struct stat& st) {
        ListedNode node{std::move(name), st, {}};
        if (long_format_ && S_ISLNK(st.st_mode)) {
            auto target = read_link(session_, path);
            if (target)
                node.link_target = *target;
            else
                status_ = report_error("cannot read symbolic link " + quote(path), target.error());
        }
        return node;
    }

    void list_directory(const std::string& directory) {
        auto entries = read_directory(session_, directory, all_);
        if (!entries) {
            status_ = report_error("cannot open directory " + quote(directory), entries.error());
            return;
        }
        std::vector<ListedNode> nodes;
        blkcnt_t blocks = 0;
        for (const auto& entry : *entries) {
            if (!all_ && entry.name.starts_with('.')) continue;
            std::string path = join_path(directory, entry.name);
            struct stat st {};
            if (long_format_ && imfs_lstat(session_, path.c_str(), &st) != 0) {
                status_ = report_error("cannot access " + quote(path), errno);
                continue;
            }
            blocks += st.st_blocks;
            nodes.push_back(make_node(entry.name, path, st));
        }
        // ls counts 1024-byte blocks; st_blocks counts 512-byte ones.
        if (long_format_) std::printf("total %lld\n", static_cast<long long>((blocks + 1) / 2));
        printer_.print(nodes);
    }

    int session_;
    bool long_format_;
    bool all_;
    ListingPrinter printer_;
    int status_ = kExitSuccess;
};

int run_ls(Context& context, const Arguments& arguments) {
    return Lister(context.session, arguments.has('l'), arguments.has('a'))
        .run(arguments.operands());
}

// tree: the directory hierarchy below a path, drawn as tree(1) draws it.
class TreePrinter {
  public:
    TreePrinter(int session, bool all) : session_(session), all_(all) {}

    int run(const std::string& root) {
        struct stat st;
        if (imfs_stat(session_, root.c_str(), &st) != 0)
            return report_error("cannot access " + quote(root), errno);
        if (!S_ISDIR(st.st_mode)) return report_error(quote(root), ENOTDIR);
        std::printf("%s\n", root.c_str());
        walk(root, "");
        std::printf("\n%llu director%s, %llu file%s\n", directories_,
                    directories_ == 1 ? "y" : "ies", files_, files_ == 1 ? "" : "s");
        return status_;
    }

  private:
    void walk(const std::string& directory, const std::string& prefix) {
        auto entries = read_directory(session_, directory, false);
        if (!entries) {
            status_ = report_error("cannot open directory " + quote(directory), entries.error());
            return;
        }
        std::erase_if(*entries, [&](const auto& e) { return !all_ && e.name.starts_with('.'); });
        for (std::size_t i = 0; i < entries->size(); ++i) {
            bool last = i + 1 == entries->size();
            const std::string& name = (*entries)[i].name;
            std::string path = join_path(directory, name);
            std::string line = prefix + (last ? "└── " : "├── ") + name;
            struct stat st {};
            if (imfs_lstat(session_, path.c_str(), &st) != 0) {
                status_ = report_error("cannot access " + quote(path), errno);
                continue;
            }
            if (S_ISLNK(st.st_mode)) {
                if (auto target = read_link(session_, path)) line += " -> " + *target;
                // As tree(1): a link to a directory counts as one, unfollowed.
                struct stat target_st {};
                bool to_directory = imfs_stat(session_, path.c_str(), &target_st) == 0 &&
                                    S_ISDIR(target_st.st_mode);
                ++(to_directory ? directories_ : files_);
                std::printf("%s\n", line.c_str());
            } else if (S_ISDIR(st.st_mode)) {
                ++directories_;
                std::printf("%s\n", line.c_str());
                walk(path, prefix + (last ? "    " : "│   "));
            } else {
                ++files_;
                std::printf("%s\n", line.c_str());
            }
        }
    }

    int session_;
    bool all_;
    unsigned long long directories_ = 0;
    unsigned long long files_ = 0;
    int status_ = kExitSuccess;
};

int run_tree(Context& context, const Arguments& arguments) {
    const auto& operands = arguments.operands();
    return TreePrinter(context.session, arguments.has('a'))
        .run(operands.empty() ? "." : operands.front());
}

constexpr Flag kLsFlags[] = {
    {'l', "long", "", "long listing: mode, links, uid, gid, size, mtime, name"},
    {'a', "all", "", "include names that start with '.'"},
};
constexpr Flag kTreeFlags[] = {
    {'a', "all", "", "include names that start with '.'"},
};

const Command kCommands[] = {
    {"ls", "ls [-l] [-a] [PATH...]", "list directory contents",
     "Lists each directory PATH (default: the working directory, the session\n"
     "root) one name per line, sorted by byte value; a PATH that is not a\n"
     "directory is listed itself. -l prints the columns of\n"
     "'ls -l --numeric-uid-gid', symlinks as 'NAME -> TARGET'.",
     kLsFlags, 0, kUnbounded, DashOperands::rejected, run_ls},
    {"tree", "tree [-a] [PATH]", "show the hierarchy below a directory",
     "Draws the directories and files below PATH (default: the working\n"
     "directory) as tree(1) does, then counts them.",
     kTreeFlags, 0, 1, DashOperands::rejected, run_tree},
};

}  // namespace

std::span<const Command> listing_commands() {
    return kCommands;
}

}  // namespace imfs::cli
