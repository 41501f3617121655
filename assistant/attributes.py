"""One trial's attributes: which words ask for them, and how each is read from the record with a quote.

Every extractor returns the record's own wording as citations; a value the record does not state
comes back as `stated=False`, never as a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from pydantic import BaseModel, ConfigDict, Field

from assistant.evidence import criterion_citation, fact_citation, find_quote, sentences
from assistant.models import Citation
from assistant.quantities import LAB_NAMES, kind_name
from index.facts.kinds import registry, spec
from index.language.words import people
from index.models import Criterion, Fact, FactKind, Trial
from index.readers.dose import dose_phrases


class AttributeResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    lines: list[str] = Field(default_factory=list)  # markdown statements, each backed by citations
    citations: list[Citation] = Field(default_factory=list)
    # The lines say the record has none of it ("No results posted yet"): stated, but no answer to a
    # question asking for the thing itself (what the trial found).
    absent: bool = False

    @property
    def stated(self) -> bool:
        return bool(self.lines)


Extractor = Callable[[Trial], AttributeResult]


class Attribute(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    key: str
    label: str
    trigger: str  # regex over the question
    extract: Extractor


# ---- helpers ---------------------------------------------------------------------------------


def _cite(
    trial: Trial, section: str, candidates: Iterable[str | None], near: str | None = None
) -> list[Citation]:
    quote = find_quote(trial, candidates, near=near)
    return [Citation(nct_id=trial.nct_id, section=section, quote=quote)] if quote else []


def describe_fact(fact: Fact) -> str:
    """A short reading of a fact: 'ECOG 0-2', 'platelets < 75 x10^9/L (exclusion)', 'rhTPO within 14 days'."""
    kind = spec(fact.kind)  # how the kind is shown: its module in index/facts/kinds/
    name = kind.display
    unit = f" {fact.unit}" if fact.unit and fact.unit not in ("years",) else ""
    if kind.shown_as == "range" and (fact.low is not None or fact.high is not None):
        return describe_range(fact.kind, fact.low, fact.high)
    if kind.shown_as == "window":
        what = fact.term or name
        window = f" within {fact.days:g} days" if fact.days is not None else ""
        anchor = f" before {fact.anchor}" if fact.anchor else ""
        return f"{what}{window}{anchor} ({fact.source})"
    if fact.comparator and fact.value is not None:
        qualifier = f", {fact.qualifier}" if fact.qualifier else ""
        return f"{name} {fact.comparator} {fact.value:g}{unit} ({fact.source}{qualifier})"
    return f"{fact.term or name} ({fact.source})"


def describe_range(kind: str, low: float | None, high: float | None) -> str:
    """The values a range of a kind shown as one leaves: 'ECOG 0-2 allowed', 'age ≥ 18 years allowed'."""
    shown = spec(kind)
    if low is None:
        body = f"{shown.display} ≤ {high:g}"
    elif high is None:
        body = f"{shown.display} ≥ {low:g}"
    else:
        body = f"{shown.display} {low:g}-{high:g}"
    return f"{body}{' years' if shown.unit == 'years' else ''} allowed"


def _facts(kinds: Iterable[str], fallback: str | None, label: str) -> Extractor:
    """Facts of these kinds, one line per criterion; criteria matching `fallback` when no fact does."""
    kinds = list(kinds)

    def extract(trial: Trial) -> AttributeResult:
        result = AttributeResult(label=label)
        by_quote: dict[str, list[Fact]] = {}
        for fact in (f for f in trial.facts if f.kind in kinds):
            by_quote.setdefault(fact.quote, []).append(fact)
        for facts in by_quote.values():
            result.lines.append(_describe_group(facts))
            result.citations.append(fact_citation(trial, facts[0]))
        if not result.lines and fallback:
            for criterion in _criteria_matching(trial, fallback):
                where = f"{criterion.section} criterion {criterion.label or criterion.number}"
                # "Adequate organ function": the topic is named but no limit is given to check against
                numberless = not re.search(r"\d", criterion.text)
                result.lines.append(f"no numeric limit is stated; {where} says only" if numberless else where)
                result.citations.append(criterion_citation(trial, criterion))
        return result

    return extract


def _describe_group(facts: list[Fact]) -> str:
    """Facts read from one criterion: washouts sharing a window become one line naming every drug."""
    first = facts[0]
    same_window = all(
        f.kind == first.kind and f.days == first.days and f.anchor == first.anchor for f in facts
    )
    if first.kind == FactKind.WASHOUT and same_window and len(facts) > 1:
        merged = first.model_copy(
            update={"term": ", ".join(dict.fromkeys(f.term or "" for f in facts if f.term))}
        )
        return describe_fact(merged)
    return "; ".join(dict.fromkeys(describe_fact(f) for f in facts))


def _criteria_matching(trial: Trial, pattern: str) -> list[Criterion]:
    return [c for c in trial.criteria if re.search(pattern, c.text, re.IGNORECASE)]


def _scalar(
    label: str,
    section: str,
    field: str,
    near: str | None = None,
    shown: Callable[[str], str] = str,
) -> Extractor:
    def extract(trial: Trial) -> AttributeResult:
        raw = getattr(trial, field)
        if raw is None:
            return AttributeResult(label=label)
        citations = _cite(trial, section, [trial.written.get(field), raw, raw.replace("_", " ")], near=near)
        return AttributeResult(label=label, lines=[shown(raw)] if citations else [], citations=citations)

    return extract


def _enum(value: str) -> str:
    return "Not applicable" if value.upper() == "NA" else value.replace("_", " ").lower().capitalize()


# ---- extractors ------------------------------------------------------------------------------


def _age_limit(which: str) -> Extractor:
    """Age bounds from the age facts (registry fields and criteria); the written field if no fact has one."""

    def extract(trial: Trial) -> AttributeResult:
        result = AttributeResult(label=f"{which} age")
        for fact in trial.facts_of(FactKind.AGE):
            bound = fact.high if which == "maximum" else fact.low
            if bound is not None:
                where = "registry field" if fact.source == "structured" else f"{fact.source} criterion"
                result.lines.append(f"{which} {bound:g} years ({where})")
                result.citations.append(fact_citation(trial, fact))
        written = trial.max_age if which == "maximum" else trial.min_age
        if not result.lines and written:
            result.citations += _cite(
                trial, "Eligibility", [written], near="Maximum" if which == "maximum" else "Minimum"
            )
            result.lines += [written] if result.citations else []
        return result

    return extract


def _age_range(trial: Trial) -> AttributeResult:
    low, high = _age_limit("minimum")(trial), _age_limit("maximum")(trial)
    return AttributeResult(
        label="age range", lines=low.lines + high.lines, citations=low.citations + high.citations
    )


def _sex(trial: Trial) -> AttributeResult:
    result = _scalar("sex", "Eligibility", "sex", near="Sex", shown=_enum)(trial)
    extra = _facts([FactKind.SEX], None, "sex")(trial)
    return AttributeResult(
        label="sex", lines=result.lines + extra.lines, citations=result.citations + extra.citations
    )


def _phase(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="phase")
    for phase in trial.phases:
        spaced = re.sub(r"(PHASE)(\d)", r"Phase \2", phase)
        citations = _cite(trial, "Study Design", [phase, spaced, trial.written.get("phases")], near="Phase")
        if citations:
            result.lines.append("Not applicable (NA)" if phase == "NA" else spaced)
            result.citations += citations
    return result


def _enrollment(trial: Trial) -> AttributeResult:
    if trial.enrollment is None:
        return AttributeResult(label="enrolment")
    kind = f" ({trial.enrollment_type.lower()})" if trial.enrollment_type else ""
    citations = _cite(
        trial,
        "Basic Information",
        [f"{trial.enrollment} participants", str(trial.enrollment)],
        near="Enrollment",
    )
    return AttributeResult(
        label="enrolment",
        lines=[f"{trial.enrollment} participants{kind}"] if citations else [],
        citations=citations,
    )


def _dates(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="dates")
    for name, field, near in (
        ("Start", "start_date", "Start"),
        ("Primary completion", "primary_completion_date", "Primary Completion"),
        ("Completion", "completion_date", "Completion"),
    ):
        value = trial.written.get(field) or getattr(trial, field)
        citations = _cite(trial, "Basic Information", [value], near=near) if value else []
        if citations:
            result.lines.append(f"{name}: {value}")
            result.citations += citations
    return result


def _sponsor(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="sponsor")
    for sponsor in sorted(trial.sponsors, key=lambda s: (s.role or "").lower() != "lead"):
        citations = _cite(trial, "Sponsors", [sponsor.name])
        if citations:
            role = f" ({sponsor.role})" if sponsor.role else ""
            result.lines.append(f"{sponsor.name}{role}")
            result.citations += citations
    return result


def _status(trial: Trial) -> AttributeResult:
    return _scalar("recruitment status", "Basic Information", "status", near="Status", shown=_enum)(trial)


def _results(trial: Trial) -> AttributeResult:
    if trial.results_posted is None:
        return AttributeResult(label="results")
    if trial.results_posted:
        citations = _cite(
            trial, "Study Results", ["Results posted", "Results First Posted", "Study Results", "results"]
        )
        return AttributeResult(
            label="results", lines=["Results are posted"] if citations else [], citations=citations
        )
    citations = _cite(trial, "Study Results", ["Results pending", "No results posted", "not published"])
    return AttributeResult(
        label="results",
        lines=["No results posted yet"] if citations else [],
        citations=citations,
        absent=True,
    )


def _listed(label: str, section: str, values: Callable[[Trial], Iterable[str]]) -> Extractor:
    """Each listed value the record's text gives, quoted where it gives it (conditions, other IDs)."""

    def extract(trial: Trial) -> AttributeResult:
        result = AttributeResult(label=label)
        for value in values(trial):
            citations = _cite(trial, section, [value])
            if citations:
                result.lines.append(value)
                result.citations += citations
        return result

    return extract


