"""Language choice (user setting, else session, else Accept-Language, else Finnish) and the
strings the browser scripts need, translated through the same Babel catalogues."""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

# Strings used by static/js; rendered into <body data-i18n> on every page.
JS_STRINGS = {
    "saving": _l("Saving…"),
    "saved": _l("Saved"),
    "saveFailed": _l("Saving failed."),
    "offline": _l("No connection. Your text is kept on this page."),
    "deriving": _l("Opening your keys… this takes a moment."),
    "wrongPassword": _l("Wrong email or password."),
    "wrongRecovery": _l("Wrong email or recovery key."),
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
    "recoveryGroup": _l("Type group {n} of your recovery key to check that you saved it"),
    "recoverySheetTitle": _l("Välitila recovery key"),
    "recoverySheetAccount": _l("Account"),
    "recoverySheetKeep": _l("Keep this key safe. If you lose both your password and this key, "
                            "your journal cannot be restored."),
    "recoveryFormat": _l("A recovery key has 13 groups of 4 letters and digits."),
    "notFound": _l("Not found. It may have been deleted."),
    "badInput": _l("Something in the form was not accepted. Check it and try again."),
    "savedLocally": _l("Saved on this device. It will be sent when the connection is back."),
    "offlineNow": _l("Offline"),
    "waitingChanges": _l("{n} changes waiting to be sent"),
    "conflictsWaiting": _l("{n} need your choice"),
    "changesFailed": _l("{n} could not be sent"),
    "lastSynced": _l("last synced {when}"),
    "notSentYet": _l("not sent yet"),
    "searchCount": _l("{n} found on this device"),
    "searchNone": _l("Nothing found on this device."),
    "offlineView": _l("You are offline: this is the copy kept on this device."),
    "offlineLocked": _l("You are offline and the app is locked. Unlock when you are back online."),
    "notOnDevice": _l("This entry is not kept on this device."),
    "unsentOnLogout": _l("{n} changes on this device have not been sent yet and will be lost "
                         "if you sign out now. Sign out anyway?"),
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
}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "fi"


def init_app(app: Flask) -> None:
    @app.context_processor
    def i18n_context():
        return {
            "current_locale": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "js_strings": {key: str(value) for key, value in JS_STRINGS.items()},
        }
