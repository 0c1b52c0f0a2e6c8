#include "controllers/controller_runtime.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace gantry::controllers {

namespace asio = boost::asio;

// What the callbacks of the writer, the event log and the timers hold: they
// run on other threads, possibly after the runtime has stopped, so they
// reach it only by posting to its strand while it lives.
struct ControllerRuntime::Shared : std::enable_shared_from_this<Shared> {
  std::mutex mutex;
  ControllerRuntime* runtime = nullptr;  // null once stopped
  std::atomic<bool> drain_posted{false};

  ControllerRuntime* current() {
    std::lock_guard lock(mutex);
    return runtime;
  }

  template <class Fn>
  void post(Fn fn) {
    std::lock_guard lock(mutex);
    if (!runtime) return;
    asio::post(runtime->strand_, [self = shared_from_this(), fn = std::move(fn)]() mutable {
      if (ControllerRuntime* live = self->current()) fn(*live);
    });
  }
};

struct ControllerRuntime::Slot {
  std::unique_ptr<Controller> controller;
  std::string name;
  std::unique_ptr<core::Timer> timer;  // the next run, or the retry after a failure
  ControllerStatus status;
  bool again = false;        // woken while in flight: run once more after it
  bool backing_off = false;  // the timer is armed for the retry; wakes wait for it
  size_t awaiting = 0;       // answers of this run's mutations still to come
  std::string error;         // the first failure among them
  std::optional<core::SystemTime> next_run;
  asio::any_io_executor work;  // keeps the executor busy while answers are due
};

ControllerRuntime::ControllerRuntime(asio::any_io_executor executor, state::ControlState& state,
                                     const core::Clock& clock, core::TimerSource& timers,
                                     RuntimeOptions options)
    : strand_(asio::make_strand(std::move(executor))),
      state_(state),
      clock_(clock),
      timers_(timers),
      options_(options),
      shared_(std::make_shared<Shared>()) {
  shared_->runtime = this;
}

ControllerRuntime::~ControllerRuntime() { stop(); }

void ControllerRuntime::add(std::unique_ptr<Controller> controller) {
  auto slot = std::make_unique<Slot>();
  slot->name = std::string(controller->name());
  slot->controller = std::move(controller);
  Slot* raw = slot.get();
  slot->timer = timers_.make_timer([shared = shared_, raw] {
    shared->post([raw](ControllerRuntime& runtime) {
      raw->backing_off = false;
      runtime.request(*raw);
    });
  });
  slots_.push_back(std::move(slot));
}

void ControllerRuntime::start() {
  // The cursor is taken before the first reconciles read the state: a
  // change between the two wakes them again, none is missed.
  cursor_ = state_.events().last_revision();
  subscription_ = state_.events().subscribe([shared = shared_] {
    if (shared->drain_posted.exchange(true)) return;
    shared->post([](ControllerRuntime& runtime) { runtime.drain_log(); });
  });
  shared_->post([](ControllerRuntime& runtime) {
    runtime.started_ = true;
    for (auto& slot : runtime.slots_) {
      slot->controller->resync();
      runtime.request(*slot);
    }
  });
}

void ControllerRuntime::wake(std::string_view name) {
  shared_->post([name = std::string(name)](ControllerRuntime& runtime) {
    if (Slot* slot = runtime.find(name)) runtime.request(*slot);
  });
}

void ControllerRuntime::stop() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->runtime = nullptr;
  }
  subscription_.reset();
  for (auto& slot : slots_) {
    slot->timer->cancel();
    slot->work = {};
  }
}

ControllerStatus ControllerRuntime::status(std::string_view name) const {
  Slot* slot = find(name);
  return slot ? slot->status : ControllerStatus{};
}

ControllerRuntime::Slot* ControllerRuntime::find(std::string_view name) const {
  for (const auto& slot : slots_) {
    if (slot->name == name) return slot.get();
  }
  return nullptr;
}

