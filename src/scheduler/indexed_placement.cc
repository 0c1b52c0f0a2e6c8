#include "scheduler/indexed_placement.h"

#include <algorithm>
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scheduler/attribute_fit.h"
#include "scheduler/constraint_filter.h"
#include "scheduler/eligibility.h"
#include "scheduler/feasibility.h"
#include "scheduler/random_ranker.h"
#include "scheduler/resource_fit.h"
#include "scheduler/strategies.h"

namespace gantry::scheduler {
namespace {

const std::string& attribute_or_empty(const InstanceView& instance, const std::string& name) {
  static const std::string kEmpty;
  auto it = instance.attributes.find(name);
  return it == instance.attributes.end() ? kEmpty : it->second;
}

enum class Score : uint8_t { Cpu, Memory, GroupOnInstance, GroupOnValue };

struct Component {
  Score score = Score::Cpu;
  std::string attribute;  // GroupOnValue: the attribute spread over
  size_t value_slot = 0;  // GroupOnValue: which of the engine's value counts
};

// The strategies as one lexicographic score: the deterministic ones up to
// the first random (which narrows to one, so nothing after it counts), and
// whether a random one ends the chain (no strategy at all means random).
struct Ranking {
  std::vector<Component> components;
  size_t value_components = 0;
  bool random = false;
};

Ranking ranking_of(const std::vector<PlacementStrategy>& strategies) {
  Ranking ranking;
  for (const auto& s : strategies) {
    if (s.type == "random") {
      ranking.random = true;
      break;
    }
    Component c;
    if (s.type == "binpack") {
      c.score = s.field == "cpu" ? Score::Cpu : Score::Memory;
    } else if (s.field == "instanceId" || s.field == "host") {
      c.score = Score::GroupOnInstance;
    } else {
      c.score = Score::GroupOnValue;
      c.attribute = s.field.substr(std::string_view("attribute:").size());
      c.value_slot = ranking.value_components++;
    }
    ranking.components.push_back(std::move(c));
  }
  ranking.random = ranking.random || strategies.empty();
  return ranking;
}

// An instance's scores in strategy order, then its index: place() chooses
// the least key among the feasible instances.
struct Key {
  std::array<int64_t, kMaxStrategies> scores{};
  size_t index = 0;
  auto operator<=>(const Key&) const = default;
};

// Which indices are feasible, with the k-th of them in O(log n): random's
// choice among every feasible instance without listing them.
class Fenwick {
 public:
  explicit Fenwick(size_t n) : tree_(n + 1, 0) {}

  void add(size_t i, int64_t delta) {
    total_ += delta;
    for (++i; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
  }
  int64_t total() const { return total_; }

  // The k-th (from 0) counted index; k < total().
  size_t find(int64_t k) const {
    size_t pos = 0;
    for (size_t step = std::bit_floor(tree_.size()); step > 0; step >>= 1) {
      if (pos + step < tree_.size() && tree_[pos + step] <= k) {
        pos += step;
        k -= tree_[pos];
      }
    }
    return pos;
  }

 private:
  std::vector<int64_t> tree_;
  int64_t total_ = 0;
};

class Engine {
 public:
  Engine(const std::vector<InstanceView>& instances, const PlacementRequest& request,
         const ConstraintFilter& constraints, Ranking ranking);

  PlacementResult run(core::Random& random);

 private:
  enum class State : uint8_t { Ineligible, Unchecked, Feasible, Rejected };
  // Indexed: least key from ordered sets. RandomOnly: a uniform pick among
  // the feasible. Scan: scores before a random, ranked by a scan.
  enum class Mode : uint8_t { Indexed, RandomOnly, Scan };

  // An instance earlier tasks of this call took from: its own copy.
  struct Touched {
    InstanceView view;
    std::optional<Key> key;  // in its bucket's `touched` while feasible
  };

  // The eligible instances with the same value for every attribute spread:
  // those scores are equal within it, so its order needs only the others.
  struct Bucket {
    std::array<uint32_t, kMaxStrategies> values{};  // value id per value slot
    std::vector<Key> untouched;  // min-heap; touched or rejected entries pop lazily
    std::set<Key> touched;
    std::optional<Key> ranked;  // its best, with the value counts, in ranked_
  };

