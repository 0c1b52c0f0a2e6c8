#include "auth/sigv4_canonical.h"

#include <gtest/gtest.h>

namespace gantry::auth::sigv4 {
namespace {

TEST(SigV4Canonical, UriIsNormalizedAndEncodedAgainExceptForS3) {
  EXPECT_EQ(canonical_uri("", "ecs"), "/");
  EXPECT_EQ(canonical_uri("/", "ecs"), "/");
  EXPECT_EQ(canonical_uri("/a%20b/./c/../d//e", "ecs"), "/a%2520b/d/e");
  EXPECT_EQ(canonical_uri("/a/b/", "ecs"), "/a/b/");
  EXPECT_EQ(canonical_uri("/../..", "ecs"), "/");
  EXPECT_EQ(canonical_uri("/$delete:*", "ecs"), "/%24delete%3A%2A");
  EXPECT_EQ(canonical_uri("/a%20b/./c", "s3"), "/a%20b/./c");
}

TEST(SigV4Canonical, QueryIsReencodedAndSorted) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(canonical_query("flag&x="), "flag=&x=");
  EXPECT_EQ(canonical_query("k=a%2fb&s=a b&p=+"), "k=a%2Fb&p=%2B&s=a%20b");
  EXPECT_EQ(canonical_query("bad=%zz%4"), "bad=%25zz%254");
  EXPECT_EQ(canonical_query("&&a=1&"), "a=1");
}

TEST(SigV4Canonical, TargetSplitsPathAndQuery) {
  Target plain = split_target("/x/y?a=1?b#frag");
  EXPECT_EQ(plain.path, "/x/y");
  EXPECT_EQ(plain.query, "a=1?b");
  Target absolute = split_target("HTTP://host:80/p?q");
  EXPECT_EQ(absolute.path, "/p");
  EXPECT_EQ(absolute.query, "q");
  EXPECT_EQ(split_target("https://host").path, "");
}

TEST(SigV4Canonical, TrimAllCollapsesWhitespace) {
  EXPECT_EQ(trim_all("  a   b\t\tc  "), "a b c");
  EXPECT_EQ(trim_all(" \t "), "");
  EXPECT_EQ(trim_all("\"a   b   c\""), "\"a b c\"");
}

TEST(SigV4Canonical, SplitKeepsEmptyPieces) {
  EXPECT_EQ(split("a//b/", '/'), (std::vector<std::string_view>{"a", "", "b", ""}));
  EXPECT_EQ(split("", '/'), (std::vector<std::string_view>{""}));
}

}  // namespace
}  // namespace gantry::auth::sigv4
