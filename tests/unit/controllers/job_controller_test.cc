// The controller itself: its reconcile's mutations, run against the draft
// as the writer runs them.
#include "controllers/job_controller.h"

#include <gtest/gtest.h>

#include "job_fixture.h"

namespace gantry::controllers {
namespace {

class JobControllerTest : public JobTest {
 protected:
  // Reconciles once and runs what it decided; how many mutations.
  size_t reconcile() {
    clock_.advance(1s);
    Reconcile decided = controller_.reconcile(draft_, clock_.now());
    next_run_ = decided.next_run;
    for (auto& mutation : decided.mutations) apply(mutation(draft_).changes);
    return decided.mutations.size();
  }

  testing::MemoryStore store_;
  state::ControlState state_{store_};
  ecs::CommandRunner commands_{state_, indexes_, *ids_, clock_, "1"};
  JobController controller_{commands_, {}};
  std::optional<core::SystemTime> next_run_;
};

TEST_F(JobControllerTest, RestartedTasksGetTheJobsRegion) {
  start();
  report_all("RUNNING");
  EXPECT_EQ(reconcile(), 0u);
  EXPECT_FALSE(next_run_);
  auto first = job_tasks();
  EXPECT_TRUE(first[0].arn.starts_with("arn:aws:ecs:us-east-1:1:task/c/")) << first[0].arn;
  report(first[0].id, "STOPPED", 3);
  EXPECT_EQ(reconcile(), 1u);
  EXPECT_EQ(status(), "STOPPING");
  report(first[1].id, "STOPPED", 137);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "DIAGNOSING");
  EXPECT_EQ(reconcile(), 0u);
  ASSERT_TRUE(next_run_);
  EXPECT_EQ(*next_run_, clock_.now() - 1s + kGpuRequestTimeout);
  answer(first[0].instance_id, true);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  for (const auto& t : job_tasks()) {
    EXPECT_TRUE(t.arn.starts_with("arn:aws:ecs:us-east-1:1:task/c/")) << t.arn;
    json::object task = task_doc(t.id);
    EXPECT_TRUE(std::string(task.at("containers").at(0).at("containerArn").as_string())
                    .starts_with("arn:aws:ecs:us-east-1:1:container/"))
        << task.at("containers").at(0).at("containerArn");
  }
}

TEST_F(JobControllerTest, AFinishedJobExpiresAfterItsRetention) {
  start();
  report_all("RUNNING");
  for (const auto& t : job_tasks()) report(t.id, "STOPPED", 0);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "SUCCEEDED");
  EXPECT_EQ(reconcile(), 0u);
  ASSERT_TRUE(next_run_);
  const core::SystemTime finished =
      core::from_epoch_seconds(doc().at("updatedAt").to_number<double>());
  EXPECT_EQ(*next_run_, finished + JobController::kFinishedJobRetention);
  clock_.advance(JobController::kFinishedJobRetention - 3s);
  EXPECT_EQ(reconcile(), 0u);  // a second short
  EXPECT_NE(draft_.job("c", job_id_), nullptr);
  EXPECT_EQ(reconcile(), 1u);
  EXPECT_EQ(draft_.job("c", job_id_), nullptr);
  EXPECT_EQ(reconcile(), 0u);
  EXPECT_FALSE(next_run_);
}

}  // namespace
}  // namespace gantry::controllers
