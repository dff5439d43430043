"""The word lists `attribution` reads speakers with: speech verbs, titles, roles, bodies.

Data only. Add a word here to teach attribution a new verb, title or kind of body.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


SPEECH_VERBS = word_set(
    """said says say told tells added adds stated states claimed claims claim asserted asserts
    deny insist warn allege believe
    warned warns denied denies alleged alleges noted notes announced announces insisted insists
    wrote writes confirmed confirms reported believes continued argued argues explained admitted
    acknowledged promised declared disputed dismissed rejected stressed emphasized emphasised
    suggested estimated vowed urged replied responded countered assured reiterated conceded
    maintained maintains accused described"""
)
PARTICIPLES = word_set(
    """saying adding noting claiming insisting warning assuring stating arguing stressing
    asserting alleging denying telling"""
)
# Titles and roles before a name; they are dropped from the speaker's name.
TITLES = word_set(
    """mr mr. mrs mrs. ms ms. dr dr. gen gen. gov gov. sen sen. rep. lt. col. maj. capt. adm.
    president vice prime minister deputy secretary general spokesman spokeswoman spokesperson
    mayor governor head chief chairman chairwoman commander ambassador leader director
    coordinator envoy negotiator official officer representative foreign defense defence state
    interior finance chairperson speaker premier chancellor king queen pope senator colonel
    lieutenant major captain admiral marshal sergeant pentagon kremlin communications
    strategic executive first press security ground forces"""
)
ROLE_HEADS = word_set(
    """minister spokesman spokeswoman spokesperson mayor governor head chief chairman commander
    ambassador leader director coordinator envoy negotiator official officials officer
    president secretary general spokespeople authorities representative representatives
    diplomat diplomats military army government administration ministry police sources source
    experts analysts agency office command staff service forces intelligence prosecutors
    investigators residents witnesses observers monitors governor"""
)
ORG_WORDS = word_set(
    """Ministry Kremlin Pentagon Staff House Office Council Forces Command Agency Nations
    Committee Service Guard Army Navy Military Government Administration Parliament Duma Rada
    Department Directorate Commission Union NATO UN TASS Interfax"""
)
NATIONALITIES = word_set(
    """Russian Ukrainian American British German French Chechen Polish Turkish Belarusian
    Chinese Israeli Lithuanian Finnish Swedish Hungarian Moldovan Kazakh Georgian Iranian
    Western Eastern European Russia’s Ukraine’s Russia's Ukraine's"""
)
NOT_NAMES = word_set(
    """The A An On In At But And Earlier Later Meanwhile Still However Also Then Yet So Last
    This That Thursday Monday Tuesday Wednesday Friday Saturday Sunday January February March
    April May June July August September October November December Some Officially Despite
    When While After Before Since Regarding Asked Speaking Over Under Separately Elsewhere"""
)
PRONOUNS = word_set("he she they it He She They It")
AUXILIARIES = word_set(
    """has have had was were is are also previously later earlier simply only then reportedly
    repeatedly once again later has been had been already just quickly publicly separately"""
)
PREPOSITIONS = word_set("of in to at from for with by near on into about over under against")
