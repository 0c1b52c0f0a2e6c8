#pragma once
// The in-memory, indexed view of everything the control plane keeps. It is
// a materialized view of the store: applying the same changes in the same
// order to two copies yields equal views, which is what lets the writer
// keep a draft copy ahead of the published one.
#include <boost/container/flat_set.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/string_map.h"
#include "state/instance_holdings.h"
#include "state/records.h"

namespace gantry::state {

// One write: the record now under `key`, or its removal when null.
struct Change {
  std::string key;
  std::shared_ptr<const Record> record;
};

// What a cluster holds, as DescribeClusters counts it.
struct ClusterCounts {
  int64_t registered_instances = 0;
  int64_t running_tasks = 0;
  int64_t pending_tasks = 0;
  int64_t active_services = 0;    // ACTIVE: activeServicesCount
  int64_t draining_services = 0;  // DRAINING: they too keep a cluster from deletion
};

// The container instance whose record or tasks a change touched; for a
// task's change also the task as it was before (null when it is new).
struct TouchedInstance {
  std::string cluster;
  std::string instance_id;
  std::shared_ptr<const TaskRecord> previous_task;
  bool own_record = false;  // the change was to the instance's record
  bool connection_only = false;  // ... and changed its agentConnected alone
};

// A task id as the ordered task maps key it: its first sixteen bytes are
// kept inline as two big-endian numbers, so that most comparisons read
// nothing beyond the tree node (ids begin with their creation time, then
// random digits). Ordered as the strings are.
struct TaskIdKey {
  TaskIdKey(std::string_view id);  // NOLINT: a string_view finds a task
  uint64_t high;
  uint64_t low;
  std::string_view id;
};

struct TaskIdOrder {
  bool operator()(const TaskIdKey& a, const TaskIdKey& b) const {
    if (a.high != b.high) return a.high < b.high;
    return a.low != b.low ? a.low < b.low : a.id < b.id;
  }
};

class ClusterState {
 public:
  template <class T>
  using ByName = std::map<std::string, RecordRef<T>, std::less<>>;
  using Revisions = std::map<int64_t, RecordRef<TaskDefinitionRecord>>;
  // Tasks by id; the keys view the records' own ARNs (no copy per task).
  using TasksById = std::map<TaskIdKey, RecordRef<TaskRecord>, TaskIdOrder>;
  // A STOPPED task with a stoppedAt, viewing the record's id.
  struct StoppedTask {
    core::SystemTime stopped_at;
    std::string_view id;
    auto operator<=>(const StoppedTask&) const = default;
  };
  using StoppedTasks = std::set<StoppedTask>;

  // What applying a change did: the instance it touched, if any (its own
  // record, or one of its tasks), and the record the key held before.
  struct Applied {
    std::optional<TouchedInstance> touched;
    std::shared_ptr<const Record> before;  // null: the key was new
  };
  Applied apply_change(const Change& change);
  std::optional<TouchedInstance> apply(const Change& change) { return apply_change(change).touched; }

  const ClusterRecord* cluster(std::string_view name) const;
  const ByName<ClusterRecord>& clusters() const { return clusters_; }
  ClusterCounts counts(std::string_view cluster) const;

  // Container instances and tasks of a cluster, by id.
  const ByName<ContainerInstanceRecord>& instances(std::string_view cluster) const;
  const ContainerInstanceRecord* instance(std::string_view cluster, std::string_view id) const;
  const TasksById& tasks(std::string_view cluster) const;
  const TaskRecord* task(std::string_view cluster, std::string_view id) const;
  // A cluster's stopped tasks, the earliest stop first: what expires next.
  const StoppedTasks& stopped_tasks(std::string_view cluster) const;
  // The cluster's tasks placed on an instance, stopped ones included until
  // they expire.
  std::vector<const TaskRecord*> tasks_on(std::string_view cluster,
                                          std::string_view instance_id) const;

