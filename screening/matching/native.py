"""The matcher's modules compiled with Cython, used only while they match their sources.

The matcher is written in Python, and stays runnable as Python. Cython compiles the very same
modules (no Cython types, no second source) into C extensions, which search the End User List
about 1.3 times as fast (``make bench-screening`` prints which build it timed). So:

* ``python screening/matching/native.py`` (``make`` runs it) compiles the package's modules into
  ``_native/`` beside them, with a manifest: each source's SHA-256 and the interpreter's
  extension suffix. It needs Cython and setuptools (the ``native`` extra) and a C compiler;
  without them it says so and leaves the pure modules to run (``--strict``: and fails).
* On import, the package puts ``_native/`` first on its ``__path__`` (``native_path``) only when
  that manifest matches the sources beside it and this interpreter: a module edited since the
  build is never shadowed by its older compiled self, and every module then runs as Python until
  the next build. ``EXPORTCTL_MATCHER=python`` runs the Python modules whatever is built.

This file is run as a script (it imports nothing of the package, so it builds on a machine where
the package's dependencies are not installed yet) and is not compiled itself.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIVE = "_native"
MANIFEST = "manifest.json"
#: ``EXPORTCTL_MATCHER=python``: the pure Python modules, whatever is built.
ENVIRONMENT = "EXPORTCTL_MATCHER"
#: Python semantics throughout: annotations are not C types (a ``dict[...]`` annotation may hold a
#: defaultdict), and functions keep their Python signatures and introspection.
DIRECTIVES = {"language_level": 3, "binding": True, "annotation_typing": False}


def sources(directory: Path = HERE) -> list[Path]:
    """The modules compiled: every module of the package but its ``__init__`` and this one."""
    return sorted(
        p for p in directory.glob("*.py") if p.name not in ("__init__.py", Path(__file__).name)
    )


def fingerprint(directory: Path = HERE) -> dict:
    """What a build of ``directory``'s modules must have been made from to be used."""
    return {
        "directives": DIRECTIVES,
        "extension_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "sources": {p.stem: hashlib.sha256(p.read_bytes()).hexdigest() for p in sources(directory)},
    }


def native_path(directory: str | Path = HERE) -> list[str]:
    """``[the compiled modules' folder]`` when it holds a build of these very sources for this
    interpreter (and ``EXPORTCTL_MATCHER`` does not ask for Python), else ``[]``."""
    directory = Path(directory)
    if os.environ.get(ENVIRONMENT, "").lower() == "python":
        return []
    try:
        built = json.loads((directory / NATIVE / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if built != fingerprint(directory):
        return []
    return [str(directory / NATIVE)]


def _compiler() -> str | None:
    """Why this machine cannot compile the modules, or None when it can."""
    for module in ("Cython", "setuptools"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (the `native` extra: make installs it)"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if not shutil.which(compiler):
        return f"no C compiler ({compiler})"
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").exists():
        return f"no Python headers ({include}/Python.h)"
    return None


def build(directory: Path = HERE) -> Path:
    """Compile ``directory``'s modules into its ``_native/`` (replaced whole once all compiled)."""
    from Cython.Build import cythonize
    from setuptools import Distribution

    want = fingerprint(directory)
    with tempfile.TemporaryDirectory(prefix="exportctl-native-") as scratch:
        work = Path(scratch)
        # A copy under its package path, so that each module is named as it is imported (and no
        # C file or build folder lands in the work tree).
        package = work / "src" / "screening" / "matching"
        package.mkdir(parents=True)
        for init in (package.parent / "__init__.py", package / "__init__.py"):
            init.write_text("")
        copies = []
        for source in sources(directory):
            copies.append(package / source.name)
            shutil.copyfile(source, copies[-1])
        jobs = os.cpu_count() or 1
        extensions = cythonize(
            [str(p) for p in copies],
            compiler_directives=DIRECTIVES,
            nthreads=jobs,
            quiet=True,
        )
        distribution = Distribution({"ext_modules": extensions, "script_name": "native.py"})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(work / "lib")
        command.build_temp = str(work / "temp")
        command.parallel = jobs
        distribution.run_command("build_ext")
        built = work / NATIVE
        built.mkdir()
        for extension in (work / "lib" / "screening" / "matching").iterdir():
            shutil.copyfile(extension, built / extension.name)
        (built / MANIFEST).write_text(json.dumps(want, indent=2, sort_keys=True), encoding="utf-8")
        target, staged = directory / NATIVE, directory / f"{NATIVE}.new"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(built, staged)
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="fail when it cannot compile")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # (the child)
    args = parser.parse_args(argv)
    if args.build:
        build(HERE)
        return 0
    if native_path(HERE):
        (HERE / NATIVE / MANIFEST).touch()  # (newer than the modules again, for make)
        print(f"matcher: the compiled modules in {HERE / NATIVE} are up to date")
        return 0
    missing = _compiler()
    if missing is None:
        # In a child whose output (the C compiler's warnings on generated code) is shown only
        # when the build fails.
        child = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "--build"], capture_output=True, text=True, check=False
        )
        if child.returncode == 0:
            print(f"matcher: compiled {len(sources())} modules into {HERE / NATIVE}")
            return 0
        print(child.stdout[-4000:] + child.stderr[-4000:], file=sys.stderr)
        missing = "the build failed (its output is above)"
    print(f"matcher: runs as Python, not compiled: {missing}", file=sys.stderr)
    return 1 if args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
