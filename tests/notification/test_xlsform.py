"""The form as an XLSForm workbook, converted by the real pyxform."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from openpyxl import load_workbook
from pyxform.xls2xform import convert

from sosdata.notification.form import QUESTIONS
from sosdata.notification.xlsform import relevant

NS = {"x": "http://www.w3.org/2002/xforms"}


def test_the_xlsform_workbook_converts_with_pyxform(cli, tmp_path):
    out = tmp_path / "form.xlsx"
    result = cli("notification", "form", "--format", "xlsform", "--out", out)
    assert result.exit_code == 0, result.stderr

    workbook = load_workbook(out)
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in workbook["survey"][1]]
    assert {"label::fi", "label::sv", "label::en", "relevant", "required"} <= set(header)
    names = [row[1] for row in workbook["survey"].iter_rows(min_row=2, values_only=True)]
    # every question of the model is there, in order (groups open and close with the same name)
    first_seen = list(dict.fromkeys(n.split("__")[0].removeprefix("contact_") for n in names))
    assert [n for n in first_seen if n in QUESTIONS] == list(QUESTIONS)

    xform = ElementTree.fromstring(convert(xlsform=str(out)).xform)
    # three languages, the conditions as relevant, the municipalities filtered by county
    translations = xform.findall(".//x:itext/x:translation", NS)
    assert sorted(t.get("lang") for t in translations) == ["en", "fi", "sv"]
    binds = {b.get("nodeset"): b.attrib for b in xform.iter(f"{{{NS['x']}}}bind")}
    other = binds["/data/other_client_system"]["relevant"]
    assert re.sub(r"\s+", "", other) == "selected(/data/client_systems,'other')"
    assert binds["/data/contact/contact_email"]["required"] == "true()"
    itemsets = [i.get("nodeset") for i in xform.iter(f"{{{NS['x']}}}itemset")]
    assert any("county" in n and "municipality" in n for n in itemsets)


def test_relevant_is_the_models_condition():
    assert relevant(QUESTIONS["discussion_topics"].condition) == "selected(${discussions}, 'yes')"
    assert relevant(QUESTIONS["contact"].condition) == ""
    assert relevant(QUESTIONS["social_service_delivery"].condition).count(" or ") == 2
