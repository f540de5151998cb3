"""``btam referral``: referring cases to another team (each team has its own vault and roster).

Once per partner team: `referral card -o FILE` writes this team's contact card (its lead
devices' public keys, signed); the other lead runs `referral card-import FILE`, and the two
leads compare the card fingerprint by phone before answering yes. Both teams do this.

Then: `referral send CASE --to TEAM --profile P --reason R --legal-basis L -o FILE` writes a
redacted referral for the other team's lead devices (recorded in the dissemination log);
the other lead runs `referral import FILE`, then `referral accept ID -o ACK` (a new case of
its own) or `referral decline ID --reason R -o ACK`, and hands the acknowledgement back,
which the first lead imports with `referral import ACK`. `referral list` shows both sides'
status (sent, received, accepted, declined).

Exit codes: 0 success; 1 refused or invalid; 2 not allowed (only lead devices refer);
3 a file whose signature or encryption does not verify (tampered).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from btam_desktop.cli import common
from btam_desktop.cli.common import Context, handed_file, safe_text, table
from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.sync import card as card_mod
from btam_desktop.core.sync import referral
from btam_desktop.core.sync.bundle import BundleRefused

__all__ = ["register"]

HELP = (__doc__ or "").replace("``", "")


def _path(text: str) -> Path:
    return Path(text).expanduser()


def _stdin_text(value: str | None) -> str | None:
    """``-`` reads free text from standard input (when the main entry has not already)."""
    if value != "-":
        return value
    text = sys.stdin.read() if sys.stdin is not None else ""
    return text[:-1] if text.endswith("\n") else text


def cmd_card(ctx: Context) -> int:
    """Write this team's contact card."""
    with ctx.unlock() as session:
        card = card_mod.write_own_card(session, _path(ctx.args.out), days=ctx.args.days,
                                       agency=ctx.args.agency)
    ctx.emit({**card.summary(), "file": ctx.args.out},
             f"Wrote the contact card of {card.team_name} to {ctx.args.out} (valid until"
             f" {card.expires_at}).\n  card fingerprint: {card.fingerprint()}\n"
             "Read this fingerprint to the other team's lead by phone when they import it.")
    return 0


def cmd_cards(ctx: Context) -> int:
    """Other teams' cards held here."""
    with ctx.unlock() as session:
        held = card_mod.cards(session)
    rows = [[safe_text(h.card.team_name), safe_text(h.card.agency), h.state(),
             h.card.expires_at[:10], h.card.fingerprint(), h.card.team_id] for h in held]
    ctx.emit([h.to_json() for h in held],
             table(rows, ["TEAM", "AGENCY", "STATUS", "EXPIRES", "FINGERPRINT", "TEAM ID"]))
    return 0


def cmd_card_import(ctx: Context) -> int:
    """Show a card's fingerprint, have it confirmed, and keep it."""
    say = sys.stderr if ctx.as_json else sys.stdout
    card = card_mod.read_card_file(handed_file(ctx.args.file))
    with ctx.unlock() as session:
        print(f"Contact card of {safe_text(card.team_name)} ({safe_text(card.agency)}),"
              f" valid until {card.expires_at}, {len(card.leads)} lead device(s)\n"
              f"  card fingerprint:  {card.fingerprint()}\n"
              "Compare it with the fingerprint their lead reads out by phone.", file=say,
              flush=True)
        if not common.confirm(
                ctx, "Does their lead read the same fingerprint?", without_terminal=(
                    "not imported: compare the fingerprint by phone, then run again with"
                    " --yes (or in a terminal, to be asked)"),
                declined=("Not imported. If the fingerprints differ, the card did not come"
                          " from that team as it is.")):
            return 1
        result = card_mod.import_card(session, card)
    ctx.emit({**card.summary(), "result": result},
             f"{result.capitalize()}: the contact card of {card.team_name}.")
    return 0


def cmd_card_withdraw(ctx: Context) -> int:
    """Stop trusting a team's card on this laptop."""
    with ctx.unlock() as session:
        held = card_mod.withdraw_card(session, ctx.args.team)
    ctx.emit(held.to_json(), f"Withdrew the contact card of {held.card.team_name}: its"
             " referrals and acknowledgements are refused from now on.")
    return 0


