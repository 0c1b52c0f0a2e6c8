#include "scheduler/placement_index_tree.h"

#include <algorithm>

namespace gantry::scheduler {
namespace {

// A fixed hash of the slot: the treap's shape is then a function of its
// contents, and balanced in expectation.
uint64_t priority_of(uint32_t slot) {
  uint64_t z = slot + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Resources max_of(const Resources& a, const Resources& b) {
  return {std::max(a.cpu, b.cpu), std::max(a.memory, b.memory), std::max(a.gpus, b.gpus)};
}

}  // namespace

void FitTree::assign(uint32_t slot, int64_t score, const Resources& free) {
  erase(slot);
  int32_t node;
  if (free_nodes_.empty()) {
    node = static_cast<int32_t>(nodes_.size());
    nodes_.emplace_back();
  } else {
    node = free_nodes_.back();
    free_nodes_.pop_back();
  }
  nodes_[node] = Node{{score, slot}, priority_of(slot), -1, -1, free, free};
  if (node_of_.size() <= slot) node_of_.resize(slot + 1, -1);
  node_of_[slot] = node;
  root_ = insert(root_, node);
  ++size_;
}

void FitTree::erase(uint32_t slot) {
  if (slot >= node_of_.size() || node_of_[slot] < 0) return;
  const int32_t node = node_of_[slot];
  root_ = remove(root_, nodes_[node].key);
  node_of_[slot] = -1;
  free_nodes_.push_back(node);
  --size_;
}

std::optional<SlotKey> FitTree::first_fit(SlotKey from, const Resources& need) const {
  return find(root_, from, need);
}

void FitTree::pull(int32_t t) {
  Node& node = nodes_[t];
  node.max = node.own;
  if (node.left >= 0) node.max = max_of(node.max, nodes_[node.left].max);
  if (node.right >= 0) node.max = max_of(node.max, nodes_[node.right].max);
}

// Keys below `key` to `less`, the others to `rest`.
void FitTree::split(int32_t t, SlotKey key, int32_t& less, int32_t& rest) {
  if (t < 0) {
    less = rest = -1;
    return;
  }
  if (nodes_[t].key < key) {
    split(nodes_[t].right, key, nodes_[t].right, rest);
    less = t;
  } else {
    split(nodes_[t].left, key, less, nodes_[t].left);
    rest = t;
  }
  pull(t);
}

// Every key of `less` is below every key of `rest`.
int32_t FitTree::merge(int32_t less, int32_t rest) {
  if (less < 0) return rest;
  if (rest < 0) return less;
  if (nodes_[less].priority > nodes_[rest].priority) {
    nodes_[less].right = merge(nodes_[less].right, rest);
    pull(less);
    return less;
  }
  nodes_[rest].left = merge(less, nodes_[rest].left);
  pull(rest);
  return rest;
}

int32_t FitTree::insert(int32_t t, int32_t node) {
  if (t < 0) return node;
  if (nodes_[node].priority > nodes_[t].priority) {
    split(t, nodes_[node].key, nodes_[node].left, nodes_[node].right);
    pull(node);
    return node;
  }
  if (nodes_[node].key < nodes_[t].key)
    nodes_[t].left = insert(nodes_[t].left, node);
  else
    nodes_[t].right = insert(nodes_[t].right, node);
  pull(t);
  return t;
}

int32_t FitTree::remove(int32_t t, SlotKey key) {
  if (nodes_[t].key == key) return merge(nodes_[t].left, nodes_[t].right);
  if (key < nodes_[t].key)
    nodes_[t].left = remove(nodes_[t].left, key);
  else
    nodes_[t].right = remove(nodes_[t].right, key);
  pull(t);
  return t;
}

std::optional<SlotKey> FitTree::find(int32_t t, SlotKey from, const Resources& need) const {
  if (t < 0 || !nodes_[t].max.covers(need)) return std::nullopt;
  const Node& node = nodes_[t];
  if (node.key < from) return find(node.right, from, need);
  if (auto left = find(node.left, from, need)) return left;
  if (node.own.covers(need)) return node.key;
  return find(node.right, from, need);
}

}  // namespace gantry::scheduler
