#include "state/control_state.h"

#include <spdlog/spdlog.h>

namespace gantry::state {

ControlState::ControlState(store::Store& store, size_t max_batch)
    : store_(store), max_batch_(max_batch) {
  for (auto& kv : store_.range("")) {
    draft_.apply(put_change(kv.key, decode_record(kv.key, kv.value)));
  }
  published_ = draft_;
  thread_ = std::thread([this] { run(); });
}

ControlState::~ControlState() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  thread_.join();
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
  std::deque<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is answered
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++stats_.batches;
      stats_.mutations += batch.size();
    }
    apply_batch(batch);
    batch.clear();
  }
}

void ControlState::apply_batch(std::deque<Pending>& batch) {
  std::vector<Answer> answers;
  answers.reserve(batch.size());
  std::vector<Change> changes;
  for (auto& pending : batch) {
    try {
      Outcome outcome = pending.mutation(draft_);
      for (auto& change : outcome.changes) {
        auto touched = draft_.apply(change);
        if (touched && listener_) listener_->touched(draft_, *touched);
        changes.push_back(std::move(change));
      }
      answers.emplace_back(std::move(outcome.response));
    } catch (const core::ApiError& error) {
      answers.emplace_back(error);
    } catch (const std::exception& error) {
      spdlog::error("mutation failed: {}", error.what());
      answers.emplace_back(core::server_error("Internal error while applying the request."));
    }
  }

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
    try {
      store_.commit(txn);
    } catch (const std::exception& error) {
      // Nothing was written: roll the draft back to the durable state and
      // tell every caller of the batch.
      spdlog::error("store commit failed: {}", error.what());
      {
        std::shared_lock lock(published_mutex_);
        draft_ = published_;
      }
      if (listener_) listener_->reset(draft_);
      for (auto& pending : batch) {
        pending.done(core::server_error("The store could not commit the change; retry the request."));
      }
      return;
    }
    std::vector<PublishedChange> published;
    published.reserve(changes.size());
    {
      std::unique_lock lock(published_mutex_);
      for (auto& change : changes) {
        auto touched = published_.apply(change);
        published.push_back({std::move(change), std::move(touched)});
      }
    }
    if (observer_) observer_(published);
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
}

}  // namespace gantry::state
