// RunTask and StartTask: their bodies as ecs::run_tasks and
// ecs::start_tasks commands; a RunTask tagged as a job starts the job too.
#include "api/handler_support.h"
#include "ecs/job_launch.h"
#include "ecs/run_task_request.h"
#include "ecs/task_launch.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

state::Outcome launched_outcome(ecs::Launched launched) {
  json::array failures;
  for (auto& f : launched.failures) {
    json::object failure;
    if (!f.arn.empty()) failure["arn"] = std::move(f.arn);
    failure["reason"] = std::move(f.reason);
    failures.push_back(std::move(failure));
  }
  return {std::move(launched.changes),
          json::object{{"tasks", std::move(launched.tasks)}, {"failures", std::move(failures)}}};
}

}  // namespace

void register_task_launch_handlers(Router& router, Services services) {
  router.add("RunTask", write_handler(services, [services](const RequestContext& c,
                                                           const ClusterState& s) {
               ecs::Context context = ecs_context(c, s, services);
               ecs::Launched launched =
                   ecs::run_tasks(context, ecs::run_tasks_from_request(c.body));
               ecs::start_job(context, c.body, launched);
               return launched_outcome(std::move(launched));
             }));
  router.add("StartTask", write_handler(services, [services](const RequestContext& c,
                                                             const ClusterState& s) {
               return launched_outcome(
                   ecs::start_tasks(ecs_context(c, s, services), ecs::start_tasks_from_request(c.body)));
             }));
}

}  // namespace gantry::api
