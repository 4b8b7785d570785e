// A cache hint that the compiler keeps.
#pragma once

namespace imfs::core {

// Starts loading the cache line holding p (a valid pointer: the asm names
// *p as its operand, though a prefetch itself never faults). GCC 12 deletes __builtin_prefetch
// whenever the address depends on a bounds check done before it (measured on Debian's 12.2), which
// is every useful case here, so x86 gets the instruction itself.
inline void prefetch_line(const void* p) noexcept {
#if defined(__x86_64__) || defined(__i386__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

}  // namespace imfs::core
