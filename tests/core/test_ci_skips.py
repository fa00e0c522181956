"""In CI a test that cannot run fails rather than skipping silently (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

PLANTED = '''
import sys
import pytest

def test_needs_a_missing_tool():
    pytest.skip("a missing tool is not installed")

@pytest.mark.skipif(True, reason="POSIX permission bits")
def test_for_another_platform():
    pass

def test_runs():
    assert True
'''


@pytest.fixture
def planted(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8").replace(
        'pytest_plugins = ["pytester"]', "pytest_plugins: list[str] = []"))
    pytester.makepyfile(test_planted=PLANTED)
    return pytester


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_in_ci_a_skip_fails_unless_allowed(planted: pytest.Pytester,
                                          monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    run = planted.runpytest("-p", "no:cacheprovider", "-rA")
    run.assert_outcomes(passed=1, failed=1, skipped=1)
    run.stdout.fnmatch_lines(["*skipped in CI, where every test must run: "
                              "a missing tool is not installed*"])


@pytest.mark.parametrize("value", [None, "", "false"])
def test_outside_ci_a_skip_is_a_skip(planted: pytest.Pytester,
                                     monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    run = planted.runpytest("-p", "no:cacheprovider")
    run.assert_outcomes(passed=1, skipped=2)


MODULE_SKIP = '''
import pytest

pytest.importorskip("a_package_that_is_not_installed")


def test_never_reached():
    pass
'''


def test_in_ci_a_module_that_skips_itself_is_an_error(planted: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    planted.makepyfile(test_missing_package=MODULE_SKIP)
    monkeypatch.setenv("CI", "true")
    run = planted.runpytest("-p", "no:cacheprovider", "test_missing_package.py")
    run.assert_outcomes(errors=1)
    run.stdout.fnmatch_lines(["*skipped in CI, where every test must run*"])
    monkeypatch.delenv("CI")
    outside = planted.runpytest("-p", "no:cacheprovider", "test_missing_package.py")
    outside.assert_outcomes(skipped=1)
