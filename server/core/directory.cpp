#include "core/directory.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <cstring>
#include <functional>
#include <utility>

namespace imfs::core {

namespace {

// Grow by half rather than std::vector's doubling: with 40 bytes a slot
// (entry and cookie), doubling could leave a directory of a million entries
// with room for two million, far over its memory budget.
constexpr std::size_t grown_capacity(std::size_t size) {
    return size + size / 2 + 4;
}

// The index keeps its load at or below 7/8, so a probe always meets an
// empty bucket. At 7/8 a lookup of a present name reads 4.5 buckets on
// average (54 bytes, one or two cache lines), as with any linear probing;
// Robin Hood order keeps a missing name's lookup about as short (5 buckets,
// where plain linear probing needs 32.5).
constexpr bool over_max_load(std::size_t entries, std::size_t buckets) {
    return entries * 8 > buckets * 7;
}

}  // namespace

static_assert(sizeof(Directory::Entry) == 32);

Directory::Entry::Entry(std::string_view name, InodeId inode, unsigned char type)
    : inode(inode), type(type), size_(static_cast<std::uint8_t>(name.size())) {
    assert(!name.empty() && name.size() <= NAME_MAX);
    if (name.size() <= kInline) {
        std::memcpy(inline_, name.data(), name.size());
    } else {
        heap_ = std::make_unique_for_overwrite<char[]>(name.size());
        std::memcpy(heap_.get(), name.data(), name.size());
    }
}

void Directory::insert(std::string_view name, InodeId inode, unsigned char type) {
    assert(!name.empty());
    assert(find(name) == nullptr);
    assert(next_cookie_ < kEndCookie);
    assert(slots_.size() < Bucket::kEmpty);

    const std::uint32_t hash = hash_of(name);
    const auto slot = static_cast<std::uint32_t>(slots_.size());
    // Room in both first: the pushes below then cannot throw, so running
    // out of memory leaves slots_ and cookies_ in step.
    if (slots_.size() == slots_.capacity() || cookies_.size() == cookies_.capacity()) {
        const std::size_t capacity = grown_capacity(slots_.size());
        slots_.reserve(capacity);
        cookies_.reserve(capacity);
    }
    slots_.emplace_back(name, inode, type);
    cookies_.push_back(next_cookie_++);
    live_.push_back();
    ++live_count_;
    if (over_max_load(live_count_, index_.size())) {
        rebuild_index();
    } else {
        index_insert(slot, hash, inode.index);
    }
}

bool Directory::replace(std::string_view name, InodeId inode, unsigned char type) {
    const std::size_t bucket = find_bucket(name);
    if (bucket == index_.size()) return false;
    Entry& entry = slots_[index_[bucket].slot];
    entry.inode = inode;
    index_[bucket].inode_index = inode.index;
    entry.type = type;
    return true;
}

bool Directory::erase(std::string_view name) {
    const std::size_t bucket = find_bucket(name);
    if (bucket == index_.size()) return false;
    const std::uint32_t slot = index_[bucket].slot;
    index_erase(bucket);
    slots_[slot].clear();
    live_.remove(slot);
    --live_count_;
    if (slots_.size() - live_count_ > live_count_) compact();
    return true;
}

std::optional<Directory::Position> Directory::next(std::uint64_t from) const {
    // Tombstones keep their cookies, so the whole vector is sorted by cookie.
    const auto first =
        std::ranges::partition_point(cookies_, [from](std::uint64_t c) { return c < from; });
    const std::size_t slot = live_.next(static_cast<std::size_t>(first - cookies_.begin()));
    if (slot == SlotSet::kNone) return std::nullopt;
    return Position{cookies_[slot], &slots_[slot]};
}

std::uint32_t Directory::hash_of(std::string_view name) noexcept {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(name));
}

void Directory::index_insert(std::uint32_t slot, std::uint32_t hash, std::uint32_t inode_index) {
    // Robin Hood: the bucket being placed takes the place of the first one
    // nearer its home than it is, which then moves on in its stead.
    const std::size_t mask = index_.size() - 1;
    Bucket carried{slot, hash, inode_index};
    for (std::size_t i = hash & mask, distance = 0;; i = (i + 1) & mask, ++distance) {
        Bucket& bucket = index_[i];
        if (bucket.slot == Bucket::kEmpty) {
            bucket = carried;
            return;
        }
        const std::size_t resident = probe_distance(bucket, i, mask);
        if (resident < distance) {
            std::swap(bucket, carried);
            distance = resident;
        }
    }
}

