#include "mode.hpp"

#include <sys/stat.h>

#include <vector>

namespace imfs::cli {

namespace {

// The model of coreutils' modechange.c, so that every MODE means here what
// it means to chmod(1), directories' set-id bits included.
constexpr mode_t kModeBits = 07777;
constexpr mode_t kSetIds = S_ISUID | S_ISGID;

// One "op perms" step of a clause.
struct Change {
    char op;  // '+', '-' or '='
    enum { ordinary, copy_existing, x_if_any_x } kind;
    mode_t affected;  // the who bits; 0: none given (the umask applies)
    mode_t value;
    mode_t mentioned;  // the bits the text names; set-id bits of a
                       // directory not named here are left alone
};

std::optional<std::vector<Change>> parse_octal(std::string_view text) {
    mode_t mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7') return std::nullopt;
        mode = mode * 8 + static_cast<mode_t>(c - '0');
        if (mode > kModeBits) return std::nullopt;
    }
    mode_t mentioned = text.size() < 5 ? (mode & kSetIds) | S_ISVTX | 0777 : kModeBits;
    return std::vector<Change>{{'=', Change::ordinary, kModeBits, mode, mentioned}};
}

mode_t who_bits(char c) {
    switch (c) {
        case 'u':
            return S_ISUID | S_IRWXU;
        case 'g':
            return S_ISGID | S_IRWXG;
        case 'o':
            return S_ISVTX | S_IRWXO;
        default:
            return kModeBits;  // 'a'
    }
}

// Appends the changes of one clause "[ugoa]*([-+=]([rwxXst]*|[ugo]))+".
bool parse_clause(std::string_view clause, std::vector<Change>& changes) {
    mode_t affected = 0;
    while (!clause.empty() && std::string_view("ugoa").find(clause[0]) != std::string_view::npos) {
        affected |= who_bits(clause[0]);
        clause.remove_prefix(1);
    }
    if (clause.empty()) return false;
    while (!clause.empty()) {
        Change change{clause[0], Change::ordinary, affected, 0, 0};
        if (change.op != '+' && change.op != '-' && change.op != '=') return false;
        clause.remove_prefix(1);
        if (!clause.empty() && (clause[0] == 'u' || clause[0] == 'g' || clause[0] == 'o')) {
            change.kind = Change::copy_existing;
            change.value = who_bits(clause[0]) & 0777;
            clause.remove_prefix(1);
        } else {
            for (; !clause.empty() &&
                   std::string_view("+-=").find(clause[0]) == std::string_view::npos;
                 clause.remove_prefix(1)) {
                switch (clause[0]) {
                    case 'r':
                        change.value |= 0444;
                        break;
                    case 'w':
                        change.value |= 0222;
                        break;
                    case 'x':
                        change.value |= 0111;
                        break;
                    case 'X':
                        change.kind = Change::x_if_any_x;
                        break;
                    case 's':
                        change.value |= kSetIds;
                        break;
                    case 't':
                        change.value |= S_ISVTX;
                        break;
                    default:
                        return false;
                }
            }
        }
        change.mentioned = affected ? affected & change.value : change.value;
        changes.push_back(change);
    }
    return true;
}

std::optional<std::vector<Change>> parse_symbolic(std::string_view text) {
    std::vector<Change> changes;
    while (true) {
        std::size_t comma = text.find(',');
        if (!parse_clause(text.substr(0, comma), changes)) return std::nullopt;
        if (comma == std::string_view::npos) return changes;
        text.remove_prefix(comma + 1);
    }
}

mode_t apply(const std::vector<Change>& changes, mode_t mode, bool is_directory, mode_t umask) {
    mode &= kModeBits;
    for (const Change& change : changes) {
        mode_t omit = (is_directory ? kSetIds : 0) & ~change.mentioned;
        mode_t value = change.value;
        if (change.kind == Change::copy_existing) {
            value &= mode;
            value =
                (value & 0444 ? 0444 : 0) | (value & 0222 ? 0222 : 0) | (value & 0111 ? 0111 : 0);
        } else if (change.kind == Change::x_if_any_x && ((mode & 0111) || is_directory)) {
            value |= 0111;
        }
        value &= (change.affected ? change.affected : ~umask) & ~omit;
        if (change.op == '=') {
            mode_t preserved = (change.affected ? ~change.affected : 0) | omit;
            mode = (mode & preserved) | value;
        } else if (change.op == '+') {
            mode |= value;
        } else {
            mode &= ~value;
        }
    }
    return mode & kModeBits;
}

}  // namespace

std::optional<mode_t> apply_mode(std::string_view text, mode_t current, bool is_directory,
                                 mode_t umask) {
    if (text.empty()) return std::nullopt;
    auto changes = text[0] >= '0' && text[0] <= '7' ? parse_octal(text) : parse_symbolic(text);
    if (!changes) return std::nullopt;
    return apply(*changes, current, is_directory, umask);
}

}  // namespace imfs::cli
