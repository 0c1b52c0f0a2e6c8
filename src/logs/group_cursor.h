#pragma once
// A group's events in time order, (timestamp, seq), across the streams it
// is given: a merge of one ordered read per stream, each over the
// (stream_id, timestamp, seq) index. The store keeps no index by group,
// which would take an insert into the middle of a b-tree for every event
// of streams that log at the same time (a third of the ingest rate);
// FilterLogEvents and the size cap read through this instead.
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "logs/event_key.h"
#include "logs/log_database.h"

namespace gantry::logs {

struct GroupEvent {
  EventKey key;
  int64_t stream_id = 0;
  int64_t ingestion_time = 0;
  std::string message;
};

class GroupCursor {
 public:
  // The events of `stream_ids` after `after` and before `end_ms`.
  GroupCursor(LogConnection& db, std::vector<int64_t> stream_ids, EventKey after, int64_t end_ms);
  GroupCursor(const GroupCursor&) = delete;  // its heap points into streams_
  GroupCursor& operator=(const GroupCursor&) = delete;

  std::optional<GroupEvent> next();

 private:
  struct Stream {
    int64_t id = 0;
    EventKey after;  // the last event read from the store
    bool exhausted = false;
    std::deque<GroupEvent> buffered;
  };
  // The stream whose next event is the earliest comes first.
  struct Later {
    const std::vector<Stream>* streams;
    bool operator()(size_t a, size_t b) const {
      return (*streams)[a].buffered.front().key > (*streams)[b].buffered.front().key;
    }
  };

  // Reads the stream's next chunk; false when it has no more.
  bool refill(Stream& stream);

  LogConnection& db_;
  int64_t end_ms_;
  std::vector<Stream> streams_;
  std::priority_queue<size_t, std::vector<size_t>, Later> heads_;
};

}  // namespace gantry::logs
