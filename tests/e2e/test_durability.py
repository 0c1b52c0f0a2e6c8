"""State survives: a clean restart (SIGTERM) keeps everything exactly, and
kill -9 in the middle of a burst of concurrent writes loses nothing that was
acknowledged and leaves no gaps or duplicate revisions."""
import threading
import time
import unittest

from gantry_process import ClientError, GantryTestCase
from task_definition_samples import fargate_service, minimal, web_service

BURST_THREADS = 8
BURST_CALLS_PER_THREAD = 50
KILL_AFTER_SUCCESSES = 60
BURST_TIMEOUT_S = 60


def strip_metadata(response):
    response = dict(response)
    response.pop("ResponseMetadata", None)
    return response


class DurabilityTest(GantryTestCase):

    def snapshot(self, ecs, clusters, families):
        """Everything the API shows about `clusters` and `families`, and the account."""
        state = {
            "clusters": strip_metadata(ecs.describe_clusters(
                clusters=clusters, include=["TAGS", "SETTINGS", "CONFIGURATIONS",
                                            "STATISTICS", "ATTACHMENTS"])),
            "cluster_list": sorted(ecs.list_clusters()["clusterArns"]),
            "families": {s: ecs.list_task_definition_families(status=s)["families"]
                         for s in ("ACTIVE", "INACTIVE", "ALL")},
            "account": sorted((s["name"], s["value"]) for page in
                              ecs.get_paginator("list_account_settings").paginate(
                                  effectiveSettings=True) for s in page["settings"]),
            "task_definitions": {},
            "tags": {},
        }
        for cluster in state["clusters"]["clusters"]:
            if cluster["status"] == "ACTIVE":
                arn = cluster["clusterArn"]
                state["tags"][arn] = ecs.list_tags_for_resource(resourceArn=arn)["tags"]
        for family in families:
            for status in ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"):
                arns = ecs.list_task_definitions(familyPrefix=family, status=status)
                state["task_definitions"][(family, status)] = arns["taskDefinitionArns"]
                for arn in arns["taskDefinitionArns"]:
                    state["task_definitions"][arn] = strip_metadata(
                        ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]))
        return state

    def test_sigterm_restart_keeps_everything(self):
        ecs = self.ecs
        plain, rich = self.unique("plain"), self.unique("rich")
        ecs.create_cluster(clusterName=plain)
        ecs.create_cluster(
            clusterName=rich, tags=[{"key": "team", "value": "gpu"}],
            settings=[{"name": "containerInsights", "value": "enhanced"}],
            configuration={"executeCommandConfiguration": {"logging": "DEFAULT"}},
            capacityProviders=["FARGATE"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1,
                                              "base": 0}])
        ecs.tag_resource(resourceArn=ecs.describe_clusters(clusters=[plain])["clusters"][0]
                         ["clusterArn"], tags=[{"key": "added", "value": "later"}])
        gone = self.unique("gone")
        ecs.create_cluster(clusterName=gone)
        ecs.delete_cluster(cluster=gone)

        web, api, small = self.unique("web"), self.unique("api"), self.unique("small")
        ecs.register_task_definition(**web_service(web))
        ecs.register_task_definition(**fargate_service(api))
        for _ in range(3):
            ecs.register_task_definition(**minimal(small))
        ecs.deregister_task_definition(taskDefinition=small + ":2")
        ecs.deregister_task_definition(taskDefinition=small + ":1")
        ecs.delete_task_definitions(taskDefinitions=[small + ":1"])
        ecs.tag_resource(resourceArn=ecs.describe_task_definition(taskDefinition=small)
                         ["taskDefinition"]["taskDefinitionArn"],
                         tags=[{"key": "k", "value": "v"}])
        ecs.put_account_setting(name="taskLongArnFormat", value="disabled")
        ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")

        clusters, families = [plain, rich, gone], [web, api, small]
        before = self.snapshot(ecs, clusters, families)
        self.assertEqual(before["clusters"]["failures"], [])
        self.assertEqual(len(before["task_definitions"][(small, "DELETE_IN_PROGRESS")]), 1)
        self.assertEqual(len(before["task_definitions"][(small, "INACTIVE")]), 1)

        self.assertEqual(self.gantry.stop(), 0, "gantry did not exit cleanly on SIGTERM")
        self.gantry.start()
        self.maxDiff = None
        after = self.snapshot(self.gantry.client(), clusters, families)
        self.assertEqual(after, before)

    def test_kill9_during_a_burst_loses_no_acknowledged_write(self):
        family = self.unique("burst")
        clients = [self.gantry.client() for _ in range(BURST_THREADS)]
        successes, failures = [], []
        lock = threading.Lock()

        def register(ecs):
            for _ in range(BURST_CALLS_PER_THREAD):
                try:
                    definition = ecs.register_task_definition(**minimal(family))["taskDefinition"]
                except Exception as error:  # the server was killed under this call
                    with lock:
                        failures.append(error)
                    continue
                with lock:
                    successes.append((definition["revision"], definition["taskDefinitionArn"]))

        threads = [threading.Thread(target=register, args=(c,), daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + BURST_TIMEOUT_S
        while len(successes) < KILL_AFTER_SUCCESSES and time.monotonic() < deadline:
            time.sleep(0.001)
        with lock:
            acknowledged_before_kill = len(successes)
        self.gantry.kill9()
        for thread in threads:
            thread.join(max(0.1, deadline - time.monotonic()))
            self.assertFalse(thread.is_alive(), "a burst thread hung")

        total = BURST_THREADS * BURST_CALLS_PER_THREAD
        self.assertGreaterEqual(acknowledged_before_kill, KILL_AFTER_SUCCESSES)
        self.assertLess(acknowledged_before_kill, total, "the burst ended before the kill")
        self.assertEqual(len(successes) + len(failures), total)

        revisions = [revision for revision, _ in successes]
        self.assertEqual(len(revisions), len(set(revisions)), "a revision was handed out twice")
        ecs = self.gantry.client()
        listed = []
        for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family):
            listed += page["taskDefinitionArns"]
        listed_revisions = [int(arn.rsplit(":", 1)[1]) for arn in listed]
        self.assertEqual(listed_revisions, list(range(1, len(listed) + 1)),
                         "revisions have gaps or duplicates")
        self.assertLessEqual(max(revisions), len(listed))
        for revision, arn in successes:
            described = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            self.assertEqual(described["revision"], revision)
            self.assertEqual(described["status"], "ACTIVE")
        # The next registration continues the sequence.
        following = ecs.register_task_definition(**minimal(family))["taskDefinition"]
        self.assertEqual(following["revision"], len(listed) + 1)

    def test_restart_keeps_credentials(self):
        old_client = self.gantry.client()
        key, secret = self.gantry.access_key, self.gantry.secret_key
        with open(self.gantry.data_dir + "/credentials", encoding="utf-8") as f:
            credentials_file = f.read()
        self.assertIn("[gantry]", credentials_file)
        self.assertIn(key, credentials_file)
        self.assertIn(secret, credentials_file)

        self.gantry.restart()
        self.assertEqual((self.gantry.access_key, self.gantry.secret_key), (key, secret))
        self.gantry.kill9()
        self.assertEqual((self.gantry.access_key, self.gantry.secret_key), (key, secret))
        with open(self.gantry.data_dir + "/credentials", encoding="utf-8") as f:
            self.assertEqual(f.read(), credentials_file)
        # A client made before the restarts still signs with valid keys.
        self.assertIn("clusterArns", old_client.list_clusters())
        with self.assertRaises(ClientError) as raised:
            self.gantry.client(secret_key="not-" + secret).list_clusters()
        self.assertEqual(raised.exception.response["Error"]["Code"], "InvalidSignatureException")


if __name__ == "__main__":
    unittest.main()
