// The job notifier: which notifications a change makes and what they say
// (no threads), the tracker that tells each event once, and the notifier
// end to end, from a committed job record to a local webhook.
#include "controllers/job_notifier.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "core/clock.h"
#include "fakes/memory_store.h"
#include "state/record_keys.h"
#include "webhook_test_server.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using testing::WebhookTestServer;

constexpr double kAt = 1796403780.123;  // 2026-12-04T17:03:00.123Z
const std::string kKey = state::job_key("prod", "j1");

json::object event(int64_t id, std::string status, std::string message, double at = kAt) {
  return {{"id", id}, {"at", at}, {"status", status}, {"action", "noted"}, {"message", message}};
}

json::object job_doc(std::vector<json::object> events, int64_t attempt = 1) {
  std::string status =
      events.empty() ? "RUNNING" : std::string(events.back().at("status").as_string());
  json::object doc{{"jobArn", "arn:aws:ecs:us-east-1:123456789012:job/prod/j1"},
                   {"jobId", "j1"},
                   {"clusterArn", "arn:aws:ecs:us-east-1:123456789012:cluster/prod"},
                   {"status", status},
                   {"attempt", attempt},
                   {"maxAttempts", 3},
                   {"tasks", json::array{json::object{
                                 {"taskArn", "arn:aws:ecs:us-east-1:123456789012:task/prod/t1"},
                                 {"containerInstanceArn",
                                  "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/i1"},
                                 {"gpuIds", json::array{"GPU-1111"}},
                                 {"attempt", attempt}}}},
                   {"fault", json::object{{"kind", "GPU_HARDWARE"},
                                          {"gpuId", "GPU-1111"},
                                          {"pciBusId", "00000000:3B:00.0"},
                                          {"xid", 79},
                                          {"reason", "GPU has fallen off the bus"}}}};
  json::array list;
  for (auto& e : events) list.push_back(std::move(e));
  doc["events"] = std::move(list);
  return doc;
}

std::shared_ptr<const state::Record> job(json::object doc) {
  return std::make_shared<const state::Record>(state::JobRecord{"prod", std::move(doc), {}});
}

state::LoggedChange change(std::shared_ptr<const state::Record> before,
                           std::shared_ptr<const state::Record> after, std::string key = kKey) {
  return state::LoggedChange{1, std::move(key), std::move(before), std::move(after), {}};
}

std::vector<int64_t> ids(const std::vector<JobNotification>& found) {
  std::vector<int64_t> out;
  for (const auto& n : found) out.push_back(n.event_id);
  return out;
}

TEST(JobNotifierTest, ANewJobTellsEveryEvent) {
  auto found = job_notifications(
      change(nullptr, job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid")}))));
  EXPECT_EQ(ids(found), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(found[0].job_key, kKey);
  EXPECT_EQ(found[0].job_id, "j1");
}

TEST(JobNotifierTest, OnlyEventsAboveTheOldRecordsHighest) {
  auto before = job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid")}));
  auto after = job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid"),
                            event(3, "DIAGNOSING", "diag"), event(4, "RECOVERING", "reset")}));
  EXPECT_EQ(ids(job_notifications(change(before, after))), (std::vector<int64_t>{3, 4}));
  // Only the last events are kept: the oldest fell off, the new ones still count.
  auto trimmed = job(job_doc({event(3, "DIAGNOSING", "diag"), event(4, "RECOVERING", "reset"),
                              event(5, "RESTARTING", "room")}));
  EXPECT_EQ(ids(job_notifications(change(after, trimmed))), (std::vector<int64_t>{5}));
}

TEST(JobNotifierTest, NoNewEventsNoNotification) {
  auto none = job(job_doc({}));
  EXPECT_TRUE(job_notifications(change(nullptr, none)).empty());
  auto one = job(job_doc({event(1, "RUNNING", "started")}));
  EXPECT_TRUE(job_notifications(change(one, one)).empty());      // rewritten, nothing appended
  EXPECT_TRUE(job_notifications(change(one, nullptr)).empty());  // removed
}

TEST(JobNotifierTest, OtherKeysTellNothing) {
  auto cluster = std::make_shared<const state::Record>(
      state::ClusterRecord{json::object{{"clusterName", "prod"}, {"events", json::array{}}}});
  EXPECT_TRUE(job_notifications(change(nullptr, cluster, state::cluster_key("prod"))).empty());
  // A job's record under another kind's key is not a job's change either.
  auto one = job(job_doc({event(1, "RUNNING", "started")}));
  EXPECT_TRUE(job_notifications(change(nullptr, one, state::service_key("prod", "j1"))).empty());
}

