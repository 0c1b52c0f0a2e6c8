#include "state/cluster_state.h"

#include <stdexcept>

#include "model/task_lifecycle.h"

namespace gantry::state {

namespace {

// Gives the task map's element at `at` the key `now`, which compares equal
// to its old one (a view of another copy of the same id). Reinserting it
// where it was costs no search.
ClusterState::TasksById::iterator rekey(ClusterState::TasksById& tasks,
                                        ClusterState::TasksById::iterator at,
                                        std::string_view now) {
  auto next = std::next(at);
  auto node = tasks.extract(at);
  node.key() = TaskIdKey(now);
  return tasks.insert(next, std::move(node));
}

// Puts the change's record under `key` of a view, or removes it; returns
// the record the key held.
template <class Map, class Key>
std::shared_ptr<const Record> replace(Map& map, const Key& key, const Change& change) {
  using Ref = typename Map::mapped_type;
  std::shared_ptr<const Record> before;
  auto it = map.find(key);
  if (it != map.end()) before = it->second.record();
  if (!change.record) {
    if (it != map.end()) map.erase(it);
  } else if (it != map.end()) {
    it->second = Ref(change.record);
  } else {
    map.emplace(key, Ref(change.record));
  }
  return before;
}

}  // namespace

TaskIdKey::TaskIdKey(std::string_view id) : high(0), low(0), id(id) {
  auto byte = [&](size_t i) -> uint64_t {
    return i < id.size() ? static_cast<unsigned char>(id[i]) : 0;
  };
  for (size_t i = 0; i < 8; ++i) {
    high = high << 8 | byte(i);
    low = low << 8 | byte(8 + i);
  }
}

ClusterState::Applied ClusterState::apply_change(const Change& change) {
  std::string_view key = change.key;
  if (key.starts_with(kClusterPrefix)) {
    return {std::nullopt, replace(clusters_, key.substr(kClusterPrefix.size()), change)};
  }
  if (key.starts_with(kTaskDefinitionPrefix)) {
    auto [family, revision] = parse_task_definition_key(key);
    auto it = families_.find(family);
    if (it == families_.end()) {
      if (!change.record) return {};
      it = families_.emplace(family, Revisions{}).first;
    }
    auto before = replace(it->second, revision, change);
    if (it->second.empty()) families_.erase(it);
    return {std::nullopt, std::move(before)};
  }
  if (key.starts_with(kCapacityProviderPrefix)) {
    return {std::nullopt,
            replace(capacity_providers_, key.substr(kCapacityProviderPrefix.size()), change)};
  }
  if (key.starts_with(kAccountSettingPrefix)) {
    return {std::nullopt, replace(account_settings_, parse_account_setting_key(key), change)};
  }
  if (key.starts_with(kContainerInstancePrefix)) {
    auto [cluster, id] = parse_scoped_key(key, kContainerInstancePrefix);
    auto& slice = slices_[cluster];
    auto before = replace(slice.instances, id, change);
    if (!change.record) {
      slice.instances_by_id.erase(id);
      host_records_.erase(id);
    } else {
      const auto* record = std::get_if<ContainerInstanceRecord>(change.record.get());
      slice.instances_by_id[id] = record;
      host_records_[id] = record;
    }
    bool connection_only = only_agent_connection_changed(before.get(), change.record.get());
    return {TouchedInstance{std::move(cluster), std::move(id), nullptr, true, connection_only},
            std::move(before)};
  }
  if (key.starts_with(kServicePrefix)) {
    auto [cluster, name] = parse_scoped_key(key, kServicePrefix);
    return {std::nullopt, replace(slices_[cluster].services, name, change)};
  }
  if (key.starts_with(kJobPrefix)) {
    auto [cluster, id] = parse_scoped_key(key, kJobPrefix);
    return {std::nullopt, replace(slices_[cluster].jobs, id, change)};
  }
  if (key.starts_with(kTaskPrefix)) {
    auto [cluster, id] = parse_scoped_key(key, kTaskPrefix);
    auto& slice = slices_[cluster];
    std::string instance_id;
    RecordRef<TaskRecord> previous;
    auto old = slice.tasks.find(std::string_view(id));
    if (old != slice.tasks.end()) {
      instance_id = old->second->instance_id;
      previous = old->second;
    }
    if (!change.record) {
      if (previous) {
        index_task(slice, previous.get(), nullptr);
        slice.tasks.erase(old);
      }
    } else {
      RecordRef<TaskRecord> task(change.record);
      instance_id = task->instance_id;
      index_task(slice, previous.get(), task.get());
      if (previous) {
        // The key views the record it maps to: it moves to the new one.
        rekey(slice.tasks, old, task->id())->second = std::move(task);
      } else {
        std::string_view task_id = task->id();
        slice.tasks.emplace(task_id, std::move(task));
      }
    }
    Applied applied{std::nullopt, previous.record()};
    if (!instance_id.empty()) {
      // The instance's own cluster, which a FARGATE task's need not be.
      if (const ContainerInstanceRecord* record = host(instance_id)) cluster = record->cluster;
      applied.touched =
          TouchedInstance{std::move(cluster), std::move(instance_id), previous.shared()};
    }
    return applied;
  }
  throw std::runtime_error("no index for key " + change.key);
}

void ClusterState::index_task(ClusterSlice& slice, const TaskRecord* before,
                              const TaskRecord* after) {
  // An update in place (a status report) leaves the task where it was in
  // each index: only the views move to the new record's ARN.
  auto update = [&](auto& index, const std::string* was, const std::string* now) {
    if (was && now && *was == *now) {
      if (was->empty()) return;
      auto& ids = index[*was];
      if (auto it = ids.find(TaskIdKey(before->id())); it != ids.end()) {
        // An equal key keeps the array sorted; its elements are not const.
        const_cast<TaskIdKey&>(*it) = TaskIdKey(after->id());
      } else {
        ids.insert(after->id());
      }
      return;
    }
    if (was && !was->empty()) {
      if (auto it = index.find(*was); it != index.end()) {
        it->second.erase(TaskIdKey(before->id()));
        if (it->second.empty()) index.erase(it);
      }
    }
    if (now && !now->empty()) index[*now].insert(after->id());
  };
  update(slice.tasks_by_instance, before ? &before->instance_id : nullptr,
         after ? &after->instance_id : nullptr);
  update(slice.tasks_by_token, before ? &before->client_token : nullptr,
         after ? &after->client_token : nullptr);
  update(slice.tasks_by_group, before ? &before->group() : nullptr,
         after ? &after->group() : nullptr);
  update(slice.tasks_by_started_by, before ? &before->started_by() : nullptr,
         after ? &after->started_by() : nullptr);
  auto count = [&](const TaskRecord* task, int64_t sign) {
    if (!task) return;
    if (auto status = model::parse_task_status(task->last_status())) {
      if (*status == model::TaskStatus::kRunning) slice.running_tasks += sign;
      if (model::is_pending(*status)) slice.pending_tasks += sign;
    }
    if (!task->instance_id.empty()) count_on_host(*task, sign);
  };
  count(before, -1);
  count(after, 1);
  auto stopped = [](const TaskRecord* task) -> std::optional<StoppedTask> {
    if (!task || task->last_status() != "STOPPED" || !task->stopped_at()) return std::nullopt;
    return StoppedTask{*task->stopped_at(), task->id()};
  };
  // Erased and reinserted even when unchanged: the entry views the new record.
  auto hint = slice.stopped.end();
  if (auto was = stopped(before)) {
    if (auto it = slice.stopped.find(*was); it != slice.stopped.end()) {
      hint = slice.stopped.erase(it);
    }
  }
  if (auto now = stopped(after)) slice.stopped.insert(hint, *now);
}

void ClusterState::count_on_host(const TaskRecord& task, int64_t sign) {
  auto host = hosts_.try_emplace(task.instance_id).first;
  HostTasks& held = host->second;
  held.holdings.count(task, sign > 0);
  auto cluster = held.clusters.try_emplace(task.cluster, 0).first;
  if ((cluster->second += sign) <= 0) held.clusters.erase(cluster);
  if (held.clusters.empty()) hosts_.erase(host);  // no task left: nothing held either
}

const ClusterState::ClusterSlice* ClusterState::slice(std::string_view cluster) const {
  auto it = slices_.find(cluster);
  return it == slices_.end() ? nullptr : &it->second;
}

ClusterCounts ClusterState::counts(std::string_view cluster) const {
  ClusterCounts counts;
  const ClusterSlice* s = slice(cluster);
  if (!s) return counts;
  for (const auto& [id, instance] : s->instances) {
    std::string status = instance->status();
    if (status == "ACTIVE" || status == "DRAINING") ++counts.registered_instances;
  }
  for (const auto& [name, service] : s->services) {
    std::string status = service->status();
    if (status == "ACTIVE") ++counts.active_services;
    if (status == "DRAINING") ++counts.draining_services;
  }
  counts.running_tasks = s->running_tasks;
  counts.pending_tasks = s->pending_tasks;
  return counts;
}

const ContainerInstanceRecord* ClusterState::host(std::string_view instance_id) const {
  auto it = host_records_.find(instance_id);
  return it == host_records_.end() ? nullptr : it->second;
}

const InstanceHoldings& ClusterState::holdings(std::string_view instance_id) const {
  static const InstanceHoldings kNothing;
  auto it = hosts_.find(instance_id);
  return it == hosts_.end() ? kNothing : it->second.holdings;
}

const ClusterState::ByName<ContainerInstanceRecord>& ClusterState::instances(
    std::string_view cluster) const {
  static const ByName<ContainerInstanceRecord> kNone;
  const ClusterSlice* s = slice(cluster);
  return s ? s->instances : kNone;
}

const ContainerInstanceRecord* ClusterState::instance(std::string_view cluster,
                                                      std::string_view id) const {
  const ClusterSlice* s = slice(cluster);
  if (!s) return nullptr;
  auto it = s->instances_by_id.find(id);
  return it == s->instances_by_id.end() ? nullptr : it->second;
}

const ClusterState::ByName<ServiceRecord>& ClusterState::services(
    std::string_view cluster) const {
  static const ByName<ServiceRecord> kNone;
  const ClusterSlice* s = slice(cluster);
  return s ? s->services : kNone;
}

const ClusterState::ByName<JobRecord>& ClusterState::jobs(std::string_view cluster) const {
  static const ByName<JobRecord> kNone;
  const ClusterSlice* s = slice(cluster);
  return s ? s->jobs : kNone;
}

const JobRecord* ClusterState::job(std::string_view cluster, std::string_view id) const {
  const auto& all = jobs(cluster);
  auto it = all.find(id);
  return it == all.end() ? nullptr : it->second.get();
}

const ServiceRecord* ClusterState::service(std::string_view cluster,
                                           std::string_view name) const {
  const auto& all = services(cluster);
  auto it = all.find(name);
  return it == all.end() ? nullptr : it->second.get();
}

const ClusterState::StoppedTasks& ClusterState::stopped_tasks(std::string_view cluster) const {
  static const StoppedTasks kNone;
  const ClusterSlice* s = slice(cluster);
  return s ? s->stopped : kNone;
}

const ClusterState::TasksById& ClusterState::tasks(std::string_view cluster) const {
  static const TasksById kNone;
  const ClusterSlice* s = slice(cluster);
  return s ? s->tasks : kNone;
}

const TaskRecord* ClusterState::task(std::string_view cluster, std::string_view id) const {
  const auto& all = tasks(cluster);
  auto it = all.find(id);
  return it == all.end() ? nullptr : it->second.get();
}

namespace {
template <class Index>
std::vector<const TaskRecord*> lookup(const Index* index, std::string_view by,
                                      const ClusterState::TasksById& tasks) {
  std::vector<const TaskRecord*> out;
  if (!index) return out;
  auto it = index->find(by);
  if (it == index->end()) return out;
  for (const auto& id : it->second) {
    if (auto task = tasks.find(id); task != tasks.end()) out.push_back(task->second.get());
  }
  return out;
}
}  // namespace

std::vector<const TaskRecord*> ClusterState::tasks_on(std::string_view cluster,
                                                      std::string_view instance_id) const {
  const ClusterSlice* s = slice(cluster);
  return lookup(s ? &s->tasks_by_instance : nullptr, instance_id, tasks(cluster));
}

std::vector<const TaskRecord*> ClusterState::tasks_on_host(std::string_view instance_id) const {
  std::vector<const TaskRecord*> out;
  auto host = hosts_.find(instance_id);
  if (host == hosts_.end()) return out;
  for (const auto& [cluster, count] : host->second.clusters) {
    auto tasks = tasks_on(cluster, instance_id);
    out.insert(out.end(), tasks.begin(), tasks.end());
  }
  return out;
}

std::vector<const TaskRecord*> ClusterState::tasks_with_token(
    std::string_view cluster, std::string_view client_token) const {
  const ClusterSlice* s = slice(cluster);
  return lookup(s ? &s->tasks_by_token : nullptr, client_token, tasks(cluster));
}

std::vector<const TaskRecord*> ClusterState::tasks_in_group(std::string_view cluster,
                                                            std::string_view group) const {
  const ClusterSlice* s = slice(cluster);
  return lookup(s ? &s->tasks_by_group : nullptr, group, tasks(cluster));
}

std::vector<const TaskRecord*> ClusterState::tasks_started_by(
    std::string_view cluster, std::string_view started_by) const {
  const ClusterSlice* s = slice(cluster);
  return lookup(s ? &s->tasks_by_started_by : nullptr, started_by, tasks(cluster));
}


const ClusterRecord* ClusterState::cluster(std::string_view name) const {
  auto it = clusters_.find(name);
  return it == clusters_.end() ? nullptr : it->second.get();
}

const CapacityProviderRecord* ClusterState::capacity_provider(std::string_view name) const {
  auto it = capacity_providers_.find(name);
  return it == capacity_providers_.end() ? nullptr : it->second.get();
}

const RecordRef<TaskDefinitionRecord>* ClusterState::find_task_definition(
    std::string_view family, int64_t revision) const {
  auto it = families_.find(family);
  if (it == families_.end()) return nullptr;
  auto rev = it->second.find(revision);
  return rev == it->second.end() ? nullptr : &rev->second;
}

const TaskDefinitionRecord* ClusterState::task_definition(std::string_view family,
                                                          int64_t revision) const {
  const auto* found = find_task_definition(family, revision);
  return found ? found->get() : nullptr;
}

std::shared_ptr<const TaskDefinitionRecord> ClusterState::shared_task_definition(
    std::string_view family, int64_t revision) const {
  const auto* found = find_task_definition(family, revision);
  return found ? found->shared() : nullptr;
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
