// What an operator does to jobs and GPUs: StopJob and ReturnGpusToService.
#include <gtest/gtest.h>

#include "ecs/job_stop.h"
#include "job_fixture.h"

namespace gantry::controllers {
namespace {

using JobOperatorTest = JobTest;

TEST_F(JobOperatorTest, StopJobEndsAJobInAnyStateAndWithdrawsItsCheck) {
  auto tasks = fail_task_and_diagnose();
  ASSERT_EQ(requests_on(tasks[1].instance_id).size(), 1u);
  clock_.advance(1s);
  ecs::StoppedJob stopped = ecs::stop_job(context(), {"c", job_id_, "out of budget"});
  apply(stopped.changes);
  EXPECT_EQ(status(), "STOPPED_BY_USER");
  EXPECT_EQ(stopped.job.at("status"), "STOPPED_BY_USER");
  EXPECT_EQ(doc().at("statusReason"),
            "the user stopped the job (out of budget): 0 tasks stop; nothing restarts it");
  EXPECT_TRUE(requests_on(tasks[1].instance_id).empty());
  EXPECT_EQ(advance(), 0u);
  // Stopping it again changes nothing; an unknown job is refused.
  EXPECT_TRUE(ecs::stop_job(context(), {"c", job_id_, "again"}).changes.empty());
  try {
    ecs::stop_job(context(), {"c", "nope", "x"});
    ADD_FAILURE() << "stopped an unknown job";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()), "The referenced job was not found.");
  }
  EXPECT_THROW(ecs::stop_job(context(), {"c", job_id_, std::string(256, 'x')}), core::ApiError);
}

TEST_F(JobOperatorTest, StopJobStopsTheRunningTasksAsTheUser) {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  std::string arn = doc().at("jobArn").as_string().c_str();
  apply(ecs::stop_job(context(), {"c", arn, "Job stopped by user"}).changes);
  EXPECT_EQ(status(), "STOPPED_BY_USER");
  for (const auto& t : tasks) {
    EXPECT_EQ(task_doc(t.id).at("desiredStatus"), "STOPPED");
    EXPECT_EQ(task_doc(t.id).at("stopCode"), "UserInitiated");
    EXPECT_EQ(task_doc(t.id).at("stoppedReason"), "Job stopped by user");
  }
  EXPECT_EQ(doc().at("statusReason"),
            "the user stopped the job (Job stopped by user): 2 tasks stop; nothing restarts it");
  report_all("STOPPED");
  EXPECT_EQ(advance(), 0u);
  EXPECT_EQ(draft_.tasks("c").size(), 2u);
}

TEST_F(JobOperatorTest, ReturnGpusToServiceOpensAReturnRequest) {
  const std::string instance = instances_[0];
  ecs::ReturnGpus none{"c", instance, {}};
  try {
    ecs::return_gpus_to_service(context(), none);
    ADD_FAILURE() << "returned GPUs that were in service";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()),
              "Container instance " + instance + " has no GPU out of service.");
  }
  ecs::ReturnGpus unknown{"c", instance, {"GPU-9z"}};
  try {
    ecs::return_gpus_to_service(context(), unknown);
    ADD_FAILURE() << "returned an unknown GPU";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()), "Container instance " + instance + " has no GPU GPU-9z.");
  }
  EXPECT_THROW(ecs::return_gpus_to_service(context(), {"c", "gone", {}}), core::ApiError);

  report_xid79(instance, "GPU-1b");
  ecs::ReturnedGpus returned = ecs::return_gpus_to_service(context(), none);
  EXPECT_EQ(returned.gpu_ids, std::vector<std::string>{"GPU-1b"});
  EXPECT_TRUE(returned.request_id.starts_with("return-"));
  EXPECT_EQ(returned.request_id.size(), 7u + 16u);
  apply(returned.changes);
  auto open = requests_on(instance);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0], (model::GpuRequest{returned.request_id, "return", {"GPU-1b"}}));
  EXPECT_FALSE(draft_.instance("c", instance)->gpu_requests.at(0).as_object().contains("job"));
  // Its answer closes it and touches no job.
  model::GpuRequestResult result{returned.request_id, "return", true, std::nullopt, "healthy"};
  auto changes = ecs::close_gpu_request(context(), "c", instance, result);
  EXPECT_EQ(changes.size(), 1u);
  apply(changes);
  EXPECT_TRUE(requests_on(instance).empty());
  // A second answer is no change.
  EXPECT_TRUE(ecs::close_gpu_request(context(), "c", instance, result).empty());
}

}  // namespace
}  // namespace gantry::controllers
