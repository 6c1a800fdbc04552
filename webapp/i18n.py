"""Language choice (user setting, else session, else the language cookie, else
Accept-Language, else Finnish) and the strings the browser scripts need, translated through
the same Babel catalogues."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import flask_babel
from babel import Locale
from flask import Flask, Response, current_app, request, session
from flask_babel import get_locale, get_translations, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

#: The language chosen with the footer form, remembered by the browser across sign-outs
#: (the session is cleared then). Not a secret and not tied to an account.
LANGUAGE_COOKIE = "valitila_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

# Strings used by static/js; rendered into <body data-i18n> on every page (translated and
# serialised once per language and catalogue, see js_strings_json).
JS_STRINGS = {
    "saving": _l("Saving…"),
    "saved": _l("Saved"),
    "saveFailed": _l("Saving failed."),
    # Changes the server refused for good (behaviors/pwa/unsent.js)
    "unsentEntry": _l("A reflection"),
    "unsentResponse": _l("An answer to an interim assignment"),
    "unsentEvaluation": _l("An evaluation"),
    "unsentCheckin": _l("A check-in"),
    "unsentTopic": _l("A topic for a session"),
    "unsentOther": _l("A change"),
    "unsentAccepted": _l("It was accepted meanwhile, so it can no longer be changed."),
    "unsentRefused": _l("The server refused it."),
    "unsentEnded": _l("The supervision process has ended, so nothing in it can be changed."),
    "unsentRemoved": _l("Removed from this device."),
    "textCopied": _l("Copied."),
    "textCopyFailed": _l("Copying did not work: the text is selected, copy it yourself."),
    "saveRefused": _l("The change could not be saved, and sending it again would not help. "
                      "Your text is still here and kept on this device: copy what you need."),
    "saveRefusedAccepted": _l("This was accepted meanwhile, so it can no longer be changed. "
                              "Your text is still here and kept on this device: copy what "
                              "you need."),
    "saveRefusedEnded": _l("The supervision process has ended, so nothing in it can be "
                           "changed. Your text is still here and kept on this device: copy "
                           "what you need."),
    "offline": _l("No connection. Your text is kept on this page."),
    "offlineTryAgain": _l("No connection. Try again when you are back online."),
    "saveAnswerFirst": _l("Save your answer first: it is not saved yet. Then mark the "
                          "assignment."),
    "deriving": _l("Opening your keys… this takes a moment."),
    "creatingKeys": _l("Creating your keys… this takes a moment."),
    "changingPassword": _l("Changing your password… this takes a moment."),
    "wrongPassword": _l("Wrong email or password."),
    "wrongRecovery": _l("Wrong email or recovery key."),
    "passwordWrong": _l("Wrong password."),
    "emailRequired": _l("Enter your email address."),
    "emailInvalid": _l("Check the email address: it should look like name@example.fi."),
    "passwordRequired": _l("Enter your password."),
    "recoveryKeyRequired": _l("Enter your recovery key."),
    "fieldRequired": _l("Fill in this field."),
    "nameRequired": _l("Write your name."),
    "passwordAgainRequired": _l("Type the password again."),
    "numberRange": _l("Give a whole number from {low} to {high}."),
    "weakPassword": _l("This password is too easy to guess. Make it longer or less common."),
    "passwordMismatch": _l("The passwords do not match."),
    "strength0": _l("Very weak"),
    "strength1": _l("Weak"),
    "strength2": _l("Fair"),
    "strength3": _l("Strong"),
    "strength4": _l("Very strong"),
    "recoveryMismatch": _l("That group does not match. Check the recovery key you saved."),
    "decryptFailed": _l("This entry could not be opened on this device."),
    "badSignature": _l("Warning: this entry's signature does not match. It may have been altered."),
    "untitled": _l("Untitled reflection"),
    "conflict": _l("This reflection was changed on another device while you were editing."),
    "genericError": _l("Something went wrong. Try again."),
    "rateLimited": _l("Too many attempts. Wait a moment and try again."),
    "emailTaken": _l("An account with this email already exists."),
    "unsupported": _l("This browser lacks the encryption features Välitila needs. Update it "
                      "or use a current Chrome, Edge, Firefox or Safari."),
    "passwordChanged": _l("Password changed. Other devices have been signed out."),
    "recoveryGroup": _l("Type the {ordinal} group of your recovery key (number {n}) to check "
                        "that you saved it"),
    # The positions 1–13 in words, in the form that fits "the ___ group" (recoveryGroup).
    "recoveryOrdinals": _l("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                           "eleventh|twelfth|thirteenth"),
    "recoveryCopied": _l("Copied. Paste the key somewhere safe, such as a password manager."),
    "recoveryCopyFailed": _l("Could not copy. Select the key and copy it yourself, or "
                             "download it."),
    "recoveryReplaced": _l("This key has been replaced by a newer one. Make a new key in "
                           "Settings."),
    "recoveryPasswordNeeded": _l("Enter your password to make a new key."),
    "recoveryWrongPassword": _l("The password is not correct."),
    "makingRecoveryKey": _l("Making a new recovery key… this takes a moment."),
    "recoverySheetTitle": _l("Välitila recovery key"),
    "recoverySheetAccount": _l("Account"),
    "recoverySheetKeep": _l("Keep this key safe. If you lose both your password and this key, "
                            "your journal cannot be restored."),
    "recoveryFormat": _l("A recovery key has 13 groups of 4 letters and digits."),
    "notFound": _l("Not found. It may have been deleted."),
    "badInput": _l("Something in the form was not accepted. Check it and try again."),
    "savedLocally": _l("Saved on this device. It will be sent when the connection is back."),
    "offlineNow": _l("Offline"),
    "lastSynced": _l("Last synced {when}"),
    "notSentYet": _l("not sent yet"),
    "searchNone": _l("Nothing found on this device."),
    "tagFilter": _l("Show reflections tagged {tag}"),
    "tagFilterActive": _l("Only tagged {tag}"),
    "tagFilterClear": _l("Remove filter"),
    "offlineView": _l("You are offline: this is the copy kept on this device."),
    "offlineLocked": _l("You are offline and the app is locked. Unlock when you are back online."),
    "notOnDevice": _l("This entry is not kept on this device."),
    "draftRestored": _l("Your unsaved text was restored on this device."),
    "mergeHint": _l("Both versions are now in the form. Edit and save."),
    "updateAvailable": _l("Update available"),
    "updateNow": _l("update now"),
    "deletedConflict": _l("This reflection was deleted on another device. Your text is kept "
                          "on this device."),
    "deletedConflictTitle": _l("Deleted on another device"),
    "deletedConflictText": _l("This reflection was deleted on another device while you were "
                              "editing. Nothing is lost: keep your text as a new reflection, "
                              "or discard it."),
    "discardMine": _l("Discard my text"),
    "signInToSend": _l("Sign in again to send your changes. They are kept on this device."),
    "emptyEntry": _l("Write something before saving."),
    "draftKept": _l("Draft kept on this device"),
    "draftDiscarded": _l("Draft discarded."),
    "discardDraftConfirm": _l("Discard this draft? The unsaved text kept on this device will be "
                              "deleted."),
    "draftLeft": _l("Your draft is kept on this device. You can go on with it later."),
    "deleted": _l("Deleted"),
    "deletedLocally": _l("Deleted on this device. The deletion will be sent when the "
                         "connection is back."),
    # Supervision processes (behaviors/processes/)
    "processNameMissing": _l("Give the process a name."),
    "badEmail": _l("Check the email address."),
    "linkCopied": _l("Link copied."),
    "copyFailed": _l("Copying did not work: select the link and copy it yourself."),
    "inviteShareTitle": _l("Invitation to supervision in Välitila"),
    "inviteQrLabel": _l("QR code of the invite link"),
    "inviteEmailSent": _l("Email sent."),
    "mailUnavailable": _l("The email could not be sent now. Try again later, or copy the "
                          "link."),
    "memberKeyChanged": _l("A member's key has changed: nothing was shared with them. "
                           "Compare safety numbers with them first."),
    # Sharing with the supervisor (behaviors/sharing/)
    "sharing": _l("Sharing…"),
    "shared": _l("Shared"),
    "noSessionPlanned": _l("no session planned"),
    "shareDaysInvalid": _l("Give a number of days from 1 to 365."),
    "keyChangedNotShared": _l("Not shared: your supervisor's key has changed."),
    "shareStopped": _l("Sharing stopped. What was already read cannot be unread."),
    "stoppingShares": _l("Stopping the shares…"),
    "allSharesStopped": _l("Your reflections, answers and check-ins are no longer shared."),
    # Joining from an invite link, safety numbers (behaviors/people/, auth/signup.js)
    "joining": _l("Joining…"),
    "inviteGone": _l("This invitation can no longer be used: it was used, withdrawn or has "
                     "expired. Ask your supervisor for a new one."),
    "inviteMismatch": _l("Do not join: the key the server gave for your supervisor does not "
                         "match your invitation link. No account was created. Ask your "
                         "supervisor for a new link."),
    "inviteIncomplete": _l("Open your invitation link again: the security code after #fp= "
                           "is missing, so your supervisor's key cannot be checked."),
    "safetyQr": _l("QR code of the safety number"),
    "safetyVerified": _l("Marked as verified."),
    # Sessions and the calendar feed (behaviors/sessions/)
    "summaryWritten": _l("The session's summary has been written meanwhile, so it stays held. "
                         "Reload the page to see it."),
    "sessionChanged": _l("This was changed meanwhile, or cannot be changed like this now. "
                         "Reload the page and try again."),
    "calendarStopped": _l("The calendar address no longer works."),
    # A supervisor's private notes (behaviors/notes/)
    "noteMissing": _l("Write the note first."),
    "noteChanged": _l("This note was changed elsewhere. Open the page again to see it."),
    "deletingNote": _l("Deleting…"),
    "untitledGoal": _l("A goal without words"),
}

# The contract and its goals (behaviors/contracts/)
JS_STRINGS.update({
    "contractBadSignature": _l("Warning: the contract's signature does not match. It may "
                               "have been altered: do not accept it; tell your supervisor."),
    "signatureVerified": _l("Signature verified"),
    "signatureInvalid": _l("Warning: this signature does not verify!"),
    "signatureKeyChanged": _l("Warning: this person's key has changed; the signature cannot "
                              "be checked until you verify their safety number again."),
    "acceptanceWarning": _l("Warning: an acceptance shown here does not verify. The server "
                            "may have altered the contract or the acceptances."),
    "accepting": _l("Signing…"),
    "accepted": _l("Accepted"),
    "acceptNotOpened": _l("The contract could not be opened on this device, so it cannot "
                          "be accepted here."),
    "contractChanged": _l("The contract was changed meanwhile. Reload the page and read it "
                          "again."),
    "contractEmpty": _l("Write at least one section of the contract."),
    "goalMissing": _l("Write the goal first."),
    "editGoal": _l("Edit the goal"),
    "untitledGoal": _l("A goal without words"),
})

# Goal check-ins and proposed topics (issue 10; behaviors/checkins/).
JS_STRINGS.update({
    "checkinValueMissing": _l("Choose where you are now, 0–10."),
    "checkinKeyChanged": _l("Your supervisor's key has changed: nothing was shared. Check "
                            "their safety number first."),
    "checkinNone": _l("No check-ins to draw."),
    "checkinChartTitle": _l("Check-ins over time"),
    "checkinSummary": _l("{count} check-ins from {from} to {to}: first {first}, latest {last} "
                         "(change {change}); lowest {min}, highest {max}."),
    "checkinSummaryOne": _l("One check-in, on {date}: {value}."),
    "checkinSharingOn": _l("Your supervisor now sees your check-ins on this goal."),
    "checkinSharingOff": _l("Your check-ins on this goal are yours alone again."),
    "checkinSharedEarlier": _l("Earlier check-ins shared: {n}"),
    "topicMissing": _l("Write the topic first."),
    "topicChanged": _l("This topic was changed elsewhere. Open the page again to see it."),
})

# Interim assignments (issue 10; behaviors/assignments/).
JS_STRINGS.update({
    "untitledAssignment": _l("An assignment without a title"),
    "assignmentMinutes": _l("about {n} min"),
    "assignmentTitleMissing": _l("Give the assignment a title."),
    "assignmentKeyChanged": _l("A key has changed: nothing was sent. Check the safety number "
                               "first."),
    "assignmentStatusChanged": _l("The assignment was marked otherwise on another device. "
                                  "Open the page again to see it."),
    "answerMissing": _l("Write your answer first."),
    "templateSaved": _l("Saved as your template."),
})

# The session agenda (issue 10; behaviors/agendas/).
JS_STRINGS.update({
    "agendaCheckin": _l("Check-in"),
    "agendaTotal": _l("Planned {total} of {length} minutes"),
    "agendaLeft": _l("{n} min left"),
    "agendaLineMinutes": _l("{n} min"),
    "agendaOver": _l("{n} min over the session's length"),
    "agendaUsed": _l("Used {used} of {length} minutes"),
    "agendaLine": _l("Line {n}"),
    "agendaTitleOf": _l("Title of line {n}"),
    "agendaMinutesOf": _l("Minutes of line {n}"),
    "agendaMoved": _l("Line moved to place {n}."),
    "agendaSource_topic": _l("Topic"),
    "agendaSource_entry": _l("Brought"),
    "agendaSource_response": _l("Answer"),
    "agendaSource_checkin": _l("Check-in"),
    "agendaSource_own": _l("Own"),
    "agendaCarried": _l("Carried over"),
    "agendaTitleMissing": _l("Write the item first."),
    "agendaUnsaved": _l("Changes not saved yet."),
    "agendaChanged": _l("The agenda was changed elsewhere. Open the page again to see it: "
                        "the lines you added here are kept."),
    "agendaDraftMerged": _l("The agenda was changed elsewhere. This is the stored version, "
                            "with the lines you added here at its end: check them and save."),
    "agendaShared": _l("Shared with the participants."),
    "agendaSharedAt": _l("Shared with the participants {when}."),
    "sessionOverlapHint": _l("This time overlaps another of your sessions: {when}. You can "
                             "still save it."),
    "agendaSavedShared": _l("Saved and shared."),
    "agendaKeyChanged": _l("A participant's key has changed: the agenda was not shared. Check "
                           "their safety number first."),
    "agendaTickWaiting": _l("No connection: your ticks are kept on this device and sent when "
                            "you are back online."),
    "agendaTicksSent": _l("Your ticks are saved."),
    "agendaDraftRestored": _l("Your unsaved changes on this device are back. Save them to keep "
                              "them."),
})

# Strings with a count, for static/js: every catalogue has two plural forms, n == 1 and the
# rest (`plural=(n != 1)` in fi, sv and en; tests/test_i18n_plurals.py checks it), so each
# key is rendered twice, as `<key>_one` and `<key>_other`, with the count left as `{n}`;
# i18n.js `tn(key, n)` picks the form. (Flask-Babel's ngettext %-formats with num only, so
# the literal `{n}` stays.)
JS_PLURALS: dict[str, Callable[[int], str]] = {
    "sharedWithMembers": lambda n: ngettext("Shared the process with {n} new member.",
                                            "Shared the process with {n} new members.", n),
    "waitingChanges": lambda n: ngettext("{n} change waiting to be sent",
                                         "{n} changes waiting to be sent", n),
    "conflictsWaiting": lambda n: ngettext("{n} needs your choice", "{n} need your choice", n),
    "changesFailed": lambda n: ngettext("{n} could not be sent", "{n} could not be sent", n),
    "checkinsUnshared": lambda n: ngettext(
        "{n} of your check-ins on this goal is not shared. Share it too?",
        "{n} of your check-ins on this goal are not shared. Share them too?", n),
    "searchCount": lambda n: ngettext("{n} match on this device", "{n} matches on this device",
                                      n),
    "tooShort": lambda n: ngettext("Use at least {n} character.", "Use at least {n} characters.",
                                   n),
    "tooLong": lambda n: ngettext("Use at most {n} character.", "Use at most {n} characters.", n),
    "unsentOnLogout": lambda n: ngettext(
        "{n} change on this device has not been sent yet and will be lost if you sign out "
        "now. Sign out anyway?",
        "{n} changes on this device have not been sent yet and will be lost if you sign out "
        "now. Sign out anyway?", n),
}


def js_strings() -> dict[str, str]:
    """JS_STRINGS in the current language, with each plural key as `_one` and `_other`
    (a copy of the cached dictionary)."""
    return dict(_js_strings(str(get_locale()), get_translations())[0])


def js_strings_json() -> Markup:
    """js_strings() as JSON safe in a single-quoted HTML attribute (`<body data-i18n='…'>`)."""
    return _js_strings(str(get_locale()), get_translations())[1]


@lru_cache(maxsize=16)
def _js_strings(locale: str, catalogue: object) -> tuple[dict[str, str], Markup]:
    """Translated and serialised once per language and catalogue (the Translations object
    Flask-Babel caches; a reloaded catalogue is a new object, so a new entry). Called with
    `locale` active: the lazy strings translate through it."""
    del locale, catalogue  # the cache key only
    strings = {key: str(value) for key, value in JS_STRINGS.items()}
    for key, forms in JS_PLURALS.items():
        strings[f"{key}_one"] = forms(1)
        strings[f"{key}_other"] = forms(2)
    return strings, htmlsafe_json_dumps(strings)


def request_locale() -> Locale:
    """select_locale() as a babel Locale, parsed once per language (Flask-Babel parses what
    its selector returns on every request unless it is a Locale already)."""
    return _parsed_locale(select_locale())


@lru_cache(maxsize=16)
def _parsed_locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in languages:
        return remembered
    return request.accept_languages.best_match(languages) or "fi"


def select_timezone() -> str | None:
    """The signed-in user's time zone (users.timezone), for Flask-Babel's date formatting;
    None: BABEL_DEFAULT_TIMEZONE (Europe/Helsinki)."""
    if current_user and current_user.is_authenticated:
        from .services.schedule import zone_name
        return zone_name(current_user)
    return None


def remember_language(response: Response, locale: str) -> Response:
    """Keep the chosen language in a cookie for a year, so that it outlives the session
    (a sign-out clears the session; the next visitor of a shared device may change it)."""
    response.set_cookie(LANGUAGE_COOKIE, locale, max_age=LANGUAGE_COOKIE_MAX_AGE,
                        samesite="Lax", httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")
                                    or request.is_secure))
    return response


@pass_context
def _template_gettext(context: Context, string: str) -> str:
    """Jinja's `_()`/`gettext()` through the catalogue the render started with (put in the
    context once per render by i18n_context), instead of Flask-Babel's lookup of the request's
    locale, domain and catalogue on every call; the same catalogue either way."""
    catalogue = context.get("babel_catalogue") or get_translations()
    return catalogue.ugettext(string)


def init_app(app: Flask) -> None:
    # Installed over Flask-Babel's callables (babel.init_app ran before): gettext only;
    # ngettext and the others stay Flask-Babel's (rare in templates).
    app.jinja_env.install_gettext_callables(
        gettext=_template_gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )

    @app.template_filter("datetimeminutes")
    def datetime_minutes(value) -> str:
        """When something happened, to the minute, in the reader's language and time zone:
        the date in its medium form and the time in its short one (babel's medium date-time
        has seconds, its short date is numeric in English: 12/2/26)."""
        if value is None:
            return ""
        date = flask_babel.format_date(value, "medium")
        return f"{date} {flask_babel.format_time(value, 'short')}"

    @app.context_processor
    def i18n_context():
        catalogue = get_translations()
        locale = str(get_locale())
        return {
            "current_locale": locale,
            "language_names": LANGUAGE_NAMES,
            "js_strings_json": _js_strings(locale, catalogue)[1],
            "babel_catalogue": catalogue,
        }

# Evaluations (issue 10; behaviors/evaluations/).
JS_STRINGS.update({
    "evaluationBadSignature": _l("Warning: the evaluation's signature does not match. It may "
                                 "have been altered: do not accept it; tell your supervisor."),
    "evaluationAcceptanceWarning": _l("Warning: an acceptance shown here does not verify. The "
                                      "server may have altered the evaluation or the "
                                      "acceptances."),
    "evaluationNotOpened": _l("The evaluation could not be opened on this device, so it "
                              "cannot be accepted here."),
    "evaluationChanged": _l("The evaluation was changed meanwhile. Reload the page and read "
                            "it again."),
    "evaluationShared": _l("Shared the evaluation with the members who joined after it was "
                           "written: they can now read and accept it."),
    "evaluationShareRefused": _l("A member's key has changed: compare safety numbers with "
                                 "them, then open this page again to share the evaluation."),
})

JS_STRINGS.update({  # deleting one's account (issue 11: behaviors/erasure/erase-account.js)
    "erasingAccount": _l("Deleting your account… this takes a moment."),
    "eraseConfirmNeeded": _l("Tick the box to confirm that you want to delete the account."),
})

JS_STRINGS.update({  # "Download everything" (issue 11: static/js/export.js, behaviors/export/)
    "exportTitle": _l("Välitila: everything I have written"),
    "exportGroupJournal": _l("Journal"),
    "exportGroupAnswers": _l("Answers to assignments"),
    "exportGroupCheckins": _l("Check-ins"),
    "exportGroupTopics": _l("Topics"),
    "exportGroupContracts": _l("Contracts and goals"),
    "exportGroupAgendas": _l("Agendas"),
    "exportGroupEvaluations": _l("Evaluations"),
    "exportGroupNotes": _l("Private notes"),
    "exportGroupOther": _l("Other writing"),
    "exportFieldTitle": _l("Title"),
    "exportFieldBody": _l("Text"),
    "exportFieldText": _l("Text"),
    "exportFieldNote": _l("Note"),
    "exportFieldTags": _l("Tags"),
    "exportFieldScale": _l("Where I am, on the scale 0–10"),
    "exportAuthor": _l("Written by"),
    "exportRevision": _l("Revision"),
    "exportProcessWith": _l("Supervision with"),
    "exportAccepted": _l("accepted"),
    "exportAcceptances": _l("Accepted by"),
    "exportTextLeftOut": _l("Written by someone else: the text is not in this file (tick "
                            "\"what others have shared with me\" to include it)."),
    "exportReadmeReadable": _l("Readable copies of everything in this file (open them in any "
                               "browser or text editor):"),
    "exportReadmeArchive": _l("The same items sealed, as Välitila keeps them, with your key "
                              "locked with the export passphrase:"),
    "exportReadmeManifest": _l("The SHA-256 checksum of every file:"),
    "exportReadmeTool": _l("To open the sealed archive without Välitila, with nothing but the "
                           "export passphrase, run the tool in this file (it needs Python 3 and "
                           "the cryptography package: pip install cryptography):"),
    "exportReadmeToolElsewhere": _l("To open the sealed archive without Välitila, with nothing "
                                    "but the export passphrase, use the tool and the format "
                                    "description in Välitila's source code:"),
    "exportReadmeFormat": _l("The format of archive.json, for anyone writing a reader of "
                             "their own:"),
    "exportPassphraseShort": _l("Choose an export passphrase of at least 10 characters."),
    "exportPassphraseMismatch": _l("The passphrases differ: write the same one twice."),
    "exportOpeningKeys": _l("Opening your keys… this takes a moment."),
    "exportReading": _l("Reading your items…"),
    "exportOpening": _l("Opening"),
    "exportSealing": _l("Locking the archive with the passphrase…"),
    "exportZipping": _l("Making the file…"),
    "exportReady": _l("Ready: the file has been saved to your downloads."),
    "exportNotOpened": _l("Items that could not be opened on this device ({n}) are in "
                          "archive.json only."),
})