def cmd_send(ctx: Context) -> int:
    """Write a referral for another team."""
    args = ctx.args
    reason, legal = _stdin_text(args.reason), _stdin_text(args.legal_basis)
    with ctx.unlock() as session:
        result = referral.send(
            session, args.case, to_team=args.to, profile=args.profile, reason=reason or "",
            legal_basis=legal or "", out=_path(args.out),
            people=args.person,
            follow_up_of=args.follow_up_of)
    ctx.emit({"id": result.referral_id, "file": str(result.path), "bundle_id":
              result.bundle_id, "sha256": result.sha256, "counts": result.counts,
              "dissemination": result.dissemination_id, "withheld": result.withheld},
             f"Wrote referral {result.referral_id} to {result.path}: "
             f"{result.counts['people']} people, {result.counts['entries']} timeline entries,"
             f" {result.counts['forms']} forms after redaction.\n"
             + (f"  Left out of this copy: {', '.join(result.withheld)}.\n"
                if result.withheld else "")
             + f"  SHA-256: {result.sha256}\nRecorded in the case's dissemination log.")
    return 0


def _status_word(r: referral.Referral) -> str:
    return r.status + (" (ack written)" if r.direction == "in" and r.ack_at else "")


def cmd_list(ctx: Context) -> int:
    """Referrals in and out."""
    with ctx.unlock() as session:
        items = referral.list_referrals(session)
    rows = [[r.referral_id, "out" if r.direction == "out" else "in", safe_text(
        r.other_team_name), _status_word(r), r.case_number or "-",
        safe_text(r.their_case_number or "-"), r.created_at[:16]] for r in items]
    ctx.emit([r.to_json() for r in items],
             table(rows, ["ID", "DIR", "TEAM", "STATUS", "CASE", "THEIR CASE", "AT"]))
    return 0


def cmd_import(ctx: Context) -> int:
    """Import referrals and acknowledgements; goes on after a refusal, exits with the worst."""
    worst = 0
    out: list[dict[str, Any]] = []
    with ctx.unlock() as session:
        for name in ctx.args.files:
            try:
                result = referral.import_file(session, handed_file(name))
            except BundleRefused as exc:
                worst = max(worst, exc.exit_code)
                print(f"btam: {name}: {exc}", file=sys.stderr)
                out.append({"file": name, "refused": exc.reason})
                continue
            except InvalidInput as exc:  # not a regular file: the next files still go in
                worst = max(worst, exc.exit_code)
                print(f"btam: {exc}", file=sys.stderr)
                out.append({"file": name, "refused": str(exc)})
                continue
            out.append({"file": name, **result.to_json()})
            if not ctx.as_json:
                if result.kind == "referral":
                    print(f"{name}: referral {result.referral_id} from"
                          f" {safe_text(result.team_name)} received ("
                          f"{result.counts['people']} people, {result.counts['entries']}"
                          f" entries, {result.counts['forms']} forms); accept or decline it.")
                else:
                    print(f"{name}: {safe_text(result.team_name)} {result.status} referral"
                          f" {result.referral_id}"
                          + (f" as their case {result.case_number}" if result.case_number
                             else "") + ".")
    if ctx.as_json:
        ctx.emit(out, "")
    return worst


def cmd_accept(ctx: Context) -> int:
    """Accept a received referral as a new case."""
    with ctx.unlock() as session:
        case = referral.accept(session, ctx.args.id,
                               out=_path(ctx.args.out) if ctx.args.out else None)
    ctx.emit({"id": ctx.args.id, "case_id": case.id, "case_number": case.number,
              "ack": ctx.args.out},
             f"Accepted as case {case.number}."
             + (f" Acknowledgement written to {ctx.args.out}." if ctx.args.out else
                " Write the acknowledgement with `btam referral ack ID -o FILE`."))
    return 0


