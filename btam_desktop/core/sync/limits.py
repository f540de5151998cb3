"""Bounds every sync reader enforces, so that time and memory stay bounded for any input.

Each limit is checked *before* the work it protects (a file's size before reading it, a header
length before parsing it, a declared plain size before decompressing). ``docs/bundle-format.md``
has the table with the reasons; keep the two in step.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# A whole bundle file. A full export of a large team with attachments stays well below this;
# a file above it is refused before a single byte is read.
MAX_BUNDLE_BYTES = 512 * MIB

# The plain header: a few hundred bytes plus about 200 per recipient.
MAX_HEADER_BYTES = 64 * KIB

# The decompressed payload. Parsed JSON costs several times its size in memory, so this is the
# real memory bound of an import; it is checked against the header's declared size before
# decompressing and again while decompressing.
MAX_PLAIN_BYTES = 1 * GIB

# Decompressed size / compressed size. Record JSON compresses 5-20x; zlib cannot exceed about
# 1032x, so a declared ratio above this is a decompression bomb, not data.
MAX_RATIO = 200

# Below this plain size the ratio is not checked: tiny payloads ({} or a few repeated rows)
# legitimately compress "too well" and cannot hurt.
RATIO_FLOOR_BYTES = 1 * MIB

# Items in one JSON array or object of the payload, and each count in the header.
MAX_RECORDS = 5_000_000

# The number a part of an export in parts may carry (parts of 256 MiB: far beyond any vault).
MAX_PARTS = 100_000

# One JSON string (a field value, an attachment's encoded content) in UTF-8 bytes.
MAX_FIELD_BYTES = 64 * MIB

# Nesting of JSON arrays/objects in a payload (records are a few levels deep).
MAX_DEPTH = 32

# Recipient devices of one bundle (a team is a handful of laptops).
MAX_RECIPIENTS = 64

# Invitation and join-request files.
MAX_INVITE_BYTES = 1 * MIB

# Argon2id parameters accepted from an invitation file: a hostile file must not be able to ask
# for gigabytes of memory or minutes of work before the passphrase is even checked.
MAX_KDF_MEMORY_KIB = 512 * KIB  # 512 MiB, counted in KiB (the default is 64 MiB)
MAX_KDF_ITERATIONS = 16
MAX_KDF_LANES = 16

# Devices in one roster, and text fields (names, labels) in rosters and join requests.
MAX_ROSTER_DEVICES = 256
MAX_NAME_CHARS = 200
MAX_MEMBERS_PER_DEVICE = 200
