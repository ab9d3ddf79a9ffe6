# fake_media.sh - synthetic media of an exact size for the transport tests (sourced by
# tests/integration/lib.sh and the benchmarks). The bytes are random but the structure is
# real, so the metadata scrubbers (media/scrub.h, on by default) pass them through unchanged
# and a test can compare SHA-256s: a JPEG that is SOI, one SOS header, then entropy-coded
# data with no 0xFF (so no marker); a PNG that is the signature and one IDAT chunk.
# The scrubbers themselves are tested on real images (tests/integration/test_scrub.sh).

# fake_jpeg N: 4 + N bytes (the size the old "FF D8 FF E0 + N random bytes" fixtures had)
fake_jpeg() {
  printf '\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00'
  head -c $(($1 - 8)) /dev/urandom | tr '\377' '\376'
}

# fake_png N: 8 + N bytes
fake_png() {
  local len=$(($1 - 12))
  printf '\x89PNG\r\n\x1a\n'
  printf "\\x$(printf %02x $((len >> 24 & 255)))\\x$(printf %02x $((len >> 16 & 255)))"
  printf "\\x$(printf %02x $((len >> 8 & 255)))\\x$(printf %02x $((len & 255)))"
  printf 'IDAT'
  head -c "$len" /dev/urandom
  printf 'CRC!'
}
