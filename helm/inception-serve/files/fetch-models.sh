# Downloads the model archive at MODELS_URL into MODELS_DIR and unpacks it. The archive must match
# MODELS_SHA256 unless MODELS_INSECURE_SKIP_CHECKSUM is true; only https is fetched, redirects
# included; and only plain files and directories inside MODELS_DIR are unpacked (no links, no
# absolute paths, no "..") so that the archive cannot point the service at anything outside it.
set -eu
fail() { echo "fetch-models: $*" >&2; exit 1; }
case "$MODELS_URL" in
  https://*) ;;
  *) fail "models.url must be https://, not $MODELS_URL" ;;
esac
if [ -z "${MODELS_SHA256:-}" ] && [ "${MODELS_INSECURE_SKIP_CHECKSUM:-false}" != "true" ]; then
  fail "models.sha256 is required (or set models.insecureSkipChecksum: true to unpack an unverified archive)"
fi
archive="$MODELS_DIR/.download.tar.gz"
members="$MODELS_DIR/.members"
trap 'rm -f "$archive" "$members"' EXIT
curl -fsSL --proto =https --proto-redir =https --retry 5 --retry-connrefused -o "$archive" "$MODELS_URL"
if [ -n "${MODELS_SHA256:-}" ]; then
  echo "$MODELS_SHA256  $archive" | sha256sum -c - >/dev/null || fail "the archive does not match models.sha256"
else
  echo "fetch-models: unpacking an archive without a checksum (models.insecureSkipChecksum)" >&2
fi
tar -tzf "$archive" > "$members"
while IFS= read -r member; do
  case "/$member/" in
    //*) fail "the archive holds an absolute path: $member" ;;
    */../*) fail "the archive holds a path leaving its directory: $member" ;;
  esac
done < "$members"
# The first letter of a verbose listing is the member's type: only files (-) and directories (d).
if tar -tvzf "$archive" | grep -v '^[-d]' | grep -q .; then
  fail "the archive holds links or special files; only files and directories are unpacked"
fi
tar -xzf "$archive" -C "$MODELS_DIR" --no-same-owner --no-same-permissions
# What tar made is checked too, whatever its own listing said.
if [ -n "$(find "$MODELS_DIR" -type l -o ! -type f ! -type d -o -type f -links +1)" ]; then
  fail "the unpacked archive holds links"
fi
