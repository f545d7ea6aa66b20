"""Snippets: placeholders parsed into fields, names checked, stored in the vault and
audited by id only."""

from __future__ import annotations

from datetime import date

import pytest

from therapynotes.domain.snippets import Snippet, expand
from therapynotes.services.demo import DemoSpec, build
from therapynotes.services.session import VaultSession
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.templates import TemplateService
from therapynotes.store import audit
from therapynotes.writing_errors import InvalidSnippet, SnippetExists


def test_placeholders_become_fields() -> None:
    got = expand("Mood {{mood}}, affect {{ affect }}. {{}} stays")
    assert got.text == "Mood mood, affect affect. {{}} stays"
    assert [got.text[s : s + n] for s, n in got.fields] == ["mood", "affect"]
    assert expand("no fields").fields == ()


def test_snippets_are_kept_and_names_are_unique(unlocked: VaultSession) -> None:
    service = SnippetService(unlocked)
    first = service.save(Snippet("/MSE", "Mood {{mood}}"))
    assert service.all() == [Snippet("mse", "Mood {{mood}}", first)]
    with pytest.raises(SnippetExists):
        service.save(Snippet("mse", "again"))
    service.save(Snippet("mse", "Mood {{mood}}, affect {{affect}}", first))
    assert service.all()[0].body.endswith("{{affect}}")
    service.delete(first)
    assert service.all() == []
    rows = [e for e in audit.entries(unlocked.conn) if e.kind == "snippet.changed"]
    assert [r.detail["action"] for r in rows] == ["created", "changed", "deleted"]
    assert all(r.subject == f"snippet:{first}" for r in rows)
    assert "Mood" not in repr(rows)


@pytest.mark.parametrize(
    "snippet", [Snippet("two words", "x"), Snippet("", "x"), Snippet("ok", "  "),
                Snippet("x" * 33, "x"), Snippet("ok", "x" * 20_001)]
)  # fmt: skip
def test_bad_snippets_are_refused(unlocked: VaultSession, snippet: Snippet) -> None:
    with pytest.raises(InvalidSnippet):
        SnippetService(unlocked).save(snippet)


def test_the_demo_practice_has_writing_aids(unlocked: VaultSession) -> None:
    build(unlocked.conn, DemoSpec(clients=3, years=1, seed=1), today=date(2027, 1, 10))
    assert [s.trigger for s in SnippetService(unlocked).all()] == ["hw", "mse", "risk"]
    own = [e.template for e in TemplateService(unlocked).entries() if not e.builtin]
    assert [t.id for t in own] == ["own-1@1"] and own[0].sections[3].required
    assert "Okonkwo" in SpellingService(unlocked).words()
