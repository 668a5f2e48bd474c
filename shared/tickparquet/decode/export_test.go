package decode

import "github.com/ticklake/ticklake/shared/tickparquet"

// DecodeFast reads with the fast reader only; it fails where Decode would fall back to parquet-go.
func (d *Decoder) DecodeFast(dst []tickparquet.Row, body []byte) ([]tickparquet.Row, error) {
	t := tickparquet.NewTable(d.fields)
	if err := d.decodeFast(t, body); err != nil {
		return dst, err
	}
	return append(dst, t.Rows(0, t.Len())...), nil
}

// DecodeParquetGo reads with parquet-go only.
func (d *Decoder) DecodeParquetGo(dst []tickparquet.Row, body []byte) ([]tickparquet.Row, error) {
	return d.decodeParquetGo(dst, body)
}
