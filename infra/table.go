package main

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// Parquet storage classes of the table, as Glue and Athena name them.
const (
	parquetInput  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	parquetOutput = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
	parquetSerDe  = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
)

// TicksTableProps say where the ticks table lives and what it declares.
type TicksTableProps struct {
	CatalogID *string
	Database  string
	Table     string
	// Location is the s3:// URI of the data prefix, ending in '/'.
	Location *string
	Fields   schema.Schema
}

// NewTicksTable is the ticks table as code: the contract's columns, one column per declared field,
// extra, the dt and hour partition keys (strings), stored as Parquet. The crawler only adds
// partitions to it, each inheriting the table's schema; adding a declared field is a deploy.
func NewTicksTable(scope constructs.Construct, id string, p TicksTableProps) awsglue.CfnTable {
	var cols []*awsglue.CfnTable_ColumnProperty
	for _, c := range tickparquet.CatalogColumns(p.Fields) {
		cols = append(cols, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(c.Name), Type: jsii.String(c.Type)})
	}
	var keys []*awsglue.CfnTable_ColumnProperty
	for _, k := range []string{layout.KeyDT, layout.KeyHour} {
		keys = append(keys, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(k), Type: jsii.String("string")})
	}
	return awsglue.NewCfnTable(scope, jsii.String(id), &awsglue.CfnTableProps{
		CatalogId:    p.CatalogID,
		DatabaseName: jsii.String(p.Database),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:          jsii.String(p.Table),
			Description:   jsii.String("Market ticks: the tick contract, the declared fields, extra; partitioned by event time"),
			TableType:     jsii.String("EXTERNAL_TABLE"),
			Parameters:    map[string]any{"classification": "parquet", "ticklake.fields": p.Fields.String()},
			PartitionKeys: &keys,
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      &cols,
				Location:     p.Location,
				InputFormat:  jsii.String(parquetInput),
				OutputFormat: jsii.String(parquetOutput),
				SerdeInfo: &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String(parquetSerDe),
					Parameters: map[string]any{"serialization.format": "1"}},
				Parameters: map[string]any{"classification": "parquet"},
			},
		},
	})
}

// readFields reads the declared fields from the context key ticklake:fields: a name:type list, or a
// JSON array of {"name","type"}; unset, schema.Default.
func readFields(v any) (schema.Schema, error) {
	def := schema.Default
	switch x := v.(type) {
	case nil:
	case string:
		def = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", schema.ContextFields, err)
		}
		def = string(b)
	}
	fields, err := schema.Parse(def)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", schema.ContextFields, def, err)
	}
	return fields, nil
}
