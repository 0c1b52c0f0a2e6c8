// StreamEvents: its request, where a stream starts, and what it sends as a
// real single writer commits task changes.
#include "api/event_stream.h"

#include <gtest/gtest.h>

#include <future>

#include "core/error.h"
#include "fakes/memory_store.h"
#include "state/control_state.h"

namespace gantry::api {
namespace {

namespace json = boost::json;

// A response stream that keeps what is written to it.
class RecordedStream final : public net::ResponseStream {
 public:
  bool write(std::string piece) override {
    if (finished_) return false;
    body_ += piece;
    return true;
  }
  void finish() override {
    finished_ = true;
    if (auto callback = std::move(on_closed_)) callback();
  }
  size_t queued_bytes() const override { return 0; }
  bool closed() const override { return finished_; }
  void on_closed(std::function<void()> callback) override { on_closed_ = std::move(callback); }

  bool finished() const { return finished_; }
  std::vector<json::object> lines() const {
    std::vector<json::object> out;
    size_t start = 0;
    for (size_t end; (end = body_.find('\n', start)) != std::string::npos; start = end + 1) {
      out.push_back(json::parse(body_.substr(start, end - start)).as_object());
    }
    return out;
  }

 private:
  std::string body_;
  bool finished_ = false;
  std::function<void()> on_closed_;
};

core::ApiError refusal(const json::object& body) {
  try {
    parse_event_stream_request(body);
  } catch (const core::ApiError& error) {
    return error;
  }
  ADD_FAILURE() << "accepted " << json::serialize(body);
  return core::ApiError("none", "");
}

TEST(EventStreamRequestTest, RefusesWhatItDoesNotTake) {
  EXPECT_EQ(refusal({{"follow", "yes"}}).type(), "SerializationException");
  EXPECT_EQ(refusal({{"fromRevision", 1.5}}).type(), "SerializationException");
  EXPECT_EQ(refusal({{"fromRevision", -1}}).type(), "InvalidParameterException");
  EXPECT_EQ(refusal({{"heartbeatSeconds", 0}}).message(),
            "heartbeatSeconds must be between 1 and 3600, got 0.");
  EXPECT_EQ(refusal({{"eventPattern", "{\"detail\": \"STOPPED\"}"}}).type(),
            "InvalidParameterException");
  EXPECT_EQ(refusal({{"cluster", "default"}}).message(),
            "Unknown parameter in input: \"cluster\", must be one of: follow, fromRevision, "
            "eventPattern, heartbeatSeconds");
}

TEST(EventStreamRequestTest, DefaultsToFollowingWithTenSecondHeartbeats) {
  EventStreamRequest request = parse_event_stream_request({});
  EXPECT_TRUE(request.follow);
  EXPECT_FALSE(request.from_revision);
  EXPECT_FALSE(request.pattern);
  EXPECT_EQ(request.heartbeat, std::chrono::seconds(10));
}

TEST(EventStreamRequestTest, StartsWhereTheLogCanServe) {
  state::EventLog log(5, 2);
  for (int64_t revision = 6; revision <= 9; ++revision) {
    log.append(revision, {state::LoggedChange{0, "k", nullptr, nullptr, {}}});
  }
  EventStreamRequest request;
  EXPECT_EQ(first_revision(log, request), 9);  // following: what comes next
  request.follow = false;
  EXPECT_EQ(first_revision(log, request), 7);  // the oldest it can serve whole
  request.from_revision = 8;
  EXPECT_EQ(first_revision(log, request), 8);
  request.from_revision = 6;
  try {
    first_revision(log, request);
    FAIL() << "a revision the log no longer keeps was accepted";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_NE(error.message().find("older than the event log keeps"), std::string::npos);
  }
  request.from_revision = 10;
  EXPECT_THROW(first_revision(log, request), core::ApiError);
}

class EventStreamTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kArn = "arn:aws:ecs:us-east-1:123456789012:task/web/";

