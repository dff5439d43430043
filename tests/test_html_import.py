"""Saved pages to content files: main text, metadata, live-blog headings, source, copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parallax.domains import find_origin, guess_source
from parallax.drafts import render_content_file
from parallax.html_import import Block, draft_page, read_page, restore_headings
from parallax.importer import ImportOptions, import_files
from parallax.model import Registries, Source, SourceRef

HTML = Path(__file__).parent / "fixtures" / "html"
TODAY = dt.date(2026, 1, 1)
REGISTRIES = Registries(
    sources=tuple(
        Source(key, name, domain, "GB", group, None, None, SourceRef("sources.yml"))
        for key, name, domain, group in [
            ("ledger", "The Northern Ledger", "northernledger.example", "western"),
            ("newshub", "NewsHub", "newshub.example", "other"),
            ("wire", "Wire News", "wirenews.example", "western"),
        ]
    )
)


def _draft(name: str, registries: Registries = REGISTRIES, kind: str | None = None):
    page = read_page((HTML / name).read_bytes(), TODAY)
    assert page is not None
    origin = find_origin((None, *page.urls), page.site_name, registries, None)
    return draft_page(page, origin, kind), origin


def test_article_keeps_the_text_and_drops_menus_banners_boxes_and_comments():
    draft, _ = _draft("ledger_article.html")
    assert render_content_file(draft.front_matter, draft.body) == (
        "---\n"
        'title: "Harbour crane collapse injures four"\n'
        "source: ledger\n"
        "published: 2024-05-31\n"
        'url: "https://www.northernledger.example/news/2024/05/31/harbour-crane-collapse"\n'
        'author: "Mira Kowalski"\n'
        "language: en\n"
        "kind: article\n"
        "tags: []\n"
        "---\n"
        "A crane collapsed at the southern harbour on Friday morning, injuring four dock "
        "workers, the port authority said.\n\n"
        '"The operator reported a fault minutes before the boom gave way," a spokesperson for '
        "the authority told reporters at the gate.\n\n"
        "## Inspections ordered\n\n"
        "The harbour master ordered inspections of all twelve cranes of the same model and "
        "suspended loading at two berths until Monday.\n\n"
        "Two of the injured were taken to the regional hospital, where one remained in a "
        "serious condition, officials said.\n"
    )
    assert draft.notes == (
        "line 1: headline, moved to the title: Harbour crane collapse injures four",
    )
    assert draft.dest_path == "articles/ledger/2024-05-31-harbour-crane-collapse-injures-four.md"


def test_live_blog_entries_keep_their_headings():
    draft, _ = _draft("courier_liveblog.html")
    assert draft.front_matter.kind == "liveblog"
    headings = [line for line in draft.body.split("\n") if line.startswith("## ")]
    assert headings == [
        "## River peaks at record level in Eastbridge",
        "## Schools closed across the valley",
        "## Rail line suspended",
        "## Evacuation centre opens at sports hall",
        "## Mayor appeals for calm",
    ]
    assert "Most read" not in draft.body and "cookies" not in draft.body
    assert (draft.front_matter.published, draft.front_matter.authors) == (
        dt.date(2024, 4, 2),
        ("Tom Reyes",),
    )


def test_kind_given_on_the_command_line_wins():
    draft, _ = _draft("courier_liveblog.html", kind="article")
    assert draft.front_matter.kind == "article"


def test_a_new_domain_gets_todo_and_a_registry_entry():
    draft, origin = _draft("courier_liveblog.html")
    assert draft.front_matter.source is None
    assert draft.dest_path == "articles/todo/2024-04-02-flood-crisis-live-updates.md"
    assert origin.guess.entry == (
        "riversidecourier:\n"
        '  name: "Riverside Courier"\n'
        "  domain: riversidecourier.example\n"
        "  country: TODO  # ISO 3166-1 alpha-2, e.g. GB\n"
        "  group: TODO  # a perspective group used in sources.yml\n"
    )


@pytest.mark.parametrize(
    ("url", "key", "closest"),
    [
        ("https://www.northernledger.example/a", "ledger", None),
        ("https://live.northernledger.example/a", "ledger", None),  # a subdomain
        ("https://northernledgers.example/a", None, "ledger"),  # a look-alike: only suggested
        ("https://elsewhere.example/a", None, None),
    ],
)
def test_source_from_the_domain(url, key, closest):
    guess = guess_source(url, None, REGISTRIES)
    assert guess.key == key
    assert (guess.closest.key if guess.closest else None) == closest


def test_a_canonical_url_on_another_known_source_makes_a_copy():
    draft, origin = _draft("newshub_copy_canonical.html")
    fm = draft.front_matter
    assert (fm.source, fm.syndicated_from) == ("newshub", "wire")
    assert fm.url == "https://newshub.example/world/grain-ship-leaves-port"  # no utm_source
    assert origin.why_copy == "its canonical URL is on wirenews.example, a domain of wire"
    assert "Read more" not in draft.body
    assert draft.front_matter.language == "en"  # from lang="en-GB"


def test_a_site_name_of_another_known_source_makes_a_copy():
    draft, origin = _draft("newshub_copy_sitename.html")
    assert (draft.front_matter.source, draft.front_matter.syndicated_from) == ("newshub", "wire")
    assert origin.why_copy == 'its site name "Wire News" is the name of wire'


def test_restore_headings_only_right_above_a_kept_paragraph():
    dom = [
        Block(True, "Entry one"),
        Block(False, "09:40"),
        Block(False, "First entry text that is long enough to be a paragraph."),
        Block(True, "Most read"),
        Block(False, "Some teaser headline that trafilatura dropped from the page"),
        Block(False, "Second paragraph that trafilatura kept as part of the article."),
    ]
    kept = [Block(False, dom[2].text), Block(False, dom[5].text)]
    assert restore_headings(kept, dom) == (Block(True, "Entry one"), *kept)


def test_import_files_writes_a_saved_page(tmp_path):
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    (report,), problems = import_files(
        [HTML / "newshub_copy_canonical.html"], ImportOptions(), root, REGISTRIES
    )
    assert problems == ()
    assert (report.status, report.syndicated_from) == ("created", "wire")
    assert report.review == (
        "syndicated_from: wire, because its canonical URL is on wirenews.example, a domain of wire",
    )
    assert (root / report.dest_path).read_text(encoding="utf-8").count("syndicated_from: wire") == 1


def test_an_unknown_domain_in_the_report(tmp_path):
    root = tmp_path / "content"
    (root / "articles").mkdir(parents=True)
    (report,), _ = import_files([HTML / "ledger_article.html"], ImportOptions(), root, Registries())
    assert report.todos == ("source",)
    assert report.source_entry is not None and report.source_entry.startswith("northernledger:\n")