TEST(JobNotifierTest, TheBodyCarriesTheEventAndTheJobWithoutItsEvents) {
  auto found = job_notifications(change(
      nullptr,
      job(job_doc({event(1, "DIAGNOSING", "XID 79 on GPU-1111: running a diagnostic")}, 2))));
  ASSERT_EQ(found.size(), 1u);
  json::object body = json::parse(found[0].body).as_object();
  EXPECT_EQ(body.size(), 5u) << found[0].body;
  EXPECT_EQ(body.at("source"), "gantry");
  EXPECT_EQ(body.at("detailType"), "gantry Job State Change");
  EXPECT_EQ(body.at("time"), "2026-12-04T17:03:00.123Z");
  const json::object& e = body.at("event").as_object();
  EXPECT_EQ(e.at("id"), 1);
  EXPECT_EQ(e.at("status"), "DIAGNOSING");
  EXPECT_EQ(e.at("action"), "noted");
  EXPECT_EQ(e.at("message"), "XID 79 on GPU-1111: running a diagnostic");
  EXPECT_DOUBLE_EQ(e.at("at").to_number<double>(), kAt);
  const json::object& j = body.at("job").as_object();
  EXPECT_FALSE(j.contains("events"));
  EXPECT_EQ(j.at("jobId"), "j1");
  EXPECT_EQ(j.at("clusterArn"), "arn:aws:ecs:us-east-1:123456789012:cluster/prod");
  EXPECT_EQ(j.at("attempt"), 2);
  EXPECT_EQ(j.at("maxAttempts"), 3);
  EXPECT_EQ(j.at("fault").at("xid"), 79);
  EXPECT_EQ(j.at("fault").at("pciBusId"), "00000000:3B:00.0");
  EXPECT_EQ(j.at("tasks").at(0).at("gpuIds").at(0), "GPU-1111");
  EXPECT_EQ(found[0].summary,
            "job j1 DIAGNOSING: XID 79 on GPU-1111: running a diagnostic (attempt 2 of 3)");
}

TEST(JobNotifierTest, TheTrackerTellsEachEventOnce) {
  JobEventTracker tracker;
  auto one = job(job_doc({event(1, "RUNNING", "started")}));
  auto two = job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid")}));
  EXPECT_EQ(ids(tracker.on_change(change(nullptr, one))), (std::vector<int64_t>{1}));
  EXPECT_TRUE(tracker.on_change(change(nullptr, one)).empty());  // read again
  EXPECT_EQ(ids(tracker.on_change(change(one, two))), (std::vector<int64_t>{2}));
  EXPECT_TRUE(tracker.on_change(change(one, two)).empty());
  // Removed and made again under the same key: a new job's history.
  EXPECT_TRUE(tracker.on_change(change(two, nullptr)).empty());
  EXPECT_EQ(ids(tracker.on_change(change(nullptr, one))), (std::vector<int64_t>{1}));
}

TEST(JobNotifierTest, SeededHistoryIsNotRetoldAndALostLogIsHealedFromTheState) {
  state::ClusterState state;
  state.apply(state::put_change(state::cluster_key("prod"),
                                state::ClusterRecord{json::object{{"clusterName", "prod"}}}));
  state.apply(state::put_change(
      kKey, state::JobRecord{"prod", job_doc({event(1, "RUNNING", "started")}), {}}));
  JobEventTracker tracker;
  tracker.seed(state);
  EXPECT_TRUE(tracker.on_lost(state).empty());  // what was there is told

  // Changes the log lost: j1 moved on, j2 is new.
  state.apply(state::put_change(
      kKey, state::JobRecord{"prod",
                             job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid"),
                                      event(3, "DIAGNOSING", "diag")}),
                             {}}));
  json::object other = job_doc({event(1, "RUNNING", "started")});
  other["jobId"] = "j2";
  state.apply(state::put_change(state::job_key("prod", "j2"), state::JobRecord{"prod", other, {}}));
  auto healed = tracker.on_lost(state);
  ASSERT_EQ(healed.size(), 3u);
  std::vector<std::pair<std::string, int64_t>> told;
  for (const auto& n : healed) told.emplace_back(n.job_id, n.event_id);
  EXPECT_EQ(told, (std::vector<std::pair<std::string, int64_t>>{{"j1", 2}, {"j1", 3}, {"j2", 1}}));
  // The changes still kept after the gap are not told again.
  auto two = job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid")}));
  auto three = job(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "xid"),
                            event(3, "DIAGNOSING", "diag")}));
  EXPECT_TRUE(tracker.on_change(change(two, three)).empty());
}