def _interventions(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="interventions")
    for intervention in trial.interventions:
        citations = _cite(trial, "Interventions", [intervention.name])
        if citations:
            kind = f" ({intervention.type.lower()})" if intervention.type else ""
            result.lines.append(f"{intervention.name}{kind}")
            result.citations += citations
    return result


def _dose(trial: Trial) -> AttributeResult:
    """Dose phrases from the interventions, arms and summary, each quoted as its sentence."""
    result = AttributeResult(label="dose")
    passages = [i.dose_text or i.description for i in trial.interventions]
    passages += [a.description for a in trial.arms] + [trial.brief_summary, trial.detailed_description]
    seen: set[str] = set()
    for passage in filter(None, passages):
        for sentence in sentences(passage):
            phrases = dose_phrases(sentence)
            if not phrases or sentence in seen:
                continue
            seen.add(sentence)
            citations = _cite(trial, "Interventions", [sentence])
            if citations and citations[0] not in result.citations:
                result.lines.append(", ".join(phrases))
                result.citations += citations
    # how a drug is dosed includes for how long it is given ("once weekly for a maximum of 4 weeks")
    if result.lines:
        duration = _duration(trial)
        for line, citation in zip(duration.lines, duration.citations, strict=False):
            if citation not in result.citations:
                result.lines.append(f"given {line}")
                result.citations.append(citation)
    return result


