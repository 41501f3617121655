"""Follow-ups that lean on the previous answer: "that city", "any other trial", "in that one",
"rather than", and washouts named as a noun. Records and questions are written for these tests."""

from __future__ import annotations

from fakes import InMemoryTrialReader

from assistant.service import Assistant
from index.enrich import enrich
from index.models import Site, Sponsor, Trial


def _trial(nct_id: str, title: str, purpose: str, sponsor: str, city: str | None, criteria: str) -> Trial:
    where = f"\nLocations: {city}, Spain" if city else ""
    text = f"{title}\nPrimary Purpose {purpose}\nSponsor {sponsor}{where}\n{criteria}"
    return enrich(
        Trial(
            nct_id=nct_id,
            brief_title=title,
            primary_purpose=purpose,
            sponsors=[Sponsor(name=sponsor, role="lead")],
            sites=[Site(city=city, country="Spain")] if city else [],
            criteria_text=criteria,
            source_path="hand",
            source_format="ctgov_json",
            text=text,
        )
    )


SEVILLA = _trial(
    "NCT92000001",
    "Avatrombopag to Treat Low Platelets During Gemcitabine",
    "TREATMENT",
    "Hospital Universitario Virgen del Rocio, Sevilla",
    None,
    "Inclusion Criteria:\n1. Platelets below 75 x10^9/L\nExclusion Criteria:\n"
    "1. Red blood cell transfusion within 7 days before the first dose\n2. Prior splenectomy",
)
SEVILLA_SITE = _trial(
    "NCT92000002",
    "Eltrombopag Before Surgery in Liver Disease",
    "TREATMENT",
    "Fundacion Andaluza de Investigacion",
    "Sevilla",
    "Inclusion Criteria:\n1. Chronic liver disease\nExclusion Criteria:\n1. Portal vein thrombosis",
)
MADRID = _trial(
    "NCT92000003",
    "Romiplostim to Prevent Low Platelets During Carboplatin",
    "PREVENTION",
    "Hospital La Paz",
    "Madrid",
    "Inclusion Criteria:\n1. Planned carboplatin\nExclusion Criteria:\n"
    "1. Red blood cell transfusion within 14 days before randomisation",
)
TRIALS = [SEVILLA, SEVILLA_SITE, MADRID]


def _assistant() -> Assistant:
    return Assistant(InMemoryTrialReader(TRIALS))


def test_that_city_is_the_place_the_previous_answer_named() -> None:
    assistant = _assistant()
    assistant.ask("Who sponsors NCT92000001?", session_id="city")
    answer = assistant.ask("Does any other study recruit in that city?", session_id="city")
    assert answer.trials == ["NCT92000002"]  # the one other trial with a site in Sevilla
    assert "Sevilla" in answer.answer


def test_any_other_trial_leaves_out_the_one_just_discussed() -> None:
    assistant = _assistant()
    assistant.ask("Tell me about NCT92000003", session_id="other")
    answer = assistant.ask("Which other studies are treatment trials?", session_id="other")
    assert "NCT92000003" not in answer.trials
    assert set(answer.trials) == {"NCT92000001", "NCT92000002"}


def test_a_contrasted_design_word_is_what_the_trials_must_not_be() -> None:
    answer = _assistant().ask("Which trials aim to treat low platelets instead of preventing them?")
    assert "NCT92000003" not in answer.trials
    assert "NCT92000001" in answer.trials


def test_a_washout_named_as_a_noun_is_a_washout_test() -> None:
    answer = _assistant().ask("Which studies have a red cell transfusion washout?")
    assert set(answer.trials) == {"NCT92000001", "NCT92000003"}
    answer = _assistant().ask("Which protocols set a washout period for red blood cell transfusion?")
    assert set(answer.trials) == {"NCT92000001", "NCT92000003"}


def test_in_that_one_asks_the_one_earlier_trial_not_every_trial() -> None:
    assistant = _assistant()
    assistant.ask("Which trials are preventive?", session_id="one")  # one trial: NCT92000003
    answer = assistant.ask("In that one, which patients are excluded for transfusions?", session_id="one")
    assert answer.trials == ["NCT92000003"]
    assert any("14 days" in c.quote for c in answer.citations)


def _seeds() -> Assistant:
    from fakes import seed_trials

    return Assistant(InMemoryTrialReader(seed_trials()))


