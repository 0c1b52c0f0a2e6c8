#pragma once
// Every durable change, in commit order, with the store revision that made
// it durable and the record before and after (Nomad's event broker is the
// model). The committer appends one commit at a time; subscribers are many
// and none can hold the committer back: each is only woken (a callback
// that must not block, e.g. a post to its own executor), then reads what
// it has not seen at its own pace. The log keeps the last `capacity`
// changes; a subscriber that falls further behind is told so, and heals by
// reading the current state (every consumer is level-triggered).
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "state/records.h"

namespace gantry::state {

struct LoggedChange {
  int64_t revision = 0;  // the store revision of the commit that made it durable
  std::string key;
  std::shared_ptr<const Record> before;  // null: the key is new
  std::shared_ptr<const Record> after;   // null: the key was removed
  core::SystemTime committed_at{};       // when its commit returned
};

// What a subscriber read: the changes after the revision it asked for, and
// whether some of them are no longer kept.
struct LogRead {
  std::vector<LoggedChange> changes;
  bool lost = false;          // changes after the asked revision were dropped
  int64_t last_revision = 0;  // the revision to ask after next time
};

class EventLog {
 public:
  static constexpr size_t kDefaultCapacity = 65536;

  // `revision`: the store's revision when the log starts (nothing before it
  // is kept, and nothing before it is lost).
  explicit EventLog(int64_t revision = 0, size_t capacity = kDefaultCapacity);
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // One commit's changes, all made durable at `revision` (which rises from
  // call to call); then wakes every subscriber. Called by the committer.
  void append(int64_t revision, std::vector<LoggedChange> changes);

  // The changes with a revision above `after`, at most `max_changes` (whole
  // commits, unless one commit alone holds more).
  LogRead read_after(int64_t after, size_t max_changes = 4096) const;

  int64_t last_revision() const;
  // The oldest revision whose changes are all still kept minus one: a read
  // after it loses nothing.
  int64_t oldest_readable() const;

  // `wake` is called after every append, on the committer's thread, until
  // the returned subscription is dropped. It must not block.
  using Subscription = std::shared_ptr<void>;
  [[nodiscard]] Subscription subscribe(std::function<void()> wake) const;

 private:
  struct Subscriber {
    std::function<void()> wake;
  };

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<LoggedChange> changes_;
  int64_t last_revision_;
  int64_t dropped_through_;  // every change up to this revision is gone
  // Following a log does not change it: a const log can be subscribed to.
  mutable std::mutex subscribers_mutex_;
  mutable std::vector<std::weak_ptr<Subscriber>> subscribers_;
};

}  // namespace gantry::state
