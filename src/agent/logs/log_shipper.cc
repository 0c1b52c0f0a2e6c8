#include "agent/logs/log_shipper.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "agent/agent_store.h"
#include "core/error.h"
#include "core/json_members.h"

namespace gantry::agent {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// PutLogEvents' limits (API_PutLogEvents.html): 10,000 events, 1,048,576
// bytes counting 26 per event, a span of at most 24 hours.
constexpr size_t kMaxBatchEvents = 10'000;
constexpr size_t kMaxBatchBytes = 1'048'576;
constexpr size_t kEventOverheadBytes = 26;
constexpr int64_t kMaxBatchSpanMs = 24 * 3'600'000LL;
// Docker's awslogs driver sends a multiline event it is still gathering
// once it is this old (its batchPublishFrequency).
constexpr int64_t kMultilineFlushMs = 5'000;
// Read no further ahead of what is shipped than this.
constexpr size_t kMaxUnsentEvents = 2 * kMaxBatchEvents;
constexpr size_t kReadBytesPerStep = 4 << 20;
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kMaxBackoff{5'000};

constexpr const char* kGroupMissing =
    "CannotStartContainerError: Error response from daemon: failed to initialize logging "
    "driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified "
    "log group does not exist.";

std::string key_of(const std::string& task_id, const std::string& container) {
  return task_id + "/" + container;
}

std::string task_id_of(const std::string& task_arn) {
  return task_arn.substr(task_arn.rfind('/') + 1);
}

bool is(const core::ApiError& e, std::string_view type) { return e.type() == type; }

}  // namespace

LogShipper::LogShipper(LogShipperOptions options, const core::Clock& clock,
                       MakeLogSource make_source, boost::asio::any_io_executor agent_executor)
    : options_(std::move(options)),
      clock_(clock),
      make_source_(std::move(make_source)),
      agent_executor_(std::move(agent_executor)) {}

LogShipper::~LogShipper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogShipper::start(std::function<void(const ContainerHandle&)> remove) {
  remove_recovered_ = std::move(remove);
  std::error_code ec;
  fs::create_directories(options_.directory, ec);
  for (const auto& entry : fs::directory_iterator(options_.directory, ec)) {
    if (entry.path().extension() != ".json") continue;
    try {
      ContainerLog log = container_log_from_record(read_json(entry.path()), make_source_);
      const auto key = key_of(log.task_id, log.container);
      spdlog::info("awslogs: resuming the shipping of {} to {} {}", key, log.options.group,
                   log.stream);
      logs_.emplace(key, std::move(log));
    } catch (const std::exception& e) {
      spdlog::warn("awslogs: dropping the unreadable record {}: {}", entry.path().string(),
                   e.what());
      fs::remove(entry.path(), ec);
    }
  }
  publish_tasks_shipping();
  thread_ = std::thread([this] { run(); });
}

std::set<std::string> LogShipper::tasks_shipping() const {
  std::lock_guard lock(mutex_);
  std::set<std::string> tasks = tasks_shipping_;
  tasks.insert(opening_.begin(), opening_.end());
  return tasks;
}

void LogShipper::publish_tasks_shipping() {
  std::set<std::string> tasks;
  for (const auto& [key, log] : logs_) tasks.insert(log.task_arn);
  std::lock_guard lock(mutex_);
  tasks_shipping_ = std::move(tasks);
}

void LogShipper::post(Command command) {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(std::move(command));
  }
  wake_.notify_all();
}

void LogShipper::post_to_agent(std::function<void()> fn) {
  boost::asio::post(agent_executor_, std::move(fn));
}

void LogShipper::open(const TaskSpec& task, const ContainerSpec& container,
                      std::function<void(std::string)> done) {
  ContainerLog log;
  log.task_arn = task.task_arn;
  log.task_id = task.task_id;
  log.container = container.name;
  log.options = *container.awslogs;
  log.region = log.options.region.empty() ? options_.endpoint.region : log.options.region;
  if (!log.options.stream_prefix.empty()) {
    log.stream = awslogs_stream_name(log.options, container.name, task.task_id, "");
  }
  {
    std::lock_guard lock(mutex_);
    opening_.insert(task.task_arn);
  }
  // A Command is copyable; a ContainerLog is not.
  auto opened = std::make_shared<ContainerLog>(std::move(log));
  post([this, opened, done = std::move(done)]() mutable {
    const auto key = key_of(opened->task_id, opened->container);
    const auto task_arn = opened->task_arn;
    auto [it, fresh] = logs_.try_emplace(key, std::move(*opened));
    std::string reason = open_log(it->second);
    if (!reason.empty() && fresh && it->second.outputs.empty()) {
      std::error_code ec;
      fs::remove(options_.directory / it->second.file_name(), ec);
      logs_.erase(it);
    } else {
      save(it->second);
    }
    publish_tasks_shipping();
    {
      std::lock_guard lock(mutex_);
      opening_.erase(opening_.find(task_arn));
    }
    post_to_agent([done = std::move(done), reason] { done(reason); });
  });
}

