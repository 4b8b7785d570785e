// <content> elements to ContentNodes: names, modes, owners, host sources.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "config/config_parser.hpp"
#include "config/host_file.hpp"
#include "config/values.hpp"

namespace imfs::config::detail {

std::optional<ContentNode> Parser::parse_entry(const pugi::xml_node& node) {
    std::string_view type = node.name();
    ContentNode entry;
    entry.where = at(node);
    auto owner = [&] {
        if (auto uid = value_of<uid_t>(node, "uid", parse_id)) entry.uid = *uid;
        if (auto gid = value_of<gid_t>(node, "gid", parse_id)) entry.gid = *gid;
    };
    // Takes the entry's name from attribute, false when it is missing.
    auto named = [&](const char* attribute) {
        std::optional<std::string> name = required(node, attribute);
        if (!name) return false;
        entry.name = *name;
        entry.name_where = at(node, attribute);
        return true;
    };
    auto mode = [&] {
        entry.mode =
            value_of<mode_t>(node, "mode", [](std::string_view t) { return parse_mode(t, 07777); });
    };
    if (type == "dir") {
        check_attributes(node, {"name", "mode", "uid", "gid"});
        entry.kind = ContentNode::Kind::dir;
        if (!named("name")) return std::nullopt;
        mode();
        owner();
        parse_directory(node, entry.children);
    } else if (type == "rom") {
        check_attributes(node, {"name", "as", "mode", "uid", "gid"});
        check_empty(node);
        entry.kind = ContentNode::Kind::rom;
        std::optional<std::string> source = required(node, "name");
        if (!source) return std::nullopt;
        entry.host_path = host_path(*source);
        if (node.attribute("as")) {
            named("as");
        } else {
            entry.name = fs::path(*source).filename().string();
            entry.name_where = at(node, "name");
        }
        check_source(node, "name", entry.host_path, false);
        mode();
        owner();
    } else if (type == "inline") {
        check_attributes(node, {"name", "mode", "uid", "gid"});
        entry.kind = ContentNode::Kind::inline_text;
        if (!named("name")) return std::nullopt;
        for (const pugi::xml_node& child : node.children()) {
            if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
                entry.text += child.value();
            } else if (child.type() == pugi::node_element) {
                error(at(child), "unexpected element <" + std::string(child.name()) +
                                     "> inside <inline> (escape '<' as &lt; or use CDATA)");
            }
        }
        mode();
        owner();
    } else if (type == "symlink") {
        check_attributes(node, {"name", "target", "uid", "gid"});
        check_empty(node);
        entry.kind = ContentNode::Kind::symlink;
        if (!named("name")) return std::nullopt;
        std::optional<std::string> target = required(node, "target");
        if (!target) return std::nullopt;
        if (target->empty()) error(at(node, "target"), "<symlink> has an empty target");
        if (target->size() >= PATH_MAX) error(at(node, "target"), "<symlink> target too long");
        entry.text = *target;
        owner();
    } else if (type == "import" || type == "tar") {
        bool is_tar = type == "tar";
        if (is_tar) {
            check_attributes(node, {"path", "as"});
        } else {
            check_attributes(node, {"path", "as", "uid", "gid"});
            owner();
        }
        check_empty(node);
        entry.kind = is_tar ? ContentNode::Kind::tar : ContentNode::Kind::import_tree;
        std::optional<std::string> source = required(node, "path");
        if (!source) return std::nullopt;
        entry.host_path = host_path(*source);
        entry.name_where = at(node);
        if (node.attribute("as")) named("as");
        check_source(node, "path", entry.host_path, !is_tar);
        return entry;
    } else {
        error(at(node), "unknown element <" + std::string(type) +
                            "> in <content> (expected dir, rom, inline, symlink, import or tar)");
        return std::nullopt;
    }
    return entry;
}

void Parser::parse_directory(const pugi::xml_node& node, std::vector<ContentNode>& entries) {
    std::map<std::string, Location, std::less<>> names;
    for (const pugi::xml_node& child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            if (!is_blank(child.value())) {
                error(at(child), "unexpected text inside <" + std::string(node.name()) + ">");
            }
            continue;
        }
        if (child.type() != pugi::node_element) continue;
        std::optional<ContentNode> entry = parse_entry(child);
        if (!entry) continue;
        bool merges = !child.attribute("as") && (entry->kind == ContentNode::Kind::import_tree ||
                                                 entry->kind == ContentNode::Kind::tar);
        if (!merges) {
            if (auto valid = check_entry_name(entry->name); !valid) {
                error(entry->name_where, "bad name: " + valid.error());
                continue;
            }
            auto [first, inserted] = names.emplace(entry->name, entry->name_where);
            if (!inserted) {
                std::string directory =
                    node.attribute("name")
                        ? "<dir name=\"" + std::string(node.attribute("name").value()) + "\">"
                        : "<content>";
                error(entry->name_where, "duplicate name " + in_quotes(entry->name) + " in " +
                                             directory + " (first at " + first->second.to_string() +
                                             ")");
                continue;
            }
        }
        entries.push_back(std::move(*entry));
    }
}

}  // namespace imfs::config::detail
