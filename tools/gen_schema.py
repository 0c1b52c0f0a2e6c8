#!/usr/bin/env python3
"""Writes src/model/<service>_schema.json from botocore's model of an AWS
service (ecs, logs): the models request validation is compiled from.

The output keeps botocore's service-2.json layout (metadata, operations,
shapes) without the prose: every "documentation" and "deprecatedMessage" is
dropped, and operations keep only name, input, output and errors. Keys are
sorted and each operation and shape sits on its own line, so that a botocore
upgrade shows up as a readable diff.

Usage: tools/gen_schema.py SERVICE [path/to/service-2.json[.gz]] [output.json]
  e.g. tools/gen_schema.py ecs; tools/gen_schema.py logs
"""
import gzip
import json
import os
import sys

PROSE_KEYS = {"documentation", "deprecatedMessage"}
OPERATION_KEYS = ("name", "input", "output", "errors")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_model_path(service):
    import botocore.loaders

    loader = botocore.loaders.Loader()
    version = loader.determine_latest_version(service, "service-2")
    base = os.path.join(loader.BUILTIN_DATA_PATH, service, version, "service-2.json")
    return base + ".gz" if os.path.exists(base + ".gz") else base


def load_model(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def strip_prose(node):
    if isinstance(node, dict):
        return {k: strip_prose(v) for k, v in node.items() if k not in PROSE_KEYS}
    if isinstance(node, list):
        return [strip_prose(v) for v in node]
    return node


def compact(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def render(model):
    operations = {
        name: {k: strip_prose(op[k]) for k in OPERATION_KEYS if k in op}
        for name, op in model["operations"].items()
    }
    shapes = {name: strip_prose(shape) for name, shape in model["shapes"].items()}

    def block(entries):
        return ",\n".join(f"{compact(k)}:{compact(v)}" for k, v in sorted(entries.items()))

    return (
        "{\n"
        f'"metadata":{compact(strip_prose(model["metadata"]))},\n'
        f'"operations":{{\n{block(operations)}\n}},\n'
        f'"shapes":{{\n{block(shapes)}\n}}\n'
        "}\n"
    )


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    service = argv[1]
    source = argv[2] if len(argv) > 2 else default_model_path(service)
    target = argv[3] if len(argv) > 3 else os.path.join(
        REPO_ROOT, "src", "model", service + "_schema.json")
    text = render(load_model(source))
    json.loads(text)  # the output must stay valid JSON
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {target} ({len(text)} bytes) from {source}")


if __name__ == "__main__":
    main(sys.argv)
