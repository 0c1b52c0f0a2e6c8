// apply_address: an awsvpc task's address shown as ECS shows it, on the ENI
// attachment and on every container.
#include <gtest/gtest.h>

#include "ecs/task_transitions.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

state::TaskRecord task_with(std::string_view attachments) {
  state::TaskRecord task;
  task.cluster = "default";
  task.set_doc(json::parse(R"({
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/default/abc",
    "lastStatus": "PENDING", "desiredStatus": "RUNNING", "version": 3,
    "attachments": )" + std::string(attachments) +
                           R"(,
    "containers": [{"name": "app", "lastStatus": "RUNNING"},
                   {"name": "sidecar", "lastStatus": "PENDING"}]})")
                   .as_object());
  return task;
}

constexpr std::string_view kEni = R"([{"id": "att-1", "type": "ElasticNetworkInterface",
    "status": "PRECREATED", "details": [{"name": "subnetId", "value": "subnet-1"}]}])";

TEST(TaskAddress, ShowsTheAddressOnTheEniAttachment) {
  auto next = apply_address(task_with(kEni), "10.0.3.7");
  ASSERT_TRUE(next);
  const auto doc = next->doc();
  const auto& details = doc.at("attachments").at(0).at("details").as_array();
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0], (json::value{{"name", "subnetId"}, {"value", "subnet-1"}}));
  EXPECT_EQ(details[1], (json::value{{"name", "privateIPv4Address"}, {"value", "10.0.3.7"}}));
  EXPECT_EQ(next->doc().at("attachments").at(0).at("status"), "PRECREATED");  // untouched
}

TEST(TaskAddress, EveryContainerGetsItsNetworkInterface) {
  auto next = apply_address(task_with(kEni), "10.0.3.7");
  ASSERT_TRUE(next);
  const json::value expected = json::array{
      json::object{{"attachmentId", "att-1"}, {"privateIpv4Address", "10.0.3.7"}}};
  const auto doc = next->doc();
  for (const auto& c : doc.at("containers").as_array()) {
    EXPECT_EQ(c.at("networkInterfaces"), expected) << c.at("name");
  }
  EXPECT_EQ(next->doc().at("containers").at(1).at("lastStatus"), "PENDING");
  EXPECT_EQ(next->cluster, "default");
}

TEST(TaskAddress, AnAttachmentWithoutDetailsGetsThem) {
  auto next = apply_address(
      task_with(R"([{"id": "att-2", "type": "ElasticNetworkInterface", "status": "ATTACHED"}])"),
      "192.168.0.9");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->doc().at("attachments").at(0).at("details"),
            (json::array{json::object{{"name", "privateIPv4Address"}, {"value", "192.168.0.9"}}}));
  EXPECT_EQ(next->doc().at("containers").at(0).at("networkInterfaces").at(0).at("attachmentId"),
            "att-2");
}

TEST(TaskAddress, OnlyTheEniAttachmentIsChanged) {
  auto next = apply_address(task_with(R"([
      {"id": "other", "type": "ServiceConnect", "details": []},
      {"id": "att-3", "type": "ElasticNetworkInterface", "details": []}])"),
                            "10.1.1.1");
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->doc().at("attachments").at(0).at("details").as_array().empty());
  EXPECT_EQ(next->doc().at("attachments").at(1).at("details").as_array().size(), 1u);
  EXPECT_EQ(next->doc().at("containers").at(1).at("networkInterfaces").at(0).at("attachmentId"),
            "att-3");
}

TEST(TaskAddress, NothingWithoutAnEniAttachment) {
  EXPECT_FALSE(apply_address(task_with("[]"), "10.0.0.1"));
  EXPECT_FALSE(apply_address(task_with(R"([{"id": "x", "type": "ServiceConnect"}])"), "10.0.0.1"));
  auto no_attachments = task_with("[]");
  auto doc = no_attachments.doc();
  doc.erase("attachments");
  no_attachments.set_doc(doc);
  EXPECT_FALSE(apply_address(no_attachments, "10.0.0.1"));
}

TEST(TaskAddress, NothingWhenTheAddressIsShownAlready) {
  auto shown = apply_address(task_with(kEni), "10.0.3.7");
  ASSERT_TRUE(shown);
  EXPECT_FALSE(apply_address(*shown, "10.0.3.7"));
  EXPECT_FALSE(apply_address(*shown, "10.0.3.8"));  // the first address stays
}

TEST(TaskAddress, LeavesTheInputAlone) {
  const auto task = task_with(kEni);
  const json::object before = task.doc();
  ASSERT_TRUE(apply_address(task, "10.0.3.7"));
  EXPECT_EQ(task.doc(), before);
}

}  // namespace
}  // namespace gantry::ecs
