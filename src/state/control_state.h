#pragma once
// The one writer (after Nomad's plan applier). Every mutation is a function
// of the latest state that either refuses (throws core::ApiError) or returns
// the changes to make and the answer to give. The writer thread drains the
// queue in batches and runs each mutation against a draft that already holds
// every earlier mutation; a second thread commits each batch in one store
// transaction (group commit) and only then publishes its changes to the
// readers' view and answers its callers. The two are a pipeline: the writer
// runs the next batch while the last one commits, so the draft may be up to
// kMaxInFlight batches ahead of what is durable. No reader ever sees, and no
// caller is ever told of, a change that is not durable. When a commit fails,
// that batch and every batch run after it are answered ServerException and
// the draft is reset to the published view.
#include <boost/json.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <variant>

#include "core/clock.h"
#include "core/error.h"
#include "state/cluster_state.h"
#include "state/event_log.h"
#include "store/store.h"

namespace gantry::state {

struct Outcome {
  std::vector<Change> changes;
  boost::json::object response;
};

using Mutation = std::function<Outcome(const ClusterState& latest)>;
using Answer = std::variant<boost::json::object, core::ApiError>;
using Completion = std::function<void(Answer)>;
// An index the writer keeps beside its draft (the placement indexes): told,
// on the writer thread, of every instance a change to the draft touched (its
// record or one of its tasks), and when the draft is replaced wholesale.
class DraftListener {
 public:
  virtual ~DraftListener() = default;
  virtual void touched(const ClusterState& draft, const TouchedInstance& instance) = 0;
  virtual void reset(const ClusterState& draft) = 0;
};

struct WriterStats {
  uint64_t batches = 0;
  uint64_t mutations = 0;
};

class ControlState {
 public:
  // Loads every record from the store, then starts the writer thread.
  // `clock` stamps the event log's commits (the system clock when null);
  // the log keeps the last `event_log_capacity` changes.
  explicit ControlState(store::Store& store, size_t max_batch = 1024,
                        const core::Clock* clock = nullptr,
                        size_t event_log_capacity = EventLog::kDefaultCapacity);
  ~ControlState();
  ControlState(const ControlState&) = delete;
  ControlState& operator=(const ControlState&) = delete;

  // Runs `reader` against the published (durable) state under a shared lock.
  template <class Reader>
  auto read(Reader&& reader) const {
    std::shared_lock lock(published_mutex_);
    return reader(static_cast<const ClusterState&>(published_));
  }

  static constexpr size_t kMaxInFlight = 2;  // batches run but not yet committed

  // Queues a mutation; `done` is called once, from the committing thread,
  // after the batch holding it is durable (or with the error that refused it).
  void submit(Mutation mutation, Completion done);

  WriterStats stats() const;

  // Every durable change, with its revision and the record before and
  // after: what the agent channel, the controllers and the event stream
  // follow.
  EventLog& events() { return *events_; }
  const EventLog& events() const { return *events_; }

  // Set before any mutation is submitted (not synchronized with the writer).
  void set_draft_listener(DraftListener* listener) { listener_ = listener; }

 private:
  struct Pending {
    Mutation mutation;
    Completion done;
  };
  // A batch run against the draft, waiting for its commit.
  struct Prepared {
    std::deque<Pending> batch;
    std::vector<Answer> answers;
    std::vector<Change> changes;
  };

  void run();
  Prepared run_batch(std::deque<Pending> batch);
  void reset_draft_after_failure();
  void commit_loop();
  // False when the store refused the commit; the batch is then not answered.
  bool commit(Prepared& prepared);

  store::Store& store_;
  const size_t max_batch_;
  const core::Clock& clock_;
  std::unique_ptr<EventLog> events_;

  // Only the writer thread touches the draft.
  ClusterState draft_;

  mutable std::shared_mutex published_mutex_;
  ClusterState published_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  WriterStats stats_;
  DraftListener* listener_ = nullptr;

  // Between the writer and the committing thread.
  std::mutex commit_mutex_;
  std::condition_variable commit_ready_;  // work for the committer
  std::condition_variable commit_room_;   // room (or idleness) for the writer
  std::deque<Prepared> committing_;
  bool committer_busy_ = false;
  bool commit_failed_ = false;  // until the writer has reset the draft
  bool writer_done_ = false;

  std::thread thread_;
  std::thread committer_;
};

}  // namespace gantry::state
