#pragma once
// What the control plane asks of an instance's GPUs (model/gpu_requests.h),
// kept on the instance's record until its agent answers: a job's diagnostic
// and recovery, and an operator's ReturnGpusToService. Kept in the store,
// so a request outlives a restart of either end; the agent channel sends
// every open one to the agent on each connect and each change.
#include <string>
#include <string_view>
#include <vector>

#include "ecs/context.h"
#include "model/gpu_requests.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

// The instance's record with `request` open; `job` ("<cluster>/<job id>")
// names the job that asked, empty for none. A request the same job opened
// there before is dropped: a job waits on one at a time.
state::ContainerInstanceRecord with_gpu_request(const state::ContainerInstanceRecord& instance,
                                                const model::GpuRequest& request,
                                                std::string_view job, double now);

// Drops the instance's open requests whose `member` ("id", "job") is
// `value`; how many it dropped.
size_t drop_gpu_requests(state::ContainerInstanceRecord& instance, std::string_view member,
                         std::string_view value);

// The instance's open requests, as the agent hears them.
std::vector<model::GpuRequest> open_gpu_requests(const state::ContainerInstanceRecord& instance);

// The agent's answer: the request is closed, and the job that asked records
// the result (ecs/jobs.h: its "diagnostic" or "recovery"). No change for a
// request that is not open (answered already, or unknown).
std::vector<state::Change> close_gpu_request(const Context& context, std::string_view cluster,
                                             std::string_view instance_id,
                                             const model::GpuRequestResult& result);

// ReturnGpusToService: the operator says the GPUs may serve again; the
// agent forgets their faults and checks them afresh.
struct ReturnGpus {
  std::string cluster = "default";
  std::string container_instance;  // an id or ARN
  std::vector<std::string> gpu_ids;  // empty: every GPU the instance holds unhealthy
};
struct ReturnedGpus {
  std::vector<state::Change> changes;
  std::string request_id;
  std::vector<std::string> gpu_ids;
};
// Throws InvalidParameterException for an unknown instance or a GPU it did
// not register, and when it has no unhealthy GPU to return.
ReturnedGpus return_gpus_to_service(const Context& context, const ReturnGpus& command);

}  // namespace gantry::ecs
