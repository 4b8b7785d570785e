// The entries of one directory: names mapped to the inodes they name, and
// readdir positions (cookies) that stay valid while the directory changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/inode_id.hpp"

namespace imfs::core {

// The entries of one directory. A directory owns its entries; an entry does
// not own its inode (the inode table counts links). "." and ".." are not
// stored here. Names are never empty.
//
// Every entry gets a cookie when it is inserted, larger than any cookie this
// directory handed out before, and keeps it until it is erased. A reader
// keeps only a cookie between calls, so a readdir in progress sees every
// entry that exists for the whole walk exactly once, never one twice, and an
// entry inserted meanwhile at most once, after what it has read.
//
// Pointers returned by find() and next() stay valid until the next non-const
// call. Not thread-safe; the caller holds the tree lock.
class Directory {
  public:
    // 32 bytes: a name of up to 14 bytes is held inline, a longer one (up
    // to NAME_MAX) on the heap, so that a lookup's name compare and the
    // inode it finds lie in one aligned half of a cache line (alignas: malloc
    // alone aligns slots_ to 16 bytes, which splits every other entry).
    class alignas(32) Entry {
      public:
        Entry(std::string_view name, InodeId inode, unsigned char type);
        std::string_view name() const noexcept {
            return {size_ <= kInline ? inline_ : heap_.get(), size_};
        }

        InodeId inode;
        unsigned char type;  // DT_REG, DT_DIR, ...

      private:
        friend class Directory;
        static constexpr std::size_t kInline = 14;
        bool is_tombstone() const noexcept { return size_ == 0; }
        // Makes a tombstone, which holds no memory.
        void clear() noexcept {
            size_ = 0;
            heap_.reset();
        }
        std::uint8_t size_;  // names are never empty, and at most NAME_MAX (255)
        char inline_[kInline]{};
        std::unique_ptr<char[]> heap_;
    };

    // A readdir position. Cookies of stored entries are >= kFirstCookie (0
    // and 1 are left for "." and ".." by the caller) and < kEndCookie.
    static constexpr std::uint64_t kFirstCookie = 2;
    static constexpr std::uint64_t kEndCookie = INT64_MAX;  // fits getdents64's d_off
    struct Position {
        std::uint64_t cookie;
        const Entry* entry;
    };

    // The entry called name, or nullptr. O(1) average.
    const Entry* find(std::string_view name) const {
        return find(name, [](std::uint32_t) {});
    }

    // As find(name), and calls prefetch(index) with the inode index of each
    // candidate entry (one whose name hashes alike) before comparing names,
    // from the index alone. The caller starts loading the inode there, so
    // that load overlaps the one of the entry's name: on a directory too
    // large for the cache, a lookup then waits for two memory loads in a
    // row, not three.
    template <typename Prefetch>
    const Entry* find(std::string_view name, Prefetch&& prefetch) const {
        const std::size_t bucket = find_bucket(name, prefetch);
        return bucket == index_.size() ? nullptr : &slots_[index_[bucket].slot];
    }

    // Preconditions: name is absent, not empty and at most NAME_MAX bytes
    // (the caller answers ENAMETOOLONG). O(1) amortised.
    void insert(std::string_view name, InodeId inode, unsigned char type);

    // Points an existing name at another inode (rename over an existing
    // name); the entry keeps its cookie. Returns false if name is absent.
    bool replace(std::string_view name, InodeId inode, unsigned char type);

    // Removes the entry called name; returns false if absent. O(1) amortised.
    bool erase(std::string_view name);

    std::size_t size() const noexcept { return live_count_; }
    bool empty() const noexcept { return live_count_ == 0; }

    // The first entry whose cookie is >= from, or nullopt at the end. A
    // readdir resumes with next(position.cookie + 1). O(log n).
    std::optional<Position> next(std::uint64_t from) const;

    // The cookie the next insert will get: every entry inserted from now on
    // has a cookie >= this. A reader that stops here never sees an entry
    // made after it started, so a loop that creates files while it reads
    // the directory ends (as tmpfs' readdir does since Linux 6.12).
    std::uint64_t end_cookie() const noexcept { return next_cookie_; }

