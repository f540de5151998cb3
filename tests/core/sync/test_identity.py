"""Device keys: generation, JSON round trips, fingerprints and signatures."""

from __future__ import annotations

import pytest

from btam_desktop.core.errors import InvalidInput
from btam_desktop.core.sync.identity import (
    FINGERPRINT_RE,
    DeviceKeys,
    DevicePublic,
    MalformedSyncData,
    b64,
    canonical_json,
    normalise_fingerprint,
    parse_time,
    strict_json_loads,
    unb64,
)


def test_generate_and_public_round_trip() -> None:
    keys = DeviceKeys.generate("dev-1")
    public = keys.public()
    assert public.device_id == "dev-1"
    assert len(public.sign_public) == 32 and len(public.kem_public) == 32
    assert DeviceKeys.from_json(keys.to_json()) == keys
    assert DevicePublic.from_json(public.to_json()) == public
    assert DeviceKeys.generate("dev-1").public() != public


def test_repr_never_shows_private_keys() -> None:
    keys = DeviceKeys.generate("dev-1")
    text = repr(keys)
    assert b64(keys.sign_private) not in text and b64(keys.kem_private) not in text
    assert repr(keys.sign_private) not in text and repr(keys.kem_private) not in text


def test_fingerprint_is_stable_readable_and_binds_id_and_both_keys() -> None:
    keys = DeviceKeys.generate("dev-1")
    public = keys.public()
    fingerprint = public.fingerprint()
    assert FINGERPRINT_RE.match(fingerprint)
    assert len(fingerprint.split("-")) == 8
    assert public.fingerprint() == fingerprint == DevicePublic.from_json(
        public.to_json()).fingerprint()
    other = DeviceKeys.generate("dev-1").public()
    variants = [
        DevicePublic("dev-2", public.sign_public, public.kem_public),
        DevicePublic("dev-1", other.sign_public, public.kem_public),
        DevicePublic("dev-1", public.sign_public, other.kem_public),
    ]
    assert all(v.fingerprint() != fingerprint for v in variants)
    assert normalise_fingerprint(fingerprint.lower().replace("-", " ")) == fingerprint


def test_sign_and_verify() -> None:
    keys = DeviceKeys.generate("dev-1")
    signature = keys.sign(b"hello")
    assert len(signature) == 64
    assert keys.public().verify(signature, b"hello")
    assert not keys.public().verify(signature, b"hellp")
    assert not keys.public().verify(signature[:-1], b"hello")
    assert not keys.public().verify(b"\0" * 64, b"hello")
    assert not DeviceKeys.generate("dev-1").public().verify(signature, b"hello")


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"device_id": "", "sign_public": "", "kem_public": ""},
        {"device_id": "d", "sign_public": b64(b"x" * 31), "kem_public": b64(b"x" * 32)},
        {"device_id": "d", "sign_public": "not base64!", "kem_public": b64(b"x" * 32)},
        {"device_id": "d", "sign_public": 5, "kem_public": b64(b"x" * 32)},
        {"device_id": "bad id with spaces", "sign_public": b64(b"x" * 32),
         "kem_public": b64(b"x" * 32)},
        {"device_id": "x" * 200, "sign_public": b64(b"x" * 32), "kem_public": b64(b"x" * 32)},
    ],
)
def test_malformed_public_json_is_refused(data: object) -> None:
    with pytest.raises(MalformedSyncData):
        DevicePublic.from_json(data)
    assert issubclass(MalformedSyncData, InvalidInput)


def test_malformed_private_json_is_refused() -> None:
    good = DeviceKeys.generate("d").to_json()
    with pytest.raises(MalformedSyncData):
        DeviceKeys.from_json({**good, "kem_private": b64(b"k" * 16)})
    with pytest.raises(MalformedSyncData):
        DeviceKeys.from_json("nope")


def test_helpers() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    with pytest.raises(ValueError, match="duplicate"):
        strict_json_loads(b'{"a":1,"a":2}')
    with pytest.raises(ValueError):
        strict_json_loads(b"[NaN]")
    with pytest.raises(ValueError):
        strict_json_loads(b"[1.5]", allow_float=False)
    with pytest.raises(ValueError):
        strict_json_loads(b'"\xff"')
    assert strict_json_loads(b"[1.5]") == [1.5]
    with pytest.raises(MalformedSyncData):
        unb64("AAAA", length=2)
    with pytest.raises(MalformedSyncData):
        parse_time("2024-13-01T00:00:00Z")
    with pytest.raises(MalformedSyncData):
        parse_time("2024-01-01 00:00:00")
    assert parse_time("2024-01-01T00:00:00.123Z").year == 2024
