"""The tree reads as the architecture (docs/architecture.md), and the imports keep to it.

No import circles in ``cutsim`` or ``ui`` (imports inside functions count; those only
under ``if TYPE_CHECKING:`` do not), and each part of the core imports only the parts
below it. The checker is itself tested: a planted forbidden import and a planted
circle must be caught.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from support.import_graph import build_graph, cycles, layer_violations

ROOT = Path(__file__).resolve().parents[2]

BASE = {"cutsim.version"}
MODEL = BASE | {"cutsim.model"}
ENGINE = MODEL | {"cutsim.engine"}
LEVERS = ENGINE | {"cutsim.levers"}
FILES = MODEL | {"cutsim.files"}
WORKSPACE = FILES | {"cutsim.workspace"}
APPRAISE = LEVERS | {"cutsim.appraise"}
API = APPRAISE | FILES | {"cutsim.api"}
TOOLS = API | WORKSPACE

#: What each part of the core may import (besides itself). Mirrors docs/architecture.md.
ALLOWED: dict[str, set[str]] = {
    "cutsim.version": set(),
    "cutsim.model": BASE,
    "cutsim.engine": MODEL,  # the engine knows nothing of levers, appraisal, files or storage
    "cutsim.levers": ENGINE,  # nor do the levers: how money is judged is the appraisal's
    "cutsim.files": MODEL,
    "cutsim.workspace": FILES,
    "cutsim.appraise": LEVERS,
    "cutsim.api": APPRAISE | FILES,
    "cutsim.tools": TOOLS,
    "cutsim.publish": TOOLS,
    "cutsim.workshop": TOOLS | {"cutsim.publish"},  # minutes are printed like a publication
    "cutsim.consult": TOOLS | {"cutsim.publish", "cutsim.workshop"},  # residents' page
    "cutsim.cli": TOOLS | {"cutsim.publish", "cutsim.workshop", "cutsim.tools", "cutsim.consult",
                           "cutsim"},
    "cutsim": {"cutsim.version", "cutsim.api", "cutsim.cli"},  # lazy re-exports, __main__
}


def _graph(root: Path):
    return build_graph(root, ["cutsim", "ui"])


def test_every_core_module_belongs_to_a_part():
    graph = _graph(ROOT)
    core = [m for m in graph if m.split(".")[0] == "cutsim"]
    unplaced = [m for m in core if m != "cutsim" and m != "cutsim.__main__"
                and not any(m == p or m.startswith(p + ".") for p in ALLOWED if p != "cutsim")]
    assert unplaced == [], "modules at the top of cutsim/ that belong in a part: " + ", ".join(unplaced)


def test_no_import_circles_in_the_core_or_the_app():
    assert cycles(_graph(ROOT)) == []


def test_each_part_imports_only_the_parts_below_it():
    assert layer_violations(_graph(ROOT), ALLOWED) == []


def test_the_core_never_imports_the_app():
    graph = _graph(ROOT)
    bad = [f"{m} -> {t}" for m, ts in graph.items() if m.startswith("cutsim")
           for t in ts if t.split(".")[0] == "ui"]
    assert bad == []


@pytest.fixture
def copy_of_tree(tmp_path: Path) -> Path:
    for package in ("cutsim", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _plant(root: Path, relative: str, line: str, in_function: bool) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    if in_function:
        line = f"\n\ndef _planted():\n    {line}\n"
    path.write_text(text + "\n" + line + "\n", encoding="utf-8")


@pytest.mark.parametrize("in_function", [False, True])
def test_a_forbidden_import_is_caught(copy_of_tree: Path, in_function: bool):
    _plant(copy_of_tree, "cutsim/engine/money.py",
           "from cutsim.appraise.appraisal import npv", in_function)
    found = layer_violations(_graph(copy_of_tree), ALLOWED)
    assert found == ["cutsim.engine.money -> cutsim.appraise.appraisal "
                     "(cutsim.engine may not import cutsim.appraise)"]


def test_a_type_checking_import_is_not_counted(copy_of_tree: Path):
    _plant(copy_of_tree, "cutsim/engine/money.py",
           "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
           "    from cutsim.appraise.appraisal import npv", False)
    assert layer_violations(_graph(copy_of_tree), ALLOWED) == []


def test_a_planted_circle_is_caught(copy_of_tree: Path):
    _plant(copy_of_tree, "cutsim/model/schema.py", "import cutsim.model.validation", True)
    assert ["cutsim.model.schema", "cutsim.model.validation"] in cycles(_graph(copy_of_tree))
    _plant(copy_of_tree, "ui/settings.py", "from ui import main_window", True)
    assert any("ui.settings" in c and "ui.main_window" in c for c in cycles(_graph(copy_of_tree)))


#: Imports by name, which the import graph cannot see: each is a documented registry or
#: lazy loader (docs/architecture.md), and a new one must be added here knowingly.
IMPORTS_BY_NAME = {
    "cutsim/model/lever_kinds.py": "the lever kinds, found in cutsim/levers/kinds/ on first use",
    "cutsim/cli/__init__.py": "each command's module, loaded when the command runs",
    "ui/scenario/lever_forms/__init__.py": "the lever editor's forms, one module per kind",
}


def test_imports_by_name_are_only_the_documented_registries():
    found = sorted(str(p.relative_to(ROOT)) for top in ("cutsim", "ui")
                   for p in (ROOT / top).rglob("*.py")
                   if "import_module(" in p.read_text(encoding="utf-8"))
    assert found == sorted(IMPORTS_BY_NAME)


def test_the_lever_kinds_are_loaded_from_the_levers_part_only():
    """The model layer's one reach upward is the registry's load of the kinds' package."""
    from cutsim.model import lever_kinds

    assert lever_kinds.KINDS_PACKAGE == "cutsim.levers.kinds"
    for kind in lever_kinds.all_kinds():
        assert type(kind).__module__.startswith("cutsim.levers.kinds.")


