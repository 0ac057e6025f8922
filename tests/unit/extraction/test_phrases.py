from __future__ import annotations

from pathlib import Path

import numpy as np

from app.config import ExtractionSettings
from app.extraction.phrase_model import PhraseModel, phrase_features
from app.extraction.phrase_training import (
    TRAINER_VERSION,
    _choose,
    model_version,
    phrase_data,
    train_phrase_model,
)
from app.extraction.phrases import (
    HEAD_CHARS,
    NamedPlaces,
    date_phrases,
    distinct_phrases,
    effective_phrases,
    party_phrases,
    signature_regions,
    title_phrases,
)
from app.extraction.training import CUAD_ATTRIBUTION, LabelledContract
from app.ingestion.types import ExtractedText
from app.review.candidates import phrase_candidates

PREAMBLE = (
    "EXHIBIT 10.1\n"
    "SUPPLY AGREEMENT\n"
    'This Supply Agreement (the "Agreement") is entered into as of May 1, 2001 by and between '
    'Acme Widgets Corp., a Delaware corporation ("Acme"), and Globex Holdings, LLC ("Globex").\n'
    "1. Supply. Acme shall supply and Globex shall buy the goods.\n"
)


def _texts(phrases: list) -> set[str]:  # type: ignore[type-arg]
    return {PREAMBLE[p.start : p.end] for p in phrases}


def test_generators_find_dates_names_defined_terms_and_titles() -> None:
    assert "May 1, 2001" in _texts(date_phrases(PREAMBLE))
    parties = _texts(party_phrases(PREAMBLE))
    assert {"Acme Widgets Corp.", "Globex Holdings, LLC", "Acme", "Globex"} <= parties
    titles = _texts(title_phrases(PREAMBLE))
    assert "SUPPLY AGREEMENT" in titles and "Supply Agreement" in titles


def test_names_without_a_capital_first_letter_or_with_numbers_and_parentheses_are_found() -> None:
    text = (
        "between ebix.com, Inc. and iVillage, Inc. and Dialog Semiconductor (UK) Ltd. and "
        "Layer 2 Communications Group Ltd. and Wells Fargo Bank, N.A."
    )
    found = {text[p.start : p.end] for p in party_phrases(text) if p.kind == "company"}
    assert found == {
        "ebix.com, Inc.",
        "iVillage, Inc.",
        "Dialog Semiconductor (UK) Ltd.",
        "Layer 2 Communications Group Ltd.",
        "Wells Fargo Bank, N.A.",
    }


def test_defined_terms_come_in_each_form_annotators_mark() -> None:
    text = 'by Gulf Houghton Inc. ("Gulf Houghton") and the "Licensee" under this'
    found = {text[p.start : p.end] for p in party_phrases(text)}
    assert {
        "Gulf Houghton",
        '"Gulf Houghton"',
        '("Gulf Houghton"',
        '("Gulf Houghton")',
        'the "Licensee"',
    } <= found


def test_the_sentence_that_names_the_parties_together_is_a_candidate() -> None:
    text = (
        'Acme Corp. ("Acme") and Globex LLC ("Globex"). Acme and Globex are each a "Party" '
        'and together the "Parties". 1. Supply. Acme shall supply goods.'
    )
    sentences = [text[p.start : p.end] for p in party_phrases(text) if p.kind == "party_sentence"]
    assert sentences == ['Acme and Globex are each a "Party" and together the "Parties".']


def test_dates_left_blank_and_numeric_dates_are_found() -> None:
    text = (
        "dated September ___, 2019, signed this ___ day of ________, 2015 and on 3-14-18; "
        "as of ___________ __, 2000 or [·], 2019 or the 14 day of SEPTEMBER, 200_."
    )
    found = {text[p.start : p.end] for p in date_phrases(text)}
    assert {
        "September ___, 2019",
        "this ___ day of ________, 2015",
        "3-14-18",
        "___________ __, 2000",
        "[·], 2019",
        "14 day of SEPTEMBER, 200_",
    } <= found


def test_effective_date_candidates_include_the_sentence_that_says_when() -> None:
    text = (
        "This Agreement is made on May 1, 2001. This Agreement shall become effective on the "
        "date of the last signature below. 2. Term. The term is two years."
    )
    found = {text[p.start : p.end] for p in effective_phrases(text)}
    assert "May 1, 2001" in found
    assert "This Agreement shall become effective on the date of the last signature below." in found


def test_each_distinct_phrase_is_kept_once_at_its_first_place_with_its_count() -> None:
    distinct = distinct_phrases(PREAMBLE, party_phrases)
    acme = [(p, n) for p, n in distinct if PREAMBLE[p.start : p.end] == "Acme"]
    assert len(acme) == 1 and acme[0][1] == PREAMBLE.count("Acme")


