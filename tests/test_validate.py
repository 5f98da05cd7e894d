"""Every rule of `make validate` has a minimal broken fixture here and expects its exact problems.

Each case starts from a copy of the real package, breaks it in one place, and asserts the complete
set of problems as (file, row, column, rule), and that one of them is worded as the regex says. Row numbers count
the header as row 1, as spreadsheets and frictionless do.
"""
from __future__ import annotations

import pandas as pd
import pytest

from scripts import changelog, descriptor
from scripts import validate as V
from tests.conftest import (ROOT, append_row, read_rows, write_rows, copy_row, delete_row, edit_bytes, edit_json, record_checksums,
                            resource, set_cell, set_row)

F, E, A, S = "data/figures.csv", "data/events.csv", "data/actors.csv", "data/sources.csv"
FL = "data/figure_links.csv"
DP = "datapackage.json"


def problems_of(root):
    return V.validate(root)


def located(problems):
    return {(r.file, None if pd.isna(r.row) else int(r.row), r.column if isinstance(r.column, str) else None, r.rule)
            for r in problems.itertuples()}


def test_the_package_is_valid():
    problems = problems_of(ROOT)
    assert problems.empty, problems.to_string()


def test_the_fixture_package_is_valid(pkg):
    # The broken fixtures below start from it: it must be valid under the schemas as they are.
    problems = problems_of(pkg)
    assert problems.empty, problems.to_string()


