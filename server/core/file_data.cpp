#include "core/file_data.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <limits>
#include <utility>

#include "core/page_pool.hpp"
#include "core/prefetch.hpp"

namespace imfs::core {

namespace {

constexpr std::uint64_t kPage = FileData::kPageSize;
static_assert(kPage == PagePool::kPageSize);
constexpr std::uint64_t kLastPage = (FileData::kMaxSize - 1) / kPage;
constexpr std::uint64_t kAllPages = std::numeric_limits<std::uint64_t>::max();
// Smallest small buffer: the pool's smallest block.
constexpr std::uint32_t kMinSmallCapacity = PagePool::kMinBlock;

// Pages under one node at level (a leaf is level 1).
constexpr std::uint64_t span(unsigned level) {
    return std::uint64_t{1} << (FileData::kFanoutBits * level);
}
static_assert(span(FileData::kMaxDepth) > kLastPage && span(FileData::kMaxDepth - 1) <= kLastPage);

// Index of the child of a level-`level` node that holds page.
constexpr unsigned slot_of(std::uint64_t page, unsigned level) {
    return (page >> (FileData::kFanoutBits * (level - 1))) & (FileData::kFanout - 1);
}

// Levels a table needs to hold page.
constexpr unsigned height_for(std::uint64_t page) {
    unsigned height = 1;
    while (page >= span(height))
        ++height;
    return height;
}

constexpr auto is_set = [](const auto& pointer) { return pointer != nullptr; };

constexpr std::uint64_t bit(unsigned slot) {
    return std::uint64_t{1} << slot;
}

constexpr std::uint64_t pages_to_cover(std::uint64_t bytes) {
    return bytes / kPage + (bytes % kPage != 0);
}

constexpr bool ends_past_max(std::uint64_t offset, std::uint64_t len) {
    return offset > FileData::kMaxSize || len > FileData::kMaxSize - offset;
}

}  // namespace

// Table nodes are owned as unique_ptr<Node>; a walk knows from its level
// whether a node is a Branch or a Leaf.
struct FileData::Node {
    virtual ~Node() = default;
};

struct FileData::Branch final : FileData::Node {
    std::array<std::unique_ptr<Node>, kFanout> children;
};

struct FileData::Leaf final : FileData::Node {
    std::array<PagePtr, kFanout> pages;
    std::uint64_t reserved = 0;  // bit i: pages[i] is reserved (and null)

