#pragma once
// The log store's one writer: a thread of its own (never the control
// plane's), which takes every write queued since its last commit and runs
// them in one transaction (group commit: many PutLogEvents, of many
// streams, cost one fsync), each inside a savepoint so that a refused one
// leaves nothing behind. Callers are answered only after the commit, from
// the writer's thread.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "logs/log_database.h"
#include "logs/log_errors.h"

namespace gantry::logs {

using WriteJob = std::function<boost::json::object(LogConnection&)>;
using WriteDone = std::function<void(Answer)>;

class LogWriter {
 public:
  explicit LogWriter(const LogDatabase& database);
  // Answers what is queued, then stops.
  ~LogWriter();

  // `job` runs on the writer thread; throws core::ApiError to refuse.
  void submit(WriteJob job, WriteDone done);

 private:
  struct Pending {
    WriteJob job;
    WriteDone done;
  };

  void run();
  void commit(std::deque<Pending>& batch);

  LogConnection connection_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::logs
