#include "api/pagination.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::api {
namespace {

namespace json = boost::json;

std::vector<std::string> page_of(const std::vector<std::string>& items, const json::object& body,
                                 json::object& response, bool descending = false) {
  std::vector<std::string> out;
  paginate(
      read_page_request(body), items, [](const std::string& s) { return s; },
      [&](const std::string& s) { out.push_back(s); }, response, descending);
  return out;
}

TEST(PaginationTest, WalksEveryItemOnceAcrossPages) {
  std::vector<std::string> items{"a", "b", "c", "d", "e"};
  std::vector<std::string> seen;
  json::object body{{"maxResults", 2}};
  for (int pages = 0; pages < 10; ++pages) {
    json::object response;
    for (auto& s : page_of(items, body, response)) seen.push_back(s);
    if (!response.contains("nextToken")) break;
    body["nextToken"] = response["nextToken"];
  }
  EXPECT_EQ(seen, items);
}

TEST(PaginationTest, DescendingOrder) {
  std::vector<std::string> items{"e", "d", "c", "b", "a"};
  std::vector<std::string> seen;
  json::object body{{"maxResults", 3}};
  for (int pages = 0; pages < 10; ++pages) {
    json::object response;
    for (auto& s : page_of(items, body, response, true)) seen.push_back(s);
    if (!response.contains("nextToken")) break;
    body["nextToken"] = response["nextToken"];
  }
  EXPECT_EQ(seen, items);
}

TEST(PaginationTest, NoTokenOnTheLastPage) {
  json::object response;
  EXPECT_EQ(page_of({"a", "b"}, json::object{{"maxResults", 2}}, response).size(), 2u);
  EXPECT_FALSE(response.contains("nextToken"));
}

TEST(PaginationTest, RefusesBadLimitsAndForeignTokens) {
  EXPECT_THROW(read_page_request(json::object{{"maxResults", 0}}), core::ApiError);
  EXPECT_THROW(read_page_request(json::object{{"maxResults", 101}}), core::ApiError);
  EXPECT_THROW(read_page_request(json::object{{"nextToken", "garbage!"}}), core::ApiError);
  EXPECT_THROW(read_page_request(json::object{{"nextToken", "Zm9v"}}), core::ApiError);  // "foo"
  EXPECT_EQ(*read_page_request(json::object{{"nextToken", encode_page_token("k/1")}}).after, "k/1");
}

}  // namespace
}  // namespace gantry::api
