"""Bundle files: round trips and every hostile input refused, with its reason, in bounded time
and memory."""

from __future__ import annotations

import json
import struct
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.ids import new_id
from btam_desktop.core.sync import bundle, limits
from btam_desktop.core.sync.bundle import (
    SIGNATURE_CONTEXT,
    UPDATE_MESSAGE,
    BundleRefused,
    BundleTampered,
    BundleTooNew,
    file_hash,
    open_bundle,
    read_bundle_file,
    read_header,
    seal_compressed,
    write_bundle,
)
from btam_desktop.core.sync.identity import DeviceKeys, canonical_json

SCHEMA = 4
TEAM = "team-1"
ALICE = DeviceKeys.generate("alice-laptop")
BOB = DeviceKeys.generate("bob-laptop")
CAROL = DeviceKeys.generate("carol-laptop")
PAYLOAD: dict[str, Any] = {
    "changes": [{"record": new_id(), "field": "title", "value": "Case ü", "n": 1.5}] * 3,
    "cases": [],
}


def make(payload: dict[str, Any] | None = None, **overrides: Any) -> bytes:
    args: dict[str, Any] = {
        "sender": ALICE,
        "recipients": [BOB.public(), ALICE.public()],
        "schema_version": SCHEMA,
        "kind": "sync",
        "team_id": TEAM,
        "sequence": 7,
        "prev_hash": "",
        "counts": {"changes": 3, "cases": 0},
    }
    args.update(overrides)
    return write_bundle(PAYLOAD if payload is None else payload, **args)


def seal_raw(compressed: bytes, plain_size: int, **overrides: Any) -> bytes:
    """A correctly signed bundle around arbitrary compressed bytes (the hostile-sender path)."""
    args: dict[str, Any] = {
        "sender": ALICE,
        "recipients": [BOB.public()],
        "schema_version": SCHEMA,
        "kind": "sync",
        "team_id": TEAM,
        "sequence": 1,
        "prev_hash": "",
        "counts": {},
    }
    args.update(overrides)
    return seal_compressed(compressed, plain_size, **args)


