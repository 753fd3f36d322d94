import time

import pytest

from newsletter.forms import BOT, HUMAN, STALE, SignupForm, new_stamp


def _verdict(**data):
    form = SignupForm(data={"email": "a@example.com", "placement": "page", **data})
    assert form.is_valid(), form.errors
    return form.verdict()


@pytest.mark.parametrize(
    "age, verdict",
    [(-5, BOT), (0, BOT), (1.9, BOT), (2.1, HUMAN), (3599, HUMAN), (3601, STALE)],
)
def test_stamp_age_edges(settings, age, verdict):
    assert (settings.NEWSLETTER_MIN_FILL_SECONDS, settings.NEWSLETTER_FORM_MAX_AGE) == (2, 3600)
    assert _verdict(rendered_at=new_stamp(time.time() - age)) == verdict


def test_max_age_follows_the_setting(settings):
    settings.NEWSLETTER_FORM_MAX_AGE = 60
    assert _verdict(rendered_at=new_stamp(time.time() - 61)) == STALE


def test_a_stamp_is_good_for_one_signup():
    stamp = new_stamp(time.time() - 30)
    assert [_verdict(rendered_at=stamp) for _ in range(3)] == [HUMAN, STALE, STALE]
    assert _verdict(rendered_at=new_stamp(time.time() - 30)) == HUMAN


def test_a_filled_honeypot_is_a_bot_whatever_the_stamp():
    assert _verdict(rendered_at=new_stamp(time.time() - 30), website="http://spam.example") == BOT


def test_without_the_cache_stamps_are_let_through_and_a_warning_logged(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr("django.core.cache.backends.locmem.LocMemCache.add", down)
    assert _verdict(rendered_at=new_stamp(time.time() - 30)) == HUMAN
    assert "Signup stamp not recorded: the cache is unavailable." in caplog.text


def test_cached_page_form_has_no_stamp_and_others_a_fresh_one():
    assert SignupForm(cached_page=True).initial["rendered_at"] == ""
    assert SignupForm().initial["rendered_at"] != SignupForm().initial["rendered_at"]


@pytest.mark.parametrize("placement", ["article", "home", "other"])
def test_shared_box_is_the_crispy_form_written_out(settings, placement):
    """Every public page shows the signup form from a plain template; it must stay SignupForm's own markup."""
    from crispy_forms.utils import render_crispy_form
    from django.template.loader import render_to_string
    from django.test.html import parse_html

    from newsletter.templatetags.newsletter_tags import shared_form

    settings.NEWSLETTER_CONSENT_TEXT = "I agree to <a href='/privacy/'>the terms</a> & more."
    source = '/blog/a-"quoted"-path/'
    form = SignupForm(initial={"source": source, "placement": placement}, cached_page=True)
    crispy = render_crispy_form(form)
    plain = render_to_string("includes/newsletter_shared_form.html", {"shared_form": shared_form(source, placement)})
    assert parse_html(plain) == parse_html(crispy)
    assert "&quot;quoted&quot;" in plain and "<a href" in plain
