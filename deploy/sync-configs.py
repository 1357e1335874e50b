#!/usr/bin/env python3
"""Rewrites deploy/docker/hedged.yaml and the hedged.yaml of deploy/k8s/configmap.yaml from
config/default.yaml, changing only what a deployment must change (the limits file and FIX
dictionary paths, and the metrics and admin addresses), and keeping each file's own header.
Run it after editing config/default.yaml; tests/deploy/deploy_config_test.sh fails until then."""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
default = (root / "config/default.yaml").read_text()


def body(text):
    """The text after its leading comment block (the file's header)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or lines[i] == ""):
        i += 1
    return "\n".join(lines[i:])


def header(text):
    lines = text.split("\n")
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or lines[i] == ""):
        i += 1
    return "\n".join(lines[:i])


def deploy(text, limits, dictionary, listen_note, admin_note):
    out = re.sub(r"(?m)^  limits_file: limits\.yaml +#.*$", limits, text)
    out = re.sub(r"(?m)^  data_dictionary: fix/FIX44\.xml +#.*$", dictionary, out)
    out = re.sub(r"(?m)^  listen: 127\.0\.0\.1:9464 +#.*$", listen_note, out)
    out = re.sub(r"(?m)^  listen: 127\.0\.0\.1:8080$", admin_note, out)
    out = re.sub(r"(?m)^  dir: \.\./var/journal +#.*$",
                 "  dir: /var/lib/hedged/journal   # the persistent volume", out)
    return out


docker_path = root / "deploy/docker/hedged.yaml"
docker = docker_path.read_text()
docker_path.write_text(header(docker) + "\n" + deploy(
    body(default),
    "  limits_file: config/limits.yaml   # exposure limits, pre-trade checks, breakers; reloaded live",
    "  data_dictionary: config/fix/FIX44.xml   # relative to this file's folder",
    "  listen: 0.0.0.0:9464        # GET /metrics; every interface of the container, so a published\n"
    "                              # port and other containers (Prometheus) reach it",
    "  listen: 0.0.0.0:8080        # the HEALTHCHECK and a published port reach it; token: set\n"
    "                              # HEDGED_ADMIN_TOKEN in the container's environment"))

cm_path = root / "deploy/k8s/configmap.yaml"
cm = cm_path.read_text()
start = cm.index("  hedged.yaml: |\n") + len("  hedged.yaml: |\n")
end = cm.index("  limits.yaml: |")
old = [l[4:] for l in cm[start:end].rstrip("\n").split("\n")]
k8s = header("\n".join(old)) + "\n" + deploy(
    body(default),
    "  limits_file: limits.yaml    # the limits.yaml key below; reloaded live",
    "  data_dictionary: /usr/local/share/hedged/config/fix/FIX44.xml   # installed in the image",
    "  listen: 0.0.0.0:9464        # GET /metrics; every interface of the pod (port `metrics`)",
    "  listen: 0.0.0.0:8080        # port `admin`: the liveness (/health) and readiness (/ready)\n"
    "                              # probes; token from the Secret in HEDGED_ADMIN_TOKEN")
indented = "\n".join(("    " + l) if l else "" for l in k8s.rstrip("\n").split("\n")) + "\n"
cm_path.write_text(cm[:start] + indented + cm[end:])
