// libFuzzer's entry point for one target, chosen at compile time.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return imfs::fuzz::IMFS_FUZZ_ENTRY(data, size);
}
