#pragma once
// Which container instances have an agent connected right now. It is not
// durable: it is what the agent channels see, and it starts empty.
#include <mutex>
#include <string>

#include "core/string_map.h"

namespace gantry::state {

class AgentPresence {
 public:
  void set_connected(const std::string& instance_arn, bool connected) {
    std::lock_guard lock(mutex_);
    if (connected) {
      connected_.insert(instance_arn);
    } else {
      connected_.erase(instance_arn);
    }
  }

  bool connected(const std::string& instance_arn) const {
    std::lock_guard lock(mutex_);
    return connected_.contains(instance_arn);
  }

 private:
  mutable std::mutex mutex_;
  core::StringSet connected_;
};

}  // namespace gantry::state