    bool holds(unsigned slot) const { return pages[slot] || (reserved & bit(slot)); }
};

FileData::FileData(FileData&& other) noexcept {
    swap(other);
}

FileData& FileData::operator=(FileData&& other) noexcept {
    FileData(std::move(other)).swap(*this);
    return *this;
}

FileData::FileData() noexcept {
    // offsetof on a class with private members: GCC computes it right for
    // any class without virtual bases, but warns.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
    static_assert(offsetof(FileData, size_) + sizeof size_ <= kStatBytes &&
                  offsetof(FileData, pages_) + sizeof pages_ <= kStatBytes);
#pragma GCC diagnostic pop
}
FileData::~FileData() = default;

void FileData::swap(FileData& other) noexcept {
    using std::swap;
    swap(size_, other.size_);
    swap(small_, other.small_);
    swap(root_, other.root_);
    swap(height_, other.height_);
    swap(pages_, other.pages_);
    swap(table_bytes_, other.table_bytes_);
}

std::uint64_t FileData::blocks_to_add(std::uint64_t offset, std::uint64_t len) const noexcept {
    if (len == 0 || offset >= kMaxSize) return 0;
    const std::uint64_t first = offset / kPage;
    const std::uint64_t last = (offset + std::min(len, kMaxSize - offset) - 1) / kPage;
    std::uint64_t held = 0;
    if (small_.bytes) {
        held = first == 0;  // a small buffer counts as page 0, in or out of a table
    } else if (root_ && first < span(height_)) {
        held = held_pages(root_.get(), height_, 0, first, std::min(last, span(height_) - 1));
    }
    return (last - first + 1 - held) * (kPage / 512);
}

std::uint64_t FileData::held_pages(const Node* node, unsigned level, std::uint64_t base,
                                   std::uint64_t first, std::uint64_t last) {
    if (!node) return 0;
    std::uint64_t pages = 0;
    if (level == 1) {
        const auto& leaf = static_cast<const Leaf&>(*node);
        for (std::uint64_t page = first; page <= last; ++page) {
            pages += leaf.holds(static_cast<unsigned>(page - base));
        }
        return pages;
    }
    const auto& branch = static_cast<const Branch&>(*node);
    const std::uint64_t child_span = span(level - 1);
    for (std::uint64_t i = (first - base) / child_span; i <= (last - base) / child_span; ++i) {
        const std::uint64_t child_base = base + i * child_span;
        pages +=
            held_pages(branch.children[i].get(), level - 1, child_base, std::max(first, child_base),
                       std::min(last, child_base + child_span - 1));
    }
    return pages;
}

void FileData::prefetch_head() const noexcept {
    if (small_.bytes) {
        constexpr std::uint32_t kLine = 64;
        const std::uint32_t bytes = std::min<std::uint32_t>(small_.len, 16 * kLine);
        for (std::uint32_t at = 0; at < bytes; at += kLine)
            prefetch_line(small_.bytes.get() + at);
    } else if (root_) {
        prefetch_line(root_.get());
    }
}

std::size_t FileData::read(std::uint64_t offset, std::span<std::byte> out) const {
    if (offset >= size_) return 0;
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
    if (n == 0) return 0;  // out may be empty with a null data()
    std::byte* dst = out.data();
    if (small_.bytes) {
        const std::size_t stored =
            offset < small_.len ? std::min<std::uint64_t>(n, small_.len - offset) : 0;
        if (stored > 0) std::memcpy(dst, small_.bytes.get() + offset, stored);
        std::memset(dst + stored, 0, n - stored);
        return n;
    }
    std::size_t done = 0;
    while (done < n) {
        const std::uint64_t page = (offset + done) / kPage;
        const Leaf* leaf = find_leaf(page);
        // One lookup serves every page of this leaf the read reaches.
        for (unsigned slot = slot_of(page, 1); slot < kFanout && done < n; ++slot) {
            const std::size_t from = (offset + done) % kPage;
            const std::size_t chunk = std::min<std::uint64_t>(kPage - from, n - done);
            const std::byte* src = leaf ? leaf->pages[slot].get() : nullptr;
            if (src) {
                std::memcpy(dst + done, src + from, chunk);
            } else {
                std::memset(dst + done, 0, chunk);
            }
            done += chunk;
        }
    }
    return n;
}

Result<std::size_t> FileData::write(std::uint64_t offset, std::span<const std::byte> in) {
    if (in.empty()) return 0;
    if (ends_past_max(offset, in.size())) return fail(EFBIG);
    const std::uint64_t end = offset + in.size();
    std::size_t done = in.size();
    if (!root_ && end <= kPage) {
        IMFS_TRY(write_small(offset, in));
    } else {
        IMFS_TRY(move_small_into_table());
        done = write_pages(offset, in);
        // Out of memory part way: a short write, as when a device fills up.
        if (done == 0) return fail(ENOMEM);
    }
    size_ = std::max(size_, offset + done);
    return done;
}

Result<void> FileData::write_small(std::uint64_t offset, std::span<const std::byte> in) {
    const auto end = static_cast<std::uint32_t>(offset + in.size());
    if (end > small_.cap) {
        // Powers of two: appending byte by byte copies each byte O(1) times.
        const std::uint32_t cap = std::max(kMinSmallCapacity, std::bit_ceil(end));
        PagePool::BlockPtr grown = IMFS_TRY(PagePool::process_pool().allocate_block(cap));
        if (small_.len > 0) std::memcpy(grown.get(), small_.bytes.get(), small_.len);
        if (!small_.bytes) ++pages_;  // the small buffer counts as a page
        small_.bytes = std::move(grown);
        small_.cap = cap;
    }
    if (offset > small_.len) std::memset(small_.bytes.get() + small_.len, 0, offset - small_.len);
    std::memcpy(small_.bytes.get() + offset, in.data(), in.size());
    small_.len = std::max(small_.len, end);
    return {};
}

std::size_t FileData::write_pages(std::uint64_t offset, std::span<const std::byte> in) {
    std::size_t done = 0;
    while (done < in.size()) {
        const std::uint64_t page = (offset + done) / kPage;
        Leaf& leaf = leaf_for(page);
        for (unsigned slot = slot_of(page, 1); slot < kFanout && done < in.size(); ++slot) {
            const std::size_t from = (offset + done) % kPage;
            const std::size_t chunk = std::min<std::uint64_t>(kPage - from, in.size() - done);
            auto bytes = page_for_write(leaf, slot, from, from + chunk);
            if (!bytes) return done;
            std::memcpy(*bytes + from, in.data() + done, chunk);
            done += chunk;
        }
    }
    return done;
}

// The page at slot, created if absent; the caller then fills [from, to).
Result<std::byte*> FileData::page_for_write(Leaf& leaf, unsigned slot, std::size_t from,
                                            std::size_t to) {
    auto& page = leaf.pages[slot];
    if (page) return page.get();
    // Only the bytes the caller will not overwrite need zeros: a fully
    // written page is never cleared first (and a reused one is not zero).
    page = IMFS_TRY(PagePool::process_pool().allocate());
    std::memset(page.get(), 0, from);
    std::memset(page.get() + to, 0, kPage - to);
    if (!(leaf.reserved & bit(slot))) ++pages_;
    leaf.reserved &= ~bit(slot);
    return page.get();
}

Result<void> FileData::move_small_into_table() {
    if (!small_.bytes) return {};
    // The page before the table: out of memory, the file stays small.
    PagePtr page = IMFS_TRY(PagePool::process_pool().allocate());
    std::memcpy(page.get(), small_.bytes.get(), small_.len);
    std::memset(page.get() + small_.len, 0, kPage - small_.len);
    leaf_for(0).pages[0] = std::move(page);
    small_ = {};  // pages_ counted it already, and counts the page now
    return {};
}

const FileData::Leaf* FileData::find_leaf(std::uint64_t page) const noexcept {
    if (!root_ || page >= span(height_)) return nullptr;
    const Node* node = root_.get();
    for (unsigned level = height_; level > 1 && node; --level) {
        node = static_cast<const Branch*>(node)->children[slot_of(page, level)].get();
    }
    return static_cast<const Leaf*>(node);
}

std::byte* FileData::find_page(std::uint64_t page) noexcept {
    const Leaf* leaf = find_leaf(page);
    return leaf ? leaf->pages[slot_of(page, 1)].get() : nullptr;
}

FileData::Leaf& FileData::leaf_for(std::uint64_t page) {
    if (!root_) height_ = height_for(page);
    // Grow upwards: the old table becomes the first child of a new root.
    while (page >= span(height_)) {
        auto branch = std::make_unique<Branch>();
        branch->children[0] = std::move(root_);
        root_ = std::move(branch);
        table_bytes_ += sizeof(Branch);
        ++height_;
    }
    std::unique_ptr<Node>* node = &root_;
    for (unsigned level = height_; level > 1; --level) {
        if (!*node) {
            *node = std::make_unique<Branch>();
            table_bytes_ += sizeof(Branch);
        }
        node = &static_cast<Branch&>(**node).children[slot_of(page, level)];
    }
    if (!*node) {
        *node = std::make_unique<Leaf>();
        table_bytes_ += sizeof(Leaf);
    }
    return static_cast<Leaf&>(**node);
}

void FileData::reserve_pages(std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t page = first; page <= last;) {
        Leaf& leaf = leaf_for(page);
        for (unsigned slot = slot_of(page, 1); slot < kFanout && page <= last; ++slot, ++page) {
            if (leaf.pages[slot]) continue;
            if (leaf.reserved & bit(slot)) {
                // As tmpfs: a page an earlier fallocate reserved becomes data
                // (zeros) when another fallocate covers it; only the pages
                // one call allocates anew stay holes for SEEK_DATA. Out of
                // memory it stays reserved, which reads the same.
                (void)page_for_write(leaf, slot, 0, 0);
                continue;
            }
            leaf.reserved |= bit(slot);
            ++pages_;
        }
    }
}

