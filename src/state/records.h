#pragma once
// The records the control plane keeps, each stored under one key as the
// JSON document ECS would return for it (minus the members derived at read
// time, such as a cluster's task counts). Keeping the wire shape means every
// member a client sent round-trips exactly, also those gantry does not act
// on yet.
#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "state/compact_text.h"
#include "state/record_keys.h"

namespace gantry::state {

struct ClusterRecord {
  boost::json::object doc;  // the ECS Cluster shape, including "tags"
  std::string name() const;
  bool active() const;
};

struct TaskDefinitionRecord {
  boost::json::object doc;   // the ECS TaskDefinition shape
  boost::json::array tags;   // ECS returns these beside the definition
  std::string family() const;
  int64_t revision() const;
  std::string status() const;
};

struct AccountSettingRecord {
  std::string principal_arn;  // empty: the account default
  std::string name;
  std::string value;
};

// A registered node: the ECS ContainerInstance shape minus what is derived
// at read time (remainingResources, task counts, healthStatus). agentConnected
// is kept: the agent channel sets it when an agent connects and when it goes.
// gpu_health: each GPU's as its agent last reported it (model/gpu_health's
// documents; empty: no report), stored beside the document under
// kGpuHealthMember. gpu_requests: what the control plane asks of its GPUs
// and the agent has not answered yet (model/gpu_requests' documents, each
// with "job" when a job's recovery asked: "<cluster>/<job id>"), under
// kGpuRequestsMember.
struct ContainerInstanceRecord {
  std::string cluster;
  boost::json::object doc;
  boost::json::array gpu_health;
  boost::json::array gpu_requests;
  std::string arn() const;
  std::string id() const;  // the last segment of the ARN
  std::string status() const;
  bool agent_connected() const;  // false when the record never said
  // Out of service: its agent reports it UNHEALTHY, or a hold on it is still
  // on its way to the agent (model/gpu_requests.h), so that nothing lands on
  // a GPU a diagnostic task has just failed.
  bool gpu_unhealthy(std::string_view uuid) const;
};
// Not ECS member names, so they cannot meet one.
inline constexpr std::string_view kGpuHealthMember = "gantry:gpuHealth";
inline constexpr std::string_view kGpuRequestsMember = "gantry:gpuRequests";

// A service: the ECS Service shape as DescribeServices returns it, minus
// what is derived at read time (the service's and each deployment's
// runningCount and pendingCount, counted from the tasks), "tags" included.
// `request` is the CreateService request that made it, without clientToken
// and cluster: a repeated create is idempotent only when it is identical.
struct ServiceRecord {
  std::string cluster;
  boost::json::object doc;
  std::string client_token;  // empty when the create had none
  boost::json::object request;
  // The scheduler's own memory, not ECS's to show: by deployment id, the
  // stop time of the last failure its failedTasks counted.
  boost::json::object scheduler;
  std::string name() const;
  std::string arn() const;
  std::string status() const;  // ACTIVE | DRAINING | INACTIVE
};

// A capacity provider made with CreateCapacityProvider: the ECS
// CapacityProvider shape, "tags" included. Capacity providers belong to the
// account and region, not to a cluster; FARGATE and FARGATE_SPOT are built
// in and have no record.
struct CapacityProviderRecord {
  boost::json::object doc;
  std::string name() const;
  std::string status() const;  // ACTIVE | INACTIVE
};

// A multi-node job that recovers by itself (gantry's own, not ECS's): the
// tasks one RunTask started with the tag gantry:recovery = job. `doc` is
// the Job shape DescribeJobs returns (ecs/jobs.h names its members);
// `request` is the RunTask request that made it, without clientToken, so
// that a restart launches the same tasks again.
struct JobRecord {
  std::string cluster;
  boost::json::object doc;
  boost::json::object request;
  std::string id() const;
  std::string arn() const;
  std::string status() const;
};

// What a task holds on its container instance until it is STOPPED.
struct Reservation {
  int64_t cpu = 0;
  int64_t memory = 0;
  std::vector<int32_t> tcp_ports;
  std::vector<int32_t> udp_ports;
  std::vector<std::string> gpu_ids;
};

// A task: the ECS Task shape (including "tags"), its placement, its
// reservation and the clientToken that made it (RunTask's idempotency).
// The document is kept as its JSON text, compressed, with the members read
// on every change beside it: a parsed document costs several times the
// memory, and the control plane keeps a million tasks.
class TaskRecord {
 public:
  TaskRecord() = default;
  TaskRecord(std::string cluster, const boost::json::object& doc, Reservation reservation,
             std::string client_token, std::string instance_id);
  // From a stored, compressed document; throws std::runtime_error when it
  // is not a task's.
  TaskRecord(std::string cluster, CompactText doc, Reservation reservation,
             std::string client_token, std::string instance_id);

