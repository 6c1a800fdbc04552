"""The contract template (työnohjaussopimus) in Finnish, Swedish and English: the sections a
Finnish supervision contract has (DESIGN.md "The practice it serves") with default texts a
supervisor edits before sealing them. Data only.

The goals are not a section: each goal is an item of its own (kind "goal"). The schedule frame
(start, end, number of sessions, minutes, interval, mode) is plaintext structure on the process
and is shown beside the sealed text; the template's "schedule" section says in words how the
sessions are agreed, and `place` is a sealed field of its own.

The sealed payload of a revision is
``{"sections": {key: text, ...}, "place": text, "lang": "fi" | "sv" | "en"}``.
"""
from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")

#: The section keys in the order a contract lists them.
SECTIONS = ("parties", "schedule", "methods", "confidentiality", "buyer", "price",
            "cancellation", "ending", "evaluation", "dissatisfied")

#: Headings of the sections and of the fixed parts, per language.
HEADINGS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Työnohjaussopimus",
        "goals": "Tavoitteet",
        "frame": "Aikataulu ja puitteet",
        "place": "Paikka",
        "parties": "Osapuolet ja tarkoitus",
        "schedule": "Tapaamisista sopiminen",
        "methods": "Työtavat",
        "confidentiality": "Luottamuksellisuus ja vaitiolovelvollisuus",
        "buyer": "Tilaaja ja mitä sille kerrotaan",
        "price": "Hinta ja maksaja",
        "cancellation": "Peruutusehdot",
        "ending": "Sopimuksen päättäminen ennenaikaisesti",
        "evaluation": "Arviointi",
        "dissatisfied": "Jos olet tyytymätön",
    },
    "sv": {
        "title": "Avtal om arbetshandledning",
        "goals": "Mål",
        "frame": "Tidsplan och ramar",
        "place": "Plats",
        "parties": "Parter och syfte",
        "schedule": "Hur träffarna avtalas",
        "methods": "Arbetssätt",
        "confidentiality": "Konfidentialitet och tystnadsplikt",
        "buyer": "Beställaren och vad den får veta",
        "price": "Pris och betalare",
        "cancellation": "Avbokningsvillkor",
        "ending": "Att avsluta avtalet i förtid",
        "evaluation": "Utvärdering",
        "dissatisfied": "Om du är missnöjd",
    },
    "en": {
        "title": "Supervision contract",
        "goals": "Goals",
        "frame": "Schedule and frame",
        "place": "Place",
        "parties": "Parties and purpose",
        "schedule": "Arranging the sessions",
        "methods": "Methods",
        "confidentiality": "Confidentiality and the duty of secrecy",
        "buyer": "The commissioning organisation and what it is told",
        "price": "Price and payer",
        "cancellation": "Cancellation terms",
        "ending": "Ending the contract early",
        "evaluation": "Evaluation",
        "dissatisfied": "If you are dissatisfied",
    },
}