  // One attribute spread's values: the request group's tasks per value, over
  // every instance given (as place() counts them).
  struct ValueCounts {
    std::unordered_map<std::string_view, uint32_t> ids;
    std::vector<int64_t> counts;
    std::vector<std::vector<uint32_t>> buckets;  // per value; kept for 2+ slots
  };

  void assign_buckets();
  void check(size_t i, const InstanceView& view);
  bool feasible_untouched(size_t i);
  Key own_key(const InstanceView& view, size_t i) const;
  Key ranked_key(Key key, uint32_t bucket) const;
  std::optional<Key> best_in(Bucket& bucket);
  void refresh(uint32_t bucket);
  std::optional<size_t> choose(core::Random& random);
  std::optional<size_t> choose_by_scan(core::Random& random);
  std::vector<std::string> commit(size_t chosen);
  std::vector<Failure> failures();

  const std::vector<InstanceView>& instances_;
  const PlacementRequest& request_;
  const ConstraintFilter& constraints_;
  Ranking ranking_;
  Mode mode_;

  std::vector<State> state_;
  std::vector<std::string_view> reason_;  // Rejected: place()'s reason (a literal)
  std::vector<uint32_t> bucket_of_;
  std::vector<Bucket> buckets_;
  std::vector<ValueCounts> values_;
  std::unordered_map<size_t, Touched> touched_;
  std::set<Key> ranked_;  // Indexed: each non-empty bucket's best
  Fenwick feasible_;      // RandomOnly
};

Engine::Engine(const std::vector<InstanceView>& instances, const PlacementRequest& request,
               const ConstraintFilter& constraints, Ranking ranking)
    : instances_(instances),
      request_(request),
      constraints_(constraints),
      ranking_(std::move(ranking)),
      mode_(!ranking_.random                 ? Mode::Indexed
            : ranking_.components.empty() ? Mode::RandomOnly
                                          : Mode::Scan),
      state_(instances.size(), State::Ineligible),
      reason_(instances.size()),
      bucket_of_(instances.size(), 0),
      values_(ranking_.value_components),
      feasible_(mode_ == Mode::RandomOnly ? instances.size() : 0) {
  for (size_t i = 0; i < instances_.size(); ++i)
    if (is_eligible(instances_[i], request_.launch_type, request_.capacity_provider)) state_[i] = State::Unchecked;
  assign_buckets();

  if (mode_ != Mode::Indexed) {
    // Random ranks every feasible instance, so check them all now.
    for (size_t i = 0; i < instances_.size(); ++i) {
      if (state_[i] == State::Ineligible) continue;
      check(i, instances_[i]);
      if (mode_ == Mode::RandomOnly && state_[i] == State::Feasible) feasible_.add(i, 1);
    }
    return;
  }
  // Checks are lazy: only instances that reach the top of their bucket are
  // checked. CPU and memory are the cheap part, and an untouched instance
  // short of either never fits, so it is left out here (and checked only
  // if failures are needed).
  for (size_t i = 0; i < instances_.size(); ++i) {
    const InstanceView& view = instances_[i];
    if (state_[i] == State::Ineligible || request_.cpu > view.remaining_cpu ||
        request_.memory > view.remaining_memory)
      continue;
    buckets_[bucket_of_[i]].untouched.push_back(own_key(view, i));
  }
  for (uint32_t b = 0; b < buckets_.size(); ++b) {
    std::make_heap(buckets_[b].untouched.begin(), buckets_[b].untouched.end(), std::greater<>{});
    refresh(b);
  }
}

void Engine::assign_buckets() {
  const size_t slots = ranking_.value_components;
  if (slots == 0) {
    buckets_.resize(1);
    return;
  }
  std::vector<const std::string*> attributes(slots);
  for (const auto& c : ranking_.components)
    if (c.score == Score::GroupOnValue) attributes[c.value_slot] = &c.attribute;
  std::map<std::array<uint32_t, kMaxStrategies>, uint32_t> bucket_ids;  // 2+ slots
  for (size_t i = 0; i < instances_.size(); ++i) {
    const InstanceView& view = instances_[i];
    const auto in_group = static_cast<int64_t>(view.task_groups.count(request_.group));
    std::array<uint32_t, kMaxStrategies> ids{};
    for (size_t s = 0; s < slots; ++s) {
      ValueCounts& v = values_[s];
      auto [it, added] = v.ids.try_emplace(attribute_or_empty(view, *attributes[s]),
                                           static_cast<uint32_t>(v.counts.size()));
      if (added) v.counts.push_back(0);
      v.counts[it->second] += in_group;
      ids[s] = it->second;
    }
    if (state_[i] == State::Ineligible) continue;
    uint32_t bucket = ids[0];
    if (slots > 1) {
      auto [it, added] = bucket_ids.try_emplace(ids, static_cast<uint32_t>(bucket_ids.size()));
      bucket = it->second;
      if (added)
        for (size_t s = 0; s < slots; ++s) {
          auto& per_value = values_[s].buckets;
          if (per_value.size() <= ids[s]) per_value.resize(ids[s] + 1);
          per_value[ids[s]].push_back(bucket);
        }
    }
    if (buckets_.size() <= bucket) buckets_.resize(bucket + 1);
    buckets_[bucket].values = ids;
    bucket_of_[i] = bucket;
  }
}

void Engine::check(size_t i, const InstanceView& view) {
  const auto reason = first_rejection(view, request_, constraints_);
  state_[i] = reason ? State::Rejected : State::Feasible;
  reason_[i] = reason.value_or("");
}

bool Engine::feasible_untouched(size_t i) {
  if (state_[i] == State::Unchecked) check(i, instances_[i]);
  return state_[i] == State::Feasible;
}

// The scores that belong to the instance alone; value counts stay 0.
Key Engine::own_key(const InstanceView& view, size_t i) const {
  Key key;
  key.index = i;
  for (size_t c = 0; c < ranking_.components.size(); ++c) {
    switch (ranking_.components[c].score) {
      case Score::Cpu: key.scores[c] = view.remaining_cpu; break;
      case Score::Memory: key.scores[c] = view.remaining_memory; break;
      case Score::GroupOnInstance:
        key.scores[c] = static_cast<int64_t>(view.task_groups.count(request_.group));
        break;
      case Score::GroupOnValue: break;
    }
  }
  return key;
}

Key Engine::ranked_key(Key key, uint32_t bucket) const {
  for (size_t c = 0; c < ranking_.components.size(); ++c) {
    const Component& component = ranking_.components[c];
    if (component.score != Score::GroupOnValue) continue;
    const size_t slot = component.value_slot;
    key.scores[c] = values_[slot].counts[buckets_[bucket].values[slot]];
  }
  return key;
}

std::optional<Key> Engine::best_in(Bucket& bucket) {
  auto& heap = bucket.untouched;
  while (!heap.empty()) {
    const size_t i = heap.front().index;
    if (!touched_.contains(i) && feasible_untouched(i)) break;
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    heap.pop_back();
  }
  std::optional<Key> best;
  if (!heap.empty()) best = heap.front();
  if (!bucket.touched.empty() && (!best || *bucket.touched.begin() < *best))
    best = *bucket.touched.begin();
  return best;
}

void Engine::refresh(uint32_t b) {
  Bucket& bucket = buckets_[b];
  if (bucket.ranked) ranked_.erase(*bucket.ranked);
  bucket.ranked.reset();
  if (auto best = best_in(bucket)) {
    bucket.ranked = ranked_key(*best, b);
    ranked_.insert(*bucket.ranked);
  }
}

std::optional<size_t> Engine::choose(core::Random& random) {
  switch (mode_) {
    case Mode::Indexed:
      if (ranked_.empty()) return std::nullopt;
      return ranked_.begin()->index;
    case Mode::RandomOnly: {
      // As place(): a draw only when there is a choice to make.
      const int64_t n = feasible_.total();
      if (n == 0) return std::nullopt;
      if (n == 1) return feasible_.find(0);
      return feasible_.find(static_cast<int64_t>(uniform_index(random, static_cast<size_t>(n))));
    }
    case Mode::Scan: return choose_by_scan(random);
  }
  return std::nullopt;
}

// The deterministic strategies' ties, ascending, then random among them:
// place()'s narrowing, without copying the instances.
std::optional<size_t> Engine::choose_by_scan(core::Random& random) {
  std::vector<size_t> ties;
  Key best;
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (state_[i] != State::Feasible) continue;
    auto touched = touched_.find(i);
    const InstanceView& view = touched == touched_.end() ? instances_[i] : touched->second.view;
    Key key = ranked_key(own_key(view, i), bucket_of_[i]);
    key.index = 0;
    if (ties.empty() || key < best) {
      ties.clear();
      best = key;
    }
    if (key == best) ties.push_back(i);
  }
  if (ties.empty()) return std::nullopt;
  if (ties.size() == 1) return ties.front();
  return ties[uniform_index(random, ties.size())];
}

std::vector<std::string> Engine::commit(size_t chosen) {
  auto [it, fresh] = touched_.try_emplace(chosen);
  Touched& touched = it->second;
  if (fresh) touched.view = instances_[chosen];
  const uint32_t b = bucket_of_[chosen];
  if (touched.key) {
    buckets_[b].touched.erase(*touched.key);
    touched.key.reset();
  }
  auto gpu_ids = take_resources(touched.view, request_);
  touched.view.task_groups.insert(request_.group);
  for (size_t s = 0; s < values_.size(); ++s) ++values_[s].counts[buckets_[b].values[s]];
  // Only the chosen instance changed, so only it is checked again: its
  // resources and groups (distinctInstance, task:group in memberOf) moved.
  check(chosen, touched.view);
  const bool feasible = state_[chosen] == State::Feasible;

  if (mode_ == Mode::RandomOnly && !feasible) feasible_.add(chosen, -1);
  if (mode_ != Mode::Indexed) return gpu_ids;
  if (feasible) {
    touched.key = own_key(touched.view, chosen);
    buckets_[b].touched.insert(*touched.key);
  }
  if (values_.size() <= 1) {
    refresh(b);  // one attribute spread or none: the bucket is its value
    return gpu_ids;
  }
  // The chosen values' counts moved every bucket that holds one of them.
  std::vector<uint32_t> affected;
  for (size_t s = 0; s < values_.size(); ++s) {
    const auto& holders = values_[s].buckets[buckets_[b].values[s]];
    affected.insert(affected.end(), holders.begin(), holders.end());
  }
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
  for (uint32_t bucket : affected) refresh(bucket);
  return gpu_ids;
}

// The call ends here, so a scan is fine: every eligible instance, in order,
// with the reason it was (or is now) rejected.
std::vector<Failure> Engine::failures() {
  std::vector<Failure> out;
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (state_[i] == State::Ineligible) continue;
    if (state_[i] == State::Unchecked) check(i, instances_[i]);
    if (state_[i] == State::Rejected) out.push_back({instances_[i].arn, std::string(reason_[i])});
  }
  if (out.empty()) out.push_back({"", "MISSING"});
  return out;
}

PlacementResult Engine::run(core::Random& random) {
  PlacementResult result;
  for (int task = 0; task < request_.count; ++task) {
    const auto chosen = choose(random);
    if (!chosen) {
      result.failures = failures();
      return result;
    }
    result.placements.push_back({*chosen, commit(*chosen)});
  }
  return result;
}

}  // namespace

PlacementResult place_indexed(const std::vector<InstanceView>& instances,
                              const PlacementRequest& request, core::Random& random) {
  // Validate as place() does, in its order, before placing anything.
  make_rankers(request.strategies);
  const ConstraintFilter constraints(request.constraints);
  if (request.count <= 0) return {};
  Engine engine(instances, request, constraints, ranking_of(request.strategies));
  return engine.run(random);
}

}  // namespace gantry::scheduler
