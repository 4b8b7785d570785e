// Which sanitizer this translation unit is built with, for the few places
// that must know: IMFS_ASAN (AddressSanitizer), IMFS_TSAN
// (ThreadSanitizer), IMFS_SANITIZED (either). GCC says so with
// __SANITIZE_*__, clang with __has_feature.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define IMFS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMFS_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define IMFS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IMFS_TSAN 1
#endif
#endif

#if defined(IMFS_ASAN) || defined(IMFS_TSAN)
#define IMFS_SANITIZED 1
#endif
