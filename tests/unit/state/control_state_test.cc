#include "state/control_state.h"

#include <gtest/gtest.h>

#include <future>
#include <latch>

#include "fakes/memory_store.h"

namespace gantry::state {
namespace {

namespace json = boost::json;

ClusterRecord cluster(const std::string& name) {
  return ClusterRecord{json::object{{"clusterName", name}, {"status", "ACTIVE"}}};
}

Mutation create(const std::string& name) {
  return [name](const ClusterState& latest) -> Outcome {
    if (latest.cluster(name)) throw core::client_error("exists: " + name);
    return {{put_change(cluster_key(name), cluster(name))}, json::object{{"created", name}}};
  };
}

Answer submit_and_wait(ControlState& state, Mutation mutation) {
  std::promise<Answer> answered;
  state.submit(std::move(mutation), [&](Answer a) { answered.set_value(std::move(a)); });
  return answered.get_future().get();
}

TEST(ControlStateTest, AnswersAfterCommitAndPublishes) {
  testing::MemoryStore store;
  ControlState state(store);
  Answer answer = submit_and_wait(state, create("a"));
  ASSERT_TRUE(std::holds_alternative<json::object>(answer));
  EXPECT_EQ(std::get<json::object>(answer).at("created"), "a");
  EXPECT_TRUE(store.get("clusters/a").has_value());
  EXPECT_TRUE(state.read([](const ClusterState& s) { return s.cluster("a") != nullptr; }));
}

TEST(ControlStateTest, RefusalWritesNothing) {
  testing::MemoryStore store;
  ControlState state(store);
  submit_and_wait(state, create("a"));
  int64_t revision = store.revision();
  Answer answer = submit_and_wait(state, create("a"));
  ASSERT_TRUE(std::holds_alternative<core::ApiError>(answer));
  EXPECT_EQ(std::get<core::ApiError>(answer).type(), "ClientException");
  EXPECT_EQ(store.revision(), revision);
}

TEST(ControlStateTest, ConcurrentMutationsSeeEachOtherWithinABatch) {
  testing::MemoryStore store;
  ControlState state(store);
  constexpr int kCallers = 200;
  std::latch done(kCallers);
  std::atomic<int> created{0}, refused{0};
  // Every caller tries to create the same cluster: exactly one may win,
  // however the writer batches them.
  for (int i = 0; i < kCallers; ++i) {
    state.submit(create("same"), [&](Answer a) {
      (std::holds_alternative<json::object>(a) ? created : refused)++;
      done.count_down();
    });
  }
  done.wait();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kCallers - 1);
}

TEST(ControlStateTest, GroupsConcurrentMutationsIntoFewerCommits) {
  testing::MemoryStore store;
  ControlState state(store);
  constexpr int kCallers = 500;
  std::latch done(kCallers);
  auto count_down = [&](Answer) { done.count_down(); };
  // Hold the first commit, so that everything submitted meanwhile must queue
  // behind it: the writer may run only kMaxInFlight batches ahead of it.
  store.hold_commits();
  state.submit(create("c0"), count_down);
  store.wait_for_held_commit();
  for (int i = 1; i < kCallers; ++i) state.submit(create("c" + std::to_string(i)), count_down);
  store.release_commits();
  done.wait();
  EXPECT_EQ(state.read([](const ClusterState& s) { return s.clusters().size(); }),
            static_cast<size_t>(kCallers));
  WriterStats stats = state.stats();
  EXPECT_EQ(stats.mutations, static_cast<uint64_t>(kCallers));
  EXPECT_EQ(static_cast<uint64_t>(store.commits()), stats.batches);
  // The held batch, those the writer ran while it was held (kMaxInFlight
  // queued for the committer, one more waiting for room), then one batch
  // for everything still queued when it was released.
  EXPECT_LE(stats.batches, ControlState::kMaxInFlight + 3);
  EXPECT_LT(stats.batches, stats.mutations);
}

TEST(ControlStateTest, FailedCommitAnswersServerErrorAndRollsBack) {
  testing::MemoryStore store;
  ControlState state(store);
  store.fail_commits(true);
  Answer failed = submit_and_wait(state, create("a"));
  ASSERT_TRUE(std::holds_alternative<core::ApiError>(failed));
  EXPECT_EQ(std::get<core::ApiError>(failed).type(), "ServerException");
  EXPECT_FALSE(state.read([](const ClusterState& s) { return s.cluster("a") != nullptr; }));
  store.fail_commits(false);
  // The draft was rolled back: creating "a" again is not refused as a duplicate.
  EXPECT_TRUE(std::holds_alternative<json::object>(submit_and_wait(state, create("a"))));
}

TEST(ControlStateTest, BatchesRunAfterAFailedCommitFailTooAndTheDraftStartsAgain) {
  testing::MemoryStore store;
  ControlState state(store);
  store.fail_commits(true);
  // However they are batched and pipelined, none of these may be answered as
  // done: each ran on a draft holding the failed ones before it.
  constexpr int kCallers = 50;
  std::latch done(kCallers);
  std::atomic<int> server_errors{0};
  for (int i = 0; i < kCallers; ++i) {
    state.submit(create("c" + std::to_string(i)), [&](Answer a) {
      if (auto* error = std::get_if<core::ApiError>(&a);
          error && error->type() == "ServerException") {
        ++server_errors;
      }
      done.count_down();
    });
  }
  done.wait();
  EXPECT_EQ(server_errors.load(), kCallers);
  store.fail_commits(false);
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(std::holds_alternative<json::object>(
        submit_and_wait(state, create("c" + std::to_string(i)))));
  }
  EXPECT_EQ(state.read([](const ClusterState& s) { return s.clusters().size(); }),
            static_cast<size_t>(kCallers));
}

TEST(ControlStateTest, ReloadsEverythingFromTheStore) {
  testing::MemoryStore store;
  {
    ControlState state(store);
    submit_and_wait(state, create("a"));
    submit_and_wait(state, create("b"));
    submit_and_wait(state, [](const ClusterState&) -> Outcome {
      return {{delete_change(cluster_key("a"))}, {}};
    });
  }
  ControlState reloaded(store);
  EXPECT_FALSE(reloaded.read([](const ClusterState& s) { return s.cluster("a") != nullptr; }));
  EXPECT_TRUE(reloaded.read([](const ClusterState& s) { return s.cluster("b") != nullptr; }));
}

}  // namespace
}  // namespace gantry::state