  private:
    // Storage, chosen for memory (a million 10-character names must cost at
    // most about 120 bytes each; this layout measures 65.5, and about 88 at
    // worst just after growing, see directory_test.cpp), for cookies that
    // are obviously stable, and for a lookup's cache misses (a random stat
    // of 100,000 files reads a bucket, then an entry and the inode):
    //
    // - slots_ holds entries (32 bytes, see Entry) in insertion order, and
    //   cookies_ beside it their cookies, so cookies ascend along it and
    //   next() is a binary search. Each slot keeps its own cookie, so
    //   removing slots never renumbers anything. An erased slot stays as a
    //   tombstone (empty name, cookie kept) until more than half of the
    //   slots are tombstones; then compact() removes them all in one
    //   order-preserving pass and shrinks the storage, which costs O(1)
    //   amortised per erase and keeps a directory that once held a million
    //   entries from keeping a million slots.
    // - live_ marks the slots that are not tombstones, so next() steps over
    //   any run of tombstones in O(log n) rather than one at a time.
    // - index_ is an open-addressing hash table of slot numbers: a name is
    //   stored once, in its slot, and the index costs 12 bytes per bucket
    //   instead of a node per name; see Bucket. Linear probing in Robin Hood
    //   order: along a probe run, buckets lie in order of their home
    //   positions, so a lookup that meets a bucket whose home is past its
    //   name's stops there. A missing name then costs about as many probes
    //   as a present one (5 at the 7/8 limit against 32.5 for plain linear
    //   probing), which lets the table fill to 7/8. Backward-shift deletion,
    //   so no tombstones of its own. For some sizes (n in (3/4, 7/8] of a
    //   power of two) that keeps the index half as big as a 3/4 limit would:
    //   at 100,000 entries 1.5 MiB rather than 3 MiB, more likely to stay in
    //   cache, so a random stat of 100,000 files waits less on it.

    // A set of slot numbers with next-member search in O(log64 n): one bit
    // per slot, and above it summary levels with one bit per word of the
    // level below, set iff that word is not zero. The top level is one word.
    class SlotSet {
      public:
        static constexpr std::size_t kNone = SIZE_MAX;
        // Makes the set {0, ..., count - 1}.
        void assign_all(std::size_t count);
        // Adds the slot number one past the largest ever added.
        void push_back();
        void remove(std::size_t slot);
        // The smallest member >= from, or kNone.
        std::size_t next(std::size_t from) const;

      private:
        std::size_t next_at(std::size_t level, std::size_t from) const;
        std::size_t size_ = 0;
        std::vector<std::vector<std::uint64_t>> levels_;
    };

    // One bucket of index_: a slot number, the low bits of its name's hash,
    // so most probes that miss do not touch the slot, and the index of the
    // entry's inode, for find()'s prefetch (the slot has the whole InodeId).
    struct Bucket {
        static constexpr std::uint32_t kEmpty = UINT32_MAX;
        std::uint32_t slot = kEmpty;
        std::uint32_t hash = 0;
        std::uint32_t inode_index = 0;
    };

    static std::uint32_t hash_of(std::string_view name) noexcept;
    // The bucket holding name, or index_.size() if none does; prefetch as
    // for find().
    template <typename Prefetch>
    std::size_t find_bucket(std::string_view name, Prefetch&& prefetch) const {
        if (index_.empty()) return 0;
        const std::uint32_t hash = hash_of(name);
        const std::size_t mask = index_.size() - 1;
        for (std::size_t i = hash & mask, distance = 0;; i = (i + 1) & mask, ++distance) {
            const Bucket& bucket = index_[i];
            if (bucket.slot == Bucket::kEmpty) return index_.size();
            if (bucket.hash == hash) {
                prefetch(bucket.inode_index);
                if (slots_[bucket.slot].name() == name) return i;
            } else if (probe_distance(bucket, i, mask) < distance) {
                // Robin Hood order: this bucket's home is past name's.
                return index_.size();
            }
        }
    }
    std::size_t find_bucket(std::string_view name) const {
        return find_bucket(name, [](std::uint32_t) {});
    }
    // How far bucket, found at position i, lies past its home position.
    static std::size_t probe_distance(const Bucket& bucket, std::size_t i,
                                      std::size_t mask) noexcept {
        return (i - bucket.hash) & mask;
    }
    void index_insert(std::uint32_t slot, std::uint32_t hash, std::uint32_t inode_index);
    void index_erase(std::size_t bucket);
    // Rebuilds index_ over the live slots with room for their number.
    void rebuild_index();
    void compact();

    std::vector<Entry> slots_;
    std::vector<std::uint64_t> cookies_;  // cookies_[i] is slots_[i]'s
    SlotSet live_;
    std::vector<Bucket> index_;  // size 0 or a power of two
    std::size_t live_count_ = 0;
    std::uint64_t next_cookie_ = kFirstCookie;
};

}  // namespace imfs::core
