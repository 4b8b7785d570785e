#include "core/directory.hpp"

#include <dirent.h>
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/sanitizers.hpp"
#if IMFS_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace imfs::core {
namespace {

InodeId inode(std::uint32_t index) {
    return InodeId{index, 1};
}

// Walks the whole directory from the start, as readdir does.
std::vector<Directory::Position> walk(const Directory& dir) {
    std::vector<Directory::Position> positions;
    for (auto p = dir.next(0); p; p = dir.next(p->cookie + 1))
        positions.push_back(*p);
    return positions;
}

std::vector<std::string> names_of(const Directory& dir) {
    std::vector<std::string> names;
    for (const auto& p : walk(dir))
        names.emplace_back(p.entry->name());
    return names;
}

std::string name_of(std::size_t i) {
    return "f" + std::to_string(i);
}

// Bytes the heap has handed out, small and mmapped blocks alike. Under
// AddressSanitizer, whose allocator replaces malloc's (mallinfo2 then reads
// zero), its own count of bytes allocated.
std::size_t heap_in_use() {
#if IMFS_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#endif
}

TEST(DirectoryTest, EmptyDirectoryHasNothing) {
    Directory dir;
    EXPECT_TRUE(dir.empty());
    EXPECT_EQ(dir.size(), 0u);
    EXPECT_EQ(dir.find("a"), nullptr);
    EXPECT_FALSE(dir.next(0));
    EXPECT_FALSE(dir.next(Directory::kFirstCookie));
    EXPECT_FALSE(dir.next(Directory::kEndCookie));
    EXPECT_FALSE(dir.erase("a"));
    EXPECT_FALSE(dir.replace("a", inode(1), DT_REG));
}

TEST(DirectoryTest, FindsWhatWasInserted) {
    Directory dir;
    dir.insert("a", inode(1), DT_REG);
    dir.insert("bb", inode(2), DT_DIR);
    dir.insert("a-name-longer-than-the-small-string-buffer", inode(3), DT_LNK);

    EXPECT_EQ(dir.size(), 3u);
    EXPECT_FALSE(dir.empty());
    const Directory::Entry* a = dir.find("a");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->name(), "a");
    EXPECT_EQ(a->inode, inode(1));
    EXPECT_EQ(a->type, DT_REG);
    ASSERT_NE(dir.find("bb"), nullptr);
    EXPECT_EQ(dir.find("bb")->type, DT_DIR);
    ASSERT_NE(dir.find("a-name-longer-than-the-small-string-buffer"), nullptr);
    EXPECT_EQ(dir.find("a-name-longer-than-the-small-string-buffer")->inode, inode(3));
    EXPECT_EQ(dir.find("b"), nullptr);
    EXPECT_EQ(dir.find(""), nullptr);
    EXPECT_EQ(dir.find("A"), nullptr);
}

TEST(DirectoryTest, EraseRemovesOnlyThatName) {
    Directory dir;
    dir.insert("a", inode(1), DT_REG);
    dir.insert("b", inode(2), DT_REG);
    dir.insert("c", inode(3), DT_REG);

    EXPECT_TRUE(dir.erase("b"));
    EXPECT_FALSE(dir.erase("b"));
    EXPECT_EQ(dir.find("b"), nullptr);
    EXPECT_EQ(dir.size(), 2u);
    EXPECT_EQ(names_of(dir), (std::vector<std::string>{"a", "c"}));
    ASSERT_NE(dir.find("c"), nullptr);
    EXPECT_EQ(dir.find("c")->inode, inode(3));

    dir.insert("b", inode(4), DT_DIR);
    ASSERT_NE(dir.find("b"), nullptr);
    EXPECT_EQ(dir.find("b")->inode, inode(4));
    EXPECT_EQ(names_of(dir), (std::vector<std::string>{"a", "c", "b"}));

    EXPECT_TRUE(dir.erase("a"));
    EXPECT_TRUE(dir.erase("b"));
    EXPECT_TRUE(dir.erase("c"));
    EXPECT_TRUE(dir.empty());
    EXPECT_FALSE(dir.next(0));
}

