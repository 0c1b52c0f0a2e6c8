#!/usr/bin/env python3
"""Writes tests/data/sigv4_botocore.json: requests signed by botocore's
SigV4Auth at a fixed time, so that the unit tests can check that gantry
verifies what the aws cli and boto3 send and signs exactly as they do.

Run once by hand when the cases change; the output is committed.
"""
import datetime
import json
import pathlib
from unittest import mock
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY_ID = "GKIAEXAMPLE0000000001"
SECRET = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tS3CR3Tabcd"
SIGNED_AT = datetime.datetime(2024, 5, 1, 12, 0, 0)

CASES = [
    {
        "name": "ecs-list-clusters",
        "method": "POST",
        "url": "https://ecs.us-east-1.amazonaws.com/",
        "region": "us-east-1",
        "service": "ecs",
        "headers": {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            "User-Agent": "aws-cli/2.15.0 Python/3.11.7",  # botocore never signs it
        },
        "body": '{"maxResults": 10}',
    },
    {
        "name": "ecs-run-task-local-endpoint",
        "method": "POST",
        "url": "http://127.0.0.1:8400/",
        "region": "eu-west-3",
        "service": "ecs",
        "headers": {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask",
            "X-Custom-Spaces": "  a   b\tc  ",
        },
        "body": '{"cluster": "default", "taskDefinition": "web:3", "count": 2}',
    },
    {
        "name": "get-path-and-query",
        "method": "GET",
        "url": "https://example.com/a%20b/./c/../d//e?b=2&a=1&a=0&z=%2F",
        "region": "us-west-2",
        "service": "ecs",
        "headers": {},
        "body": "",
    },
    {
        # Signed with the HTTP Date header instead of X-Amz-Date, which
        # SigV4 allows; add_auth always adds X-Amz-Date, so this case uses
        # botocore's canonicalization steps directly.
        "name": "date-header-instead-of-x-amz-date",
        "method": "POST",
        "url": "https://ecs.us-east-1.amazonaws.com/",
        "region": "us-east-1",
        "service": "ecs",
        "headers": {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            "Date": "Wed, 01 May 2024 12:00:00 GMT",
        },
        "body": "{}",
        "date_header": True,
    },
]


def sign(case):
    request = AWSRequest(
        method=case["method"], url=case["url"], headers=dict(case["headers"]),
        data=case["body"].encode())
    auth = SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET), case["service"], case["region"])
    if case.get("date_header"):
        request.context["timestamp"] = SIGNED_AT.strftime("%Y%m%dT%H%M%SZ")
        string_to_sign = auth.string_to_sign(request, auth.canonical_request(request))
        auth._inject_signature_to_request(request, auth.signature(string_to_sign, request))
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
            auth.add_auth(request)
    headers = [[name, value] for name, value in request.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        # The HTTP client sends the Host that botocore signed.
        headers.insert(0, ["Host", _host_from_url(case["url"])])
    parts = urlsplit(case["url"])
    return {
        "name": case["name"],
        "method": case["method"],
        "target": parts.path + ("?" + parts.query if parts.query else ""),
        "headers": headers,
        "body": case["body"],
        "region": case["region"],
        "service": case["service"],
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET,
        "signed_at_epoch": int(SIGNED_AT.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "authorization": request.headers["Authorization"],
    }


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "sigv4_botocore.json"
    out.write_text(json.dumps([sign(case) for case in CASES], indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
