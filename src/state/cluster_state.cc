#include "state/cluster_state.h"

#include <stdexcept>

namespace gantry::state {

namespace {
// Record keys name their kind; removals carry no record, so the kind and the
// identity come from the key itself.
constexpr std::string_view kClusters = "clusters/";
constexpr std::string_view kTaskDefinitions = "taskdefs/";
constexpr std::string_view kSettings = "settings/";

std::pair<std::string, int64_t> split_task_definition_key(std::string_view key) {
  std::string_view rest = key.substr(kTaskDefinitions.size());
  auto slash = rest.rfind('/');
  if (slash == std::string_view::npos) throw std::runtime_error("bad key " + std::string(key));
  return {std::string(rest.substr(0, slash)), std::stoll(std::string(rest.substr(slash + 1)))};
}

std::pair<std::string, std::string> split_setting_key(std::string_view key) {
  std::string_view rest = key.substr(kSettings.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) throw std::runtime_error("bad key " + std::string(key));
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}
}  // namespace

void ClusterState::apply(const Change& change) {
  std::string_view key = change.key;
  if (key.starts_with(kClusters)) {
    std::string name(key.substr(kClusters.size()));
    if (!change.record) {
      clusters_.erase(name);
    } else {
      clusters_[name] = std::shared_ptr<const ClusterRecord>(
          change.record, &std::get<ClusterRecord>(*change.record));
    }
  } else if (key.starts_with(kTaskDefinitions)) {
    auto [family, revision] = split_task_definition_key(key);
    if (!change.record) {
      if (auto it = families_.find(family); it != families_.end()) {
        it->second.erase(revision);
        if (it->second.empty()) families_.erase(it);
      }
    } else {
      families_[family][revision] = std::shared_ptr<const TaskDefinitionRecord>(
          change.record, &std::get<TaskDefinitionRecord>(*change.record));
    }
  } else if (key.starts_with(kSettings)) {
    auto setting_key = split_setting_key(key);
    if (!change.record) {
      account_settings_.erase(setting_key);
    } else {
      account_settings_[setting_key] = std::shared_ptr<const AccountSettingRecord>(
          change.record, &std::get<AccountSettingRecord>(*change.record));
    }
  } else {
    throw std::runtime_error("no index for key " + change.key);
  }
}

const ClusterRecord* ClusterState::cluster(std::string_view name) const {
  auto it = clusters_.find(name);
  return it == clusters_.end() ? nullptr : it->second.get();
}

const TaskDefinitionRecord* ClusterState::task_definition(std::string_view family,
                                                          int64_t revision) const {
  auto it = families_.find(family);
  if (it == families_.end()) return nullptr;
  auto rev = it->second.find(revision);
  return rev == it->second.end() ? nullptr : rev->second.get();
}

const TaskDefinitionRecord* ClusterState::latest_active(std::string_view family) const {
  auto it = families_.find(family);
  if (it == families_.end()) return nullptr;
  for (auto rev = it->second.rbegin(); rev != it->second.rend(); ++rev) {
    if (rev->second->status() == "ACTIVE") return rev->second.get();
  }
  return nullptr;
}

int64_t ClusterState::last_revision(std::string_view family) const {
  auto it = families_.find(family);
  return it == families_.end() || it->second.empty() ? 0 : it->second.rbegin()->first;
}

Change put_change(std::string key, Record record) {
  return Change{std::move(key), std::make_shared<const Record>(std::move(record))};
}

Change delete_change(std::string key) { return Change{std::move(key), nullptr}; }

}  // namespace gantry::state
