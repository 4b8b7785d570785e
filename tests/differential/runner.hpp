// Running one sequence of operations on both sides and comparing them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "operations.hpp"

namespace differential {

// What one call gave on one side, reduced to what both sides define.
struct Outcome {
    long long value = 0;  // the return value; for new descriptors: 0 or -1
    int error = 0;        // errno when value is -1
    std::string detail;   // bytes read, stat fields, sorted names

    bool operator==(const Outcome&) const = default;
    std::string to_string() const;
};

struct Divergence {
    std::size_t index;  // in the sequence run
    Outcome host, imfs;
};

// Runs ops on a fresh host directory and a fresh IMFS session side by side;
// the first divergence, if any. Exits with status 2 if a side cannot be set
// up.
std::optional<Divergence> run_sequence(const std::vector<Op>& ops);

// Prints ops as C calls with what each side gave, marking divergences.
void print_sequence(const std::vector<Op>& ops);

}  // namespace differential
