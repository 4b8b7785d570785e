// The tree from <content>, then the policy roots checked against it.
#include <fcntl.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "config/content_sources.hpp"
#include "config/host_file.hpp"
#include "config/values.hpp"

namespace imfs::config {

core::Limits machine_default_limits() {
    core::Limits limits;
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0) {
        limits.max_bytes =
            static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) / 2;
    }
    return limits;
}

namespace {

constexpr mode_t kDirMode = 0755;
constexpr mode_t kFileMode = 0644;

std::string child_path(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
}

void fill_directory(LoadContext& context, int dir, const std::string& path,
                    const std::vector<ContentNode>& entries);

void fill_entry(LoadContext& context, int dir, const std::string& dir_path,
                const ContentNode& node) {
    TreeWriter& writer = context.writer;
    std::string path = child_path(dir_path, node.name);
    auto failed = [&](int error) {
        context.fail(node, "cannot create '" + path + "': " + std::strerror(error));
    };
    auto check = [&](core::Result<void> result, std::uint64_t& counter) {
        if (!result) return failed(result.error().value);
        ++counter;
    };
    using Kind = ContentNode::Kind;
    switch (node.kind) {
        case Kind::dir: {
            auto made =
                writer.make_dir(dir, node.name, node.mode.value_or(kDirMode), node.uid, node.gid);
            if (!made) return failed(made.error().value);
            TreeFd child(writer, *made);
            ++context.report.directories;
            fill_directory(context, child.get(), path, node.children);
            return;
        }
        case Kind::rom: {
            auto data = read_host_file(node.host_path);
            if (!data) {
                return context.fail(
                    node, "<rom> source '" + node.host_path + "': " + std::strerror(data.error()));
            }
            check(writer.make_file(dir, node.name, *data, node.mode.value_or(kFileMode), node.uid,
                                   node.gid),
                  context.report.files);
            context.report.bytes += data->size();
            return;
        }
        case Kind::inline_text:
            check(writer.make_file(dir, node.name, node.text, node.mode.value_or(kFileMode),
                                   node.uid, node.gid),
                  context.report.files);
            context.report.bytes += node.text.size();
            return;
        case Kind::symlink:
            check(writer.make_symlink(dir, node.name, node.text, node.uid, node.gid),
                  context.report.symlinks);
            return;
        case Kind::import_tree:
        case Kind::tar: {
            int target = dir;
            std::optional<TreeFd> own;
            if (!node.name.empty()) {
                auto made = writer.make_dir(dir, node.name, kDirMode, 0, 0);
                if (!made) return failed(made.error().value);
                own.emplace(writer, *made);
                target = *made;
                ++context.report.directories;
            }
            if (node.kind == Kind::tar) {
                unpack_tar(context, node, target, own.has_value());
            } else {
                import_host_tree(context, node, target, own.has_value());
            }
            return;
        }
    }
}

void fill_directory(LoadContext& context, int dir, const std::string& path,
                    const std::vector<ContentNode>& entries) {
    for (const ContentNode& node : entries)
        fill_entry(context, dir, path, node);
}

}  // namespace

std::string LoadReport::to_string() const {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f s",
                  std::chrono::duration<double>(elapsed).count());
    return "loaded " + std::to_string(directories) + " directories, " + std::to_string(files) +
           " files, " + std::to_string(symlinks) + " symlinks, " + std::to_string(hard_links) +
           " hard links, " + human_bytes(bytes) + " in " + seconds;
}

ConfigResult<LoadReport> populate(core::FileSystem& fs, const Config& config) {
    auto started = std::chrono::steady_clock::now();
    LoadReport report;
    Diagnostics problems;
    Location whole{config.file, 0, 0};
    auto writer = TreeWriter::open(fs);
    if (!writer) {
        return std::unexpected(Diagnostics{
            {whole, std::string("cannot open a session: ") + std::strerror(writer.error().value)}});
    }
    auto root = writer->open_root();
    if (!root) {
        return std::unexpected(Diagnostics{
            {whole, std::string("cannot open '/': ") + std::strerror(root.error().value)}});
    }
    {
        TreeFd root_fd(*writer, *root);
        LoadContext context{*writer, report, problems};
        fill_directory(context, root_fd.get(), "/", config.content);
    }
    if (!problems.empty()) return std::unexpected(std::move(problems));
    IMFS_TRY(check_policy_roots(fs, config));
    report.elapsed = std::chrono::steady_clock::now() - started;
    return report;
}

ConfigResult<void> check_policy_roots(core::FileSystem& fs, const Config& config) {
    Diagnostics problems;
    for (const PolicyNode& node : config.policy_nodes) {
        core::SessionSpec probe;
        probe.root = node.policy.root;
        probe.writeable = false;
        probe.trusted = false;
        auto session = fs.open_session(probe);
        if (session) {
            fs.close_session(std::move(*session));
            continue;
        }
        std::string element = node.is_default ? "<default-policy>" : "<policy>";
        std::string why =
            session.error().value == ENOTDIR ? "is not a directory"
            : session.error().value == ENOENT
                ? "does not exist in the content tree"
                : std::string("cannot be used: ") + std::strerror(session.error().value);
        problems.push_back(
            Diagnostic{node.root_where, element + " root '" + node.policy.root + "' " + why});
    }
    if (!problems.empty()) return std::unexpected(std::move(problems));
    return {};
}

ConfigResult<LoadedConfig> load_file_system(const std::string& path, core::Limits default_limits) {
    LoadedConfig loaded;
    loaded.config = IMFS_TRY(load_config(path));
    loaded.fs = std::make_shared<core::FileSystem>(loaded.config.limits(default_limits));
    loaded.report = IMFS_TRY(populate(*loaded.fs, loaded.config));
    return loaded;
}

ConfigResult<policies::PolicySet> reload_policies(const std::string& path, core::FileSystem& live) {
    ParseOptions options;
    options.check_sources = false;
    Config config = IMFS_TRY(load_config(path, options));
    IMFS_TRY(check_policy_roots(live, config));
    return std::move(config.policies);
}

}  // namespace imfs::config
