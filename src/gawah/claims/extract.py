"""Propose claims from an English news article: rules over a sentence splitter.

No model and no network: the extractor must run on a documenter's offline
laptop and give the same answer every time, so that a reviewer can see why a
figure was proposed (the supporting sentence is returned with its offsets).
Proposals are never recorded by this module; a person accepts them first
(``gawah claims review``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from gawah.claims._attribution import (
    DENY_VERBS,
    ESTIMATE_VERBS,
    Attribution,
    find_attribution,
    is_pronoun_speaker,
    leading_subject,
    make_claimant,
    resolve_reference,
)
from gawah.claims._categories import (
    INHERIT,
    category_for,
    is_previous_figure,
    sentence_category,
)
from gawah.claims._numbers import find_quantities
from gawah.claims._qualifiers import bounds_for, strip_qualifier
from gawah.claims._text import (
    Span,
    html_to_text,
    looks_like_html,
    split_clauses,
    split_sentences,
)
from gawah.claims._urdu import figures as urdu_figures
from gawah.claims._urdu import is_urdu
from gawah.claims._victims import find_victims
from gawah.claims.model import (
    Category,
    Claimant,
    ClaimantKind,
    ClaimProposal,
    Extraction,
    Stance,
    VictimProposal,
)
from gawah.errors import UserInputError

_ZERO_SUBJECT = re.compile(
    r"\b(?:no\s+one|no-one|nobody|none(?:\s+of\s+them)?(?=\s+(?:was|were|had|has|have|died))|not\s+(?:a\s+single|one)\s+(?:person|protester|demonstrator|"
    r"man|woman|soul|one|student|worker|civilian)|no\s+(?:protesters?|people|persons?|"
    r"civilians?|students?|demonstrators?|workers?|soldiers|troops|policemen|police|personnel|"
    r"journalists?|lives))\b",
    re.IGNORECASE,
)
_ZERO_NOUN = re.compile(
    r"\bno\s+(?:deaths?|fatalities|killings|casualties|arrests?|detentions?|injuries|"
    r"disappearances|abductions)\b",
    re.IGNORECASE,
)
_DENY_ANY = re.compile(
    r"\b(?:denied|denies|deny|rejected|dismissed|refuted)\s+"
    r"(?:(?:that|reports|claims|of|\w+ing)\s+){0,3}"
    r"(?:any(?:one|body)?|all)\b",
    re.IGNORECASE,
)
# "denied that its troops had been deployed": a denial with no figure is 0..0.
_DENY_THAT = re.compile(
    r"\b(?:denied|denies|deny|rejected|dismissed)\s+(?:(?:claims|reports)\s+)?that\s+"
    r"(?:[\w']+\s+){1,4}?(?:had|have|has|was|were|is|are)\s+(?:been\s+)?",
    re.IGNORECASE,
)
# "Nobody has been arrested for the killing of ...": about perpetrators, not victims.
_PERPETRATORS = re.compile(
    r"\bfor\s+(?:the\s+)?(?:killing|killings|murders?|deaths?|attacks?|shooting|torture|"
    r"abductions?)\b",
    re.IGNORECASE,
)
# "the figure of 40 deaths ... was a lie": the speaker denies the figure.
_REJECTED = re.compile(
    r"\b(?:was|were|is|are)\s+[\"“]?(?:a\s+|an\s+|all\s+)?[\"“]?(?:lies?|false|baseless|fabricated|"
    r"untrue|propaganda|exaggerated|incorrect|fake|wrong|fiction)\b",
    re.IGNORECASE,
)
# A list item under "The commission recorded the following:" is the commission's.
_BULLET = re.compile(r"^\s*(?:[-•*–·▪]|\d{1,2}[.)])\s+")
_DENY_SCOPE_END = re.compile(r",\s+(?:saying|adding|and|but|while|though)\b")
_ZERO_REACH = 60  # characters after "no one" in which its verb must appear


@dataclass
class _Context:
    """What a passage has said so far: resolves "they said" and "the figure was 30"."""

    last_claimant: Claimant | None = None
    last_category: Category | None = None
    previous_sentence: str = ""
    list_claimant: Claimant | None = None  # speaker of "X recorded the following:"
    claims: list[ClaimProposal] = field(default_factory=list)


def extract(text: str) -> Extraction:
    """Claims and named victims proposed from plain text (offsets index into ``text``)."""
    ctx = _Context()
    victims: list[VictimProposal] = []
    for sentence in split_sentences(text):
        _sentence_claims(sentence, ctx)
        cat = sentence_category(sentence.text)
        for v in find_victims(sentence.text):
            victims.append(
                VictimProposal(
                    name=v.name,
                    age=v.age,
                    place=v.place,
                    category=cat,
                    quote=sentence.text,
                    sentence_start=sentence.start,
                    sentence_end=sentence.end,
                )
            )
        ctx.previous_sentence = sentence.text
    return Extraction(text=text, claims=tuple(ctx.claims), victims=tuple(victims))


def extract_claims(text: str) -> list[ClaimProposal]:
    """Claim proposals from plain text, in reading order."""
    return list(extract(text).claims)


def extract_victims(text: str) -> list[VictimProposal]:
    """Named-victim proposals from plain text, in reading order."""
    return list(extract(text).victims)


def read_article(path: Path) -> str:
    """The plain text of an article file (HTML is stripped with the standard library)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc.strerror}") from exc
    text = _decode(raw)
    if path.suffix.lower() in {".html", ".htm", ".xhtml"} or looks_like_html(text):
        return html_to_text(text)
    return text