CASES = [
    # --- the descriptor -------------------------------------------------------------------------
    pytest.param([edit_bytes(DP, lambda b: b.replace(b'"name": "belarus', b'"name" "belarus', 1))],
                 {(DP, 3, None, "descriptor")}, r"not valid JSON: Expecting ':' delimiter at line 3", id="descriptor-not-json"),
    pytest.param([edit_json(DP, lambda d: d.update(licenses="CC-BY-4.0"))],
                 {(DP, None, None, "descriptor")}, r"licenses", id="descriptor-not-a-valid-package"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").pop("profile"))],
                 {(DP, None, "resources/roles", "r-compatibility")}, r"profile None, not 'tabular-data-resource'",
                 id="resource-without-tabular-profile"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(path="../roles.csv"))],
                 {(DP, None, "resources/roles", "path-outside-package"), ("data/roles.csv", None, None, "unlisted-file")},
                 r"points outside the package", id="path-outside-package"),
    pytest.param([lambda root: (root / "data/roles.csv").unlink()],
                 {(DP, None, "resources/roles", "missing-file")}, r"data/roles.csv does not exist", id="missing-data-file"),
    pytest.param([edit_json("schemas/roles.schema.json", lambda d: d["fields"][1].update(type="list"))],
                 {("schemas/roles.schema.json", None, "label", "schema")}, r"type 'list'", id="schema-list-type"),
    pytest.param([edit_json(DP, lambda d: d.pop("temporal"))],
                 {(DP, None, None, "descriptor")}, r"no valid 'temporal'", id="no-temporal-coverage"),
    pytest.param([lambda root: (root / "data/extra.csv").write_text("a\n1\n")],
                 {("data/extra.csv", None, None, "unlisted-file")}, r"not a resource", id="unlisted-data-file"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(schema="/etc/roles.schema.json"))],
                 {(DP, None, "resources/roles", "path-outside-package")},
                 r"schema '/etc/roles.schema.json' points outside", id="schema-path-outside-package"),
    pytest.param([lambda root: (root / "schemas/roles.schema.json").unlink()],
                 {(DP, None, "resources/roles", "missing-file")},
                 r"schema file schemas/roles.schema.json does not exist", id="missing-schema-file"),
    # --- recorded size and hash (a release's descriptor records them) ----------------------------
    pytest.param([record_checksums("roles"), edit_bytes("data/roles.csv", lambda b: b.replace(b"Issuer,", b"Issuex,"))],
                 {("data/roles.csv", None, None, "hash")}, r"^sha256 is [0-9a-f]{64}, the descriptor says [0-9a-f]{64}$",
                 id="tampered-file"),
    pytest.param([record_checksums("roles"), edit_bytes("data/roles.csv", lambda b: b[:-1])],
                 {("data/roles.csv", None, None, "bytes"), ("data/roles.csv", None, None, "hash"),
                  ("data/roles.csv", 11, None, "final-newline")},
                 r"^the file has 658 bytes, the descriptor says 659$", id="truncated-file"),
    pytest.param([record_checksums("roles", algorithm="md5", prefix=False), edit_bytes("data/roles.csv", lambda b: b.replace(b"Issuer,", b"Issuex,"))],
                 {("data/roles.csv", None, None, "hash")}, r"^md5 is [0-9a-f]{32}, the descriptor says [0-9a-f]{32}$",
                 id="tampered-file-bare-md5-hash"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(bytes=1))],
                 {("data/roles.csv", None, None, "bytes")}, r"^the file has 659 bytes, the descriptor says 1$", id="wrong-bytes"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(bytes="659"))],
                 {(DP, None, "resources/roles", "bytes")}, r"resource 'roles' has bytes '659', not a whole number", id="bytes-not-a-number"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(hash="sha256:abc123"))],
                 {(DP, None, "resources/roles", "hash")}, r"resource 'roles' has hash 'sha256:abc123', not '<algorithm>:<hex digest>'",
                 id="malformed-hash"),
    pytest.param([edit_json(DP, lambda d: resource(d, "roles").update(hash="crc32:" + "0" * 64))],
                 {(DP, None, "resources/roles", "hash")}, r"with algorithm md5, sha1, sha256, sha512", id="unsupported-hash-algorithm"),
    # --- the form of a file ---------------------------------------------------------------------
    pytest.param([edit_bytes("data/roles.csv", lambda b: b"\xef\xbb\xbf" + b)],
                 {("data/roles.csv", 1, None, "byte-order-mark")}, r"byte-order mark", id="bom"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"\n", b"\r\n"))],
                 {("data/roles.csv", 1, None, "line-endings")}, r"11 carriage return", id="windows-line-endings"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace("Takes part".encode(), "Tak\xe9s part".encode("latin-1")))],
                 {("data/roles.csv", 6, None, "encoding"), ("data/roles.csv", 6, "definition", "forbidden-character")},
                 r"not valid UTF-8", id="wrong-encoding"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.rstrip(b"\n"))],
                 {("data/roles.csv", 11, None, "final-newline")}, r"does not end with a line break", id="no-final-newline"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"\nissuer", b"\n\nissuer"))],
                 {("data/roles.csv", 5, None, "blank-row")}, r"blank row", id="blank-row"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"issuer,Issuer,", b"issuer,Issuer,x,"))],
                 {("data/roles.csv", 5, None, "ragged-row")}, r"row has 4 fields, the header has 3", id="ragged-row"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"code,label,definition", b"code,definition,label"))],
                 {("data/roles.csv", 1, None, "header")}, r"columns are out of order", id="reordered-columns"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"code,label,", b"code,name,"))],
                 {("data/roles.csv", 1, None, "header")}, r"missing column\(s\) \['label'\]; unexpected column\(s\) \['name'\]",
                 id="renamed-column"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"code,label,definition\n", b"code,label,definition,comment\n"))],
                 {("data/roles.csv", 1, None, "header")} | {("data/roles.csv", r, None, "ragged-row") for r in range(2, 12)},
                 r"unexpected column\(s\) \['comment'\]", id="extra-column"),
    pytest.param([lambda root: write_rows(root, "roles", [r[:2] for r in read_rows(root, "roles")])],
                 {("data/roles.csv", 1, None, "header")}, r"missing column\(s\) \['definition'\]", id="missing-column"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"\n", b"\r"))],
                 {("data/roles.csv", 1, None, "line-endings")}, r"carriage return", id="old-mac-line-endings"),
    pytest.param([set_cell("roles", "issuer", "label", " Issuer")],
                 {("data/roles.csv", 5, "label", "whitespace")}, r"leading or trailing whitespace", id="leading-whitespace"),
    pytest.param([set_cell("events", "evt-0001", "date_note", "   ")],
                 {(E, 2, "date_note", "whitespace-only")}, r"only whitespace", id="whitespace-only"),
    pytest.param([set_cell("roles", "issuer", "label", "Iss\x00uer")],
                 {("data/roles.csv", 5, "label", "forbidden-character")}, r"U\+0000", id="nul-character"),
    pytest.param([set_cell("roles", "issuer", "label", "Issuer\u202e")],
                 {("data/roles.csv", 5, "label", "forbidden-character")}, r"U\+202E", id="bidi-override"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"\nissuer,", b'\n"issuer",'))],
                 {("data/roles.csv", 5, None, "not-canonical")}, r"not in canonical CSV form", id="needless-quotes"),
    pytest.param([copy_row("roles", "broadcaster", code="zz_last"), delete_row("roles", "broadcaster"),
                  append_row("roles", ["broadcaster", "Broadcaster", "Carries the statement to the public."])],
                 {("data/roles.csv", 12, None, "sort-order")},
                 r"not sorted by the primary key \(code\)", id="unsorted-rows"),
    # --- free text: spreadsheet formulas, markup, personal data ------------------------------------
    # '=', '+', '-' and '@' at the start of a cell make spreadsheets evaluate it as a formula.
    *[pytest.param([set_cell("events", "evt-0001", "summary", text)], {(E, 2, "summary", "formula-injection")},
                   r"starts with =, \+, - or @", id=f"formula-injection-{name}")
      for name, text in [("equals", "=HYPERLINK(\"http://x\")"), ("plus", "+7 arrests"), ("minus", "-1 day"), ("at", "@cmd")]],
    pytest.param([set_cell("events", "evt-0001", "summary", "Protests <script>alert(1)</script> began")],
                 {(E, 2, "summary", "markup")}, r"HTML or script markup", id="html-script"),
    pytest.param([set_cell("actors", "act-0001", "note", "Contact: someone@example.org")],
                 {(A, 2, "note", "personal-data")}, r"e-mail address", id="email-address"),
    pytest.param([set_cell("figures", "fig-0001", "note", "Called +375 29 123 45 67 for details")],
                 {(F, 2, "note", "personal-data")}, r"phone number", id="international-phone"),
    pytest.param([set_cell("figures", "fig-0001", "note", "Number (029) 123-45-67 given")],
                 {(F, 2, "note", "personal-data")}, r"phone number", id="local-phone"),
    # --- types and Table Schema constraints -------------------------------------------------------
    pytest.param([set_cell("figures", "fig-0002", "value_stated", "7,000")],
                 {(F, 3, "value_stated", "type")}, r"not a valid number", id="thousands-separator"),
    pytest.param([set_cell("figures", "fig-0002", "value_high", "seven thousand")],
                 {(F, 3, "value_high", "type")}, r"not a valid number", id="number-in-words"),
    pytest.param([set_cell("figures", "fig-0004", "value_low", "-2")],
                 {(F, 5, "value_low", "minimum"), (F, 5, "value_low", "bounds-qualifier")},
                 r"violates constraint minimum = 0", id="negative-count"),
    pytest.param([set_cell("events", "evt-0001", "start_date", "2020-02-30")],
                 {(E, 2, "start_date", "type")}, r"not a valid date", id="impossible-date"),
    pytest.param([set_cell("events", "evt-0001", "start_date", "2020-8-9")],
                 {(E, 2, "start_date", "type")}, r"not a valid date", id="ambiguous-date"),
    pytest.param([set_cell("figures", "fig-0002", "value_high", "7.000.000")],
                 {(F, 3, "value_high", "type")}, r"not a valid number", id="two-decimal-points"),
    pytest.param([set_cell("events", "evt-0001", "start_date", "09/08/2020")],
                 {(E, 2, "start_date", "type")}, r"not a valid date", id="non-iso-date"),
    pytest.param([set_cell("sources", "src-0001", "consulted", "yes")],
                 {(S, 2, "consulted", "type")}, r"not one of \['true', 'TRUE', 'True', 'false', 'FALSE', 'False'\]", id="bad-boolean"),
    pytest.param([set_cell("events", "evt-0001", "summary", "")],
                 {(E, 2, "summary", "required")}, r"the value is missing", id="required-value"),
    pytest.param([set_cell("figures", "fig-0003", "figure_id", "fig-0003x")],
                 {(F, 4, "figure_id", "pattern")}, r"violates constraint pattern = '\^fig-\[0-9\]\{4,\}\$'", id="malformed-id"),
    pytest.param([set_cell("figures", "fig-0003", "figure_id", "fig-0003\u200b")],
                 {(F, 4, "figure_id", "forbidden-character"), (F, 4, "figure_id", "pattern")}, r"U\+200B",
                 id="invisible-character-in-id"),
    pytest.param([set_cell("sources", "src-0001", "url", "ftp://example.org/a")],
                 {(S, 2, "url", "pattern")}, r"\^https\?://", id="url-not-http"),
    pytest.param([set_cell("actors", "act-0001", "wikidata_id", "12345")],
                 {(A, 2, "wikidata_id", "pattern")}, r"pattern", id="malformed-wikidata-id"),
    pytest.param([set_cell("events", "evt-0001", "summary", "x" * 2001)],
                 {(E, 2, "summary", "maxLength")}, r"maxLength = 2000", id="too-long"),
    pytest.param([copy_row("figures", "fig-0008")],
                 {(F, 10, "figure_id", "primary-key"), (F, 9, "figure_id", "primary-key")}, r"duplicate primary key",
                 id="duplicate-id"),
    pytest.param([set_cell("figures", "fig-0008", "figure_id", "fig-0007")],  # an id typed twice
                 {(F, 8, "figure_id", "primary-key"), (F, 9, "figure_id", "primary-key")}, r"duplicate primary key \(figure_id\)",
                 id="id-typed-twice"),
    pytest.param([copy_row("event_actors", "evt-0009")],
                 {("data/event_actors.csv", 13, "event_id", "primary-key"), ("data/event_actors.csv", 14, "event_id", "primary-key")},
                 r"duplicate primary key \(event_id, actor_id, role\)", id="duplicate-composite-key"),
    pytest.param([edit_json("schemas/roles.schema.json", lambda d: d["fields"][1]["constraints"].update(enum=["Issuer"]))],
                 {("data/roles.csv", r, "label", "enum") for r in (2, 3, 4, 6, 7, 8, 9, 10, 11)}, r"constraint enum",
                 id="enum-constraint"),
    pytest.param([edit_json("schemas/roles.schema.json", lambda d: d["fields"][1]["constraints"].update(minLength=10))],
                 {("data/roles.csv", r, "label", "minLength") for r in (3, 5, 8, 9, 10, 11)}, r"constraint minLength = 10",
                 id="min-length-constraint"),
    pytest.param([edit_json("schemas/figures.schema.json", lambda d: next(f for f in d["fields"] if f["name"] == "value_stated")["constraints"].update(maximum=1000))],
                 {(F, 3, "value_stated", "maximum")}, r"constraint maximum = 1000", id="maximum-constraint"),
    pytest.param([edit_bytes("data/roles.csv", lambda b: b"")],
                 {("data/roles.csv", None, None, "unreadable")}, r"Empty CSV file", id="empty-file"),
    pytest.param([edit_json("schemas/roles.schema.json", lambda d: d["fields"][1]["constraints"].update(unique=True)),
                  set_cell("roles", "issuer", "label", "Speaker")],
                 {("data/roles.csv", 5, "label", "unique"), ("data/roles.csv", 9, "label", "unique")}, r"more than once",
                 id="unique-constraint"),
    # --- foreign keys -------------------------------------------------------------------------------
    pytest.param([set_cell("figures", "fig-0001", "event_id", "evt-9999")],
                 {(F, 2, "event_id", "foreign-key")}, r"no row in data/events.csv has event_id", id="unknown-event"),
    pytest.param([delete_row("actors", "act-0010"), delete_row("event_actors", "evt-0008", "act-0002")],
                 # act-0002 was used only by the deleted link, so it is now unused too (a vocabulary code may be unused).
                 {("data/event_actors.csv", 11, "actor_id", "foreign-key"), ("data/actors.csv", 3, "actor_id", "unused")},
                 r"no row in data/actors.csv", id="reference-to-deleted-row"),
    pytest.param([set_cell("figures", "fig-0001", "qualifier", "roughly")],
                 {(F, 2, "qualifier", "foreign-key")}, r"data/qualifiers.csv", id="unknown-vocabulary-value"),
    pytest.param([set_cell("actors", "act-0002", "parent_actor_id", "act-9999")],
                 {(A, 3, "parent_actor_id", "foreign-key"), (A, 4, "actor_id", "unused")}, r"data/actors.csv", id="unknown-self-reference"),
    # --- cross-field and cross-table rules ------------------------------------------------------------
    pytest.param([set_row("figures", "fig-0004", value_low="3", value_high="1")],
                 {(F, 5, "value_low", "bounds-order"), (F, 5, "value_low", "bounds-qualifier"), (F, 5, "value_high", "bounds-qualifier")},
                 r"value_low <= value_best <= value_high", id="bounds-out-of-order"),
    pytest.param([set_cell("figures", "fig-0005", "value_low", "600")],
                 {(F, 6, "value_low", "bounds-qualifier")}, r"^the bounds do not follow the qualifier: more_than 600 → value_low 601, value_best and value_high empty$",
                 id="more-than-bound-not-n-plus-1"),
    pytest.param([set_cell("figures", "fig-0002", "value_best", "7000")],
                 {(F, 3, "value_best", "bounds-qualifier")}, r"up_to 7000 → value_high 7000, value_low and value_best empty$", id="up-to-with-best-estimate"),
    pytest.param([set_cell("figures", "fig-0003", "value_high", "")],
                 {(F, 4, "value_high", "bounds-qualifier")}, r"hundreds → value_low 200, value_high 999, value_best empty$", id="hundreds-without-upper-bound"),
    pytest.param([set_cell("figures", "fig-0003", "value_stated", "100")],
                 {(F, 4, "value_stated", "stated-value")}, r"exactly when the qualifier's rules use", id="stated-value-for-hundreds"),
    pytest.param([set_row("figures", "fig-0002", value_stated="700", value_high="700")],
                 {(F, 3, "value_stated", "stated-not-in-wording")}, r"value_stated is not a number that value_text writes", id="stated-differs-from-wording"),
    pytest.param([set_cell("figures", "fig-0007", "reference_start_date", "2020-08-18")],
                 {(F, 8, "reference_end_date", "reference-order")}, r"before reference_start_date", id="reference-end-before-start"),
    pytest.param([set_row("figures", "fig-0007", reference_start_date="2020-08-19", reference_end_date="2020-08-19")],
                 {(F, 8, "reference_end_date", "reference-after-claim")}, r"after the claim was made", id="reference-after-claim"),
    pytest.param([set_cell("figures", "fig-0002", "claimant_actor_id", "act-0006")],
                 {(F, 3, "claimant_actor_id", "claimant-publisher")}, r"not the source's publisher", id="unattributed-not-publisher"),
    pytest.param([set_cell("figures", "fig-0001", "source_id", "src-0004")],
                 {(F, 2, "source_id", "source-not-consulted"), (F, 2, "claimant_actor_id", "claimant-publisher")},
                 r"not read by the curators", id="figure-from-unread-source"),
    pytest.param([set_cell("figures", "fig-0007", "note", "")],
                 {(F, 8, "note", "note-required")}, r"inferred, or the source erred, but the note does not say how", id="inferred-without-note"),
    pytest.param([set_cell("events", "evt-0003", "date_note", "")],
                 {(E, 4, "date_note", "note-required")}, r"date_note does not say", id="inferred-event-without-note"),
    pytest.param([set_cell("events", "evt-0003", "end_date", "2020-08-08")],
                 {(E, 4, "end_date", "end-before-start"), (E, 4, "end_date", "outside-coverage")}, r"before start_date",
                 id="end-before-start"),
    pytest.param([set_row("events", "evt-0001", start_date="2019-08-09", end_date="2019-08-09")],
                 {(E, 2, "start_date", "outside-coverage"), (E, 2, "end_date", "outside-coverage")},
                 r"outside the period the dataset covers", id="date-outside-coverage"),
    pytest.param([set_cell("sources", "src-0002", "accessed_date", "2099-01-01")],
                 {(S, 3, "accessed_date", "future-date")}, r"in the future", id="future-date"),
    # Both dates in the past, so that the case does not depend on the day the tests run.
    pytest.param([set_cell("sources", "src-0002", "published_date", "2020-08-20"), set_cell("sources", "src-0002", "accessed_date", "2020-08-19")],
                 {(S, 3, "accessed_date", "accessed-before-published")},
                 r"accessed_date is before published_date", id="accessed-before-published"),
    pytest.param([set_cell("sources", "src-0002", "url", "")],
                 {(S, 3, "url", "consulted-needs-url")}, r"needs the URL", id="consulted-without-url"),
    pytest.param([set_cell("sources", "src-0002", "accessed_date", "")],
                 {(S, 3, "accessed_date", "consulted-needs-access-date")}, r"date it was read", id="consulted-without-access-date"),
    pytest.param([set_cell("sources", "src-0003", "cited_by_source_id", "")],
                 {(S, 4, "cited_by_source_id", "cited-by-required")}, r"needs the source that cites it", id="unread-without-citing-source"),
    pytest.param([set_cell("actors", "act-0002", "public_role", "")],
                 {(A, 3, "public_role", "person-without-public-role")}, r"without a public role", id="person-without-public-role"),
    pytest.param([delete_row("event_sources", "evt-0007")],
                 {(E, 8, "event_id", "unsourced")}, r"no source that the curators read", id="event-without-source"),
    pytest.param([delete_row("event_sources", "evt-0004", "src-0001")],  # src-0004 remains, but it was not read
                 {(E, 5, "event_id", "unsourced")}, r"no source that the curators read", id="event-only-from-unread-source"),
    pytest.param([append_row("actors", ["act-9998", "group", "Bystanders", "", "", "", "", "", "BY", "", "src-0001", ""])],
                 {(A, 14, "actor_id", "unused")}, r"no row of the package references", id="unused-actor"),
    pytest.param([append_row("sources", ["src-9998", "A title", "act-0009", "", "https://example.org/a", "2020-08-19", "day",
                                         "2026-11-25", "en", "news_report", "true", "", "", ""])],
                 {(S, 6, "source_id", "unused")}, r"no row of the package references", id="unused-source"),
    # --- claim model 2 ----------------------------------------------------------------------------------
    pytest.param([set_row("figures", "fig-0003", qualifier="range", value_text="between 100 and 200", value_low="100", value_high="300")],
                 {(F, 4, "value_low", "range-not-in-wording")}, r"not both numbers that value_text writes", id="range-end-not-in-wording"),
    pytest.param([set_cell("figures", "fig-0003", "value_text", "dozens")],  # the wording says dozens, the qualifier hundreds
                 {(F, 4, "qualifier", "qualifier-not-in-wording")}, r"the qualifier is not the one the words of value_text give", id="magnitude-not-in-wording"),
    # "No more than" is an upper bound: coding it more_than turns the claim's bound upside down (fig-0111 and fig-0114 were).
    pytest.param([set_cell("figures", "fig-0001", "value_text", "no more than 300")],
                 {(F, 2, "qualifier", "qualifier-not-in-wording")}, r"not the one the words of value_text give", id="negated-bound-coded-more-than"),
    pytest.param([set_cell("figures", "fig-0008", "value_text", "более 124")],  # the wording bounds it; unqualified says exact
                 {(F, 9, "qualifier", "qualifier-not-in-wording")}, r"the words of value_text", id="bound-word-coded-unqualified"),
    pytest.param([set_cell("figures", "fig-0005", "claimant_basis", "unnamed")],  # an unnamed claimant has no actor
                 {(F, 6, "claimant_actor_id", "claimant-basis")}, r"does not fit claimant_basis", id="unnamed-claimant-with-actor"),
    pytest.param([set_cell("figures", "fig-0001", "claim_date_precision", "month")],  # a month is written as its first day
                 {(F, 2, "claim_date", "precision-date")}, r"not the first day of its month", id="month-precision-not-first-day"),
    pytest.param([append_row("figure_links", ["fig-0001", "repeats", "fig-0001", ""])],
                 {(FL, 2, "other_figure_id", "link-to-itself")}, r"linked to itself", id="figure-linked-to-itself"),
    pytest.param([append_row("figure_links", ["fig-0005", "repeats", "fig-0006", ""])],  # more than 600 does not repeat 100
                 {(FL, 2, "figure_id", "repeat-differs")}, r"bounds differ", id="repeat-with-other-bounds"),
    pytest.param([append_row("figure_links", ["fig-0005", "part_of", "fig-0006", ""])],  # 601 or more cannot be part of 100
                 {(FL, 2, "figure_id", "part-exceeds-whole")}, r"larger than the whole", id="part-larger-than-whole"),
    pytest.param([append_row("figure_links", ["fig-0001", "sum_of", "fig-0006", ""])],  # 301 is not the sum of 100 alone
                 {(FL, 2, "figure_id", "sum-mismatch")}, r"not the sum", id="sum-of-parts-differs"),
    pytest.param([delete_row("event_places", "evt-0002")],
                 {(E, 3, "event_id", "unplaced")}, r"has no place", id="event-without-place"),
    pytest.param([append_row("event_date_claims", ["evt-0003", "src-0001", "2020-08-13", "2020-08-09", "day", ""])],
                 {("data/event_date_claims.csv", 2, "end_date", "end-before-start")}, r"before start_date", id="disputed-dates-reversed"),
]


