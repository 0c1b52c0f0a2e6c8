#pragma once
// One order of a PlacementIndex pool: its slots by (score, slot), in a treap
// whose nodes also carry each instance's free CPU, memory and GPU count and
// their maxima over the subtree. "The least key from a bound among the
// instances with enough of every resource" is then one descent that skips
// whole subtrees of full instances, instead of a walk past each of them.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace gantry::scheduler {

struct Resources {
  int64_t cpu = 0;
  int64_t memory = 0;
  int64_t gpus = 0;

  bool covers(const Resources& need) const {
    return cpu >= need.cpu && memory >= need.memory && gpus >= need.gpus;
  }
};

// place()'s ranking key for one instance: the strategy's score, then the
// slot, which takes the ties.
struct SlotKey {
  int64_t score = 0;
  uint32_t slot = 0;
  auto operator<=>(const SlotKey&) const = default;
};

class FitTree {
 public:
  // Files the slot under its key with its free resources, moving it if it
  // is already in the tree.
  void assign(uint32_t slot, int64_t score, const Resources& free);
  void erase(uint32_t slot);
  // The least key >= `from` whose free resources cover `need`.
  std::optional<SlotKey> first_fit(SlotKey from, const Resources& need) const;
  size_t size() const { return size_; }

 private:
  struct Node {
    SlotKey key;
    uint64_t priority = 0;
    int32_t left = -1;
    int32_t right = -1;
    Resources own;
    Resources max;  // over the subtree, own included
  };

  void pull(int32_t t);
  void split(int32_t t, SlotKey key, int32_t& less, int32_t& rest);
  int32_t merge(int32_t less, int32_t rest);
  int32_t insert(int32_t t, int32_t node);
  int32_t remove(int32_t t, SlotKey key);
  std::optional<SlotKey> find(int32_t t, SlotKey from, const Resources& need) const;

  std::vector<Node> nodes_;
  std::vector<int32_t> free_nodes_;
  std::vector<int32_t> node_of_;  // per slot; -1 when not in the tree
  int32_t root_ = -1;
  size_t size_ = 0;
};

}  // namespace gantry::scheduler
