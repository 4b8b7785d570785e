#include "arguments.hpp"

#include <algorithm>

namespace imfs::cli {

namespace {

const Flag* find_letter(std::span<const Flag> flags, char letter) {
    auto it = std::ranges::find(flags, letter, &Flag::letter);
    return it == flags.end() ? nullptr : &*it;
}

const Flag* find_long(std::span<const Flag> flags, std::string_view name) {
    auto it = std::ranges::find(flags, name, &Flag::long_name);
    return it == flags.end() || name.empty() ? nullptr : &*it;
}

class Parser {
  public:
    Parser(std::span<const Flag> flags, std::span<char* const> args, DashOperands dash_operands)
        : flags_(flags), args_(args), dash_operands_(dash_operands) {}

    std::expected<Arguments, std::string> run(Arguments& out) {
        bool flags_ended = false;
        for (index_ = 0; index_ < args_.size(); ++index_) {
            std::string_view word = args_[index_];
            if (flags_ended || word.size() < 2 || word[0] != '-') {
                out.add_operand(std::string(word));
            } else if (word == "--") {
                flags_ended = true;
            } else if (word.starts_with("--")) {
                if (auto error = parse_long(word.substr(2), out)) return std::unexpected(*error);
            } else if (auto error = parse_short(word.substr(1), out)) {
                if (dash_operands_ == DashOperands::rejected) return std::unexpected(*error);
                out.add_operand(std::string(word));
            }
        }
        return out;
    }

  private:
    std::optional<std::string> parse_long(std::string_view body, Arguments& out) {
        std::string_view name = body.substr(0, body.find('='));
        std::optional<std::string_view> inline_value;
        if (name.size() < body.size()) inline_value = body.substr(name.size() + 1);
        if (name == "help") {
            out.request_help();
            return std::nullopt;
        }
        const Flag* flag = find_long(flags_, name);
        if (flag == nullptr) return "unrecognized option '--" + std::string(name) + "'";
        if (!flag->takes_value()) {
            if (inline_value)
                return "option '--" + std::string(name) + "' doesn't allow an argument";
            out.set(flag->letter, "");
            return std::nullopt;
        }
        if (inline_value) {
            out.set(flag->letter, std::string(*inline_value));
        } else if (index_ + 1 < args_.size()) {
            out.set(flag->letter, args_[++index_]);
        } else {
            return "option '--" + std::string(name) + "' requires an argument";
        }
        return std::nullopt;
    }

    // A bundle such as "rf" or "m755"; checked whole before anything is
    // recorded, so a rejected word can still become an operand.
    std::optional<std::string> parse_short(std::string_view bundle, Arguments& out) {
        Arguments staged = out;
        std::size_t consumed_next = 0;
        for (std::size_t i = 0; i < bundle.size(); ++i) {
            char letter = bundle[i];
            if (letter == 'h' && find_letter(flags_, 'h') == nullptr) {
                staged.request_help();
                continue;
            }
            const Flag* flag = find_letter(flags_, letter);
            if (flag == nullptr) return std::string("invalid option -- '") + letter + "'";
            if (!flag->takes_value()) {
                staged.set(letter, "");
                continue;
            }
            if (i + 1 < bundle.size()) {
                staged.set(letter, std::string(bundle.substr(i + 1)));
            } else if (index_ + 1 < args_.size()) {
                staged.set(letter, args_[index_ + 1]);
                consumed_next = 1;
            } else {
                return std::string("option requires an argument -- '") + letter + "'";
            }
            break;
        }
        out = std::move(staged);
        index_ += consumed_next;
        return std::nullopt;
    }

    std::span<const Flag> flags_;
    std::span<char* const> args_;
    DashOperands dash_operands_;
    std::size_t index_ = 0;
};

}  // namespace

std::optional<std::string> Arguments::value(char letter) const {
    auto it = values_.find(letter);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::expected<Arguments, std::string> parse_arguments(std::span<const Flag> flags,
                                                      std::span<char* const> args,
                                                      DashOperands dash_operands) {
    Arguments out;
    return Parser(flags, args, dash_operands).run(out);
}

}  // namespace imfs::cli
