// A process-wide object that is never destroyed.
#pragma once

#include <memory>

namespace imfs::core {

// Holds a T constructed with the holder and never destroyed: declared as a
// function-local static, it is what the static itself would be, but still
// usable from atexit handlers, from other statics' destructors and from
// threads that outlive main, all of which may run after a static's own
// destructor would have. A union member is destroyed only if its
// destructor is called, and Immortal never calls it. What T holds stays
// reachable from static storage, so leak checkers do not report it.
template <class T>
class Immortal {
  public:
    Immortal() { std::construct_at(&value_); }
    ~Immortal() {}
    Immortal(const Immortal&) = delete;
    Immortal& operator=(const Immortal&) = delete;

    T& get() noexcept { return value_; }

  private:
    union {
        T value_;
    };
};

}  // namespace imfs::core