std::string LogShipper::open_log(ContainerLog& log) {
  try {
    if (!log.stream.empty()) {
      make_stream(log);
      return "";
    }
    // The runtime's id names the stream: it is made once the container
    // runs; the group must be there now.
    if (log.options.create_group) return make_group(log), "";
    auto answer =
        client(log.region)
            .call("DescribeLogGroups", {{"logGroupNamePrefix", log.options.group}, {"limit", 50}});
    if (const auto* groups = core::array_member(answer, "logGroups")) {
      for (const auto& g : *groups) {
        if (g.is_object() &&
            core::string_member(g.get_object(), "logGroupName") == log.options.group) {
          return "";
        }
      }
    }
    return kGroupMissing;
  } catch (const core::ApiError& e) {
    if (is(e, "ResourceNotFoundException")) return kGroupMissing;
    if (is(e, "InvalidParameterException")) {
      return "CannotStartContainerError: Error response from daemon: failed to initialize "
             "logging driver: failed to create Cloudwatch log stream: InvalidParameterException: " +
             e.message();
    }
  } catch (const std::exception&) {
    // Unreachable: the output waits for it.
  }
  return "";
}

void LogShipper::make_group(ContainerLog& log) {
  try {
    client(log.region).call("CreateLogGroup", {{"logGroupName", log.options.group}});
  } catch (const core::ApiError& e) {
    if (!is(e, "ResourceAlreadyExistsException")) throw;
  }
}

void LogShipper::make_stream(ContainerLog& log) {
  const auto create = [&] {
    client(log.region)
        .call("CreateLogStream",
              {{"logGroupName", log.options.group}, {"logStreamName", log.stream}});
  };
  try {
    create();
  } catch (const core::ApiError& e) {
    if (is(e, "ResourceNotFoundException") && log.options.create_group) {
      make_group(log);
      create();
    } else if (!is(e, "ResourceAlreadyExistsException")) {
      throw;  // ResourceAlreadyExists: an earlier run's, ours to append to
    }
  }
  log.stream_ready = true;
}

bool LogShipper::ensure_stream(ContainerLog& log) {
  if (log.stream_ready) return true;
  if (log.stream.empty()) return false;
  try {
    make_stream(log);
    return true;
  } catch (const core::ApiError& e) {
    back_off(key_of(log.task_id, log.container), e.type() + ": " + e.message());
  } catch (const std::exception& e) {
    back_off(key_of(log.task_id, log.container), e.what());
  }
  return false;
}

void LogShipper::add_output(const std::string& task_arn, const std::string& container,
                            const ContainerHandle& handle) {
  post([this, task_arn, container, handle] {
    ContainerLog* log = find(task_arn, container);
    if (!log) return;
    LogOutput output;
    output.handle = handle;
    output.source = make_source_(handle);
    if (!output.source) return;
    for (auto& existing : log->outputs) {
      if (existing.source->identity() == output.source->identity() &&
          !existing.remove_when_shipped) {
        existing.handle = handle;  // the same output, started again
        save(*log);
        return;
      }
    }
    if (log->stream.empty()) {
      log->stream = awslogs_stream_name(log->options, container, log->task_id, handle.runtime_id);
    }
    output.shipped.resize(output.source->channels());
    output.builders = log->builders_for(output.source->channels());
    log->outputs.push_back(std::move(output));
    save(*log);
  });
}

void LogShipper::when_shipped(const ContainerHandle& handle, std::function<void()> then) {
  post([this, handle, then = std::move(then)]() mutable {
    for (auto& [key, log] : logs_) {
      for (auto& output : log.outputs) {
        if (output.handle.runtime_id != handle.runtime_id || output.remove_when_shipped) continue;
        output.remove_when_shipped = true;
        output.on_shipped.push_back(std::move(then));
        output.source->finish();
        save(log);
        return;
      }
    }
    post_to_agent(std::move(then));
  });
}

void LogShipper::when_task_shipped(const std::string& task_arn, std::function<void()> then) {
  post([this, task_arn, then = std::move(then)]() mutable {
    std::vector<ContainerLog*> logs;
    for (auto& [key, log] : logs_) {
      if (log.task_arn == task_arn) logs.push_back(&log);
    }
    if (logs.empty()) return post_to_agent(std::move(then));
    auto remaining = std::make_shared<size_t>(logs.size());
    auto shared_then = std::make_shared<std::function<void()>>(std::move(then));
    for (ContainerLog* log : logs) {
      log->closing = true;
      for (auto& output : log->outputs) output.source->finish();
      log->on_closed.push_back([this, remaining, shared_then] {
        if (--*remaining == 0) post_to_agent(*shared_then);
      });
      save(*log);
    }
  });
}

