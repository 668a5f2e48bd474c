// Command lambdazip packs a Lambda bootstrap binary into a deployment zip, reproducibly: fixed
// times, the executable bit set, nothing else in the archive. It fails when the zip exceeds a size.
//
//	go run ./internal/lambdazip -max 6000000 build/producer/bootstrap build/producer.zip
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	maxBytes := flag.Int64("max", 6_000_000, "fail when the zip is larger than this many bytes")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: lambdazip [-max BYTES] BOOTSTRAP ZIP")
		os.Exit(2)
	}
	if err := pack(flag.Arg(0), flag.Arg(1), *maxBytes); err != nil {
		fmt.Fprintln(os.Stderr, "lambdazip:", err)
		os.Exit(1)
	}
}

func pack(src, dst string, maxBytes int64) error {
	bin, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	if _, err := w.Write(bin); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if int64(buf.Len()) > maxBytes {
		return fmt.Errorf("%s is %d bytes, over the limit of %d", dst, buf.Len(), maxBytes)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %.1f MB\n", dst, float64(buf.Len())/1e6)
	return nil
}