@pytest.mark.parametrize("mutations, expected, message", CASES)
def test_each_rule_reports_its_exact_problem(pkg, mutations, expected, message):
    for mutate in mutations:
        mutate(pkg)
    problems = problems_of(pkg)
    assert located(problems) == expected, problems.to_string()
    assert problems["message"].str.contains(message).any(), problems["message"].tolist()
    assert problems["hint"].str.len().gt(10).all()


def test_every_problem_of_a_table_is_reported_at_once(pkg):
    # Two unrelated mistakes in two tables: both are reported in one run, not just the first.
    set_cell("figures", "fig-0002", "value_stated", "7,000")(pkg)
    set_cell("events", "evt-0001", "start_date", "2020-13-01")(pkg)
    assert {(F, 3, "value_stated", "type"), (E, 2, "start_date", "type")} <= located(problems_of(pkg))


def test_cli_exit_status_and_report(pkg, capsys):
    assert V.main([str(pkg)]) == 0
    assert "Package is valid" in capsys.readouterr().out
    set_cell("figures", "fig-0002", "value_stated", "7,000")(pkg)
    assert V.main([str(pkg)]) == 1
    out = capsys.readouterr().out
    assert "data/figures.csv, row 3, column value_stated: not a valid number (value: '7,000')" in out
    assert "1 problem(s) in 1 file(s)" in out


