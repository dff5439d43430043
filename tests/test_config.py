"""Settings under extra.digest: defaults, validation of every key at once."""

from __future__ import annotations

from parallax.config import Settings, load_config, settings_from_mapping
from parallax.model import SourceRef
from parallax.problems import format_problem

WHERE = SourceRef("mkdocs.yml", 1)


def test_no_digest_section_gives_the_defaults():
    assert settings_from_mapping(None, WHERE) == (Settings(), ())


def test_good_values_are_taken():
    settings, problems = settings_from_mapping({"event_threshold": 70, "latest_stories": 5}, WHERE)
    assert problems == ()
    assert (settings.event_threshold, settings.latest_stories) == (70.0, 5)


def test_every_bad_key_is_reported_at_once():
    _, problems = settings_from_mapping(
        {"event_threshold": "high", "latest_stories": 0, "event_windw_days": 3}, WHERE
    )
    assert [format_problem(p) for p in problems] == [
        "mkdocs.yml:1: extra.digest.event_threshold: expected a number 0–100, got 'high'\n"
        "  hint: the default is 12.0; see the settings table in README.md",
        "mkdocs.yml:1: extra.digest.event_windw_days: unknown setting (warning)\n"
        '  hint: did you mean "event_window_days"?',
        "mkdocs.yml:1: extra.digest.latest_stories: expected an integer 1–1,000, got 0\n"
        "  hint: the default is 20; see the settings table in README.md",
    ]


def test_the_repository_config_is_valid(tmp_path):
    from tests.conftest import REPO

    site, problems = load_config(REPO / "mkdocs.yml")
    assert problems == ()
    assert (site.site_name, site.docs_dir, site.site_dir) == ("Parallax", "site_src", "site")
