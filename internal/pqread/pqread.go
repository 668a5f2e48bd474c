// Package pqread reads tick objects back with parquet-go, an independent Parquet implementation, for
// tests and tools. The functions never import it.
package pqread

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/shared/tickparquet"
)

// Read decodes a whole Parquet object of ticks.
func Read(r io.ReaderAt, size int64) ([]tickparquet.Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	rd := parquet.NewGenericReader[tickparquet.Row](f)
	defer rd.Close()
	rows := make([]tickparquet.Row, f.NumRows())
	n, err := rd.Read(rows)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read parquet: %w", err)
	}
	return rows[:n], nil
}

// Open opens a Parquet object, for checks of its metadata.
func Open(r io.ReaderAt, size int64) (*parquet.File, error) { return parquet.OpenFile(r, size) }
