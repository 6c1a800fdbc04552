"""The built-in library of interim assignments (välitehtävät), in Finnish, Swedish and English.

Static text in the code, drawn from solution-focused and reflective supervision practice. A
supervisor picks one, edits it in the browser and gives it: what is given is sealed there as an
item of kind "assignment" (its payload `{title, instructions, minutes, tags, lang, source}`),
so the server never learns which words a supervisee was asked to reflect on, only that an
assignment was given.
"""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fi", "sv", "en")

#: Tag names per language (a tag's key is stable; the sealed payload holds the words).
TAGS: dict[str, dict[str, str]] = {
    "strengths": {"fi": "vahvuudet", "sv": "styrkor", "en": "strengths"},
    "solution_focus": {"fi": "ratkaisukeskeisyys", "sv": "lösningsfokus",
                       "en": "solution focus"},
    "wellbeing": {"fi": "työhyvinvointi", "sv": "arbetsvälbefinnande", "en": "wellbeing at work"},
    "reflection": {"fi": "reflektio", "sv": "reflektion", "en": "reflection"},
    "interaction": {"fi": "vuorovaikutus", "sv": "samspel", "en": "interaction"},
    "role": {"fi": "perustehtävä ja rooli", "sv": "grunduppdrag och roll",
             "en": "core task and role"},
    "goals": {"fi": "tavoitteet", "sv": "mål", "en": "goals"},
    "resources": {"fi": "voimavarat", "sv": "resurser", "en": "resources"},
    "daily": {"fi": "päivittäin", "sv": "dagligen", "en": "daily"},
    "self_compassion": {"fi": "myötätunto itseä kohtaan", "sv": "självmedkänsla",
                        "en": "self-compassion"},
}


@dataclass(frozen=True)
class LibraryAssignment:
    """One built-in assignment: a stable key, the estimated minutes, tag keys and the title
    and instructions per language."""

    key: str
    minutes: int
    tags: tuple[str, ...]
    title: dict[str, str]
    instructions: dict[str, str]

    def in_language(self, lang: str) -> dict:
        """The assignment as the editor starts from it (and as it is sealed)."""
        lang = lang if lang in LANGUAGES else "fi"
        return {"key": self.key, "title": self.title[lang],
                "instructions": self.instructions[lang], "minutes": self.minutes,
                "tags": [TAGS[tag][lang] for tag in self.tags], "lang": lang}


def _a(key: str, minutes: int, tags: tuple[str, ...], fi: tuple[str, str],
       sv: tuple[str, str], en: tuple[str, str]) -> LibraryAssignment:
    return LibraryAssignment(key, minutes, tags,
                             {"fi": fi[0], "sv": sv[0], "en": en[0]},
                             {"fi": fi[1], "sv": sv[1], "en": en[1]})


