// The name of an inode in the arena: a slot index plus the generation the
// slot had when the inode was made, so a reused slot is never mistaken for
// the inode that held it before.
#pragma once

#include <compare>
#include <cstdint>

namespace imfs::core {

struct InodeId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    friend auto operator<=>(InodeId, InodeId) = default;
};

}  // namespace imfs::core