TEST(DirectoryTest, ReplaceRepointsAndKeepsCookie) {
    Directory dir;
    dir.insert("a", inode(1), DT_REG);
    dir.insert("b", inode(2), DT_REG);
    const std::uint64_t cookie_b = walk(dir)[1].cookie;

    EXPECT_TRUE(dir.replace("b", inode(7), DT_DIR));
    EXPECT_FALSE(dir.replace("c", inode(8), DT_DIR));
    EXPECT_EQ(dir.find("c"), nullptr);
    EXPECT_EQ(dir.size(), 2u);
    ASSERT_NE(dir.find("b"), nullptr);
    EXPECT_EQ(dir.find("b")->inode, inode(7));
    EXPECT_EQ(dir.find("b")->type, DT_DIR);

    const auto positions = walk(dir);
    ASSERT_EQ(positions.size(), 2u);
    EXPECT_EQ(positions[1].cookie, cookie_b);
    EXPECT_EQ(positions[1].entry->inode, inode(7));
}

TEST(DirectoryTest, NextWalksInInsertionOrderThenEnds) {
    Directory dir;
    std::vector<std::string> inserted;
    for (std::size_t i = 0; i < 1000; ++i) {
        inserted.push_back(name_of(i * 7919 % 1000));
        dir.insert(inserted.back(), inode(static_cast<std::uint32_t>(i)), DT_REG);
    }

    const auto positions = walk(dir);
    ASSERT_EQ(positions.size(), inserted.size());
    for (std::size_t i = 0; i < positions.size(); ++i) {
        EXPECT_EQ(positions[i].entry->name(), inserted[i]);
        EXPECT_GE(positions[i].cookie, Directory::kFirstCookie);
        EXPECT_LT(positions[i].cookie, Directory::kEndCookie);
        if (i > 0) {
            EXPECT_GT(positions[i].cookie, positions[i - 1].cookie);
        }
        // A position resumes exactly at its own entry.
        auto again = dir.next(positions[i].cookie);
        ASSERT_TRUE(again);
        EXPECT_EQ(again->entry, positions[i].entry);
    }
    // 0 and 1 belong to "." and ".."; asking from them starts at the first entry.
    EXPECT_EQ(dir.next(1)->entry->name(), inserted[0]);
    EXPECT_FALSE(dir.next(positions.back().cookie + 1));
    EXPECT_FALSE(dir.next(Directory::kEndCookie));
    EXPECT_FALSE(dir.next(UINT64_MAX));
}

TEST(DirectoryTest, WalkSeesSurvivorsOnceWhileDirectoryChanges) {
    Directory dir;
    for (std::size_t i = 0; i < 100; ++i)
        dir.insert(name_of(i), inode(i), DT_REG);

    std::map<std::string, int> seen;
    auto p = dir.next(0);
    for (int i = 0; i < 50; ++i, p = dir.next(p->cookie + 1)) {
        ASSERT_TRUE(p);
        ++seen[std::string(p->entry->name())];
    }
    ASSERT_TRUE(p);
    const std::uint64_t cookie = p->cookie;
    EXPECT_EQ(p->entry->name(), name_of(50));

    // Between two readdir calls: erase the current entry, earlier ones and
    // later ones; re-insert an earlier name; add new names; repoint one.
    EXPECT_TRUE(dir.erase(name_of(50)));
    for (std::size_t i = 0; i < 50; i += 2)
        EXPECT_TRUE(dir.erase(name_of(i)));
    for (std::size_t i = 51; i < 100; i += 3)
        EXPECT_TRUE(dir.erase(name_of(i)));
    dir.insert(name_of(10), inode(1000), DT_REG);
    for (std::size_t i = 100; i < 120; ++i)
        dir.insert(name_of(i), inode(i), DT_REG);
    EXPECT_TRUE(dir.replace(name_of(70), inode(2000), DT_DIR));

    for (p = dir.next(cookie); p; p = dir.next(p->cookie + 1))
        ++seen[std::string(p->entry->name())];

    for (std::size_t i = 0; i < 120; ++i) {
        const int times = seen.contains(name_of(i)) ? seen[name_of(i)] : 0;
        const bool erased_later = i > 50 && i < 100 && (i - 51) % 3 == 0;
        if (i == 50 || erased_later) {
            EXPECT_EQ(times, 0) << name_of(i);
        } else if (i == 10) {
            // Read, erased, then inserted again: a new entry, shown once more.
            EXPECT_EQ(times, 2);
        } else {
            // Survivors, and earlier names read before they were erased.
            EXPECT_EQ(times, 1) << name_of(i);
        }
    }
}

