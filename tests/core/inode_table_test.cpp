// InodeTable and InodeRef: allocation, generations, freeing rules, limits.
#include "core/inode_table.hpp"

#include <cerrno>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace imfs::core {
namespace {

Inode& allocate(InodeTable& table, NodeType type = NodeType::regular) {
    Result<Inode*> made = table.allocate(type);
    EXPECT_TRUE(made.has_value());
    return **made;
}

TEST(InodeTableTest, AllocateMakesAnUnnamedUnheldInodeOfTheType) {
    InodeTable table(100);
    EXPECT_EQ(table.used(), 0u);
    EXPECT_EQ(table.max_inodes(), 100u);

    Inode& dir = allocate(table, NodeType::directory);
    EXPECT_EQ(dir.type, NodeType::directory);
    EXPECT_EQ(dir.nlink, 0u);
    EXPECT_EQ(dir.open_count, 0u);
    EXPECT_NE(dir.id.index, 0u) << "index 0 would be inode number 0";
    EXPECT_EQ(table.find(dir.id), &dir);
    EXPECT_EQ(&table.at(dir.id), &dir);
    EXPECT_EQ(table.used(), 1u);

    Inode& link = allocate(table, NodeType::symlink);
    EXPECT_EQ(link.type, NodeType::symlink);
    EXPECT_NE(link.id, dir.id);
    EXPECT_NE(&link, &dir);
    EXPECT_EQ(table.find(link.id), &link);
    EXPECT_EQ(table.used(), 2u);
}

TEST(InodeTableTest, EachTypeGetsItsOwnEmptyContent) {
    InodeTable table(100);
    Inode& file = allocate(table, NodeType::regular);
    ASSERT_NE(file.data(), nullptr);
    EXPECT_EQ(file.data()->size(), 0u);
    EXPECT_EQ(file.data()->blocks(), 0u);
    EXPECT_EQ(file.size(), 0u);

    Inode& link = allocate(table, NodeType::symlink);
    EXPECT_EQ(link.data(), nullptr);
    EXPECT_EQ(link.link_target(), "");

    for (NodeType type : {NodeType::directory, NodeType::fifo, NodeType::socket,
                          NodeType::char_device, NodeType::block_device}) {
        Inode& other = allocate(table, type);
        EXPECT_EQ(other.data(), nullptr);
        EXPECT_TRUE(std::holds_alternative<std::monostate>(other.content));
    }
}

TEST(InodeTableTest, IdsThatWereNeverMadeFindNothing) {
    InodeTable table(100);
    EXPECT_EQ(table.find(InodeId{}), nullptr);
    EXPECT_EQ(table.find(InodeId{1, 0}), nullptr);
    Inode& inode = allocate(table);
    EXPECT_EQ(table.find(InodeId{}), nullptr);
    EXPECT_EQ(table.find(InodeId{inode.id.index + 1, inode.id.generation}), nullptr);
    EXPECT_EQ(table.find(InodeId{inode.id.index + 5000, inode.id.generation}), nullptr);
    EXPECT_EQ(table.find(InodeId{inode.id.index, inode.id.generation + 1}), nullptr);
}

TEST(InodeTableTest, AnUnusedInodeIsFreed) {
    InodeTable table(100);
    InodeId id = allocate(table).id;
    table.free_if_unused(id);
    EXPECT_EQ(table.find(id), nullptr);
    EXPECT_EQ(table.used(), 0u);
    // Freeing again is harmless: the id is stale now.
    table.free_if_unused(id);
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeTableTest, ANamedInodeIsNotFreed) {
    InodeTable table(100);
    Inode& inode = allocate(table);
    inode.nlink = 1;
    table.free_if_unused(inode.id);
    EXPECT_EQ(table.find(inode.id), &inode);
    EXPECT_EQ(table.used(), 1u);

    inode.nlink = 0;
    table.free_if_unused(inode.id);
    EXPECT_EQ(table.find(inode.id), nullptr);
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeTableTest, AHeldInodeIsFreedOnlyAtTheLastRelease) {
    InodeTable table(100);
    Inode& inode = allocate(table);
    InodeId id = inode.id;
    table.hold(id);
    table.hold(id);
    EXPECT_EQ(inode.open_count, 2u);

    table.free_if_unused(id);  // nlink is 0, but it is held
    EXPECT_EQ(table.find(id), &inode);

    table.release(id);
    EXPECT_EQ(table.find(id), &inode);
    EXPECT_EQ(inode.open_count, 1u);

    table.release(id);
    EXPECT_EQ(table.find(id), nullptr);
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeTableTest, ReleaseKeepsAnInodeThatStillHasAName) {
    InodeTable table(100);
    Inode& inode = allocate(table);
    inode.nlink = 1;
    table.hold(inode.id);
    table.release(inode.id);
    EXPECT_EQ(table.find(inode.id), &inode);
    EXPECT_EQ(inode.open_count, 0u);
    EXPECT_EQ(table.used(), 1u);
}

TEST(InodeTableTest, AStaleIdDoesNotFindTheInodeThatReusesItsSlot) {
    // One inode at a time: the second allocation can only reuse the slot.
    InodeTable table(1);
    Inode& first = allocate(table, NodeType::symlink);
    first.mode = 0640;
    first.nlink = 1;
    first.link_target() = "old";
    InodeId old_id = first.id;
    first.nlink = 0;
    table.free_if_unused(old_id);

    Inode& second = allocate(table, NodeType::directory);
    EXPECT_EQ(second.id.index, old_id.index) << "the arena reuses a freed slot";
    EXPECT_NE(second.id, old_id);
    EXPECT_EQ(table.find(old_id), nullptr);
    EXPECT_EQ(table.find(second.id), &second);
    // The new inode starts fresh, nothing of the old one left behind.
    EXPECT_EQ(second.type, NodeType::directory);
    EXPECT_EQ(second.mode, 0u);
    EXPECT_EQ(second.nlink, 0u);
    EXPECT_EQ(second.open_count, 0u);
    EXPECT_EQ(second.data(), nullptr);
    EXPECT_FALSE(std::holds_alternative<std::string>(second.content));
}

TEST(InodeTableTest, NoStaleIdEverFindsALiveInode) {
    InodeTable table(8);
    std::vector<InodeId> stale;
    std::set<std::uint32_t> indexes;
    for (int round = 0; round < 1000; ++round) {
        InodeId id = allocate(table).id;
        indexes.insert(id.index);
        for (InodeId old : stale)
            ASSERT_EQ(table.find(old), nullptr) << "round " << round;
        table.free_if_unused(id);
        stale.push_back(id);
    }
    EXPECT_LE(indexes.size(), 8u) << "freed slots are reused";
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeTableTest, TheInodeLimitGivesEnospc) {
    InodeTable table(3);
    std::vector<InodeId> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(allocate(table).id);
    Result<Inode*> over = table.allocate(NodeType::regular);
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error(), Errno{ENOSPC});
    EXPECT_EQ(table.used(), 3u);
    for (InodeId id : ids)
        EXPECT_NE(table.find(id), nullptr) << "a failed allocation changes nothing";

