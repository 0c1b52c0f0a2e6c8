#pragma once
// What the agent keeps on disk so that a restart picks up where it left
// off: its container instance ARN, and for each task it knows the desired
// task it was given and the task's status (with the driver handles). Files
// are replaced atomically (write, then rename), so a crash leaves the old
// or the new version, never half of one.
//
//   <dir>/instance.json        {"containerInstanceArn": ...}
//   <dir>/tasks/<task id>.json {"desired": a desiredTasks message of the task,
//                               "status": TaskStatus}
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/task_status.h"
#include "model/agent_protocol.h"

namespace gantry::agent {

struct StoredTask {
  model::DesiredTask desired;
  TaskStatus status;
};

class AgentStore {
 public:
  explicit AgentStore(std::filesystem::path dir);

  std::optional<std::string> instance_arn() const;
  void save_instance_arn(const std::string& arn);

  // Tasks whose files cannot be read are skipped with a warning.
  std::vector<StoredTask> tasks() const;
  void save_task(const model::DesiredTask& desired, const TaskStatus& status);
  void forget_task(const std::string& task_arn);

 private:
  std::filesystem::path dir_;
};

// The JSON object in the file at `path`; throws std::exception when it is
// not one.
boost::json::object read_json(const std::filesystem::path& path);
// Writes `content` to `path` atomically.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace gantry::agent
