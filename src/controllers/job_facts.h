#pragma once
// What the job controller reads of one job: its record, its attempt's
// tasks as they are now, and the health of the GPUs they hold. Gathered
// from the state (gather_job_facts); plain data, so that the plan
// (job_plan.h) is a pure function tests build by hand.
#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/gpu_health.h"
#include "state/cluster_state.h"

namespace gantry::controllers {

struct JobTaskFacts {
  std::string arn;
  bool found = true;  // false: its record is gone (it expired)
  // Its container instance was deregistered (or is gone): the task is lost
  // with it, whatever its agent last said.
  bool instance_gone = false;
  std::string instance_id;
  std::string instance_arn;
  std::vector<std::string> gpu_ids;
  std::string last_status;
  std::string desired_status;
  std::string stop_code;
  std::string stopped_reason;
  std::vector<int> exit_codes;  // of its containers that exited
};

struct JobGpuFacts {
  std::string instance_id;
  std::string instance_arn;
  bool held = true;  // by a task not yet STOPPED: a fault then is the job's
  model::GpuHealth health;
  // The changedAt it had when the attempt started: an XID since then is the
  // attempt's.
  std::optional<double> baseline_changed_at;
};

// A diagnostic's or a recovery's request, as the job keeps it. A
// diagnostic run as a task (ecs/job_checks.h) is answered when the task
// stops: HEALTHY when it exited 0.
struct JobCheckFacts {
  bool asked = false;
  std::string status;  // PENDING, then HEALTHY | UNHEALTHY or RECOVERED | FAILED
  std::string task_arn;  // a diagnostic task's
  std::string instance_id;
  std::vector<std::string> gpu_ids;
  std::string output;
  core::SystemTime requested_at{};
  bool after_recovery = false;  // a diagnostic's
};

struct JobFacts {
  std::string cluster;
  std::string id;
  std::string status;
  int attempt = 1;
  int max_attempts = 1;
  boost::json::object fault;  // empty when none
  JobCheckFacts diagnostic;
  JobCheckFacts recovery;
  std::vector<JobTaskFacts> tasks;
  std::map<std::string, JobGpuFacts> gpus;  // by UUID, those the tasks hold
};

// Whether the task ended as a job's task should: every container exited 0.
bool task_succeeded(const JobTaskFacts& task);

JobFacts gather_job_facts(const state::ClusterState& state, const state::JobRecord& job);

}  // namespace gantry::controllers
