"""Services end to end, as records: CreateService, UpdateService,
DeleteService, DescribeServices, ListServices, ListServicesByNamespace, the
service deployment views, tags and DeleteCluster, through boto3 and the aws
cli against a real gantry. Nothing here depends on tasks running: the
service controller that starts them is tested on its own."""
import re
import unittest

from gantry_process import ACCOUNT_ID, GantryTestCase, REGION

DEPLOYMENT_ID = re.compile(r"^ecs-svc/[1-9][0-9]{18}$")
# Members of botocore's Service shape that ECS computes for every service.
COMPUTED = ("serviceArn", "serviceName", "clusterArn", "loadBalancers", "serviceRegistries",
            "status", "desiredCount", "runningCount", "pendingCount", "launchType",
            "taskDefinition", "deploymentConfiguration", "deployments", "events", "createdAt",
            "placementConstraints", "placementStrategy", "schedulingStrategy",
            "deploymentController", "createdBy", "enableECSManagedTags", "propagateTags",
            "enableExecuteCommand", "availabilityZoneRebalancing", "currentServiceDeployment",
            "currentServiceRevisions")
DEPLOYMENT_COMPUTED = ("id", "status", "taskDefinition", "desiredCount", "pendingCount",
                       "runningCount", "failedTasks", "createdAt", "updatedAt", "launchType",
                       "rolloutState", "rolloutStateReason")


def arn(kind, rest):
    return "arn:aws:ecs:%s:%s:%s/%s" % (REGION, ACCOUNT_ID, kind, rest)