TEST(DirectoryTest, WalkSurvivesCompaction) {
    Directory dir;
    for (std::size_t i = 0; i < 10000; ++i)
        dir.insert(name_of(i), inode(i), DT_REG);

    std::set<std::string> seen;
    auto p = dir.next(0);
    for (int i = 0; i < 5000; ++i, p = dir.next(p->cookie + 1))
        seen.emplace(p->entry->name());
    const std::uint64_t resume = p->cookie;

    // Erasing nine in ten drops most slots, which compacts the storage.
    for (std::size_t i = 0; i < 10000; ++i) {
        if (i % 10 != 0) {
            EXPECT_TRUE(dir.erase(name_of(i)));
        }
    }
    for (std::size_t i = 10000; i < 10010; ++i)
        dir.insert(name_of(i), inode(i), DT_REG);

    std::size_t read_after = 0;
    for (p = dir.next(resume); p; p = dir.next(p->cookie + 1)) {
        EXPECT_TRUE(seen.emplace(p->entry->name()).second) << p->entry->name() << " shown twice";
        ++read_after;
    }
    // 5000..9990 step 10 survived, plus the ten new names.
    EXPECT_EQ(read_after, 500u + 10u);
    for (std::size_t i = 0; i < 10000; i += 10)
        EXPECT_TRUE(seen.contains(name_of(i)));
}

TEST(DirectoryTest, CookiesAreNeverReused) {
    Directory dir;
    dir.insert("a", inode(1), DT_REG);
    const std::uint64_t first = dir.next(0)->cookie;
    EXPECT_TRUE(dir.erase("a"));
    dir.insert("a", inode(1), DT_REG);
    std::uint64_t highest = dir.next(0)->cookie;
    EXPECT_GT(highest, first);

    // Through compactions and a directory that empties completely.
    for (int round = 0; round < 5; ++round) {
        for (std::size_t i = 0; i < 300; ++i)
            dir.insert(name_of(i), inode(i), DT_REG);
        for (const auto& p : walk(dir)) {
            if (p.entry->name() != "a") {
                EXPECT_GT(p.cookie, highest);
            }
        }
        highest = walk(dir).back().cookie;
        for (std::size_t i = 0; i < 300; ++i)
            EXPECT_TRUE(dir.erase(name_of(i)));
    }
    EXPECT_TRUE(dir.erase("a"));
    EXPECT_TRUE(dir.empty());
    dir.insert("z", inode(9), DT_REG);
    EXPECT_GT(dir.next(0)->cookie, highest);
}

TEST(DirectoryTest, NextStepsOverLongRunsOfErasedEntries) {
    // 300,000 slots need four levels of the slot set; the erased run stays
    // under half the slots, so it is skipped, not compacted away.
    constexpr std::size_t kCount = 300000;
    Directory dir;
    for (std::size_t i = 0; i < kCount; ++i)
        dir.insert(name_of(i), inode(i), DT_REG);
    const auto before = walk(dir);

    for (std::size_t i = 1000; i < 140000; ++i)
        ASSERT_TRUE(dir.erase(name_of(i)));
    for (std::size_t i = kCount - 4000; i < kCount; ++i)
        ASSERT_TRUE(dir.erase(name_of(i)));

    auto p = dir.next(before[999].cookie + 1);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->entry->name(), name_of(140000));
    p = dir.next(before[500].cookie);
    EXPECT_EQ(p->entry->name(), name_of(500));
    p = dir.next(before[kCount - 4001].cookie + 1);
    EXPECT_FALSE(p);
    EXPECT_EQ(walk(dir).size(), kCount - 139000 - 4000);
}

