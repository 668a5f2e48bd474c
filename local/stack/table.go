package stack

import (
	"fmt"
	"slices"

	"github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// TicksTable is the ticks table as the CDK app defines it (infra/table.go): the contract's columns,
// the declared fields' columns (retired ones included), extra, and the dt and hour partition keys.
func TicksTable(fields schema.Schema) glue.Table {
	var cols []glue.Column
	for _, c := range tickparquet.CatalogColumns(fields) {
		cols = append(cols, glue.Column{Name: c.Name, Type: c.Type})
	}
	return glue.Table{Name: analytics.Table, DatabaseName: Database, TableType: "EXTERNAL_TABLE",
		StorageDescriptor: glue.ParquetStorage("s3://"+DataBucket+"/"+layout.DefaultDataPrefix, cols),
		PartitionKeys:     []glue.Column{{Name: layout.KeyDT, Type: "string"}, {Name: layout.KeyHour, Type: "string"}},
		Parameters:        map[string]string{"classification": "parquet", "ticklake.fields": fields.String()},
		CreatedBy:         "ticklake local stack"}
}

// EnsureTicksTable creates the ticks table, or updates it when the declaration changed, as a deploy
// of the CDK app does. The partitions already cataloged keep their own column lists.
func EnsureTicksTable(cat *glue.Catalog, fields schema.Schema) error {
	want := TicksTable(fields)
	if have, err := cat.Table(Database, want.Name); err == nil &&
		slices.Equal(have.StorageDescriptor.Columns, want.StorageDescriptor.Columns) &&
		slices.Equal(have.PartitionKeys, want.PartitionKeys) && have.Parameters["ticklake.fields"] == fields.String() {
		return nil
	}
	if err := cat.PutTable(want); err != nil {
		return fmt.Errorf("table %s.%s: %w", Database, want.Name, err)
	}
	return nil
}
