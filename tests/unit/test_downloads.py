"""Download names survive any script: a header value must be Latin-1 (a batch named in Chinese
once made the CSV export answer 500)."""

from __future__ import annotations

from urllib.parse import unquote

from careloop.downloads import attachment


def test_an_ascii_name_is_kept_and_given_twice():
    header = attachment("receivers-WIG-1-B2642-02.csv")["Content-Disposition"]
    assert header.startswith('attachment; filename="receivers-WIG-1-B2642-02.csv"')
    header.encode("latin-1")


def test_a_name_in_another_script_is_sent_exactly_in_filename_star():
    header = attachment("客户-批次Ā.csv")["Content-Disposition"]
    header.encode("latin-1")  # would raise before
    plain, _, exact = header.partition("; filename*=UTF-8''")
    assert plain == 'attachment; filename="-_.csv"'  # an ASCII stand-in for old clients
    assert unquote(exact) == "客户-批次Ā.csv"
    assert '"' not in exact and ";" not in exact
