"""Clusters end to end: CreateCluster, DescribeClusters, ListClusters,
UpdateCluster, UpdateClusterSettings, PutClusterCapacityProviders and
DeleteCluster through boto3 and the aws cli against a real gantry."""
import unittest

from gantry_process import ACCOUNT_ID, ClientError, GantryTestCase, REGION

COUNTS = ("registeredContainerInstancesCount", "runningTasksCount", "pendingTasksCount",
          "activeServicesCount")
EXECUTE_COMMAND = {
    "executeCommandConfiguration": {
        "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "logging": "OVERRIDE",
        "logConfiguration": {
            "cloudWatchLogGroupName": "/ecs/exec",
            "cloudWatchEncryptionEnabled": True,
            "s3BucketName": "exec-logs",
            "s3EncryptionEnabled": True,
            "s3KeyPrefix": "exec/",
        },
    }
}
STRATEGY = [
    {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
    {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0},
]


def cluster_arn(name, region=REGION):
    return "arn:aws:ecs:%s:%s:cluster/%s" % (region, ACCOUNT_ID, name)


class ClusterTest(GantryTestCase):

    def all_cluster_arns(self):
        arns = []
        for page in self.ecs.get_paginator("list_clusters").paginate():
            arns += page["clusterArns"]
        return arns

    def describe_one(self, name, include=()):
        response = self.ecs.describe_clusters(clusters=[name], include=list(include))
        self.assertEqual(response["failures"], [])
        self.assertEqual(len(response["clusters"]), 1)
        return response["clusters"][0]

    def test_create_without_name_makes_default(self):
        cluster = self.ecs.create_cluster()["cluster"]
        self.assertEqual(cluster["clusterName"], "default")
        self.assertEqual(cluster["clusterArn"], cluster_arn("default"))
        self.assertEqual(cluster["status"], "ACTIVE")
        # DescribeClusters without names describes "default".
        described = self.ecs.describe_clusters()["clusters"]
        self.assertEqual([c["clusterArn"] for c in described], [cluster_arn("default")])

    def test_create_is_idempotent_by_name(self):
        name = self.unique("same")
        first = self.ecs.create_cluster(clusterName=name)["cluster"]
        second = self.ecs.create_cluster(clusterName=name)["cluster"]
        self.assertEqual(first["clusterArn"], cluster_arn(name))
        self.assertEqual(second["clusterArn"], first["clusterArn"])
        self.assertEqual(self.all_cluster_arns().count(cluster_arn(name)), 1)

    def test_create_with_every_option(self):
        name = self.unique("full")
        tags = [{"key": "team", "value": "ml"}, {"key": "env", "value": "dev"}]
        settings = [{"name": "containerInsights", "value": "enabled"}]
        cluster = self.ecs.create_cluster(
            clusterName=name, tags=tags, settings=settings, configuration=EXECUTE_COMMAND,
            capacityProviders=["FARGATE", "FARGATE_SPOT"],
            defaultCapacityProviderStrategy=STRATEGY)["cluster"]
        for described in (cluster, self.describe_one(
                name, ["TAGS", "SETTINGS", "CONFIGURATIONS", "STATISTICS"])):
            self.assertEqual(described["clusterArn"], cluster_arn(name))
            self.assertEqual(described["clusterName"], name)
            self.assertEqual(described["status"], "ACTIVE")
            self.assertEqual(described["tags"], tags)
            self.assertEqual(described["settings"], settings)
            self.assertEqual(described["configuration"], EXECUTE_COMMAND)
            self.assertEqual(described["capacityProviders"], ["FARGATE", "FARGATE_SPOT"])
            self.assertEqual(described["defaultCapacityProviderStrategy"], STRATEGY)
            for count in COUNTS:
                self.assertEqual(described[count], 0, count)

    def test_create_refuses_invalid_name(self):
        for name in ("has space", "slash/in/name", "x" * 256, "dot.name"):
            with self.subTest(name=name):
                self.assertClientError("InvalidParameterException", self.ecs.create_cluster,
                                       clusterName=name)
        self.assertNotIn(cluster_arn("dot.name"), self.all_cluster_arns())

    def test_create_refuses_unknown_capacity_provider(self):
        name = self.unique("badcp")
        self.assertClientError("InvalidParameterException", self.ecs.create_cluster,
                               clusterName=name, capacityProviders=["NO_SUCH_PROVIDER"])
        self.assertNotIn(cluster_arn(name), self.all_cluster_arns())

    def test_create_in_another_region_uses_its_arn(self):
        name = self.unique("eu")
        eu = self.gantry.client(region="eu-west-1")
        cluster = eu.create_cluster(clusterName=name)["cluster"]
        self.assertEqual(cluster["clusterArn"], cluster_arn(name, "eu-west-1"))

    def test_describe_includes_only_what_is_asked(self):
        name = self.unique("incl")
        self.ecs.create_cluster(clusterName=name, tags=[{"key": "k", "value": "v"}],
                                settings=[{"name": "containerInsights", "value": "enabled"}],
                                configuration=EXECUTE_COMMAND)
        plain = self.describe_one(name)
        self.assertEqual(plain["tags"], [])
        self.assertNotIn("settings", plain)
        self.assertNotIn("configuration", plain)
        self.assertEqual(plain["statistics"], [])
        for count in COUNTS:
            self.assertEqual(plain[count], 0, count)

        self.assertEqual(self.describe_one(name, ["TAGS"])["tags"], [{"key": "k", "value": "v"}])
        self.assertEqual(self.describe_one(name, ["SETTINGS"])["settings"],
                         [{"name": "containerInsights", "value": "enabled"}])
        self.assertEqual(self.describe_one(name, ["CONFIGURATIONS"])["configuration"],
                         EXECUTE_COMMAND)
        statistics = self.describe_one(name, ["STATISTICS"])["statistics"]
        self.assertTrue(statistics)
        for entry in statistics:
            self.assertEqual(set(entry), {"name", "value"})
            self.assertEqual(entry["value"], "0", entry)
        self.assertIn("runningFargateTasksCount", [s["name"] for s in statistics])

    def test_describe_reports_missing_clusters(self):
        name = self.unique("here")
        self.ecs.create_cluster(clusterName=name)
        response = self.ecs.describe_clusters(clusters=[name, "not-there", cluster_arn(name)])
        self.assertEqual([c["clusterName"] for c in response["clusters"]], [name, name])
        self.assertEqual(response["failures"],
                         [{"arn": cluster_arn("not-there"), "reason": "MISSING"}])

    def test_list_paginates_through_every_cluster(self):
        # Names of every length modulo 3, so that page tokens of every
        # base64 padding are handed out and taken back.
        names = ["%s-%s" % (self.unique("page"), "x" * i) for i in range(7)]
        for name in names:
            self.ecs.create_cluster(clusterName=name)
        everything = self.ecs.list_clusters()["clusterArns"]
        collected, token, pages = [], None, 0
        while True:
            kwargs = {"maxResults": 3}
            if token:
                kwargs["nextToken"] = token
            page = self.ecs.list_clusters(**kwargs)
            pages += 1
            self.assertLessEqual(len(page["clusterArns"]), 3)
            collected += page["clusterArns"]
            token = page.get("nextToken")
            if not token:
                break
            self.assertLess(pages, 100, "pagination does not end")
        self.assertEqual(len(collected), len(set(collected)), "a cluster was listed twice")
        self.assertEqual(sorted(collected), sorted(everything))
        self.assertTrue({cluster_arn(n) for n in names} <= set(collected))
        self.assertGreaterEqual(pages, 3)

        for page_size in (1, 2):
            paginated = self.ecs.get_paginator("list_clusters").paginate(
                PaginationConfig={"PageSize": page_size}).build_full_result()
            self.assertEqual(sorted(paginated["clusterArns"]), sorted(everything))

    def test_list_refuses_bad_paging(self):
        for max_results in (0, 101):
            with self.subTest(maxResults=max_results):
                self.assertClientError("InvalidParameterException", self.ecs.list_clusters,
                                       maxResults=max_results)
        self.assertClientError("InvalidParameterException", self.ecs.list_clusters,
                               nextToken="not-a-token-gantry-gave-out")

    def test_update_cluster_merges_settings_and_sets_configuration(self):
        name = self.unique("upd")
        self.ecs.create_cluster(clusterName=name,
                                settings=[{"name": "containerInsights", "value": "enabled"}])
        configuration = {"executeCommandConfiguration": {"logging": "DEFAULT"}}
        cluster = self.ecs.update_cluster(
            cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}],
            configuration=configuration)["cluster"]
        self.assertEqual(cluster["settings"], [{"name": "containerInsights", "value": "disabled"}])
        self.assertEqual(cluster["configuration"], configuration)
        described = self.describe_one(name, ["SETTINGS", "CONFIGURATIONS"])
        self.assertEqual(described["settings"], cluster["settings"])
        self.assertEqual(described["configuration"], configuration)
        self.assertClientError("InvalidParameterException", self.ecs.update_cluster,
                               cluster=name,
                               settings=[{"name": "containerInsights", "value": "sometimes"}])

    def test_update_cluster_settings(self):
        name = self.unique("settings")
        self.ecs.create_cluster(clusterName=name)
        created = self.describe_one(name, ["SETTINGS"])["settings"]
        self.assertEqual(created, [{"name": "containerInsights", "value": "disabled"}])
        cluster = self.ecs.update_cluster_settings(
            cluster=cluster_arn(name),
            settings=[{"name": "containerInsights", "value": "enhanced"}])["cluster"]
        self.assertEqual(cluster["settings"], [{"name": "containerInsights", "value": "enhanced"}])
        self.assertEqual(self.describe_one(name, ["SETTINGS"])["settings"], cluster["settings"])

    def test_put_cluster_capacity_providers(self):
        name = self.unique("cp")
        self.ecs.create_cluster(clusterName=name)
        strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0}]
        cluster = self.ecs.put_cluster_capacity_providers(
            cluster=name, capacityProviders=["FARGATE_SPOT"],
            defaultCapacityProviderStrategy=strategy)["cluster"]
        self.assertEqual(cluster["capacityProviders"], ["FARGATE_SPOT"])
        self.assertEqual(cluster["defaultCapacityProviderStrategy"], strategy)
        described = self.describe_one(name)
        self.assertEqual(described["capacityProviders"], ["FARGATE_SPOT"])
        self.assertEqual(described["defaultCapacityProviderStrategy"], strategy)
        self.assertClientError("InvalidParameterException",
                               self.ecs.put_cluster_capacity_providers, cluster=name,
                               capacityProviders=["MY_OWN_PROVIDER"],
                               defaultCapacityProviderStrategy=[])
        # A strategy may only name providers of the cluster.
        self.assertClientError("InvalidParameterException",
                               self.ecs.put_cluster_capacity_providers, cluster=name,
                               capacityProviders=["FARGATE"],
                               defaultCapacityProviderStrategy=strategy)
        self.assertEqual(self.describe_one(name)["capacityProviders"], ["FARGATE_SPOT"])

    def test_delete_cluster(self):
        name = self.unique("gone")
        self.ecs.create_cluster(clusterName=name)
        deleted = self.ecs.delete_cluster(cluster=name)["cluster"]
        self.assertEqual(deleted["status"], "INACTIVE")
        self.assertEqual(deleted["clusterArn"], cluster_arn(name))
        self.assertNotIn(cluster_arn(name), self.all_cluster_arns())
        described = self.ecs.describe_clusters(clusters=[name])
        self.assertEqual([c["status"] for c in described["clusters"]], ["INACTIVE"])
        with self.assertRaises(ClientError) as raised:
            self.ecs.delete_cluster(cluster=name)
        self.assertIn(raised.exception.response["Error"]["Code"],
                      ("ClusterNotFoundException", "InvalidParameterException"))
        # The name can be used again.
        again = self.ecs.create_cluster(clusterName=name)["cluster"]
        self.assertEqual(again["status"], "ACTIVE")
        self.assertIn(cluster_arn(name), self.all_cluster_arns())

    def test_operations_on_a_missing_cluster(self):
        missing = self.unique("never")
        settings = [{"name": "containerInsights", "value": "enabled"}]
        calls = {
            "DeleteCluster": lambda: self.ecs.delete_cluster(cluster=missing),
            "UpdateCluster": lambda: self.ecs.update_cluster(cluster=missing, settings=settings),
            "UpdateClusterSettings": lambda: self.ecs.update_cluster_settings(
                cluster=missing, settings=settings),
            "PutClusterCapacityProviders": lambda: self.ecs.put_cluster_capacity_providers(
                cluster=cluster_arn(missing), capacityProviders=[],
                defaultCapacityProviderStrategy=[]),
        }
        for operation, call in calls.items():
            with self.subTest(operation=operation):
                self.assertClientError("ClusterNotFoundException", call)

    def test_aws_cli_create_describe_list_delete(self):
        name = self.unique("cli")
        created = self.assertCliOk(self.gantry.aws(
            "create-cluster", "--cluster-name", name, "--tags", "key=owner,value=cli",
            "--settings", "name=containerInsights,value=enabled"))
        self.assertEqual(created["cluster"]["clusterArn"], cluster_arn(name))

        described = self.assertCliOk(self.gantry.aws(
            "describe-clusters", "--clusters", name, "missing-" + name, "--include", "TAGS",
            "SETTINGS"))
        self.assertEqual(len(described["clusters"]), 1)
        cluster = described["clusters"][0]
        self.assertEqual(cluster["tags"], [{"key": "owner", "value": "cli"}])
        self.assertEqual(cluster["settings"], [{"name": "containerInsights", "value": "enabled"}])
        self.assertEqual(described["failures"],
                         [{"arn": cluster_arn("missing-" + name), "reason": "MISSING"}])

        listed = self.assertCliOk(self.gantry.aws("list-clusters", "--page-size", "2"))
        self.assertIn(cluster_arn(name), listed["clusterArns"])
        self.assertEqual(sorted(listed["clusterArns"]), sorted(self.all_cluster_arns()))

        deleted = self.assertCliOk(self.gantry.aws("delete-cluster", "--cluster", name))
        self.assertEqual(deleted["cluster"]["status"], "INACTIVE")
        listed = self.assertCliOk(self.gantry.aws("list-clusters"))
        self.assertNotIn(cluster_arn(name), listed["clusterArns"])

        self.assertCliFailed(self.gantry.aws("create-cluster", "--cluster-name", "bad name"),
                             "InvalidParameterException")
        self.assertCliFailed(self.gantry.aws("delete-cluster", "--cluster", "missing-" + name),
                             "ClusterNotFoundException")


if __name__ == "__main__":
    unittest.main()
