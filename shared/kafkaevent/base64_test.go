package kafkaevent

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// strictOracle is what decodeBase64String must agree with: encoding/base64's strict standard
// encoding, on text that holds no line break (which it would skip) and no quote.
func strictOracle(text []byte) ([]byte, bool) {
	if bytes.ContainsAny(text, "\r\n\"") {
		return nil, false
	}
	out, err := base64.StdEncoding.Strict().DecodeString(string(text))
	return out, err == nil
}

func checkBase64(t *testing.T, text []byte) {
	t.Helper()
	src := append(append([]byte(nil), text...), `","x"`...)
	dst := make([]byte, len(src)*3/4+8)
	n, end, ok := decodeBase64String(dst, src)
	i := bytes.IndexByte(src, '"')
	want, wantOK := strictOracle(src[:i])
	if ok != wantOK || ok && (end != i || !bytes.Equal(dst[:n], want)) {
		t.Fatalf("decode %q = %q, %d, %v; want %q, %d, %v", text, dst[:n], end, ok, want, i, wantOK)
	}
}

func TestDecodeBase64String(t *testing.T) {
	for _, s := range []string{"", "QQ==", "QUI=", "QUJD", "QUJDRA==", "QR==", "QUJ=", "Q===", "QQ=", "QQ", "Q",
		"QUJDREVGR0hJ", "QUJDREVGR0hJSg==", "QUJD\nRA==", "QUJDRA==QUJD", "QUJD RA==", "QUJDREVG!0hJ", "=QUJ",
		"////++++", "AAAAAAAAAAAAAAAAAAAAAAAA", "QQ==\r"} {
		checkBase64(t, []byte(s))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		raw := make([]byte, rng.IntN(40))
		for i := range raw {
			raw[i] = byte(rng.UintN(256))
		}
		text := []byte(base64.StdEncoding.EncodeToString(raw))
		checkBase64(t, text)
		if len(text) > 0 { // one byte changed: mostly invalid, sometimes another valid text
			text[rng.IntN(len(text))] = "AZaz09+/=\n\"!"[rng.IntN(12)]
			checkBase64(t, text)
		}
	}
}

func FuzzDecodeBase64String(f *testing.F) {
	f.Add([]byte("QUJDRA=="))
	f.Add([]byte("QR=="))
	f.Fuzz(func(t *testing.T, text []byte) {
		if bytes.IndexByte(text, '"') >= 0 {
			text = text[:bytes.IndexByte(text, '"')]
		}
		checkBase64(t, text)
	})
}
