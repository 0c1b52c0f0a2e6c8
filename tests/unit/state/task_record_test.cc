// How a task is stored (the compact format and the older JSON one) and how
// the cluster state indexes it as it changes in place.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "state/cluster_state.h"
#include "state/records.h"

namespace gantry::state {
namespace {

namespace json = boost::json;

constexpr std::string_view kArnPrefix = "arn:aws:ecs:us-east-1:123456789012:task/web/";

json::object task_doc(const std::string& id, const std::string& status) {
  return {{"taskArn", std::string(kArnPrefix) + id},
          {"lastStatus", status},
          {"desiredStatus", "RUNNING"},
          {"group", "family:web"},
          {"version", 3},
          {"containers", json::array{json::object{{"name", "app"}, {"lastStatus", status}}}}};
}

TaskRecord task(const std::string& id, const std::string& status, const std::string& instance) {
  Reservation reservation{256, 512, {8080}, {53}, {"GPU-0"}};
  return TaskRecord("web", task_doc(id, status), reservation, "token-1", instance);
}

void expect_same(const TaskRecord& back, const TaskRecord& task) {
  EXPECT_EQ(back.doc(), task.doc());
  EXPECT_EQ(back.arn(), task.arn());
  EXPECT_EQ(back.last_status(), task.last_status());
  EXPECT_EQ(back.desired_status(), task.desired_status());
  EXPECT_EQ(back.group(), task.group());
  EXPECT_EQ(back.version(), task.version());
  EXPECT_EQ(back.cluster, task.cluster);
  EXPECT_EQ(back.client_token, task.client_token);
  EXPECT_EQ(back.instance_id, task.instance_id);
  EXPECT_EQ(back.reservation.cpu, 256);
  EXPECT_EQ(back.reservation.memory, 512);
  EXPECT_EQ(back.reservation.tcp_ports, std::vector<int32_t>{8080});
  EXPECT_EQ(back.reservation.udp_ports, std::vector<int32_t>{53});
  EXPECT_EQ(back.reservation.gpu_ids, std::vector<std::string>{"GPU-0"});
}

TEST(TaskRecordTest, ATaskIsStoredCompressedAndComesBackWhole) {
  TaskRecord original = task("abc", "RUNNING", "i-1");
  std::string value = encode_record(original);
  EXPECT_EQ(value.front(), '\x01');  // not the JSON of older stores
  EXPECT_LT(value.size(), original.doc_text().size() + 200);
  expect_same(std::get<TaskRecord>(decode_record(task_key("web", "abc"), value)), original);
}

TEST(TaskRecordTest, AnOlderStoresJsonTaskIsRead) {
  TaskRecord original = task("abc", "PENDING", "i-1");
  json::object legacy{{"task", original.doc()},
                      {"reservation", json::object{{"cpu", 256},
                                                   {"memory", 512},
                                                   {"tcpPorts", json::array{8080}},
                                                   {"udpPorts", json::array{53}},
                                                   {"gpuIds", json::array{"GPU-0"}}}},
                      {"clientToken", "token-1"},
                      {"instanceId", "i-1"}};
  Record decoded = decode_record(task_key("web", "abc"), json::serialize(legacy));
  expect_same(std::get<TaskRecord>(decoded), original);
}

TEST(TaskRecordTest, CorruptCompactTasksAreFaults) {
  const std::string key = task_key("web", "abc");
  const std::string value = encode_record(task("abc", "RUNNING", "i-1"));
  const size_t header = 5 + static_cast<uint8_t>(value[1]);
  std::string bad_size = value;
  bad_size[4] = '\x7f';  // a header larger than the value
  std::string bad_header = value;
  bad_header[5] = 'x';
  std::string bad_doc = value;
  for (size_t i = header + 4; i < bad_doc.size(); ++i) bad_doc[i] = '\xff';
  std::string huge_doc = value;
  huge_doc[header + 3] = '\x7f';  // claims a document of about 2 GB
  for (const std::string& corrupt : {std::string("\x01"), value.substr(0, 7), bad_size, bad_header,
                                     value.substr(0, header), bad_doc, huge_doc}) {
    EXPECT_THROW(decode_record(key, corrupt), std::runtime_error)
        << json::serialize(json::string(corrupt));
  }
}

TEST(TaskIdKeyTest, OrdersAsTheStringsDo) {
  std::mt19937 random(7);
  std::vector<std::string> ids;
  const std::string alphabet = std::string("ab") + '\0' + "\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string id(random() % 12, 'a');
    for (char& c : id) c = alphabet[random() % alphabet.size()];
    ids.push_back(id);
  }
  TaskIdOrder order;
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    const std::string& a = ids[i];
    const std::string& b = ids[i + 1];
    EXPECT_EQ(order(TaskIdKey(a), TaskIdKey(b)), a < b) << i;
    EXPECT_EQ(order(TaskIdKey(b), TaskIdKey(a)), b < a) << i;
  }
}