// Random changes checked against a plain model, with a walk in progress
// throughout: every name present for the whole walk is seen exactly once,
// and no entry twice (cookies only rise).
TEST(DirectoryTest, RandomChangesMatchModelAndWalksStayExact) {
    for (unsigned seed = 1; seed <= 20; ++seed) {
        std::mt19937 random(seed);
        Directory dir;
        std::map<std::string, InodeId> model;
        const std::size_t names = 50 + seed * 40;

        bool walking = false;
        std::uint64_t resume = 0;  // where the walk in progress goes on
        std::map<std::string, int> seen;
        std::set<std::string> present_throughout;
        std::uint64_t last_cookie = 0;

        for (int step = 0; step < 4000; ++step) {
            const std::string name = name_of(random() % names);
            const auto id = inode(static_cast<std::uint32_t>(step));
            switch (random() % 4) {
                case 0:
                case 1:
                    if (model.contains(name)) {
                        EXPECT_TRUE(dir.erase(name));
                        model.erase(name);
                        present_throughout.erase(name);
                    } else {
                        dir.insert(name, id, DT_REG);
                        model[name] = id;
                    }
                    break;
                case 2:
                    EXPECT_EQ(dir.replace(name, id, DT_REG), model.contains(name));
                    if (model.contains(name)) model[name] = id;
                    break;
                case 3:
                    if (!walking) {
                        walking = true;
                        resume = 0;
                        seen.clear();
                        last_cookie = 0;
                        present_throughout.clear();
                        for (const auto& [n, _] : model)
                            present_throughout.insert(n);
                    }
                    for (int reads = 0; reads < 5; ++reads) {
                        const auto p = dir.next(resume);
                        if (!p) {
                            for (const auto& n : present_throughout) {
                                EXPECT_EQ(seen[n], 1) << n << ", seed " << seed;
                            }
                            walking = false;
                            break;
                        }
                        EXPECT_GT(p->cookie, last_cookie) << "seed " << seed;
                        last_cookie = p->cookie;
                        ++seen[std::string(p->entry->name())];
                        resume = p->cookie + 1;
                    }
                    break;
            }
            ASSERT_EQ(dir.size(), model.size());
        }
        for (std::size_t i = 0; i < names; ++i) {
            const Directory::Entry* entry = dir.find(name_of(i));
            const auto it = model.find(name_of(i));
            ASSERT_EQ(entry != nullptr, it != model.end()) << name_of(i);
            if (entry) {
                EXPECT_EQ(entry->inode, it->second);
            }
        }
        EXPECT_EQ(walk(dir).size(), model.size());
    }
}

// Every name stays findable, and no erased or never-inserted one is found,
// at every load the index passes through: filling to 7/8 of 1,024 buckets
// (the fullest it gets before growing, where probe runs are longest), then
// at that load erasing a name and inserting another 800 times, which shifts
// buckets back with every erase, then erasing all in random order, which
// compacts and shrinks the index.
TEST(DirectoryTest, EveryNameIsFoundAtEveryLoadWhileFillingChurningAndEmptying) {
    constexpr std::size_t kFull = 896;   // 7/8 of 1,024
    constexpr std::size_t kChurn = 800;  // fewer erases than kFull: no compaction
    constexpr std::size_t kNames = kFull + kChurn;
    Directory dir;
    std::vector<bool> present(kNames, false);
    const auto check = [&dir, &present] {
        for (std::size_t i = 0; i < kNames; ++i) {
            const Directory::Entry* entry = dir.find(name_of(i));
            ASSERT_EQ(entry != nullptr, present[i]) << name_of(i) << " at size " << dir.size();
            if (entry) {
                ASSERT_EQ(entry->inode, inode(static_cast<std::uint32_t>(i)));
            }
            ASSERT_EQ(dir.find("m" + std::to_string(i)), nullptr);
        }
    };
    const auto insert = [&dir, &present](std::size_t i) {
        dir.insert(name_of(i), inode(static_cast<std::uint32_t>(i)), DT_REG);
        present[i] = true;
    };
    const auto erase = [&dir, &present](std::size_t i) {
        ASSERT_TRUE(dir.erase(name_of(i)));
        present[i] = false;
    };
    std::mt19937 random(7);

    for (std::size_t i = 0; i < kFull; ++i) {
        insert(i);
        ASSERT_NO_FATAL_FAILURE(check());
    }
    std::vector<std::size_t> live(kFull);
    for (std::size_t i = 0; i < kFull; ++i)
        live[i] = i;
    for (std::size_t step = 0; step < kChurn; ++step) {
        std::size_t& victim = live[random() % live.size()];
        ASSERT_NO_FATAL_FAILURE(erase(victim));
        victim = kFull + step;
        insert(victim);
        ASSERT_EQ(dir.size(), kFull);
        ASSERT_NO_FATAL_FAILURE(check());
    }
    std::shuffle(live.begin(), live.end(), random);
    for (std::size_t i : live) {
        ASSERT_NO_FATAL_FAILURE(erase(i));
        ASSERT_NO_FATAL_FAILURE(check());
    }
    EXPECT_TRUE(dir.empty());
}

