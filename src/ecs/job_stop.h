#pragma once
// StopJob (gantry's own): the user ends a job in whatever state it is, a
// job stuck RESTARTING for want of room included. Its tasks stop as
// StopTask stops them, a check it waits on is withdrawn, and the job ends
// STOPPED_BY_USER; nothing restarts it.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct StopJob {
  std::string cluster = "default";             // a name or ARN
  std::string job;                             // an id or ARN
  std::string reason = "Job stopped by user";  // at most 255 characters: the tasks' too
};

struct StoppedJob {
  std::vector<state::Change> changes;  // none for a job that had finished
  boost::json::object job;             // the Job document after the stop
};

// Throws ClusterNotFoundException, and InvalidParameterException for an
// unknown job or a reason too long.
StoppedJob stop_job(const Context& context, const StopJob& command);

}  // namespace gantry::ecs