void Directory::index_erase(std::size_t bucket) {
    // Backward-shift deletion: the buckets after the hole, up to an empty
    // one or one at its home position, each move back by one. That keeps
    // Robin Hood order, and every lookup still reaches its name before an
    // empty bucket.
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = bucket;
    for (std::size_t i = (hole + 1) & mask;
         index_[i].slot != Bucket::kEmpty && probe_distance(index_[i], i, mask) > 0;
         i = (i + 1) & mask) {
        index_[hole] = index_[i];
        hole = i;
    }
    index_[hole] = Bucket{};
}

void Directory::rebuild_index() {
    std::size_t buckets = 0;
    if (live_count_ > 0) {
        buckets = 8;
        while (over_max_load(live_count_, buckets))
            buckets *= 2;
    }
    // A fresh vector, not assign(): assign keeps the old capacity.
    index_ = std::vector<Bucket>(buckets);
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        const Entry& entry = slots_[slot];
        if (entry.is_tombstone()) continue;
        index_insert(static_cast<std::uint32_t>(slot), hash_of(entry.name()), entry.inode.index);
    }
}

void Directory::compact() {
    // Order-preserving, the cookies moving with their slots.
    std::size_t kept = 0;
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        if (slots_[slot].is_tombstone()) continue;
        if (kept != slot) {
            slots_[kept] = std::move(slots_[slot]);
            cookies_[kept] = cookies_[slot];
        }
        ++kept;
    }
    slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(kept), slots_.end());
    cookies_.resize(kept);
    slots_.shrink_to_fit();
    cookies_.shrink_to_fit();
    live_.assign_all(slots_.size());
    rebuild_index();
}

void Directory::SlotSet::assign_all(std::size_t count) {
    levels_ = {};
    size_ = 0;
    for (std::size_t i = 0; i < count; ++i)
        push_back();
}

void Directory::SlotSet::push_back() {
    const std::size_t slot = size_++;
    if (levels_.empty()) levels_.emplace_back();
    for (std::size_t level = 0, bit = slot; level < levels_.size(); ++level, bit /= 64) {
        std::vector<std::uint64_t>& words = levels_[level];
        // Members are added in order, so a level grows by at most one word.
        if (bit / 64 == words.size()) words.push_back(0);
        words[bit / 64] |= std::uint64_t{1} << (bit % 64);
        if (level + 1 == levels_.size() && words.size() > 1) {
            // The top level outgrew its one word: summarise it with a new
            // top. Word 0's bit is set here, word 1's on the next turn.
            const std::uint64_t first_word_bit = words[0] != 0 ? 1 : 0;
            levels_.push_back({first_word_bit});
        }
    }
}

void Directory::SlotSet::remove(std::size_t slot) {
    for (std::size_t level = 0, bit = slot; level < levels_.size(); ++level, bit /= 64) {
        std::uint64_t& word = levels_[level][bit / 64];
        word &= ~(std::uint64_t{1} << (bit % 64));
        // The levels above track only whether a word is zero.
        if (word != 0) return;
    }
}

std::size_t Directory::SlotSet::next(std::size_t from) const {
    if (levels_.empty()) return kNone;
    return next_at(0, from);
}

std::size_t Directory::SlotSet::next_at(std::size_t level, std::size_t from) const {
    const std::vector<std::uint64_t>& words = levels_[level];
    std::size_t word = from / 64;
    if (word >= words.size()) return kNone;
    std::uint64_t bits = words[word] & (~std::uint64_t{0} << (from % 64));
    if (bits == 0) {
        // Nothing at or after from in this word: the level above names the
        // next word that has a member, in O(1) per level.
        if (level + 1 == levels_.size()) return kNone;
        word = next_at(level + 1, word + 1);
        if (word == kNone) return kNone;
        bits = words[word];
    }
    return word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
}

}  // namespace imfs::core
