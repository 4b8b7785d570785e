// Path: parsing a caller's path once (EFAULT, PATH_MAX) and splitting it.
#include "core/path.hpp"

#include <limits.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace imfs::core {
namespace {

std::vector<std::string> components_of(const char* text) {
    Result<Path> path = Path::parse(text);
    EXPECT_TRUE(path.has_value()) << text;
    std::vector<std::string> parts;
    if (path) {
        for (std::string_view part : path->components())
            parts.emplace_back(part);
    }
    return parts;
}

using Parts = std::vector<std::string>;

TEST(PathTest, NullIsEfault) {
    Result<Path> path = Path::parse(static_cast<const char*>(nullptr));
    ASSERT_FALSE(path.has_value());
    EXPECT_EQ(path.error(), Errno{EFAULT});
}

TEST(PathTest, TheTextIsKeptAsGiven) {
    for (const char* text : {"a", "/a//b/", "./x/../y", "///", "name with spaces"}) {
        Result<Path> path = Path::parse(text);
        ASSERT_TRUE(path.has_value()) << text;
        EXPECT_EQ(path->text(), text);
        Result<Path> from_view = Path::parse(std::string_view(text));
        ASSERT_TRUE(from_view.has_value()) << text;
        EXPECT_EQ(from_view->text(), text);
    }
}

TEST(PathTest, PathMaxCountsTheTerminatingNul) {
    // PATH_MAX (4096) includes the NUL: 4095 bytes of text fit, 4096 do not
    // (checked with stat(2) on the host).
    std::string fits(PATH_MAX - 1, 'a');
    std::string too_long(PATH_MAX, 'a');

    Result<Path> ok = Path::parse(fits.c_str());
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->text().size(), 4095u);
    Result<Path> ok_view = Path::parse(std::string_view(fits));
    ASSERT_TRUE(ok_view.has_value());
    EXPECT_EQ(ok_view->text().size(), 4095u);

    Result<Path> bad = Path::parse(too_long.c_str());
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error(), Errno{ENAMETOOLONG});
    Result<Path> bad_view = Path::parse(std::string_view(too_long));
    ASSERT_FALSE(bad_view.has_value());
    EXPECT_EQ(bad_view.error(), Errno{ENAMETOOLONG});
}

TEST(PathTest, AVeryLongPathIsEnametoolong) {
    std::string huge(1 << 20, '/');
    Result<Path> path = Path::parse(huge.c_str());
    ASSERT_FALSE(path.has_value());
    EXPECT_EQ(path.error(), Errno{ENAMETOOLONG});
}

TEST(PathTest, SlashesOnlyFitUpToPathMax) {
    std::string slashes(PATH_MAX - 1, '/');
    Result<Path> path = Path::parse(slashes.c_str());
    ASSERT_TRUE(path.has_value());
    EXPECT_TRUE(path->is_absolute());
    EXPECT_TRUE(path->components().empty());
    slashes.push_back('/');
    EXPECT_FALSE(Path::parse(slashes.c_str()).has_value());
}

TEST(PathTest, TheEmptyPathIsValidAndEmpty) {
    Result<Path> path = Path::parse("");
    ASSERT_TRUE(path.has_value());
    EXPECT_TRUE(path->is_empty());
    EXPECT_FALSE(path->is_absolute());
    EXPECT_FALSE(path->has_trailing_slash());
    EXPECT_TRUE(path->components().empty());
    EXPECT_FALSE(Path::parse("a")->is_empty());
    EXPECT_FALSE(Path::parse("/")->is_empty());
}

TEST(PathTest, ComponentsSkipRepeatedSlashes) {
    EXPECT_EQ(components_of("a"), (Parts{"a"}));
    EXPECT_EQ(components_of("a/b/c"), (Parts{"a", "b", "c"}));
    EXPECT_EQ(components_of("a//b///c"), (Parts{"a", "b", "c"}));
    EXPECT_EQ(components_of("/a/b"), (Parts{"a", "b"}));
    EXPECT_EQ(components_of("//a//b"), (Parts{"a", "b"}));
    EXPECT_EQ(components_of("a//b/"), (Parts{"a", "b"}));
    EXPECT_EQ(components_of("a/b//"), (Parts{"a", "b"}));
    EXPECT_EQ(components_of("/"), Parts{});
    EXPECT_EQ(components_of("////"), Parts{});
}

