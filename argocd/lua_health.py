"""Runs Argo CD health_test.yaml cases under a real Lua 5.1 (argocd/test-health.sh).

  lua_health.py eval DIR FILE  the health DIR/health.lua gives the object in
                             FILE: "STATUS<TAB>message"
  lua_health.py check DIR    DIR is argocd/<group>/<Kind>: runs DIR/health.lua
                             with lua5.1 on each fixture DIR/health_test.yaml
                             names, compares status and message, and checks
                             that every DIR/testdata/*.yaml is used; prints
                             "ok<TAB>what" or "FAIL<TAB>what" lines (details
                             indented below a FAIL) for argocd/test-health.sh

Argo CD reads the fixture with sigs.k8s.io/yaml (YAML 1.1 into JSON types:
timestamps stay strings) and hands it to gopher-lua as the global `obj`.
Here it becomes a Lua table literal, `obj = {...}`, followed by the script,
with the libraries argocd-cm scripts lack (string, math, io, debug,
coroutine, string methods) removed first. As in Argo CD, a status outside
the six health codes counts as Unknown, "Lua returned an invalid health status".
"""
import os
import subprocess
import sys

import yaml

CODES = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}


class Loader(yaml.SafeLoader):
    """YAML 1.1 like sigs.k8s.io/yaml, but timestamps stay strings."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def lua_string(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\%03d" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def lua_value(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return lua_string(v)
    if isinstance(v, list):
        return "{" + ", ".join(lua_value(x) for x in v) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join("[%s] = %s" % (lua_string(str(k)), lua_value(x)) for k, x in v.items()) + "}"
    raise TypeError("no Lua value for %r" % (v,))


def tests(directory):
    doc = load(os.path.join(directory, "health_test.yaml")) or {}
    return doc.get("tests") or []


# Argo CD's VM for argocd-cm scripts opens base, package, table and a safe os
# only; the chunk's return value is the health status.
PROGRAM = """local write = io.write
obj = %s
string, math, io, debug, coroutine = nil, nil, nil, nil, nil
getmetatable("").__index = nil
local ok, hs = pcall(assert(loadfile(%s)))
if not ok then
  write("error\\0", tostring(hs))
elseif type(hs) ~= "table" then
  write("error\\0", "expect table output from Lua script, not " .. type(hs))
else
  write("ok\\0", tostring(hs.status or ""), "\\0", tostring(hs.message or ""))
end
"""


def health(directory, obj):
    """(status, message) of DIR/health.lua on obj, or the failure as a string."""
    program = PROGRAM % (lua_value(obj), lua_string(os.path.join(directory, "health.lua")))
    proc = subprocess.run(["lua5.1", "-"], input=program.encode("utf-8"), capture_output=True, timeout=10)
    fields = proc.stdout.decode("utf-8", "replace").split("\0")
    if proc.returncode != 0 or fields[0] != "ok" or len(fields) != 3:
        return "health.lua failed: %s%s" % (" ".join(fields[1:]), proc.stderr.decode("utf-8", "replace"))
    if fields[1] not in CODES:
        return ("Unknown", "Lua returned an invalid health status")
    return (fields[1], fields[2])


def run(directory, case):
    """The failure of one test, or None when it passes."""
    want = case.get("healthStatus") or {}
    want = (want.get("status", ""), want.get("message", ""))
    fixture = os.path.join(directory, case["inputPath"])
    try:
        obj = load(fixture)
    except (OSError, yaml.YAMLError) as e:
        return "cannot read %s: %s" % (case["inputPath"], e)
    group, kind = directory.split(os.sep)[-2:]
    if obj.get("kind") != kind or str(obj.get("apiVersion", "")).split("/")[0] != group:
        return "%s holds a %s %s, not a %s/%s" % (case["inputPath"], obj.get("apiVersion"), obj.get("kind"), group, kind)
    got = health(directory, obj)
    if isinstance(got, str):
        return got
    if got != want:
        return "expected: %s %r\ngot:      %s %r" % (want + got)
    return None


def check(directory):
    """One "ok<TAB>what" or "FAIL<TAB>what" line per test, then the checks of
    the directory itself; a failure's details follow it, indented."""
    def report(what, failure):
        if failure is None:
            print("ok\t" + what)
        else:
            print("FAIL\t" + what)
            for line in failure.splitlines():
                print("     " + line)

    name = os.sep.join(directory.split(os.sep)[-2:])
    try:
        cases = tests(directory)
    except (OSError, yaml.YAMLError, AttributeError) as e:
        report(name + ": health_test.yaml lists tests", str(e))
        return
    if not cases:
        report(name + ": health_test.yaml lists tests", "no tests")
    used = set()
    for case in cases:
        used.add(os.path.normpath(case["inputPath"]))
        status = (case.get("healthStatus") or {}).get("status", "")
        report("%s %s: %s" % (name, case["inputPath"], status), run(directory, case))
    testdata = os.path.join(directory, "testdata")
    names = sorted(os.listdir(testdata)) if os.path.isdir(testdata) else []
    orphans = [os.path.join("testdata", n) for n in names
               if n.endswith((".yaml", ".yml")) and os.path.join("testdata", n) not in used]
    report(name + ": every testdata/*.yaml is some test's inputPath",
           "no test reads " + ", ".join(orphans) if orphans else None)


def main(argv):
    if len(argv) == 3 and argv[0] == "eval":
        # The health of one live object (kubectl get -o yaml), as Argo CD would show it.
        got = health(os.path.abspath(argv[1]).rstrip(os.sep), load(argv[2]))
        print(got if isinstance(got, str) else "%s\t%s" % got)
        sys.exit(1 if isinstance(got, str) else 0)
    if len(argv) != 2 or argv[0] != "check":
        sys.exit(__doc__)
    check(os.path.abspath(argv[1]).rstrip(os.sep))


if __name__ == "__main__":
    main(sys.argv[1:])