LIBRARY: tuple[LibraryAssignment, ...] = (
    _a("success_a_day", 5, ("solution_focus", "strengths", "daily"),
       ("Yksi onnistuminen päivässä",
        "Kirjoita joka päivä ennen seuraavaa tapaamista muistiin yksi asia, joka onnistui "
        "työssäsi – pienikin riittää. Kysy siitä itseltäsi: Mikä teki onnistumisen "
        "mahdolliseksi? Mitä tein itse toisin kuin tavallisesti? Kuka tai mikä auttoi?\n\n"
        "Katso viikon lopuksi merkintöjäsi: toistuuko niissä jokin, jota haluat tehdä "
        "enemmän?"),
       ("En framgång om dagen",
        "Skriv varje dag fram till nästa träff ner en sak som lyckades i ditt arbete – en "
        "liten sak räcker. Fråga dig sedan: Vad gjorde det möjligt? Vad gjorde jag själv "
        "annorlunda än vanligt? Vem eller vad hjälpte?\n\n"
        "Läs igenom anteckningarna i slutet av veckan: finns det något som återkommer och som "
        "du vill göra mer av?"),
       ("One success a day",
        "Every day until our next meeting, write down one thing that went well at work – a "
        "small one is enough. Then ask yourself: What made it possible? What did I do "
        "differently from usual? Who or what helped?\n\n"
        "At the end of the week, read your notes: does something recur that you want to do "
        "more of?")),
    _a("resource_map", 20, ("resources", "wellbeing"),
       ("Voimavarakartta",
        "Piirrä tai kirjoita paperin keskelle oma nimesi. Kokoa sen ympärille kaikki, mikä "
        "antaa sinulle voimia työssä ja sen ulkopuolella: ihmiset, taidot, arvot, tavat, "
        "paikat ja asiat.\n\nMerkitse, mitkä voimavaroista ovat nyt käytössä ja mitkä ovat "
        "jääneet vähemmälle. Valitse yksi, jota haluat vahvistaa ennen seuraavaa tapaamista, "
        "ja kirjoita, miten aiot tehdä sen."),
       ("Resurskarta",
        "Skriv ditt namn mitt på ett papper. Samla runt det allt som ger dig kraft i arbetet "
        "och utanför det: människor, färdigheter, värderingar, vanor, platser och saker.\n\n"
        "Markera vilka resurser du använder nu och vilka som fått stå tillbaka. Välj en som du "
        "vill stärka före nästa träff och skriv hur du tänker göra det."),
       ("Resource map",
        "Write your name in the middle of a page. Around it, gather everything that gives you "
        "strength at work and outside it: people, skills, values, habits, places and "
        "things.\n\nMark which resources you are using now and which have been left aside. "
        "Choose one to strengthen before our next meeting, and write how you will do it.")),
    _a("strain_log", 5, ("wellbeing", "reflection", "daily"),
       ("Kuormittavien hetkien päiväkirja",
        "Kun työssä tulee kuormittava hetki, kirjaa siitä lyhyesti: Mitä tapahtui? Mitä "
        "tunsit ja ajattelit? Mikä auttoi edes vähän – sinun oma tekosi, joku toinen tai "
        "tilanne itse?\n\nÄlä arvioi itseäsi, vaan kerää havaintoja. Tuo seuraavaan "
        "tapaamiseen se, mikä auttoi useimmin."),
       ("Dagbok över belastande stunder",
        "När du har en belastande stund i arbetet, anteckna kort: Vad hände? Vad kände och "
        "tänkte du? Vad hjälpte om så bara lite – något du själv gjorde, någon annan eller "
        "situationen själv?\n\nDöm inte dig själv, samla bara iakttagelser. Ta med dig till "
        "nästa träff det som hjälpte oftast."),
       ("A log of straining moments",
        "When a straining moment comes at work, note briefly: What happened? What did you "
        "feel and think? What helped, even a little – something you did, someone else, or "
        "the situation itself?\n\nDo not judge yourself; just collect observations. Bring "
        "to our next meeting what helped most often.")),
    _a("miracle_question", 15, ("solution_focus", "goals"),
       ("Ihmekysymys",
        "Kuvittele, että tänä yönä nukkuessasi tapahtuu ihme: asia, josta puhuimme, on "
        "ratkennut. Et tiedä ihmeestä, koska nukuit.\n\nMistä huomaat aamulla töihin "
        "mennessäsi, että ihme on tapahtunut? Mitä teet toisin? Mistä työkaverisi tai "
        "asiakkaasi huomaavat sen? Kirjoita mahdollisimman tarkasti. Onko jokin palanen "
        "ihmeestä jo nyt joskus totta?"),
       ("Mirakelfrågan",
        "Föreställ dig att det i natt, medan du sover, sker ett mirakel: det vi talade om har "
        "löst sig. Du vet inte om det, eftersom du sov.\n\nHur märker du på morgonen, på väg "
        "till jobbet, att miraklet har skett? Vad gör du annorlunda? Hur märker dina "
        "kolleger eller klienter det? Skriv så konkret du kan. Är någon bit av miraklet "
        "redan ibland sann?"),
       ("The miracle question",
        "Imagine that tonight, while you sleep, a miracle happens: what we talked about has "
        "been resolved. You do not know it, because you were asleep.\n\nWhen you go to work "
        "in the morning, how do you notice that the miracle has happened? What do you do "
        "differently? How do your colleagues or clients notice it? Write as concretely as "
        "you can. Is some piece of the miracle already true at times?")),
    _a("one_step_up", 10, ("solution_focus", "goals"),
       ("Askel ylöspäin asteikolla",
        "Ajattele tavoitettasi asteikolla 0–10, jossa 10 tarkoittaa, että tavoite on "
        "saavutettu. Missä olet nyt? Mikä jo toimii, niin ettet ole nollassa?\n\nMistä "
        "huomaisit, että olet yhden askeleen ylempänä? Valitse yksi pieni teko, joka voisi "
        "viedä sinua sinne, ja kokeile sitä ennen seuraavaa tapaamista. Kirjoita, mitä "
        "huomasit."),
       ("Ett steg uppåt på skalan",
        "Tänk på ditt mål på en skala 0–10, där 10 betyder att målet är nått. Var är du nu? "
        "Vad fungerar redan, så att du inte är på noll?\n\nHur skulle du märka att du har "
        "kommit ett steg högre? Välj en liten handling som kunde föra dig dit och pröva den "
        "före nästa träff. Skriv vad du lade märke till."),
       ("One step up the scale",
        "Think of your goal on a scale from 0 to 10, where 10 means the goal is reached. "
        "Where are you now? What already works, so that you are not at zero?\n\nHow would "
        "you notice that you had moved one step up? Choose one small action that could take "
        "you there, and try it before our next meeting. Write what you noticed.")),
    _a("letter_to_self", 20, ("self_compassion", "reflection"),
       ("Kirje itselle",
        "Kirjoita kirje itsellesi ystävänä, joka tuntee työsi ja tietää, mitä olet viime "
        "aikoina kantanut. Mitä hän sanoisi siitä, mitä olet jaksanut? Mitä hän arvostaisi "
        "sinussa? Mitä hän toivoisi sinulle seuraaviksi viikoiksi?\n\nLue kirje ääneen tai "
        "hiljaa muutaman päivän päästä uudelleen."),
       ("Ett brev till dig själv",
        "Skriv ett brev till dig själv som en vän som känner ditt arbete och vet vad du har "
        "burit på den senaste tiden. Vad skulle vännen säga om det du orkat med? Vad skulle "
        "hen uppskatta hos dig? Vad skulle hen önska dig de närmaste veckorna?\n\nLäs brevet "
        "på nytt, högt eller tyst, efter några dagar."),
       ("A letter to yourself",
        "Write a letter to yourself as a friend who knows your work and what you have been "
        "carrying lately. What would they say about what you have managed? What would they "
        "value in you? What would they wish for you in the coming weeks?\n\nRead the letter "
        "again, aloud or silently, after a few days.")),
    _a("one_interaction", 20, ("interaction", "reflection"),
       ("Yhden vuorovaikutustilanteen erittely",
        "Valitse yksi työn vuorovaikutustilanne, joka jäi mieleesi – onnistunut tai "
        "hankala. Kuvaa se lyhyesti: kuka sanoi mitä, mitä tapahtui.\n\nPohdi sitten: Mitä "
        "ajattelin ja tunsin tilanteessa? Mitä arvelen toisen ajatelleen? Mikä vaikutti "
        "tilanteen kulkuun? Mitä tekisin samoin ja mitä toisin seuraavalla kerralla?"),
       ("Att analysera en interaktion",
        "Välj en situation i arbetet där du mötte någon och som har stannat kvar i tankarna "
        "– en lyckad eller en svår. Beskriv den kort: vem sade vad, vad hände.\n\nFundera "
        "sedan: Vad tänkte och kände jag i situationen? Vad tror jag att den andra tänkte? "
        "Vad påverkade hur det gick? Vad skulle jag göra likadant och vad annorlunda nästa "
        "gång?"),
       ("Analysing one interaction",
        "Choose one interaction at work that stayed on your mind – a good one or a difficult "
        "one. Describe it briefly: who said what, what happened.\n\nThen reflect: What did I "
        "think and feel in the situation? What do I suppose the other person thought? What "
        "shaped how it went? What would I do the same way, and what differently, next "
        "time?")),
    _a("core_task", 25, ("role", "reflection"),
       ("Perustehtävä ja rooli",
        "Kirjoita omin sanoin: Mikä on työni perustehtävä – mitä varten työni on olemassa, "
        "ja kenen hyväksi? Mikä on minun roolini sen toteuttamisessa, ja mikä ei kuulu "
        "minulle?\n\nMieti viime viikkoa: mihin aikasi meni? Mikä siitä palveli perustehtävää "
        "ja mikä vei siitä sivuun? Mitä haluaisit rajata, pyytää tai tehdä toisin?"),
       ("Grunduppdrag och roll",
        "Skriv med egna ord: Vilket är grunduppdraget i mitt arbete – varför finns mitt "
        "arbete, och för vems skull? Vilken är min roll i att fullgöra det, och vad hör inte "
        "till mig?\n\nTänk på den senaste veckan: vart gick din tid? Vad av det tjänade "
        "grunduppdraget och vad förde dig bort från det? Vad skulle du vilja avgränsa, be om "
        "eller göra annorlunda?"),
       ("Clarifying your core task and role",
        "Write in your own words: What is the core task of my work – why does my work exist, "
        "and for whose sake? What is my role in carrying it out, and what is not mine to "
        "do?\n\nThink of the past week: where did your time go? What of it served the core "
        "task, and what drew you away from it? What would you like to limit, ask for or do "
        "differently?")),
    _a("tell_a_colleague", 10, ("reflection", "self_compassion"),
       ("Mitä sanoisin kollegalle",
        "Kuvittele, että arvostamasi kollega on täsmälleen sinun tilanteessasi ja kertoo "
        "siitä sinulle. Mitä sanoisit hänelle? Mitä kysyisit? Mitä neuvoisit – ja mitä "
        "jättäisit neuvomatta?\n\nKirjoita vastauksesi muistiin. Mitä niistä voisit sanoa "
        "itsellesi?"),
       ("Vad jag skulle säga till en kollega",
        "Föreställ dig att en kollega du uppskattar är i exakt din situation och berättar om "
        "den för dig. Vad skulle du säga? Vad skulle du fråga? Vilka råd skulle du ge – och "
        "vilka skulle du låta bli att ge?\n\nSkriv ner dina svar. Vad av det kunde du säga "
        "till dig själv?"),
       ("What I would tell a colleague in my place",
        "Imagine a colleague you respect is in exactly your situation and tells you about it. "
        "What would you say to them? What would you ask? What would you advise – and what "
        "would you leave unsaid?\n\nWrite your answers down. Which of them could you say to "
        "yourself?")),
    _a("exceptions", 10, ("solution_focus", "strengths"),
       ("Poikkeukset",
        "Muistele tilannetta, jossa ongelma, josta puhuimme, oli pienempi tai puuttui "
        "kokonaan. Milloin se oli? Mikä oli toisin – sinussa, muissa, olosuhteissa?\n\n"
        "Kirjoita, mitä teit silloin. Miten voisit tehdä sitä hieman enemmän tulevina "
        "viikkoina?"),
       ("Undantagen",
        "Tänk på ett tillfälle då problemet vi talade om var mindre eller inte fanns alls. "
        "När var det? Vad var annorlunda – hos dig, hos andra, i omständigheterna?\n\nSkriv "
        "vad du gjorde då. Hur kunde du göra lite mer av det de kommande veckorna?"),
       ("Exceptions",
        "Recall a time when the problem we talked about was smaller or absent altogether. "
        "When was it? What was different – in you, in others, in the circumstances?\n\n"
        "Write what you did then. How could you do a little more of it in the coming "
        "weeks?")),
    _a("appreciation", 5, ("interaction", "wellbeing", "daily"),
       ("Arvostuksen havainnot",
        "Huomaa joka päivä yksi asia, jota arvostat työkaverissasi, asiakkaassa tai "
        "työyhteisössäsi, ja kirjaa se. Jos tilanne sallii, sano se myös ääneen.\n\nKirjoita "
        "lopuksi, mitä huomasit itsessäsi ja ympärilläsi, kun etsit arvostettavaa."),
       ("Att lägga märke till det du uppskattar",
        "Lägg varje dag märke till en sak som du uppskattar hos en kollega, en klient eller "
        "din arbetsgemenskap, och skriv ner den. Om det passar, säg det också högt.\n\nSkriv "
        "till sist vad du lade märke till hos dig själv och omkring dig när du sökte efter "
        "det du uppskattar."),
       ("Noticing appreciation",
        "Each day, notice one thing you appreciate in a colleague, a client or your work "
        "community, and write it down. If the moment allows, say it aloud too.\n\nFinally, "
        "write what you noticed in yourself and around you while looking for things to "
        "appreciate.")),
    _a("boundaries", 15, ("wellbeing", "role"),
       ("Työn ja levon raja",
        "Seuraa viikon ajan, milloin työ jää mieleesi vapaa-ajalla ja mikä auttaa sinua "
        "irrottautumaan siitä. Kokeile yhtä tapaa päättää työpäivä – esimerkiksi kirjoita "
        "huomisen tärkein asia muistiin ja sulje se.\n\nKirjoita, mitä kokeilit ja mitä se "
        "sai aikaan."),
       ("Gränsen mellan arbete och vila",
        "Följ under en vecka när arbetet stannar kvar i tankarna på fritiden och vad som "
        "hjälper dig att släppa det. Pröva ett sätt att avsluta arbetsdagen – skriv till "
        "exempel ner morgondagens viktigaste sak och lägg den åt sidan.\n\nSkriv vad du "
        "prövade och vad det ledde till."),
       ("The line between work and rest",
        "For a week, notice when work stays on your mind in your free time and what helps "
        "you let go of it. Try one way of closing the working day – for example, write down "
        "tomorrow's most important thing and put it aside.\n\nWrite what you tried and what "
        "came of it.")),
    _a("best_hopes", 10, ("goals", "solution_focus"),
       ("Parhaat toiveeni työnohjaukselta",
        "Mitkä ovat parhaat toiveesi tältä työnohjaukselta? Jos työnohjaus olisi ollut "
        "vaivan arvoista, mistä sen huomaisi puolen vuoden kuluttua – sinussa, työssäsi, "
        "ympärilläsi?\n\nKirjoita kolme konkreettista merkkiä. Tuo ne seuraavaan "
        "tapaamiseen tavoitteiden tarkentamista varten."),
       ("Mina bästa förhoppningar om handledningen",
        "Vilka är dina bästa förhoppningar om den här handledningen? Om handledningen hade "
        "varit mödan värd, hur skulle det märkas om ett halvår – hos dig, i ditt arbete, "
        "omkring dig?\n\nSkriv ner tre konkreta tecken. Ta med dem till nästa träff så att vi "
        "kan precisera målen."),
       ("My best hopes for supervision",
        "What are your best hopes for this supervision? If it turned out to be worth the "
        "effort, how would that show in six months – in you, in your work, around you?\n\n"
        "Write down three concrete signs. Bring them to our next meeting so that we can "
        "refine the goals.")),
)

BY_KEY: dict[str, LibraryAssignment] = {a.key: a for a in LIBRARY}


def library_in(lang: str) -> list[dict]:
    """Every built-in assignment in one language (fi when the language is not one of ours)."""
    return [a.in_language(lang) for a in LIBRARY]