TEST(DirectoryTest, ErasedLongNamesReleaseTheirMemory) {
    // Names of NAME_MAX bytes, held on the heap. The allocator's per-thread
    // cache keeps up to 7 freed blocks of a size (the test's own temporary
    // names share it), which mallinfo2 still counts as in use; most of the
    // others must show. Erase too few to compact:
    // the names must be freed by the erase itself, not by a later
    // compaction.
    const auto long_name = [](std::size_t i) {
        std::string name = name_of(i);
        name.resize(NAME_MAX, 'x');
        return name;
    };
    Directory dir;
    for (std::size_t i = 0; i < 100; ++i)
        dir.insert(long_name(i), inode(i), DT_REG);
    const std::size_t before = heap_in_use();
    for (std::size_t i = 0; i < 40; ++i)
        ASSERT_TRUE(dir.erase(long_name(i)));
    EXPECT_LE(heap_in_use() + 20 * NAME_MAX, before);
    EXPECT_EQ(dir.size(), 60u);
    for (std::size_t i = 40; i < 100; ++i) {
        const Directory::Entry* entry = dir.find(long_name(i));
        ASSERT_NE(entry, nullptr);
        EXPECT_EQ(entry->name(), long_name(i));
    }
}

// The budget is 300 MiB for a million empty files in one directory, inodes
// included; the directory's share is about 120 bytes an entry. Measured with
// GCC 12 / glibc 2.36 (mallinfo2): 65.5 bytes an entry at a million (32-byte
// entries and 8-byte cookies, 25.2 bytes of index, 0.1 of slot set; 81.6
// with 56-byte slots holding a std::string). At worst, just after the slots
// and the index have both grown: 40 bytes a slot with room for half as many
// again, 60, and at most 16/7 12-byte buckets an entry, 27.4, so about 88.
// After erasing all but ten entries, about 800 bytes.
TEST(DirectoryTest, MillionEntriesFitTheMemoryBudgetAndShrinkBack) {
    constexpr std::size_t kCount = 1000000;
    const auto ten_chars = [](std::size_t i) {
        std::string name = "file" + std::to_string(i);
        name.resize(10, '_');
        return name;
    };
    double per_entry = 0;
    std::size_t left_for_ten = 0;
    const std::size_t baseline = heap_in_use();
    {
        Directory dir;
        for (std::size_t i = 0; i < kCount; ++i) {
            dir.insert(ten_chars(i), inode(static_cast<std::uint32_t>(i)), DT_REG);
        }
        per_entry = static_cast<double>(heap_in_use() - baseline) / kCount;
        EXPECT_LE(per_entry, 120.0);
        ASSERT_EQ(dir.size(), kCount);
        ASSERT_NE(dir.find(ten_chars(123456)), nullptr);

        for (std::size_t i = 0; i < kCount; ++i) {
            if (i % (kCount / 10) != 7) {
                ASSERT_TRUE(dir.erase(ten_chars(i)));
            }
        }
        left_for_ten = heap_in_use() - baseline;
        // A million entries held about 73 MB; what ten keep must be tiny. The
        // slack is for what the allocator keeps of its own (bins, arenas),
        // which varies from build to build by a few KiB.
        EXPECT_LE(left_for_ten, 64u * 1024);
        ASSERT_EQ(dir.size(), 10u);
        std::vector<std::string> expected;
        for (std::size_t i = 7; i < kCount; i += kCount / 10)
            expected.push_back(ten_chars(i));
        EXPECT_EQ(names_of(dir), expected);
        for (const auto& name : expected)
            EXPECT_NE(dir.find(name), nullptr);
    }
    // All of it returned, but for what the allocator's own caches keep.
    EXPECT_LE(heap_in_use(), baseline + 64 * 1024);
    // Printed last: the first write to stdout allocates its buffer.
    std::cout << "[ directory ] " << per_entry << " bytes an entry; " << left_for_ten
              << " bytes left for ten\n";
}

}  // namespace
}  // namespace imfs::core