#: The default texts of the sections, per language.
DEFAULTS: dict[str, dict[str, str]] = {
    "fi": {
        "parties": (
            "Tämä sopimus koskee työnohjausta, jonka osapuolet ovat työnohjaaja ja "
            "työnohjattava(t). Työnohjaus on työhön liittyvää ohjattua oppimista ja oman työn "
            "tarkastelua. Se ei ole terapiaa, eikä siitä tehdä potilas- tai asiakaskirjauksia."),
        "schedule": (
            "Tapaamisten ajat sovitaan yhdessä prosessin alussa ja tarvittaessa "
            "tapaamisissa. Välitila näyttää sovitut tapaamiset molemmille. Tapaamisten välillä "
            "työnohjattava voi kirjata havaintojaan ja tehdä välitehtäviä; hän päättää itse, "
            "mitä niistä jakaa työnohjaajalle."),
        "methods": (
            "Työnohjaus on keskustelevaa ja ratkaisukeskeistä: tarkastelemme työn tilanteita, "
            "vahvuuksia ja sitä, mikä toimii. Käytämme tarvittaessa toiminnallisia menetelmiä, "
            "skaalakysymyksiä (0–10) tavoitteiden äärellä sekä tapaamisten välisiä tehtäviä. "
            "Työnohjattava tuo tapaamisiin omat aiheensa."),
        "confidentiality": (
            "Työnohjauksessa käsitellyt asiat ovat luottamuksellisia. Työnohjaajaa sitoo "
            "vaitiolovelvollisuus myös työnantajaan ja tilaajaan nähden. Työnohjattava "
            "noudattaa omaa ammatillista vaitiolovelvollisuuttaan eikä kerro asiakkaista "
            "tunnistettavasti. Ryhmässä jokainen pitää ryhmässä kuullun omana tietonaan. "
            "Vaitiolovelvollisuudesta voidaan poiketa vain, jos laki niin velvoittaa "
            "(esimerkiksi vakava vaara jonkun hengelle tai terveydelle)."),
        "buyer": (
            "Tilaaja (työnantaja) sopii työnohjauksen puitteista: kestosta, tapaamisten "
            "määrästä ja hinnasta. Tilaajalle kerrotaan vain läsnäolot sekä sellaiset "
            "yhteenvedot, jotka työnohjattava ja työnohjaaja ovat yhdessä hyväksyneet. "
            "Tapaamisten sisällöstä ei kerrota tilaajalle mitään muuta."),
        "price": (
            "Tapaamisen hinta on ___ € (+ alv). Maksaja on ___. Laskutus tapahtuu "
            "kuukausittain pidettyjen tapaamisten mukaan."),
        "cancellation": (
            "Tapaamisen voi perua maksutta viimeistään kaksi arkipäivää ennen sovittua aikaa. "
            "Myöhemmin peruttu tai käyttämättä jäänyt tapaaminen laskutetaan, paitsi äkillisen "
            "sairastumisen vuoksi. Jos työnohjaaja joutuu perumaan, sovitaan korvaava aika."),
        "ending": (
            "Kumpi tahansa osapuoli voi päättää työnohjauksen ennen sovittua aikaa "
            "ilmoittamalla siitä toiselle. Päättymisestä keskustellaan mahdollisuuksien mukaan "
            "yhteisessä tapaamisessa. Jo pidetyt tapaamiset laskutetaan."),
        "evaluation": (
            "Arvioimme työnohjauksen etenemistä tavoitteisiin nähden noin puolen vuoden "
            "välein sekä prosessin lopussa. Arvioinnin tekevät työnohjattava ja työnohjaaja "
            "yhdessä; esihenkilö voidaan kutsua mukaan vain, jos työnohjattava sitä haluaa."),
        "dissatisfied": (
            "Jos työnohjaus ei tunnu toimivan, ota asia puheeksi työnohjaajan kanssa "
            "mahdollisimman pian, mieluiten tapaamisessa. Voimme muuttaa työtapoja, "
            "tarkentaa tavoitteita tai sopia työnohjauksen päättämisestä."),
    },
    "sv": {
        "parties": (
            "Detta avtal gäller arbetshandledning mellan handledaren och den eller de "
            "handledda. Arbetshandledning är handlett lärande i och reflektion över det egna "
            "arbetet. Det är inte terapi, och inga patient- eller klientjournaler förs."),
        "schedule": (
            "Tiderna för träffarna avtalas tillsammans i början av processen och vid behov "
            "under träffarna. Välitila visar de avtalade träffarna för båda. Mellan träffarna "
            "kan den handledda anteckna iakttagelser och göra mellanuppgifter och bestämmer "
            "själv vad som delas med handledaren."),
        "methods": (
            "Handledningen är samtalsbaserad och lösningsfokuserad: vi granskar situationer i "
            "arbetet, styrkor och det som fungerar. Vid behov använder vi funktionella "
            "metoder, skalfrågor (0–10) kring målen och uppgifter mellan träffarna. Den "
            "handledda tar själv med sina teman till träffarna."),
        "confidentiality": (
            "Det som behandlas i handledningen är konfidentiellt. Handledaren har tystnadsplikt "
            "även gentemot arbetsgivaren och beställaren. Den handledda följer sin egen "
            "yrkesmässiga tystnadsplikt och berättar inte om klienter så att de kan "
            "identifieras. I en grupp håller var och en det som sägs i gruppen för sig själv. "
            "Från tystnadsplikten kan man avvika endast när lagen kräver det (till exempel "
            "allvarlig fara för någons liv eller hälsa)."),
        "buyer": (
            "Beställaren (arbetsgivaren) avtalar om ramarna för handledningen: längd, antal "
            "träffar och pris. Beställaren får veta endast närvaron och sådana "
            "sammanfattningar som den handledda och handledaren har godkänt tillsammans. "
            "Om innehållet i träffarna får beställaren inte veta något annat."),
        "price": (
            "Priset per träff är ___ € (+ moms). Betalare är ___. Fakturering sker månatligen "
            "enligt hållna träffar."),
        "cancellation": (
            "En träff kan avbokas kostnadsfritt senast två vardagar före den avtalade tiden. "
            "En träff som avbokas senare eller uteblir faktureras, utom vid plötslig sjukdom. "
            "Om handledaren måste avboka avtalas en ersättande tid."),
        "ending": (
            "Vardera parten kan avsluta handledningen före den avtalade tiden genom att meddela "
            "den andra. Avslutningen diskuteras om möjligt vid en gemensam träff. Redan hållna "
            "träffar faktureras."),
        "evaluation": (
            "Vi utvärderar hur handledningen framskrider i förhållande till målen ungefär "
            "varje halvår och i slutet av processen. Utvärderingen görs av den handledda och "
            "handledaren tillsammans; en chef kan bjudas in endast om den handledda vill det."),
        "dissatisfied": (
            "Om handledningen inte känns som den fungerar, ta upp det med handledaren så snart "
            "som möjligt, helst under en träff. Vi kan ändra arbetssätt, precisera målen eller "
            "komma överens om att avsluta handledningen."),
    },
    "en": {
        "parties": (
            "This contract covers work supervision between the supervisor and the "
            "supervisee(s). Supervision is guided learning about, and reflection on, one's own "
            "work. It is not therapy, and no patient or client records are made."),
        "schedule": (
            "The session times are agreed together at the start of the process and, when "
            "needed, in the sessions. Välitila shows the agreed sessions to both. Between "
            "sessions the supervisee may note observations and do interim assignments, and "
            "decides what of them to share with the supervisor."),
        "methods": (
            "Supervision is conversational and solution-focused: we look at situations at "
            "work, strengths and what works. When useful we use practical exercises, scaling "
            "questions (0–10) on the goals and assignments between sessions. The supervisee "
            "brings their own topics to the sessions."),
        "confidentiality": (
            "What is discussed in supervision is confidential. The supervisor is bound to "
            "secrecy, also towards the employer and the commissioning organisation. The "
            "supervisee keeps their own professional duty of secrecy and speaks of clients "
            "only in ways that do not identify them. In a group, everyone keeps what is said in "
            "the group to themselves. Secrecy may be broken only where the law requires it "
            "(for example a serious danger to someone's life or health)."),
        "buyer": (
            "The commissioning organisation (the employer) agrees the frame of the "
            "supervision: its length, the number of sessions and the price. It is told only "
            "who attended and any summaries the supervisee and the supervisor have approved "
            "together. It is told nothing else of what the sessions contain."),
        "price": (
            "The price per session is ___ € (+ VAT). The payer is ___. Sessions held are "
            "invoiced monthly."),
        "cancellation": (
            "A session can be cancelled free of charge up to two working days before the "
            "agreed time. A session cancelled later or missed is charged, except for sudden "
            "illness. If the supervisor has to cancel, a replacement time is agreed."),
        "ending": (
            "Either party may end the supervision before the agreed time by telling the other. "
            "The ending is discussed in a session together whenever possible. Sessions already "
            "held are invoiced."),
        "evaluation": (
            "We evaluate the progress of the supervision against the goals about every six "
            "months and at the end of the process. The supervisee and the supervisor evaluate "
            "together; a manager may be invited only if the supervisee wants it."),
        "dissatisfied": (
            "If the supervision does not seem to work, raise it with your supervisor as soon as "
            "possible, preferably in a session. We can change the methods, refine the goals or "
            "agree to end the supervision."),
    },
}


def template_language(preferred: str | None) -> str:
    """The template language for a user's locale: theirs when there is one, else Finnish."""
    return preferred if preferred in LANGUAGES else "fi"


def default_sections(lang: str) -> dict[str, str]:
    """A fresh copy of the default section texts of `lang` (Finnish for anything unknown)."""
    return dict(DEFAULTS[template_language(lang)])
