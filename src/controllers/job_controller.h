#pragma once
// The job controller's loop (controllers/job_plan.h says what it decides):
// woken by changes to jobs, to their tasks and to the GPUs of instances (a
// health report, an answered request), and by the deadlines its plans
// name. Each reconcile plans every unfinished job, which are few; a job
// with something to do gets one mutation, which plans it again against the
// latest state and carries the step out (controllers/job_step.h). A
// finished job's record is deleted kFinishedJobRetention after it finished.
#include <chrono>
#include <string>
#include <unordered_set>

#include "controllers/controller.h"
#include "controllers/job_step.h"
#include "ecs/command_runner.h"

namespace gantry::controllers {

class JobController final : public Controller {
 public:
  // How soon a job waiting for room to restart tries again, should no
  // change wake it first.
  static constexpr std::chrono::seconds kRestartRetry{5};
  // How long a finished job stays describable. gantry's own: ECS keeps a
  // stopped task an hour, but a job's record is the history of its faults
  // and recoveries, which an operator reads days later.
  static constexpr std::chrono::hours kFinishedJobRetention{24 * 7};

  JobController(ecs::CommandRunner& commands, JobSettings settings)
      : commands_(commands), settings_(std::move(settings)) {}

  std::string_view name() const override { return "jobs"; }
  bool interested(const state::LoggedChange& change) override;
  Reconcile reconcile(const state::ClusterState& state, core::SystemTime now) override;

 private:
  void note_tasks(const state::JobRecord& job);

  ecs::CommandRunner& commands_;
  const JobSettings settings_;
  // The ids of the tasks of every job seen, its diagnostic tasks too: a
  // change to any other task is none of this controller's business.
  std::unordered_set<std::string> job_tasks_;
};

}  // namespace gantry::controllers
