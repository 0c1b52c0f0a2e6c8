// RunTask tagged gantry:recovery=job: the job record it writes, its tags
// checked, and all of its tasks placed or none.
#include "ecs/job_launch.h"

#include <gtest/gtest.h>

#include "job_fixture.h"

namespace gantry::controllers {
namespace {

using JobLaunchTest = JobTest;

TEST_F(JobLaunchTest, RunTaskTaggedAsAJobStartsOne) {
  ecs::Launched launched = run(run_request(job_tags()));
  ASSERT_EQ(launched.tasks.size(), 2u);
  ASSERT_EQ(draft_.jobs("c").size(), 1u);
  job_id_ = draft_.jobs("c").begin()->second->id();
  EXPECT_EQ(job_id_.size(), 32u);
  EXPECT_EQ(doc().at("jobId"), json::value(job_id_));
  EXPECT_EQ(doc().at("jobArn"), json::value("arn:aws:ecs:us-east-1:1:job/c/" + job_id_));
  EXPECT_EQ(doc().at("clusterArn"), "arn:aws:ecs:us-east-1:1:cluster/c");
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 1);
  EXPECT_EQ(doc().at("maxAttempts"), 3);
  EXPECT_EQ(doc().at("taskDefinitionArn"), "arn:aws:ecs:us-east-1:1:task-definition/train:1");
  EXPECT_EQ(doc().at("avoidInstances"), json::array{});
  EXPECT_EQ(doc().at("statusReason"), "attempt 1 of 3: 2 tasks started");
  const json::array& events = doc().at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("id"), 1);
  EXPECT_EQ(events[0].at("status"), "RUNNING");
  EXPECT_EQ(events[0].at("action"), "STARTED");

  auto tasks = job_tasks();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_NE(tasks[0].instance_id, tasks[1].instance_id);  // distinctInstance
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(tasks[i].arn, launched.tasks[i].at("taskArn").as_string());
    EXPECT_EQ(tasks[i].gpus, gpus_of(tasks[i].instance_id));
    EXPECT_EQ(task(tasks[i].id).reservation.gpu_ids, tasks[i].gpus);
    EXPECT_EQ(doc().at("tasks").at(i).at("attempt"), 1);
  }
  // The stored request launches the same tasks again, without its token.
  EXPECT_EQ(job().request.at("count"), 2);
  EXPECT_FALSE(job().request.contains("clientToken"));
  // Nothing to do yet.
  EXPECT_EQ(advance(), 0u);
}

TEST_F(JobLaunchTest, TheMaxAttemptsTagIsHonoured) {
  start("2");
  EXPECT_EQ(doc().at("maxAttempts"), 2);
  EXPECT_EQ(doc().at("statusReason"), "attempt 1 of 2: 2 tasks started");
}

TEST_F(JobLaunchTest, BadJobTagsAreRefused) {
  for (std::string bad : {"0", "x", "101", "2x", "-1", ""}) {
    EXPECT_THROW(run(run_request(job_tags(bad))), core::ApiError) << bad;
  }
  json::array foo{json::object{{"key", "gantry:recovery"}, {"value", "foo"}}};
  try {
    run(run_request(foo));
    ADD_FAILURE() << "gantry:recovery=foo was taken";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
  }
  json::array attempts_alone{json::object{{"key", "gantry:max-attempts"}, {"value", "2"}}};
  EXPECT_THROW(run(run_request(attempts_alone)), core::ApiError);
  try {
    run(run_request(job_tags("101")));
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()),
              "The tag gantry:max-attempts must be a whole number from 1 to 100, not '101'.");
  }
  EXPECT_TRUE(draft_.jobs("c").empty());
  EXPECT_TRUE(draft_.tasks("c").empty());
  EXPECT_EQ(ecs::job_max_attempts_of(job_tags("100")), 100);
  EXPECT_EQ(ecs::job_max_attempts_of(job_tags("1")), 1);
  EXPECT_EQ(ecs::job_max_attempts_of(json::array{}), std::nullopt);
}

TEST_F(JobLaunchTest, AJobWhoseTasksDoNotAllFitLaunchesNone) {
  ecs::Launched launched = run(run_request(job_tags(), 4));
  EXPECT_TRUE(launched.tasks.empty());
  EXPECT_TRUE(launched.changes.empty());
  EXPECT_FALSE(launched.failures.empty());
  EXPECT_TRUE(draft_.tasks("c").empty());
  EXPECT_TRUE(draft_.jobs("c").empty());
  // Without the tag, the three that fit launch.
  ecs::Launched plain = run(run_request(json::array{}, 4));
  EXPECT_EQ(plain.tasks.size(), 3u);
  EXPECT_TRUE(draft_.jobs("c").empty());
}

}  // namespace
}  // namespace gantry::controllers