def test_report_caps_examples_per_rule(pkg, capsys):
    rows = [["code", "label", "definition"]] + [[f"R{i:03d}", "L", "D"] for i in range(50)]  # 50 codes not matching the pattern
    write_rows(pkg, "roles", rows)
    V.main([str(pkg), "--max-examples", "5"])
    out = capsys.readouterr().out
    assert "... and 45 more of this rule in data/roles.csv" in out


def test_form_only_problems_point_to_make_format(pkg, capsys):
    # A CRLF file has only a form problem; a wrong value has a content problem that format cannot fix.
    path = pkg / "data" / "roles.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert V.main([str(pkg)]) == 1
    assert "Only the form of the files is wrong: run `make format`" in capsys.readouterr().out
    set_cell("figures", "fig-0002", "value_stated", "7,000")(pkg)
    assert V.main([str(pkg)]) == 1
    assert "Only the form" not in capsys.readouterr().out


@pytest.mark.parametrize("algorithm, prefix", [("sha256", True), ("sha512", True), ("md5", False)])
def test_recorded_checksums_that_match_are_valid(pkg, algorithm, prefix):
    record_checksums("roles", "figures", algorithm=algorithm, prefix=prefix)(pkg)
    assert problems_of(pkg).empty


def test_a_changed_file_names_both_digests_and_what_to_do(pkg, capsys):
    import hashlib
    before = hashlib.sha256((pkg / F).read_bytes()).hexdigest()
    record_checksums("figures")(pkg)
    edit_bytes(F, lambda b: b.replace(b"It counts detentions", b"It counts Detentions"))(pkg)
    after = hashlib.sha256((pkg / F).read_bytes()).hexdigest()
    assert V.main([str(pkg)]) == 1
    out = capsys.readouterr().out
    assert ("data/figures.csv: hash: 1 problem(s). Hint: the file changed after release: restore it from the release "
            "you downloaded (or rebuild it from its tag)") in out
    assert f"  data/figures.csv, file: sha256 is {after}, the descriptor says {before}" in out


