"""TagResource, UntagResource, ListTagsForResource on clusters and task
definitions, and the account settings operations, against a real gantry."""
import unittest

from gantry_process import ACCOUNT_ID, GantryTestCase
from task_definition_samples import minimal


def by_key(tags):
    return {t["key"]: t["value"] for t in tags}


class TaggingTest(GantryTestCase):

    def assertTagCycle(self, arn, initial):
        """Tags `arn` (which starts with `initial` tags), merges, then untags."""
        self.assertEqual(by_key(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"]), initial)
        self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "stage", "value": "prod"},
                                                     {"key": "team", "value": "infra"}])
        merged = dict(initial, stage="prod", team="infra")
        tags = self.ecs.list_tags_for_resource(resourceArn=arn)["tags"]
        self.assertEqual(len(tags), len(merged), "a key is listed twice: %r" % tags)
        self.assertEqual(by_key(tags), merged)

        self.ecs.untag_resource(resourceArn=arn, tagKeys=["stage", "not-a-key"])
        del merged["stage"]
        self.assertEqual(by_key(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"]), merged)

        for reserved in ("aws:createdBy", "AWS:x"):
            with self.subTest(key=reserved):
                self.assertClientError("InvalidParameterException", self.ecs.tag_resource,
                                       resourceArn=arn, tags=[{"key": reserved, "value": "me"}])
        self.assertEqual(by_key(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"]), merged)
        return merged

    def test_cluster_tags(self):
        name = self.unique("tagged")
        arn = self.ecs.create_cluster(clusterName=name,
                                      tags=[{"key": "team", "value": "ml"}])["cluster"]["clusterArn"]
        merged = self.assertTagCycle(arn, {"team": "ml"})
        described = self.ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"][0]
        self.assertEqual(by_key(described["tags"]), merged)

    def test_task_definition_tags(self):
        family = self.unique("tagged-td")
        response = self.ecs.register_task_definition(
            **minimal(family, tags=[{"key": "owner", "value": "alice"}]))
        arn = response["taskDefinition"]["taskDefinitionArn"]
        merged = self.assertTagCycle(arn, {"owner": "alice"})
        described = self.ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        self.assertEqual(by_key(described["tags"]), merged)

    def test_unknown_and_garbage_resources(self):
        missing = "arn:aws:ecs:us-east-1:%s:cluster/%s" % (ACCOUNT_ID, self.unique("absent"))
        tags = [{"key": "k", "value": "v"}]
        self.assertClientError("ClusterNotFoundException", self.ecs.tag_resource,
                               resourceArn=missing, tags=tags)
        self.assertClientError("ClusterNotFoundException", self.ecs.list_tags_for_resource,
                               resourceArn=missing)
        self.assertClientError("ClusterNotFoundException", self.ecs.untag_resource,
                               resourceArn=missing, tagKeys=["k"])
        for garbage in ("not-an-arn", "arn:aws:ecs:us-east-1", "arn:aws:s3:::bucket"):
            with self.subTest(arn=garbage):
                self.assertClientError("InvalidParameterException", self.ecs.tag_resource,
                                       resourceArn=garbage, tags=tags)
                self.assertClientError("InvalidParameterException",
                                       self.ecs.list_tags_for_resource, resourceArn=garbage)


class AccountSettingsTest(GantryTestCase):

    def all_settings(self, **kwargs):
        settings = []
        for page in self.ecs.get_paginator("list_account_settings").paginate(**kwargs):
            settings += page["settings"]
        return settings

    def test_put_list_and_delete_account_setting(self):
        setting = self.ecs.put_account_setting(name="serviceLongArnFormat",
                                               value="enabled")["setting"]
        self.assertEqual(setting["name"], "serviceLongArnFormat")
        self.assertEqual(setting["value"], "enabled")
        self.assertTrue(setting["principalArn"].startswith("arn:aws:iam::%s:" % ACCOUNT_ID))

        listed = self.ecs.list_account_settings(name="serviceLongArnFormat", value="enabled")
        self.assertEqual([(s["name"], s["value"]) for s in listed["settings"]],
                         [("serviceLongArnFormat", "enabled")])
        self.assertEqual(self.ecs.list_account_settings(name="serviceLongArnFormat",
                                                        value="disabled")["settings"], [])
        explicit = {s["name"]: s["value"] for s in self.all_settings()}
        self.assertEqual(explicit.get("serviceLongArnFormat"), "enabled")

        deleted = self.ecs.delete_account_setting(name="serviceLongArnFormat")["setting"]
        self.assertEqual((deleted["name"], deleted["value"]), ("serviceLongArnFormat", "enabled"))
        self.assertEqual(self.ecs.list_account_settings(name="serviceLongArnFormat")["settings"],
                         [])
        self.assertNotIn("serviceLongArnFormat", {s["name"] for s in self.all_settings()})

    def test_put_account_setting_default(self):
        setting = self.ecs.put_account_setting_default(name="containerInsights",
                                                       value="enabled")["setting"]
        self.assertEqual((setting["name"], setting["value"]), ("containerInsights", "enabled"))
        effective = self.ecs.list_account_settings(name="containerInsights",
                                                   effectiveSettings=True)["settings"]
        self.assertEqual([(s["name"], s["value"]) for s in effective],
                         [("containerInsights", "enabled")])

    def test_effective_settings_list_every_setting(self):
        self.ecs.put_account_setting(name="fargateFIPSMode", value="enabled")
        effective = self.all_settings(effectiveSettings=True)
        names = [s["name"] for s in effective]
        self.assertEqual(len(names), len(set(names)), "a setting is listed twice")
        for name in ("serviceLongArnFormat", "taskLongArnFormat",
                     "containerInstanceLongArnFormat", "awsvpcTrunking", "containerInsights",
                     "fargateFIPSMode", "tagResourceAuthorization"):
            self.assertIn(name, names)
        for s in effective:
            self.assertTrue(s["value"], s)
            self.assertTrue(s["principalArn"].startswith("arn:aws:iam::%s:" % ACCOUNT_ID), s)
        values = {s["name"]: s["value"] for s in effective}
        self.assertEqual(values["fargateFIPSMode"], "enabled")
        self.assertEqual(values["taskLongArnFormat"], "enabled")
        self.assertEqual(values["awsvpcTrunking"], "disabled")
        explicit = {s["name"] for s in self.all_settings()}
        self.assertIn("fargateFIPSMode", explicit)
        self.assertNotIn("awsvpcTrunking", explicit)

    def test_invalid_values_are_refused(self):
        self.assertClientError("InvalidParameterException", self.ecs.put_account_setting,
                               name="taskLongArnFormat", value="maybe")
        self.assertClientError("InvalidParameterException", self.ecs.put_account_setting_default,
                               name="containerInsights", value="sometimes")
        self.assertEqual(self.ecs.list_account_settings(name="taskLongArnFormat")["settings"], [])


if __name__ == "__main__":
    unittest.main()
