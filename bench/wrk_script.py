#!/usr/bin/env python3
"""Writes a wrk Lua script that replays one SigV4-signed ECS request.

A SigV4 signature stays valid for 15 minutes and nothing in it is
per-request, so one signed request can be replayed for a whole bench run.

usage: wrk_script.py ENDPOINT CREDENTIALS_FILE OPERATION BODY_JSON > script.lua
"""
import configparser
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    endpoint, credentials_file, operation, body = sys.argv[1:5]
    profile = configparser.ConfigParser()
    profile.read(credentials_file)
    section = profile[profile.sections()[0]]
    credentials = Credentials(section["aws_access_key_id"], section["aws_secret_access_key"])
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + operation,
        },
    )
    SigV4Auth(credentials, "ecs", "us-east-1").add_auth(request)
    print('wrk.method = "POST"')
    print("wrk.body = " + lua_string(body))
    for name, value in request.headers.items():
        print("wrk.headers[%s] = %s" % (lua_string(name), lua_string(value)))
    # Count answers that are not 200 so that a figure is never made of errors.
    print("""
local errors = 0
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors == 1 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\\n") end
  end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\\n", summary.errors.status))
end""")


if __name__ == "__main__":
    main()
