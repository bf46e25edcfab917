#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the test fixtures (real documents from other
# servers, real images) and a few hand-written signature headers. Run from the repo root:
#   bash fuzz/seed.sh
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures
mkdir -p corpus/{activity,text_html,media,signature_cavage,signature_rfc9421}
find "$fixtures" -name '*.json' -exec cp {} corpus/activity/ \;
# Post contents (HTML from other servers) for the sanitizer and renderer.
for f in "$fixtures"/*/*.json; do
  python3 - "$f" <<'PY' >> /dev/null || true
import json, sys, hashlib, os
doc = json.load(open(sys.argv[1]))
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("content", "summary", "name", "value") and isinstance(x, str) and x:
                yield x
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
for text in walk(doc):
    name = hashlib.sha1(text.encode()).hexdigest()
    open(os.path.join("corpus/text_html", name), "w").write(text)
PY
done
printf 'Hello @alice@example.com #tag https://example.com/a?b=1 <b>x</b>' > corpus/text_html/plain
find "$fixtures/media" -type f -exec cp {} corpus/media/ \;
cp ../src/api/web/assets/*.png corpus/media/
python3 - <<'PY'
# A 2-frame 4×4 GIF (LZW payloads are tiny valid streams).
frame = bytes([0x2C, 0, 0, 0, 0, 4, 0, 4, 0, 0, 2, 2, 0x4C, 0x01, 0])
gif = b"GIF89a" + bytes([4, 0, 4, 0, 0x80, 0, 0]) + bytes([0, 0, 0, 255, 255, 255]) + frame * 2 + b";"
open("corpus/media/two-frames.gif", "wb").write(gif)
PY
printf '%s\n%s\n%s' \
  'keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2lnbmF0dXJl"' \
  'SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' \
  '' > corpus/signature_cavage/mastodon
printf '%s\n%s\n%s\n%s' \
  'sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="https://m.example/users/a#main-key";alg="rsa-v1_5-sha256"' \
  'sig1=:c2lnbmF0dXJl:' \
  'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:' \
  '' > corpus/signature_rfc9421/mastodon
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
