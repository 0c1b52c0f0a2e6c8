#pragma once
// The Job document (ecs/jobs.h) built and moved: its first form, the tasks
// of an attempt, and the events every move appends.
#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "ecs/context.h"
#include "state/cluster_state.h"
#include "state/records.h"

namespace gantry::ecs {

// The job of one RunTask's launched tasks (ECS Task documents).
boost::json::object new_job_document(const Context& context, std::string_view cluster_arn,
                                     std::string_view job_id, int max_attempts,
                                     const boost::json::array& tasks);

// What the job's "tasks" lists of an attempt's ECS Task documents.
boost::json::array job_task_entries(const boost::json::array& tasks, int attempt);

// Each GPU's changedAt on the instances of an attempt's task entries, as
// the attempt starts: an XID after it is the attempt's.
boost::json::object gpu_baseline(const state::ClusterState& state, const std::string& cluster,
                                 const boost::json::array& entries);

// Sets the job's status (and statusReason to `message`) and appends the
// event that says so: the move the notifier posts.
void move_job(boost::json::object& job, double now, std::string_view status,
              std::string_view action, std::string message);

// The job's current attempt and its limit.
int job_attempt(const boost::json::object& job);
int job_max_attempts(const boost::json::object& job);

// The record a change of `job` puts back.
state::Change put_job(state::JobRecord job);

}  // namespace gantry::ecs
