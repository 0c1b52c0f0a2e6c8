#include <gtest/gtest.h>

#include <set>

#include "logs/log_groups.h"
#include "logs/log_reads.h"
#include "logs/log_store_fixture.h"
#include "logs/log_streams.h"
#include "logs/log_tags.h"
#include "logs/put_log_events_rules.h"

namespace gantry::logs {
namespace {

namespace json = boost::json;

class LogStoreOperationsTest : public test_support::LogStoreTest {
 protected:
  void SetUp() override {
    ok(write(create_log_group, {{"logGroupName", "app"}}));
    ok(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", "web"}}));
  }

  // `count` events "line N" one millisecond apart, ending `ago_ms` before now.
  json::array numbered(int first, int count, int64_t ago_ms = 0) {
    json::array events;
    int64_t start = now_ms() - ago_ms - count;
    for (int i = 0; i < count; ++i) {
      events.push_back(
          json::object{{"timestamp", start + i}, {"message", "line " + std::to_string(first + i)}});
    }
    return events;
  }

  std::vector<std::string> messages(const json::object& response) {
    std::vector<std::string> out;
    for (const auto& e : response.at("events").as_array()) {
      out.emplace_back(e.at("message").as_string());
    }
    return out;
  }
};

TEST_F(LogStoreOperationsTest, GroupsAndStreamsAreCreatedOnceAndFoundByName) {
  Answer again = write(create_log_group, {{"logGroupName", "app"}});
  EXPECT_EQ(error_type(again), "ResourceAlreadyExistsException");
  EXPECT_EQ(error_message(again), "The specified log group already exists");
  EXPECT_EQ(
      error_type(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", "web"}})),
      "ResourceAlreadyExistsException");
  Answer missing = write(create_log_stream, {{"logGroupName", "nope"}, {"logStreamName", "x"}});
  EXPECT_EQ(error_type(missing), "ResourceNotFoundException");
  EXPECT_EQ(error_message(missing), "The specified log group does not exist.");

  json::object groups = ok(read(describe_log_groups, {}));
  ASSERT_EQ(groups.at("logGroups").as_array().size(), 1u);
  const json::object& group = groups.at("logGroups").as_array()[0].as_object();
  EXPECT_EQ(group.at("logGroupName"), "app");
  EXPECT_EQ(group.at("arn"), "arn:aws:logs:us-east-1:123456789012:log-group:app:*");
  EXPECT_EQ(group.at("logGroupArn"), "arn:aws:logs:us-east-1:123456789012:log-group:app");
  EXPECT_EQ(group.at("creationTime").as_int64(), now_ms());
  EXPECT_FALSE(group.contains("retentionInDays"));
}

TEST_F(LogStoreOperationsTest, DescribeLogGroupsPagesByNameWithAPrefix) {
  for (const char* name : {"/ecs/a", "/ecs/b", "/ecs/c", "/other"}) {
    ok(write(create_log_group, {{"logGroupName", name}}));
  }
  std::vector<std::string> seen;
  json::object body{{"logGroupNamePrefix", "/ecs/"}, {"limit", 2}};
  for (int page = 0; page < 5; ++page) {
    json::object response = ok(read(describe_log_groups, body));
    for (const auto& g : response.at("logGroups").as_array()) {
      seen.emplace_back(g.at("logGroupName").as_string());
    }
    if (!response.contains("nextToken")) break;
    body["nextToken"] = response.at("nextToken");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"/ecs/a", "/ecs/b", "/ecs/c"}));
  EXPECT_EQ(error_type(read(describe_log_groups, {{"nextToken", "bogus"}})),
            "InvalidParameterException");
}

TEST_F(LogStoreOperationsTest, PutLogEventsKeepsValidEventsAndReportsTheRejected) {
  json::array events{
      json::object{{"timestamp", now_ms() - 15 * kMillisPerDay}, {"message", "old"}},
      json::object{{"timestamp", now_ms()}, {"message", "now"}},
      json::object{{"timestamp", now_ms() + 3 * kMillisPerHour}, {"message", "new"}}};
  json::object response = ok(put("app", "web", events));
  EXPECT_TRUE(response.contains("nextSequenceToken"));
  EXPECT_EQ(response.at("rejectedLogEventsInfo"),
            (json::object{{"tooOldLogEventEndIndex", 1}, {"tooNewLogEventStartIndex", 2}}));
  EXPECT_EQ(messages(ok(read(
                get_log_events,
                {{"logGroupName", "app"}, {"logStreamName", "web"}, {"startFromHead", true}}))),
            std::vector<std::string>{"now"});

  json::object stream = ok(read(describe_log_streams, {{"logGroupName", "app"}}))
                            .at("logStreams")
                            .as_array()[0]
                            .as_object();
  EXPECT_EQ(stream.at("firstEventTimestamp").as_int64(), now_ms());
  EXPECT_EQ(stream.at("lastEventTimestamp").as_int64(), now_ms());
  EXPECT_EQ(stream.at("lastIngestionTime").as_int64(), now_ms());
  EXPECT_EQ(stream.at("storedBytes").as_int64(), 0);  // as CloudWatch reports for streams
  EXPECT_EQ(ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("storedBytes"), 3);
}

TEST_F(LogStoreOperationsTest, PutLogEventsRefusalsLeaveNothingBehind) {
  json::array disorder{json::object{{"timestamp", now_ms()}, {"message", "b"}},
                       json::object{{"timestamp", now_ms() - 1}, {"message", "a"}}};
  EXPECT_EQ(error_type(put("app", "web", disorder)), "InvalidParameterException");
  EXPECT_EQ(error_message(put("app", "nope", numbered(0, 1))),
            "The specified log stream does not exist.");
  EXPECT_EQ(error_type(put("nope", "web", numbered(0, 1))), "ResourceNotFoundException");
  EXPECT_TRUE(
      messages(ok(read(get_log_events, {{"logGroupName", "app"}, {"logStreamName", "web"}})))
          .empty());
}

TEST_F(LogStoreOperationsTest, GetLogEventsPagesForwardAndBackwardOverEveryEventOnce) {
  for (int batch = 0; batch < 5; ++batch)
    ok(put("app", "web", numbered(batch * 100, 100, (4 - batch) * 100)));
  // Forward from the head, 30 at a time: every event once, in order, then
  // the same token back at the end.
  std::vector<std::string> forward;
  json::object body{
      {"logGroupName", "app"}, {"logStreamName", "web"}, {"startFromHead", true}, {"limit", 30}};
  std::string token;
  for (int page = 0; page < 100; ++page) {
    json::object response = ok(read(get_log_events, body));
    for (auto& m : messages(response)) forward.push_back(m);
    std::string next(response.at("nextForwardToken").as_string());
    ASSERT_TRUE(next.starts_with("f/"));
    ASSERT_TRUE(std::string(response.at("nextBackwardToken").as_string()).starts_with("b/"));
    if (next == token) break;
    token = next;
    body["nextToken"] = next;
  }
  ASSERT_EQ(forward.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(forward[i], "line " + std::to_string(i));

  // Backward from the tail (the default): the newest first page, then older.
  std::vector<std::string> backward;
  body = {{"logGroupName", "app"}, {"logStreamName", "web"}, {"limit", 70}};
  token.clear();
  for (int page = 0; page < 100; ++page) {
    json::object response = ok(read(get_log_events, body));
    std::vector<std::string> page_messages = messages(response);
    backward.insert(backward.begin(), page_messages.begin(), page_messages.end());
    std::string next(response.at("nextBackwardToken").as_string());
    if (next == token) break;
    token = next;
    body["nextToken"] = next;
  }
  EXPECT_EQ(backward, forward);
}

TEST_F(LogStoreOperationsTest, GetLogEventsHonoursTheTimeWindow) {
  json::array events;
  for (int i = 0; i < 10; ++i) {
    events.push_back(
        json::object{{"timestamp", now_ms() - 100 + i * 10}, {"message", std::to_string(i)}});
  }
  ok(put("app", "web", events));
  json::object body{{"logGroupName", "app"},
                    {"logStreamName", "web"},
                    {"startFromHead", true},
                    {"startTime", now_ms() - 80},
                    {"endTime", now_ms() - 40}};
  // startTime included, endTime excluded.
  EXPECT_EQ(messages(ok(read(get_log_events, body))),
            (std::vector<std::string>{"2", "3", "4", "5"}));
  body["nextToken"] = "f/garbage";
  EXPECT_EQ(error_type(read(get_log_events, body)), "InvalidParameterException");
}

TEST_F(LogStoreOperationsTest, FilterLogEventsInterleavesStreamsAndPages) {
  ok(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", "worker"}}));
  json::array web, worker;
  for (int i = 0; i < 50; ++i) {
    json::array& into = i % 2 ? worker : web;
    std::string level = i % 5 == 0 ? "ERROR" : i % 5 == 1 ? "WARN" : "DEBUG";
    into.push_back(json::object{{"timestamp", now_ms() - 1000 + i},
                                {"message", level + " event " + std::to_string(i)}});
  }
  ok(put("app", "web", web));
  ok(put("app", "worker", worker));

  auto filter_all = [&](json::object body) {
    body["logGroupName"] = "app";
    body["limit"] = 4;
    std::vector<std::string> seen;
    std::set<std::string> ids;
    for (int page = 0; page < 100; ++page) {
      json::object response = ok(read(filter_log_events, body));
      for (const auto& e : response.at("events").as_array()) {
        seen.emplace_back(e.at("message").as_string());
        EXPECT_TRUE(ids.insert(std::string(e.at("eventId").as_string())).second);
      }
      if (!response.contains("nextToken")) break;
      body["nextToken"] = response.at("nextToken");
    }
    return seen;
  };
  std::vector<std::string> errors = filter_all({{"filterPattern", "ERROR"}});
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_EQ(errors.front(), "ERROR event 0");
  EXPECT_EQ(errors.back(), "ERROR event 45");
  EXPECT_EQ(filter_all({{"filterPattern", "?ERROR ?WARN"}}).size(), 20u);
  EXPECT_EQ(filter_all({{"filterPattern", "-DEBUG"}}).size(), 20u);
  EXPECT_EQ(filter_all({}).size(), 50u);
  EXPECT_EQ(
      filter_all({{"logStreamNames", json::array{"worker"}}, {"filterPattern", "ERROR"}}).size(),
      5u);
  EXPECT_EQ(filter_all({{"logStreamNamePrefix", "we"}}).size(), 25u);
  // startTime and endTime both included.
  EXPECT_EQ(filter_all({{"startTime", now_ms() - 1000}, {"endTime", now_ms() - 991}}).size(), 10u);

  json::object first = ok(read(filter_log_events, {{"logGroupName", "app"}, {"limit", 1}}));
  EXPECT_EQ(first.at("searchedLogStreams").as_array().size(), 2u);
  EXPECT_EQ(
      error_type(read(filter_log_events, {{"logGroupName", "app"}, {"filterPattern", "{ $.a"}})),
      "InvalidParameterException");
  EXPECT_EQ(error_type(read(filter_log_events, {{"logGroupName", "app"},
                                                {"logStreamNames", json::array{"web"}},
                                                {"logStreamNamePrefix", "w"}})),
            "InvalidParameterException");
}

TEST_F(LogStoreOperationsTest, DescribeLogStreamsOrdersByNameOrLastEventTime) {
  for (const char* name : {"c", "a", "b"}) {
    ok(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", name}}));
  }
  // Last events: b oldest, then c, then a; web has none.
  ok(put("app", "b", numbered(0, 1, 300)));
  ok(put("app", "c", numbered(0, 1, 200)));
  ok(put("app", "a", numbered(0, 1, 100)));
  auto names = [&](json::object body) {
    body["logGroupName"] = "app";
    body["limit"] = 2;
    std::vector<std::string> out;
    for (int page = 0; page < 10; ++page) {
      json::object response = ok(read(describe_log_streams, body));
      for (const auto& s : response.at("logStreams").as_array()) {
        out.emplace_back(s.at("logStreamName").as_string());
      }
      if (!response.contains("nextToken")) break;
      body["nextToken"] = response.at("nextToken");
    }
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names({}), (Names{"a", "b", "c", "web"}));
  EXPECT_EQ(names({{"descending", true}}), (Names{"web", "c", "b", "a"}));
  EXPECT_EQ(names({{"orderBy", "LastEventTime"}}), (Names{"web", "b", "c", "a"}));
  EXPECT_EQ(names({{"orderBy", "LastEventTime"}, {"descending", true}}),
            (Names{"a", "c", "b", "web"}));
  EXPECT_EQ(names({{"logStreamNamePrefix", "w"}}), (Names{"web"}));
  EXPECT_EQ(error_type(read(describe_log_streams, {{"logGroupName", "app"},
                                                   {"orderBy", "LastEventTime"},
                                                   {"logStreamNamePrefix", "a"}})),
            "InvalidParameterException");
}

TEST_F(LogStoreOperationsTest, RetentionIsCheckedAndEnforcedAtOnceAndBySweep) {
  Answer bad = write(put_retention_policy, {{"logGroupName", "app"}, {"retentionInDays", 2}});
  EXPECT_EQ(error_type(bad), "InvalidParameterException");
  EXPECT_EQ(
      error_type(write(put_retention_policy, {{"logGroupName", "nope"}, {"retentionInDays", 1}})),
      "ResourceNotFoundException");

  ok(put("app", "web", numbered(0, 10, 3 * kMillisPerDay)));  // 3 days old
  ok(put("app", "web", numbered(10, 10)));                    // new
  ok(write(put_retention_policy, {{"logGroupName", "app"}, {"retentionInDays", 3}}));
  json::object get{{"logGroupName", "app"}, {"logStreamName", "web"}, {"startFromHead", true}};
  EXPECT_EQ(messages(ok(read(get_log_events, get))).size(), 10u);
  EXPECT_EQ(ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("retentionInDays"),
            3);

  // A PutLogEvents older than the policy: expired, reported.
  json::object response = ok(put("app", "web", numbered(100, 2, 4 * kMillisPerDay)));
  EXPECT_EQ(response.at("rejectedLogEventsInfo").at("expiredLogEventEndIndex"), 2);

  // Three days later the sweep (on the store's timer) drops the rest.
  clock_.advance(std::chrono::hours(72) + std::chrono::minutes(2));
  settle();
  EXPECT_TRUE(messages(ok(read(get_log_events, get))).empty());
  EXPECT_EQ(ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("storedBytes"), 0);

  ok(write(delete_retention_policy, {{"logGroupName", "app"}}));
  EXPECT_FALSE(ok(read(describe_log_groups, {}))
                   .at("logGroups")
                   .as_array()[0]
                   .as_object()
                   .contains("retentionInDays"));
}

TEST_F(LogStoreOperationsTest, TheSizeCapDropsTheOldestEventsFirst) {
  open(/*max_group_bytes=*/100);
  ok(put("app", "web", numbered(0, 10, 1000)));  // "line 0".."line 9": 6 bytes each
  ok(put("app", "web", numbered(10, 10)));       // 7 bytes each: 130 in all
  std::vector<std::string> kept = messages(
      ok(read(get_log_events,
              {{"logGroupName", "app"}, {"logStreamName", "web"}, {"startFromHead", true}})));
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back(), "line 19");
  EXPECT_NE(kept.front(), "line 0");
  int64_t stored =
      ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("storedBytes").as_int64();
  EXPECT_LE(stored, 100);
  EXPECT_GE(stored, 90);
}

TEST_F(LogStoreOperationsTest, TheSizeCapDropsTheGroupsOldestAcrossItsStreams) {
  open(/*max_group_bytes=*/60);
  ok(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", "worker"}}));
  ok(put("app", "worker", numbered(0, 5, 100)));  // the oldest: "line 0".."line 4"
  ok(put("app", "web", numbered(5, 5, 50)));
  ok(put("app", "worker", numbered(10, 5)));  // 7 bytes each: 30 + 30 + 35 bytes
  json::object response = ok(read(filter_log_events, {{"logGroupName", "app"}}));
  std::vector<std::string> kept = messages(response);
  // 35 bytes over: the worker's five oldest (30) and then the web's oldest
  // (6), in time order across the streams.
  EXPECT_EQ(kept.front(), "line 6");
  EXPECT_EQ(kept.size(), 9u);
  EXPECT_EQ(response.at("events").as_array()[0].at("logStreamName"), "web");
}

TEST_F(LogStoreOperationsTest, EverythingSurvivesARestart) {
  ok(put("app", "web", numbered(0, 20)));
  ok(write(put_retention_policy, {{"logGroupName", "app"}, {"retentionInDays", 7}}));
  open();
  EXPECT_EQ(messages(ok(read(get_log_events, {{"logGroupName", "app"}, {"logStreamName", "web"}})))
                .size(),
            20u);
  EXPECT_EQ(ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("retentionInDays"),
            7);
}

TEST_F(LogStoreOperationsTest, DeletesTakeTheirEventsAlong) {
  ok(put("app", "web", numbered(0, 5)));
  EXPECT_EQ(error_type(write(delete_log_stream, {{"logGroupName", "app"}, {"logStreamName", "x"}})),
            "ResourceNotFoundException");
  ok(write(delete_log_stream, {{"logGroupName", "app"}, {"logStreamName", "web"}}));
  EXPECT_EQ(ok(read(describe_log_groups, {})).at("logGroups").as_array()[0].at("storedBytes"), 0);
  EXPECT_EQ(error_type(read(get_log_events, {{"logGroupName", "app"}, {"logStreamName", "web"}})),
            "ResourceNotFoundException");
  ok(write(delete_log_group, {{"logGroupName", "app"}}));
  EXPECT_EQ(error_type(write(delete_log_group, {{"logGroupName", "app"}})),
            "ResourceNotFoundException");
  EXPECT_TRUE(ok(read(describe_log_groups, {})).at("logGroups").as_array().empty());
}

TEST_F(LogStoreOperationsTest, EventIdsAreNeverReused) {
  auto ids = [&] {
    // A named copy: a range-for does not extend the life of a temporary inside it.
    json::object response = ok(read(filter_log_events, {{"logGroupName", "app"}}));
    std::set<std::string> out;
    for (const auto& e : response.at("events").as_array()) {
      out.insert(std::string(e.at("eventId").as_string()));
    }
    return out;
  };
  ok(put("app", "web", numbered(0, 250)));  // more than one multi-row INSERT
  std::set<std::string> before = ids();
  ASSERT_EQ(before.size(), 250u);
  ok(write(delete_log_stream, {{"logGroupName", "app"}, {"logStreamName", "web"}}));
  open();  // across a restart too
  ok(write(create_log_stream, {{"logGroupName", "app"}, {"logStreamName", "web"}}));
  ok(put("app", "web", numbered(0, 250)));
  std::set<std::string> after = ids();
  ASSERT_EQ(after.size(), 250u);
  // The same timestamps: only the sequences tell them apart, and they rose.
  for (const std::string& id : after) EXPECT_FALSE(before.contains(id)) << id;
  EXPECT_EQ(messages(ok(read(get_log_events, {{"logGroupName", "app"},
                                              {"logStreamName", "web"},
                                              {"startFromHead", true}})))
                .back(),
            "line 249");
}

TEST_F(LogStoreOperationsTest, TagsByArnAndByName) {
  std::string arn = "arn:aws:logs:us-east-1:123456789012:log-group:app";
  ok(write(tag_resource, {{"resourceArn", arn}, {"tags", {{"team", "a"}, {"env", "dev"}}}}));
  ok(write(untag_resource, {{"resourceArn", arn + ":*"}, {"tagKeys", json::array{"env"}}}));
  EXPECT_EQ(ok(read(list_tags_for_resource, {{"resourceArn", arn}})).at("tags"),
            (json::object{{"team", "a"}}));
  ok(write(tag_log_group, {{"logGroupName", "app"}, {"tags", {{"x", "y"}}}}));
  ok(write(untag_log_group, {{"logGroupName", "app"}, {"tags", json::array{"team"}}}));
  EXPECT_EQ(ok(read(list_tags_log_group, {{"logGroupName", "app"}})).at("tags"),
            (json::object{{"x", "y"}}));
  json::object many;
  for (int i = 0; i < 50; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(error_type(write(tag_resource, {{"resourceArn", arn}, {"tags", many}})),
            "TooManyTagsException");
  EXPECT_EQ(error_type(read(list_tags_for_resource, {{"resourceArn", "nonsense"}})),
            "InvalidParameterException");
  EXPECT_EQ(
      error_type(read(list_tags_for_resource,
                      {{"resourceArn", "arn:aws:logs:us-east-1:123456789012:log-group:nope"}})),
      "ResourceNotFoundException");
}

}  // namespace
}  // namespace gantry::logs
