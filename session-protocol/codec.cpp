#include "codec.hpp"

#include <cstring>

namespace imfs::protocol {

namespace {

constexpr std::size_t kWord = sizeof(capnp::word);
// Enough for the segment table of any frame we accept, and most requests.
constexpr std::size_t kInitialBytes = 64u << 10;

}  // namespace

capnp::ReaderOptions reader_options(std::size_t frame_words) {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 4 * frame_words + 1024;
    options.nestingLimit = kNestingLimit;
    return options;
}

kj::Array<capnp::word> encode(capnp::MessageBuilder& message) {
    return capnp::messageToFlatArray(message);
}

std::vector<std::uint32_t> segment_table(
    kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments) {
    std::vector<std::uint32_t> table((segments.size() + 2) & ~std::size_t{1});
    table[0] = static_cast<std::uint32_t>(segments.size() - 1);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        table[i + 1] = static_cast<std::uint32_t>(segments[i].size());
    }
    return table;
}

FrameReader::FrameReader(std::size_t max_frame_bytes)
    : buffer_(kj::heapArray<capnp::word>(kInitialBytes / kWord)),
      max_frame_bytes_(max_frame_bytes) {}

std::span<std::byte> FrameReader::free_space() {
    auto* bytes = reinterpret_cast<std::byte*>(buffer_.begin());
    std::size_t capacity = buffer_.size() * kWord;
    if (filled_ == capacity) {
        // Move the unconsumed tail to the front, or grow (bounded by the
        // frame limit, which next() enforces before anyone waits on more).
        std::size_t pending = filled_ - consumed_;
        if (consumed_ > 0) {
            std::memmove(bytes, bytes + consumed_, pending);
            filled_ = pending;
            consumed_ = 0;
        } else {
            auto bigger = kj::heapArray<capnp::word>(buffer_.size() * 2);
            std::memcpy(bigger.begin(), bytes, pending);
            buffer_ = kj::mv(bigger);
            bytes = reinterpret_cast<std::byte*>(buffer_.begin());
            capacity = buffer_.size() * kWord;
        }
    }
    return {bytes + filled_, capacity - filled_};
}

void FrameReader::commit(std::size_t n) {
    filled_ += n;
}

core::Result<std::optional<FrameReader::Frame>> FrameReader::next() {
    std::size_t available_words = (filled_ - consumed_) / kWord;
    const capnp::word* start = buffer_.begin() + consumed_ / kWord;
    if (available_words == 0) return std::nullopt;
    // The answer grows as more of the segment table arrives; check the
    // limit on every answer, before waiting for (or allocating) more.
    std::size_t expected = capnp::expectedSizeInWordsFromPrefix({start, available_words});
    if (expected * kWord > max_frame_bytes_) return core::fail(EMSGSIZE);
    if (expected > available_words) {
        // Make room for the whole frame now, so free_space() never has to
        // grow past what this frame needs.
        std::size_t need = consumed_ + expected * kWord;
        if (need > buffer_.size() * kWord && consumed_ > 0) {
            std::size_t pending = filled_ - consumed_;
            auto* bytes = reinterpret_cast<std::byte*>(buffer_.begin());
            std::memmove(bytes, bytes + consumed_, pending);
            filled_ = pending;
            consumed_ = 0;
            need = expected * kWord;
        }
        if (need > buffer_.size() * kWord) {
            std::size_t words = buffer_.size();
            while (words * kWord < need)
                words *= 2;
            auto bigger = kj::heapArray<capnp::word>(words);
            std::memcpy(bigger.begin(), buffer_.begin(), filled_);
            buffer_ = kj::mv(bigger);
        }
        return std::nullopt;
    }
    kj::ArrayPtr<const capnp::word> frame(start, expected);
    consumed_ += expected * kWord;
    if (consumed_ == filled_) consumed_ = filled_ = 0;  // the frame's bytes stay in place
    Frame result;
    try {
        result.reader =
            std::make_unique<capnp::FlatArrayMessageReader>(frame, reader_options(expected));
    } catch (const kj::Exception&) {
        return core::fail(EBADMSG);  // a segment table that does not add up
    }
    return result;
}

}  // namespace imfs::protocol
