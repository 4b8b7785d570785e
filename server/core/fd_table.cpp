#include "core/fd_table.hpp"

#include <algorithm>
#include <utility>

namespace imfs::core {

void FdTable::OpenBits::set(std::size_t i) {
    std::size_t word = i / 64;
    if (word >= words_.size()) {
        words_.resize(word + 1);
        full_.resize(words_.size() / 64 + 1);
    }
    words_[word] |= std::uint64_t{1} << (i % 64);
    if (words_[word] == ~std::uint64_t{0}) full_[word / 64] |= std::uint64_t{1} << (word % 64);
}

void FdTable::OpenBits::reset(std::size_t i) noexcept {
    std::size_t word = i / 64;
    if (word >= words_.size()) return;
    words_[word] &= ~(std::uint64_t{1} << (i % 64));
    full_[word / 64] &= ~(std::uint64_t{1} << (word % 64));
}

std::size_t FdTable::OpenBits::lowest_clear_from(std::size_t from) const noexcept {
    std::size_t word = from / 64;
    if (word >= words_.size()) return from;
    std::uint64_t clear = ~words_[word] & (~std::uint64_t{0} << (from % 64));
    if (clear) return word * 64 + static_cast<std::size_t>(__builtin_ctzll(clear));
    // The next word that is not full, through the summary.
    for (std::size_t next = word + 1; next / 64 < full_.size();) {
        std::uint64_t not_full = ~full_[next / 64] & (~std::uint64_t{0} << (next % 64));
        if (!not_full) {
            next = (next / 64 + 1) * 64;
            continue;
        }
        std::size_t found = (next / 64) * 64 + static_cast<std::size_t>(__builtin_ctzll(not_full));
        if (found >= words_.size()) break;
        return found * 64 + static_cast<std::size_t>(__builtin_ctzll(~words_[found]));
    }
    return words_.size() * 64;
}

void FdTable::OpenBits::clear() noexcept {
    words_.clear();
    full_.clear();
}

Result<int> FdTable::install(std::shared_ptr<OpenFileDescription> description, bool cloexec,
                             int min_fd) {
    if (min_fd < 0 || static_cast<unsigned long>(min_fd) >= limit_) return fail(EINVAL);
    std::size_t fd =
        open_bits_.lowest_clear_from(static_cast<std::size_t>(std::max(min_fd, kFirstFd)));
    if (fd >= limit_) return fail(EMFILE);
    if (fd >= entries_.size()) entries_.resize(fd + 1);
    open_bits_.set(fd);
    entries_[fd] = Entry{std::move(description), cloexec};
    ++open_;
    return static_cast<int>(fd);
}

Result<std::shared_ptr<OpenFileDescription>> FdTable::install_at(
    int fd, std::shared_ptr<OpenFileDescription> description, bool cloexec) {
    if (fd < 0 || static_cast<unsigned long>(fd) >= limit_) return fail(EBADF);
    auto index = static_cast<std::size_t>(fd);
    if (index >= entries_.size()) entries_.resize(index + 1);
    open_bits_.set(index);
    auto previous = std::exchange(entries_[index], Entry{std::move(description), cloexec});
    if (!previous.description) ++open_;
    return std::move(previous.description);
}

FdTable::Entry* FdTable::find(int fd) noexcept {
    if (fd < 0 || static_cast<std::size_t>(fd) >= entries_.size()) return nullptr;
    Entry& entry = entries_[static_cast<std::size_t>(fd)];
    return entry.description ? &entry : nullptr;
}

bool FdTable::full() const noexcept {
    return open_bits_.lowest_clear_from(kFirstFd) >= limit_;
}

void FdTable::mark_free(int fd) {
    open_bits_.reset(static_cast<std::size_t>(fd));
    --open_;
}

Result<std::shared_ptr<OpenFileDescription>> FdTable::remove(int fd) {
    Entry* entry = find(fd);
    if (!entry) return fail(EBADF);
    auto description = std::move(entry->description);
    *entry = Entry{};
    mark_free(fd);
    return description;
}

void FdTable::remove_cloexec() {
    for (std::size_t fd = 0; fd < entries_.size(); ++fd) {
        if (entries_[fd].description && entries_[fd].cloexec) {
            entries_[fd] = Entry{};
            mark_free(static_cast<int>(fd));
        }
    }
}

void FdTable::clear() {
    entries_.clear();
    open_bits_.clear();
    open_ = 0;
}

Result<void> FdTable::set_limit(unsigned long limit) {
    if (limit > kMaxLimit) return fail(EINVAL);
    limit_ = limit;
    return {};
}

}  // namespace imfs::core
