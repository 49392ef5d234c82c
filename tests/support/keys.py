"""Fake fal keys shaped like real ones (a UUID key id, a colon, a 32-hex secret): what redaction,
the key check and every Slack surface must recognise and never echo. fal never issued any of them."""

KEY_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SECRET = "0123456789abcdef0123456789ab4e5f"
KEY = f"{KEY_ID}:{SECRET}"
# The key the Slack-surface tests paste into messages and commands (masked: "6f1c…:…cdef").
PASTED_KEY = "6f1c2d3e-1111-2222-3333-444455556666:0123456789abcdef0123456789abcdef"