def cmd_decline(ctx: Context) -> int:
    """Decline a received referral with a reason."""
    reason = _stdin_text(ctx.args.reason) or ""
    with ctx.unlock() as session:
        ref = referral.decline(session, ctx.args.id, reason,
                               out=_path(ctx.args.out) if ctx.args.out else None)
    ctx.emit({**ref.to_json(), "ack": ctx.args.out},
             "Declined." + (f" Acknowledgement written to {ctx.args.out}." if ctx.args.out
                            else " Write the acknowledgement with `btam referral ack`."))
    return 0


def cmd_ack(ctx: Context) -> int:
    """(Re)write the acknowledgement of a decided referral."""
    with ctx.unlock() as session:
        path = referral.write_ack(session, ctx.args.id, _path(ctx.args.out))
    ctx.emit({"id": ctx.args.id, "file": str(path)}, f"Wrote the acknowledgement to {path}.")
    return 0


def register(sub: Any, json_parent: argparse.ArgumentParser) -> None:
    """Add ``referral`` to the subparsers."""
    raw = argparse.RawDescriptionHelpFormatter
    group = sub.add_parser("referral", help="refer cases to another team and receive theirs",
                           description=HELP, formatter_class=raw).add_subparsers(
        dest="referral_action", required=True)

    p = group.add_parser("card", parents=[json_parent],
                         help="write this team's contact card (leads)")
    p.add_argument("-o", "--out", required=True, metavar="FILE")
    p.add_argument("--days", type=int, default=card_mod.DEFAULT_DAYS,
                   help=f"valid for this many days (default {card_mod.DEFAULT_DAYS})")
    p.add_argument("--agency", help="agency name on the card (default: the vault's)")
    p.set_defaults(func=cmd_card)

    p = group.add_parser("cards", parents=[json_parent], help="other teams' contact cards")
    p.set_defaults(func=cmd_cards)

    p = group.add_parser("card-import", parents=[json_parent],
                         help="keep another team's card after comparing its fingerprint")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--yes", action="store_true",
                   help="the fingerprint was compared by phone: do not ask")
    p.set_defaults(func=cmd_card_import)

    p = group.add_parser("card-withdraw", parents=[json_parent],
                         help="stop trusting a team's card on this laptop")
    p.add_argument("team", metavar="TEAM", help="team name, team id or card fingerprint")
    p.set_defaults(func=cmd_card_withdraw)

    p = group.add_parser("send", parents=[json_parent],
                         help="refer a case to another team (leads)")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--to", required=True, metavar="TEAM")
    p.add_argument("--profile", required=True, metavar="P", help="redaction profile")
    p.add_argument("--reason", required=True, metavar="R", help="'-': standard input")
    p.add_argument("--legal-basis", dest="legal_basis", required=True, metavar="L",
                   help="'-': standard input")
    p.add_argument("--person", action="append", metavar="PERSON_ID",
                   help="send only these people (repeat; default: everyone on the case)")
    p.add_argument("--follow-up-of", dest="follow_up_of", metavar="ID",
                   help="an earlier referral of this case to the same team")
    p.add_argument("-o", "--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_send)

    p = group.add_parser("list", parents=[json_parent],
                         help="referrals in and out, with their status")
    p.set_defaults(func=cmd_list)

    p = group.add_parser("import", parents=[json_parent],
                         help="import referral and acknowledgement files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_import)

    p = group.add_parser("accept", parents=[json_parent],
                         help="accept a received referral as a new case")
    p.add_argument("id", metavar="ID")
    p.add_argument("-o", "--out", metavar="ACK", help="also write the acknowledgement")
    p.set_defaults(func=cmd_accept)

    p = group.add_parser("decline", parents=[json_parent],
                         help="decline a received referral with a reason")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, metavar="R", help="'-': standard input")
    p.add_argument("-o", "--out", metavar="ACK", help="also write the acknowledgement")
    p.set_defaults(func=cmd_decline)

    p = group.add_parser("ack", parents=[json_parent],
                         help="write the acknowledgement of a decided referral")
    p.add_argument("id", metavar="ID")
    p.add_argument("-o", "--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_ack)
