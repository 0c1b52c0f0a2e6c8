#pragma once
// A controller is a pure reconcile function plus the runtime's loop (after
// the Kubernetes controllers and Nomad's watchers): woken by the durable
// changes it cares about or by its own timer, it reads the published state,
// decides, and hands its decisions to the single writer as mutations, which
// re-check them against the latest state. Level-triggered: a reconcile
// looks at the whole state it needs, never only at what woke it.
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "state/cluster_state.h"
#include "state/control_state.h"
#include "state/event_log.h"

namespace gantry::controllers {

// What one reconcile decided.
struct Reconcile {
  // Submitted to the writer in order; each re-checks its decision against
  // the latest state (a decision may be stale by then) and may refuse.
  std::vector<state::Mutation> mutations;
  // When to reconcile again if nothing wakes it sooner (at or before now:
  // at once, after the mutations are durable); none: only on changes.
  std::optional<core::SystemTime> next_run;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string_view name() const = 0;
  // Whether a durable change should wake it; cheap, run for every change.
  // It may note what the change touched, for the next reconcile.
  virtual bool interested(const state::LoggedChange& change) = 0;
  // The next reconcile must look at everything: it is the first, or the
  // event log lost changes this controller was never shown.
  virtual void resync() {}
  // Runs under the published state's shared lock: decide, nothing else (no
  // blocking, no submitting). An exception is a failure, retried later.
  virtual Reconcile reconcile(const state::ClusterState& state, core::SystemTime now) = 0;
};

}  // namespace gantry::controllers