def _decode(raw: bytes) -> str:
    """UTF-8 when it is UTF-8; otherwise the encoding charset-normalizer finds (saved pages
    are often Windows-1252)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(raw).best()
        if best is None:
            return raw.decode("utf-8", errors="replace")
        return str(best)


def _urdu_claims(sentence: Span, ctx: _Context) -> None:
    """An Urdu sentence: its figures with its speaker (or the one before it)."""
    for f in urdu_figures(sentence.text):
        claimant = make_claimant(f.speaker) if f.speaker else ctx.last_claimant
        ctx.claims.append(
            _proposal(f.category, f.low, f.high, f.stance, claimant, sentence, sentence,
                      f.start, f.end)
        )  # fmt: skip
        if claimant is not None:
            ctx.last_claimant = claimant


def _sentence_claims(sentence: Span, ctx: _Context) -> None:
    if is_urdu(sentence.text):
        _urdu_claims(sentence, ctx)
        return
    whole = find_attribution(sentence.text)
    bullet = bool(_BULLET.match(sentence.text))
    if not bullet:
        ctx.list_claimant = None
    for clause in split_clauses(sentence):
        own = find_attribution(clause.text)
        attribution = own or (whole if _covers(whole, clause, sentence) else None)
        claimant = attribution.claimant if attribution else None
        if claimant is not None:
            claimant = resolve_reference(claimant, _referent(ctx))
        if claimant is None and bullet:
            claimant = ctx.list_claimant
        if claimant is None and (
            is_pronoun_speaker(clause.text) or is_pronoun_speaker(sentence.text)
        ):
            claimant = ctx.last_claimant or _from_subject(ctx.previous_sentence)
        estimated = bool(attribution and ESTIMATE_VERBS.fullmatch(attribution.verb))
        found = _zero_claims(clause, sentence, claimant) + _figure_claims(
            clause, sentence, claimant, estimated, ctx
        )
        found.sort(key=lambda p: p.figure_start)
        ctx.claims.extend(found)
        if claimant is not None:
            ctx.last_claimant = claimant
    if sentence.text.rstrip().endswith(":") and whole is not None:
        ctx.list_claimant = whole.claimant


def _covers(whole: Attribution | None, clause: Span, sentence: Span) -> bool:
    """Whether the sentence's speaker speaks ``clause``.

    "X, Y and Z, the ministry said" covers every clause before the verb; "Police
    were deployed, and the party said 200 were arrested" does not: when figures
    follow the verb, the speech is what follows, not the clauses before it.
    """
    if whole is None:
        return False
    clause_end = clause.end - sentence.start
    if clause_end > whole.verb_at:
        return True
    after = sentence.text[whole.verb_at :]
    after = after[len(after) - len(after.lstrip(" \t")) :]  # (no leading blanks)
    verb = re.match(r"[\w ]+?(?=[,.;\"”]|$)", after)  # "police said," / "said."
    if verb is not None and len(verb.group(0).split()) <= 3:
        return True  # the speaker comes last: it speaks what came before
    return not find_quantities(after)


def _referent(ctx: _Context) -> Claimant | None:
    """Who "It", "the statement" or "its spokesperson" points back to.

    The subject of the sentence before when it names a speaker ("The ministry
    released a statement. It said ..."), else the last speaker.
    """
    subject = _from_subject(ctx.previous_sentence)
    if subject is not None and subject.kind is not ClaimantKind.OTHER:
        return subject
    return ctx.last_claimant or subject


def _from_subject(sentence: str) -> Claimant | None:
    subject = leading_subject(sentence)
    return make_claimant(subject) if subject else None


def _figure_claims(
    clause: Span,
    sentence: Span,
    claimant: Claimant | None,
    estimated: bool,
    ctx: _Context,
) -> list[ClaimProposal]:
    text = clause.text
    quantities = find_quantities(text)
    out: list[ClaimProposal] = []
    i = 0
    while i < len(quantities):
        q = quantities[i]
        following = quantities[i + 1] if i + 1 < len(quantities) else None
        b = bounds_for(text, q, following)
        i += 2 if b.joined else 1
        stop = quantities[i].start if i < len(quantities) else len(text)
        before = strip_qualifier(text[max(0, b.start - 120) : b.start])
        if is_previous_figure(before):
            continue
        found = category_for(before, text[b.end : stop])
        if found == INHERIT:
            found = ctx.last_category
        if not isinstance(found, Category):
            continue
        ctx.last_category = found
        if _denied(text, b.start) or _REJECTED.search(text[b.end : b.end + 150]):
            stance = Stance.DENIES
        elif b.estimate or estimated:
            stance = Stance.ESTIMATES
        else:
            stance = Stance.ASSERTS
        out.append(
            _proposal(found, b.low, b.high, stance, claimant, clause, sentence, b.start, b.end,
                      note=b.note)
        )  # fmt: skip
    return out


def _denied(clause: str, at: int) -> bool:
    """A figure after "denied"/"rejected reports that" is what the speaker denies."""
    lowered = clause[max(0, at - 200) : at].lower()
    denials = list(DENY_VERBS.finditer(lowered))
    if not denials:
        return False
    return not _DENY_SCOPE_END.search(lowered[denials[-1].end() :])


def _zero_claims(
    clause: Span, sentence: Span, claimant: Claimant | None
) -> list[ClaimProposal]:
    """Zero figures ("no one was killed", "denied any deaths"): 0..0, stance denies."""
    text = clause.text
    out: list[ClaimProposal] = []
    spans: list[tuple[int, int]] = []
    for rx, needs_verb in (
        (_ZERO_NOUN, False),
        (_DENY_ANY, True),
        (_DENY_THAT, True),
        (_ZERO_SUBJECT, True),
    ):
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            if needs_verb:
                reach = re.split(r"[,;.]", text[m.end() : m.end() + _ZERO_REACH])[0]
                if _PERPETRATORS.search(reach) or find_quantities(m.group(0)):
                    continue
                # "denied arresting any journalists": the verb may come before "any".
                cat = sentence_category(reach) or sentence_category(m.group(0))
            else:
                cat = sentence_category(m.group(0))
            if cat is None:
                continue
            end = m.end() if not needs_verb else m.end() + len(reach)
            spans.append((m.start(), end))
            out.append(
                _proposal(
                    cat, 0, 0, Stance.DENIES, claimant, clause, sentence, m.start(), end
                )
            )
    return out


def _proposal(
    category: Category,
    low: int,
    high: int | None,
    stance: Stance,
    claimant: Claimant | None,
    clause: Span,
    sentence: Span,
    start: int,
    end: int,
    note: str = "",
) -> ClaimProposal:
    return ClaimProposal(
        category=category,
        low=low,
        high=high,
        note=note,
        stance=stance,
        claimant=claimant,
        figure=clause.text[start:end].strip(),
        quote=sentence.text,
        sentence_start=sentence.start,
        sentence_end=sentence.end,
        figure_start=clause.start + start,
        figure_end=clause.start + end,
    )
