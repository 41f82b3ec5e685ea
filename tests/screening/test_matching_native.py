"""The matcher compiled with Cython (issue 15, speed; ``screening/matching/native.py``).

* A build is used only while its manifest matches the modules beside it, this interpreter and
  the build's directives, and unless ``EXPORTCTL_MATCHER=python`` asks for Python.
* ``make`` builds it (``make test`` first of all) wherever this machine can compile, and the
  package then runs it: what the suite tests is what the portal runs.
* The compiled and the Python modules find the same hits, with the same scores and explanations,
  on real End User List names, their variants and ordinary people's names.
"""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import screening.matching as matching
from screening.matching import ListIndex, index, native, scoring
from screening.matching.bench import data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package of two modules with a build whose manifest matches them."""
    monkeypatch.delenv(native.ENVIRONMENT, raising=False)
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "alpha.py").write_text("def f(x):\n    return 2 * x\n")
    (tmp_path / "beta.py").write_text("B = 1\n")
    (tmp_path / native.NATIVE).mkdir()
    manifest = tmp_path / native.NATIVE / native.MANIFEST
    manifest.write_text(json.dumps(native.fingerprint(tmp_path)))
    return tmp_path


def test_a_build_is_used_while_it_matches_its_sources(package):
    assert native.sources(package) == [package / "alpha.py", package / "beta.py"]
    assert native.native_path(package) == [str(package / native.NATIVE)]


def test_a_module_edited_since_the_build_runs_every_module_as_python(package):
    alpha = package / "alpha.py"
    alpha.write_text("def f(x):\n    return 3 * x\n")
    assert native.native_path(package) == []
    alpha.write_text("def f(x):\n    return 2 * x\n")  # back as built
    assert native.native_path(package) == [str(package / native.NATIVE)]
    (package / "gamma.py").write_text("G = 1\n")  # a module the build does not have
    assert native.native_path(package) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("extension_suffix", ".cpython-312-x86_64-linux-gnu.so"),  # another interpreter's
        ("directives", {**native.DIRECTIVES, "annotation_typing": True}),  # other semantics
    ],
)
def test_a_build_for_another_interpreter_or_directives_is_not_used(package, key, value):
    manifest = package / native.NATIVE / native.MANIFEST
    built = json.loads(manifest.read_text())
    built[key] = value
    manifest.write_text(json.dumps(built))
    assert native.native_path(package) == []


def test_no_manifest_or_an_unreadable_one_is_no_build(package):
    manifest = package / native.NATIVE / native.MANIFEST
    manifest.write_text("{not json")
    assert native.native_path(package) == []
    manifest.unlink()
    assert native.native_path(package) == []


def test_exportctl_matcher_python_asks_for_the_python_modules(package, monkeypatch):
    monkeypatch.setenv(native.ENVIRONMENT, "python")
    assert native.native_path(package) == []


def test_make_has_built_the_matcher_and_the_package_runs_it():
    """Where this machine can compile (``make test``'s machine can: gcc and the Python headers),
    ``make`` has compiled the matcher and every module of it runs compiled."""
    if os.environ.get(native.ENVIRONMENT, "").lower() == "python":
        assert not matching.COMPILED
        return
    cannot = native._compiler()
    assert matching.COMPILED is (cannot is None), cannot or "run `make native`"
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for module in (index, scoring):
        assert Path(module.__file__).name.endswith(suffix if cannot is None else ".py")


SEARCHES = """
import json, sys
from screening.matching import COMPILED, ListIndex
from screening.matching.bench import data
from screening.matching.index import ListedName

names, queries = json.load(sys.stdin)
index = ListIndex.build([ListedName(**n) for n in names])
hits = [
    [[h.entry_id, h.score, h.matched_name, h.explanation] for h in index.search(q, **kw)]
    for q, kw in queries
]
json.dump({"compiled": COMPILED, "hits": hits}, sys.stdout, default=str)
"""


def _hits(names, queries, environment):
    run = subprocess.run(
        [sys.executable, "-c", SEARCHES],
        input=json.dumps([names, queries]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **environment},
        timeout=600,
        check=True,
    )
    return json.loads(run.stdout)


def test_the_compiled_and_the_python_modules_find_the_same_hits():
    eul, _ = data.eul_names()
    names = [
        {k: getattr(n, k) for k in ("entry_id", "name", "kind", "country", "source", "name_kind")}
        for n in eul
    ]
    variants = [v for found in data.variant_sets(eul).values() for v, *_ in found[:40]]
    people = data.negative_names(150)["tuning"]
    queries = [(q, {"limit": 5, "min_score": 0.0}) for q in variants + people]
    queries += [
        (q, {"limit": 10, "min_score": ListIndex.alert_threshold, "kind": "person"}) for q in people
    ]
    queries += [(n.name, {"country": "CN", "kind": "organization"}) for n in eul[::20]]
    python = _hits(names, queries, {native.ENVIRONMENT: "python"})
    assert python["compiled"] is False
    this = _hits(names, queries, {native.ENVIRONMENT: ""})
    assert this["compiled"] is matching.COMPILED
    assert sum(map(len, python["hits"])) > len(queries)  # (the searches find something)
    assert this["hits"] == python["hits"]
