#include "ecs/job_stop.h"

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/job_checks.h"
#include "ecs/job_documents.h"
#include "ecs/jobs.h"
#include "ecs/lookups.h"
#include "ecs/task_stop.h"

namespace gantry::ecs {

namespace json = boost::json;

StoppedJob stop_job(const Context& context, const StopJob& command) {
  std::string cluster = active_cluster(context.state, command.cluster).name();
  const state::JobRecord* job =
      context.state.job(cluster, core::scoped_id_from(command.job, "job", cluster));
  if (!job) throw core::invalid_parameter("The referenced job was not found.");
  if (command.reason.size() > 255) {
    throw core::invalid_parameter("reason can be at most 255 characters.");
  }
  if (job_finished(job->status())) return {{}, job->doc};
  StoppedJob stopped;
  stopped.changes = withdraw_pending_checks(context, *job, command.reason);
  int running = 0;
  if (const json::array* tasks = core::array_member(job->doc, "tasks")) {
    for (const auto& entry : *tasks) {
      std::string arn = core::string_member(entry.as_object(), "taskArn");
      const state::TaskRecord* task = context.state.task(cluster, core::arn_last_segment(arn));
      if (!task || task->desired_status() == "STOPPED") continue;
      ++running;
      std::ranges::move(stop_task(context, {cluster, arn, command.reason, "UserInitiated"}).changes,
                        std::back_inserter(stopped.changes));
    }
  }
  state::JobRecord next = *job;
  move_job(next.doc, context.now_seconds(), kJobStoppedByUser, "STOPPED_BY_USER",
           "the user stopped the job (" + command.reason + "): " + std::to_string(running) +
               (running == 1 ? " task stops" : " tasks stop") + "; nothing restarts it");
  stopped.job = next.doc;
  stopped.changes.push_back(put_job(std::move(next)));
  return stopped;
}

}  // namespace gantry::ecs