    table.free_if_unused(ids[1]);
    Result<Inode*> again = table.allocate(NodeType::regular);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(table.used(), 3u);
    EXPECT_FALSE(table.allocate(NodeType::regular).has_value());
}

TEST(InodeTableTest, AnInodeStaysPutWhileThousandsMoreAreMade) {
    InodeTable table(100'000);
    Inode& first = allocate(table, NodeType::symlink);
    first.mode = 0751;
    first.link_target() = "still here";
    Inode* address = &first;
    InodeId id = first.id;

    std::vector<InodeId> others;
    for (int i = 0; i < 20'000; ++i) {
        Inode& other = allocate(table);
        other.mode = static_cast<mode_t>(i % 0777);
        others.push_back(other.id);
    }
    EXPECT_EQ(table.find(id), address);
    EXPECT_EQ(address->id, id);
    EXPECT_EQ(address->mode, 0751u);
    EXPECT_EQ(address->link_target(), "still here");
    for (std::size_t i = 0; i < others.size(); ++i)
        ASSERT_EQ(table.at(others[i]).mode, static_cast<mode_t>(i % 0777));
    EXPECT_EQ(table.used(), 20'001u);
}

TEST(InodeRefTest, AnEmptyRefHoldsNothing) {
    InodeTable table(10);
    {
        InodeRef empty;
        InodeRef copy = empty;
        InodeRef assigned;
        assigned = empty;
    }
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeRefTest, ARefHoldsItsInodeUntilDestroyed) {
    InodeTable table(10);
    Inode& inode = allocate(table);
    InodeId id = inode.id;
    {
        InodeRef ref(table, id);
        EXPECT_EQ(inode.open_count, 1u);
        EXPECT_EQ(ref.id(), id);
        EXPECT_EQ(&*ref, &inode);
        EXPECT_EQ(ref->id, id);
        table.free_if_unused(id);
        EXPECT_EQ(table.find(id), &inode) << "held: not freed";
    }
    EXPECT_EQ(table.find(id), nullptr) << "unnamed and no longer held: freed";
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeRefTest, CopiesHoldTooAndTheLastOneFrees) {
    InodeTable table(10);
    Inode& inode = allocate(table);
    InodeId id = inode.id;
    auto first = std::make_unique<InodeRef>(table, id);
    auto second = std::make_unique<InodeRef>(*first);
    EXPECT_EQ(inode.open_count, 2u);
    EXPECT_EQ(second->id(), id);

    first.reset();
    EXPECT_EQ(table.find(id), &inode);
    EXPECT_EQ(inode.open_count, 1u);

    second.reset();
    EXPECT_EQ(table.find(id), nullptr);
}

TEST(InodeRefTest, AssignmentReleasesTheOldInodeAndHoldsTheNew) {
    InodeTable table(10);
    InodeId a = allocate(table).id;
    Inode& b_inode = allocate(table);
    b_inode.nlink = 1;  // b has a name: it survives losing its holders
    InodeId b = b_inode.id;

    InodeRef ref_a(table, a);
    {
        InodeRef ref_b(table, b);
        ref_a = ref_b;
        EXPECT_EQ(table.find(a), nullptr) << "a lost its only holder";
        EXPECT_EQ(ref_a.id(), b);
        EXPECT_EQ(b_inode.open_count, 2u);
    }
    EXPECT_EQ(b_inode.open_count, 1u);

    ref_a = InodeRef();
    EXPECT_EQ(b_inode.open_count, 0u);
    EXPECT_EQ(table.find(b), &b_inode);
    EXPECT_EQ(table.used(), 1u);
}

TEST(InodeRefTest, SelfAssignmentKeepsTheCount) {
    InodeTable table(10);
    Inode& inode = allocate(table);
    InodeRef ref(table, inode.id);
    InodeRef& alias = ref;
    ref = alias;
    EXPECT_EQ(inode.open_count, 1u);
    EXPECT_EQ(table.find(inode.id), &inode);
}

TEST(InodeRefTest, MovingKeepsExactlyOneHold) {
    InodeTable table(10);
    Inode& inode = allocate(table);
    InodeId id = inode.id;
    {
        InodeRef source(table, id);
        InodeRef moved = std::move(source);
        InodeRef target;
        target = std::move(moved);
        EXPECT_EQ(target.id(), id);
        EXPECT_GE(inode.open_count, 1u);
    }
    EXPECT_EQ(table.find(id), nullptr) << "every hold was given back";
    EXPECT_EQ(table.used(), 0u);
}

TEST(InodeRefTest, RefsInAGrowingVectorBalanceOut) {
    InodeTable table(10);
    Inode& inode = allocate(table);
    InodeId id = inode.id;
    {
        std::vector<InodeRef> refs;
        for (int i = 0; i < 100; ++i)
            refs.emplace_back(table, id);
        EXPECT_EQ(inode.open_count, 100u);
        refs.erase(refs.begin(), refs.begin() + 40);
        EXPECT_EQ(inode.open_count, 60u);
    }
    EXPECT_EQ(table.find(id), nullptr);
}

}  // namespace
}  // namespace imfs::core
