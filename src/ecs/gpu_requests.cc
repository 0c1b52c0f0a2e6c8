#include "ecs/gpu_requests.h"

#include <algorithm>

#include "core/error.h"
#include "core/json_members.h"
#include "ecs/container_instance_view.h"
#include "ecs/job_documents.h"
#include "ecs/lookups.h"
#include "state/record_keys.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

size_t drop_gpu_requests(state::ContainerInstanceRecord& instance, std::string_view member,
                         std::string_view value) {
  auto& requests = instance.gpu_requests;
  auto kept = std::remove_if(requests.begin(), requests.end(), [&](const json::value& stored) {
    return stored.is_object() && string_member(stored.get_object(), member) == value;
  });
  size_t dropped = static_cast<size_t>(requests.end() - kept);
  requests.erase(kept, requests.end());
  return dropped;
}

state::ContainerInstanceRecord with_gpu_request(const state::ContainerInstanceRecord& instance,
                                                const model::GpuRequest& request,
                                                std::string_view job, double now) {
  state::ContainerInstanceRecord record = instance;
  json::object stored = model::gpu_request_document(request);
  if (!job.empty()) {
    // A job waits on one request at a time: one it opened before is stale.
    drop_gpu_requests(record, "job", job);
    stored["job"] = job;
  }
  stored["requestedAt"] = now;
  record.gpu_requests.push_back(std::move(stored));
  return record;
}

std::vector<model::GpuRequest> open_gpu_requests(const state::ContainerInstanceRecord& instance) {
  std::vector<model::GpuRequest> requests;
  for (const auto& stored : instance.gpu_requests) {
    if (stored.is_object()) requests.push_back(model::gpu_request_from(stored.get_object()));
  }
  return requests;
}

namespace {

// What the job keeps of a result, in the member that asked for it.
void record_result(json::object& job, const model::GpuRequestResult& result, double now) {
  std::string_view member = result.kind == model::kGpuRecover ? "recovery" : "diagnostic";
  json::value* asked = job.if_contains(member);
  if (!asked || !asked->is_object() ||
      string_member(asked->as_object(), "requestId") != result.id) {
    return;  // the job has moved on
  }
  json::object& entry = asked->as_object();
  if (result.kind == model::kGpuRecover) {
    entry["status"] = result.ok ? "RECOVERED" : "FAILED";
  } else {
    entry["status"] = result.ok ? "HEALTHY" : "UNHEALTHY";
  }
  if (result.exit_code) entry["exitCode"] = *result.exit_code;
  entry["output"] = result.output;
  entry["completedAt"] = now;
  job["updatedAt"] = now;
}

}  // namespace

std::vector<state::Change> close_gpu_request(const Context& context, std::string_view cluster,
                                             std::string_view instance_id,
                                             const model::GpuRequestResult& result) {
  const state::ContainerInstanceRecord* instance = context.state.instance(cluster, instance_id);
  if (!instance) return {};
  auto open = std::ranges::find_if(instance->gpu_requests, [&](const json::value& stored) {
    return stored.is_object() && string_member(stored.get_object(), "id") == result.id;
  });
  if (open == instance->gpu_requests.end()) return {};
  std::string job_name = string_member(open->get_object(), "job");
  // What was asked decides what the answer means, whatever kind it names.
  model::GpuRequestResult answer = result;
  answer.kind = string_member(open->get_object(), "kind");
  state::ContainerInstanceRecord record = *instance;
  record.gpu_requests.erase(record.gpu_requests.begin() +
                            (open - instance->gpu_requests.begin()));
  std::vector<state::Change> changes{
      state::put_change(state::container_instance_key(cluster, instance_id), std::move(record))};
  if (auto slash = job_name.find('/'); slash != std::string::npos) {
    const state::JobRecord* job =
        context.state.job(job_name.substr(0, slash), job_name.substr(slash + 1));
    if (job) {
      state::JobRecord next = *job;
      record_result(next.doc, answer, context.now_seconds());
      if (next.doc != job->doc) changes.push_back(put_job(std::move(next)));
    }
  }
  return changes;
}

ReturnedGpus return_gpus_to_service(const Context& context, const ReturnGpus& command) {
  const state::ClusterRecord& cluster = active_cluster(context.state, command.cluster);
  const state::ContainerInstanceRecord* instance =
      find_instance(context.state, cluster.name(), command.container_instance);
  if (!instance) {
    throw core::invalid_parameter("Container instance " + command.container_instance +
                                  " is not registered in cluster " + cluster.name() + ".");
  }
  std::vector<std::string> registered = registered_strings(instance->doc, "GPU");
  ReturnedGpus returned;
  returned.gpu_ids = command.gpu_ids;
  for (const auto& gpu : returned.gpu_ids) {
    if (std::ranges::find(registered, gpu) == registered.end()) {
      throw core::invalid_parameter("Container instance " + instance->id() +
                                    " has no GPU " + gpu + ".");
    }
  }
  if (returned.gpu_ids.empty()) {
    for (const auto& gpu : registered) {
      if (instance->gpu_unhealthy(gpu)) returned.gpu_ids.push_back(gpu);
    }
    if (returned.gpu_ids.empty()) {
      throw core::invalid_parameter("Container instance " + instance->id() +
                                    " has no GPU out of service.");
    }
  }
  returned.request_id = "return-" + context.ids.hex(16);
  model::GpuRequest request{returned.request_id, std::string(model::kGpuReturn), returned.gpu_ids};
  returned.changes.push_back(
      state::put_change(state::container_instance_key(cluster.name(), instance->id()),
                        with_gpu_request(*instance, request, "", context.now_seconds())));
  return returned;
}

}  // namespace gantry::ecs