def open_as_bob(data: bytes, **overrides: Any) -> tuple[bundle.BundleHeader, dict[str, Any]]:
    args: dict[str, Any] = {"sender_public": ALICE.public(), "me": BOB, "max_schema": SCHEMA}
    args.update(overrides)
    return open_bundle(data, **args)


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header as a dict and the ciphertext of a bundle."""
    (hlen,) = struct.unpack_from(">I", data, 8)
    header = json.loads(data[12 : 12 + hlen])
    return header, data[12 + hlen + 8 : -64]


def rebuild(header: dict[str, Any] | bytes, ciphertext: bytes, signer: DeviceKeys = ALICE) -> bytes:
    """A re-signed bundle with another header: what a hostile but genuine sender could write."""
    header_bytes = header if isinstance(header, bytes) else canonical_json(header)
    body = (bundle.MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
            + struct.pack(">Q", len(ciphertext)) + ciphertext)
    return body + signer.sign(SIGNATURE_CONTEXT + body)


def refused(data: bytes, match: str, kind: type[BundleRefused] = BundleRefused,
            **overrides: Any) -> BundleRefused:
    with pytest.raises(kind, match=match) as info:
        open_as_bob(data, **overrides)
    return info.value


# -- round trips -------------------------------------------------------------------------------


def test_round_trip_for_every_recipient() -> None:
    data = make(prev_hash="a" * 64)
    header, payload = open_as_bob(data)
    assert payload == PAYLOAD
    assert header.sender_device_id == ALICE.device_id
    assert header.sender_fingerprint == ALICE.public().fingerprint()
    assert header.sequence == 7 and header.prev_hash == "a" * 64
    assert header.counts == {"changes": 3, "cases": 0}
    assert header.kind == "sync" and header.team_id == TEAM and header.schema_version == SCHEMA
    assert header.file_size == len(data)
    assert [r.device_id for r in header.recipients] == [BOB.device_id, ALICE.device_id]
    # The sender can read its own copy, too.
    assert open_bundle(data, sender_public=ALICE.public(), me=ALICE, max_schema=SCHEMA)[1] == (
        PAYLOAD)


def test_header_is_readable_without_keys_and_holds_no_content() -> None:
    data = make(bundle_id="0190f0a4-0000-7000-8000-000000000001")
    header = read_header(data, max_schema=SCHEMA)
    assert header.bundle_id == "0190f0a4-0000-7000-8000-000000000001"
    summary = header.to_json()
    assert '"enc"' not in json.dumps(summary)
    assert summary["format"] == [1, 0]
    assert b"Case" not in data  # the content is encrypted (and compressed)
    assert header.plain_size == len(canonical_json(PAYLOAD))


def test_each_bundle_has_its_own_key_and_nonce() -> None:
    one, two = make(), make()
    assert split(one)[1] != split(two)[1]
    assert split(one)[0]["nonce"] != split(two)[0]["nonce"]


def test_file_hash_chains_bundles() -> None:
    first = make(sequence=1)
    second = make(sequence=2, prev_hash=file_hash(first))
    assert read_header(second, max_schema=SCHEMA).prev_hash == file_hash(first)
    assert len(file_hash(first)) == 64


def test_empty_payload_round_trips() -> None:
    assert open_as_bob(make({}))[1] == {}


def test_read_bundle_file(tmp_path: Path) -> None:
    path = tmp_path / "b.btambundle"
    path.write_bytes(make())
    assert open_as_bob(read_bundle_file(path))[1] == PAYLOAD
    with pytest.raises(BundleRefused, match="not found"):
        read_bundle_file(tmp_path / "missing")
    with pytest.raises(BundleRefused, match="not a regular file"):
        read_bundle_file(tmp_path)


def test_errors_are_invalid_input_for_exit_code_1() -> None:
    assert issubclass(BundleRefused, InvalidInput) and BundleRefused("x").exit_code == 1
    assert issubclass(BundleTampered, BundleRefused)
    assert BundleRefused("why").reason == "why"


# -- tampering ---------------------------------------------------------------------------------


def test_flipped_byte_in_header_value_fails_the_signature() -> None:
    data = bytearray(make())
    at = data.index(b'"team-1"') + 6  # keeps the JSON valid and canonical: "team-0"
    data[at] ^= 0x01
    refused(bytes(data), "signature does not verify", BundleTampered)


def test_flipped_byte_in_ciphertext_fails_the_signature() -> None:
    data = bytearray(make())
    data[-100] ^= 0x80
    refused(bytes(data), "signature does not verify", BundleTampered)


def test_flipped_byte_in_signature() -> None:
    data = bytearray(make())
    data[-1] ^= 0x01
    refused(bytes(data), "signature does not verify", BundleTampered)


def test_altered_ciphertext_re_signed_by_the_sender_fails_decryption() -> None:
    header, ciphertext = split(make())
    bad = bytearray(ciphertext)
    bad[0] ^= 1
    refused(rebuild(header, bytes(bad)), "payload does not decrypt", BundleTampered)


def test_sealed_key_moved_between_recipients_does_not_open() -> None:
    header, ciphertext = split(make())
    header["recipients"][0]["enc"] = header["recipients"][1]["enc"]  # Alice's key for Bob
    refused(rebuild(header, ciphertext), "bundle key sealed to this device", BundleTampered)


def test_header_changed_and_re_signed_fails_decryption() -> None:
    # A genuine sender cannot change a header after encrypting: it is the AEAD's associated data.
    header, ciphertext = split(make())
    header["counts"] = {"changes": 999}
    refused(rebuild(header, ciphertext), "payload does not decrypt", BundleTampered)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_single_flipped_byte_is_refused(data: st.DataObject) -> None:
    original = _SMALL
    at = data.draw(st.integers(0, len(original) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = bytearray(original)
    changed[at] ^= 1 << bit
    with pytest.raises(BundleRefused):
        open_as_bob(bytes(changed))


_SMALL = make({"x": [1, 2, 3]}, recipients=[BOB.public()])


# -- layout ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (0, "too short to be a bundle"),
        (11, "too short to be a bundle"),
        (12, "ends inside the header"),
        (40, "ends inside the header"),
        (-65, "shorter than its lengths say"),
        (-64, "shorter than its lengths say"),
        (-1, "shorter than its lengths say"),
    ],
)
def test_truncated_file(cut: int, reason: str) -> None:
    refused(make()[:cut], f"truncated: .*{reason}")


def test_truncated_inside_ciphertext_says_truncated() -> None:
    refused(make()[:-70], "truncated: the file is shorter")


def test_trailing_garbage() -> None:
    refused(make() + b"\0", "unexpected bytes after the signature")


def test_wrong_magic() -> None:
    refused(b"BTAMINVT" + make()[8:], "wrong magic")


def test_header_length_lies() -> None:
    data = make()
    (hlen,) = struct.unpack_from(">I", data, 8)
    shorter = data[:8] + struct.pack(">I", hlen - 1) + data[12:]
    refused(shorter, "header is not valid JSON")
    longer = data[:8] + struct.pack(">I", hlen + 3) + data[12:]
    refused(longer, "not valid JSON|truncated")
    huge = data[:8] + struct.pack(">I", 0xFFFFFFFF) + data[12:]
    refused(huge, "header length")
    refused(data[:8] + struct.pack(">I", 0) + data[12:], "header length")


def test_ciphertext_length_lies() -> None:
    data = make()
    (hlen,) = struct.unpack_from(">I", data, 8)
    at = 12 + hlen
    (clen,) = struct.unpack_from(">Q", data, at)
    for lie, reason in [(clen + 1, "truncated"), (clen - 1, "unexpected bytes"),
                        (2**64 - 1, "truncated")]:
        refused(data[:at] + struct.pack(">Q", lie) + data[at + 8 :], reason)


def test_oversized_bundle_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make()
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", len(data) - 1)
    refused(data, "larger than the")
    with pytest.raises(BundleRefused, match="larger than"):
        read_header(data, max_schema=SCHEMA)


def test_oversized_file_refused_before_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.btambundle"
    path.write_bytes(b"\0" * 5000)
    monkeypatch.setattr(limits, "MAX_BUNDLE_BYTES", 4096)
    with pytest.raises(BundleRefused, match=r"file is 5,000 bytes; bundles are limited to 4,096"):
        read_bundle_file(path)


# -- header content ----------------------------------------------------------------------------


def _refuse_header(change: Any, reason: str) -> None:
    header, ciphertext = split(make())
    new = change(header)
    with pytest.raises(BundleRefused, match=reason):
        read_header(rebuild(new if new is not None else header, ciphertext), max_schema=SCHEMA)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h: h.pop("nonce") and None, "lacks nonce"),
        (lambda h: h.update(extra=1), "unknown fields"),
        (lambda h: h.update(sequence=True), "sequence is not an integer"),
        (lambda h: h.update(sequence=-1), "sequence is not an integer"),
        (lambda h: h.update(kind="gift"), "kind"),
        (lambda h: h.update(bundle_id="not-a-uuid"), "bundle_id"),
        (lambda h: h.update(prev_hash="xyz"), "prev_hash"),
        (lambda h: h.update(created_at="yesterday"), "created_at"),
        (lambda h: h.update(team_id=""), "team_id"),
        (lambda h: h.update(sender_fingerprint="AAAA"), "sender_fingerprint"),
        (lambda h: h.update(nonce="AAAA"), "nonce"),
        (lambda h: h.update(counts={"Bad Name": 1}), "counts"),
        (lambda h: h.update(counts={"changes": 10**12}), "counts"),
        (lambda h: h.update(counts=[1]), "counts"),
        (lambda h: h.update(recipients=[]), "recipients"),
        (lambda h: h.update(recipients=h["recipients"] * 2), "recipient twice"),
        (lambda h: h["recipients"][0].update(enc="AAAA"), "sealed bundle key"),
        (lambda h: h["recipients"][0].update(extra=1), "malformed recipient"),
        (lambda h: h.update(plain_size=limits.MAX_PLAIN_BYTES + 1), "plain_size"),
        (lambda h: h.update(plain_size=50 * 1024 * 1024), "decompression bomb"),
        (lambda h: h.update(format=[1]), "format"),
        (lambda h: h.update(format=[0, 9]), "no longer supported"),
        (lambda h: h.update(schema_version=0), "schema_version"),
        (lambda h: h.update(recipients=h["recipients"] * 40), "recipients"),
    ],
)
def test_malformed_header_fields(change: Any, reason: str) -> None:
    _refuse_header(change, reason)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"a":1,"a":1}', "not valid JSON"),
        (b"[1,2]", "not a JSON object"),
        (b'{"format":[1,0],"plain_size":1.5}', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[" * 60000, "not valid JSON"),
        (b'{"format": [1, 0], "schema_version": 4}', "canonical"),
    ],
)
def test_hostile_header_json(raw: bytes, reason: str) -> None:
    with pytest.raises(BundleRefused, match=reason):
        read_header(rebuild(raw, b"\0" * 32), max_schema=SCHEMA)


def test_newer_minor_may_add_fields() -> None:
    header, ciphertext = split(make())
    header["format"] = [1, 5]
    header["future_field"] = {"x": 1}
    assert read_header(rebuild(header, ciphertext), max_schema=SCHEMA).format_minor == 5


def test_newer_format_major_asks_for_an_update() -> None:
    data = seal_raw(zlib.compress(b"{}"), 2, format_version=(2, 0))
    error = refused(data, "update BTAM Desktop", BundleTooNew)
    assert error.reason == UPDATE_MESSAGE
    with pytest.raises(BundleTooNew):
        read_header(data, max_schema=SCHEMA)


def test_newer_major_with_another_shape_still_asks_for_an_update() -> None:
    raw = canonical_json({"format": [2, 0], "something": "else"})
    with pytest.raises(BundleTooNew):
        read_header(rebuild(raw, b"\0" * 32), max_schema=SCHEMA)


def test_newer_schema_asks_for_an_update() -> None:
    data = make(schema_version=SCHEMA + 1)
    refused(data, UPDATE_MESSAGE, BundleTooNew)
    assert open_as_bob(data, max_schema=SCHEMA + 1)[1] == PAYLOAD


# -- sender and recipients ---------------------------------------------------------------------


def test_unknown_sender() -> None:
    refused(make(), "sender key does not match", sender_public=CAROL.public())


def test_sender_with_same_id_but_another_key() -> None:
    impostor = DeviceKeys.generate(ALICE.device_id)
    refused(make(sender=impostor), "fingerprint mismatch")


def test_not_addressed_to_this_device() -> None:
    refused(make(), "not addressed to this device", me=CAROL)


def test_addressed_to_an_old_key_of_this_device() -> None:
    refused(make(), "another key", me=DeviceKeys.generate(BOB.device_id))


def test_writer_refuses_bad_arguments() -> None:
    with pytest.raises(BundleRefused, match="kind"):
        make(kind="gift")
    with pytest.raises(BundleRefused, match="twice"):
        make(recipients=[BOB.public(), BOB.public()])
    with pytest.raises(BundleRefused, match=r"1\.\."):
        make(recipients=[])
    with pytest.raises(BundleRefused, match="UUID"):
        make(bundle_id="x")
    with pytest.raises(BundleRefused, match="prev_hash"):
        make(prev_hash="abc")
    with pytest.raises(BundleRefused, match="JSON"):
        make({"x": {1, 2}})
    with pytest.raises(BundleRefused, match="JSON"):
        make({"x": float("nan")})


# -- payload bombs -----------------------------------------------------------------------------


_BOMB_SIZE = 16 * 1024 * 1024
_BOMB = zlib.compress(bytes(_BOMB_SIZE), 9)  # 16 MiB of zeros in about 16 KiB


def test_decompression_bomb_with_a_lying_size_stops_at_the_declared_size() -> None:
    bomb = _BOMB
    data = seal_raw(bomb, 100)
    tracemalloc.start()
    try:
        with pytest.raises(BundleRefused, match="inflates past its declared size"):
            open_as_bob(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The file itself is copied a few times; the 16 MiB of zeros never exist.
    assert peak < 10 * len(data) + 2 * 1024 * 1024


def test_decompression_bomb_declaring_its_true_size_is_refused_before_inflating() -> None:
    data = seal_raw(_BOMB, _BOMB_SIZE)
    with pytest.raises(BundleRefused, match="decompression bomb"):
        read_header(data, max_schema=SCHEMA)


def test_payload_over_the_plain_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make()
    monkeypatch.setattr(limits, "MAX_PLAIN_BYTES", 10)
    refused(data, "plain_size")


def test_payload_shorter_than_declared() -> None:
    refused(seal_raw(zlib.compress(b"{}"), 3), "differs from the size")


def test_compressed_stream_with_trailing_bytes_or_truncated() -> None:
    refused(seal_raw(zlib.compress(b"{}") + b"junk", 2), "after the compressed payload")
    refused(seal_raw(zlib.compress(b'{"a":"' + b"x" * 500 + b'"}')[:-8], 508), "truncated")
    refused(seal_raw(b"not zlib at all", 2), "not valid compressed data")


def test_json_nesting_bomb() -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    refused(seal_raw(zlib.compress(deep), len(deep)), "nested deeper")
    nested = b'{"a":' + b"[" * 40 + b"]" * 40 + b"}"
    refused(seal_raw(zlib.compress(nested), len(nested)), "nested deeper than 32")


def test_payload_must_be_a_json_object_without_duplicates() -> None:
    for plain in (b"[1]", b'"x"', b"null"):
        refused(seal_raw(zlib.compress(plain), len(plain)), "not a JSON object")
    for plain in (b'{"a":1,"a":2}', b'{"a":NaN}', b"\xff", b'{"a":'):
        refused(seal_raw(zlib.compress(plain), len(plain)), "not valid JSON")


def test_field_and_record_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make({"note": "x" * 100, "rows": [1] * 50})
    monkeypatch.setattr(limits, "MAX_FIELD_BYTES", 99)
    refused(data, "field larger than the limit")
    monkeypatch.setattr(limits, "MAX_FIELD_BYTES", 100)
    monkeypatch.setattr(limits, "MAX_RECORDS", 49)
    refused(data, "more records than the limit")
    with pytest.raises(BundleRefused, match="more records"):
        make({"rows": [1] * 50})  # the writer never writes what a reader would refuse


def test_field_limit_counts_utf8_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make({"note": "é" * 60})  # 60 characters, 120 bytes
    monkeypatch.setattr(limits, "MAX_FIELD_BYTES", 100)
    refused(data, "field larger")


def test_huge_integer_literal_is_refused() -> None:
    plain = b'{"a":' + b"9" * 5000 + b"}"
    refused(seal_raw(zlib.compress(plain), len(plain)), "not valid JSON")


def test_writer_refuses_a_payload_that_compresses_too_well() -> None:
    with pytest.raises(BundleRefused, match="ratio"):
        make({"zeros": "0" * (4 * 1024 * 1024)})
