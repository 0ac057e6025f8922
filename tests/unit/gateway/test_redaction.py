from __future__ import annotations

from app.gateway.redaction import find_spans, redact_request, restore
from app.gateway.types import CompletionRequest, Message

NOTICE = (
    "If to Licensee: Acme Holdings Inc., 500 Oak Avenue, Suite 12, Austin, TX 78701, "
    "Attention: Mary J. Walker, Tel: (512) 555-0199, mwalker@acme-holdings.com. "
    "Wire to Account No.: 004417729913. Ms. Walker shall confirm receipt."
)


def test_personal_data_and_identifiers_are_found_with_their_labels() -> None:
    found = {NOTICE[s:e]: label for s, e, label in find_spans(NOTICE)}
    assert found["Mary J. Walker"] == "PERSON" and found["Walker"] == "PERSON"
    assert found["mwalker@acme-holdings.com"] == "EMAIL"
    assert found["(512) 555-0199"] == "PHONE"
    assert found["004417729913"] == "ID_NUMBER"
    assert any(label == "ADDRESS" and "500 Oak Avenue" in text for text, label in found.items())
    assert "Acme Holdings Inc." not in found  # companies are not personal data


def test_placeholders_are_stable_across_messages_and_restored_in_the_answer() -> None:
    request = CompletionRequest(
        messages=(Message("system", "Be brief."), Message("user", NOTICE),
                  Message("user", "Who is mwalker@acme-holdings.com?")),
        task="validate",
    )  # fmt: skip
    redacted, redaction = redact_request(request)
    sent = " ".join(m.content for m in redacted.messages)
    assert "Walker" not in sent and "mwalker@" not in sent and "004417729913" not in sent
    email = next(k for k, v in redaction.mapping.items() if v == "mwalker@acme-holdings.com")
    assert sent.count(email) == 2  # the same value, the same placeholder
    answer = f'{{"contact": "{email}"}}'
    assert restore(answer, redaction) == '{"contact": "mwalker@acme-holdings.com"}'
    assert redaction.counts["EMAIL"] == 1 and redaction.counts["PERSON"] >= 1


def test_ordinary_clause_text_is_left_alone() -> None:
    clause = (
        "This Agreement shall be governed by the laws of the State of Delaware. Either party "
        "may terminate this Agreement upon 90 days prior written notice."
    )
    assert find_spans(clause) == []
