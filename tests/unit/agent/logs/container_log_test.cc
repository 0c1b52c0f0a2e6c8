// A ContainerLog's record brings a log back whole after an agent restart:
// where it goes, its outputs and their cursors, and a batch in flight.
#include "agent/logs/container_log.h"

#include <gtest/gtest.h>

#include "agent/logs/awslogs_options.h"
#include "agent/logs/docker_log_source.h"

namespace gantry::agent {
namespace {

namespace json = boost::json;

class RecordedSource : public LogSource {
 public:
  explicit RecordedSource(std::string id) : id_(std::move(id)) {}
  std::string identity() const override { return id_; }
  int channels() const override { return 2; }
  void resume(int, LogCursor) override {}
  void read(std::vector<LogLine>&, int64_t, size_t) override {}
  void finish() override { finished = true; }
  bool exhausted() const override { return false; }
  bool finished = false;

 private:
  std::string id_;
};

MakeLogSource recorded() {
  return [](const ContainerHandle& h) { return std::make_unique<RecordedSource>(h.runtime_id); };
}

TEST(ContainerLog, ARecordComesBackWhole) {
  ContainerLog log;
  log.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/abc";
  log.task_id = "abc";
  log.container = "web";
  log.options.group = "/ecs/web";
  log.options.stream_prefix = "app";
  log.options.multiline_pattern = "INFO";
  log.region = "eu-west-1";
  log.stream = "app/web/abc";
  LogOutput output;
  output.handle = ContainerHandle{"abc-web", json::object{{"dir", "/x"}}};
  output.source = std::make_unique<RecordedSource>("abc-web");
  output.shipped = {{10, 0}, {20, 0}};
  output.remove_when_shipped = true;
  log.outputs.push_back(std::move(output));
  log.ended["old"] = {{5, 0}, {6, 0}};
  const InflightBatch inflight{3, 0xfeedfacecafebeefULL, {{30, 0}, {20, 0}}};

  const auto record = json::parse(json::serialize(log.record(inflight))).as_object();
  ContainerLog back = container_log_from_record(record, recorded());
  EXPECT_EQ(back.task_arn, log.task_arn);
  EXPECT_EQ(back.task_id, "abc");
  EXPECT_EQ(back.options.group, "/ecs/web");
  EXPECT_EQ(back.options.multiline_pattern, "INFO");
  EXPECT_EQ(back.region, "eu-west-1");
  EXPECT_EQ(back.stream, "app/web/abc");
  ASSERT_EQ(back.outputs.size(), 1u);
  EXPECT_EQ(back.outputs[0].handle.state, (json::object{{"dir", "/x"}}));
  EXPECT_EQ(back.outputs[0].shipped, (std::vector<LogCursor>{{10, 0}, {20, 0}}));
  EXPECT_TRUE(back.outputs[0].remove_when_shipped);
  EXPECT_TRUE(static_cast<RecordedSource&>(*back.outputs[0].source).finished);
  EXPECT_FALSE(back.outputs[0].active);  // resumed when it is read
  EXPECT_EQ(back.ended.at("old"), (std::vector<LogCursor>{{5, 0}, {6, 0}}));
  ASSERT_TRUE(back.unverified);
  EXPECT_EQ(back.unverified->count, 3u);
  EXPECT_EQ(back.unverified->digest, 0xfeedfacecafebeefULL);
  EXPECT_EQ(back.unverified->shipped_after, (std::vector<LogCursor>{{30, 0}, {20, 0}}));
}

TEST(ContainerLog, ARecordThatIsNotOneIsRefused) {
  EXPECT_THROW(container_log_from_record(json::object{{"taskArn", "x"}}, recorded()),
               std::invalid_argument);
  EXPECT_THROW(container_log_from_record(
                   json::object{{"taskArn", "t"},
                                {"container", "c"},
                                {"group", "g"},
                                {"outputs", json::array{json::object{
                                                {"runtimeId", "r"}, {"shipped", json::array{1}}}}}},
                   recorded()),
               std::invalid_argument);
}

TEST(ContainerLog, DoneOnceClosingAndEverythingIsShipped) {
  ContainerLog log;
  EXPECT_FALSE(log.done());
  log.closing = true;
  EXPECT_TRUE(log.done());
  log.unsent.push_back(LogEvent{});
  EXPECT_FALSE(log.done());
}

TEST(EventsDigest, TellsBatchesApartByTimeTextAndOrder) {
  const std::string_view a = "a", b = "b";
  const auto digest = events_digest({{1, a}, {2, b}});
  EXPECT_EQ(digest, events_digest({{1, a}, {2, b}}));
  EXPECT_NE(digest, events_digest({{2, b}, {1, a}}));
  EXPECT_NE(digest, events_digest({{1, a}, {3, b}}));
  EXPECT_NE(events_digest({{1, "ab"}}), events_digest({{1, a}, {1, b}}));
}

TEST(AwslogsOptions, ReadsTheOptionsAndNamesTheStreamAsEcs) {
  const json::object container{
      {"name", "web"},
      {"logConfiguration", json::object{{"logDriver", "awslogs"},
                                        {"options", json::object{{"awslogs-group", "/ecs/web"},
                                                                 {"awslogs-region", "us-west-2"},
                                                                 {"awslogs-stream-prefix", "api"},
                                                                 {"awslogs-create-group", "true"},
                                                                 {"mode", "non-blocking"}}}}}};
  const auto options = awslogs_options_of(container);
  ASSERT_TRUE(options);
  EXPECT_EQ(options->group, "/ecs/web");
  EXPECT_EQ(options->region, "us-west-2");
  EXPECT_TRUE(options->create_group);
  EXPECT_EQ(awslogs_stream_name(*options, "web", "abc123", "0f0f"), "api/web/abc123");
  AwslogsOptions no_prefix = *options;
  no_prefix.stream_prefix.clear();
  EXPECT_EQ(awslogs_stream_name(no_prefix, "web", "abc123", "0f0f"), "0f0f");
}

TEST(AwslogsOptions, OtherDriversAreNotShippedAndBadOptionsAreRefused) {
  EXPECT_FALSE(awslogs_options_of(json::object{{"name", "web"}}));
  EXPECT_FALSE(awslogs_options_of(
      json::object{{"logConfiguration", json::object{{"logDriver", "json-file"}}}}));
  const auto with = [](json::object options) {
    return json::object{{"logConfiguration",
                         json::object{{"logDriver", "awslogs"}, {"options", std::move(options)}}}};
  };
  EXPECT_THROW(awslogs_options_of(with({})), std::invalid_argument);
  EXPECT_THROW(awslogs_options_of(with({{"awslogs-group", "g"}, {"awslogs-create-group", "yes"}})),
               std::invalid_argument);
  EXPECT_THROW(awslogs_options_of(with({{"awslogs-group", "g"},
                                        {"awslogs-datetime-format", "%Y"},
                                        {"awslogs-multiline-pattern", "x"}})),
               std::invalid_argument);
  EXPECT_THROW(awslogs_options_of(with({{"awslogs-group", "g"}, {"awslogs-multiline-pattern", "("}})),
               std::invalid_argument);
}

TEST(DockerTimestamp, ReadsDockersRfc3339Nanos) {
  EXPECT_EQ(docker_timestamp_nanos("1970-01-01T00:00:01.000000002Z"), 1'000'000'002);
  EXPECT_EQ(docker_timestamp_nanos("2026-12-04T05:12:23.5Z"), 1796361143'500'000'000LL);
  EXPECT_EQ(docker_timestamp_nanos("2026-12-04T05:12:23Z"), 1796361143'000'000'000LL);
  EXPECT_FALSE(docker_timestamp_nanos("2026-12-04 05:12:23Z"));
  EXPECT_FALSE(docker_timestamp_nanos("2026-12-04T05:12:23.5"));
  EXPECT_FALSE(docker_timestamp_nanos("hello"));
}

}  // namespace
}  // namespace gantry::agent
