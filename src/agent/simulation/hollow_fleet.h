#pragma once
// Hollow agents (after Kubernetes' kubemark): N simulated container
// instances in one process, each registered and holding its own agent
// channel over the real protocol, accepting the tasks pushed to it and
// reporting them RUNNING, and STOPPED when told to stop or after a set
// duration, without running anything. It is how gantry's control plane is
// tested at scale, and how an operator can rehearse a cluster before
// building it.
//
// All instances share one io_context thread. Task states go up each
// instance's channel, many to a message (taskStates), not one
// SubmitTaskStateChange call each: a fleet reports thousands a second.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/ecs_client.h"
#include "agent/host_resources.h"
#include "agent/task_status.h"
#include "core/clock.h"

namespace gantry::agent {

struct HollowFleetOptions {
  EcsEndpoint endpoint;
  std::string cluster = "default";
  int instances = 1;
  OfferOptions offer;  // what every instance offers
  // How long a task runs before it exits 0 by itself; zero: until stopped.
  std::chrono::milliseconds task_duration{0};
  std::chrono::seconds channel_idle_timeout{10};
  int registration_threads = 4;
};

class HollowFleet {
 public:
  HollowFleet(HollowFleetOptions options, const core::Clock& clock);
  // Closes the channels; the instances stay registered, as a stopped agent's do.
  ~HollowFleet();
  HollowFleet(const HollowFleet&) = delete;
  HollowFleet& operator=(const HollowFleet&) = delete;

  // Registers every instance (several at a time, retrying while the
  // control plane does not answer) and opens their channels. Returns the
  // number registered; fewer when request_stop() came first.
  int start();
  // May be called from any thread, e.g. a signal handler's.
  void request_stop() { stopping_ = true; }

  struct Instance;

 private:
  void register_all();
  void connect(const std::shared_ptr<Instance>& instance);
  void received(const std::shared_ptr<Instance>& instance, const std::string& message);
  // Queues the task's status for the instance's next taskStates message.
  void report(const std::shared_ptr<Instance>& instance, const TaskStatus& status);
  void send_reports();

  HollowFleetOptions options_;
  const core::Clock& clock_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::shared_ptr<Instance>> instances_;
  std::vector<std::shared_ptr<Instance>> reporting_;  // instances with reports queued
  bool send_posted_ = false;
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::agent
