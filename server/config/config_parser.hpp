// The parser behind parse_config: one pass over the pugixml document that
// collects a Config and every problem found. Internal to the config library.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.hpp"

namespace imfs::config::detail {

namespace fs = std::filesystem;

inline std::string in_quotes(std::string_view text) {
    return '\'' + std::string(text) + '\'';
}

inline bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

inline bool is_name_char(char c) {
    return c != '=' && c != '/' && c != '>' && c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

class Parser {
  public:
    Parser(SourceText source, std::string base_dir, const ParseOptions& options)
        : source_(std::move(source)), base_dir_(std::move(base_dir)), options_(options) {}

    ConfigResult<Config> run();

  private:
    Location at(const pugi::xml_node& node) const;
    Location at(const pugi::xml_node& node, std::string_view attribute) const;
    void error(Location where, std::string problem) {
        problems_.push_back(Diagnostic{std::move(where), std::move(problem)});
    }
    // Reports attributes not in allowed, and attributes given twice.
    void check_attributes(const pugi::xml_node& node,
                          std::initializer_list<std::string_view> allowed);
    // Reports text inside an element that takes none, and child elements.
    void check_empty(const pugi::xml_node& node);
    // The value of a required attribute, reported when missing.
    std::optional<std::string> required(const pugi::xml_node& node, const char* name);
    template <typename T, typename Parse>
    std::optional<T> value_of(const pugi::xml_node& node, const char* name, Parse parse);
    std::string host_path(std::string_view text) const;
    void check_source(const pugi::xml_node& node, const char* attribute, const std::string& path,
                      bool want_dir);

    void parse_listen(const pugi::xml_node& node);
    void parse_limits(const pugi::xml_node& node);
    void parse_directory(const pugi::xml_node& node, std::vector<ContentNode>& entries);
    std::optional<ContentNode> parse_entry(const pugi::xml_node& node);
    void parse_policy(const pugi::xml_node& node, bool is_default);

    SourceText source_;
    std::string base_dir_;
    ParseOptions options_;
    Config config_;
    Diagnostics problems_;
    std::unordered_map<std::string, Location> sockets_;  // listener key -> first use
};

template <typename T, typename Parse>
std::optional<T> Parser::value_of(const pugi::xml_node& node, const char* name, Parse parse) {
    pugi::xml_attribute attribute = node.attribute(name);
    if (!attribute) return std::nullopt;
    auto value = parse(std::string_view(attribute.value()));
    if (!value) {
        error(at(node, name), "bad " + std::string(name) + ": " + value.error());
        return std::nullopt;
    }
    return static_cast<T>(*value);
}

}  // namespace imfs::config::detail