TEST(JobNotifierTest, RefusesAnHttpsUrlAtConstruction) {
  gantry::testing::MemoryStore store;
  state::ControlState state{store};
  core::FakeClock clock;
  try {
    JobNotifier notifier(state, clock, {"http://127.0.0.1:9/ok", "https://hooks.example/x"});
    ADD_FAILURE() << "https was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("https://hooks.example/x"), std::string::npos)
        << error.what();
  }
}

// From a committed record to the webhook, through the event log.
class JobNotifierEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>("test", log_);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  void put(std::vector<state::Change> changes) {
    std::promise<state::Answer> answered;
    state_.submit(
        [changes = std::move(changes)](const state::ClusterState&) {
          return state::Outcome{changes, {}};
        },
        [&](state::Answer a) { answered.set_value(std::move(a)); });
    ASSERT_TRUE(std::holds_alternative<json::object>(answered.get_future().get()));
  }

  static state::Change job_change(json::object doc) {
    return state::put_change(kKey, state::JobRecord{"prod", std::move(doc), {}});
  }

  std::vector<std::string> logged_jobs() const {
    std::vector<std::string> out;
    for (auto& line : log_->last_raw()) {
      std::string text(line.payload.data(), line.payload.size());
      if (text.starts_with("job ")) out.push_back(text);
    }
    return out;
  }

  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  std::shared_ptr<spdlog::logger> previous_;
  gantry::testing::MemoryStore store_;
  state::ControlState state_{store_};
  core::FakeClock clock_;
};

TEST_F(JobNotifierEndToEnd, PostsEachNewEventToEveryUrl) {
  WebhookTestServer first;
  WebhookTestServer second;
  put({state::put_change(state::cluster_key("prod"),
                         state::ClusterRecord{json::object{{"clusterName", "prod"}}})});
  JobNotifier notifier(state_, clock_, {first.url("/a"), second.url("/b")});
  notifier.start();

  put({job_change(job_doc({event(1, "RUNNING", "started")}))});
  // Not a job's change: nothing to tell.
  put({state::put_change(state::cluster_key("other"),
                         state::ClusterRecord{json::object{{"clusterName", "other"}}})});
  put({job_change(job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "XID 79"),
                           event(3, "DIAGNOSING", "diag")}))});
  for (auto* server : {&first, &second}) {
    ASSERT_TRUE(server->wait_for(3));
    std::vector<int64_t> told;
    for (const auto& r : server->received()) {
      told.push_back(json::parse(r.body).at("event").at("id").as_int64());
    }
    EXPECT_EQ(told, (std::vector<int64_t>{1, 2, 3}));
  }
  EXPECT_EQ(first.received()[0].target, "/a");
  EXPECT_EQ(second.received()[0].target, "/b");
  EXPECT_EQ(logged_jobs(), (std::vector<std::string>{"job j1 RUNNING: started (attempt 1 of 3)",
                                                     "job j1 STOPPING: XID 79 (attempt 1 of 3)",
                                                     "job j1 DIAGNOSING: diag (attempt 1 of 3)"}));
}

TEST_F(JobNotifierEndToEnd, WhatAUrlTookBeforeTheStartIsNotRetold) {
  WebhookTestServer server;
  put({state::put_change(state::cluster_key("prod"),
                         state::ClusterRecord{json::object{{"clusterName", "prod"}}})});
  json::object doc = job_doc({event(1, "RUNNING", "started")});
  doc["notified"] = json::object{{server.url(), 1}};
  put({job_change(doc)});
  JobNotifier notifier(state_, clock_, {server.url()});
  notifier.start();
  doc = job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "XID 79")});
  doc["notified"] = json::object{{server.url(), 1}};
  put({job_change(doc)});
  ASSERT_TRUE(server.wait_for(1));
  auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(json::parse(received.at(0).body).at("event").at("id"), 2);
  EXPECT_FALSE(json::parse(received.at(0).body).at("job").as_object().contains("notified"));
}

