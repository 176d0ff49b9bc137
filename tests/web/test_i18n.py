"""Both catalogues are complete and agree with the template and the sources; pages speak Chinese."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from careloop.accounts.model import Role
from careloop.web import i18n
from careloop.web.i18n import LOCALES, Formatter, viewer_zone

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "src" / "careloop" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _source_dirs(path: str) -> bool:
    """Walk the sources only (not the virtualenv, node_modules or caches)."""
    relative = Path(path).resolve().relative_to(ROOT).parts
    return not relative or (relative[0] == "src" and not relative[-1].startswith((".", "_")))


def _po(locale: str) -> Catalog:
    return _catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    catalog = _po(locale)
    assert len(_ids(catalog)) > 100
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert untranslated == []


@pytest.mark.parametrize("locale", LOCALES)
def test_template_and_catalogue_hold_the_same_messages(locale):
    pot = _ids(_catalog(LOCALE_DIR / "messages.pot"))
    po = _ids(_po(locale))
    assert pot - po == set(), "in messages.pot but not translated"
    assert po - pot == set(), "translated but no longer in messages.pot"


def test_template_is_up_to_date_with_the_sources():
    """Run the extraction babel.cfg describes: a new string must reach messages.pot."""
    with (ROOT / "babel.cfg").open() as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options_map, directory_filter=_source_dirs
        )
    }
    pot = _ids(_catalog(LOCALE_DIR / "messages.pot"))
    assert found - pot == set(), "run pybabel extract and update (see babel.cfg)"
    assert pot - found == set(), "messages.pot holds strings no source uses any more"


def test_translations_keep_their_placeholders():
    for message in _po("zh_Hans"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:  # a plural: every form keeps the placeholders of the plural id
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(ids[-1])), (
                message.id
            )


def test_catalogue_is_read_from_the_po_when_not_compiled(tmp_path, monkeypatch):
    target = tmp_path / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po", target)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n.translations.__wrapped__("zh_Hans").gettext("Inbox") == "收件箱"


def test_formatter_speaks_chinese():
    fmt = Formatter("zh_Hans", viewer_zone("Asia/Shanghai"))
    from datetime import UTC, datetime

    assert fmt.when(datetime(2026, 11, 2, 9, 0, tzinfo=UTC)) == "2026年11月2日 17:00"
    assert fmt.money(Decimal("189.90"), "EUR") == "€189.90"
    assert fmt.money(Decimal("1299"), "CNY") == "¥1,299.00"
    assert fmt.country("NG") == "尼日利亚"
    assert fmt.label("status", "on_hold") == "挂起"


def test_lang_parameter_switches_to_chinese_and_sticks(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT, timezone="Asia/Shanghai"))
    ticket = make_ticket(country="NG", category="quality")
    page = browser.get(f"/tickets/{ticket.id}?lang=zh_Hans").text
    assert '<html lang="zh-Hans">' in page
    assert "对话" in page and "回复客户" in page and "发送回复" in page
    assert "新建" in page and "质量" in page and "尼日利亚" in page  # labels, country names
    assert "创建于 2026年11月2日 17:00" in page
    assert "Conversation" not in page
    # The choice is kept in the session for the next pages.
    inbox = browser.get("/tickets").text
    assert "收件箱" in inbox and "已保存的视图" in inbox
    back = browser.get("/tickets?lang=en").text
    assert "Inbox" in back and "收件箱" not in back


def test_user_locale_is_the_default(sign_in, make_user, db, clock):
    from careloop.accounts import actions as accounts
    from tests.conftest import TEST_ACTOR

    user = accounts.create_user(
        db,
        actor=TEST_ACTOR,
        now=clock.now(),
        email="li.wei@example.com",
        name="Li Wei",
        role=Role.AGENT,
        password="correct horse battery",
        locale="zh_Hans",
    )
    browser = sign_in(user)
    page = browser.get("/tickets").text
    assert "收件箱" in page and "退出登录" in page


def test_chinese_flash_and_errors(sign_in, make_user, make_ticket):
    browser = sign_in(make_user(Role.AGENT))
    ticket = make_ticket()
    browser.get("/tickets?lang=zh_Hans")
    r = browser.post(f"/tickets/{ticket.id}/reply", {"body": ""})
    assert r.status_code == 422 and "请先填写消息内容。" in r.text
    browser.post(f"/tickets/{ticket.id}/note", {"body": "批次问题"})
    assert "备注已添加。" in browser.get(f"/tickets/{ticket.id}").text
    assert "此页面不存在。" in browser.get("/tickets/424242").text


def test_login_page_in_chinese(client):
    page = client.get("/login?lang=zh_Hans").text
    assert "登录 careloop" in page and "密码" in page