_DURATION = re.compile(
    r"\b(?:for|up to|maximum (?:duration )?of|duration of|until|lasts?)\s+(?:a\s+)?"
    r"(?:maximum\s+(?:duration\s+)?of\s+)?"
    r"\d+\s*(?:days?|weeks?|months?|cycles?)\b",
    re.IGNORECASE,
)


def _duration(trial: Trial) -> AttributeResult:
    """How long the study treatment is given, quoted as the sentence that says so."""
    result = AttributeResult(label="treatment duration")
    passages = [i.description for i in trial.interventions] + [a.description for a in trial.arms]
    for passage in filter(None, [*passages, trial.brief_summary, trial.detailed_description]):
        for sentence in sentences(passage):
            found = _DURATION.search(sentence)
            citations = _cite(trial, "Interventions", [sentence]) if found else []
            if found and citations and citations[0] not in result.citations:
                result.lines.append(found.group(0))
                result.citations += citations
    return result


def _first_dose_sentence(trial: Trial, passage: str | None) -> list[Citation] | None:
    """The first sentence of `passage` that states a dose, cited, or None."""
    for sentence in sentences(passage or ""):
        if dose_phrases(sentence):
            citations = _cite(trial, "Study Groups", [sentence])
            if citations:
                return citations
    return None