void FileData::zero_bytes(std::uint64_t from, std::uint64_t to) noexcept {
    if (small_.bytes) {
        if (from < small_.len)
            std::memset(small_.bytes.get() + from, 0,
                        std::min<std::uint64_t>(to, small_.len) - from);
        return;
    }
    while (from < to) {
        const std::uint64_t stop = std::min(to, (from / kPage + 1) * kPage);
        if (std::byte* page = find_page(from / kPage))
            std::memset(page + from % kPage, 0, stop - from);
        from = stop;
    }
}

void FileData::free_small() noexcept {
    small_ = {};
    --pages_;
}

void FileData::free_pages(std::uint64_t first, std::uint64_t last) noexcept {
    if (small_.bytes && first == 0) free_small();
    if (!root_ || first > last || first >= span(height_)) return;
    free_pages(root_, height_, 0, first, std::min(last, span(height_) - 1));
    lower_root();
}

void FileData::free_pages(std::unique_ptr<Node>& node, unsigned level, std::uint64_t base,
                          std::uint64_t first, std::uint64_t last) noexcept {
    if (!node) return;
    if (level == 1) {
        auto& leaf = static_cast<Leaf&>(*node);
        for (std::uint64_t page = first; page <= last; ++page) {
            const auto slot = static_cast<unsigned>(page - base);
            pages_ -= leaf.holds(slot);
            leaf.pages[slot].reset();
            leaf.reserved &= ~bit(slot);
        }
        if (leaf.reserved == 0 && std::ranges::none_of(leaf.pages, is_set)) {
            node.reset();
            table_bytes_ -= sizeof(Leaf);
        }
        return;
    }
    auto& branch = static_cast<Branch&>(*node);
    const std::uint64_t child_span = span(level - 1);
    for (std::uint64_t i = (first - base) / child_span; i <= (last - base) / child_span; ++i) {
        const std::uint64_t child_base = base + i * child_span;
        free_pages(branch.children[i], level - 1, child_base, std::max(first, child_base),
                   std::min(last, child_base + child_span - 1));
    }
    if (std::ranges::none_of(branch.children, is_set)) {
        node.reset();
        table_bytes_ -= sizeof(Branch);
    }
}