def test_candidates_are_labelled_by_the_cuad_scoring_rule() -> None:
    contract = LabelledContract(
        "t", PREAMBLE, {"Parties": ["Acme Widgets Corp.", "Globex"], "Agreement Date": []}
    )
    data = phrase_data([contract], "Parties")
    positives = {f.split("w=", 1)[1] for f, y in zip(data.features, data.labels, strict=True) if y}
    assert any(p.startswith("acme") for p in positives)
    assert int(data.gold_counts[0]) == 2
    assert not phrase_data([contract], "Agreement Date").labels.any()


def test_thresholds_are_chosen_on_the_scoring_rule_where_one_phrase_matches_two_gold() -> None:
    # "Acme" matches both gold clauses (the rule is not one-to-one): one prediction finds both.
    contract = LabelledContract("t", PREAMBLE, {"Parties": ["Acme", "acme"]})
    data = phrase_data([contract], "Parties")
    perfect = data.labels.astype(np.float32)
    threshold, top_k, f1 = _choose(data, perfect, "Parties")
    assert f1 == 1.0 and threshold <= 1.0 and top_k >= 1


def test_the_shipped_model_picks_title_parties_and_date() -> None:
    model = PhraseModel.load()
    assert set(model.categories) == {"Document Name", "Parties", "Agreement Date", "Effective Date"}
    best = {
        c: [PREAMBLE[s.start : s.end] for s in model.score(PREAMBLE, c)] for c in model.categories
    }
    assert best["Document Name"] == ["SUPPLY AGREEMENT"]
    assert best["Agreement Date"] == ["May 1, 2001"]
    assert "Acme Widgets Corp." in best["Parties"] or "Acme" in best["Parties"]


def test_save_and_load_give_the_same_probabilities(tmp_path: Path) -> None:
    model = PhraseModel.load()
    model.save(tmp_path)
    again = PhraseModel.load(tmp_path)
    features = [
        phrase_features(PREAMBLE, p, n) for p, n in distinct_phrases(PREAMBLE, party_phrases)
    ]
    assert np.allclose(
        model.probabilities("Parties", features), again.probabilities("Parties", features)
    )


def test_the_shipped_parties_model_rescores_candidates_together_and_a_copy_does_the_same(
    tmp_path: Path,
) -> None:
    model = PhraseModel.load()
    parties = model.models["Parties"]
    assert parties.second is not None and "company" in parties.kinds
    model.save(tmp_path)
    again = PhraseModel.load(tmp_path)
    first = [(s.start, s.end, s.probability) for s in model.scored(PREAMBLE, "Parties")]
    second = [(s.start, s.end, s.probability) for s in again.scored(PREAMBLE, "Parties")]
    assert first == second
    # The second pass changes the scores: it is not the first pass's probabilities again.
    features = [
        phrase_features(PREAMBLE, p, n) for p, n in distinct_phrases(PREAMBLE, party_phrases)
    ]
    plain = sorted(model.probabilities("Parties", features).tolist(), reverse=True)
    assert [round(p, 4) for _, _, p in first] != [round(p, 4) for p in plain]


def test_context_features_see_the_other_forms_of_a_term() -> None:
    from app.extraction.phrase_model import context_features

    phrases = [p for p, _ in distinct_phrases(PREAMBLE, party_phrases)]
    texts = [PREAMBLE[p.start : p.end] for p in phrases]
    probs = np.linspace(0.9, 0.1, len(phrases)).astype(np.float32)
    context = context_features(PREAMBLE, phrases, probs, ["company", "quoted"])
    forms = [i for i, t in enumerate(texts) if t.strip('"()') == "Acme"]
    assert len(forms) >= 2  # Acme, "Acme", ("Acme") ...
    best = max(float(probs[i]) for i in forms)
    assert all(context[i, 7] == np.float32(best) and context[i, 8] == len(forms) for i in forms)
    assert context[0, 1] == 0.0 and context[0, 2] == 1.0  # the best candidate: rank 0, ratio 1
    company = [i for i, p in enumerate(phrases) if p.kind == "company"]
    assert company and all(context[i, 10] == 1.0 and context[i, 11] == 0.0 for i in company)


CARRIERS = [
    "ABS Telecom plc",
    "AT&T Corp.",
    "BC TEL",
    "Belgacom S.A.",
    "BellSouth International, Inc.",
    "Carrier 1 AG",
    "Com Tech International Corporation",
    "Deutsche Telekom AG",
    "Energis Communications Limited",
    "France Telecom",
    "IXNET Limited",
    "KPN Telecom B.V.",
    "Sonera Ltd.",
    "Swisscom Ltd",
    "Telenor Global Services AS",
    "Singapore Telecommunications Limited",
    "Japan Telecom Co., Ltd.",
    "MCI International Inc.",
    "Sprint Communications Company L.P.",
    "RSL Communications Limited",
    "Swisscom North America Inc.",
]