def _comparator(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="comparator")
    for arm in trial.arms:
        if arm.type and arm.type.upper() not in ("EXPERIMENTAL",):
            citations = _cite(trial, "Study Groups", [arm.label])
            if citations:
                result.lines.append(f"{arm.label} ({_enum(arm.type)} arm)")
                result.citations += citations
                dosed = _first_dose_sentence(
                    trial, arm.description
                )  # what the control arm gets, and how much
                if dosed is not None:
                    result.lines.append(f"{arm.label}: {', '.join(dose_phrases(dosed[0].quote))}")
                    result.citations += dosed
    if not result.lines and trial.intervention_model == "SINGLE_GROUP":
        citations = _cite(trial, "Study Design", ["SINGLE_GROUP", "Single Group"], near="Model")
        if citations:
            result.lines.append("No comparator: single-group (single-arm) design")
            result.citations += citations
    return result


_OBJECTIVE = re.compile(
    r"\b(?:objective|aim|purpose|to evaluate|to assess|to determine|to explore|to investigate)\b",
    re.IGNORECASE,
)


def _objective(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="primary objective")
    for outcome in trial.primary_outcomes:
        citations = _cite(trial, "Primary Outcome", [outcome.measure])
        if citations:
            frame = f" (time frame: {outcome.time_frame})" if outcome.time_frame else ""
            result.lines.append(f"Primary outcome: {outcome.measure}{frame}")
            result.citations += citations
    summary = " ".join(filter(None, [trial.brief_summary, trial.detailed_description]))
    for sentence in sentences(summary):
        if _OBJECTIVE.search(sentence) and len(sentence.split()) >= 8 and not sentence.endswith(":"):
            citations = _cite(trial, "Brief Summary", [sentence])
            if citations:
                result.lines.append(sentence)
                result.citations += citations
                break
    return result


def _purpose(trial: Trial) -> AttributeResult:
    return _scalar("primary purpose", "Study Design", "primary_purpose", near="Purpose", shown=_enum)(trial)


def _design(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="design")
    for name, field, near in (
        ("Study type", "study_type", "Study"),
        ("Allocation", "allocation", "Allocation"),
        ("Intervention model", "intervention_model", "Model"),
        ("Masking", "masking", "Masking"),
        ("Primary purpose", "primary_purpose", "Purpose"),
    ):
        value = getattr(trial, field)
        candidates = [trial.written.get(field), value, (value or "").replace("_", " ")]
        citations = _cite(trial, "Study Design", candidates, near=near) if value else []
        if citations and value:
            result.lines.append(f"{name}: {_enum(value)}")
            result.citations += citations
    return result


def _sites(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="sites")
    for site in trial.sites:
        place = ", ".join(p for p in (site.city, site.state, site.country) if p)
        citations = _cite(trial, "Locations", [site.facility, site.city])
        if citations:
            name = site.facility or place
            result.lines.append(f"{name}{f' ({place})' if site.facility and place else ''}")
            result.citations += citations
    return result


def _contacts(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="contacts")
    for person in [*trial.contacts, *trial.investigators]:
        citations = _cite(trial, "Contacts", [person.name, person.phone, person.email])
        if citations:
            details = ", ".join(p for p in (person.role, person.phone, person.email) if p)
            result.lines.append(f"{person.name or 'Contact'}{f' ({details})' if details else ''}")
            result.citations += citations
    return result


