#include "controllers/job_notifier.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "core/clock.h"
#include "core/json_members.h"
#include "ecs/ecs_events.h"
#include "ecs/job_documents.h"
#include "ecs/jobs.h"
#include "state/record_keys.h"

namespace gantry::controllers {

namespace json = boost::json;

namespace {

int64_t event_id(const json::value& event) {
  return event.is_object() ? core::int_member(event.get_object(), "id", 0) : 0;
}

// The event's "at" (epoch seconds) as ISO-8601; null when it has none.
json::value event_time(const json::object& event) {
  const json::value* at = event.if_contains("at");
  if (!at || !at->is_number()) return nullptr;
  return json::value(ecs::iso8601(core::from_epoch_seconds(at->to_number<double>())));
}

std::string summary(const json::object& job, const json::object& event) {
  return "job " + core::string_member(job, "jobId") + " " + core::string_member(event, "status") +
         ": " + core::string_member(event, "message") + " (attempt " +
         std::to_string(core::int_member(job, "attempt", 0)) + " of " +
         std::to_string(core::int_member(job, "maxAttempts", 0)) + ")";
}

}  // namespace

int64_t last_job_event_id(const json::object& job) {
  int64_t last = 0;
  if (const json::array* events = core::array_member(job, "events")) {
    for (const auto& event : *events) last = std::max(last, event_id(event));
  }
  return last;
}

std::vector<JobNotification> job_notifications(const std::string& key, const state::JobRecord& job,
                                               int64_t above) {
  std::vector<JobNotification> out;
  const json::array* events = core::array_member(job.doc, "events");
  if (!events) return out;
  json::object without_events;  // built once, shared by the job's notifications
  for (const auto& event : *events) {
    const int64_t id = event_id(event);
    if (id <= above) continue;
    if (without_events.empty()) {
      without_events = job.doc;
      without_events.erase("events");
      without_events.erase(ecs::kJobNotifiedMember);
    }
    const json::object& e = event.get_object();
    json::object body{{"source", kJobNotificationSource},
                      {"detailType", kJobStateChange},
                      {"time", event_time(e)},
                      {"event", e},
                      {"job", without_events}};
    out.push_back(JobNotification{key, job.id(), id, json::serialize(body), summary(job.doc, e)});
  }
  return out;
}

std::vector<JobNotification> job_notifications(const state::LoggedChange& change) {
  if (!change.key.starts_with(state::kJobPrefix) || !change.after) return {};
  const auto* after = std::get_if<state::JobRecord>(change.after.get());
  if (!after) return {};
  const auto* before = change.before ? std::get_if<state::JobRecord>(change.before.get()) : nullptr;
  return job_notifications(change.key, *after, before ? last_job_event_id(before->doc) : 0);
}

std::vector<JobNotification> owed_notifications(const std::string& key, const state::JobRecord& job,
                                                const std::string& url) {
  const json::object* notified = core::object_member(job.doc, ecs::kJobNotifiedMember);
  const json::value* taken = notified ? notified->if_contains(url) : nullptr;
  if (taken && taken->is_int64()) return job_notifications(key, job, taken->get_int64());
  if (ecs::job_finished(job.status())) return {};
  return job_notifications(key, job, 0);
}

state::Outcome record_delivery(const state::ClusterState& latest, const std::string& key,
                               const std::string& url, int64_t event_id) {
  std::string_view rest = std::string_view(key).substr(state::kJobPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  const state::JobRecord* job = latest.job(rest.substr(0, slash), rest.substr(slash + 1));
  if (!job) return {};
  const json::object* notified = core::object_member(job->doc, ecs::kJobNotifiedMember);
  const json::value* taken = notified ? notified->if_contains(url) : nullptr;
  if (taken && taken->is_int64() && taken->get_int64() >= event_id) return {};
  state::JobRecord next = *job;
  json::value& member = next.doc[ecs::kJobNotifiedMember];
  if (!member.is_object()) member.emplace_object();
  member.as_object()[url] = event_id;
  return {{ecs::put_job(std::move(next))}, {}};
}

void JobEventTracker::seed(const state::ClusterState& state) {
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [id, job] : state.jobs(cluster)) {
      told_[state::job_key(cluster, id)] = last_job_event_id(job->doc);
    }
  }
}

std::vector<JobNotification> JobEventTracker::on_change(const state::LoggedChange& change) {
  if (!change.key.starts_with(state::kJobPrefix)) return {};
  if (!change.after) {
    told_.erase(change.key);
    return {};
  }
  return keep_new(job_notifications(change));
}

