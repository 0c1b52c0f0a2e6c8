#include "scheduler/placement_index_call.h"

#include <algorithm>
#include <limits>

#include "scheduler/eligibility.h"
#include "scheduler/feasibility.h"
#include "scheduler/random_ranker.h"
#include "scheduler/resource_fit.h"

namespace gantry::scheduler {
namespace {

// Random draws this many members before it lists the feasible ones: enough
// while most of the pool has room, and a full pool costs one scan.
constexpr int kDraws = 32;

}  // namespace

IndexCall::IndexCall(const std::vector<InstanceView>& instances, const PlacementRequest& request,
                     const Pool& pool, const PoolOrder* order)
    : instances_(instances),
      request_(request),
      pool_(pool),
      order_(order),
      need_{request.cpu, request.memory, request.gpu_count},
      gpus_per_task_(std::max(request.gpu_count, 0)) {
  if (!order_) return;
  switch (order_->kind) {
    case OrderKind::Cpu:
      step_ = -request.cpu;
      from_ = {request.cpu, 0};  // less left never fits
      break;
    case OrderKind::Memory:
      step_ = -request.memory;
      from_ = {request.memory, 0};
      break;
    case OrderKind::Group:
      step_ = 1;
      from_ = {std::numeric_limits<int64_t>::min(), 0};
      break;
  }
}

PlacementResult IndexCall::run(core::Random& random) {
  PlacementResult result;
  for (int task = 0; task < request_.count; ++task) {
    const auto chosen = order_ ? least() : draw(random);
    if (!chosen) {
      result.failures = failures();
      return result;
    }
    result.placements.push_back(place_on(*chosen));
  }
  return result;
}

// place()'s choice: the least (score, slot) among the feasible instances,
// untouched (from the order) or touched (from the overlay).
std::optional<uint32_t> IndexCall::least() {
  if (!next_found_) {
    next_untouched_ = order_->tree.first_fit(from_, need_);
    next_found_ = true;
  }
  if (!touched_keys_.empty() && (!next_untouched_ || *touched_keys_.begin() < *next_untouched_)) {
    const uint32_t slot = touched_keys_.begin()->slot;
    touched_keys_.erase(touched_keys_.begin());
    return slot;
  }
  if (!next_untouched_) return std::nullopt;
  const SlotKey key = *next_untouched_;
  from_ = {key.score, key.slot + 1};
  next_found_ = false;
  touched_[key.slot].base_score = key.score;
  return key.slot;
}

// A uniform choice among the feasible members: draws until one fits (each
// draw uniform, so the accepted one is uniform among those that fit), then
// a uniform pick from the list of them.
std::optional<uint32_t> IndexCall::draw(core::Random& random) {
  const auto& members = pool_.members();
  if (members.empty()) return std::nullopt;
  for (int i = 0; i < kDraws; ++i) {
    const uint32_t slot = members[uniform_index(random, members.size())];
    if (fits(slot)) return slot;
  }
  std::vector<uint32_t> feasible;
  std::copy_if(members.begin(), members.end(), std::back_inserter(feasible),
               [&](uint32_t slot) { return fits(slot); });
  if (feasible.empty()) return std::nullopt;
  return feasible[uniform_index(random, feasible.size())];
}

// For a member of the pool: whether the next task fits.
bool IndexCall::fits(uint32_t slot) const {
  auto it = touched_.find(slot);
  if (it != touched_.end()) return touched_fits(slot, it->second);
  return free_resources(instances_[slot]).covers(need_);
}

// A touched instance passed every static check before its first task here;
// the tasks since can only have taken its resources, the request's fixed
// ports and group slots on it.
bool IndexCall::touched_fits(uint32_t slot, const Touched& touched) const {
  if (pool_.excludes_after_placement()) return false;
  const InstanceView& base = instances_[slot];
  const Resources left{
      base.remaining_cpu - touched.placed * request_.cpu,
      base.remaining_memory - touched.placed * request_.memory,
      static_cast<int64_t>(base.free_gpu_ids.size()) - touched.placed * gpus_per_task_};
  if (!left.covers(need_)) return false;
  return !pool_.reads_task_groups() || !pool_.constraints().check(*touched.view, request_.group);
}

Placement IndexCall::place_on(uint32_t slot) {
  Touched& touched = touched_[slot];
  const auto& gpus = instances_[slot].free_gpu_ids;  // take_resources gives the first free ones
  const auto first = gpus.begin() + touched.placed * gpus_per_task_;
  Placement placement{slot, std::vector<std::string>(first, first + gpus_per_task_)};
  ++touched.placed;
  if (pool_.reads_task_groups()) {
    if (!touched.view) touched.view = instances_[slot];
    touched.view->task_groups.insert(request_.group);
  }
  if (order_ && touched_fits(slot, touched))
    touched_keys_.insert({touched.base_score + touched.placed * step_, slot});
  return placement;
}

// What place() would hold for the slot by now.
InstanceView IndexCall::working_view(uint32_t slot) const {
  InstanceView view = instances_[slot];
  for (int64_t i = touched_.at(slot).placed; i > 0; --i) {
    take_resources(view, request_);
    view.task_groups.insert(request_.group);
  }
  return view;
}

// No instance fits: place()'s failures, by a scan (the call ends here).
std::vector<Failure> IndexCall::failures() const {
  std::vector<Failure> out;
  for (uint32_t slot = 0; slot < instances_.size(); ++slot) {
    const InstanceView& view = instances_[slot];
    if (!is_eligible(view, request_.launch_type, request_.capacity_provider)) continue;
    const auto reason = touched_.contains(slot)
                            ? first_rejection(working_view(slot), request_, pool_.constraints())
                            : first_rejection(view, request_, pool_.constraints());
    if (reason) out.push_back({view.arn, std::string(*reason)});
  }
  if (out.empty()) out.push_back({"", "MISSING"});
  return out;
}

}  // namespace gantry::scheduler