def _investigators(trial: Trial) -> AttributeResult:
    """The people the record names as leading the study (overall officials first), with their role."""
    result = AttributeResult(label="investigators")
    for person in trial.investigators:
        citations = _cite(trial, "Investigators", [person.name])
        if citations and person.name:
            details = ", ".join(p for p in (_enum(person.role or ""), person.affiliation) if p)
            result.lines.append(f"{person.name}{f' ({details})' if details else ''}")
            result.citations += citations
    return result


def _title(trial: Trial) -> AttributeResult:
    citations = _cite(trial, "Title", [trial.title])
    return AttributeResult(label="title", lines=[trial.title] if citations else [], citations=citations)


def _criteria(trial: Trial) -> AttributeResult:
    result = AttributeResult(label="eligibility criteria")
    for criterion in trial.criteria:
        result.lines.append(f"{criterion.section.capitalize()} {criterion.label or criterion.number}")
        result.citations.append(criterion_citation(trial, criterion))
    return result


def _answered_by(key: str) -> list[str]:
    """The fact kinds whose module names `key` as the attribute that shows them."""
    return [name for name, kind in registry().items() if kind.attribute == key]


def _lab_attribute(kind: str) -> Attribute:
    """The threshold attribute of a lab kind whose module gives it one ("lab:platelets")."""
    names = r"\b(?:" + LAB_NAMES[kind] + r")\b"
    label = f"{kind_name(kind)} threshold"
    return Attribute(key=f"lab:{kind}", label=label, trigger=names, extract=_facts([kind], names, label))


_LAB_ATTRIBUTES = [
    _lab_attribute(name) for name, kind in registry().items() if kind.attribute == f"lab:{name}"
]