// After frees: a root whose only child is its first is dropped, so the
// height again follows the highest page and lookups stay short.
void FileData::lower_root() noexcept {
    while (root_ && height_ > 1) {
        auto& root = static_cast<Branch&>(*root_);
        if (std::any_of(root.children.begin() + 1, root.children.end(), is_set)) break;
        std::unique_ptr<Node> child = std::move(root.children[0]);
        root_ = std::move(child);
        table_bytes_ -= sizeof(Branch);
        --height_;
    }
    if (!root_) height_ = 0;
}

Result<void> FileData::truncate(std::uint64_t new_size) {
    if (new_size > kMaxSize) return fail(EFBIG);
    if (new_size <= size_) {
        if (small_.bytes)
            small_.len = static_cast<std::uint32_t>(std::min<std::uint64_t>(small_.len, new_size));
        if (small_.bytes && small_.len == 0) free_small();
        zero_bytes(new_size, pages_to_cover(new_size) * kPage);
        free_pages(pages_to_cover(new_size), kAllPages);
    }
    size_ = new_size;
    return {};
}

void FileData::punch_hole(std::uint64_t offset, std::uint64_t len) {
    if (len == 0 || offset >= kMaxSize) return;
    const std::uint64_t end = offset + std::min(len, kMaxSize - offset);
    const std::uint64_t first_whole = pages_to_cover(offset);
    const std::uint64_t end_whole = end / kPage;  // one past the last whole page
    if (first_whole >= end_whole) {
        zero_bytes(offset, end);
        return;
    }
    zero_bytes(offset, first_whole * kPage);
    zero_bytes(end_whole * kPage, end);
    free_pages(first_whole, end_whole - 1);
}

Result<void> FileData::zero_range(std::uint64_t offset, std::uint64_t len, bool keep_size) {
    IMFS_TRY(allocate(offset, len, keep_size));
    zero_bytes(offset, offset + len);
    return {};
}

Result<void> FileData::allocate(std::uint64_t offset, std::uint64_t len, bool keep_size) {
    if (ends_past_max(offset, len)) return fail(EFBIG);
    if (len == 0) return {};
    const std::uint64_t end = offset + len;
    // A non-empty small buffer already backs all of page 0.
    if (!small_.bytes || end > kPage) {
        IMFS_TRY(move_small_into_table());
        reserve_pages(offset / kPage, (end - 1) / kPage);
    }
    if (!keep_size) size_ = std::max(size_, end);
    return {};
}

Result<std::uint64_t> FileData::seek_data(std::uint64_t offset) const {
    if (offset >= size_) return fail(ENXIO);
    const std::uint64_t first = offset / kPage;
    std::optional<std::uint64_t> page;
    if (small_.bytes) {
        if (first == 0) page = 0;
    } else if (root_ && first < span(height_)) {
        page = next_page(root_.get(), height_, 0, first, true);
    }
    if (!page || *page >= pages_to_cover(size_)) return fail(ENXIO);
    return std::max(offset, *page * kPage);
}

Result<std::uint64_t> FileData::seek_hole(std::uint64_t offset) const {
    if (offset >= size_) return fail(ENXIO);
    const std::uint64_t first = offset / kPage;
    std::uint64_t page = first;  // everything outside the table is a hole
    if (small_.bytes) {
        page = std::max<std::uint64_t>(first, 1);
    } else if (root_ && first < span(height_)) {
        page = next_page(root_.get(), height_, 0, first, false).value_or(span(height_));
    }
    if (page >= pages_to_cover(size_)) return size_;
    return std::max(offset, page * kPage);
}

std::optional<std::uint64_t> FileData::next_page(const Node* node, unsigned level,
                                                 std::uint64_t base, std::uint64_t first,
                                                 bool data) {
    if (!node) return data ? std::nullopt : std::optional(std::max(first, base));
    const std::uint64_t start = first > base ? first - base : 0;
    if (level == 1) {
        const auto& leaf = static_cast<const Leaf&>(*node);
        for (auto slot = static_cast<unsigned>(start); slot < kFanout; ++slot) {
            if ((leaf.pages[slot] != nullptr) == data) return base + slot;
        }
        return std::nullopt;
    }
    const auto& branch = static_cast<const Branch&>(*node);
    const std::uint64_t child_span = span(level - 1);
    for (std::uint64_t i = start / child_span; i < kFanout; ++i) {
        const std::uint64_t child_base = base + i * child_span;
        if (auto found = next_page(branch.children[i].get(), level - 1, child_base, first, data)) {
            return found;
        }
    }
    return std::nullopt;
}

}  // namespace imfs::core