# ---------------------------------------------------------------------------------------
# The app and the publication compute no money of their own (docs/architecture.md): they
# read the result's typed appraisal and bands. Neither imports the appraisal's module
# (discounting, NPV, present values, BCR, payback) nor a financial library, nor calls a
# discounting function by name, nor writes a discount factor as a power.

#: Packages that only show money the core computed.
READERS = ("ui", "cutsim/publish")
#: Modules that compute money over time; none of READERS may import them.
MONEY_MODULES = {"cutsim.appraise.appraisal", "numpy_financial"}
#: Functions that discount or price money; none of READERS may import or call them.
MONEY_FUNCTIONS = {"discount_factors", "place_discount_factors", "present_values", "npv",
                   "benefits_and_costs", "bcr", "payback_year", "payback_years", "year_rates",
                   "annual_of_rate", "appraise", "value_split", "waterfall", "price_procurement",
                   "pv", "fv", "irr"}


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _discount_power(node: ast.AST) -> bool:
    """``x ** -y``, ``(1 + r) ** y`` or ``numpy.power(1 + r, …)``: a discount factor."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        negative = isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub)
        one_plus = (isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Add)
                    and any(isinstance(side, ast.Constant) and side.value == 1
                            for side in (node.left.left, node.left.right)))
        return negative or one_plus
    return isinstance(node, ast.Call) and _called_name(node) == "power"


def money_computed(root: Path) -> list[str]:
    """Every place in READERS under ``root`` that imports or computes money over time."""
    found = []
    for package in READERS:
        for path in sorted((root / package).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
            for node in ast.walk(tree):
                line = f"{where}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Import):
                    found += [f"{line} imports {a.name}" for a in node.names
                              if a.name in MONEY_MODULES]
                elif isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                    names = {a.name for a in node.names}
                    if module in MONEY_MODULES or (module == "cutsim.appraise"
                                                   and "appraisal" in names):
                        found.append(f"{line} imports {module}")
                    found += [f"{line} imports {n}" for n in sorted(names & MONEY_FUNCTIONS)]
                elif isinstance(node, ast.Call) and _called_name(node) in MONEY_FUNCTIONS:
                    found.append(f"{line} calls {_called_name(node)}")
                if _discount_power(node):
                    found.append(f"{line} discounts ({ast.unparse(node)})")
    return found


def test_the_app_and_the_publication_compute_no_money():
    assert money_computed(ROOT) == []


@pytest.mark.parametrize(("relative", "line", "expected"), [
    ("ui/results/tables.py", "from cutsim.appraise.appraisal import benefits_and_costs",
     "imports cutsim.appraise.appraisal"),
    ("cutsim/publish/figures.py", "from cutsim.appraise import appraisal",
     "imports cutsim.appraise"),
    ("ui/results/charts.py", "weights = result.discount_factors(10, 0.035)",
     "calls discount_factors"),
    ("cutsim/publish/disclosure.py", "factor = (1 + 0.035) ** 4", "discounts"),
    ("ui/results/dock.py", "factors = np.power(1.035, -np.arange(10))", "discounts"),
])
def test_money_computed_in_a_reader_is_caught(copy_of_tree: Path, relative: str, line: str,
                                              expected: str):
    _plant(copy_of_tree, relative, line, True)
    found = money_computed(copy_of_tree)
    assert len(found) >= 1 and all(f.startswith(relative) for f in found)
    assert any(expected in f for f in found), found
