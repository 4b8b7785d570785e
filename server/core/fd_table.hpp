// A session's descriptor table: small ints naming open file descriptions.
#pragma once

#include <memory>
#include <set>
#include <vector>

#include "core/open_file.hpp"
#include "core/result.hpp"

namespace imfs::core {

// Descriptors 0-2 belong to the caller's own process, so the lowest free
// descriptor is sought from 3. Finding it is O(log n) through a set of free
// slots, so a table of a million descriptors stays cheap.
// Not thread-safe: changed only under the exclusive tree lock.
class FdTable {
  public:
    static constexpr int kFirstFd = 3;
    static constexpr unsigned long kMaxLimit = 1UL << 20;  // Linux's nr_open

    struct Entry {
        std::shared_ptr<OpenFileDescription> description;
        bool cloexec = false;
    };

    // The lowest free descriptor >= min_fd, holding description. EMFILE when
    // none is below the limit; EINVAL when min_fd itself is out of range.
    [[nodiscard]] Result<int> install(std::shared_ptr<OpenFileDescription> description,
                                      bool cloexec, int min_fd = kFirstFd);
    // Puts description at fd, returning what was there (to be closed by the
    // caller). EBADF when fd is out of range.
    [[nodiscard]] Result<std::shared_ptr<OpenFileDescription>> install_at(
        int fd, std::shared_ptr<OpenFileDescription> description, bool cloexec);

    Entry* find(int fd) noexcept;
    // True when install() would fail with EMFILE: lets open() refuse before
    // it creates or truncates anything, as Linux does.
    bool full() const noexcept;
    // Removes fd. EBADF if it is not open.
    [[nodiscard]] Result<std::shared_ptr<OpenFileDescription>> remove(int fd);
    // Removes every descriptor marked close-on-exec.
    void remove_cloexec();
    void clear();

    unsigned long limit() const noexcept { return limit_; }
    // EINVAL above kMaxLimit. Open descriptors at or above the new limit stay
    // open, as with setrlimit.
    [[nodiscard]] Result<void> set_limit(unsigned long limit);
    std::size_t open_count() const noexcept { return open_; }

  private:
    void mark_free(int fd);

    std::vector<Entry> entries_;
    std::set<int> free_below_end_;  // free descriptors >= kFirstFd below entries_.size()
    unsigned long limit_ = kMaxLimit;
    std::size_t open_ = 0;
};

}  // namespace imfs::core
