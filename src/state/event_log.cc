#include "state/event_log.h"

#include <algorithm>

namespace gantry::state {

EventLog::EventLog(int64_t revision, size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)),
      last_revision_(revision),
      dropped_through_(revision) {}

void EventLog::append(int64_t revision, std::vector<LoggedChange> changes) {
  {
    std::lock_guard lock(mutex_);
    for (auto& change : changes) {
      change.revision = revision;
      changes_.push_back(std::move(change));
    }
    last_revision_ = std::max(last_revision_, revision);
    while (changes_.size() > capacity_) {
      dropped_through_ = changes_.front().revision;
      changes_.pop_front();
    }
  }
  std::vector<std::shared_ptr<Subscriber>> awake;
  {
    std::lock_guard lock(subscribers_mutex_);
    std::erase_if(subscribers_, [&](const std::weak_ptr<Subscriber>& weak) {
      auto subscriber = weak.lock();
      if (!subscriber) return true;
      awake.push_back(std::move(subscriber));
      return false;
    });
  }
  for (const auto& subscriber : awake) subscriber->wake();
}

LogRead EventLog::read_after(int64_t after, size_t max_changes) const {
  std::lock_guard lock(mutex_);
  LogRead read;
  read.lost = after < dropped_through_;
  auto first = std::ranges::upper_bound(changes_, after, {}, &LoggedChange::revision);
  size_t available = static_cast<size_t>(changes_.end() - first);
  size_t take = std::min(available, std::max<size_t>(max_changes, 1));
  // Whole commits: extend the last one taken to its end.
  while (take < available && first[take].revision == first[take - 1].revision) ++take;
  read.changes.assign(first, first + static_cast<std::ptrdiff_t>(take));
  read.last_revision =
      take == available ? std::max(after, last_revision_) : read.changes.back().revision;
  return read;
}

int64_t EventLog::last_revision() const {
  std::lock_guard lock(mutex_);
  return last_revision_;
}

int64_t EventLog::oldest_readable() const {
  std::lock_guard lock(mutex_);
  return dropped_through_;
}

EventLog::Subscription EventLog::subscribe(std::function<void()> wake) const {
  auto subscriber = std::make_shared<Subscriber>(Subscriber{std::move(wake)});
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.push_back(subscriber);
  return subscriber;
}

}  // namespace gantry::state