TEST(PathTest, DotsAreComponentsLeftForTheResolver) {
    EXPECT_EQ(components_of("./a/../b/."), (Parts{".", "a", "..", "b", "."}));
    EXPECT_EQ(components_of("/.."), (Parts{".."}));
    EXPECT_EQ(components_of("..."), (Parts{"..."}));
}

TEST(PathTest, ComponentsAreViewsIntoTheText) {
    Result<Path> path = Path::parse("/abc//de/");
    ASSERT_TRUE(path.has_value());
    auto parts = path->components();
    ASSERT_EQ(parts.size(), 2u);
    const char* begin = path->text().data();
    const char* end = begin + path->text().size();
    for (std::string_view part : parts) {
        EXPECT_GE(part.data(), begin);
        EXPECT_LE(part.data() + part.size(), end);
    }
    EXPECT_EQ(parts[0].data(), begin + 1);
    EXPECT_EQ(parts[1].data(), begin + 6);
}

TEST(PathTest, AbsoluteMeansALeadingSlash) {
    EXPECT_TRUE(Path::parse("/")->is_absolute());
    EXPECT_TRUE(Path::parse("/a")->is_absolute());
    EXPECT_TRUE(Path::parse("//a")->is_absolute());
    EXPECT_FALSE(Path::parse("a")->is_absolute());
    EXPECT_FALSE(Path::parse("a/")->is_absolute());
    EXPECT_FALSE(Path::parse("./a")->is_absolute());
    EXPECT_FALSE(Path::parse(" /a")->is_absolute());
}

TEST(PathTest, TrailingSlashIsSeen) {
    EXPECT_TRUE(Path::parse("a/")->has_trailing_slash());
    EXPECT_TRUE(Path::parse("a//")->has_trailing_slash());
    EXPECT_TRUE(Path::parse("/a/b/")->has_trailing_slash());
    EXPECT_FALSE(Path::parse("a")->has_trailing_slash());
    EXPECT_FALSE(Path::parse("/a/b")->has_trailing_slash());
    EXPECT_FALSE(Path::parse("a/b")->has_trailing_slash());
}

TEST(PathTest, LongComponentsAreTheResolversBusiness) {
    // NAME_MAX applies per component during the walk (ENAMETOOLONG there),
    // not to the path as a whole.
    const std::string text = "/" + std::string(NAME_MAX + 1, 'x') + "/y";
    Result<Path> path = Path::parse(text.c_str());  // a view: text must outlive it
    ASSERT_TRUE(path.has_value());
    ASSERT_EQ(path->components().size(), 2u);
    EXPECT_EQ(path->components()[0].size(), 256u);
}

TEST(PathTest, ValidNames) {
    EXPECT_TRUE(is_valid_name("a"));
    EXPECT_TRUE(is_valid_name("file.txt"));
    EXPECT_TRUE(is_valid_name("with space"));
    EXPECT_TRUE(is_valid_name("..."));
    EXPECT_TRUE(is_valid_name(std::string(NAME_MAX, 'n')));
    EXPECT_TRUE(is_valid_name("\xff\xfe"));
}

TEST(PathTest, InvalidNames) {
    EXPECT_FALSE(is_valid_name(""));
    EXPECT_FALSE(is_valid_name("/"));
    EXPECT_FALSE(is_valid_name("a/b"));
    EXPECT_FALSE(is_valid_name("a/"));
    EXPECT_FALSE(is_valid_name("/a"));
    EXPECT_FALSE(is_valid_name(std::string(NAME_MAX + 1, 'n')));
    EXPECT_FALSE(is_valid_name(std::string(1000, 'n')));
}

}  // namespace
}  // namespace imfs::core