std::vector<std::string> ids_on(const ClusterState& state, const std::string& instance) {
  std::vector<std::string> ids;
  for (const TaskRecord* t : state.tasks_on("web", instance)) ids.emplace_back(t->id());
  return ids;
}

TEST(ClusterStateTaskIndexTest, AnUpdateInPlaceMovesEveryIndexToTheNewRecord) {
  ClusterState state;
  state.apply(put_change(task_key("web", "b"), task("b", "PENDING", "i-1")));
  state.apply(put_change(task_key("web", "a"), task("a", "PENDING", "i-1")));
  // The first records are gone once replaced: the indexes must view the new ones.
  state.apply(put_change(task_key("web", "a"), task("a", "RUNNING", "i-1")));
  EXPECT_EQ(state.task("web", "a")->last_status(), "RUNNING");
  EXPECT_EQ(ids_on(state, "i-1"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(state.tasks_with_token("web", "token-1").size(), 2u);
  EXPECT_EQ(state.counts("web").running_tasks, 1);
  EXPECT_EQ(state.counts("web").pending_tasks, 1);
  EXPECT_EQ(state.holdings("i-1").cpu, 512);
  EXPECT_EQ(state.holdings("i-1").running_tasks, 1);

  state.apply(put_change(task_key("web", "b"), task("b", "RUNNING", "i-2")));  // moved
  EXPECT_EQ(ids_on(state, "i-1"), std::vector<std::string>{"a"});
  EXPECT_EQ(ids_on(state, "i-2"), std::vector<std::string>{"b"});
  EXPECT_EQ(state.holdings("i-1").cpu, 256);
  EXPECT_EQ(state.holdings("i-2").cpu, 256);

  state.apply(put_change(task_key("web", "a"), task("a", "STOPPED", "i-1")));
  EXPECT_EQ(state.holdings("i-1").cpu, 0);  // a stopped task holds nothing
  EXPECT_EQ(ids_on(state, "i-1"), std::vector<std::string>{"a"});
  state.apply(delete_change(task_key("web", "a")));
  EXPECT_TRUE(ids_on(state, "i-1").empty());
  EXPECT_EQ(state.task("web", "a"), nullptr);
  EXPECT_EQ(state.tasks("web").size(), 1u);
  EXPECT_EQ(state.counts("web").running_tasks, 1);
  EXPECT_EQ(state.counts("web").pending_tasks, 0);
}

TEST(ClusterStateHostTest, AHostHoldsTheTasksOfEveryClusterAndCountsGroupsPerCluster) {
  ClusterState state;
  ContainerInstanceRecord host{std::string(kFargatePool), {}};
  host.doc["containerInstanceArn"] =
      "arn:aws:ecs:us-east-1:123456789012:container-instance/fargate.pool/h-1";
  state.apply(put_change(container_instance_key(kFargatePool, "h-1"), host));
  auto in = [](const std::string& cluster, const std::string& id, const std::string& status) {
    Reservation reservation{256, 512, {}, {}, {}};
    return TaskRecord(cluster, task_doc(id, status), reservation, "", "h-1");
  };
  state.apply(put_change(task_key("web", "a"), in("web", "a", "RUNNING")));
  auto touched = state.apply(put_change(task_key("api", "b"), in("api", "b", "PENDING")));
  // The instance's own cluster, which its tasks' need not be.
  ASSERT_TRUE(touched);
  EXPECT_EQ(touched->cluster, kFargatePool);
  EXPECT_EQ(state.host("h-1")->cluster, kFargatePool);

  const InstanceHoldings& held = state.holdings("h-1");
  EXPECT_EQ(held.cpu, 512);
  EXPECT_EQ(held.running_tasks, 1);
  EXPECT_EQ(held.pending_tasks, 1);
  EXPECT_EQ(held.groups.at(group_key("web", "family:web")), 1);
  EXPECT_EQ(held.groups.at(group_key("api", "family:web")), 1);
  EXPECT_EQ(state.tasks_on_host("h-1").size(), 2u);
  EXPECT_EQ(state.tasks_on("web", "h-1").size(), 1u);
  EXPECT_TRUE(state.instances("web").empty());  // no instance of the clusters it serves

  state.apply(delete_change(task_key("web", "a")));
  state.apply(delete_change(task_key("api", "b")));
  EXPECT_TRUE(state.holdings("h-1").empty());
  EXPECT_TRUE(state.tasks_on_host("h-1").empty());
}

}  // namespace
}  // namespace gantry::state
