// The frame reader both sides use: frames however the stream cuts them,
// and the size limit enforced before a frame is buffered.
#include "codec.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace imfs::protocol {
namespace {

std::vector<std::byte> frame_of(std::uint64_t id, const std::string& path) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    request.setId(id);
    auto call = request.initOpenat();
    call.setPath(path);
    auto words = encode(message);
    auto bytes = words.asBytes();
    std::vector<std::byte> out(bytes.size());
    std::memcpy(out.data(), bytes.begin(), bytes.size());
    return out;
}

// Copies bytes into the reader in pieces of at most piece bytes, collecting
// every frame as soon as it is complete.
std::vector<std::pair<std::uint64_t, std::string>> feed(FrameReader& reader,
                                                        const std::vector<std::byte>& bytes,
                                                        std::size_t piece) {
    std::vector<std::pair<std::uint64_t, std::string>> seen;
    std::size_t offset = 0;
    while (true) {
        while (true) {
            auto frame = reader.next();
            EXPECT_TRUE(frame.has_value());
            if (!frame || !*frame) break;
            auto request = (*frame)->reader->getRoot<Request>();
            seen.emplace_back(request.getId(), request.getOpenat().getPath().cStr());
        }
        if (offset == bytes.size()) break;
        auto space = reader.free_space();
        std::size_t n = std::min({piece, space.size(), bytes.size() - offset});
        std::memcpy(space.data(), bytes.data() + offset, n);
        reader.commit(n);
        offset += n;
    }
    return seen;
}

TEST(FrameReader, FramesSplitAcrossReads) {
    auto bytes = frame_of(7, "/split/across/reads");
    for (std::size_t piece : {1u, 3u, 8u, 13u}) {
        FrameReader reader;
        auto seen = feed(reader, bytes, piece);
        ASSERT_EQ(seen.size(), 1u) << "pieces of " << piece;
        EXPECT_EQ(seen[0].first, 7u);
        EXPECT_EQ(seen[0].second, "/split/across/reads");
        EXPECT_EQ(reader.buffered_bytes(), 0u);
    }
}

TEST(FrameReader, SeveralFramesInOneRead) {
    std::vector<std::byte> bytes;
    for (std::uint64_t id = 1; id <= 50; ++id) {
        auto frame = frame_of(id, "/f" + std::to_string(id));
        bytes.insert(bytes.end(), frame.begin(), frame.end());
    }
    FrameReader reader;
    auto seen = feed(reader, bytes, bytes.size());
    ASSERT_EQ(seen.size(), 50u);
    for (std::uint64_t id = 1; id <= 50; ++id) {
        EXPECT_EQ(seen[id - 1].first, id);
        EXPECT_EQ(seen[id - 1].second, "/f" + std::to_string(id));
    }
}

TEST(FrameReader, LargeFrameGrowsTheBufferOnce) {
    auto bytes = frame_of(1, std::string(1 << 20, 'p'));
    FrameReader reader;
    auto seen = feed(reader, bytes, 65536);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].second.size(), 1u << 20);
}

TEST(FrameReader, OverLimitFrameFailsBeforeItIsBuffered) {
    FrameReader reader(1 << 20);
    // The segment table alone says the frame is 2 MiB: EMSGSIZE at once.
    std::uint32_t header[2] = {0, (2u << 20) / 8};
    auto space = reader.free_space();
    std::memcpy(space.data(), header, sizeof header);
    reader.commit(sizeof header);
    auto frame = reader.next();
    ASSERT_FALSE(frame.has_value());
    EXPECT_EQ(frame.error().value, EMSGSIZE);
    EXPECT_LE(reader.free_space().size(), 64u << 10);  // nothing grown for it
}

TEST(FrameReader, OverLimitSegmentCountFails) {
    FrameReader reader;
    std::uint32_t header[2] = {0xfffffff0u, 1};
    auto space = reader.free_space();
    std::memcpy(space.data(), header, sizeof header);
    reader.commit(sizeof header);
    auto frame = reader.next();
    ASSERT_FALSE(frame.has_value());
    EXPECT_EQ(frame.error().value, EMSGSIZE);
}

TEST(FrameReader, ReaderOptionsAreTight) {
    auto options = reader_options(100);
    EXPECT_LE(options.traversalLimitInWords, 4u * 100 + 1024);
    EXPECT_EQ(options.nestingLimit, kNestingLimit);
}

}  // namespace
}  // namespace imfs::protocol