void ControllerRuntime::drain_log() {
  shared_->drain_posted = false;
  auto& log = state_.events();
  const int64_t target = log.last_revision();
  std::vector<bool> dirty(slots_.size(), false);
  bool lost = false;
  while (cursor_ < target) {
    auto read = log.read_after(cursor_);
    lost = lost || read.lost;
    for (const auto& change : read.changes) {
      // Every change reaches every controller, also once one has asked to
      // run: interested() is where a controller notes what a change touched
      // (the service scheduler plans only the services it was told of).
      for (size_t i = 0; i < slots_.size(); ++i) {
        try {
          if (slots_[i]->controller->interested(change)) dirty[i] = true;
        } catch (const std::exception&) {
          dirty[i] = true;  // when in doubt, reconcile
        }
      }
    }
    if (read.last_revision <= cursor_) break;
    cursor_ = read.last_revision;
  }
  if (lost) {
    spdlog::warn("controllers fell behind the event log: reconciling all of them");
    std::fill(dirty.begin(), dirty.end(), true);
    for (auto& slot : slots_) slot->controller->resync();
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (dirty[i]) request(*slots_[i]);
  }
}

void ControllerRuntime::request(Slot& slot) {
  if (!started_ || slot.backing_off) return;
  if (slot.status.in_flight) {
    slot.again = true;
    return;
  }
  run(slot);
}

void ControllerRuntime::run(Slot& slot) {
  slot.status.in_flight = true;
  ++slot.status.reconciles;
  slot.again = false;
  slot.error.clear();
  slot.timer->cancel();
  Reconcile decided;
  try {
    decided = state_.read([&](const state::ClusterState& published) {
      return slot.controller->reconcile(published, clock_.now());
    });
  } catch (const std::exception& error) {
    slot.status.in_flight = false;
    fail(slot, std::string("reconcile failed: ") + error.what());
    return;
  }
  slot.next_run = decided.next_run;
  if (decided.mutations.empty()) {
    finish(slot);
    return;
  }
  slot.awaiting = decided.mutations.size();
  slot.work = asio::prefer(strand_.get_inner_executor(), asio::execution::outstanding_work.tracked);
  Slot* raw = &slot;
  for (auto& mutation : decided.mutations) {
    state_.submit(std::move(mutation), [shared = shared_, raw](state::Answer answer) {
      shared->post([raw, answer = std::move(answer)](ControllerRuntime& runtime) {
        runtime.answered(*raw, answer);
      });
    });
  }
}

void ControllerRuntime::answered(Slot& slot, const state::Answer& answer) {
  if (const auto* error = std::get_if<core::ApiError>(&answer); error && slot.error.empty()) {
    slot.error = "the writer refused its mutation: " + error->type() + ": " + error->message();
  }
  if (slot.awaiting > 0 && --slot.awaiting == 0) finish(slot);
}

void ControllerRuntime::finish(Slot& slot) {
  slot.status.in_flight = false;
  slot.work = {};
  if (!slot.error.empty()) {
    fail(slot, slot.error);
    return;
  }
  slot.status.consecutive_failures = 0;
  if (slot.again) {
    run(slot);
  } else if (slot.next_run) {
    schedule(slot, *slot.next_run);
  }
}

void ControllerRuntime::fail(Slot& slot, const std::string& why) {
  ++slot.status.failures;
  ++slot.status.consecutive_failures;
  // initial * 2^(n-1), capped; the shift is bounded so that it cannot overflow.
  auto doublings = std::min<uint64_t>(slot.status.consecutive_failures - 1, 20);
  auto delay = std::min(options_.backoff_initial * (int64_t{1} << doublings), options_.backoff_max);
  spdlog::warn("controller {}: {}; retrying in {} ms (failure {} in a row)", slot.name, why,
               delay.count(), slot.status.consecutive_failures);
  slot.again = false;  // the retry is the run every wake meanwhile asks for
  slot.backing_off = true;
  slot.timer->arm(delay);
}

void ControllerRuntime::schedule(Slot& slot, core::SystemTime at) {
  auto delay = at - clock_.now();
  if (delay > core::SystemTime::duration::zero()) {
    slot.timer->arm(delay);
    return;
  }
  // Due already (e.g. a batch left more to do): run once this one is done.
  shared_->post([raw = &slot](ControllerRuntime& runtime) { runtime.request(*raw); });
}

}  // namespace gantry::controllers
