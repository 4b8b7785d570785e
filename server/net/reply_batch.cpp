#include "reply_batch.hpp"

#include "codec.hpp"

namespace imfs::net {

namespace {

// Words in a reply's first segment: a stat reply fits, a read's data gets a
// segment of its own.
constexpr unsigned kFirstSegmentWords = 64;

}  // namespace

std::unique_ptr<capnp::MallocMessageBuilder> ReplyBatch::new_message() {
    return std::make_unique<capnp::MallocMessageBuilder>(kFirstSegmentWords);
}

void ReplyBatch::add(std::unique_ptr<capnp::MallocMessageBuilder> message) {
    auto segments = message->getSegmentsForOutput();
    // The stream framing: segment count - 1, each segment's size in words,
    // padded to a whole word.
    std::vector<std::uint32_t>& table =
        tables_.emplace_back(imfs::protocol::segment_table(segments));
    buffers_.emplace_back(table.data(), table.size() * sizeof(std::uint32_t));
    bytes_ += table.size() * sizeof(std::uint32_t);
    for (auto segment : segments) {
        buffers_.emplace_back(segment.begin(), segment.size() * sizeof(capnp::word));
        bytes_ += segment.size() * sizeof(capnp::word);
    }
    messages_.push_back(std::move(message));
}

void ReplyBatch::clear() {
    messages_.clear();
    tables_.clear();
    buffers_.clear();
    bytes_ = 0;
}

}  // namespace imfs::net
