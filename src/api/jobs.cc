// gantry's own operations on recovering jobs and on GPUs, on the ECS
// endpoint with the same SigV4 (botocore's model does not describe them):
//   ListJobs             input:  {"cluster"?, "status"?, "maxResults"?, "nextToken"?}
//                        output: {"jobArns": [...], "nextToken"?}
//   DescribeJobs         input:  {"cluster"?, "jobs": [id or ARN, 1 to 100]}
//                        output: {"jobs": [Job (ecs/jobs.h), each task with its
//                                 lastStatus and stoppedReason], "failures": [{"arn", "reason"}]}
//   StopJob              input:  {"cluster"?, "job": id or ARN, "reason"?}
//                        output: {"job": Job}: STOPPED_BY_USER, or as it finished
//     (`gantry jobs`, `gantry jobs describe`, `gantry jobs stop`)
//   DescribeGpus         input:  {"cluster"?}
//                        output: {"gpus": [{"containerInstanceArn", "ec2InstanceId", "gpuId",
//                                 "healthStatus", "reason"?, "message"?, "action"?, "lastXid"?,
//                                 "changedAt"?, "taskArn"?, "openRequests": [{"id", "kind"}]}]}
//   ReturnGpusToService  input:  {"cluster"?, "containerInstance", "gpuIds"?}
//                        output: {"containerInstanceArn", "gpuIds", "requestId"}
//     (`gantry gpus`, `gantry gpus return`)
#include "api/extension_input.h"
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/container_instance_view.h"
#include "ecs/gpu_requests.h"
#include "ecs/job_stop.h"
#include "ecs/jobs.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

using Kind = ExtensionMember::Kind;

json::object list_jobs(const RequestContext& context, const state::ClusterState& state) {
  check_extension_input(context.body, {{"cluster", Kind::kString},
                                       {"status", Kind::kString},
                                       {"maxResults", Kind::kInteger},
                                       {"nextToken", Kind::kString}});
  std::string cluster = active_cluster(state, context.body).name();
  std::string status = string_member(context.body, "status");
  PageRequest page = read_page_request(context.body, 100, 100);
  json::array arns;
  json::object response;
  std::vector<const state::JobRecord*> matching;
  for (const auto& [id, job] : state.jobs(cluster)) {
    if (status.empty() || job->status() == status) matching.push_back(job.get());
  }
  paginate(
      page, matching, [](const state::JobRecord* job) { return job->id(); },
      [&](const state::JobRecord* job) { arns.emplace_back(job->arn()); }, response);
  response["jobArns"] = std::move(arns);
  return response;
}

// The job as DescribeJobs shows it: its tasks as they are now.
json::object render_job(const state::ClusterState& state, const state::JobRecord& job) {
  json::object out = job.doc;
  out.erase("gpuBaseline");
  out.erase(ecs::kJobNotifiedMember);
  if (json::value* tasks = out.if_contains("tasks"); tasks && tasks->is_array()) {
    for (auto& entry : tasks->as_array()) {
      json::object& task = entry.as_object();
      const state::TaskRecord* record =
          state.task(job.cluster, core::arn_last_segment(string_member(task, "taskArn")));
      if (!record) continue;
      task["lastStatus"] = record->last_status();
      state::DocScratch scratch;
      json::object doc = record->doc(scratch.storage());
      if (auto reason = string_member(doc, "stoppedReason"); !reason.empty()) {
        task["stoppedReason"] = reason;
      }
    }
  }
  return out;
}

json::object describe_jobs(const RequestContext& context, const state::ClusterState& state) {
  check_extension_input(context.body, {{"cluster", Kind::kString}, {"jobs", Kind::kStringList}});
  std::string cluster = active_cluster(state, context.body).name();
  const json::array* wanted = array_member(context.body, "jobs");
  if (!wanted || wanted->empty()) {
    throw core::invalid_parameter("jobs must name between 1 and 100 jobs.");
  }
  json::array jobs;
  json::array failures;
  for (const auto& item : *wanted) {
    std::string identifier(item.get_string());
    std::string id = core::scoped_id_from(identifier, "job", cluster);
    const state::JobRecord* job = state.job(cluster, id);
    if (!job) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    jobs.push_back(render_job(state, *job));
  }
  return {{"jobs", std::move(jobs)}, {"failures", std::move(failures)}};
}