ContainerLog* LogShipper::find(const std::string& task_arn, const std::string& container) {
  auto it = logs_.find(key_of(task_id_of(task_arn), container));
  return it == logs_.end() ? nullptr : &it->second;
}

void LogShipper::run() {
  while (true) {
    run_commands();
    bool more = false;
    for (auto& [key, log] : logs_) {
      try {
        more |= step(log);
      } catch (const std::exception& e) {
        back_off(key, e.what());
      }
    }
    for (auto it = logs_.begin(); it != logs_.end();) {
      if (!it->second.done()) {
        ++it;
        continue;
      }
      std::error_code ec;
      fs::remove(options_.directory / it->second.file_name(), ec);
      for (auto& closed : it->second.on_closed) closed();
      backoff_.erase(it->first);
      it = logs_.erase(it);
    }
    publish_tasks_shipping();
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    wake_.wait_for(lock, more ? std::chrono::milliseconds(0) : options_.interval,
                   [this] { return stopping_ || !commands_.empty(); });
    if (stopping_) return;
  }
}

void LogShipper::run_commands() {
  std::deque<Command> commands;
  {
    std::lock_guard lock(mutex_);
    commands.swap(commands_);
  }
  for (auto& command : commands) {
    try {
      command();
    } catch (const std::exception& e) {
      spdlog::error("awslogs: {}", e.what());
    }
  }
}

bool LogShipper::step(ContainerLog& log) {
  const auto key = key_of(log.task_id, log.container);
  if (backing_off(key)) return false;
  if (!log.outputs.empty() && !ensure_stream(log)) return false;
  if (log.unverified && !verify_inflight(log)) return false;
  read(log);
  return send(log);
}

bool LogShipper::verify_inflight(ContainerLog& log) {
  const InflightBatch& batch = *log.unverified;
  try {
    auto answer = client(log.region)
                      .call("GetLogEvents", {{"logGroupName", log.options.group},
                                             {"logStreamName", log.stream},
                                             {"startFromHead", false},
                                             {"limit", static_cast<int64_t>(batch.count)}});
    std::vector<std::pair<int64_t, std::string_view>> events;
    if (const auto* list = core::array_member(answer, "events")) {
      for (const auto& e : *list) {
        if (!e.is_object()) continue;
        const auto* message = e.get_object().if_contains("message");
        events.emplace_back(core::int_member(e.get_object(), "timestamp", 0),
                            message && message->is_string()
                                ? std::string_view(message->get_string())
                                : std::string_view());
      }
    }
    if (events.size() == batch.count && events_digest(events) == batch.digest) {
      log.outputs.front().shipped = batch.shipped_after;
      spdlog::info("awslogs: {}/{}: the batch in flight at the last stop had landed", log.task_id,
                   log.container);
    }
    log.unverified.reset();
    save(log);
    return true;
  } catch (const core::ApiError& e) {
    if (is(e, "ResourceNotFoundException")) {
      log.unverified.reset();  // no stream: nothing landed
      log.stream_ready = false;
      return false;
    }
    back_off(key_of(log.task_id, log.container), e.message());
  } catch (const std::exception& e) {
    back_off(key_of(log.task_id, log.container), e.what());
  }
  return false;
}

void LogShipper::read(ContainerLog& log) {
  if (log.outputs.empty()) return;
  LogOutput& front = log.outputs.front();
  if (!front.active) {
    if (auto ended = log.ended.find(front.source->identity()); ended != log.ended.end()) {
      bool fresh = true;
      for (const auto& c : front.shipped) fresh &= c == LogCursor{};
      if (fresh) front.shipped = ended->second;
    }
    front.shipped.resize(front.source->channels());
    for (int c = 0; c < front.source->channels(); ++c) front.source->resume(c, front.shipped[c]);
    front.active = true;
  }
  const int64_t now = now_ms();
  if (log.unsent.size() < kMaxUnsentEvents) {
    std::vector<LogLine> lines;
    front.source->read(lines, now, kReadBytesPerStep);
    std::vector<LogEvent> events;
    for (auto& line : lines) {
      front.builders.at(line.channel).add_line(line.text, line.timestamp_ms, line.end, events);
    }
    const bool ended = front.source->exhausted();
    for (auto& builder : front.builders) {
      const auto since = builder.gathering_since();
      if (ended || (since && now - *since >= kMultilineFlushMs)) builder.flush(events);
    }
    for (auto& event : events) {
      // In time order, as a batch must be (a clock stepped back, a late
      // multiline event).
      event.timestamp_ms = std::max(event.timestamp_ms, log.last_timestamp);
      log.last_timestamp = event.timestamp_ms;
      log.unsent.push_back(std::move(event));
    }
  }
}

