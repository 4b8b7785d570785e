// XML text to a Config: every element and attribute checked, every problem
// reported with its place. <content> is parsed in content_parser.cpp.
#include <sys/un.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "config/config_parser.hpp"
#include "config/host_file.hpp"
#include "config/values.hpp"

namespace imfs::config {

namespace detail {

Location Parser::at(const pugi::xml_node& node) const {
    // pugixml gives the offset of the element's name; report its '<'.
    std::ptrdiff_t offset = node.offset_debug();
    if (offset < 0) return source_.locate(0);
    if (node.type() == pugi::node_element && offset > 0) --offset;
    return source_.locate(static_cast<std::size_t>(offset));
}

Location Parser::at(const pugi::xml_node& node, std::string_view attribute) const {
    // pugixml keeps no attribute offsets: walk the start tag, which parsed
    // cleanly, from the element's name to the attribute's.
    const std::string& text = source_.text();
    std::ptrdiff_t start = node.offset_debug();
    if (start < 0) return at(node);
    std::size_t i = static_cast<std::size_t>(start);
    while (i < text.size() && is_name_char(text[i]))
        ++i;  // the element name
    while (i < text.size()) {
        while (i < text.size() && std::strchr(" \t\r\n", text[i]) != nullptr)
            ++i;
        if (i >= text.size() || text[i] == '>' || text[i] == '/') break;
        std::size_t name_start = i;
        while (i < text.size() && is_name_char(text[i]))
            ++i;
        if (std::string_view(text).substr(name_start, i - name_start) == attribute) {
            return source_.locate(name_start);
        }
        while (i < text.size() && text[i] != '"' && text[i] != '\'')
            ++i;
        if (i >= text.size()) break;
        char quote = text[i++];
        while (i < text.size() && text[i] != quote)
            ++i;
        ++i;
    }
    return at(node);
}

void Parser::check_attributes(const pugi::xml_node& node,
                              std::initializer_list<std::string_view> allowed) {
    std::vector<std::string_view> seen;
    for (const pugi::xml_attribute& attribute : node.attributes()) {
        std::string_view name = attribute.name();
        bool known = false;
        for (std::string_view candidate : allowed)
            known = known || candidate == name;
        if (!known) {
            std::string expected;
            for (std::string_view candidate : allowed) {
                expected += expected.empty() ? "" : ", ";
                expected.append(candidate);
            }
            error(at(node, name), "unknown attribute " + in_quotes(name) + " on <" + node.name() +
                                      ">" +
                                      (expected.empty() ? " (it takes none)"
                                                        : " (expected one of: " + expected + ")"));
            continue;
        }
        for (std::string_view before : seen) {
            if (before == name)
                error(at(node, name), "attribute " + in_quotes(name) + " given twice");
        }
        seen.push_back(name);
    }
}

void Parser::check_empty(const pugi::xml_node& node) {
    for (const pugi::xml_node& child : node.children()) {
        if (child.type() == pugi::node_element) {
            error(at(child), "unexpected element <" + std::string(child.name()) + "> inside <" +
                                 node.name() + ">");
        } else if ((child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) &&
                   !is_blank(child.value())) {
            error(at(child), "unexpected text inside <" + std::string(node.name()) + ">");
        }
    }
}

std::optional<std::string> Parser::required(const pugi::xml_node& node, const char* name) {
    pugi::xml_attribute attribute = node.attribute(name);
    if (!attribute) {
        error(at(node),
              "<" + std::string(node.name()) + "> needs a " + in_quotes(name) + " attribute");
        return std::nullopt;
    }
    return std::string(attribute.value());
}

std::string Parser::host_path(std::string_view text) const {
    fs::path path(text);
    if (path.is_relative()) path = fs::path(base_dir_) / path;
    return path.lexically_normal().string();
}

void Parser::check_source(const pugi::xml_node& node, const char* attribute,
                          const std::string& path, bool want_dir) {
    if (!options_.check_sources) return;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        int saved = errno;
        error(at(node, attribute), "<" + std::string(node.name()) + "> source " + in_quotes(path) +
                                       ": " + std::strerror(saved));
        return;
    }
    if (want_dir && !S_ISDIR(st.st_mode)) {
        error(at(node, attribute), "<" + std::string(node.name()) + "> source " + in_quotes(path) +
                                       " is not a directory");
    } else if (!want_dir && !S_ISREG(st.st_mode)) {
        error(at(node, attribute), "<" + std::string(node.name()) + "> source " + in_quotes(path) +
                                       " is not a regular file");
    }
}

void Parser::parse_listen(const pugi::xml_node& node) {
    check_attributes(node, {"unix", "tcp", "mode", "label"});
    check_empty(node);
    Listener listener;
    listener.where = at(node);
    listener.label = node.attribute("label").value();
    pugi::xml_attribute unix_attribute = node.attribute("unix");
    pugi::xml_attribute tcp_attribute = node.attribute("tcp");
    if (bool(unix_attribute) == bool(tcp_attribute)) {
        error(at(node), "<listen> needs exactly one of 'unix' and 'tcp'");
        return;
    }
    std::string key;
    const char* socket_attribute = unix_attribute ? "unix" : "tcp";
    if (unix_attribute) {
        listener.kind = Listener::Kind::unix_socket;
        if (*unix_attribute.value() == '\0') {
            error(at(node, "unix"), "<listen> has an empty unix socket path");
            return;
        }
        listener.unix_path = host_path(unix_attribute.value());
        if (listener.unix_path.size() >= sizeof(sockaddr_un::sun_path)) {
            error(at(node, "unix"), "<listen> unix socket path '" + listener.unix_path +
                                        "' is longer than a socket address holds (" +
                                        std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                        " bytes)");
            return;
        }
        if (auto mode = value_of<mode_t>(node, "mode",
                                         [](std::string_view t) { return parse_mode(t, 0777); })) {
            listener.mode = *mode;
        }
        key = "unix:" + listener.unix_path;
    } else {
        listener.kind = Listener::Kind::tcp;
        if (node.attribute("mode")) {
            error(at(node, "mode"), "'mode' applies to unix sockets only");
        }
        std::string_view text = tcp_attribute.value();
        std::size_t colon = text.rfind(':');
        std::string_view host = colon == std::string_view::npos ? "" : text.substr(0, colon);
        std::string_view port = colon == std::string_view::npos ? "" : text.substr(colon + 1);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
        unsigned char address[16];
        std::string host_text(host);
        int family = host_text.find(':') != std::string::npos ? AF_INET6 : AF_INET;
        auto port_number = parse_number(port, 65535);
        if (host.empty() || inet_pton(family, host_text.c_str(), address) != 1 || !port_number) {
            error(at(node, "tcp"),
                  "bad tcp address " + in_quotes(text) + ": expected IPV4:PORT or [IPV6]:PORT");
            return;
        }
        listener.host = host_text;
        listener.port = static_cast<std::uint16_t>(*port_number);
        char canonical[INET6_ADDRSTRLEN];
        inet_ntop(family, address, canonical, sizeof canonical);
        // Port 0 asks for any free port: two of those never collide.
        if (listener.port != 0) key = "tcp:" + std::string(canonical) + ":" + std::string(port);
    }
    if (!key.empty()) {
        auto [first, inserted] = sockets_.emplace(key, at(node, socket_attribute));
        if (!inserted) {
            error(at(node, socket_attribute), "a second listener on " + key + " (the first is at " +
                                                  first->second.to_string() + ")");
            return;
        }
    }
    config_.listeners.push_back(std::move(listener));
}

void Parser::parse_limits(const pugi::xml_node& node) {
    check_attributes(node, {"max_bytes", "max_inodes"});
    check_empty(node);
    if (auto bytes = value_of<std::uint64_t>(node, "max_bytes", parse_size)) {
        config_.max_bytes = *bytes;
    }
    if (auto inodes = value_of<std::uint64_t>(node, "max_inodes", parse_inode_count)) {
        if (*inodes == 0) {
            error(at(node, "max_inodes"), "bad max_inodes: the root directory needs one");
        } else {
            config_.max_inodes = *inodes;
        }
    }
}

void Parser::parse_policy(const pugi::xml_node& node, bool is_default) {
    if (is_default) {
        check_attributes(
            node, {"root", "writeable", "uid", "gid", "trusted", "quota_bytes", "quota_inodes"});
    } else {
        check_attributes(node, {"label", "label_prefix", "label_suffix", "root", "writeable", "uid",
                                "gid", "trusted", "quota_bytes", "quota_inodes"});
    }
    check_empty(node);
    PolicyNode entry;
    entry.is_default = is_default;
    policies::Policy& policy = entry.policy;
    policy.origin = at(node).to_string();
    if (!is_default) {
        if (auto a = node.attribute("label")) policy.label = a.value();
        if (auto a = node.attribute("label_prefix")) policy.label_prefix = a.value();
        if (auto a = node.attribute("label_suffix")) policy.label_suffix = a.value();
        if (!policy.has_selector()) {
            error(at(node),
                  "<policy> has no label, label_prefix or label_suffix attribute: it would "
                  "match nothing (use <default-policy> for every label)");
        }
    }
    std::optional<std::string> root = required(node, "root");
    if (root) {
        entry.root_where = at(node, "root");
        if (!root->starts_with('/')) {
            error(entry.root_where, "bad root: " + in_quotes(*root) + " is not an absolute path");
        } else if (root->size() >= PATH_MAX) {
            error(entry.root_where, "bad root: longer than PATH_MAX");
        }
        policy.root = *root;
    }
    if (auto writeable = value_of<bool>(node, "writeable", parse_bool)) {
        policy.writeable = *writeable;
    }
    if (auto trusted = value_of<bool>(node, "trusted", parse_bool)) policy.trusted = *trusted;
    if (auto uid = value_of<uid_t>(node, "uid", parse_id)) policy.uid = *uid;
    if (auto gid = value_of<gid_t>(node, "gid", parse_id)) policy.gid = *gid;
    policy.quota_bytes = value_of<std::uint64_t>(node, "quota_bytes", parse_size);
    policy.quota_inodes = value_of<std::uint64_t>(node, "quota_inodes", parse_inode_count);
    config_.policy_nodes.push_back(std::move(entry));
}

ConfigResult<Config> Parser::run() {
    pugi::xml_document document;
    // parse_ws_pcdata_single keeps the text of <inline name="x"> </inline>
    // even when it is all blanks.
    pugi::xml_parse_result parsed = document.load_buffer(
        source_.text().data(), source_.text().size(),
        pugi::parse_default | pugi::parse_ws_pcdata_single, pugi::encoding_utf8);
    if (!parsed) {
        error(source_.locate(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0))),
              std::string("malformed XML: ") + parsed.description());
        return std::unexpected(std::move(problems_));
    }
    pugi::xml_node root;
    for (const pugi::xml_node& node : document.children()) {
        if (node.type() != pugi::node_element) continue;
        if (root || std::string_view(node.name()) != "config") {
            error(at(node), "unexpected element <" + std::string(node.name()) +
                                "> at the top (the config is one <config> element)");
            continue;
        }
        root = node;
    }
    if (!root) {
        if (problems_.empty()) error(source_.locate(0), "no <config> element");
        return std::unexpected(std::move(problems_));
    }
    check_attributes(root, {});
    std::optional<Location> limits_at, content_at, default_at;
    auto once = [&](const pugi::xml_node& node, std::optional<Location>& first) {
        if (first) {
            error(at(node), "a second <" + std::string(node.name()) + "> (the first is at " +
                                first->to_string() + ")");
            return false;
        }
        first = at(node);
        return true;
    };
    for (const pugi::xml_node& node : root.children()) {
        if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
            if (!is_blank(node.value())) error(at(node), "unexpected text inside <config>");
            continue;
        }
        if (node.type() != pugi::node_element) continue;
        std::string_view type = node.name();
        if (type == "listen") {
            parse_listen(node);
        } else if (type == "limits") {
            if (once(node, limits_at)) parse_limits(node);
        } else if (type == "content") {
            if (!once(node, content_at)) continue;
            check_attributes(node, {});
            parse_directory(node, config_.content);
        } else if (type == "policy") {
            parse_policy(node, false);
        } else if (type == "default-policy") {
            if (once(node, default_at)) parse_policy(node, true);
        } else {
            error(at(node), "unknown element <" + std::string(type) +
                                "> (expected listen, limits, content, policy or default-policy)");
        }
    }
    if (!problems_.empty()) return std::unexpected(std::move(problems_));

    std::vector<policies::Policy> selected;
    std::optional<policies::Policy> fallback;
    for (const PolicyNode& node : config_.policy_nodes) {
        if (node.is_default) {
            fallback = node.policy;
        } else {
            selected.push_back(node.policy);
        }
    }
    config_.policies = policies::PolicySet(std::move(selected), std::move(fallback));
    config_.file = source_.file();
    config_.base_dir = base_dir_;
    return std::move(config_);
}

}  // namespace detail

core::Limits Config::limits(core::Limits defaults) const {
    if (max_bytes) defaults.max_bytes = *max_bytes;
    if (max_inodes) defaults.max_inodes = *max_inodes;
    return defaults;
}

ConfigResult<Config> parse_config(std::string text, const std::string& file,
                                  const std::string& base_dir, const ParseOptions& options) {
    detail::Parser parser(SourceText(file, std::move(text)), base_dir, options);
    return parser.run();
}

ConfigResult<Config> load_config(const std::string& path, const ParseOptions& options) {
    auto text = read_host_file(path);
    if (!text) {
        return std::unexpected(
            Diagnostics{Diagnostic{Location{path, 0, 0}, std::string("cannot read the config: ") +
                                                             std::strerror(text.error())}});
    }
    std::error_code ignored;
    std::filesystem::path absolute =
        std::filesystem::absolute(std::filesystem::path(path), ignored);
    std::string base_dir = absolute.parent_path().lexically_normal().string();
    return parse_config(std::move(*text), path, base_dir, options);
}

}  // namespace imfs::config