def _consortium() -> str:
    """A construction and maintenance agreement whose parties are named only where they sign."""
    head = (
        "CONSTRUCTION AND MAINTENANCE AGREEMENT\n"
        "This Agreement is made as of September 2, 1998 between the parties whose names are "
        'set out at the end (hereinafter collectively called "Parties").\n'
    )
    body = "The Parties shall share the cost of the cable system in proportion to capacity.\n"
    text = head + body * (HEAD_CHARS // len(body) + 1)
    text += "IN WITNESS WHEREOF the Parties have severally subscribed these presents.\n\n"
    for name in CARRIERS:
        text += f"     For and on behalf of      {name}\n\n     ---------------------------\n\n"
    return text + "     September 2, 1998\n\n     GLOBAL ONE COMMUNICATIONS, INC.\n"


def test_names_in_signature_blocks_after_the_head_are_candidates() -> None:
    text = _consortium()
    (start, end), *_ = signature_regions(text)
    assert start == text.index("IN WITNESS") > HEAD_CHARS and end > start
    signed = {
        text[p.start : p.end] for p in party_phrases(text) if p.kind in {"sig_company", "sig_line"}
    }
    assert set(CARRIERS) <= signed  # with a company suffix or without ("BC TEL")
    # A name on the line under a date is not joined to it across the line break.
    assert "GLOBAL ONE COMMUNICATIONS, INC." in signed
    assert not any("1998" in name and "GLOBAL" in name for name in signed)
    assert "For and on behalf of" not in " ".join(signed)


def test_a_name_in_the_head_and_in_a_signature_block_is_told_apart() -> None:
    text = PREAMBLE + "x " * HEAD_CHARS + "IN WITNESS WHEREOF\nACME WIDGETS CORP.\nBy: J. Doe\n"
    places = NamedPlaces.of(text)
    assert places.in_both("Acme Widgets Corp.")  # case and punctuation aside
    assert not places.in_both("Globex Holdings, LLC")  # never signs
    assert not NamedPlaces.of(PREAMBLE).in_both("Acme Widgets Corp.")  # no signature block
    features = phrase_features(text, party_phrases(text)[0], 1, places)
    assert "head_and_signature=True" in features.split()


def test_the_shipped_model_finds_parties_named_only_where_they_sign_more_than_ten() -> None:
    model = PhraseModel.load()
    text = _consortium()
    found = {text[s.start : s.end] for s in model.score(text, "Parties")}
    assert len(found & set(CARRIERS)) > 10, found
    # The review keeps them all: the phrase model's own cap, not the clause model's 10.
    doc = ExtractedText.from_pages("d1", "consortium.pdf", [text])
    review = phrase_candidates(doc, model, ExtractionSettings())
    assert {c.text for c in review.findings if c.category == "Parties"} == found


def _small_train() -> list[LabelledContract]:
    """Nine contracts in the preamble's form, each with its own names, title and dates, and a
    heading and a date that are none of them."""
    names = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell"]
    titles = ["SUPPLY", "LICENSE", "SERVICES", "DISTRIBUTION", "AGENCY", "HOSTING"]
    out = []
    for i, name in enumerate(names):
        other = names[(i + 1) % len(names)]
        title = f"{titles[i % len(titles)]} AGREEMENT"
        date = f"May {i + 1}, 200{i}"
        text = (
            f"EXHIBIT 10.{i}\nSCHEDULE A TO THE PRICE LIST AGREEMENT\n{title}\n"
            f"This Agreement is entered into as of {date} by and between {name} "
            f'Widgets Corp., a Delaware corporation ("{name}"), and {other} Holdings, LLC '
            f'("{other}"). This Agreement shall become effective on {date}.\n'
            f"1. Supply. {name} shall supply and {other} shall buy the goods by June 3, 201{i}.\n"
        )
        labels = {
            "Document Name": [title],
            "Parties": [f"{name} Widgets Corp.", f"{other} Holdings, LLC"],
            "Agreement Date": [date],
            "Effective Date": [date],
        }
        out.append(LabelledContract(f"c{i}", text, labels))
    return out


def test_a_trained_phrase_model_records_its_version_config_and_cuads_attribution(
    tmp_path: Path,
) -> None:
    train = _small_train()
    model = train_phrase_model(train, 3, 13, "a" * 64, log=lambda _m: None)
    assert model.meta["train_data_sha256"] == "a" * 64
    assert model.meta["config"] == {"folds": 3, "seed": 13}
    assert "CUAD" in model.meta["license"] and "CC BY 4.0" in model.meta["license"]
    assert len(model.version) == 12 and model.version == model.meta["version"]
    model.save(tmp_path)
    assert PhraseModel.load(tmp_path).version == model.version
    # The version follows the data, the folds and the seed, not the clock.
    assert model_version("a" * 64, 3, 13) == model.version
    assert len({model_version("b" * 64, 3, 13), model_version("a" * 64, 4, 13)}) == 2
    assert model.version not in {model_version("b" * 64, 3, 13), model_version("a" * 64, 3, 14)}


def test_the_shipped_phrase_model_carries_its_version_and_cuads_attribution() -> None:
    model = PhraseModel.load()
    assert len(model.version) == 12 and model.meta["trainer_version"] == TRAINER_VERSION
    assert model.meta["license"] == CUAD_ATTRIBUTION
