#!/usr/bin/env bash
# Re-fetches the vendored front-end files from the npm registry at their
# pinned versions and checks them against the checksums recorded here.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent uplot@1.6.32 >/dev/null && tar xzf uplot-1.6.32.tgz)
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" internal/assets/
cp "$work/package/LICENSE" internal/assets/uPlot.LICENSE
rm -rf "$work/package"
(cd "$work" && npm pack --silent @highlightjs/cdn-assets@11.11.1 >/dev/null && tar xzf highlightjs-cdn-assets-11.11.1.tgz)
cp "$work/package/highlight.min.js" internal/assets/highlight.min.js
cp "$work/package/styles/github.min.css" internal/assets/highlight-github.min.css
cp "$work/package/LICENSE" internal/assets/highlight.LICENSE
sha256sum -c <<'SUMS'
19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f  internal/assets/uPlot.iife.min.js
df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04  internal/assets/uPlot.min.css
c4a399dd6f488bc97a3546e3476747b3e714c99c57b9473154c6fb8d259b9381  internal/assets/highlight.min.js
3a9a5def8b9c311e5ae43abde85c63133185eed4f0d9f67fea4b00a8308cf066  internal/assets/highlight-github.min.css
SUMS
