#include "agent/logs/container_log.h"

#include <stdexcept>

#include "core/json_members.h"

namespace gantry::agent {

namespace json = boost::json;
using core::string_member;

namespace {

json::array cursors_json(const std::vector<LogCursor>& cursors) {
  json::array out;
  for (const auto& c : cursors) out.push_back(json::array{c.offset, c.count});
  return out;
}

std::vector<LogCursor> cursors_of(const json::object& o, std::string_view name) {
  std::vector<LogCursor> out;
  if (const auto* list = core::array_member(o, name)) {
    for (const auto& item : *list) {
      if (!item.is_array() || item.as_array().size() != 2 || !item.as_array()[0].is_int64() ||
          !item.as_array()[1].is_int64()) {
        throw std::invalid_argument("a cursor is not [offset, count]");
      }
      out.push_back(LogCursor{item.as_array()[0].get_int64(), item.as_array()[1].get_int64()});
    }
  }
  return out;
}

std::optional<std::regex> event_start_of(const AwslogsOptions& options) {
  if (!options.datetime_format.empty()) return datetime_format_pattern(options.datetime_format);
  if (!options.multiline_pattern.empty()) return multiline_pattern(options.multiline_pattern);
  return std::nullopt;
}

}  // namespace

uint64_t events_digest(const std::vector<std::pair<int64_t, std::string_view>>& events) {
  // FNV-1a, 64 bits: it tells one batch from the events before it, nothing more.
  uint64_t hash = 0xcbf29ce484222325ULL;
  const auto mix = [&hash](std::string_view bytes) {
    for (unsigned char b : bytes) {
      hash ^= b;
      hash *= 0x100000001b3ULL;
    }
  };
  for (const auto& [timestamp, message] : events) {
    mix(std::to_string(timestamp));
    mix(std::string_view("\0", 1));
    mix(message);
    mix(std::string_view("\0", 1));
  }
  return hash;
}

json::object ContainerLog::record(const std::optional<InflightBatch>& inflight) const {
  json::array outputs_json;
  for (const auto& output : outputs) {
    outputs_json.push_back(json::object{{"runtimeId", output.handle.runtime_id},
                                        {"state", output.handle.state},
                                        {"shipped", cursors_json(output.shipped)},
                                        {"removeWhenShipped", output.remove_when_shipped}});
  }
  json::object ended_json;
  for (const auto& [identity, cursors] : ended) ended_json[identity] = cursors_json(cursors);
  json::object o{{"taskArn", task_arn},
                 {"taskId", task_id},
                 {"container", container},
                 {"group", options.group},
                 {"streamPrefix", options.stream_prefix},
                 {"createGroup", options.create_group},
                 {"datetimeFormat", options.datetime_format},
                 {"multilinePattern", options.multiline_pattern},
                 {"region", region},
                 {"stream", stream},
                 {"closing", closing},
                 {"outputs", std::move(outputs_json)},
                 {"ended", std::move(ended_json)}};
  if (inflight) {
    o["inflight"] = json::object{{"count", inflight->count},
                                 {"digest", std::to_string(inflight->digest)},
                                 {"shippedAfter", cursors_json(inflight->shipped_after)}};
  }
  return o;
}

std::vector<LogEventBuilder> ContainerLog::builders_for(int channels) const {
  std::vector<LogEventBuilder> builders;
  for (int c = 0; c < channels; ++c) builders.emplace_back(c, event_start_of(options));
  return builders;
}

ContainerLog container_log_from_record(const json::object& record,
                                       const MakeLogSource& make_source) {
  ContainerLog log;
  log.task_arn = string_member(record, "taskArn");
  log.task_id = string_member(record, "taskId");
  log.container = string_member(record, "container");
  log.options.group = string_member(record, "group");
  log.options.stream_prefix = string_member(record, "streamPrefix");
  log.options.create_group = core::bool_member(record, "createGroup", false);
  log.options.datetime_format = string_member(record, "datetimeFormat");
  log.options.multiline_pattern = string_member(record, "multilinePattern");
  log.region = string_member(record, "region");
  log.stream = string_member(record, "stream");
  log.closing = core::bool_member(record, "closing", false);
  if (log.task_arn.empty() || log.container.empty() || log.options.group.empty()) {
    throw std::invalid_argument("the record names no task, container or group");
  }
  if (const auto* ended = core::object_member(record, "ended")) {
    for (const auto& [identity, cursors] : *ended) {
      json::object holder{{"c", cursors}};
      log.ended[std::string(identity)] = cursors_of(holder, "c");
    }
  }
  if (const auto* outputs = core::array_member(record, "outputs")) {
    for (const auto& item : *outputs) {
      if (!item.is_object()) throw std::invalid_argument("an output is not an object");
      const auto& o = item.get_object();
      LogOutput output;
      output.handle.runtime_id = string_member(o, "runtimeId");
      if (const auto* state = core::object_member(o, "state")) output.handle.state = *state;
      output.source = make_source(output.handle);
      if (!output.source) continue;  // the driver keeps no output for it
      output.shipped = cursors_of(o, "shipped");
      output.shipped.resize(output.source->channels());
      output.builders = log.builders_for(output.source->channels());
      output.remove_when_shipped = core::bool_member(o, "removeWhenShipped", false);
      if (output.remove_when_shipped || log.closing) output.source->finish();
      log.outputs.push_back(std::move(output));
    }
  }
  if (const auto* inflight = core::object_member(record, "inflight")) {
    InflightBatch batch;
    batch.count = static_cast<size_t>(core::int_member(*inflight, "count", 0));
    batch.digest = std::stoull(string_member(*inflight, "digest", "0"));
    batch.shipped_after = cursors_of(*inflight, "shippedAfter");
    if (!log.outputs.empty() && batch.count > 0) log.unverified = std::move(batch);
  }
  return log;
}

}  // namespace gantry::agent