ATTRIBUTES: list[Attribute] = [
    Attribute(
        key="max_age",
        label="maximum age",
        trigger=r"\b(?:max(?:imum)?|upper|oldest|highest|top)\s+(?:eligible\s+)?age\b|\bage\s+(?:limit|cap|cut-?off)"
        r"|\bhow old\b|\bupper age\b",
        extract=_age_limit("maximum"),
    ),
    Attribute(
        key="min_age",
        label="minimum age",
        trigger=r"\b(?:min(?:imum)?|lower|youngest|lowest)\s+(?:eligible\s+)?age\b",
        extract=_age_limit("minimum"),
    ),
    Attribute(key="age", label="age range", trigger=r"\bages?\b(?!\s*\d)|\bage range\b", extract=_age_range),
    Attribute(
        key="sex",
        label="sex",
        trigger=r"\bsex(?:es)?\b|\bgenders?\b|\bmen (?:or|and) women\b|\bmale (?:or|and) female\b",
        extract=_sex,
    ),
    Attribute(
        key="ecog",
        label="ECOG",
        trigger=r"\becog\b|\bperformance status\b",
        extract=_facts(_answered_by("ecog"), r"\becog\b|performance status|karnofsky", "ECOG"),
    ),
    Attribute(
        key="dose",
        label="dose",
        trigger=r"\bdos(?:e|es|ed|age|ing)\b|\bregimen\b"
        # "how much hetrombopag does it give?", "how much is taken per day?"
        r"|\bhow much\b(?=[^?]{0,50}\b(?:giv\w*|administer\w*|taken|receiv\w*|per day|daily|a day)\b)"
        r"|\bhow much (?:of|drug|medication)\b",
        extract=_dose,
    ),
    Attribute(
        key="duration",
        label="treatment duration",
        trigger=r"\bhow long\b|\bduration\b|\bfor how many (?:days|weeks|months|cycles)\b",
        extract=_duration,
    ),
    Attribute(
        key="comparator",
        label="comparator",
        trigger=r"\bcomparators?\b|\bcontrol (?:arm|group)\b|\bcompared (?:with|to|against)\b|\bplacebo\b",
        extract=_comparator,
    ),
    Attribute(
        key="sponsor",
        label="sponsor",
        trigger=r"\bsponsor|\bfund(?:ed|er|ing|s)\b|\bcollaborat|\bwho (?:runs|is running|leads)\b"
        r"|\bcompan(?:y|ies)\b|\b(?:leads|is leading|in charge of)\b",
        extract=_sponsor,
    ),
    Attribute(key="phase", label="phase", trigger=r"\bphase\b(?!\s*(?:\d|i{1,3}\b|iv\b))", extract=_phase),
    Attribute(
        key="status",
        label="recruitment status",
        trigger=r"\bstatus\b(?<!performance status)|\bstill (?:open|recruiting)\b|\bis it recruiting\b",
        extract=_status,
    ),
    Attribute(
        key="enrollment",
        label="enrolment",
        trigger=r"\benrol?l?ment\b|\bsample size\b|\btarget accrual\b"
        # "how many women is NCT… planning to enrol?": any people (words.yaml), any wording up to the verb
        r"|\bhow many (?:[\w-]+ )?" + people() + r"[^?]{0,40}?\b(?:enrol|enroll|recruit|accrue|randomi[sz]e"
        r"|sign up|take on)\w*"
        r"|\bhow many "
        + people()
        + r"(?: (?:will|does|did|is|are|were|do) (?:it|they|the (?:trial|study)|NCT\d{8}))?"
        r" (?:enrol|enroll|recruit|plan|planned|expected|include|t(?:ake|ook) part|participat\w*|needed"
        r"|be enrolled|involved|joined|are (?:enrolled|included|planned|needed|in)"
        r"|were (?:enrolled|included|randomi[sz]ed|in)|will be)",
        extract=_enrollment,
    ),
    Attribute(
        key="dates",
        label="dates",
        # a bare "when" asks about the study's own course only ("when is it expected to be over?");
        # "when is the drug stopped?" is asked of the record's text
        # "before starting the trial" is the patient's start, not the study's
        trigger=r"\bdates?\b|\bstart(?:s|ed)?\b|\bcompletion\b|\bfinish|\btimeline\b|\bend\b"
        r"|\bwhen\b(?=[^?.;]*\b(?:done|over|complete\w*|run\w*|open\w*|clos\w*|begin\w*|began|launch\w*"
        r"|start\w*)\b)",
        extract=_dates,
    ),
    Attribute(
        key="objective",
        label="primary objective",
        # not "objective response (rate)", the name of a measure
        trigger=r"\bobjectives?\b(?!\s+respon)|\baims?\b|\bgoals?\b|\bprimary (?:outcome|endpoint)s?\b"
        r"|\bendpoints?\b|\boutcome measures?\b",
        extract=_objective,
    ),
    Attribute(
        key="purpose", label="primary purpose", trigger=r"\bprimary purpose\b|\bpurpose\b", extract=_purpose
    ),
    Attribute(
        key="design",
        label="design",
        trigger=r"\bdesign\b|\ballocation\b|\bblind|\bmask|\bintervention model\b|\bsingle[- ]arm\b",
        extract=_design,
    ),
    Attribute(
        key="washout",
        label="washout windows",
        trigger=r"\bwash-?outs?\b|\bprior (?:treatments?|therap(?:y|ies))\b"
        r"|\bprevious (?:treatments?|therap(?:y|ies))\b"
        r"|\bwindows?\b",
        extract=_facts(
            [*_answered_by("washout"), *_answered_by("transfusion")],
            r"\bwithin\b[^.;]*\b(?:days?|weeks?|months?)\b|\b(?:days?|weeks?|months?)\b[^.;]*\b(?:before|prior)\b",
            "washout windows",
        ),
    ),
    Attribute(
        key="transfusion",
        label="platelet transfusion",
        trigger=r"\btransfusions?\b",
        extract=_facts(_answered_by("transfusion"), r"transfusion", "platelet transfusion"),
    ),
    Attribute(
        key="organ_function",
        label="organ-function limits",
        trigger=r"\borgan[- ]function|\brenal\b|\bkidney\b|\bliver\b|\bhepatic\b|\bcreatinine\b|\bbilirubin\b"
        r"|\btransaminases?\b|\balt\b|\bast\b|\bulns?\b",
        extract=_facts(
            _answered_by("organ_function"),
            r"\b(?:renal|kidney|liver|hepatic|creatinine|bilirubin|ALT|AST|ULN|eGFR|organ)\b",
            "organ-function limits",
        ),
    ),
    Attribute(
        key="life_expectancy",
        label="life expectancy",
        trigger=r"\blife expectancy\b|\bexpected survival\b|\bsurvival\b",
        extract=_facts(_answered_by("life_expectancy"), r"life expectancy|survival", "life expectancy"),
    ),
    Attribute(
        key="sites",
        label="sites",
        # "which hospital leads the study?" asks for its sponsor, not its sites
        trigger=r"\bsites?\b|\blocations?\b|\bwhere\b"
        r"|\b(?:hospitals?|cent(?:er|re)s?)\b(?!\s+(?:leads|is leading))|\bcountr(?:y|ies)\b"
        r"|\bcit(?:y|ies)\b|\btowns?\b|\bprovinces?\b",
        extract=_sites,
    ),
    Attribute(
        key="contacts",
        label="contacts",
        trigger=r"\bcontacts?\b|\bphone\b|\be-?mail\b|\bwho (?:do|should|can) i (?:call|contact)\b",
        extract=_contacts,
    ),
    Attribute(
        key="investigators",
        label="investigators",
        trigger=r"\bPIs?\b|\b(?:principal )?investigators?\b|\b(?:overall |study )?officials?\b"
        r"|\bstudy (?:chair|director)s?\b",
        extract=_investigators,
    ),
    Attribute(
        key="results",
        label="results",
        # what the trial found: "results", "what % did they report", "did it cut the rate of ..."
        # "what were the platelet response rates?": a rate the trial reached
        trigger=r"\bresults?\b|\bfindings?\b|\b(?:response|remission|success|cure|recovery) rates?\b"
        r"|\bwhat (?:%|percent\w*|rate) did (?:they|it) (?:report|find|show)"
        # "what response rate did the colorectal trial achieve?": a figure the trial reached
        r"|\bwhat\b[^?]{0,60}\bdid\b[^?]{0,80}\b(?:achieve|reach|attain|produce|yield|demonstrate)\b"
        r"|\bdid (?:it|they|\w+) (?:actually )?(?:cut|reduce|lower|improve|increase|prevent|work)\b",
        extract=_results,
    ),
    Attribute(
        key="conditions",
        label="conditions",
        trigger=r"\bconditions?\b|\bdiseases?\b|\bindications?\b"
        r"|\bwhat (?:does|do) (?:it|they) (?:treat|study)\b",
        extract=_listed("conditions", "Conditions", lambda t: t.conditions),
    ),
    Attribute(
        key="interventions",
        label="interventions",
        # "which drug", "the study drugs": not "the drug" of "when do they stop the drug?", which names it
        trigger=r"\binterventions?\b|\b(?:what|which)\s+(?:[\w-]+\s+)?(?:drugs?|medications?)\b"
        r"|\b(?:study|trial|investigational)\s+drugs?\b|\bdrugs\b"
        r"|\bdrugs? (?:used|given|tested|studied)\b|\bwhat (?:is|are) (?:being )?(?:given|tested)\b"
        r"|\barms?\b",
        extract=_interventions,
    ),
    Attribute(
        key="criteria",
        label="eligibility criteria",
        trigger=r"\beligibility\b|\binclusion\b|\bexclusion\b|\bcriteria\b"
        r"|\bwho can (?:join|enrol|take part)\b",
        extract=_criteria,
    ),
    Attribute(
        key="other_ids",
        label="other identifiers",
        # "org study ID", "protocol number", "secondary IDs": the numbers a trial is filed under elsewhere
        trigger=r"\borg(?:ani[sz]ation(?:al)?)?'?s?\.?\s+(?:study\s+)?id\b|\bprotocol\s+(?:number|no\.?|id|code)\b"
        r"|\bother\s+identifiers?\b|\bsecondary\s+ids?\b|\bstudy\s+code\b|\bsponsor'?s?\s+(?:protocol|study)\s+(?:number|id)\b",
        # the organisation's study ID and other registry numbers
        extract=_listed("other identifiers", "Other Identifiers", lambda t: t.other_ids),
    ),
    Attribute(
        key="title", label="title", trigger=r"\btitle\b|\bwhat is it called\b|\bname of\b", extract=_title
    ),
    *_LAB_ATTRIBUTES,
]
BY_KEY = {a.key: a for a in ATTRIBUTES}


