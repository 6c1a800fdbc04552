"""Command-line tools: `flask --app webapp demo-data ...`, `flask --app webapp purge`."""
from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--initial", is_flag=True,
                  help="Create the demo accounts and journals, only if there are no users.")
    @click.option("--entries", type=click.IntRange(1, 1_000_000), default=None,
                  help="Seed this many sealed entries for --email.")
    @click.option("--email", default=None, help="Account to seed (created if missing).")
    @click.option("--password", default=None, help="Its password (default: the demo one).")
    def demo_data(initial: bool, entries: int | None, email: str | None,
                  password: str | None) -> None:
        """Seed demo accounts, or N sealed entries for one account (benchmarks)."""
        from .services import demo
        from .uow import unit_of_work

        if initial:
            with unit_of_work():
                created = demo.seed_initial()
            if not created:
                click.echo("Database has users already; demo data not added.")
            else:
                click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
                for person in created:
                    click.echo(f"  {person['email']:<34} {person['role']}")
        if entries is not None:
            if not email:
                raise click.UsageError("--entries needs --email")
            with unit_of_work():
                count = demo.seed_entries(email, entries, password or demo.DEMO_PASSWORD)
            click.echo(f"Seeded {count} sealed entries for {email}.")
        if not initial and entries is None:
            raise click.UsageError("say --initial or --entries N --email E")

    @app.cli.command("purge")
    def purge() -> None:
        """Delete expired shares (envelopes past their expiry; they already count as deleted)
        and mark their items for a key rotation. Run it on a schedule (README: cron, systemd)."""
        from .services import sharing
        from .uow import unit_of_work

        with unit_of_work():
            count = sharing.purge_expired()
        click.echo(f"Purged {count} expired shares.")

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Send the content-free email reminders that are due, each once (README: run it
        from cron every 15 minutes). Exit 0: all due were sent; 1: some could not be sent
        (the SMTP server failed; they are tried again on the next run); 2: mail or PUBLIC_URL
        is not configured (nothing was sent)."""
        from .services import reminders

        try:
            outcome = reminders.send_due()
        except reminders.NotConfigured as exc:
            click.echo(f"Reminders not sent: {exc}", err=True)
            raise SystemExit(2) from None
        click.echo(f"Sent {outcome.sent} reminders.")
        if outcome.failed or outcome.left:
            click.echo(f"{outcome.failed + outcome.left} reminders could not be sent now (the "
                       "mail server did not take them); the next run tries them again.",
                       err=True)
            raise SystemExit(1)

    @app.cli.command("apply-retention")
    @click.option("--without-email", is_flag=True,
                  help="A server that sends no email: the notice is the one on the ended "
                       "process's page (it shows the date from the day the process ends).")
    def apply_retention(without_email: bool) -> None:
        """Tell the members of ended processes a month before their data is deleted (a
        content-free email, once), and delete the processes whose retention has ended
        (README: run it from cron once a day). Exit 0: done; 1: some notices could not be
        sent (tried again next run; those processes wait); 2: mail or PUBLIC_URL is not
        configured and --without-email was not given (nothing was done)."""
        from .services import reminders, retention

        try:
            outcome = retention.apply(email=not without_email)
        except reminders.NotConfigured as exc:
            click.echo(f"Retention not applied: {exc} (or run it --without-email, README)",
                       err=True)
            raise SystemExit(2) from None
        click.echo(f"Sent {outcome.sent} retention notices; purged {outcome.purged} "
                   "ended processes.")
        if outcome.failed:
            click.echo(f"The notices of {outcome.failed} processes could not be sent now; "
                       "the next run tries them again.", err=True)
            raise SystemExit(1)

    @app.cli.command("reapply-erasures")
    def reapply_erasures() -> None:
        """After restoring a backup: erase again every account on the erasure list (the
        `erasures` table and the ERASURE_LIST_FILE outside the database) that the restore
        brought back, then clear the write-ahead log (README: backups)."""
        from .services import erasure

        again = erasure.reapply()
        click.echo(f"Erased again {len(again)} accounts that the restore brought back.")

    @app.cli.command("purge-erased")
    @click.option("--full", is_flag=True,
                  help="PostgreSQL: VACUUM FULL (rewrites each table; locks it meanwhile).")
    def purge_erased(full: bool) -> None:
        """Vacuum the tables an erasure changes, so that erased rows leave the database files
        (README: run it from cron daily; PostgreSQL keeps dead rows until a vacuum)."""
        from .services import erasure

        done = erasure.purge_files(full=full)
        click.echo(f"Vacuumed: {', '.join(done) or 'nothing (unknown database)'}.")
