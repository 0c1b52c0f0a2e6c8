#include "ecs/job_checks.h"

#include <algorithm>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "core/utf8_text.h"
#include "ecs/gpu_requests.h"
#include "ecs/task_launch.h"
#include "ecs/task_stop.h"
#include "ecs/task_view.h"
#include "state/record_keys.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::bool_member;
using core::object_member;
using core::string_member;

namespace {

// The container a diagnostic's GPUs go to: the first essential one.
std::string diagnosing_container(const state::TaskDefinitionRecord& definition) {
  const json::array* containers = core::array_member(definition.doc, "containerDefinitions");
  if (!containers) return {};
  for (const auto& container : *containers) {
    if (container.is_object() && bool_member(container.get_object(), "essential", true)) {
      return string_member(container.get_object(), "name");
    }
  }
  return {};
}

}  // namespace

StartedDiagnostic start_diagnostic_task(const Context& context, const state::JobRecord& job,
                                        const DiagnosticTask& diagnostic) {
  StartedDiagnostic started;
  try {
    const state::TaskDefinitionRecord& definition =
        runnable_task_definition(context.state, diagnostic.task_definition);
    StartTasks command;
    command.task.cluster = job.cluster;
    command.task.task_definition = diagnostic.task_definition;
    json::object gpus{{"type", "GPU"}, {"value", std::to_string(diagnostic.gpu_ids.size())}};
    command.task.overrides = {
        {"containerOverrides",
         json::array{json::object{{"name", diagnosing_container(definition)},
                                  {"resourceRequirements", json::array{std::move(gpus)}}}}}};
    command.task.group = "gantry:gpu-diagnostic";
    command.task.started_by = "gantry/job/" + job.id();
    command.task.tags = json::array{json::object{{"key", kDiagnosticTag}, {"value", job.id()}}};
    command.container_instances = {diagnostic.instance_id};
    command.gpu_ids = diagnostic.gpu_ids;
    Launched launched = start_tasks(context, command);
    if (!launched.failures.empty() || launched.tasks.empty()) {
      started.why_not = launched.failures.empty() ? "no task started" : launched.failures[0].reason;
      return started;
    }
    started.task_arn = string_member(launched.tasks.front().as_object(), "taskArn");
    started.changes = std::move(launched.changes);
  } catch (const core::ApiError& error) {
    started.why_not = error.message();
  }
  return started;
}

std::vector<state::Change> withdraw_pending_checks(const Context& context,
                                                   const state::JobRecord& job,
                                                   const std::string& why) {
  std::vector<state::Change> changes;
  for (std::string_view member : {"diagnostic", "recovery"}) {
    const json::object* check = object_member(job.doc, member);
    if (!check || string_member(*check, "status") != "PENDING") continue;
    if (std::string task = string_member(*check, "taskArn"); !task.empty()) {
      const state::TaskRecord* record =
          context.state.task(job.cluster, core::arn_last_segment(task));
      if (!record || record->desired_status() == "STOPPED") continue;
      StopTask stop{job.cluster, task, core::utf8_prefix(why, core::kMaxStoppedReasonBytes),
                    "ServiceSchedulerInitiated"};
      std::ranges::move(stop_task(context, stop).changes, std::back_inserter(changes));
      continue;
    }
    std::string instance_id(core::arn_last_segment(string_member(*check, "containerInstanceArn")));
    const state::ContainerInstanceRecord* instance =
        context.state.instance(job.cluster, instance_id);
    if (!instance) continue;
    std::string request = string_member(*check, "requestId");
    state::ContainerInstanceRecord record = *instance;
    if (drop_gpu_requests(record, "id", request) == 0) continue;
    changes.push_back(state::put_change(state::container_instance_key(job.cluster, instance_id),
                                        std::move(record)));
  }
  return changes;
}

}  // namespace gantry::ecs
