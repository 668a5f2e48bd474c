package tickparquet

import "github.com/klauspost/compress/zstd"

// SetZstdEncoder replaces the shared zstd encoder's constructor for a test; the returned function
// restores it.
func SetZstdEncoder(f func() (*zstd.Encoder, error)) (restore func()) {
	old := zstdEncoder
	zstdEncoder = f
	return func() { zstdEncoder = old }
}

// SetMaxPageBytes lowers the largest page body the encoder writes, for a test of pages past it; the
// returned function restores it.
func SetMaxPageBytes(n int) (restore func()) {
	old := maxPageBytes
	maxPageBytes = n
	return func() { maxPageBytes = old }
}