def attributes_in(question: str) -> list[str]:
    """Attribute keys a question asks about, in the order the registry lists them."""
    keys = [a.key for a in ATTRIBUTES if re.search(a.trigger, question, re.IGNORECASE)]
    if "max_age" in keys or "min_age" in keys:
        keys = [k for k in keys if k != "age"]
    if "comparator" in keys:
        keys = [k for k in keys if k != "interventions"]
    if "results" in keys:  # "the platelet response rates" asks what the trial found, not its entry limit
        keys = [k for k in keys if not k.startswith("lab:")]
    return keys


# Attributes named by what the record's sentences would also say ("how long" is answered by "over
# 24 weeks", "plt counts" by "platelet count", "phone" by a number to call in the summary): their
# words stay in what is asked of the record.
_SAID_IN_RECORD = frozenset({"duration", "transfusion", "organ_function", "life_expectancy", "contacts"}) | {
    a.key for a in _LAB_ATTRIBUTES
}


def without_attribute_words(question: str, keys: list[str]) -> str:
    """The question less the words that named the attributes `keys` ("what is the dose" -> "what is
    the"): what is left is asked of the record's own text."""
    for key in (k for k in keys if k not in _SAID_IN_RECORD):
        question = re.sub(BY_KEY[key].trigger, " ", question, flags=re.IGNORECASE)
    return question


