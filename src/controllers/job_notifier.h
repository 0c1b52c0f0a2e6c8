#pragma once
// Tells the operator of every GPU job's state change: follows the event log
// for job records, and for each event a change appended to the job's
// "events" (ecs/jobs.h) logs one line and POSTs one notification to every
// configured webhook (webhook_sender.h):
//   {"source": "gantry", "detailType": "gantry Job State Change",
//    "time": the event's "at" as ISO-8601 UTC, "event": the event,
//    "job": the Job document without "events"}
// The shape follows EventBridge's envelope, as the ECS events gantry
// streams do, so that the same receivers can take both.
//
// Delivery is at least once, across restarts: each job records in its
// "notified" the last event each URL took (a write after the 2xx), and a
// notifier starting again sends every URL what it has not taken yet, of
// the jobs still unfinished or that it took some events of.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "controllers/webhook_sender.h"
#include "core/timer.h"
#include "state/cluster_state.h"
#include "state/control_state.h"
#include "state/event_log.h"

namespace gantry::controllers {

inline constexpr std::string_view kJobNotificationSource = "gantry";
inline constexpr std::string_view kJobStateChange = "gantry Job State Change";

struct JobNotification {
  std::string job_key;  // state::job_key(cluster, id)
  std::string job_id;
  int64_t event_id = 0;
  std::string body;     // the JSON above
  std::string summary;  // "job <jobId> <status>: <message> (attempt k of N)"
};

// The highest "id" among a job document's events (0: none).
int64_t last_job_event_id(const boost::json::object& job);

// What a webhook at `url` is owed of `job` when a notifier starts: the
// events above the last it took; every event when it took none of an
// unfinished job; none of a finished job it took none of (it came later).
std::vector<JobNotification> owed_notifications(const std::string& key, const state::JobRecord& job,
                                                const std::string& url);

// The writer's half of a delivery: the job records that `url` took
// `event_id` (a job gone, or a later event recorded, changes nothing).
state::Outcome record_delivery(const state::ClusterState& latest, const std::string& key,
                               const std::string& url, int64_t event_id);

// One notification for each of `job`'s events with an id above `above`,
// oldest first.
std::vector<JobNotification> job_notifications(const std::string& key, const state::JobRecord& job,
                                               int64_t above);

// What one logged change tells: the events of `after` above the highest id
// in `before` (all of them for a new job); none for a removal or a key
// that is not a job's.
std::vector<JobNotification> job_notifications(const state::LoggedChange& change);

// Which events have been told, job by job, so that a change read twice (or
// a lost stretch of the log, healed from the state) tells each event once.
class JobEventTracker {
 public:
  // What the state holds already counts as told (a restart does not repeat
  // a job's history).
  void seed(const state::ClusterState& state);
  std::vector<JobNotification> on_change(const state::LoggedChange& change);
  // After the log lost changes: every job's events not told yet.
  std::vector<JobNotification> on_lost(const state::ClusterState& state);

 private:
  std::vector<JobNotification> keep_new(std::vector<JobNotification> found);

  std::map<std::string, int64_t, std::less<>> told_;  // job key -> highest event id told
};

class JobNotifier {
 public:
  // Throws std::invalid_argument naming the URL for one that
  // parse_webhook_url refuses. `state` and `timers` outlive the notifier.
  JobNotifier(state::ControlState& state, core::TimerSource& timers,
              const std::vector<std::string>& urls, WebhookOptions options = {});
  ~JobNotifier();  // stop()
  JobNotifier(const JobNotifier&) = delete;
  JobNotifier& operator=(const JobNotifier&) = delete;

  // Subscribes to the event log and starts following it from now.
  void start();
  // Stops following and delivering; what is still queued is dropped.
  void stop();

  const std::vector<std::unique_ptr<WebhookSender>>& senders() const { return senders_; }

 private:
  struct Wake;

  void follow();
  void drain();
  void tell(const std::vector<JobNotification>& notifications);
  void send(WebhookSender& sender, const JobNotification& notification);

  state::ControlState& state_;
  std::vector<std::unique_ptr<WebhookSender>> senders_;
  std::shared_ptr<Wake> wake_;  // shared with the log's callback, which may outlive us
  state::EventLog::Subscription subscription_;
  JobEventTracker tracker_;  // the follower thread's
  int64_t cursor_ = 0;       // the last log revision read
  std::thread thread_;
};

}  // namespace gantry::controllers
