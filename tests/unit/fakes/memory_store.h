#pragma once
// An in-memory store::Store for unit tests, with a switch that makes the
// next commits fail as a full disk would, and a gate that holds commits
// until the test releases them (so that the writer must queue behind one).
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

#include "store/store.h"

namespace gantry::testing {

class MemoryStore final : public store::Store {
 public:
  int64_t revision() override {
    std::lock_guard lock(mutex_);
    return revision_;
  }

  std::optional<store::KeyValue> get(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<store::KeyValue> range(const std::string& prefix, const std::string& start_after,
                                     size_t limit) override {
    std::lock_guard lock(mutex_);
    std::vector<store::KeyValue> out;
    for (auto it = data_.lower_bound(prefix); it != data_.end(); ++it) {
      if (!it->first.starts_with(prefix)) break;
      if (!start_after.empty() && it->first <= start_after) continue;
      out.push_back(it->second);
      if (limit && out.size() == limit) break;
    }
    return out;
  }

  store::TxnResult commit(const store::Txn& txn) override {
    std::unique_lock lock(mutex_);
    if (holding_) {
      ++held_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return !holding_; });
    }
    if (fail_commits_) throw std::runtime_error("disk full");
    for (const auto& compare : txn.compares) {
      auto it = data_.find(compare.key);
      int64_t current = it == data_.end() ? 0 : it->second.mod_revision;
      if (current != compare.mod_revision) return {false, revision_};
    }
    ++commits_;
    if (txn.ops.empty()) return {true, revision_};
    ++revision_;
    for (const auto& op : txn.ops) {
      if (auto* put = std::get_if<store::Put>(&op)) {
        auto& kv = data_[put->key];
        if (kv.create_revision == 0) kv.create_revision = revision_;
        kv.key = put->key;
        kv.value = put->value;
        kv.mod_revision = revision_;
      } else {
        data_.erase(std::get<store::Delete>(op).key);
      }
    }
    return {true, revision_};
  }

  void watch(const std::string&, store::WatchCallback) override {}

  void fail_commits(bool fail) {
    std::lock_guard lock(mutex_);
    fail_commits_ = fail;
  }
  // Commits from now on wait inside commit() until release_commits().
  void hold_commits() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  // Returns once a commit is waiting at the gate.
  void wait_for_held_commit() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return held_ > 0; });
  }
  void release_commits() {
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
    }
    changed_.notify_all();
  }
  int64_t commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, store::KeyValue> data_;
  int64_t revision_ = 0;
  int64_t commits_ = 0;
  bool fail_commits_ = false;
  bool holding_ = false;
  int64_t held_ = 0;  // commits that have waited at the gate
};

}  // namespace gantry::testing
