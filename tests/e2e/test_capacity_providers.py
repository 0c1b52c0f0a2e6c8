"""Capacity providers end to end: CreateCapacityProvider,
DescribeCapacityProviders, UpdateCapacityProvider, DeleteCapacityProvider,
their tags, clusters and services that use them, and an agent registered
with --capacity-provider, through boto3 and the aws cli against a real
gantry."""
import unittest

import botocore.loaders

from cluster_processes import GantryAgent
from gantry_process import ACCOUNT_ID, GantryTestCase, REGION

BUILT_INS = ["FARGATE", "FARGATE_SPOT"]


def provider_arn(name):
    return "arn:aws:ecs:%s:%s:capacity-provider/%s" % (REGION, ACCOUNT_ID, name)


def group_arn(name):
    return ("arn:aws:autoscaling:%s:%s:autoScalingGroup:0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6:"
            "autoScalingGroupName/%s" % (REGION, ACCOUNT_ID, name))


def every_member(shape_name):
    """botocore's members of a shape, as the model has them."""
    model = botocore.loaders.Loader().load_service_model("ecs", "service-2")
    return set(model["shapes"][shape_name]["members"])


class CapacityProviderTest(GantryTestCase):

    def create(self, name, **group):
        group.setdefault("autoScalingGroupArn", group_arn(name))
        return self.ecs.create_capacity_provider(
            name=name, autoScalingGroupProvider=group)["capacityProvider"]

    def describe(self, *names, **kwargs):
        return self.ecs.describe_capacity_providers(capacityProviders=list(names), **kwargs)

    def test_every_member_round_trips(self):
        name = self.unique("rt")
        group = {
            "autoScalingGroupArn": group_arn(name),
            "managedScaling": {"status": "ENABLED", "targetCapacity": 75,
                               "minimumScalingStepSize": 2, "maximumScalingStepSize": 20,
                               "instanceWarmupPeriod": 120},
            "managedTerminationProtection": "ENABLED",
            "managedDraining": "DISABLED",
        }
        tags = [{"key": "team", "value": "ml"}]
        created = self.ecs.create_capacity_provider(
            name=name, autoScalingGroupProvider=group, tags=tags)["capacityProvider"]
        self.assertEqual(created["autoScalingGroupProvider"], group)
        self.assertEqual(created["capacityProviderArn"], provider_arn(name))
        self.assertEqual(created["status"], "ACTIVE")
        self.assertEqual(created["type"], "EC2_AUTOSCALING")
        self.assertIn("not acted on", created["updateStatusReason"])
        self.assertEqual(created["tags"], tags)
        # Every member botocore knows of but the Managed Instances ones.
        shown = set(created) | {"cluster", "managedInstancesProvider", "updateStatus"}
        self.assertEqual(shown, every_member("CapacityProvider"))
        self.assertEqual(set(group), every_member("AutoScalingGroupProvider"))
        self.assertEqual(set(group["managedScaling"]), every_member("ManagedScaling"))
        described = self.describe(name, include=["TAGS"])["capacityProviders"]
        self.assertEqual(described, [created])

    def test_defaults_and_the_aws_cli(self):
        name = self.unique("cli")
        created = self.assertCliOk(self.gantry.aws(
            "create-capacity-provider", "--name", name,
            "--auto-scaling-group-provider", "autoScalingGroupArn=%s" % group_arn(name)))
        group = created["capacityProvider"]["autoScalingGroupProvider"]
        self.assertEqual(group["managedScaling"], {
            "status": "DISABLED", "targetCapacity": 100, "minimumScalingStepSize": 1,
            "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 300})
        self.assertEqual(group["managedTerminationProtection"], "DISABLED")
        self.assertEqual(group["managedDraining"], "ENABLED")
        listed = self.assertCliOk(self.gantry.aws("describe-capacity-providers"))
        names = [p["name"] for p in listed["capacityProviders"]]
        self.assertEqual(names[:2], BUILT_INS)
        self.assertIn(name, names)
        self.assertCliFailed(self.gantry.aws(
            "create-capacity-provider", "--name", "fargate-" + name,
            "--auto-scaling-group-provider", "autoScalingGroupArn=x"),
            "InvalidParameterException")

    def test_refusals(self):
        name = self.unique("dup")
        self.create(name)
        response = self.assertClientError("ClientException", self.create, name,
                                          autoScalingGroupArn=group_arn(name + "-other"))
        self.assertIn("already exists", response["Error"]["Message"])
        self.assertClientError("ClientException", self.create, name + "-other",
                               autoScalingGroupArn=group_arn(name))
        for reserved in ("aws" + name, "ECS" + name, "Fargate" + name):
            self.assertClientError("InvalidParameterException", self.create, reserved)
        self.assertClientError("InvalidParameterException",
                               self.ecs.delete_capacity_provider, capacityProvider="FARGATE")

    def test_describe_built_ins_missing_and_pages(self):
        for i in range(3):
            self.create(self.unique("page"))
        answer = self.describe("FARGATE", provider_arn("FARGATE_SPOT"), "nope")
        self.assertEqual([p["name"] for p in answer["capacityProviders"]], BUILT_INS)
        self.assertEqual(answer["capacityProviders"][0],
                         {"capacityProviderArn": provider_arn("FARGATE"), "name": "FARGATE",
                          "status": "ACTIVE", "tags": [], "type": "FARGATE"})
        self.assertEqual(answer["failures"], [{"arn": provider_arn("nope"), "reason": "MISSING"}])
        pages, token = [], None
        while True:
            kwargs = {"maxResults": 2}
            if token:
                kwargs["nextToken"] = token
            page = self.ecs.describe_capacity_providers(**kwargs)
            self.assertLessEqual(len(page["capacityProviders"]), 2)
            pages += [p["name"] for p in page["capacityProviders"]]
            token = page.get("nextToken")
            if not token:
                break
        everything = [p["name"] for p in self.ecs.describe_capacity_providers()["capacityProviders"]]
        self.assertEqual(pages[:2], BUILT_INS)
        self.assertEqual(len(pages), len(set(pages)))
        self.assertGreaterEqual(len(pages), 5)
        self.assertEqual(pages[:10], everything[:10])

    def test_update(self):
        name = self.unique("upd")
        self.create(name)
        updated = self.ecs.update_capacity_provider(
            name=name, autoScalingGroupProvider={
                "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
                "managedTerminationProtection": "ENABLED"})["capacityProvider"]
        self.assertEqual(updated["updateStatus"], "UPDATE_COMPLETE")
        group = updated["autoScalingGroupProvider"]
        self.assertEqual(group["managedScaling"]["status"], "ENABLED")
        self.assertEqual(group["managedScaling"]["targetCapacity"], 90)
        self.assertEqual(group["managedScaling"]["instanceWarmupPeriod"], 300)
        self.assertEqual(group["managedTerminationProtection"], "ENABLED")
        self.assertEqual(self.describe(name)["capacityProviders"], [updated])
        self.assertClientError("ClientException", self.ecs.update_capacity_provider,
                               name="nope-" + name, autoScalingGroupProvider={})

    def test_delete_then_inactive(self):
        name = self.unique("del")
        self.create(name)
        deleted = self.ecs.delete_capacity_provider(capacityProvider=provider_arn(name))
        self.assertEqual(deleted["capacityProvider"]["status"], "INACTIVE")
        self.assertEqual(deleted["capacityProvider"]["updateStatus"], "DELETE_COMPLETE")
        self.assertEqual(self.describe(name)["capacityProviders"][0]["status"], "INACTIVE")
        everything = self.ecs.describe_capacity_providers(maxResults=10)
        self.assertNotIn(name, [p["name"] for p in everything["capacityProviders"]])
        self.assertClientError("InvalidParameterException", self.ecs.create_cluster,
                               clusterName=self.unique("c"), capacityProviders=[name])

    def test_a_cluster_with_a_created_provider_and_the_in_use_refusals(self):
        name = self.unique("used")
        self.create(name)
        cluster = self.unique("cp-cluster")
        strategy = [{"capacityProvider": name, "weight": 1, "base": 1}]
        created = self.ecs.create_cluster(clusterName=cluster,
                                          capacityProviders=[name, "FARGATE"],
                                          defaultCapacityProviderStrategy=strategy)["cluster"]
        self.assertEqual(created["capacityProviders"], [name, "FARGATE"])
        self.assertEqual(created["defaultCapacityProviderStrategy"], strategy)
        failed = self.ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
        self.assertEqual(failed["status"], "ACTIVE")
        self.assertEqual(failed["updateStatus"], "DELETE_FAILED")
        self.assertEqual(failed["updateStatusReason"],
                         "The capacity provider cannot be deleted because it is associated "
                         "with cluster: %s. Remove the capacity provider from the cluster and "
                         "try again." % cluster)
        self.ecs.register_task_definition(
            family=self.unique("cp-td"),
            containerDefinitions=[{"name": "main", "image": "busybox", "memory": 64,
                                   "command": ["sleep", "600"]}])
        family = self.ecs.list_task_definitions()["taskDefinitionArns"][-1]
        self.ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=family,
                                desiredCount=0,
                                capacityProviderStrategy=[{"capacityProvider": name,
                                                           "weight": 1}])
        response = self.assertClientError(
            "ResourceInUseException", self.ecs.put_cluster_capacity_providers, cluster=cluster,
            capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[])
        self.assertEqual(response["Error"]["Message"],
                         "The specified capacity provider is in use and cannot be removed.")
        self.ecs.delete_service(cluster=cluster, service="web", force=True)
        self.ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE"],
                                                defaultCapacityProviderStrategy=[])
        done = self.ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
        self.assertEqual(done["status"], "INACTIVE")

    def test_tags(self):
        name = self.unique("tag")
        arn = self.create(name)["capacityProviderArn"]
        self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"},
                                                      {"key": "b", "value": "2"}])
        self.ecs.untag_resource(resourceArn=arn, tagKeys=["a"])
        self.assertEqual(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"key": "b", "value": "2"}])
        self.assertEqual(self.describe(name)["capacityProviders"][0]["tags"], [])
        self.assertEqual(self.describe(name, include=["TAGS"])["capacityProviders"][0]["tags"],
                         [{"key": "b", "value": "2"}])

    def test_an_agent_of_a_provider_shows_its_name_and_takes_the_providers_tasks(self):
        name = self.unique("agents")
        self.create(name)
        cluster = self.unique("agent-cluster")
        self.ecs.create_cluster(clusterName=cluster, capacityProviders=[name, "FARGATE"])
        agent = GantryAgent(self.gantry, cluster, extra_args=["--capacity-provider", name])
        other = GantryAgent(self.gantry, cluster)  # an instance of no provider
        try:
            agent.start()
            other.start()
            instance = self.ecs.describe_container_instances(
                cluster=cluster, containerInstances=[agent.instance_arn])["containerInstances"][0]
            self.assertEqual(instance["capacityProviderName"], name)

            family = self.unique("provider-task")
            self.ecs.register_task_definition(family=family, containerDefinitions=[{
                "name": "main", "image": "busybox", "memory": 16, "essential": True,
                "entryPoint": ["/bin/sh", "-c"], "command": ["sleep 600"]}])
            ran = self.ecs.run_task(cluster=cluster, taskDefinition=family, count=4,
                                    capacityProviderStrategy=[{"capacityProvider": name,
                                                               "weight": 1}])
            self.assertEqual(ran["failures"], [], ran)
            for task in ran["tasks"]:
                self.ecs.stop_task(cluster=cluster, task=task["taskArn"])
            self.assertEqual({(t["containerInstanceArn"], t["launchType"],
                               t["capacityProviderName"]) for t in ran["tasks"]},
                             {(agent.instance_arn, "EC2", name)})
            self.assertClientError(
                "InvalidParameterException", self.ecs.run_task, cluster=cluster,
                taskDefinition=family, capacityProviderStrategy=[
                    {"capacityProvider": name, "weight": 1},
                    {"capacityProvider": "FARGATE", "weight": 1}])
        finally:
            agent.cleanup()
            other.cleanup()

if __name__ == "__main__":
    unittest.main()
