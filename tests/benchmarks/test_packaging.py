"""The benchmarks are not the product (issue 12): the wheel that ``pip install .`` builds, and the
image the Dockerfile builds, carry the product's modules and none of the benchmarks.

``make bench`` and ``make bench-screening`` run the benchmarks from a checkout (with the ``bench``
extra); pyproject.toml's ``[tool.setuptools.packages.find] exclude`` keeps ``exportctl.benchmarks``
and ``screening.matching.bench`` (the matching scorecard) out of the wheel, and .dockerignore keeps every benchmark module out of the image's build context.
"""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("exportctl", "notifications", "partners", "screening")


def _is_benchmark(path: str) -> bool:
    parts = path.split("/")
    return "benchmarks" in parts[:-1] or parts[:3] == ["screening", "matching", "bench"]


def _product_modules(base: Path = ROOT) -> set[str]:
    """Every Python module of the four packages under ``base``, but the benchmarks."""
    modules = set()
    for package in PACKAGES:
        for path in (base / package).rglob("*.py"):
            relative = path.relative_to(base).as_posix()
            if "__pycache__" not in relative and not _is_benchmark(relative):
                modules.add(relative)
    return modules


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    assert found, "uv is installed by `make` (.venv/bin/uv); the wheel is built with it"
    return found


def test_the_wheel_carries_the_product_and_not_the_benchmarks(tmp_path):
    # Built from a copy, so that setuptools' build/ and egg-info never land in the work tree.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = tmp_path / "dist"
    built = subprocess.run(
        [_uv(), "build", "--offline", "--wheel", "--python", sys.executable]
        + ["--out-dir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("exportctl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    assert not [n for n in names if n.startswith("exportctl/benchmarks/")]
    assert not [n for n in names if _is_benchmark(n)]
    missing = _product_modules(source) - names
    assert not missing, sorted(missing)
    assert {"exportctl/settings.py", "notifications/workflow.py", "screening/tasks.py"} <= names


# --- The image -----------------------------------------------------------------------------------


def _dockerignore_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: ``*`` and ``?`` within one path segment, ``**``
    across any number of them, a leading slash ignored."""
    pattern = pattern.strip().strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _ignored(path: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """Whether Docker leaves ``path`` out of the build context: a pattern matching it or one of
    its folders excludes it; the last matching rule wins (``!`` includes again)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    ignored = False
    for include, regex in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not include
    return ignored


def _image_files() -> set[str]:
    """The repository's files that the Dockerfile's COPY instructions put into the image."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            include = line.startswith("!")
            rules.append((include, _dockerignore_regex(line.lstrip("!"))))
    files = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        if any(w.startswith("--from") for w in words[1:]):
            continue  # from an earlier stage's files (the compiled matcher), not the repository's
        sources = [w for w in words[1:-1] if not w.startswith("--")]
        for source in sources:
            for path in [ROOT / source, *(ROOT / source).rglob("*")]:
                relative = path.relative_to(ROOT).as_posix()
                if (
                    path.is_file()
                    and "__pycache__" not in relative
                    and not _ignored(relative, rules)
                ):
                    files.add(relative)
    return files


def test_the_image_carries_the_product_and_not_the_benchmarks():
    files = _image_files()

    assert not [f for f in files if _is_benchmark(f)]
    missing = _product_modules() - files
    assert not missing, sorted(missing)
    assert {"manage.py", "pyproject.toml", "uv.lock", "templates/base.html"} <= files


def test_the_dockerignore_reading_is_dockers():
    rules = [(False, _dockerignore_regex("exportctl/benchmarks"))]
    assert _ignored("exportctl/benchmarks/seed.py", rules)
    assert not _ignored("exportctl/benchmarks_x.py", rules)
    rules = [(False, _dockerignore_regex("screening/*/benchmark*.py"))]
    assert _ignored("screening/matching/benchmark_data.py", rules)
    assert not _ignored("screening/matching/deeper/benchmark.py", rules)
    rules += [(True, _dockerignore_regex("screening/matching/benchmark.py"))]
    assert not _ignored("screening/matching/benchmark.py", rules)
    assert _ignored("a/b/c.pyc", [(False, _dockerignore_regex("**/*.pyc"))])
    assert _ignored("c.pyc", [(False, _dockerignore_regex("**/*.pyc"))])


# --- `make bench` and `make bench-screening` still start from a checkout ----------------------


def test_the_make_bench_entry_points_start_from_the_checkout():
    """A smoke of the commands the Makefile runs (``--help`` only: a run takes the machine)."""
    makefile = (ROOT / "Makefile").read_text()
    modules = re.findall(r"^\t\$\(PY\) -m (\S+)", makefile, flags=re.MULTILINE)
    assert {"exportctl.benchmarks", "screening.matching.bench.scorecard"} <= set(modules)
    for module in ("exportctl.benchmarks", "screening.matching.bench.scorecard"):
        started = subprocess.run(
            [sys.executable, "-m", module, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 0, (module, started.stderr[-2000:])
        assert "usage:" in started.stdout
