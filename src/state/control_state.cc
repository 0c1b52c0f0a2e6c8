#include "state/control_state.h"

#include <spdlog/spdlog.h>

namespace gantry::state {

namespace {
const core::Clock& system_clock() {
  static const core::SystemClock clock;
  return clock;
}

core::ApiError commit_failed_error() {
  return core::server_error("The store could not commit the change; retry the request.");
}
}  // namespace

ControlState::ControlState(store::Store& store, size_t max_batch, const core::Clock* clock,
                           size_t event_log_capacity)
    : store_(store),
      max_batch_(max_batch),
      clock_(clock ? *clock : system_clock()),
      events_(std::make_unique<EventLog>(store.revision(), event_log_capacity)) {
  for (auto& kv : store_.range("")) {
    draft_.apply(put_change(kv.key, decode_record(kv.key, kv.value)));
  }
  published_ = draft_;
  committer_ = std::thread([this] { commit_loop(); });
  thread_ = std::thread([this] { run(); });
}

ControlState::~ControlState() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  thread_.join();  // the writer tells the committer when it is done
  committer_.join();
}

void ControlState::submit(Mutation mutation, Completion done) {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) {
      done(core::server_error("The control plane is shutting down; retry the request."));
      return;
    }
    queue_.push_back(Pending{std::move(mutation), std::move(done)});
  }
  queue_ready_.notify_one();
}

WriterStats ControlState::stats() const {
  std::lock_guard lock(queue_mutex_);
  return stats_;
}

void ControlState::run() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued is run
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++stats_.batches;
      stats_.mutations += batch.size();
    }
    reset_draft_after_failure();
    Prepared prepared = run_batch(std::move(batch));
    std::unique_lock lock(commit_mutex_);
    commit_room_.wait(lock, [this] { return committing_.size() < kMaxInFlight; });
    committing_.push_back(std::move(prepared));
    commit_ready_.notify_one();
  }
  std::lock_guard lock(commit_mutex_);
  writer_done_ = true;
  commit_ready_.notify_one();
}

ControlState::Prepared ControlState::run_batch(std::deque<Pending> batch) {
  Prepared prepared{std::move(batch), {}, {}};
  prepared.answers.reserve(prepared.batch.size());
  for (auto& pending : prepared.batch) {
    try {
      Outcome outcome = pending.mutation(draft_);
      for (auto& change : outcome.changes) {
        auto touched = draft_.apply(change);
        if (touched && listener_) listener_->touched(draft_, *touched);
        prepared.changes.push_back(std::move(change));
      }
      prepared.answers.emplace_back(std::move(outcome.response));
    } catch (const core::ApiError& error) {
      prepared.answers.emplace_back(error);
    } catch (const std::exception& error) {
      spdlog::error("mutation failed: {}", error.what());
      prepared.answers.emplace_back(
          core::server_error("Internal error while applying the request."));
    }
  }
  return prepared;
}

// After a failed commit the draft holds changes that never became durable:
// once every batch run on it has been answered, start again from what is.
void ControlState::reset_draft_after_failure() {
  std::unique_lock lock(commit_mutex_);
  if (!commit_failed_) return;
  commit_room_.wait(lock, [this] { return committing_.empty() && !committer_busy_; });
  {
    std::shared_lock published(published_mutex_);
    draft_ = published_;
  }
  if (listener_) listener_->reset(draft_);
  commit_failed_ = false;
}

void ControlState::commit_loop() {
  for (;;) {
    Prepared prepared;
    bool failing = false;
    {
      std::unique_lock lock(commit_mutex_);
      commit_ready_.wait(lock, [this] { return writer_done_ || !committing_.empty(); });
      if (committing_.empty()) return;
      prepared = std::move(committing_.front());
      committing_.pop_front();
      committer_busy_ = true;
      failing = commit_failed_;
    }
    commit_room_.notify_all();
    if (failing) {
      // Run on a draft that held the failed batch: its answers may rest on it.
      for (auto& pending : prepared.batch) pending.done(commit_failed_error());
    }
    bool committed = failing || commit(prepared);
    {
      std::lock_guard lock(commit_mutex_);
      committer_busy_ = false;
      if (!committed) commit_failed_ = true;
    }
    commit_room_.notify_all();
    // Answered once the failure is known to the writer: a caller that
    // retries at once must find the draft reset, not its failed change.
    if (!committed) {
      for (auto& pending : prepared.batch) pending.done(commit_failed_error());
    }
  }
}

bool ControlState::commit(Prepared& prepared) {
  auto& [batch, answers, changes] = prepared;
  if (!changes.empty()) {
    store::Txn txn;
    txn.ops.reserve(changes.size());
    for (const auto& change : changes) {
      if (change.record) {
        txn.ops.emplace_back(store::Put{change.key, encode_record(*change.record)});
      } else {
        txn.ops.emplace_back(store::Delete{change.key});
      }
    }
    int64_t revision = 0;
    try {
      revision = store_.commit(txn).revision;
    } catch (const std::exception& error) {
      spdlog::error("store commit failed: {}", error.what());
      return false;  // the caller answers the batch
    }
    const core::SystemTime committed_at = clock_.now();
    std::vector<LoggedChange> logged;
    logged.reserve(changes.size());
    {
      std::unique_lock lock(published_mutex_);
      for (auto& change : changes) {
        auto before = published_.apply_change(change).before;
        logged.push_back({revision, std::move(change.key), std::move(before),
                          std::move(change.record), committed_at});
      }
    }
    events_->append(revision, std::move(logged));
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
  return true;
}

}  // namespace gantry::state
