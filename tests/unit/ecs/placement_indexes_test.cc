// The writer's placement index follows the draft: an instance's view
// changes with its record and with what its tasks hold, also when only
// their statuses move (the in-place path, which keeps ports and GPUs
// unless the tasks' ones changed).
#include "ecs/placement_indexes.h"

#include <gtest/gtest.h>

#include "ecs/container_instance_view.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;
using state::Change;

constexpr std::string_view kInstanceArn = "arn:aws:ecs:us-east-1:1:container-instance/web/i1";

Change instance(std::string_view status) {
  json::array resources{integer_resource("CPU", 1024), integer_resource("MEMORY", 2048),
                        string_set_resource("PORTS", json::array{"22"}),
                        string_set_resource("GPU", json::array{"GPU-0", "GPU-1"})};
  json::object doc{{"containerInstanceArn", kInstanceArn},
                   {"status", status},
                   {"registeredResources", std::move(resources)}};
  return state::put_change(state::container_instance_key("web", "i1"),
                           state::ContainerInstanceRecord{"web", std::move(doc)});
}

Change task(std::string_view id, std::string_view status, std::vector<int32_t> ports,
            std::vector<std::string> gpus) {
  json::object doc{{"taskArn", "arn:aws:ecs:us-east-1:1:task/web/" + std::string(id)},
                   {"lastStatus", status},
                   {"desiredStatus", "RUNNING"}};
  state::Reservation reservation{256, 512, std::move(ports), {}, std::move(gpus)};
  return state::put_change(state::task_key("web", id),
                           state::TaskRecord("web", doc, reservation, "", "i1"));
}

class PlacementIndexesTest : public testing::Test {
 protected:
  void apply(const Change& change) {
    if (auto touched = draft_.apply(change)) indexes_.touched(draft_, *touched);
  }
  const scheduler::InstanceView* view() { return indexes_.of(draft_, "web").find("i1"); }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
};

TEST_F(PlacementIndexesTest, AViewFollowsItsTasksAndItsRecord) {
  apply(instance("ACTIVE"));
  ASSERT_NE(view(), nullptr);
  EXPECT_EQ(view()->remaining_cpu, 1024);
  EXPECT_EQ(view()->used_tcp_ports, std::set<int32_t>{22});
  EXPECT_EQ(view()->free_gpu_ids, (std::vector<std::string>{"GPU-0", "GPU-1"}));

  apply(task("a", "PENDING", {8080}, {"GPU-1"}));
  apply(task("b", "PENDING", {}, {}));
  EXPECT_EQ(view()->remaining_cpu, 512);
  EXPECT_EQ(view()->remaining_memory, 1024);
  EXPECT_EQ(view()->used_tcp_ports, (std::set<int32_t>{22, 8080}));
  EXPECT_EQ(view()->free_gpu_ids, std::vector<std::string>{"GPU-0"});

  // Statuses alone: the counts move, the ports and GPUs stay.
  apply(task("a", "RUNNING", {8080}, {"GPU-1"}));
  EXPECT_EQ(view()->running_tasks_count, 1);
  EXPECT_EQ(view()->used_tcp_ports, (std::set<int32_t>{22, 8080}));
  EXPECT_EQ(view()->free_gpu_ids, std::vector<std::string>{"GPU-0"});

  // A stopped task gives its port and GPU back, even when its holdings'
  // record goes and another task's comes in the same batch.
  apply(task("a", "STOPPED", {8080}, {"GPU-1"}));
  apply(task("b", "STOPPED", {}, {}));
  apply(task("c", "PENDING", {}, {}));
  EXPECT_EQ(view()->remaining_cpu, 768);
  EXPECT_EQ(view()->running_tasks_count, 0);
  EXPECT_EQ(view()->used_tcp_ports, std::set<int32_t>{22});
  EXPECT_EQ(view()->free_gpu_ids, (std::vector<std::string>{"GPU-0", "GPU-1"}));

  apply(instance("DRAINING"));
  EXPECT_EQ(view()->status, "DRAINING");
  EXPECT_EQ(view()->remaining_cpu, 768);
  apply(instance("INACTIVE"));
  EXPECT_EQ(view(), nullptr);
  apply(task("c", "RUNNING", {}, {}));  // a task of a gone instance changes nothing
  EXPECT_EQ(view(), nullptr);
}

}  // namespace
}  // namespace gantry::ecs
