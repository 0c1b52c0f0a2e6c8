#pragma once
// Reports task status to the control plane with SubmitTaskStateChange, on a
// thread of its own so that a slow or unreachable server never stalls the
// agent. Of each lifecycle step (PENDING, RUNNING, STOPPED) of a task only
// the latest status is sent, and the steps go out in order; one that fails
// to go out is retried until it does.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/ecs_client.h"
#include "agent/task_status.h"

namespace gantry::agent {

// The body of SubmitTaskStateChange for a task's status.
boost::json::object state_change_request(const std::string& cluster, const TaskStatus& status);

class StateReporter {
 public:
  StateReporter(EcsEndpoint endpoint, const core::Clock& clock, std::string cluster);
  ~StateReporter();

  void report(const TaskStatus& status);

 private:
  void run();

  EcsClient client_;
  std::string cluster_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::vector<TaskStatus>> pending_;  // by task ARN, in step order
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::agent
