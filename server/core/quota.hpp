// A quota account: what the sessions of one policy may hold in the tree.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include "core/result.hpp"

namespace imfs::core {

// The bytes (512-byte blocks, as st_blocks counts them: file pages and long
// symlinks' pages) and inodes charged to one account. An inode is charged
// to the account of the session that created it (SessionSpec::quota), and
// so is its data, whoever writes it; a hard link or a rename charges the
// account nothing more (a link counts against the file system's inode
// limit only, as on tmpfs). The inode gives
// its data back as it shrinks (truncate, hole punching) and everything back
// when it is freed (its last name and last holder gone).
//
// Over a limit, calls fail with EDQUOT; the file system's own limits still
// apply (ENOSPC). Usage may exceed a limit lowered after the fact: then
// nothing more may grow, but everything may shrink.
//
// Shared (std::shared_ptr) by the sessions it charges, the inodes charged to
// it, and the registry that finds it again by policy across reloads.
// Thread-safe: a reload changes the limits while sessions run. FileSystem
// checks and charges under its exclusive tree lock, so no other charge
// comes between a check and its charge.
class QuotaAccount {
  public:
    static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

    QuotaAccount() = default;
    QuotaAccount(std::uint64_t max_bytes, std::uint64_t max_inodes) noexcept {
        set_limits(max_bytes, max_inodes);
    }

    void set_limits(std::uint64_t max_bytes, std::uint64_t max_inodes) noexcept {
        max_bytes_.store(max_bytes, std::memory_order_relaxed);
        max_inodes_.store(max_inodes, std::memory_order_relaxed);
    }
    std::uint64_t max_bytes() const noexcept { return max_bytes_.load(std::memory_order_relaxed); }
    std::uint64_t max_inodes() const noexcept {
        return max_inodes_.load(std::memory_order_relaxed);
    }
    std::uint64_t bytes_used() const noexcept { return bytes_.load(std::memory_order_relaxed); }
    std::uint64_t inodes_used() const noexcept { return inodes_.load(std::memory_order_relaxed); }

    // EDQUOT unless bytes more stay within the limit (growing by 0 always
    // may).
    [[nodiscard]] Result<void> may_add_bytes(std::uint64_t bytes) const noexcept {
        if (bytes == 0 || fits(bytes_used(), bytes, max_bytes())) return {};
        return fail(EDQUOT);
    }
    // EDQUOT unless one more inode stays within the limit.
    [[nodiscard]] Result<void> may_add_inode() const noexcept {
        if (fits(inodes_used(), 1, max_inodes())) return {};
        return fail(EDQUOT);
    }

    void charge_inode() noexcept { inodes_.fetch_add(1, std::memory_order_relaxed); }
    // A charged inode is freed, still holding blocks of data.
    void refund_inode(std::uint64_t blocks) noexcept {
        account_data(blocks, 0);
        inodes_.fetch_sub(1, std::memory_order_relaxed);
    }
    // A charged inode's data went from before to after 512-byte blocks.
    void account_data(std::uint64_t before_blocks, std::uint64_t after_blocks) noexcept {
        bytes_.fetch_add(after_blocks * 512 - before_blocks * 512, std::memory_order_relaxed);
    }

  private:
    static bool fits(std::uint64_t used, std::uint64_t more, std::uint64_t max) noexcept {
        return more <= max && used <= max - more;
    }

    std::atomic<std::uint64_t> max_bytes_{kUnlimited};
    std::atomic<std::uint64_t> max_inodes_{kUnlimited};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> inodes_{0};
};

}  // namespace imfs::core