bool LogShipper::send(ContainerLog& log) {
  if (log.outputs.empty()) return false;
  LogOutput& front = log.outputs.front();
  if (log.unsent.empty()) {
    if (!front.source->exhausted()) return false;  // nothing new: wait
    end_front_output(log);
    return !log.outputs.empty();  // the next output may be read at once
  }
  json::array events;
  std::vector<std::pair<int64_t, std::string_view>> digested;
  InflightBatch batch;
  batch.shipped_after = front.shipped;
  size_t bytes = 0;
  for (const LogEvent& e : log.unsent) {
    const size_t size = e.message.size() + kEventOverheadBytes;
    if (batch.count == kMaxBatchEvents || bytes + size > kMaxBatchBytes ||
        e.timestamp_ms - log.unsent.front().timestamp_ms > kMaxBatchSpanMs) {
      break;
    }
    bytes += size;
    ++batch.count;
    events.push_back(json::object{{"timestamp", e.timestamp_ms}, {"message", e.message}});
    digested.emplace_back(e.timestamp_ms, e.message);
    if (e.completes_line) batch.shipped_after.at(e.channel) = e.end;
  }
  batch.digest = events_digest(digested);
  save(log, batch);
  const auto key = key_of(log.task_id, log.container);
  try {
    auto answer = client(log.region)
                      .call("PutLogEvents", {{"logGroupName", log.options.group},
                                             {"logStreamName", log.stream},
                                             {"logEvents", std::move(events)}});
    if (const auto* rejected = core::object_member(answer, "rejectedLogEventsInfo")) {
      spdlog::warn("awslogs: {}: CloudWatch Logs rejected events: {}", key,
                   json::serialize(*rejected));
    }
  } catch (const core::ApiError& e) {
    if (is(e, "ResourceNotFoundException")) {
      log.stream_ready = false;  // deleted meanwhile: make it again
      back_off(key, e.message());
      return false;
    }
    if (!is(e, "InvalidParameterException")) {
      back_off(key, e.type() + ": " + e.message());
      return false;
    }
    // A batch CloudWatch will never take: sending it again would stall the stream.
    spdlog::error("awslogs: {}: dropping {} events CloudWatch Logs refused: {}", key, batch.count,
                  e.message());
  } catch (const std::exception& e) {
    back_off(key, e.what());
    return false;
  }
  backoff_.erase(key);
  front.shipped = batch.shipped_after;
  log.unsent.erase(log.unsent.begin(), log.unsent.begin() + static_cast<long>(batch.count));
  return !log.unsent.empty();
}

void LogShipper::end_front_output(ContainerLog& log) {
  LogOutput& front = log.outputs.front();
  log.ended[front.source->identity()] = front.shipped;
  for (auto& then : front.on_shipped) post_to_agent(std::move(then));
  if (front.remove_when_shipped && front.on_shipped.empty() && remove_recovered_) {
    post_to_agent([remove = remove_recovered_, handle = front.handle] { remove(handle); });
  }
  log.outputs.pop_front();
  save(log);
}

void LogShipper::save(const ContainerLog& log, const std::optional<InflightBatch>& inflight) {
  try {
    // No fsync: an agent that crashes leaves the old record or the new one;
    // a machine that crashes may cost a batch twice.
    write_file_atomically(options_.directory / log.file_name(),
                          json::serialize(log.record(inflight)));
  } catch (const std::exception& e) {
    spdlog::warn("awslogs: cannot keep where {}/{} was shipped to: {}", log.task_id, log.container,
                 e.what());
  }
}

EcsClient& LogShipper::client(const std::string& region) {
  auto& slot = clients_[region];
  if (!slot) {
    EcsEndpoint endpoint = options_.endpoint;
    endpoint.region = region;
    slot = std::make_unique<EcsClient>(std::move(endpoint), clock_, kLogsService);
  }
  return *slot;
}

bool LogShipper::backing_off(const std::string& key) const {
  auto it = backoff_.find(key);
  return it != backoff_.end() && std::chrono::steady_clock::now() < it->second.until;
}

void LogShipper::back_off(const std::string& key, const std::string& why) {
  auto& b = backoff_[key];
  const bool first = b.delay.count() == 0;
  b.delay = first ? kFirstBackoff : std::min(b.delay * 2, kMaxBackoff);
  b.until = std::chrono::steady_clock::now() + b.delay;
  if (first) spdlog::warn("awslogs: {}: shipping waits: {}", key, why);
}

int64_t LogShipper::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
      .count();
}

}  // namespace gantry::agent
