// An agent's GPU health report: kept on its instance (and across the store's
// encoding), shown as ECS's ACCELERATED_COMPUTE health check, and read by
// placement, which gives out no unhealthy GPU.
#include "ecs/gpu_health_report.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "ecs/container_instance_health.h"
#include "ecs/container_instance_view.h"
#include "ecs/placement_indexes.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

model::GpuHealth healthy(std::string uuid) { return {.uuid = std::move(uuid), .changed_at = 10}; }

model::GpuHealth faulty(std::string uuid, int xid, double at) {
  return {.uuid = std::move(uuid),
          .health_status = std::string(model::kGpuUnhealthy),
          .reason = "XID_" + std::to_string(xid),
          .message = "XID " + std::to_string(xid),
          .action = "RESET_GPU",
          .last_xid = xid,
          .changed_at = at};
}

class GpuHealthReportTest : public testing::Test {
 protected:
  GpuHealthReportTest() {
    json::array resources{integer_resource("CPU", 1024), integer_resource("MEMORY", 2048),
                          string_set_resource("GPU", json::array{"GPU-0", "GPU-1"})};
    json::object doc{{"containerInstanceArn", "arn:aws:ecs:us-east-1:1:container-instance/web/i1"},
                     {"status", "ACTIVE"},
                     {"agentConnected", true},
                     {"registeredResources", std::move(resources)}};
    apply({state::put_change(state::container_instance_key("web", "i1"),
                             state::ContainerInstanceRecord{"web", std::move(doc)})});
  }
  Context context() {
    return {draft_, indexes_, *ids_, core::from_epoch_seconds(50), "1", "us-east-1"};
  }
  size_t apply(const std::vector<state::Change>& changes) {
    for (const auto& change : changes) {
      if (auto touched = draft_.apply(change)) indexes_.touched(draft_, *touched);
    }
    return changes.size();
  }
  size_t report(std::vector<model::GpuHealth> gpus) {
    return apply(report_gpu_health(context(), {"web", "i1", std::move(gpus)}));
  }
  const state::ContainerInstanceRecord& record() { return *draft_.instance("web", "i1"); }
  std::vector<std::string> free_gpus() {
    return indexes_.of(draft_, "web").find("i1")->free_gpu_ids;
  }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(1);
};

TEST_F(GpuHealthReportTest, AnInstanceWithoutAReportHasNoAcceleratedComputeCheck) {
  json::object health = instance_health(record(), true);
  EXPECT_EQ(health.at("overallStatus"), "OK");
  EXPECT_EQ(health.at("details").as_array().size(), 1u);
  EXPECT_EQ(health.at("details").at(0).at("type"), "CONTAINER_RUNTIME");
  EXPECT_EQ(instance_health(record(), false).at("overallStatus"), "INSUFFICIENT_DATA");
}

TEST_F(GpuHealthReportTest, AHealthyReportIsAnOkCheck) {
  EXPECT_EQ(report({healthy("GPU-0"), healthy("GPU-1")}), 1u);
  json::object health = instance_health(record(), true);
  EXPECT_EQ(health.at("overallStatus"), "OK");
  const json::value& detail = health.at("details").at(1);
  EXPECT_EQ(detail.at("type"), "ACCELERATED_COMPUTE");
  EXPECT_EQ(detail.at("status"), "OK");
  EXPECT_EQ(detail.at("lastUpdated").to_number<double>(), 50);
  EXPECT_EQ(free_gpus(), (std::vector<std::string>{"GPU-0", "GPU-1"}));
  // The same report again writes nothing.
  EXPECT_EQ(report({healthy("GPU-0"), healthy("GPU-1")}), 0u);
}

