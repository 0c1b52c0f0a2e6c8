#pragma once
// What the log shipper knows of one container's log: where it goes (group,
// stream, region), the outputs it reads (a Docker container restarted in
// place is a new output; the process driver's files stay one), what has
// been read and not yet shipped, and where each output's channels were
// shipped to. Its record is kept in a file under the agent's state
// directory, so an agent that restarts resumes where the last one stopped.
//
// At least once, and no line twice: before each PutLogEvents the record
// notes the batch in flight (its size, a digest of its events and the
// cursors after it). An agent that finds a batch in flight after a restart
// asks the stream for its last events: when they are that batch, it
// landed and shipping goes on after it; else it is read and sent again.
#include <boost/json.hpp>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/logs/awslogs_options.h"
#include "agent/logs/log_event_builder.h"
#include "agent/logs/log_source.h"

namespace gantry::agent {

// A digest of events, in order: what identifies a batch in its stream.
uint64_t events_digest(const std::vector<std::pair<int64_t, std::string_view>>& events);

struct InflightBatch {
  size_t count = 0;
  uint64_t digest = 0;
  std::vector<LogCursor> shipped_after;  // the front output's cursors once it lands
};

struct LogOutput {
  ContainerHandle handle;
  std::unique_ptr<LogSource> source;
  std::vector<LogCursor> shipped;         // by channel: after the last event shipped
  std::vector<LogEventBuilder> builders;  // by channel
  bool active = false;                    // resumed at its cursors, being read
  bool remove_when_shipped = false;       // the container is to be removed then
  std::vector<std::function<void()>> on_shipped;
};

struct ContainerLog {
  std::string task_arn;
  std::string task_id;
  std::string container;
  AwslogsOptions options;
  std::string region;
  std::string stream;  // empty until known (no prefix: the runtime id names it)

  std::deque<LogOutput> outputs;  // the front one is read; the others wait
  // The cursors of outputs read to their end, by identity: a new output of
  // the same identity (the same files) continues from them.
  std::map<std::string, std::vector<LogCursor>> ended;
  std::deque<LogEvent> unsent;              // read from the front output, not yet shipped
  int64_t last_timestamp = 0;               // a batch must be in time order
  std::optional<InflightBatch> unverified;  // found in the record at start
  bool stream_ready = false;
  bool closing = false;  // its task is going: done once all is shipped
  std::vector<std::function<void()>> on_closed;

  // The record's file name under the shipper's directory.
  std::string file_name() const { return task_id + "." + container + ".json"; }
  boost::json::object record(const std::optional<InflightBatch>& inflight) const;
  // The event builders an output of this log reads with.
  std::vector<LogEventBuilder> builders_for(int channels) const;
  bool done() const { return closing && outputs.empty() && unsent.empty(); }
};

// A log as its record describes it, with its outputs' sources made by
// `make_source`; throws std::invalid_argument for a record that is not one.
using MakeLogSource = std::function<std::unique_ptr<LogSource>(const ContainerHandle&)>;
ContainerLog container_log_from_record(const boost::json::object& record,
                                       const MakeLogSource& make_source);

}  // namespace gantry::agent
