#include "logs/log_writer.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <vector>

namespace gantry::logs {

namespace {
// Enough writes to amortize a commit, few enough to answer soon.
constexpr size_t kMaxBatch = 256;
}  // namespace

LogWriter::LogWriter(const LogDatabase& database)
    : connection_(database.path()), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::submit(WriteJob job, WriteDone done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(job), std::move(done)});
  }
  wake_.notify_one();
}

void LogWriter::run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything answered
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(batch);
  }
}

void LogWriter::commit(std::deque<Pending>& batch) {
  std::vector<Answer> answers;
  answers.reserve(batch.size());
  try {
    connection_.exec("BEGIN IMMEDIATE");
    for (Pending& pending : batch) {
      connection_.exec("SAVEPOINT job");
      try {
        answers.emplace_back(pending.job(connection_));
        connection_.exec("RELEASE job");
      } catch (const core::ApiError& error) {
        connection_.exec("ROLLBACK TO job");
        connection_.exec("RELEASE job");
        answers.emplace_back(error);
      }
    }
    connection_.exec("COMMIT");
  } catch (const std::exception& error) {
    spdlog::error("log store commit failed: {}", error.what());
    if (!sqlite3_get_autocommit(connection_.raw())) {
      try {
        connection_.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
    }
    answers.assign(batch.size(), core::server_error("The log store failed to commit; see the "
                                                    "server log."));
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
}

}  // namespace gantry::logs