TEST_F(GpuHealthReportTest, AnUnhealthyGpuImpairsTheInstanceAndLeavesPlacement) {
  report({healthy("GPU-0"), faulty("GPU-1", 79, 42)});
  json::object health = instance_health(record(), true);
  EXPECT_EQ(health.at("overallStatus"), "IMPAIRED");
  const json::value& detail = health.at("details").at(1);
  EXPECT_EQ(detail.at("status"), "IMPAIRED");
  EXPECT_EQ(detail.at("statusReason"), "XID_79");
  EXPECT_EQ(detail.at("lastStatusChange").to_number<double>(), 42);
  EXPECT_EQ(free_gpus(), std::vector<std::string>{"GPU-0"});
  // remainingResources does not list it either; registeredResources does.
  json::object rendered =
      render_container_instance(record(), usage_of(draft_, record()), true, false);
  EXPECT_EQ(rendered.at("remainingResources").at(4).at("stringSetValue"), json::array{"GPU-0"});
  EXPECT_EQ(registered_strings(record().doc, "GPU").size(), 2u);
  // Disconnected, the fault is still shown.
  EXPECT_EQ(instance_health(record(), false).at("overallStatus"), "IMPAIRED");
}

TEST_F(GpuHealthReportTest, TheEarliestFaultIsTheReason) {
  report({faulty("GPU-0", 48, 30), faulty("GPU-1", 79, 20)});
  EXPECT_EQ(instance_health(record(), true).at("details").at(1).at("statusReason"), "XID_79");
  EXPECT_TRUE(free_gpus().empty());
}

TEST_F(GpuHealthReportTest, GpusTheInstanceDidNotRegisterAreIgnored) {
  EXPECT_EQ(report({faulty("GPU-9", 79, 1)}), 0u);
  EXPECT_TRUE(record().gpu_health.empty());
  EXPECT_EQ(report({faulty("GPU-9", 79, 1), faulty("GPU-0", 79, 1)}), 1u);
  ASSERT_EQ(record().gpu_health.size(), 1u);
  EXPECT_EQ(record().gpu_health.at(0).at("uuid"), "GPU-0");
}

TEST_F(GpuHealthReportTest, AMissingInstanceChangesNothing) {
  EXPECT_TRUE(report_gpu_health(context(), {"web", "gone", {faulty("GPU-0", 79, 1)}}).empty());
}

TEST_F(GpuHealthReportTest, TheHealthSurvivesTheStoresEncodingApartFromTheDocument) {
  report({healthy("GPU-0"), faulty("GPU-1", 79, 42)});
  std::string key = state::container_instance_key("web", "i1");
  std::string stored = state::encode_record(state::Record(record()));
  auto decoded = std::get<state::ContainerInstanceRecord>(state::decode_record(key, stored));
  EXPECT_EQ(decoded.doc, record().doc);
  EXPECT_FALSE(decoded.doc.contains(state::kGpuHealthMember));
  EXPECT_EQ(decoded.gpu_health, record().gpu_health);
  EXPECT_TRUE(decoded.gpu_unhealthy("GPU-1"));
  EXPECT_FALSE(decoded.gpu_unhealthy("GPU-0"));
  // A record without a report encodes as the document alone, as before.
  state::ContainerInstanceRecord plain{"web", record().doc};
  EXPECT_EQ(state::encode_record(state::Record(plain)), json::serialize(record().doc));
}

TEST(GpuHealthMessageTest, RoundTripsAndRejectsOtherShapes) {
  std::vector<model::GpuHealth> gpus{healthy("GPU-0"), faulty("GPU-1", 79, 42)};
  EXPECT_EQ(model::parse_gpu_health(model::gpu_health_message(gpus)), gpus);
  EXPECT_THROW(model::parse_gpu_health(json::object{{"type", "stats"}}), std::runtime_error);
  EXPECT_THROW(model::parse_gpu_health(json::object{{"type", "gpuHealth"}, {"gpus", 1}}),
               std::runtime_error);
  EXPECT_THROW(model::parse_gpu_health(
                   json::object{{"type", "gpuHealth"}, {"gpus", json::array{json::object{}}}}),
               std::runtime_error);
  EXPECT_THROW(model::parse_gpu_health(json::object{
                   {"type", "gpuHealth"},
                   {"gpus", json::array{json::object{{"uuid", "G"}, {"healthStatus", "MEH"}}}}}),
               std::runtime_error);
}

}  // namespace
}  // namespace gantry::ecs