  // Puts the task at `status` and `version`; returns once durable.
  void put_task(const std::string& id, const std::string& status, int64_t version) {
    json::object doc{{"taskArn", std::string(kArn) + id},
                     {"lastStatus", status},
                     {"desiredStatus", status == "STOPPED" ? "STOPPED" : "RUNNING"},
                     {"version", version}};
    std::promise<void> durable;
    state_.submit(
        [&](const state::ClusterState&) {
          return state::Outcome{{state::put_change(state::task_key("web", id),
                                                   state::TaskRecord("web", doc, {}, "", "i-1"))},
                                {}};
        },
        [&](state::Answer) { durable.set_value(); });
    durable.get_future().wait();
  }

  std::shared_ptr<RecordedStream> stream(EventStreamRequest request, int64_t after) {
    auto out = std::make_shared<RecordedStream>();
    start_event_stream(io_, state_.events(), request, after, out);
    return out;
  }

  testing::MemoryStore store_;
  state::ControlState state_{store_};
  boost::asio::io_context io_;
};

std::vector<std::string> statuses(const std::vector<json::object>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) {
    const json::object& detail = event.at("detail").as_object();
    out.push_back(std::string(detail.at("lastStatus").as_string()) + "/" +
                  std::to_string(detail.at("version").as_int64()));
  }
  return out;
}

TEST_F(EventStreamTest, AnUnfollowedStreamSendsWhatTheLogHoldsAndEnds) {
  put_task("a", "PENDING", 1);
  put_task("a", "RUNNING", 2);
  put_task("a", "STOPPED", 3);
  EventStreamRequest request;
  request.follow = false;
  auto out = stream(request, 0);
  io_.run();
  EXPECT_TRUE(out->finished());
  auto events = out->lines();
  EXPECT_EQ(statuses(events), (std::vector<std::string>{"PENDING/1", "RUNNING/2", "STOPPED/3"}));
  EXPECT_LT(events[0].at("revision").as_int64(), events[1].at("revision").as_int64());
}

TEST_F(EventStreamTest, AResumedStreamReplaysExactlyTheEventsAfterItsRevision) {
  put_task("a", "PENDING", 1);
  put_task("a", "RUNNING", 2);
  int64_t resume_from = state_.events().last_revision();
  put_task("a", "STOPPED", 3);
  EventStreamRequest request;
  request.follow = false;
  auto out = stream(request, resume_from);
  io_.run();
  EXPECT_EQ(statuses(out->lines()), (std::vector<std::string>{"STOPPED/3"}));
}

TEST_F(EventStreamTest, APatternDeliversOnlyTheEventsItMatches) {
  put_task("a", "RUNNING", 2);
  put_task("a", "STOPPED", 3);
  put_task("b", "RUNNING", 2);
  EventStreamRequest request;
  request.follow = false;
  request.pattern = model::EventPattern::compile(R"({"detail": {"lastStatus": ["STOPPED"]}})");
  auto out = stream(request, 0);
  io_.run();
  EXPECT_EQ(statuses(out->lines()), (std::vector<std::string>{"STOPPED/3"}));
}

TEST_F(EventStreamTest, AFollowedStreamSendsEachCommitAsItLands) {
  EventStreamRequest request;
  request.heartbeat = std::chrono::seconds(3600);
  auto out = stream(request, state_.events().last_revision());
  io_.poll();
  EXPECT_TRUE(out->lines().empty());
  put_task("a", "PENDING", 1);
  io_.poll();
  EXPECT_EQ(statuses(out->lines()), (std::vector<std::string>{"PENDING/1"}));
  put_task("a", "RUNNING", 2);
  io_.poll();
  EXPECT_EQ(statuses(out->lines()), (std::vector<std::string>{"PENDING/1", "RUNNING/2"}));
  EXPECT_FALSE(out->finished());
  out->finish();  // the client goes: the stream lets go of the log
  io_.poll();
}

}  // namespace
}  // namespace gantry::api
