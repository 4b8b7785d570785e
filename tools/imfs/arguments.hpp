// The option parser every command uses: a small getopt_long work-alike,
// hand-rolled so each command declares its flags as plain data (which also
// prints its --help) and so a usage error is a value, not an exception.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace imfs::cli {

// One option: -x, --long, and whether it takes a value (-m MODE, -mMODE,
// --mode=MODE, --mode MODE).
struct Flag {
    char letter;
    std::string_view long_name;
    std::string_view value_name;  // empty: a switch without a value
    std::string_view help;

    bool takes_value() const noexcept { return !value_name.empty(); }
};

// How operands that start with '-' are read.
enum class DashOperands {
    rejected,  // "-x" that is no flag is a usage error (GNU default)
    accepted,  // "-x" that is no flag is an operand (chmod -w FILE)
};

// The result of parsing one command's arguments.
class Arguments {
  public:
    bool has(char letter) const { return values_.contains(letter); }
    // The value of the last occurrence of a value-taking flag.
    std::optional<std::string> value(char letter) const;
    const std::vector<std::string>& operands() const noexcept { return operands_; }
    bool help_requested() const noexcept { return help_; }

    // Filled in by parse_arguments.
    void set(char letter, std::string value) { values_[letter] = std::move(value); }
    void add_operand(std::string operand) { operands_.push_back(std::move(operand)); }
    void request_help() noexcept { help_ = true; }

  private:
    std::map<char, std::string> values_;
    std::vector<std::string> operands_;
    bool help_ = false;
};

// Parses args (the words after the command name). Flags may follow
// operands, as with GNU tools; "--" ends the flags and "-" is an operand.
// --help is always understood. On error, the message to print after
// "imfs: COMMAND: ".
[[nodiscard]] std::expected<Arguments, std::string> parse_arguments(
    std::span<const Flag> flags, std::span<char* const> args,
    DashOperands dash_operands = DashOperands::rejected);

}  // namespace imfs::cli