def test_whether_a_record_states_an_attribute_and_the_complement() -> None:
    # Seeds 000 (NCT05394285) and 004 (NCT07162519) give "Maximum Eligible Age 75 Years" and an
    # 18-75 criterion; the other three give no upper age.
    assistant = _seeds()
    first = assistant.ask("Which studies list an upper age limit?", session_id="s")
    assert sorted(first.trials) == ["NCT05394285", "NCT07162519"]
    rest = assistant.ask("and the others?", session_id="s")
    assert sorted(rest.trials) == ["NCT05236582", "NCT06433830", "NCT07198672"]
    assert "no maximum age" in rest.answer


def test_which_ones_dont_turns_a_limit_into_what_it_rules_out() -> None:
    # NCT05394285 asks for "ECOG: 0-1"; three others allow 0-2 (read from the seed records)
    assistant = _seeds()
    assistant.ask("Which trials take a performance status of 2?", session_id="e")
    refusing = assistant.ask("which ones don't?", session_id="e")
    assert refusing.trials == ["NCT05394285"]


def test_for_each_of_those_asks_the_attribute_of_every_earlier_result() -> None:
    # seeds: 0-1 in NCT05394285; 0-2 in NCT06433830, NCT07198672, NCT07162519 (read from the records)
    assistant = _seeds()
    assistant.ask("Which trials accept ECOG 2?", session_id="each")
    answer = assistant.ask("and for every one of them, what is the maximum age?", session_id="each")
    assert answer.kind == "attribute"
    assert sorted(answer.trials) == ["NCT06433830", "NCT07162519", "NCT07198672"]
    assert "75" in answer.answer  # NCT07162519: "Aged 18-75 years"


def test_cancer_spread_to_the_brain_is_brain_metastases() -> None:
    # NCT07162519 excludes "Brain tumors or brain metastases" (seed record); no other seed does
    answer = _seeds().ask("Which trials turn away patients whose tumour has spread into the brain?")
    assert answer.trials == ["NCT07162519"]


def test_a_follow_up_switches_to_a_trial_described_by_design_collaborator_or_city() -> None:
    from fakes import seed_trials

    assistant = Assistant(InMemoryTrialReader(seed_trials()))
    assistant.ask("How many people does NCT07198672 plan to enrol?", session_id="switch")
    # NCT07162519 lists "Tangshan People's Hospital" among its collaborators: "Total Enrollment 68"
    collaborator = assistant.ask(
        "and the one with Tangshan People's Hospital as a collaborator?", session_id="switch"
    )
    assert collaborator.trials == ["NCT07162519"] and "68" in collaborator.answer
    # NCT05394285 is the only randomised trial ("Allocation: RANDOMIZED"), sited in Zhengzhou, and gives
    # hetrombopag "7.5 mg once daily"
    randomised = assistant.ask(
        "Not that one - the randomised study in Zhengzhou: how much hetrombopag does it give?",
        session_id="switch",
    )
    assert randomised.trials == ["NCT05394285"] and "7.5" in randomised.answer


def test_does_it_checks_the_one_trial_just_discussed_not_every_trial() -> None:
    assistant = _assistant()
    assistant.ask("What is the romiplostim study about?", session_id="it")  # NCT92000003, by its words
    answer = assistant.ask("Does it exclude portal vein thrombosis?", session_id="it")
    # a check of NCT92000003 (which does not), not "which trials exclude it" (NCT92000002 does)
    assert answer.trials == ["NCT92000003"] and answer.kind == "attribute"
    assert "does not mention" in answer.answer


def test_what_about_another_condition_asks_the_set_question_again() -> None:
    from fakes import InMemoryTrialReader, hand_trial

    from assistant.service import Assistant

    one = hand_trial("NCT93200001", ["Adults"], ["Active hepatitis B", "Atrial fibrillation"], [])
    two = hand_trial("NCT93200002", ["Adults"], ["Known atrial fibrillation or flutter"], [])
    three = hand_trial("NCT93200003", ["Adults"], ["Pregnancy"], [])
    assistant = Assistant(InMemoryTrialReader([one, two, three]))
    first = assistant.ask("which trials rule out hepatitis B?", session_id="s")
    assert first.trials == ["NCT93200001"]  # one trial: the follow-up is still about every trial
    again = assistant.ask("and what about a patient in AF?", session_id="s")
    assert sorted(again.trials) == ["NCT93200001", "NCT93200002"]
