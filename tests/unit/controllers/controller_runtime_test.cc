#include "controllers/controller_runtime.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "runtime_fixture.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

state::Change cluster(const std::string& name) {
  return state::put_change(state::cluster_key(name),
                           state::ClusterRecord{json::object{{"clusterName", name}}});
}

// A controller whose interest and decision the test gives.
class ScriptedController final : public Controller {
 public:
  using Decide = std::function<Reconcile(const state::ClusterState&, core::SystemTime)>;
  ScriptedController(std::string prefix, Decide decide, int* runs, int* resyncs)
      : prefix_(std::move(prefix)), decide_(std::move(decide)), runs_(runs), resyncs_(resyncs) {}

  std::string_view name() const override { return "scripted"; }
  bool interested(const state::LoggedChange& change) override {
    shown.push_back(change.key);
    return !prefix_.empty() && change.key.starts_with(prefix_);
  }
  void resync() override { ++*resyncs_; }
  Reconcile reconcile(const state::ClusterState& state, core::SystemTime now) override {
    ++*runs_;
    return decide_(state, now);
  }

  std::vector<std::string> shown;  // every change's key interested() was given

 private:
  std::string prefix_;
  Decide decide_;
  int* runs_;
  int* resyncs_;
};

// Creates cluster `name` unless it exists (re-checked in the writer).
state::Mutation create_cluster(std::string name) {
  return [name](const state::ClusterState& latest) {
    state::Outcome outcome;
    if (!latest.cluster(name)) outcome.changes.push_back(cluster(name));
    return outcome;
  };
}

class ControllerRuntimeTest : public RuntimeFixture {
 protected:
  ScriptedController& add(std::string prefix, ScriptedController::Decide decide) {
    auto controller =
        std::make_unique<ScriptedController>(std::move(prefix), std::move(decide), &runs_, &resyncs_);
    ScriptedController& added = *controller;
    runtime_.add(std::move(controller));
    return added;
  }
  ControllerStatus status() const { return runtime_.status("scripted"); }
  bool has_cluster(const std::string& name) {
    return read([&](const state::ClusterState& s) { return s.cluster(name) != nullptr; });
  }

  int runs_ = 0;
  int resyncs_ = 0;
};

Reconcile nothing(const state::ClusterState&, core::SystemTime) { return {}; }

TEST_F(ControllerRuntimeTest, ReconcilesAtStartAndOnTheChangesItWants) {
  add("clusters/watched", nothing);
  runtime_.start();
  settle();
  EXPECT_EQ(runs_, 1);

  put({cluster("watched-a"), cluster("watched-b")});
  settle();
  EXPECT_EQ(runs_, 2);  // one commit of two changes: one run

  put({cluster("other")});
  settle();
  EXPECT_EQ(runs_, 2);
}

TEST_F(ControllerRuntimeTest, EveryChangeReachesInterestedAlsoAfterTheFirstThatWakesIt) {
  // A controller notes in interested() what each change touched, so it must
  // see the changes after the one that already woke it.
  ScriptedController& controller = add("clusters/", nothing);
  runtime_.start();
  settle();
  put({cluster("a"), cluster("b"), cluster("c")});
  settle();
  EXPECT_EQ(controller.shown, (std::vector<std::string>{state::cluster_key("a"),
                                                        state::cluster_key("b"),
                                                        state::cluster_key("c")}));
  EXPECT_EQ(runs_, 2);
}

TEST_F(ControllerRuntimeTest, SubmitsItsDecisionsToTheWriter) {
  add("", [](const state::ClusterState& s, core::SystemTime) {
    Reconcile decided;
    if (!s.cluster("made")) decided.mutations.push_back(create_cluster("made"));
    return decided;
  });
  runtime_.start();
  settle();
  EXPECT_TRUE(has_cluster("made"));
  EXPECT_FALSE(status().in_flight);
  runtime_.wake("scripted");
  settle();
  EXPECT_EQ(runs_, 2);
}

TEST_F(ControllerRuntimeTest, RunsAgainWhenItsTimerFallsDue) {
  add("", [](const state::ClusterState&, core::SystemTime now) {
    return Reconcile{{}, now + 10min};
  });
  runtime_.start();
  settle();
  clock_.advance(10min - 1s);
  settle();
  EXPECT_EQ(runs_, 1);
  clock_.advance(1s);
  settle();
  EXPECT_EQ(runs_, 2);
}

TEST_F(ControllerRuntimeTest, ANextRunAlreadyDueRunsOnceTheMutationsAreDurable) {
  // A batch at a time, as the reaper does: three creations, one per run.
  add("", [](const state::ClusterState& s, core::SystemTime now) {
    for (std::string name : {"a", "b", "c"}) {
      if (!s.cluster(name)) return Reconcile{{create_cluster(name)}, now};
    }
    return Reconcile{};
  });
  runtime_.start();
  settle();
  EXPECT_TRUE(has_cluster("a") && has_cluster("b") && has_cluster("c"));
  EXPECT_EQ(runs_, 4);
}