std::vector<JobNotification> JobEventTracker::on_lost(const state::ClusterState& state) {
  std::map<std::string, int64_t, std::less<>> present;
  std::vector<JobNotification> out;
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [id, job] : state.jobs(cluster)) {
      std::string key = state::job_key(cluster, id);
      auto told = told_.find(key);
      for (auto& n : job_notifications(key, *job, told == told_.end() ? 0 : told->second)) {
        out.push_back(std::move(n));
      }
      present[key] = std::max(last_job_event_id(job->doc), told == told_.end() ? 0 : told->second);
    }
  }
  told_ = std::move(present);  // jobs removed meanwhile are forgotten
  return out;
}

std::vector<JobNotification> JobEventTracker::keep_new(std::vector<JobNotification> found) {
  std::vector<JobNotification> out;
  for (auto& n : found) {
    int64_t& told = told_[n.job_key];
    if (n.event_id <= told) continue;
    told = n.event_id;
    out.push_back(std::move(n));
  }
  return out;
}

struct JobNotifier::Wake {
  std::mutex mutex;
  std::condition_variable changed;
  bool pending = false;
  bool stopping = false;
};

JobNotifier::JobNotifier(state::ControlState& state, core::TimerSource& timers,
                         const std::vector<std::string>& urls, WebhookOptions options)
    : state_(state), wake_(std::make_shared<Wake>()) {
  std::vector<WebhookUrl> parsed;
  for (const auto& url : urls) parsed.push_back(parse_webhook_url(url));  // all, before any thread
  for (auto& url : parsed) {
    senders_.push_back(std::make_unique<WebhookSender>(std::move(url), timers, options));
  }
}

JobNotifier::~JobNotifier() { stop(); }

void JobNotifier::start() {
  // The cursor before the seed: a change between the two is read again,
  // and the tracker tells its events once.
  cursor_ = state_.events().last_revision();
  state_.read([&](const state::ClusterState& published) {
    tracker_.seed(published);
    // What each URL did not take before the restart goes first.
    for (const auto& [cluster, record] : published.clusters()) {
      for (const auto& [id, job] : published.jobs(cluster)) {
        const std::string key = state::job_key(cluster, id);
        for (auto& sender : senders_) {
          for (const auto& n : owed_notifications(key, *job, sender->url().url)) send(*sender, n);
        }
      }
    }
  });
  // The wake runs on the committer: it only flags the follower.
  subscription_ = state_.events().subscribe([wake = wake_] {
    std::lock_guard lock(wake->mutex);
    wake->pending = true;
    wake->changed.notify_one();
  });
  thread_ = std::thread([this] { follow(); });
}

void JobNotifier::stop() {
  subscription_.reset();
  {
    std::lock_guard lock(wake_->mutex);
    wake_->stopping = true;
    wake_->changed.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  for (auto& sender : senders_) sender->stop();
}

void JobNotifier::follow() {
  for (;;) {
    {
      std::unique_lock lock(wake_->mutex);
      wake_->changed.wait(lock, [&] { return wake_->pending || wake_->stopping; });
      if (wake_->stopping) return;
      wake_->pending = false;
    }
    drain();
  }
}

void JobNotifier::drain() {
  for (;;) {
    state::LogRead read = state_.events().read_after(cursor_);
    if (read.lost) {
      spdlog::warn("the job notifier fell behind the event log: telling what the jobs hold");
      tell(state_.read(
          [&](const state::ClusterState& published) { return tracker_.on_lost(published); }));
    }
    for (const auto& change : read.changes) tell(tracker_.on_change(change));
    cursor_ = read.last_revision;
    if (read.changes.empty()) return;
  }
}

void JobNotifier::tell(const std::vector<JobNotification>& notifications) {
  for (const auto& n : notifications) {
    spdlog::info("{}", n.summary);
    for (auto& sender : senders_) send(*sender, n);
  }
}

void JobNotifier::send(WebhookSender& sender, const JobNotification& n) {
  // The delivery is recorded by the writer; its answer matters to no one
  // (a lost record only sends the event again after a restart).
  auto delivered = [&state = state_, key = n.job_key, url = sender.url().url, id = n.event_id] {
    state.submit(
        [key, url, id](const state::ClusterState& latest) {
          return record_delivery(latest, key, url, id);
        },
        [](state::Answer) {});
  };
  sender.enqueue(WebhookMessage{
      "job " + n.job_key.substr(state::kJobPrefix.size()) + " event " + std::to_string(n.event_id),
      n.body, std::move(delivered)});
}

}  // namespace gantry::controllers