state::Outcome stop_job(const RequestContext& context, const state::ClusterState& state,
                        const Services& services) {
  check_extension_input(
      context.body,
      {{"cluster", Kind::kString}, {"job", Kind::kString}, {"reason", Kind::kString}});
  ecs::StopJob command;
  command.cluster = string_member(context.body, "cluster", "default");
  command.job = string_member(context.body, "job");
  if (command.job.empty()) throw core::invalid_parameter("job names the job to stop.");
  command.reason = string_member(context.body, "reason", command.reason);
  ecs::StoppedJob stopped = ecs::stop_job(ecs_context(context, state, services), command);
  return {std::move(stopped.changes), json::object{{"job", std::move(stopped.job)}}};
}

json::object describe_gpus(const RequestContext& context, const state::ClusterState& state) {
  check_extension_input(context.body, {{"cluster", Kind::kString}});
  std::string cluster = active_cluster(state, context.body).name();
  json::array gpus;
  for (const auto& [id, instance] : state.instances(cluster)) {
    std::map<std::string, std::string> holders;  // GPU -> the task that holds it
    for (const state::TaskRecord* task : state.tasks_on(cluster, instance->id())) {
      if (task->last_status() == "STOPPED") continue;
      for (const auto& gpu : task->reservation.gpu_ids) holders[gpu] = task->arn();
    }
    for (const auto& uuid : ecs::registered_strings(instance->doc, "GPU")) {
      json::object gpu{{"containerInstanceArn", instance->arn()},
                       {"ec2InstanceId", string_member(instance->doc, "ec2InstanceId")},
                       {"gpuId", uuid},
                       {"healthStatus", "HEALTHY"}};
      for (const auto& stored : instance->gpu_health) {
        const json::object& health = stored.as_object();
        if (string_member(health, "uuid") != uuid) continue;
        for (const auto& member : health) {
          if (member.key() != "uuid") gpu[member.key()] = member.value();
        }
      }
      if (auto holder = holders.find(uuid); holder != holders.end()) {
        gpu["taskArn"] = holder->second;
      }
      json::array open;
      for (const auto& request : ecs::open_gpu_requests(*instance)) {
        if (std::ranges::find(request.gpus, uuid) != request.gpus.end()) {
          open.push_back(json::object{{"id", request.id}, {"kind", request.kind}});
        }
      }
      gpu["openRequests"] = std::move(open);
      gpus.push_back(std::move(gpu));
    }
  }
  return {{"gpus", std::move(gpus)}};
}

state::Outcome return_gpus(const RequestContext& context, const state::ClusterState& state,
                           const Services& services) {
  check_extension_input(context.body, {{"cluster", Kind::kString},
                                       {"containerInstance", Kind::kString},
                                       {"gpuIds", Kind::kStringList}});
  ecs::ReturnGpus command;
  command.cluster = string_member(context.body, "cluster", "default");
  command.container_instance = string_member(context.body, "containerInstance");
  if (command.container_instance.empty()) {
    throw core::invalid_parameter("containerInstance names the instance whose GPUs return.");
  }
  if (const json::array* ids = array_member(context.body, "gpuIds")) {
    for (const auto& id : *ids) command.gpu_ids.emplace_back(id.get_string());
  }
  ecs::Context ecs = ecs_context(context, state, services);
  auto returned = ecs::return_gpus_to_service(ecs, command);
  const state::ContainerInstanceRecord* instance =
      ecs::find_instance(state, ecs::active_cluster(state, command.cluster).name(),
                         command.container_instance);
  json::array gpus;
  for (const auto& gpu : returned.gpu_ids) gpus.emplace_back(gpu);
  return {std::move(returned.changes),
          json::object{{"containerInstanceArn", instance ? instance->arn() : ""},
                       {"gpuIds", std::move(gpus)},
                       {"requestId", returned.request_id}}};
}

}  // namespace

void register_job_handlers(Router& router, Services services) {
  router.add_extension("ListJobs", read_handler(services, list_jobs));
  router.add_extension("DescribeJobs", read_handler(services, describe_jobs));
  router.add_extension("StopJob", write_handler(services, stop_job));
  router.add_extension("DescribeGpus", read_handler(services, describe_gpus));
  router.add_extension("ReturnGpusToService", write_handler(services, return_gpus));
}

}  // namespace gantry::api