class ServiceTest(GantryTestCase):

    def setUp(self):
        self.cluster = self.unique("svc")
        self.ecs.create_cluster(clusterName=self.cluster)
        self.family = self.unique("web")
        for _ in range(2):
            self.ecs.register_task_definition(
                family=self.family,
                containerDefinitions=[{"name": "app", "image": "busybox", "memory": 64,
                                       "essential": True}])

    def create(self, name, **members):
        members.setdefault("taskDefinition", "%s:1" % self.family)
        if members.get("schedulingStrategy") != "DAEMON":
            members.setdefault("desiredCount", 2)
        return self.ecs.create_service(cluster=self.cluster, serviceName=name,
                                       **members)["service"]

    def describe(self, name, **kwargs):
        response = self.ecs.describe_services(cluster=self.cluster, services=[name], **kwargs)
        self.assertEqual(response["failures"], [])
        return response["services"][0]

    def test_create_describes_the_service_and_its_primary_deployment(self):
        sent = {
            "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:%s:"
                                                 "targetgroup/web/1" % ACCOUNT_ID,
                               "containerName": "app", "containerPort": 80}],
            "healthCheckGracePeriodSeconds": 90,
            "placementConstraints": [{"type": "distinctInstance"}],
            "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            "propagateTags": "SERVICE",
            "enableECSManagedTags": True,
            "enableExecuteCommand": True,
            "deploymentConfiguration": {
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                "maximumPercent": 150, "minimumHealthyPercent": 50},
        }
        created = self.create("web", **sent)
        described = self.describe("web")
        for service in (created, described):
            for member in COMPUTED:
                self.assertIn(member, service)
            for member, value in sent.items():
                self.assertEqual(service[member], value, member)
            self.assertEqual(service["serviceArn"], arn("service", "%s/web" % self.cluster))
            self.assertEqual(service["status"], "ACTIVE")
            self.assertEqual(service["runningCount"], 0)
            self.assertEqual(service["deploymentController"], {"type": "ECS"})
            self.assertEqual(len(service["deployments"]), 1)
            deployment = service["deployments"][0]
            for member in DEPLOYMENT_COMPUTED:
                self.assertIn(member, deployment)
            self.assertRegex(deployment["id"], DEPLOYMENT_ID)
            self.assertEqual(deployment["status"], "PRIMARY")
            self.assertEqual(deployment["rolloutState"], "IN_PROGRESS")
            self.assertEqual(deployment["rolloutStateReason"],
                             "ECS deployment %s in progress." % deployment["id"])
            self.assertEqual(deployment["desiredCount"], 2)
        self.assertEqual(created["deployments"][0]["id"], described["deployments"][0]["id"])

    def test_defaults_as_ecs_fills_them(self):
        service = self.create("plain")
        self.assertEqual(service["deploymentConfiguration"], {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200, "minimumHealthyPercent": 100})
        self.assertEqual(service["schedulingStrategy"], "REPLICA")
        self.assertEqual(service["launchType"], "EC2")
        self.assertEqual(service["propagateTags"], "NONE")
        daemon = self.create("daemon", schedulingStrategy="DAEMON")
        self.assertEqual(daemon["deploymentConfiguration"]["maximumPercent"], 100)
        self.assertEqual(daemon["deploymentConfiguration"]["minimumHealthyPercent"], 0)

    def test_create_is_idempotent_only_for_the_same_request(self):
        first = self.create("idem", clientToken="token-1")
        again = self.create("idem", clientToken="token-1")
        self.assertEqual(again["deployments"][0]["id"], first["deployments"][0]["id"])
        response = self.assertClientError("InvalidParameterException", self.create, "idem",
                                          desiredCount=5)
        self.assertEqual(response["Error"]["Message"], "Creation of service was not idempotent.")

    def test_create_refusals(self):
        response = self.assertClientError(
            "ClusterNotFoundException", self.ecs.create_service, cluster=self.unique("none"),
            serviceName="x", taskDefinition=self.family, desiredCount=1)
        self.assertEqual(response["Error"]["Message"], "Cluster not found.")
        response = self.assertClientError("ClientException", self.create, "x",
                                          taskDefinition=self.unique("none"))
        self.assertEqual(response["Error"]["Message"], "TaskDefinition not found.")
        self.assertClientError("InvalidParameterException", self.create, "bad name")

    def test_update_desired_count_scales_the_primary(self):
        created = self.create("scale")
        updated = self.ecs.update_service(cluster=self.cluster, service="scale",
                                          desiredCount=4)["service"]
        self.assertEqual(updated["desiredCount"], 4)
        self.assertEqual([d["id"] for d in updated["deployments"]],
                         [created["deployments"][0]["id"]])
        self.assertEqual(updated["deployments"][0]["desiredCount"], 4)

    def test_update_task_definition_starts_a_new_primary(self):
        created = self.create("roll")
        updated = self.ecs.update_service(cluster=self.cluster, service="roll",
                                          taskDefinition="%s:2" % self.family)["service"]
        deployments = updated["deployments"]
        self.assertEqual([d["status"] for d in deployments], ["PRIMARY", "ACTIVE"])
        self.assertEqual(deployments[1]["id"], created["deployments"][0]["id"])
        self.assertTrue(deployments[0]["taskDefinition"].endswith("/%s:2" % self.family))
        self.assertRegex(deployments[0]["id"], DEPLOYMENT_ID)
        # The deployment views follow the PRIMARY by its number, as Terraform does.
        number = deployments[0]["id"].split("/")[1]
        briefs = self.ecs.list_service_deployments(cluster=self.cluster,
                                                   service="roll")["serviceDeployments"]
        self.assertEqual(len(briefs), 2)
        self.assertIn(number, briefs[0]["targetServiceRevisionArn"])
        self.assertEqual(briefs[0]["status"], "IN_PROGRESS")
        described = self.ecs.describe_service_deployments(
            serviceDeploymentArns=[briefs[0]["serviceDeploymentArn"]])
        self.assertEqual(described["serviceDeployments"][0]["status"], "IN_PROGRESS")
        revisions = self.ecs.describe_service_revisions(
            serviceRevisionArns=[briefs[0]["targetServiceRevisionArn"]])["serviceRevisions"]
        self.assertEqual(revisions[0]["taskDefinition"], deployments[0]["taskDefinition"])

    def test_update_refuses_missing_and_draining(self):
        self.assertClientError("ServiceNotFoundException", self.ecs.update_service,
                               cluster=self.cluster, service="nope", desiredCount=1)
        self.create("gone", desiredCount=0)
        self.ecs.delete_service(cluster=self.cluster, service="gone")
        response = self.assertClientError("ServiceNotActiveException", self.ecs.update_service,
                                          cluster=self.cluster, service="gone", desiredCount=1)
        self.assertEqual(response["Error"]["Message"], "Service was not ACTIVE.")

    def test_describe_reports_missing(self):
        self.create("here")
        response = self.ecs.describe_services(cluster=self.cluster, services=["here", "nope"])
        self.assertEqual([s["serviceName"] for s in response["services"]], ["here"])
        self.assertEqual(response["failures"],
                         [{"arn": arn("service", "%s/nope" % self.cluster), "reason": "MISSING"}])
        self.assertClientError("InvalidParameterException", self.ecs.describe_services,
                               cluster=self.cluster, services=["s%d" % i for i in range(11)])

    def test_list_filters_and_pages(self):
        names = ["list-%02d" % i for i in range(5)]
        for name in names:
            self.create(name)
        self.create("daemon", schedulingStrategy="DAEMON")
        pages = list(self.ecs.get_paginator("list_services").paginate(
            cluster=self.cluster, PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        listed = [a for page in pages for a in page["serviceArns"]]
        self.assertEqual(sorted(listed), sorted(arn("service", "%s/%s" % (self.cluster, n))
                                                for n in names + ["daemon"]))
        daemons = self.ecs.list_services(cluster=self.cluster, schedulingStrategy="DAEMON")
        self.assertEqual(daemons["serviceArns"], [arn("service", "%s/daemon" % self.cluster)])
        self.assertEqual(self.ecs.list_services(cluster=self.cluster,
                                                launchType="FARGATE")["serviceArns"], [])

    def test_delete_drains_and_keeps_the_cluster(self):
        self.create("del")
        response = self.assertClientError("InvalidParameterException", self.ecs.delete_service,
                                          cluster=self.cluster, service="del")
        self.assertEqual(response["Error"]["Message"],
                         "The service cannot be stopped while it is scaled above 0.")
        cluster = self.ecs.describe_clusters(clusters=[self.cluster])["clusters"][0]
        self.assertEqual(cluster["activeServicesCount"], 1)
        response = self.assertClientError("ClusterContainsServicesException",
                                          self.ecs.delete_cluster, cluster=self.cluster)
        self.assertEqual(response["Error"]["Message"],
                         "The Cluster cannot be deleted while Services are active.")
        deleted = self.ecs.delete_service(cluster=self.cluster, service="del",
                                          force=True)["service"]
        self.assertEqual(deleted["status"], "DRAINING")
        self.assertEqual(deleted["desiredCount"], 0)
        # The scheduler makes a DRAINING service without tasks INACTIVE at once.
        self.assertIn(self.describe("del")["status"], ("DRAINING", "INACTIVE"))
        self.assertEqual(self.ecs.list_services(cluster=self.cluster)["serviceArns"], [])

    def test_tags(self):
        service = self.create("tagged", tags=[{"key": "team", "value": "a"}])
        self.assertNotIn("tags", self.describe("tagged"))
        self.ecs.tag_resource(resourceArn=service["serviceArn"],
                              tags=[{"key": "env", "value": "dev"}])
        self.ecs.untag_resource(resourceArn=service["serviceArn"], tagKeys=["team"])
        self.assertEqual(self.ecs.list_tags_for_resource(
            resourceArn=service["serviceArn"])["tags"], [{"key": "env", "value": "dev"}])
        self.assertEqual(self.describe("tagged", include=["TAGS"])["tags"],
                         [{"key": "env", "value": "dev"}])

    def test_list_by_namespace(self):
        self.create("connected", serviceConnectConfiguration={
            "enabled": True, "namespace": self.cluster + "-ns"})
        listed = self.ecs.list_services_by_namespace(namespace=self.cluster + "-ns")
        self.assertEqual(listed["serviceArns"], [arn("service", "%s/connected" % self.cluster)])
        self.assertEqual(self.ecs.list_services_by_namespace(namespace="other")["serviceArns"], [])

    def test_services_survive_kill9(self):
        self.create("durable", tags=[{"key": "k", "value": "v"}])
        updated = self.ecs.update_service(cluster=self.cluster, service="durable",
                                          taskDefinition="%s:2" % self.family)["service"]
        self.gantry.kill9()
        described = self.describe("durable", include=["TAGS"])
        self.assertEqual(described["deployments"], updated["deployments"])
        self.assertEqual(described["tags"], [{"key": "k", "value": "v"}])
        self.assertEqual(described["status"], "ACTIVE")

    def test_aws_cli(self):
        created = self.assertCliOk(self.gantry.aws(
            "create-service", "--cluster", self.cluster, "--service-name", "cli",
            "--task-definition", self.family, "--desired-count", "1"))
        self.assertEqual(created["service"]["serviceName"], "cli")
        self.assertTrue(created["service"]["taskDefinition"].endswith("/%s:2" % self.family))
        described = self.assertCliOk(self.gantry.aws(
            "describe-services", "--cluster", self.cluster, "--services", "cli"))
        self.assertEqual(described["services"][0]["deployments"][0]["status"], "PRIMARY")
        self.assertCliFailed(self.gantry.aws("delete-service", "--cluster", self.cluster,
                                             "--service", "cli"), "InvalidParameterException")
        deleted = self.assertCliOk(self.gantry.aws(
            "delete-service", "--cluster", self.cluster, "--service", "cli", "--force"))
        self.assertEqual(deleted["service"]["status"], "DRAINING")


if __name__ == "__main__":
    unittest.main()