  // Hosts: the machines behind container instances, by instance id (ids
  // are unique across clusters). A FARGATE host serves the tasks of every
  // cluster, so what a host holds is counted across clusters.
  // The instance's record, whichever cluster (or the FARGATE pool) has it.
  const ContainerInstanceRecord* host(std::string_view instance_id) const;
  const core::StringMap<const ContainerInstanceRecord*>& hosts() const { return host_records_; }
  // What the host's unstopped tasks hold (empty when none).
  const InstanceHoldings& holdings(std::string_view instance_id) const;
  // Every cluster's tasks placed on the host, stopped ones included until
  // they expire.
  std::vector<const TaskRecord*> tasks_on_host(std::string_view instance_id) const;
  // The tasks a RunTask with this clientToken created.
  std::vector<const TaskRecord*> tasks_with_token(std::string_view cluster,
                                                  std::string_view client_token) const;
  // The tasks of a group ("service:<name>", "family:<family>", ...) and
  // those with a startedBy, stopped ones included until they expire; in id
  // order, as tasks() is.
  std::vector<const TaskRecord*> tasks_in_group(std::string_view cluster,
                                                std::string_view group) const;
  std::vector<const TaskRecord*> tasks_started_by(std::string_view cluster,
                                                  std::string_view started_by) const;

  // A cluster's services by name, INACTIVE ones included until re-created.
  const ByName<ServiceRecord>& services(std::string_view cluster) const;
  const ServiceRecord* service(std::string_view cluster, std::string_view name) const;

  // A cluster's recovering jobs by id, finished ones included.
  const ByName<JobRecord>& jobs(std::string_view cluster) const;
  const JobRecord* job(std::string_view cluster, std::string_view id) const;

  const TaskDefinitionRecord* task_definition(std::string_view family, int64_t revision) const;
  // The same record, shared: for a caller that holds it past this view.
  std::shared_ptr<const TaskDefinitionRecord> shared_task_definition(std::string_view family,
                                                                     int64_t revision) const;
  // The highest ACTIVE revision of a family, as DescribeTaskDefinition
  // resolves a bare family name.
  const TaskDefinitionRecord* latest_active(std::string_view family) const;
  // The highest revision ever registered in a family (0 when none):
  // revisions are never reused, even after deletion.
  int64_t last_revision(std::string_view family) const;
  const std::map<std::string, Revisions, std::less<>>& families() const { return families_; }

  // Capacity providers made with CreateCapacityProvider, INACTIVE ones
  // included until re-created (the built-in FARGATE ones have no record).
  const CapacityProviderRecord* capacity_provider(std::string_view name) const;
  const ByName<CapacityProviderRecord>& capacity_providers() const { return capacity_providers_; }

  // Account settings keyed by (name, principalArn); "" is the account default.
  using SettingKey = std::pair<std::string, std::string>;
  const std::map<SettingKey, RecordRef<AccountSettingRecord>>& account_settings()
      const {
    return account_settings_;
  }

 private:
  struct ClusterSlice {
    ByName<ContainerInstanceRecord> instances;
    ByName<ServiceRecord> services;
    ByName<JobRecord> jobs;
    // The same records by id, for lookups, which need no order.
    core::StringMap<const ContainerInstanceRecord*> instances_by_id;
    TasksById tasks;
    // Task ids (viewing the records, as the keys of `tasks` do).
    // Sorted arrays: an instance's few hundred ids in a handful of cache
    // lines, and new ids (they begin with their creation time) go last.
    using TaskIds = boost::container::flat_set<TaskIdKey, TaskIdOrder>;
    core::StringMap<TaskIds> tasks_by_instance;
    core::StringMap<TaskIds> tasks_by_token;
    core::StringMap<TaskIds> tasks_by_group;
    core::StringMap<TaskIds> tasks_by_started_by;
    StoppedTasks stopped;
    int64_t running_tasks = 0;
    int64_t pending_tasks = 0;
  };
  const ClusterSlice* slice(std::string_view cluster) const;
  const RecordRef<TaskDefinitionRecord>* find_task_definition(std::string_view family,
                                                                          int64_t revision) const;
  // Moves a task in the indexes from `before` to `after` (either null: the
  // task is new, or gone).
  void index_task(ClusterSlice& slice, const TaskRecord* before, const TaskRecord* after);

  // What a host's tasks hold, and how many of them each cluster has there.
  struct HostTasks {
    InstanceHoldings holdings;
    std::map<std::string, int64_t, std::less<>> clusters;
  };
  void count_on_host(const TaskRecord& task, int64_t sign);

  ByName<ClusterRecord> clusters_;
  core::StringMap<const ContainerInstanceRecord*> host_records_;
  core::StringMap<HostTasks> hosts_;
  std::map<std::string, ClusterSlice, std::less<>> slices_;
  std::map<std::string, Revisions, std::less<>> families_;
  std::map<SettingKey, RecordRef<AccountSettingRecord>> account_settings_;
  ByName<CapacityProviderRecord> capacity_providers_;
};

// Helpers for building changes from records.
Change put_change(std::string key, Record record);
Change delete_change(std::string key);

}  // namespace gantry::state
