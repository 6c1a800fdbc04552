"""Supervision processes, members and invites (PROTOCOL §7 "Processes and invites")."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from ..api import bp
from ..api.spec import answer, operation
from ..api.util import api_login_required
from ..extensions import limiter
from ..schemas.invite_mail import InviteEmail, InviteEmailSent
from ..schemas.processes import (
    Frame,
    Invite,
    InviteCreate,
    InviteCreated,
    InviteInfo,
    InviteList,
    InvitePath,
    MemberPath,
    Process,
    ProcessCreate,
    ProcessList,
    ProcessPath,
    TokenPath,
)
from ..services import invite_mail
from ..services import processes as service


def _user():
    return current_user._get_current_object()


def process_answer(process) -> Process:
    members = [{"uid": m.user_uid, "role": m.role, "display_name": m.user.display_name,
                "joined_at": m.joined_at} for m in process.active_members()]
    return Process.model_validate({
        "id": process.id, "form": process.form, "status": process.status,
        "supervisor": process.supervisor_uid, "members": members,
        "roster_epoch": process.roster_epoch, "session_minutes": process.session_minutes,
        "interval_days": process.interval_days, "session_count": process.session_count,
        "mode": process.mode, "starts_on": process.starts_on, "ends_on": process.ends_on,
        "created_at": process.created_at, "activated_at": process.activated_at,
        "ended_at": process.ended_at})


NOT_FOUND = {404: "No such process, or the caller is not a member of it "
                  "(`process_not_found`)"}
NOT_SUPERVISOR = {403: "Not the process's supervisor (`not_supervisor`); or a missing or "
                       "wrong X-CSRF-Token (`csrf`)"}
ENDED = {409: "The process has ended (`process_ended`)"}
INVITE_GONE = {404: "The invite is unknown, used, revoked or expired (`invite_not_found`)"}


@bp.post("/processes")
@api_login_required
@operation("Start a supervision process (supervisors only); retries are idempotent",
           body=ProcessCreate, responses={200: Process, 201: Process},
           errors={403: "Not a supervisor (`not_supervisor`), or `csrf`",
                   409: "The id is another process's (`id_taken`)"})
def create_process(body: ProcessCreate):
    process, created = service.create_process(_user(), body)
    return answer(process_answer(process), 201 if created else 200)


@bp.get("/processes")
@api_login_required
@operation("The processes the caller is a member of", responses={200: ProcessList})
def list_processes():
    return answer(ProcessList(processes=[process_answer(p)
                                         for p in service.list_processes(_user())]))


@bp.get("/processes/<pid>")
@api_login_required
@operation("One process, for its members", path=ProcessPath, responses={200: Process},
           errors=NOT_FOUND)
def get_process(pid: str):
    return answer(process_answer(service.get_process(_user(), pid)))


@bp.patch("/processes/<pid>")
@api_login_required
@operation("Change the schedule frame (the supervisor)", path=ProcessPath, body=Frame,
           responses={200: Process}, errors={**NOT_FOUND, **NOT_SUPERVISOR, **ENDED})
def update_process(pid: str, body: Frame):
    return answer(process_answer(service.update_frame(_user(), pid, body)))


@bp.post("/processes/<pid>/end")
@api_login_required
@operation("End the process (the supervisor): it stays readable, nothing new is shared",
           path=ProcessPath, responses={200: Process}, errors={**NOT_FOUND, **NOT_SUPERVISOR})
def end_process(pid: str):
    return answer(process_answer(service.end_process(_user(), pid)))


@bp.post("/processes/<pid>/invites")
@api_login_required
@operation("A single-use invite (the supervisor); the token is shown only here",
           path=ProcessPath, body=InviteCreate, responses={201: InviteCreated},
           errors={**NOT_FOUND, **NOT_SUPERVISOR, **ENDED})
def create_invite(pid: str, body: InviteCreate):
    invite, token = service.create_invite(_user(), pid, body.expires_at)
    return answer(InviteCreated(id=invite.id, token=token, expires_at=invite.expires_at), 201)


@bp.get("/processes/<pid>/invites")
@api_login_required
@operation("The process's invites and their state (the supervisor)", path=ProcessPath,
           responses={200: InviteList}, errors={**NOT_FOUND, **NOT_SUPERVISOR})
def list_invites(pid: str):
    return answer(InviteList(invites=[
        Invite(id=i.id, state=i.state(), created_at=i.created_at, expires_at=i.expires_at)
        for i in service.list_invites(_user(), pid)]))


@bp.delete("/processes/<pid>/invites/<invite_id>")
@api_login_required
@operation("Revoke an unused invite (the supervisor)", path=InvitePath,
           responses={204: None},
           errors={404: "No such process or invite (`process_not_found`, "
                        "`invite_not_found`)", **NOT_SUPERVISOR,
                   409: "The invite was used (`invite_used`)"})
def revoke_invite(pid: str, invite_id: str):
    service.revoke_invite(_user(), pid, invite_id)
    return "", 204


@bp.get("/invites/<token>")
@operation("What an invite link opens: the process and the supervisor's public keys",
           path=TokenPath, responses={200: InviteInfo}, errors=INVITE_GONE)
def invite_info(token: str):
    invite, process, supervisor = service.invite_info(token)
    return answer(InviteInfo.model_validate({
        "process": {"id": process.id, "form": process.form},
        "supervisor": {"uid": supervisor.uid, "display_name": supervisor.display_name,
                       "bundle": supervisor.bundle},
        "expires_at": invite.expires_at}))


@bp.post("/invites/<token>/accept")
@api_login_required
@operation("Join the invite's process as a supervisee; single use", path=TokenPath,
           responses={200: Process},
           errors={**INVITE_GONE, 409: "Already a member (`already_member`)"})
def accept_invite(token: str):
    return answer(process_answer(service.accept_invite(_user(), token)))


@bp.delete("/processes/<pid>/members/<uid>")
@api_login_required
@operation("Remove a member (the supervisor) or leave (the member); envelopes through the "
           "process to and from the leaver are deleted", path=MemberPath,
           responses={204: None},
           errors={404: "No such process or member (`process_not_found`, "
                        "`member_not_found`)",
                   400: "The supervisor cannot leave (`supervisor_cannot_leave`)",
                   **NOT_SUPERVISOR})
def end_membership(pid: str, uid: str):
    service.end_membership(_user(), pid, uid)
    return "", 204


def _email_limit() -> str:
    return current_app.config.get("RATELIMIT_INVITE_EMAIL", "5 per minute;30 per day")


@bp.post("/processes/<pid>/invites/<invite_id>/email")
@api_login_required
@limiter.limit(_email_limit, key_func=lambda: f"invite-email:{current_user.get_id()}")
@operation("Send an open invite's link by email (the supervisor); rate limited per account. "
           "The client sends the whole link, `#fp=` fragment included: the server checks it "
           "is this invite's link with the supervisor's own fp16, and sends the link and the "
           "supervisor's display name, nothing sealed",
           path=InvitePath, body=InviteEmail, responses={200: InviteEmailSent},
           rate_limited=True,
           errors={400: "Bad input, or a link that is not this invite's (`bad_link`)",
                   404: "No such process or invite (`process_not_found`, "
                        "`invite_not_found`)", **NOT_SUPERVISOR,
                   409: "The process has ended (`process_ended`) or the invite is used, "
                        "revoked or expired (`invite_not_open`)",
                   503: "The mail server could not take the message (`mail_unavailable`)"})
def email_invite(pid: str, invite_id: str, body: InviteEmail):
    language = invite_mail.email_invite(_user(), pid, invite_id, body.email, body.link,
                                        body.language)
    return answer(InviteEmailSent(email=body.email, language=language))
