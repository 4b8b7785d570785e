#include "core/fd_table.hpp"

#include <algorithm>
#include <utility>

namespace imfs::core {

Result<int> FdTable::install(std::shared_ptr<OpenFileDescription> description, bool cloexec,
                             int min_fd) {
    if (min_fd < 0 || static_cast<unsigned long>(min_fd) >= limit_) return fail(EINVAL);
    min_fd = std::max(min_fd, kFirstFd);
    int fd;
    if (auto free = free_below_end_.lower_bound(min_fd); free != free_below_end_.end()) {
        fd = *free;
    } else {
        fd = std::max(min_fd, static_cast<int>(entries_.size()));
    }
    if (static_cast<unsigned long>(fd) >= limit_) return fail(EMFILE);
    if (static_cast<std::size_t>(fd) >= entries_.size()) {
        for (int i = std::max(kFirstFd, static_cast<int>(entries_.size())); i < fd; ++i) {
            free_below_end_.insert(i);
        }
        entries_.resize(static_cast<std::size_t>(fd) + 1);
    } else {
        free_below_end_.erase(fd);
    }
    entries_[static_cast<std::size_t>(fd)] = Entry{std::move(description), cloexec};
    ++open_;
    return fd;
}

Result<std::shared_ptr<OpenFileDescription>> FdTable::install_at(
    int fd, std::shared_ptr<OpenFileDescription> description, bool cloexec) {
    if (fd < 0 || static_cast<unsigned long>(fd) >= limit_) return fail(EBADF);
    auto index = static_cast<std::size_t>(fd);
    if (index >= entries_.size()) {
        for (int i = std::max(kFirstFd, static_cast<int>(entries_.size())); i < fd; ++i) {
            free_below_end_.insert(i);
        }
        entries_.resize(index + 1);
    }
    free_below_end_.erase(fd);
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
    int lowest = free_below_end_.empty() ? std::max(kFirstFd, static_cast<int>(entries_.size()))
                                         : *free_below_end_.begin();
    return static_cast<unsigned long>(lowest) >= limit_;
}

void FdTable::mark_free(int fd) {
    if (fd >= kFirstFd) free_below_end_.insert(fd);
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
    free_below_end_.clear();
    open_ = 0;
}

Result<void> FdTable::set_limit(unsigned long limit) {
    if (limit > kMaxLimit) return fail(EINVAL);
    limit_ = limit;
    return {};
}

}  // namespace imfs::core