  // Parsed anew on each call, into `storage` (see DocScratch).
  boost::json::object doc(boost::json::storage_ptr storage = {}) const;
  std::string doc_text() const { return doc_.text(); }
  const CompactText& compact_doc() const { return doc_; }
  void set_doc(const boost::json::object& doc);

  const std::string& arn() const { return arn_; }
  std::string_view id() const;  // the last segment of the ARN
  // Empty when the document names no task status.
  std::string_view last_status() const { return last_status_; }
  std::string_view desired_status() const { return desired_status_; }
  const std::string& group() const { return group_; }
  const std::string& started_by() const { return started_by_; }  // empty when none
  int64_t version() const { return version_; }
  // The document's stoppedAt, when it has one (the reaper's clock).
  std::optional<core::SystemTime> stopped_at() const;

  std::string cluster;
  Reservation reservation;
  std::string client_token;
  // The instance the task is placed on. EC2 tasks also name it in the doc;
  // FARGATE tasks do not show it, as on ECS.
  std::string instance_id;

 private:
  void read_members(const boost::json::object& doc);

  CompactText doc_;
  std::string arn_;
  std::string_view last_status_;  // views model::kTaskStatusNames
  std::string_view desired_status_;
  std::string group_;
  std::string started_by_;
  int64_t version_ = 0;
  core::SystemTime stopped_at_{};  // the epoch: none
};

// Memory for a document read and dropped within one call: a stack buffer,
// then the heap, all of it released at once. Values copied out of such a
// document must be copied into other storage.
class DocScratch {
 public:
  boost::json::storage_ptr storage() { return &resource_; }

 private:
  unsigned char buffer_[16384];
  boost::json::monotonic_resource resource_{buffer_, sizeof buffer_};
};

using Record = std::variant<ClusterRecord, TaskDefinitionRecord, AccountSettingRecord,
                            ContainerInstanceRecord, TaskRecord, ServiceRecord,
                            CapacityProviderRecord, JobRecord>;

// A record as the views hold it: the shared Record a change put there, seen
// as its kind. Sharing the Record itself (not an alias of its alternative)
// is what lets a view hand the record it replaced to the event log.
template <class T>
class RecordRef {
 public:
  RecordRef() = default;
  explicit RecordRef(std::shared_ptr<const Record> record) : record_(std::move(record)) {}
  const T* get() const { return record_ ? std::get_if<T>(record_.get()) : nullptr; }
  const T* operator->() const { return get(); }
  const T& operator*() const { return *get(); }
  explicit operator bool() const { return record_ != nullptr; }
  const std::shared_ptr<const Record>& record() const { return record_; }
  // The typed record, sharing the Record's ownership.
  std::shared_ptr<const T> shared() const {
    return record_ ? std::shared_ptr<const T>(record_, get()) : nullptr;
  }

 private:
  std::shared_ptr<const Record> record_;
};

// Whether a change from `before` to `after` is a container instance's
// agentConnected alone (what it registered is the same).
bool only_agent_connection_changed(const Record* before, const Record* after);

std::string encode_record(const Record& record);
// Throws std::runtime_error when the stored bytes cannot be a record of the
// kind its key names (a corrupt store is a fault, not a client error).
Record decode_record(std::string_view key, std::string_view value);

}  // namespace gantry::state
