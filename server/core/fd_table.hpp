// A session's descriptor table: small ints naming open file descriptions.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/open_file.hpp"
#include "core/result.hpp"

namespace imfs::core {

// Descriptors 0-2 belong to the caller's own process, so the lowest free
// descriptor is sought from 3. Finding it skips 64 open descriptors per
// step, and 4096 per step where they are all open (as the kernel's
// open_fds and full_fds_bits do), so a table of a million stays cheap and
// open/close churn allocates nothing.
// Not thread-safe: changed only under the exclusive tree lock.
class FdTable {
  public:
    static constexpr int kFirstFd = 3;
    static constexpr unsigned long kMaxLimit = 1UL << 20;  // Linux's nr_open
    // As a process's soft RLIMIT_NOFILE: raise it (set_limit) up to
    // kMaxLimit. A small default keeps a careless or hostile client from
    // sizing a table for a million descriptors with one dup2.
    static constexpr unsigned long kDefaultLimit = 1024;

    struct Entry {
        std::shared_ptr<OpenFileDescription> description;
        bool cloexec = false;
    };

    // The lowest free descriptor >= min_fd, holding description. EMFILE when
    // none is below the limit; EINVAL when min_fd itself is out of range.
    [[nodiscard]] Result<int> install(std::shared_ptr<OpenFileDescription> description,
                                      bool cloexec, int min_fd = 0);
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
    // Which descriptors are open, with a summary bit per word that is set
    // when the word is full. Bits past the end are clear.
    class OpenBits {
      public:
        void set(std::size_t i);
        void reset(std::size_t i) noexcept;
        std::size_t lowest_clear_from(std::size_t from) const noexcept;
        void clear() noexcept;

      private:
        std::vector<std::uint64_t> words_;
        std::vector<std::uint64_t> full_;
    };

    void mark_free(int fd);

    std::vector<Entry> entries_;
    OpenBits open_bits_;
    unsigned long limit_ = kDefaultLimit;
    std::size_t open_ = 0;
};

}  // namespace imfs::core
