#!/usr/bin/env python3
"""Validates hedged's YAML files against their JSON Schemas (config/schema/*.schema.json,
draft-07) as an editor's YAML language server does: YAML 1.2 scalars (true/false only as
booleans, 1e-5 a number, 2027-03-19 a string), duplicate keys an error.

  validate_schema.py [--schema SCHEMA] FILE...

Without --schema, each file names its schema on a first-line modeline
`# yaml-language-server: $schema=RELATIVE/PATH.json`, resolved against the file's folder.
Prints `FILE: ok` or one `FILE: at 'path': message` line per error. Exit status: 0 when every
file is valid, 1 when any is not (or is not YAML), 2 for a usage error, an unreadable file or
an invalid schema. Needs python3-yaml and python3-jsonschema (Debian 12).
"""

import json
import os
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover
    print(f"validate_schema.py: {e} (Debian packages python3-yaml, python3-jsonschema)",
          file=sys.stderr)
    sys.exit(2)

MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


class Yaml12Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader with YAML 1.2 core-schema scalars and duplicate keys rejected."""

    yaml_implicit_resolvers = {}

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _add(tag, pattern, first):
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_add("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
_add("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_add("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789")
_add("tag:yaml.org,2002:float",
     r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
          |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""", "-+0123456789.")


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def to_json(value):
    """YAML data as JSON data: mapping keys as the text they were written as."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, bool):
                key = "true" if key else "false"
            elif key is None:
                key = "null"
            out[str(key)] = to_json(item)
        return out
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


def path_text(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def load_schema(path, cache):
    if path not in cache:
        try:
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            jsonschema.Draft7Validator.check_schema(schema)
        except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
            print(f"{path}: not a valid draft-07 schema: {e}", file=sys.stderr)
            sys.exit(2)
        cache[path] = jsonschema.Draft7Validator(schema)
    return cache[path]


def modeline_schema(file, text):
    first = text.splitlines()[0] if text else ""
    match = MODELINE.match(first)
    if not match:
        print(f"{file}: no '# yaml-language-server: $schema=...' first line (use --schema)",
              file=sys.stderr)
        sys.exit(2)
    return os.path.normpath(os.path.join(os.path.dirname(file), match.group(1)))


def main(argv):
    args = argv[1:]
    schema_path = None
    if len(args) >= 2 and args[0] == "--schema":
        schema_path = args[1]
        args = args[2:]
    if not args or any(a.startswith("--") for a in args):
        print("usage: validate_schema.py [--schema SCHEMA] FILE...", file=sys.stderr)
        return 2
    cache = {}
    status = 0
    for file in args:
        try:
            with open(file, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            print(f"{file}: cannot read: {e}", file=sys.stderr)
            return 2
        validator = load_schema(schema_path or modeline_schema(file, text), cache)
        try:
            data = to_json(yaml.load(text, Loader=Yaml12Loader))  # nosec: a SafeLoader
        except yaml.YAMLError as e:
            print(f"{file}: not valid YAML: {e}".replace("\n", " "))
            status = 1
            continue
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
        for error in errors:
            print(f"{file}: at '{path_text(error.path) or '(top)'}': {error.message}")
        if errors:
            status = 1
        else:
            print(f"{file}: ok")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