TEST_F(ControllerRuntimeTest, WakesWhileInFlightCoalesceIntoOneMoreRun) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  add("", [&](const state::ClusterState& s, core::SystemTime) {
    Reconcile decided;
    if (s.cluster("made")) return decided;
    // Holds the writer (and so this run) until the test lets it go.
    decided.mutations.push_back(
        [released, inner = create_cluster("made")](const state::ClusterState& latest) {
          released.wait();
          return inner(latest);
        });
    return decided;
  });
  runtime_.start();
  io_.poll();
  ASSERT_TRUE(status().in_flight);
  runtime_.wake("scripted");
  runtime_.wake("scripted");
  runtime_.wake("scripted");
  io_.poll();
  EXPECT_EQ(runs_, 1);

  release.set_value();
  settle();
  EXPECT_EQ(runs_, 2);
  EXPECT_TRUE(has_cluster("made"));
}

TEST_F(ControllerRuntimeTest, ARefusedMutationIsRetriedWithExponentialBackOff) {
  int refusals = 2;
  add("", [&](const state::ClusterState& s, core::SystemTime) {
    Reconcile decided;
    if (s.cluster("made")) return decided;
    decided.mutations.push_back([&refusals](const state::ClusterState& latest) {
      if (refusals > 0) {
        --refusals;
        throw core::client_error("not yet");
      }
      return create_cluster("made")(latest);
    });
    return decided;
  });
  runtime_.start();
  settle();
  EXPECT_EQ(status().failures, 1u);

  clock_.advance(1s - 1ms);
  settle();
  EXPECT_EQ(runs_, 1);
  clock_.advance(1ms);  // the first back-off: 1 s
  settle();
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(status().consecutive_failures, 2u);

  clock_.advance(2s - 1ms);
  settle();
  EXPECT_EQ(runs_, 2);
  clock_.advance(1ms);  // then 2 s
  settle();
  EXPECT_EQ(runs_, 3);
  EXPECT_TRUE(has_cluster("made"));
  EXPECT_EQ(status().consecutive_failures, 0u);
  EXPECT_EQ(status().failures, 2u);
}

TEST_F(ControllerRuntimeTest, TheBackOffIsCapped) {
  add("", [](const state::ClusterState&, core::SystemTime) -> Reconcile {
    throw std::runtime_error("broken decision");
  });
  runtime_.start();
  settle();
  for (auto delay : {1s, 2s, 4s, 8s, 8s, 8s}) {
    int before = runs_;
    clock_.advance(delay - 1ms);
    settle();
    EXPECT_EQ(runs_, before);
    clock_.advance(1ms);
    settle();
    EXPECT_EQ(runs_, before + 1) << "after a back-off of " << delay.count() << " s";
  }
}

TEST_F(ControllerRuntimeTest, AnExceptionInTheDecisionIsRetried) {
  bool thrown = false;
  add("", [&](const state::ClusterState& s, core::SystemTime) {
    if (!thrown) {
      thrown = true;
      throw std::runtime_error("transient");
    }
    Reconcile decided;
    if (!s.cluster("made")) decided.mutations.push_back(create_cluster("made"));
    return decided;
  });
  runtime_.start();
  settle();
  EXPECT_FALSE(has_cluster("made"));
  clock_.advance(1s);
  settle();
  EXPECT_TRUE(has_cluster("made"));
}

TEST_F(ControllerRuntimeTest, AFailedCommitIsRetried) {
  add("", [](const state::ClusterState& s, core::SystemTime) {
    Reconcile decided;
    if (!s.cluster("made")) decided.mutations.push_back(create_cluster("made"));
    return decided;
  });
  store_.fail_commits(true);
  runtime_.start();
  settle();
  EXPECT_EQ(status().failures, 1u);
  store_.fail_commits(false);
  clock_.advance(1s);
  settle();
  EXPECT_TRUE(has_cluster("made"));
}

TEST_F(ControllerRuntimeTest, WakesDuringTheBackOffWaitForTheRetry) {
  bool fail = true;
  add("clusters/", [&](const state::ClusterState&, core::SystemTime) -> Reconcile {
    if (fail) throw std::runtime_error("broken");
    return {};
  });
  runtime_.start();
  settle();
  put({cluster("x")});
  runtime_.wake("scripted");
  settle();
  EXPECT_EQ(runs_, 1);
  fail = false;
  clock_.advance(1s);
  settle();
  EXPECT_EQ(runs_, 2);
}

TEST_F(ControllerRuntimeTest, ChangesLostFromTheLogWakeEveryController) {
  add("", nothing);  // interested in no change
  runtime_.start();
  settle();
  // One commit larger than the log keeps: what the runtime had not read is lost.
  std::vector<state::Change> many;
  for (size_t i = 0; i <= kLogCapacity; ++i) {
    many.push_back(cluster("c" + std::to_string(i)));
  }
  put(std::move(many));
  settle();
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(resyncs_, 2);  // the first run's, and the one after the loss
}

TEST_F(ControllerRuntimeTest, AnswersAfterStopAreDropped) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  add("clusters/", [&](const state::ClusterState&, core::SystemTime) {
    return Reconcile{{[released, inner = create_cluster("made")](const state::ClusterState& l) {
                       released.wait();
                       return inner(l);
                     }},
                     std::nullopt};
  });
  runtime_.start();
  io_.poll();
  ASSERT_TRUE(status().in_flight);
  runtime_.stop();
  release.set_value();
  put({cluster("after-stop")});  // behind the held mutation: both are durable now
  io_.restart();
  EXPECT_EQ(io_.poll(), 0u);
  EXPECT_EQ(runs_, 1);
  EXPECT_TRUE(has_cluster("made"));
}

}  // namespace
}  // namespace gantry::controllers