// Whether the job comes to record that `url` took `id`: checked on every
// commit the event log tells of, for 10 s at most.
bool recorded(state::ControlState& state, const std::string& url, int64_t id) {
  auto taken = [&] {
    return state.read([&](const state::ClusterState& published) {
      const state::JobRecord* job = published.job("prod", "j1");
      const json::value* notified = job ? job->doc.if_contains("notified") : nullptr;
      const json::value* at =
          notified && notified->is_object() ? notified->as_object().if_contains(url) : nullptr;
      return at && *at == id;
    });
  };
  // Shared with the log's callback, which may run once more after the
  // subscription is dropped.
  struct Wake {
    std::mutex mutex;
    std::condition_variable committed;
    bool woken = false;
  };
  auto wake = std::make_shared<Wake>();
  auto subscription = state.events().subscribe([wake] {
    std::lock_guard lock(wake->mutex);
    wake->woken = true;
    wake->committed.notify_all();
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!taken()) {
    std::unique_lock lock(wake->mutex);
    if (!wake->committed.wait_until(lock, deadline, [&] { return wake->woken; })) return false;
    wake->woken = false;
  }
  return true;
}

TEST_F(JobNotifierEndToEnd, WhatAUrlDidNotTakeIsSentAfterARestart) {
  WebhookTestServer server;
  put({state::put_change(state::cluster_key("prod"),
                         state::ClusterRecord{json::object{{"clusterName", "prod"}}})});
  {
    JobNotifier notifier(state_, clock_, {server.url()});
    notifier.start();
    put({job_change(job_doc({event(1, "RUNNING", "started")}))});
    ASSERT_TRUE(server.wait_for(1));
    ASSERT_TRUE(recorded(state_, server.url(), 1));
  }
  // Event 2 is committed while no notifier runs (as if it died with it queued).
  put({job_change([&] {
    json::object doc = job_doc({event(1, "RUNNING", "started"), event(2, "STOPPING", "XID 79")});
    doc["notified"] = json::object{{server.url(), 1}};
    return doc;
  }())});
  JobNotifier again(state_, clock_, {server.url()});
  again.start();
  ASSERT_TRUE(server.wait_for(2));
  std::vector<int64_t> told;
  for (const auto& r : server.received()) {
    told.push_back(json::parse(r.body).at("event").at("id").as_int64());
  }
  EXPECT_EQ(told, (std::vector<int64_t>{1, 2}));  // 1 once, 2 after the restart
  EXPECT_TRUE(recorded(state_, server.url(), 2));
}

TEST(JobNotifierTest, AUrlIsOwedWhatItDidNotTake) {
  json::object doc =
      job_doc({event(1, "RUNNING", "a"), event(2, "STOPPING", "b"), event(3, "DIAGNOSING", "c")});
  doc["notified"] = json::object{{"http://a/", 2}};
  state::JobRecord running{"prod", doc, {}};
  EXPECT_EQ(ids(owed_notifications(kKey, running, "http://a/")), (std::vector<int64_t>{3}));
  // An unfinished job a URL took nothing of: all of it.
  EXPECT_EQ(ids(owed_notifications(kKey, running, "http://b/")), (std::vector<int64_t>{1, 2, 3}));
  // A finished one: nothing (the URL came after it).
  doc["status"] = "SUCCEEDED";
  state::JobRecord finished{"prod", doc, {}};
  EXPECT_TRUE(owed_notifications(kKey, finished, "http://b/").empty());
  EXPECT_EQ(ids(owed_notifications(kKey, finished, "http://a/")), (std::vector<int64_t>{3}));
}

TEST(JobNotifierTest, ADeliveryIsRecordedOnceAndNeverBackwards) {
  state::ClusterState state;
  state.apply(state::put_change(
      kKey, state::JobRecord{
                "prod", job_doc({event(1, "RUNNING", "a"), event(2, "STOPPING", "b")}), {}}));
  state::Outcome first = record_delivery(state, kKey, "http://a/", 2);
  ASSERT_EQ(first.changes.size(), 1u);
  state.apply(first.changes[0]);
  EXPECT_EQ(state.job("prod", "j1")->doc.at("notified"), (json::object{{"http://a/", 2}}));
  EXPECT_TRUE(record_delivery(state, kKey, "http://a/", 1).changes.empty());
  EXPECT_TRUE(record_delivery(state, kKey, "http://a/", 2).changes.empty());
  EXPECT_TRUE(
      record_delivery(state, state::job_key("prod", "gone"), "http://a/", 3).changes.empty());
}

}  // namespace
}  // namespace gantry::controllers
