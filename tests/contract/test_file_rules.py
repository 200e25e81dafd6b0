"""Every file rule of the contract is declared once (`contract/file_rules.py`), raised somewhere, and nothing
raises a rule that is not declared."""

import ast

import pytest

from ucj_pipeline.contract.file_names import ExtractRejected
from ucj_pipeline.contract.file_rules import FILE_RULES, file_rule
from ucj_pipeline.runtime.paths import PACKAGE_ROOT


def string_constants() -> set[str]:
    found = set()
    for path in PACKAGE_ROOT.rglob("*.py"):
        if path.name == "file_rules.py":
            continue
        found |= {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)}
    return found


def test_every_declared_file_rule_is_raised_somewhere_in_the_code():
    constants = string_constants()
    assert [rule for rule in FILE_RULES if rule not in constants] == []


def test_a_rule_the_contract_does_not_declare_cannot_be_raised():
    with pytest.raises(ValueError, match="'made_up' is not a file rule of the contract"):
        ExtractRejected("PALOPO_20251231.csv", "made_up", "no such rule")
    with pytest.raises(ValueError):
        file_rule("format_clash")
    assert ExtractRejected("X.csv", "encoding", "UTF-16").rule == "encoding"