def label_of(key: str) -> str:
    return BY_KEY[key].label


def extract(key: str, trial: Trial) -> AttributeResult:
    return BY_KEY[key].extract(trial)


# "exclusion criterion 15", "inclusion item #3": one numbered criterion of one section.
_NUMBERED = re.compile(
    r"\b(?P<section>inclusion|exclusion)\s+(?:criteri(?:on|a)|items?|points?)?\s*(?:no\.?|number|#)?\s*"
    r"(?P<label>\d{1,3})\b",
    re.IGNORECASE,
)


def numbered_criterion(question: str) -> tuple[str, str] | None:
    """('exclusion', '15') for "what is exclusion criterion 15?", else None."""
    match = _NUMBERED.search(question)
    return (match.group("section").lower(), match.group("label")) if match else None


def criterion_item(trial: Trial, section: str, label: str) -> AttributeResult:
    """The criterion printed with that number, or what the record's numbering shows instead: a
    list that skips the number ("13, 14, 16") or ends before it."""
    criteria = trial.inclusion if section == "inclusion" else trial.exclusion
    result = AttributeResult(label=f"{section} criterion {label}")
    printed = [c for c in criteria if c.parent is None]
    by_label = {(c.label or str(c.number)): c for c in printed}
    if label in by_label:
        criterion = by_label[label]
        result.lines.append(f"{section} criterion {label} of {len(printed)}, as written")
        result.citations.append(criterion_citation(trial, criterion))
        return result
    numbers = sorted(int(k) for k in by_label if k.isdigit())
    if not numbers:
        return result
    wanted = int(label)
    below = [n for n in numbers if n < wanted]
    above = [n for n in numbers if n > wanted]
    if below and above:
        gap = f"the record's numbering goes from {below[-1]} to {above[0]}: there is no item {label}"
    else:
        gap = f"the record lists {section} criteria {numbers[0]}-{numbers[-1]}: there is no item {label}"
    result.lines.append(f"No {section} criterion {label} is listed — {gap}.")
    for n in ([below[-1]] if below else []) + ([above[0]] if above else []):
        result.citations.append(criterion_citation(trial, by_label[str(n)]))
    return result
