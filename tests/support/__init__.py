"""Helpers shared by the test suites (``tests/core``, ``tests/ui``, ``tests/packaging``).

``tests`` is on ``sys.path`` (``pythonpath`` in ``pyproject.toml``), so a test imports
them as ``from support.result_contract import result_problems``.
"""