# --- what a contributor reads ------------------------------------------------------------------------
# Each case: one mistake a contributor makes, and the one root-cause problem (or the few) they should see.
CONTRIBUTOR_CASES = [
    # An unquoted comma splits "more than 6,700" into two fields: only the ragged row, not its cells.
    pytest.param([edit_bytes(F, lambda b: b.replace(b"fig-0005,qty-0005,evt-0009,src-0001,src-0003,more than 600,",
                                                    b"fig-0005,qty-0005,evt-0009,src-0001,src-0003,more than 6,700,"))],
                 {(F, 6, None, "ragged-row")}, r"row has 23 fields, the header has 22", id="unquoted-comma"),
    # Whitespace around an id is a form problem only; the id itself is still found.
    pytest.param([set_cell("figures", "fig-0001", "event_id", " evt-0004")],
                 {(F, 2, "event_id", "whitespace")}, r"leading or trailing whitespace", id="whitespace-around-id"),
    # A label written for a code is recognised; an unknown code gets the list of codes.
    pytest.param([set_cell("figures", "fig-0001", "qualifier", "More than")],
                 {(F, 2, "qualifier", "foreign-key")}, r"'More than' is the label of `more_than`", id="label-for-code"),
    pytest.param([set_cell("figures", "fig-0001", "qualifier", "roughly")],
                 {(F, 2, "qualifier", "foreign-key")}, r"allowed: approximately, at_least, dozens, hundreds, hundreds_of_thousands, more_than, nearly, range, "
                 r"several_thousand, tens_of_thousands, thousands, unqualified, up_to$",
                 id="unknown-code-lists-codes"),
    # A spreadsheet's row of empty cells is one blank row.
    pytest.param([edit_bytes("data/roles.csv", lambda b: b.replace(b"\nissuer", b"\n,,\nissuer"))],
                 {("data/roles.csv", 5, None, "blank-row")}, r"^blank row$", id="row-of-empty-cells"),
    # TRUE from a spreadsheet is a spelling `make format` repairs, not a type error.
    pytest.param([set_cell("sources", "src-0001", "consulted", "TRUE")],
                 {(S, 2, "consulted", "not-canonical")}, r"write true or false", id="spreadsheet-boolean"),
    # A line break inside a quoted cell is valid CSV: one forbidden character, at the record's row.
    pytest.param([set_cell("events", "evt-0002", "summary", "Protests\ngrew"), set_cell("events", "evt-0005", "date_note", "Minsk\tcentre")],
                 {(E, 3, "summary", "forbidden-character"), (E, 6, "date_note", "forbidden-character")}, r"U\+000A", id="newline-in-quoted-cell"),
    # An unknown source: the foreign key only, not the claimant rule that reads the source's publisher.
    pytest.param([set_cell("figures", "fig-0002", "source_id", "src-9999")],
                 {(F, 3, "source_id", "foreign-key")}, r"no row in data/sources.csv", id="unknown-source-not-claimant"),
    # A schema pattern must be RE2: look-behind is not, and is reported as a schema problem.
    pytest.param([edit_json("schemas/roles.schema.json", lambda d: d["fields"][0]["constraints"].update(pattern="^(?<=x)[a-z_]+$"))],
                 {("schemas/roles.schema.json", None, "code", "schema")}, r"is not RE2", id="pattern-not-re2"),
]


@pytest.mark.parametrize("mutations, expected, message", CONTRIBUTOR_CASES)
def test_a_contributor_sees_the_root_cause(pkg, mutations, expected, message):
    test_each_rule_reports_its_exact_problem(pkg, mutations, expected, message)


def test_a_schema_pattern_with_re2_classes_works(pkg):
    # \d is RE2's ASCII digit class: the dialect is RE2 everywhere, so the pattern just works.
    edit_json("schemas/figures.schema.json", lambda d: d["fields"][0]["constraints"].update(pattern=r"^fig-\d{4,}$"))(pkg)
    assert problems_of(pkg).empty
    set_cell("figures", "fig-0003", "figure_id", "fig-0003x")(pkg)
    assert located(problems_of(pkg)) == {(F, 4, "figure_id", "pattern")}


def test_root_cause_comes_first_and_each_problem_has_its_own_hint(pkg, capsys):
    set_cell("sources", "src-0001", "consulted", "yes")(pkg)
    set_cell("sources", "src-0002", "published_date", "18.08.2020")(pkg)
    edit_bytes(S, lambda b: b + b"src-0009,x\n")(pkg)
    problems = problems_of(pkg)
    assert problems["rule"].tolist()[0] == "ragged-row"
    hints = dict(zip(problems["column"], problems["hint"]))
    assert hints["consulted"] == "write one of the allowed values"
    assert hints["published_date"].startswith("write an existing calendar date")
    V.main([str(pkg)])
    out = capsys.readouterr().out
    assert out.index("ragged-row") < out.index(": type:")
    assert "Hint: write one of the allowed values" in out and "Hint: write an existing calendar date" in out


def test_every_rule_has_a_broken_fixture():
    # A rule the validator knows but no fixture breaks could be silently dead: add a case above for it.
    package, _ = descriptor.load(ROOT)
    covered = {rule for case in CASES + CONTRIBUTOR_CASES for (_, _, _, rule) in case.values[1]}
    covered.add(changelog.RULE)  # its broken fixtures need git history: throwaway repositories in tests/test_changelog.py
    assert V.known_rules(package) - covered == set()
